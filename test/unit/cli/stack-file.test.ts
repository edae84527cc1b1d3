// A `.data/stack.json` may come with a cloned repository, so the CLI sends a token only to a loopback
// URL named there. Each case runs `tokengate whoami` with a token against a real HTTP listener on this
// machine; where a stack file names another host, the CLI's fetch is pointed at the listener as that
// host's DNS would point it (an attacker controls their own DNS), so a request that was sent would
// arrive. A refused one never does.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '#cli/io';
import { run } from '#cli/main';
import { mintToken } from '#domain/token-format';
import { isLoopbackUrl } from '#local/data-dir';
import { sampleToken } from './fixtures';

const TOKEN = mintToken().token;

interface Arrival {
  host: string | undefined;
  authorization: string | undefined;
}

/** A listener that answers `GET /v1/whoami` and records everything that reaches it. */
async function listen(host: string): Promise<{ server: Server; port: number; arrivals: Arrival[] }> {
  const arrivals: Arrival[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    arrivals.push({ host: request.headers.host, authorization: request.headers.authorization });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(sampleToken()));
  });
  server.listen(0, host);
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, arrivals };
}

let loopback: Awaited<ReturnType<typeof listen>>;
const dataDir = mkdtempSync(join(tmpdir(), 'tokengate-stack-file-'));

beforeAll(async () => {
  loopback = await listen('127.0.0.1');
});
afterAll(async () => {
  loopback.server.closeAllConnections();
  loopback.server.close();
  rmSync(dataDir, { recursive: true, force: true });
});
beforeEach(() => {
  loopback.arrivals.length = 0;
});

function writeStackFile(url: string, dynamodbEndpoint = 'http://127.0.0.1:1'): void {
  writeFileSync(
    join(dataDir, 'stack.json'),
    JSON.stringify({ url, dynamodb_endpoint: dynamodbEndpoint, tokens_table: 'tokens', pid: 1 }),
  );
}

/** `tokengate args` in-process; its HTTP goes to the loopback listener whatever host the URL names. */
async function tokengate(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const requested: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: { DATA_DIR: dataDir, TOKENGATE_TOKEN: TOKEN, ...env },
    fetch: (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      requested.push(url.href);
      url.protocol = 'http:';
      url.hostname = '127.0.0.1';
      url.port = String(loopback.port);
      return globalThis.fetch(url, init);
    },
  };
  const status = await run(args, io);
  return { status, stdout: out.join(''), stderr: err.join(''), requested };
}

describe('a URL from stack.json', () => {
  it.each([
    'http://192.0.2.10:8787',
    'https://tokens.example.com',
    'http://127.0.0.1.evil.example:8787',
    'http://localhost.evil.example:8787',
    'http://localhost@evil.example:8787',
    'http://127.0.0.1:8787@evil.example',
    'http://user:secret@127.0.0.1:8787',
    'http://[::ffff:127.0.0.1]:8787',
    'http://[::ffff:7f00:1]:8787',
    'http://0.0.0.0:8787',
    'http://[::]:8787',
    'http://localhost.:8787',
    'http://10.0.0.1:8787',
  ])('%s is refused with one line on stderr, and the token goes nowhere', async (url) => {
    writeStackFile(url);

    const result = await tokengate(['whoami']);

    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^tokengate: .*stack\.json names .*not on this machine.*--endpoint/);
    expect(result.stderr).not.toContain(TOKEN);
    expect(result.requested).toEqual([]);
    expect(loopback.arrivals).toEqual([]);
  });

  it.each(['http://127.0.0.1:PORT', 'http://localhost:PORT', 'http://127.1.2.3:PORT', 'http://[::1]:PORT'])(
    '%s is used',
    async (template) => {
      const url = template.replace('PORT', String(loopback.port));
      writeStackFile(url);

      const result = await tokengate(['whoami', '-o', 'json']);

      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.requested).toEqual([`${new URL(url).origin}/v1/whoami`]);
      expect(loopback.arrivals).toEqual([{ host: expect.any(String), authorization: `Bearer ${TOKEN}` }]);
    },
  );

  it('does not stop an explicit --endpoint or TOKENGATE_ENDPOINT from naming any host', async () => {
    writeStackFile('https://evil.example');

    const byOption = await tokengate(['whoami', '--endpoint', 'https://api.example.com/prod']);
    const byEnv = await tokengate(['whoami'], { TOKENGATE_ENDPOINT: 'https://api.example.com/prod' });

    expect(byOption.status, byOption.stderr).toBe(0);
    expect(byOption.requested).toEqual(['https://api.example.com/prod/v1/whoami']);
    expect(byEnv.status, byEnv.stderr).toBe(0);
    expect(byEnv.requested).toEqual(['https://api.example.com/prod/v1/whoami']);
  });

  it('naming a DynamoDB that is not on this machine stops bootstrap --local before it sends anything', async () => {
    writeStackFile(`http://127.0.0.1:${loopback.port}`, 'http://127.0.0.1.evil.example:8000');

    const result = await tokengate(['bootstrap', '--local']);

    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^tokengate: .*stack\.json names DynamoDB at .*not on this machine/);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('isLoopbackUrl', () => {
  it.each([
    ['http://127.0.0.1:8787', true],
    ['https://localhost', true],
    ['http://LOCALHOST:1', true],
    ['http://127.255.255.254:1', true],
    ['http://127.1:1', true],
    ['http://0x7f000001:1', true],
    ['http://[::1]:1', true],
    ['http://[0:0:0:0:0:0:0:1]:1', true],
    ['http://128.0.0.1:1', false],
    ['http://[::2]:1', false],
    ['ftp://127.0.0.1', false],
    ['file:///etc/passwd', false],
    ['127.0.0.1:8787', false],
    ['not a url', false],
    ['http://%31%32%37.0.0.1.evil.example', false],
  ])('%s → %s', (url, expected) => {
    expect(isLoopbackUrl(url)).toBe(expected);
  });
});
