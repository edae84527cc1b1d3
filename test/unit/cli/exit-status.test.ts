// The CLI's exit statuses, as `gh` tells them apart: 0 success, 1 an error the API reported, 2 a
// mistake in the command line (commander's own included), 4 a refused token, 5 no answer from the API.
import { describe, expect, it } from 'vitest';
import { mintToken } from '#domain/token-format';
import { type FakeApi, lines, runCli, sampleToken } from './fixtures';

const ENDPOINT = 'http://api.test/prod';
const env = { TOKENGATE_ENDPOINT: ENDPOINT, TOKENGATE_TOKEN: mintToken().token };
const refusal =
  (status: number, code: string, message: string): FakeApi =>
  () => ({ status, body: { error: { code, message } } });

describe('exit status', () => {
  it('0 on success, an already revoked token included', async () => {
    const revoked = sampleToken({ status: 'revoked', revoked_at: '2026-02-01T00:00:00.000Z' });
    const result = await runCli(['revoke', 'token', '--guid', revoked.id], {
      env,
      api: () => ({ body: revoked }),
    });
    expect(result.status).toBe(0);
  });

  it.each([
    [['whoami', '--nope'], /unknown option '--nope'/],
    [['list', 'tokens', '--sort', 'sideways'], /argument 'sideways' is invalid/],
    [['create', 'token', '--scope', 'repos:read'], /required option '--description <text>' not specified/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['rotate', 'token', '--self', '--grace', '90'], /--grace must be a duration/],
    [['rotate', 'token', '--self', '--expires', 'soon'], /--expires must be/],
    [['create', 'token', '--description', 'd', '--scope', 'repos:read'], /needs --repos/],
    [['edit', 'token', '--guid', 'AAAAAAAAAAAAAAA1'], /Say what to change/],
    [['whoami', '--endpoint', 'ftp://example.com'], /must be an http\(s\) URL/],
  ])('2 for a usage error, %j: one line, no request', async (args, message) => {
    const result = await runCli(args, { env });
    expect(result.status).toBe(2);
    expect(result.sent).toHaveLength(0);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it.each([
    [400, 'invalid_request'],
    [404, 'not_found'],
    [409, 'conflict'],
    [500, 'internal_error'],
  ])('1 for an error the API reported (%i)', async (status, code) => {
    const result = await runCli(['show', 'token', '--guid', 'AAAAAAAAAAAAAAA1'], {
      env,
      api: (request) =>
        request.url.pathname.endsWith('/healthz') ? { status: 404 } : refusal(status, code, 'No')(request),
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`tokengate: No [${status} ${code}]\n`);
  });

  it.each([
    [401, 'unauthorized'],
    [403, 'forbidden'],
  ])('4 when the API refuses the token (%i)', async (status, code) => {
    const result = await runCli(['whoami'], { env, api: refusal(status, code, 'Refused') });
    expect(result.status).toBe(4);
    expect(lines(result.stderr)).toHaveLength(1);
  });

  it('5 when the API cannot be reached, naming the URL and how to point elsewhere', async () => {
    const result = await runCli(['whoami'], {
      env,
      api: () => {
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
        });
      },
    });
    expect(result.status).toBe(5);
    expect(result.stderr).toBe(
      `tokengate: Cannot reach the tokengate API at ${ENDPOINT} (ECONNREFUSED): is it the right URL, and is the API up? ` +
        'To use another, pass --endpoint or set TOKENGATE_ENDPOINT\n',
    );
  });
});

describe('a stack whose database is down', () => {
  // What the local gateway answers then: the authorizer fails (500), and /healthz names DynamoDB.
  const databaseDown: FakeApi = (request) =>
    request.url.pathname.endsWith('/healthz')
      ? { status: 503, body: { status: 'unavailable', down: ['dynamodb'] } }
      : { status: 500, body: { error: { code: 'internal_error', message: 'The authorizer failed' } } };

  it('says the API is up and its database is not answering, rather than that the authorizer failed', async () => {
    const result = await runCli(['list', 'tokens'], { env, api: databaseDown });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `tokengate: The API at ${ENDPOINT} is up, but its database (DynamoDB) is not answering [500]\n`,
    );
    expect(result.sent.map((request) => [request.url.pathname, request.authorization])).toEqual([
      ['/prod/v1/tokens', `Bearer ${env.TOKENGATE_TOKEN}`],
      ['/prod/healthz', null],
    ]);
  });

  it('on the local stack it says what to do about it', async () => {
    const local = {
      TOKENGATE_TOKEN: env.TOKENGATE_TOKEN,
      DATA_DIR: '/nonexistent/tokengate-exit',
      XDG_RUNTIME_DIR: '/nonexistent/tokengate-exit-rt',
    };
    const result = await runCli(['whoami'], { env: local, api: databaseDown });
    expect(result.stderr).toMatch(
      /^tokengate: The API at http:\/\/127\.0\.0\.1:8787 is up, but its database \(DynamoDB\) is not answering \[500\]: restart the local stack \(npm start\)/,
    );
  });

  it("a server failure whose health check says all is well keeps the API's own words", async () => {
    const result = await runCli(['whoami'], {
      env,
      api: (request) =>
        request.url.pathname.endsWith('/healthz')
          ? { status: 200, body: { status: 'ok' } }
          : { status: 500, body: { error: { code: 'internal_error', message: 'Internal server error' } } },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('tokengate: Internal server error [500 internal_error]\n');
  });
});
