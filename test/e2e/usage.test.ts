// Per-token usage on the local stack as a user meets it: requests through the gateway, those the
// authorizer decided and those answered from its cache alike, show up in GET /v1/tokens/{id}/usage
// (the gateway's access log, counted by the usage recorder), a refusal as denied; and the token
// drops out of `unused_days`.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStack, tokengate } from '#test-support/processes';

describe('per-token usage on the local stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokengate-e2e-usage-'));
  let stack: LocalStack;
  let adminToken = '';

  async function call(path: string, token = adminToken) {
    const response = await fetch(`${stack.url}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, body: await response.json() };
  }

  beforeAll(async () => {
    stack = await LocalStack.start({ PORT: '0', DATA_DIR: dataDir });
    const result = await tokengate(['bootstrap', '--local'], { DATA_DIR: dataDir });
    expect(result.status, result.stderr).toBe(0);
    adminToken = result.stdout.trim();
  }, 150_000);

  afterAll(async () => {
    await stack?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('counts a request the authorizer decided and one answered from its cache, and a refusal as denied', async () => {
    const created = await fetch(`${stack.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        description: 'repo reader',
        scopes: [{ scope: 'repos:read', resources: ['a'] }],
      }),
    });
    const { id, token } = await created.json();
    expect((await call('/repos/a/x', token)).status).toBe(200); // the authorizer decides
    expect((await call('/repos/a/x', token)).status).toBe(200); // its cached answer (same token, method, path)
    expect((await call('/repos/b/x', token)).status).toBe(403); // refused: repo b is not its

    const started = Date.now();
    let usage = (await call(`/v1/tokens/${id}/usage?days=7`)).body;
    while (usage.requests < 3 && Date.now() - started < 30_000) {
      await sleep(500);
      usage = (await call(`/v1/tokens/${id}/usage?days=7`)).body;
    }
    expect(usage.days).toHaveLength(7);
    expect(usage.days.at(-1)).toEqual({
      date: new Date().toISOString().slice(0, 10),
      requests: 3,
      denied: 1,
    });
    expect(usage.requests).toBe(3);

    const unused = (await call('/v1/tokens?unused_days=30')).body.tokens.map((t: { id: string }) => t.id);
    expect(unused).not.toContain(id);
    // The access log is the user's alone, as everything in the data folder.
    expect(statSync(join(dataDir, 'access.log')).mode & 0o777).toBe(0o600);

    // The CLI says the same.
    const cliEnv = { TOKENGATE_ENDPOINT: stack.url, TOKENGATE_TOKEN: adminToken, DATA_DIR: dataDir };
    const shown = await tokengate(['show', 'token', '--guid', id], cliEnv);
    expect(shown.stdout).toContain('Requests     3 in the last 30 days (1 denied)');
    const listed = await tokengate(['list', 'tokens', '--unused', '30d', '-o', 'json'], cliEnv);
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).map((t: { id: string }) => t.id)).not.toContain(id);
  }, 90_000);
});
