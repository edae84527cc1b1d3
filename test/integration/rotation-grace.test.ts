// A rotation as a consumer lives it, through the local gateway (routing, the real authorizer and its
// cache, the real handlers) on DynamoDB Local, with the clock stepped a second at a time: the old
// token keeps passing during the grace and is refused after it, even from the authorizer cache; the
// new one passes throughout. And `self` is a route of its own: any token may rotate itself, only an
// admin another token.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { TokenService } from '#domain/token-service';
import type { GatewayRequest } from '#local/events';
import { Gateway, type GatewayResponse } from '#local/gateway';
import { loadHandlers, settleHandlers } from '#local/handlers';
import { ENV } from '#spec/env';
import { ROUTES } from '#spec/routes';
import { freshTokensTable, testDocumentClient } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';

const CACHE_TTL_SECONDS = 30;
const GRACE_SECONDS = 120;
const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-grace-'));

let tokens: TokenService;
let loaded: Awaited<ReturnType<typeof loadHandlers>>;

beforeAll(async () => {
  const keyFile = join(dir, 'keys.json');
  const table = await freshTokensTable();
  // The audit listing is loaded with the rest but never called here.
  useLocalHandlerEnv({ keyFile, tokensTable: table, auditTable: 'unused-audit-table' });
  process.env[ENV.authorizerCacheTtl] = String(CACHE_TTL_SECONDS);
  loaded = await loadHandlers(ROUTES);
  const store = new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 });
  tokens = new TokenService({ store, keys: new FileKeyRingSource(keyFile) });
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  await settleHandlers();
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
});

/** A gateway as `npm start` runs it, built after the clock is faked, so its cache reads that clock. */
function gateway(): Gateway {
  return new Gateway({
    routes: ROUTES,
    authorizer: loaded.authorizer,
    handlers: loaded.handlers,
    cacheTtlSeconds: CACHE_TTL_SECONDS,
  });
}

function request(method: string, path: string, token: string, body?: unknown): GatewayRequest {
  return {
    method,
    path,
    query: '',
    rawHeaders: [
      'Authorization',
      `Bearer ${token}`,
      ...(body === undefined ? [] : ['Content-Type', 'application/json']),
    ],
    body: body === undefined ? null : Buffer.from(JSON.stringify(body)),
    sourceIp: '127.0.0.1',
    requestId: 'req',
    receivedAt: new Date(),
  };
}

const json = (response: GatewayResponse) => JSON.parse(String(response.body));

async function consumerToken(scope: 'repos:read' | 'nameservice:read' = 'repos:read') {
  return tokens.create(
    {
      kind: 'service',
      description: 'nightly mirror',
      userEmail: null,
      scopes: [{ scope, resources: scope === 'repos:read' ? ['a'] : null }],
      expiresAt: null,
    },
    { type: 'system', id: 'test' },
  );
}

/**
 * A consumer's token, used once through a new gateway on a faked clock standing at `start`, so an
 * Allow for it sits in the cache, then rotated at /v1/tokens/self/rotate with `graceSeconds`.
 */
async function rotateWithAnAllowCached(graceSeconds: number) {
  const consumer = await consumerToken();
  const start = Date.now();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(start);
  const api = gateway();
  expect((await api.handle(request('GET', '/repos/a/x', consumer.token))).statusCode).toBe(200);

  const rotated = await api.handle(
    request('POST', '/v1/tokens/self/rotate', consumer.token, { grace_seconds: graceSeconds }),
  );
  return { consumer, start, api, rotated };
}

describe('a consumer during and after the grace, through the gateway and its cache', () => {
  it('the old token passes during the grace and is refused after it; the new one passes throughout', async () => {
    const { consumer, start, api, rotated } = await rotateWithAnAllowCached(GRACE_SECONDS);

    expect(rotated.statusCode).toBe(201);
    const { token: newToken, rotated_from } = json(rotated) as { token: string; rotated_from: string };
    expect(rotated_from).toBe(consumer.record.id);
    const graceEnd = start + GRACE_SECONDS * 1000;
    expect((await tokens.get(consumer.record.id)).expiresAt).toBe(new Date(graceEnd).toISOString());

    const oldPassedAt: number[] = [];
    for (let at = start; at <= graceEnd + 2 * CACHE_TTL_SECONDS * 1000; at += 1_000) {
      vi.setSystemTime(at);
      const old = await api.handle(request('GET', '/repos/a/x', consumer.token));
      const fresh = await api.handle(request('GET', '/repos/a/x', newToken));
      expect([200, 401], `old token at +${at - start} ms`).toContain(old.statusCode);
      expect(fresh.statusCode, `new token at +${at - start} ms`).toBe(200);
      if (old.statusCode === 200) oldPassedAt.push(at);
    }

    // It kept passing for the grace, but for the last TTL plus one second and a cached answer's
    // remaining life (_Expiry under the cache_): every second of the first minute here.
    const keptUntil = graceEnd - (2 * CACHE_TTL_SECONDS + 1) * 1000;
    expect(oldPassedAt.filter((at) => at <= keptUntil)).toHaveLength((keptUntil - start) / 1000 + 1);
    // And never once the grace was over, not even from the cache.
    expect(Math.max(...oldPassedAt)).toBeLessThan(graceEnd);
  }, 60_000);
});

describe('a grace shorter than the cache TTL', () => {
  it('ends like a revocation: an answer cached before the rotation may pass the old token for at most the TTL', async () => {
    const { consumer, start, api, rotated } = await rotateWithAnAllowCached(0);
    expect(rotated.statusCode).toBe(201);

    const passedAt: number[] = [];
    for (let at = start; at <= start + 2 * CACHE_TTL_SECONDS * 1000; at += 1_000) {
      vi.setSystemTime(at);
      if ((await api.handle(request('GET', '/repos/a/x', consumer.token))).statusCode === 200)
        passedAt.push(at);
    }
    expect(Math.max(...passedAt)).toBeLessThan(start + CACHE_TTL_SECONDS * 1000);
    // An uncached check refuses it at once: another path of the same API is not in the cache.
    vi.setSystemTime(start + 1_000);
    expect((await api.handle(request('GET', '/repos/a/y', consumer.token))).statusCode).toBe(401);
  }, 60_000);
});

describe('a grace that would give the old token no time behind the cache', () => {
  async function adminToken() {
    return tokens.create(
      {
        kind: 'user',
        description: 'admin',
        userEmail: null,
        scopes: [{ scope: 'global:admin', resources: null }],
        expiresAt: null,
      },
      { type: 'system', id: 'test' },
    );
  }

  it('grace_seconds 10 with a 30 s TTL → 400 naming grace_seconds and 32, on both rotate routes; nothing changes', async () => {
    const consumer = await consumerToken();
    const admin = await adminToken();
    const api = gateway();

    for (const [path, caller] of [
      ['/v1/tokens/self/rotate', consumer.token],
      [`/v1/tokens/${consumer.record.id}/rotate`, admin.token],
    ] as const) {
      const refused = await api.handle(request('POST', path, caller, { grace_seconds: 10 }));
      expect(refused.statusCode, path).toBe(400);
      const { error } = json(refused) as { error: { field: string; message: string } };
      expect(error.field).toBe('grace_seconds');
      expect(error.message).toMatch(/^grace_seconds must be 0 or at least 32: /);
    }
    const unchanged = await tokens.get(consumer.record.id);
    expect(unchanged.rotatedTo).toBeNull();
    expect(unchanged.expiresAt).toBeNull();
  });

  it('grace 32 → 201, and the answer says until when the old token is accepted: its new expiry less the TTL and a second', async () => {
    const consumer = await consumerToken();
    const api = gateway();
    const before = Date.now();
    const rotated = await api.handle(
      request('POST', '/v1/tokens/self/rotate', consumer.token, { grace_seconds: 32 }),
    );
    expect(rotated.statusCode).toBe(201);
    const old = await tokens.get(consumer.record.id);
    const expiresAt = Date.parse(old.expiresAt ?? '');
    expect(expiresAt).toBeGreaterThanOrEqual(before + 32_000);
    const body = json(rotated) as { previous_accepted_until: string };
    expect(body.previous_accepted_until).toBe(new Date(expiresAt - 31_000).toISOString());
  });

  it('grace 0 → 201, with previous_accepted_until null: the old token is accepted no more', async () => {
    const consumer = await consumerToken();
    const admin = await adminToken();
    const rotated = await gateway().handle(
      request('POST', `/v1/tokens/${consumer.record.id}/rotate`, admin.token, { grace_seconds: 0 }),
    );
    expect(rotated.statusCode).toBe(201);
    expect(json(rotated)).toMatchObject({ rotated_from: consumer.record.id, previous_accepted_until: null });
  });
});

describe('who may rotate what, through the gateway', () => {
  it('any token rotates itself at /v1/tokens/self/rotate; rotating another token by id needs global:admin', async () => {
    const consumer = await consumerToken('nameservice:read');
    const other = await consumerToken();
    const api = gateway();

    const byId = await api.handle(
      request('POST', `/v1/tokens/${other.record.id}/rotate`, consumer.token, {}),
    );
    expect(byId.statusCode).toBe(403);
    const ownById = await api.handle(
      request('POST', `/v1/tokens/${consumer.record.id}/rotate`, consumer.token),
    );
    expect(ownById.statusCode).toBe(403);
    expect((await tokens.get(other.record.id)).rotatedTo).toBeNull();

    const self = await api.handle(request('POST', '/v1/tokens/self/rotate', consumer.token));
    expect(self.statusCode).toBe(201);
    expect(json(self)).toMatchObject({
      rotated_from: consumer.record.id,
      scopes: [{ scope: 'nameservice:read', resources: null }],
    });
  });
});
