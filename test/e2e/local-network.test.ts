// The local stack as `npm start` runs it can be reached from this machine only: its gateway and its
// DynamoDB Local both listen on 127.0.0.1. And its /healthz tells when DynamoDB Local stops answering.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDir, readStackInfo, type StackInfo } from '#local/data-dir';
import { LocalStack, REPOSITORY_ROOT } from '#test-support/processes';
import { canReadSocketTables, listeningAddresses, tryConnect } from '#test-support/sockets';

/** The Java processes `pid` started (DynamoDB Local), from /proc/<pid>/stat: `pid (comm) state ppid ...`. */
function javaChildren(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it ended meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent === pid && comm === 'java') children.push(Number(entry));
  }
  return children;
}

describe('the local stack on the network', () => {
  const root = mkdtempSync(join(tmpdir(), 'tokengate-e2e-network-'));
  let stack: LocalStack;
  let info: StackInfo;
  const paused: number[] = [];

  const ports = () => ({
    gateway: Number(new URL(stack.url).port),
    dynamodb: Number(new URL(info.dynamodb_endpoint).port),
  });

  const healthz = async () => {
    const response = await fetch(`${stack.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    stack = await LocalStack.start({ PORT: '0', DATA_DIR: root });
    const read = readStackInfo(dataDir({ DATA_DIR: root }));
    if (!read) throw new Error(`The local stack wrote no stack.json:\n${stack.log}`);
    info = read;
  }, 150_000);

  afterAll(async () => {
    for (const pid of paused) process.kill(pid, 'SIGCONT');
    await stack?.kill();
    rmSync(root, { recursive: true, force: true });
  }, 90_000);

  it.skipIf(!canReadSocketTables)('binds its gateway and its DynamoDB Local to 127.0.0.1 alone', () => {
    const { gateway, dynamodb } = ports();
    expect(listeningAddresses(gateway)).toEqual(['127.0.0.1']);
    expect(listeningAddresses(dynamodb)).toEqual(['127.0.0.1']);
  });

  it('accepts connections on 127.0.0.1', async () => {
    const { gateway, dynamodb } = ports();
    expect(await tryConnect('127.0.0.1', gateway)).toBe('accepted');
    expect(await tryConnect('127.0.0.1', dynamodb)).toBe('accepted');
  });

  it.skipIf(!canReadSocketTables)(
    '/healthz answers 503 naming DynamoDB while DynamoDB Local does not answer, then 200 again',
    async () => {
      expect(await healthz()).toEqual({ status: 200, body: { status: 'ok' } });
      const java = javaChildren(info.pid);
      expect(java).toHaveLength(1);
      for (const pid of java) {
        process.kill(pid, 'SIGSTOP');
        paused.push(pid);
      }
      // The last answer is kept for a second, so that /healthz stays cheap however often it is asked.
      const poll = { timeout: 10_000, interval: 250 };
      await expect
        .poll(healthz, poll)
        .toEqual({ status: 503, body: { status: 'unavailable', down: ['dynamodb'] } });
      for (const pid of paused.splice(0)) process.kill(pid, 'SIGCONT');
      await expect.poll(healthz, poll).toEqual({ status: 200, body: { status: 'ok' } });
    },
    60_000,
  );
});

describe('the local stack’s DynamoDB proxy', () => {
  it('is refused at start, in one line, unless it is a loopback URL: the functions would send token items there', () => {
    const root = mkdtempSync(join(tmpdir(), 'tokengate-e2e-proxy-'));
    try {
      const started = spawnSync(join(REPOSITORY_ROOT, 'node_modules/.bin/tsx'), ['local/start.ts'], {
        cwd: REPOSITORY_ROOT,
        env: {
          ...process.env,
          PORT: '0',
          DATA_DIR: root,
          TOKENGATE_LOCAL_DYNAMODB_PROXY: 'http://192.0.2.10:8000',
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(started.status).toBe(1);
      expect(started.stderr.trim()).toBe(
        'tokengate: TOKENGATE_LOCAL_DYNAMODB_PROXY must be a loopback URL, got "http://192.0.2.10:8000"',
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 90_000);
});
