// Without DATA_DIR, the CLI finds the running local stack through the per-user registry that
// local/start.ts keeps: only live stacks, only loopback URLs, only from a folder that is
// this user's alone, and never a guess between several.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findLocalStack, notFoundAdvice, notTheRunningStack } from '#cli/local-stack';
import { resolveTarget } from '#cli/target';
import { dataDir, writeStackInfo } from '#local/data-dir';
import { type RegisteredStack, registerStack, registryDir, runningStacks } from '#local/stack-registry';

const root = mkdtempSync(join(tmpdir(), 'tokengate-registry-'));
const runtime = join(root, 'runtime');
const elsewhere = join(root, 'elsewhere'); // a cwd with no .data of its own
const env = { XDG_RUNTIME_DIR: runtime };
let cwd = '';

beforeAll(() => {
  mkdirSync(runtime, { mode: 0o700 });
  mkdirSync(elsewhere);
  cwd = process.cwd();
  process.chdir(elsewhere);
});
afterAll(() => {
  process.chdir(cwd);
  rmSync(root, { recursive: true, force: true });
});
afterEach(() => rmSync(join(runtime, 'tokengate'), { recursive: true, force: true }));

/** A stack as start.ts registers it: its data folder's stack.json names the same pid. */
function stack(name: string, pid: number, url = 'http://127.0.0.1:40123'): RegisteredStack {
  const data = join(root, name);
  mkdirSync(data, { recursive: true });
  const info = { url, dynamodb_endpoint: 'http://127.0.0.1:40124', tokens_table: 'tokens', pid };
  writeStackInfo(dataDir({ DATA_DIR: data }), info);
  return { ...info, data_dir: data };
}

describe('the registry of running stacks', () => {
  it('lists a registered stack while it runs, and not after it is removed', () => {
    const entry = stack('a', process.pid);
    const unregister = registerStack(entry, env);
    expect(registryDir(env)).toBe(join(runtime, 'tokengate', 'stacks'));
    expect(runningStacks(env)).toEqual([entry]);
    unregister();
    expect(runningStacks(env)).toEqual([]);
  });

  it('drops the entry of a stack whose process has ended, or whose data folder another stack now holds', () => {
    registerStack(stack('dead', 2 ** 22 + 12345), env);
    const replaced = stack('replaced', process.pid);
    registerStack(replaced, env);
    writeStackInfo(dataDir({ DATA_DIR: replaced.data_dir }), { ...replaced, pid: process.ppid });
    expect(runningStacks(env)).toEqual([]);
    expect(readdirSync(registryDir(env))).toEqual([]);
  });

  it('ignores an entry naming a URL that is not loopback', () => {
    registerStack(stack('remote', process.pid, 'http://attacker.example:8787'), env);
    expect(runningStacks(env)).toEqual([]);
  });

  it('trusts no folder that others may write to', () => {
    registerStack(stack('a', process.pid), env);
    chmodSync(registryDir(env), 0o777);
    expect(runningStacks(env)).toEqual([]);
    const warnings: string[] = [];
    registerStack(stack('b', process.pid), env, (line) => warnings.push(line));
    expect(warnings).toEqual([expect.stringContaining('the CLI finds this stack only with DATA_DIR')]);
  });

  it('is in <tmpdir>/tokengate-<uid>/stacks without XDG_RUNTIME_DIR', () => {
    expect(registryDir({})).toBe(join(tmpdir(), `tokengate-${process.getuid?.()}`, 'stacks'));
  });
});

describe('which stack a command means', () => {
  it('without DATA_DIR and with no stack on ./.data, the one stack that runs', async () => {
    const entry = stack('a', process.pid);
    registerStack(entry, env);
    const choice = findLocalStack(env);
    expect(choice).toMatchObject({ from: 'registry', lookedIn: join(elsewhere, '.data') });
    expect(choice.dir.root).toBe(entry.data_dir);
    expect(choice.dir.keyFile).toBe(join(entry.data_dir, 'hmac-keys.json'));
    const traced: string[] = [];
    const target = await resolveTarget({}, env, (line) => traced.push(line));
    expect(target).toMatchObject({ endpoint: 'http://127.0.0.1:40123', endpointFrom: 'local-stack' });
    expect(traced).toEqual([
      `DATA_DIR is not set and no local stack runs on ${join(elsewhere, '.data')}: using the one running at http://127.0.0.1:40123 (DATA_DIR=${entry.data_dir})`,
    ]);
  });

  it('with DATA_DIR set, that folder only, naming the stacks that run elsewhere when none runs there', async () => {
    const entry = stack('a', process.pid);
    registerStack(entry, env);
    const mine = join(root, 'mine');
    const choice = findLocalStack({ ...env, DATA_DIR: mine });
    expect(choice).toMatchObject({ from: 'data-dir', stack: null, searchedRegistry: false });
    expect(choice.dir.root).toBe(mine);
    expect(notFoundAdvice(choice)).toBe(
      `no local stack runs on ${mine} (DATA_DIR); running elsewhere: http://127.0.0.1:40123 (DATA_DIR=${entry.data_dir}). ` +
        'Start one (npm start), or point at yours: DATA_DIR=<its data folder>, or --endpoint URL',
    );
    expect(notTheRunningStack(choice)).toBe(
      `no local stack runs on ${mine} (DATA_DIR), so the token is made there, for a stack you start on it; ` +
        `the stack running at http://127.0.0.1:40123 (DATA_DIR=${entry.data_dir}) will not accept it`,
    );
    expect((await resolveTarget({}, { ...env, DATA_DIR: mine })).endpointFrom).toBe('default');
    expect(notTheRunningStack(findLocalStack({ ...env, DATA_DIR: entry.data_dir }))).toBeUndefined();
  });

  it('refuses to guess between several running stacks, naming them and how to choose', () => {
    const a = stack('a', process.pid, 'http://127.0.0.1:40001');
    const b = stack('b', process.ppid, 'http://127.0.0.1:40002');
    registerStack(a, env);
    registerStack(b, env);
    expect(() => findLocalStack(env)).toThrow(
      `No local stack runs on ${join(elsewhere, '.data')}, and 2 run elsewhere: ` +
        `http://127.0.0.1:40001 (DATA_DIR=${a.data_dir}), http://127.0.0.1:40002 (DATA_DIR=${b.data_dir}). ` +
        'Say which: set DATA_DIR to its data folder, or pass --endpoint URL',
    );
  });

  it('with none running, says where it looked and how to point at the right one', async () => {
    const target = await resolveTarget({}, env);
    expect(target.endpointFrom).toBe('default');
    expect(target.noStackAdvice).toBe(
      `no local stack runs on ${join(elsewhere, '.data')} (DATA_DIR is not set), nor any other that this user started. ` +
        'Start one (npm start), or point at yours: DATA_DIR=<its data folder>, or --endpoint URL',
    );
  });

  it('a live stack on ./.data wins over the registry', () => {
    registerStack(stack('a', process.pid), env);
    const local = join(elsewhere, '.data');
    mkdirSync(local);
    writeStackInfo(dataDir({ DATA_DIR: local }), {
      url: 'http://127.0.0.1:40999',
      dynamodb_endpoint: 'http://127.0.0.1:41000',
      tokens_table: 'tokens',
      pid: process.pid,
    });
    try {
      expect(findLocalStack(env)).toMatchObject({
        from: 'data-dir',
        stack: { url: 'http://127.0.0.1:40999' },
      });
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  });
});
