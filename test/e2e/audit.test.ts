// The audit trail on the local stack as a user meets it: changes made through the API show up in
// GET /v1/audit within two seconds, attributed to the token that made them, and a restart of the
// stack neither loses nor repeats them; the expiry-warning scan run at start adds its token.expiring.
// The tests run in order and share the stack.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '#domain/audit';
import { LocalStack, tokengate } from '#test-support/processes';

const STEP_TIMEOUT = 90_000;
const VISIBLE_WITHIN_MS = 2_000;

describe('the audit trail on the local stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokengate-e2e-audit-'));
  const env = { PORT: '0', DATA_DIR: dataDir };
  const stacks: LocalStack[] = [];
  let stack: LocalStack;
  let adminToken = '';
  let adminId = '';
  let tokenId = '';
  let seen: AuditEvent[] = [];
  let expiringId = '';
  let expiringToken = '';

  async function startStack(): Promise<LocalStack> {
    const started = await LocalStack.start(env);
    stacks.push(started);
    return started;
  }

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, body: await response.json() };
  }

  async function eventsOf(id: string): Promise<AuditEvent[]> {
    const { status, body } = await call('GET', `/v1/audit?token_id=${id}`);
    expect(status).toBe(200);
    return body.events;
  }

  /** Polls until `count` events of the token are listed; returns them and how long that took. */
  async function waitForEvents(id: string, count: number): Promise<{ events: AuditEvent[]; ms: number }> {
    const started = Date.now();
    let events = await eventsOf(id);
    while (events.length < count && Date.now() - started < 10_000) {
      await sleep(50);
      events = await eventsOf(id);
    }
    return { events, ms: Date.now() - started };
  }

  beforeAll(async () => {
    stack = await startStack();
    const result = await tokengate(['bootstrap', '--local'], { DATA_DIR: dataDir });
    expect(result.status, result.stderr).toBe(0);
    adminToken = result.stdout.trim();
    adminId = (await call('GET', '/v1/whoami')).body.id;
  }, 150_000);

  afterAll(async () => {
    for (const started of stacks) await started.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('records the bootstrap admin token as created by the system', async () => {
    const { events } = await waitForEvents(adminId, 1);
    expect(events).toMatchObject([
      { type: 'token.created', token_id: adminId, actor: { type: 'system', id: 'bootstrap' } },
    ]);
  });

  it(
    'a create and a revoke made with the admin token are listed within two seconds, attributed to it',
    async () => {
      const created = await call('POST', '/v1/tokens', {
        description: 'audited e2e token',
        scopes: [{ scope: 'nameservice:read' }],
      });
      expect(created.status).toBe(201);
      tokenId = created.body.id;
      expect((await call('POST', `/v1/tokens/${tokenId}/revoke`)).status).toBe(200);

      const { events, ms } = await waitForEvents(tokenId, 2);
      expect(ms).toBeLessThan(VISIBLE_WITHIN_MS);
      const admin = { type: 'token', id: adminId };
      expect(events).toMatchObject([
        { type: 'token.revoked', token_id: tokenId, actor: admin },
        {
          type: 'token.created',
          token_id: tokenId,
          actor: admin,
          details: { description: 'audited e2e token' },
        },
      ]);
      expect(JSON.stringify(events)).not.toContain(created.body.token);
      seen = events;
    },
    STEP_TIMEOUT,
  );

  it('filters by actor and type, and refuses a malformed query in the native error shape', async () => {
    const byActor = await call('GET', `/v1/audit?actor=token:${adminId}&type=token.revoked`);
    expect(byActor.status).toBe(200);
    expect(byActor.body.events.map((event: AuditEvent) => event.token_id)).toEqual([tokenId]);

    const refused = await call('GET', '/v1/audit?type=token.stolen');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'invalid_request', field: 'type' });
  });

  it('a token that expires within the warning window is created while the stack runs', async () => {
    const created = await call('POST', '/v1/tokens', {
      description: 'expiring e2e token',
      scopes: [{ scope: 'nameservice:read' }],
      expires_in_days: 3,
    });
    expect(created.status).toBe(201);
    expiringId = created.body.id;
    expiringToken = created.body.token;
  });

  it('after a restart the events are still there, once each, and new changes are recorded again', async () => {
    expect(await stack.stop()).toBe(0);
    stack = await startStack();

    expect(await eventsOf(tokenId)).toEqual(seen);

    const before = Date.now();
    const updated = await call('PATCH', `/v1/tokens/${tokenId}`, { user_email: 'owner@example.com' });
    expect(updated.status).toBe(200);
    const { events } = await waitForEvents(tokenId, 3);
    expect(Date.now() - before).toBeLessThan(VISIBLE_WITHIN_MS + 1_000);
    expect(events.map((event) => event.type)).toEqual(['token.updated', 'token.revoked', 'token.created']);
    expect(events[0]?.details.changes).toEqual({ user_email: { old: null, new: 'owner@example.com' } });
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
  }, 180_000);

  it(
    'the expiry-warning scan at start warned that token once: token.expiring in the trail, its event in events.jsonl',
    async () => {
      let warnings: AuditEvent[] = [];
      const started = Date.now();
      while (warnings.length === 0 && Date.now() - started < 10_000) {
        warnings = (await eventsOf(expiringId)).filter((event) => event.type === 'token.expiring');
        if (warnings.length === 0) await sleep(100);
      }
      expect(warnings).toMatchObject([
        {
          type: 'token.expiring',
          token_id: expiringId,
          actor: { type: 'system', id: 'expiry-warning' },
          details: { description: 'expiring e2e token' },
        },
      ]);
      const lines = readFileSync(join(dataDir, 'events.jsonl'), 'utf8').trim().split('\n');
      const put = lines
        .map((line) => JSON.parse(line))
        .filter((event) => event.detail.token_id === expiringId);
      expect(put).toMatchObject([
        {
          source: 'tokengate',
          'detail-type': 'token.expiring',
          detail: { token_id: expiringId, expires_at: warnings[0]?.details.expires_at },
        },
      ]);
      expect(lines.join('\n')).not.toContain(expiringToken);
    },
    STEP_TIMEOUT,
  );

  it(
    'tokengate audit --guid prints the same events, as JSON or as a table',
    async () => {
      const env = { DATA_DIR: dataDir, TOKENGATE_TOKEN: adminToken };
      const json = await tokengate(['audit', '--guid', tokenId, '-o', 'json'], env);
      expect(json.status, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual(await eventsOf(tokenId));

      const human = await tokengate(['audit', '--guid', tokenId], env);
      expect(human.status, human.stderr).toBe(0);
      const rows = human.stdout.trim().split('\n').slice(1);
      expect(rows.map((row) => row.split(/\s{2,}/)[1])).toEqual([
        'token.updated',
        'token.revoked',
        'token.created',
      ]);
      expect(human.stdout).toContain(`token:${adminId}`);
    },
    STEP_TIMEOUT,
  );

  it('never writes a token to its output', () => {
    for (const started of stacks) expect(started.log).not.toContain(adminToken);
  });
});
