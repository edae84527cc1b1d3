// The authorizer's metrics: counted in memory per check, published through Powertools Metrics as
// CloudWatch embedded metric format (EMF) lines on stdout at most once a minute. The lines are
// parsed here and checked as CloudWatch reads them: namespace, dimensions, names, units and values.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthorizerMetrics, authorizerMetricsFromEnv, timedReads } from '#adapters/authorizer-metrics';
import { UnauthorizedError } from '#domain/errors';
import { RememberedCallers } from '#domain/remembered-callers';
import type { Credential } from '#domain/token-store';
import { type Caller, RefusedBearer } from '#domain/verify-bearer';
import { authorizerFor } from '#functions/authorizer/handler';
import { ENV } from '#spec/env';
import { httpApiAuthorizerEvent, restAuthorizerEvent } from '#test-support/lambda-events';

// The module's own runtime (the environment's store and key ring) is not used here.
vi.mock('#functions/authorizer/runtime', () => ({
  verifier: undefined,
  rememberedCallers: undefined,
  cacheTtlSeconds: 0,
  grants: undefined,
  metrics: undefined,
  people: undefined,
}));

const START = Date.parse('2026-06-15T12:00:00Z');
let clock = START;
let written: string[] = [];

beforeEach(() => {
  clock = START;
  written = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    written.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The EMF lines written so far, parsed. */
function emfLines(): Record<string, unknown>[] {
  return written
    .join('')
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const recorder = () => new AuthorizerMetrics({ gate: 'payments', now: () => clock });

describe('AuthorizerMetrics', () => {
  it('writes nothing per check, then one EMF line per dimension set once a minute has passed', () => {
    const metrics = recorder();
    for (let i = 0; i < 3; i++) metrics.allowed();
    metrics.denied('malformed');
    metrics.denied('malformed');
    metrics.denied('crafted_path');
    for (let i = 0; i < 4; i++) metrics.memoHit();
    metrics.storeRead(1.5);
    metrics.storeRead(2.25);

    clock = START + 59_999;
    metrics.flushIfDue();
    expect(written).toEqual([]);

    clock = START + 60_000;
    metrics.flushIfDue();
    expect(emfLines()).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'tokengate',
              Dimensions: [['Gate']],
              Metrics: [
                { Name: 'Allowed', Unit: 'Count' },
                { Name: 'MemoHits', Unit: 'Count' },
                { Name: 'StoreLatency', Unit: 'Milliseconds' },
              ],
            },
          ],
        },
        Gate: 'payments',
        Allowed: 3,
        MemoHits: 4,
        StoreLatency: [1.5, 2.25],
      },
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'tokengate',
              Dimensions: [['Gate', 'Reason']],
              Metrics: [{ Name: 'Denied', Unit: 'Count' }],
            },
          ],
        },
        Gate: 'payments',
        Reason: 'malformed',
        Denied: 2,
      },
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'tokengate',
              Dimensions: [['Gate', 'Reason']],
              Metrics: [{ Name: 'Denied', Unit: 'Count' }],
            },
          ],
        },
        Gate: 'payments',
        Reason: 'crafted_path',
        Denied: 1,
      },
    ]);
  });

  it('starts again after a flush: the next one carries only what was counted since, and nothing is written for nothing', () => {
    const metrics = recorder();
    metrics.allowed();
    clock += 60_000;
    metrics.flushIfDue();
    written = [];

    clock += 60_000;
    metrics.flushIfDue();
    expect(written).toEqual([]);

    metrics.denied('revoked');
    clock += 30_000;
    metrics.flushIfDue(); // half a minute after the last flush: not yet
    expect(written).toEqual([]);
    clock += 30_000;
    metrics.flushIfDue();
    expect(emfLines().map(({ Reason, Denied, Allowed }) => ({ Reason, Denied, Allowed }))).toEqual([
      { Reason: 'revoked', Denied: 1, Allowed: undefined },
    ]);
  });

  it('writes nothing without a gate (the local stack), as the other functions publish nothing there', () => {
    const metrics = authorizerMetricsFromEnv({});
    metrics.allowed();
    metrics.denied('revoked');
    metrics.flush();
    expect(written).toEqual([]);
    const named = authorizerMetricsFromEnv({ [ENV.metricsGate]: 'payments' });
    named.allowed();
    named.flush();
    expect(emfLines().map(({ Gate, Allowed }) => ({ Gate, Allowed }))).toEqual([
      { Gate: 'payments', Allowed: 1 },
    ]);
  });

  it('keeps at most 100 store latencies between flushes, each one a latency that was read', () => {
    const metrics = recorder();
    for (let i = 1; i <= 1_000; i++) metrics.storeRead(i);
    clock += 60_000;
    metrics.flushIfDue();
    const [line] = emfLines();
    const latencies = line?.StoreLatency as number[];
    expect(latencies).toHaveLength(100);
    for (const ms of latencies) expect(ms >= 1 && ms <= 1_000 && Number.isInteger(ms)).toBe(true);
    expect(new Set(latencies).size).toBe(100);
  });

  it('times each read of a token item through timedReads', async () => {
    const metrics = recorder();
    const credential = { id: 'tok1' } as Credential;
    const store = timedReads(
      {
        getCredential: async () => credential,
        touchLastUsed: async () => undefined,
      },
      metrics,
    );
    expect(await store.getCredential('tok1')).toBe(credential);
    clock += 60_000;
    metrics.flushIfDue();
    const latencies = emfLines()[0]?.StoreLatency as number[] | number;
    expect([latencies].flat()).toHaveLength(1);
  });
});

describe('what the authorizer counts', () => {
  const CALLER: Caller = {
    tokenId: 'tok1',
    kind: 'service',
    scopes: [{ scope: 'identity:manage', resources: null }],
    principal: 'token:tok1',
    expiresAt: null,
  };

  /** The authorizer over a source answering `answer`, counting into a fresh recorder. */
  function counted(answer: Caller | Error) {
    const metrics = recorder();
    const source = {
      verify: async () => {
        if (answer instanceof Error) throw answer;
        return answer;
      },
    };
    const memo = new RememberedCallers(source, { ttlSeconds: 30, onHit: () => metrics.memoHit() });
    const authorize = authorizerFor({
      verifier: source,
      rememberedCallers: memo,
      cacheTtlSeconds: 30,
      metrics,
      now: () => clock,
    });
    /** What was counted, flushed: by metric name (and reason). */
    const flushed = () => {
      clock += 60_000;
      metrics.flushIfDue();
      const counts: Record<string, unknown> = {};
      for (const line of emfLines()) {
        for (const name of ['Allowed', 'MemoHits']) if (name in line) counts[name] = line[name];
        if ('Denied' in line) counts[`Denied:${line.Reason}`] = line.Denied;
      }
      return counts;
    };
    return { authorize, flushed };
  }

  const restEvent = (path: string, headers: Record<string, string> = { Authorization: 'Bearer x' }) =>
    restAuthorizerEvent('GET', path, headers);
  const httpEvent = (path: string, headers: Record<string, string> = { authorization: 'Bearer x' }) =>
    httpApiAuthorizerEvent('GET', path, headers);

  it('counts REST allows, and denials by scope and by crafted path', async () => {
    const { authorize, flushed } = counted(CALLER);
    await authorize(restEvent('/scim/v2/Users'));
    await authorize(restEvent('/scim/v2/Users'));
    await authorize(restEvent('/v1/tokens'));
    await authorize(restEvent('/scim/v2/../v1/tokens'));
    expect(flushed()).toEqual({ Allowed: 2, 'Denied:scope': 1, 'Denied:crafted_path': 1 });
  });

  it.each([
    ['malformed', new RefusedBearer('The token is malformed', 'malformed')],
    ['unknown', new RefusedBearer('The token is not valid', 'unknown')],
    ['revoked', new RefusedBearer('The token is revoked', 'revoked')],
    ['expired', new RefusedBearer('The token is expired', 'expired')],
    ['unknown', new UnauthorizedError()],
  ])('counts a token refused as %s under that reason, REST and HTTP', async (reason, error) => {
    const { authorize, flushed } = counted(error);
    await expect(authorize(restEvent('/scim/v2/Users'))).rejects.toThrow(/^Unauthorized$/);
    expect(await authorize(httpEvent('/scim/v2/Users'))).toEqual({ isAuthorized: false });
    expect(flushed()).toEqual({ [`Denied:${reason}`]: 2 });
  });

  it('counts no or several Authorization headers as malformed', async () => {
    const { authorize, flushed } = counted(CALLER);
    await expect(authorize(restEvent('/scim/v2/Users', {}))).rejects.toThrow(/^Unauthorized$/);
    expect(
      await authorize(httpEvent('/scim/v2/Users', { authorization: 'Bearer x', Authorization: 'Bearer y' })),
    ).toEqual({ isAuthorized: false });
    expect(flushed()).toEqual({ 'Denied:malformed': 2 });
  });

  it('counts a token expiring within the REST cache TTL as expired', async () => {
    const { authorize, flushed } = counted({ ...CALLER, expiresAt: new Date(clock + 10_000).toISOString() });
    await expect(authorize(restEvent('/scim/v2/Users'))).rejects.toThrow(/^Unauthorized$/);
    expect(flushed()).toEqual({ 'Denied:expired': 1 });
  });

  it('counts HTTP API allows, memo hits, and denials by scope and crafted path', async () => {
    const { authorize, flushed } = counted(CALLER);
    await authorize(httpEvent('/scim/v2/Users')); // read: remembered from now on
    await authorize(httpEvent('/scim/v2/Groups')); // memo hit
    await authorize(httpEvent('/v1/tokens')); // memo hit, refused by scope
    await authorize(httpEvent('/scim/v2/%2e%2e/v1/tokens')); // refused unread
    expect(flushed()).toEqual({
      Allowed: 2,
      MemoHits: 2,
      'Denied:scope': 1,
      'Denied:crafted_path': 1,
    });
  });
});
