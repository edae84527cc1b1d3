import { describe, expect, it } from 'vitest';
import { imageToTokenImage } from '#adapters/token-item';
import { auditEventOf } from '#domain/audit';
import {
  EXPIRY_WARNING_ACTOR,
  type ExpiringToken,
  type ExpiryEventBus,
  ExpiryWarner,
  type ExpiryWarningEvent,
  type ExpiryWarningStore,
  expiryWarningEvent,
  warningDue,
  warningWindow,
} from '#domain/expiry-warning';
import type { Stamp } from '#domain/token-store';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const DAY_MS = 86_400_000;
const WINDOW = warningWindow(NOW, 14 * DAY_MS);
const inDays = (days: number) => new Date(NOW.getTime() + days * DAY_MS).toISOString();

function token(overrides: Partial<ExpiringToken> = {}): ExpiringToken {
  return {
    id: 'Tok3nId000000001',
    kind: 'user',
    description: 'CI deploys',
    userEmail: 'ci@example.com',
    expiresAt: inDays(3),
    revokedAt: null,
    warnedFor: null,
    publishedFor: null,
    rotatedTo: null,
    ...overrides,
  };
}

describe('the warning window', () => {
  it('runs from now to now + the window', () => {
    expect(WINDOW).toEqual({ from: '2026-11-28T12:00:00.000Z', to: '2026-12-12T12:00:00.000Z' });
  });

  it('a live token expiring within it is owed a warning', () => {
    expect(warningDue(token(), WINDOW)).toBe('warn');
  });

  it('includes its last instant and excludes now: a token that has expired is not warned', () => {
    expect(warningDue(token({ expiresAt: WINDOW.to }), WINDOW)).toBe('warn');
    expect(warningDue(token({ expiresAt: WINDOW.from }), WINDOW)).toBe('none');
    expect(warningDue(token({ expiresAt: inDays(-1) }), WINDOW)).toBe('none');
  });

  it('a token expiring after the window is not warned yet', () => {
    expect(warningDue(token({ expiresAt: inDays(14.001) }), WINDOW)).toBe('none');
  });

  it('a revoked token is never warned', () => {
    expect(warningDue(token({ revokedAt: inDays(-1) }), WINDOW)).toBe('none');
  });

  it('a rotated token, expiring on purpose at the end of its grace, is not warned', () => {
    expect(warningDue(token({ expiresAt: inDays(0.04), rotatedTo: 'N3wTok3nId000001' }), WINDOW)).toBe(
      'none',
    );
  });

  it('a token warned and announced for its expiry is owed nothing more', () => {
    const expiresAt = inDays(3);
    expect(warningDue(token({ expiresAt, warnedFor: expiresAt, publishedFor: expiresAt }), WINDOW)).toBe(
      'none',
    );
  });

  it('a token warned but not yet on the bus is owed only the bus event', () => {
    const expiresAt = inDays(3);
    expect(warningDue(token({ expiresAt, warnedFor: expiresAt }), WINDOW)).toBe('publish');
  });

  it('a token whose expiry changed since its warning gets a new one', () => {
    const old = inDays(10);
    expect(warningDue(token({ expiresAt: inDays(1), warnedFor: old, publishedFor: old }), WINDOW)).toBe(
      'warn',
    );
  });
});

describe('the bus event', () => {
  it('describes the token and its expiry, with an id that is the same for every put of one warning', () => {
    const event = expiryWarningEvent(token(), NOW);
    expect(event).toEqual({
      warning_id: `Tok3nId000000001@${inDays(3)}`,
      type: 'token.expiring',
      token_id: 'Tok3nId000000001',
      kind: 'user',
      description: 'CI deploys',
      user_email: 'ci@example.com',
      expires_at: inDays(3),
      time: NOW.toISOString(),
    });
    expect(expiryWarningEvent(token(), new Date(NOW.getTime() + DAY_MS)).warning_id).toBe(event.warning_id);
  });
});

/** The ports in memory: a few tokens, and a bus that refuses the events of the tokens named. */
function memoryPorts(tokens: ExpiringToken[], refuse = new Set<string>()) {
  const warnings: { id: string; stamp: Stamp }[] = [];
  const put: ExpiryWarningEvent[] = [];
  const store: ExpiryWarningStore = {
    async *expiring() {
      yield tokens.map((one) => ({ ...one }));
    },
    async recordWarning(one, stamp) {
      const stored = tokens.find((candidate) => candidate.id === one.id);
      if (!stored || stored.warnedFor === one.expiresAt || stored.expiresAt !== one.expiresAt) return false;
      stored.warnedFor = one.expiresAt;
      warnings.push({ id: one.id, stamp });
      return true;
    },
    async recordPublished(one) {
      const stored = tokens.find((candidate) => candidate.id === one.id);
      if (stored) stored.publishedFor = one.expiresAt;
    },
  };
  const bus: ExpiryEventBus = {
    async publish(events) {
      put.push(...events.filter((event) => !refuse.has(event.token_id)));
      return events.filter((event) => refuse.has(event.token_id));
    },
  };
  return { store, bus, warnings, put };
}

describe('a run of the expiry-warning scan', () => {
  it('records and announces each token owed a warning, attributed to the system', async () => {
    const ports = memoryPorts([token({ id: 'a' }), token({ id: 'b', expiresAt: inDays(20) })]);
    const warner = new ExpiryWarner({ ...ports, windowMs: 14 * DAY_MS, now: () => NOW });

    const result = await warner.run();

    expect(result).toEqual({ warned: ['a'], published: ['a'], unpublished: [] });
    expect(ports.warnings).toEqual([
      { id: 'a', stamp: { actor: EXPIRY_WARNING_ACTOR, op: 'update', at: NOW.toISOString() } },
    ]);
    expect(ports.put.map((event) => event.token_id)).toEqual(['a']);
  });

  it('a second run sends nothing', async () => {
    const ports = memoryPorts([token({ id: 'a' })]);
    const warner = new ExpiryWarner({ ...ports, windowMs: 14 * DAY_MS, now: () => NOW });
    await warner.run();

    expect(await warner.run()).toEqual({ warned: [], published: [], unpublished: [] });
    expect(ports.put).toHaveLength(1);
  });

  it('an event the bus refused is put by the next run, without a second warning', async () => {
    const refuse = new Set(['a']);
    const ports = memoryPorts([token({ id: 'a' })], refuse);
    const warner = new ExpiryWarner({ ...ports, windowMs: 14 * DAY_MS, now: () => NOW });
    expect(await warner.run()).toEqual({ warned: ['a'], published: [], unpublished: ['a'] });

    refuse.clear();
    expect(await warner.run()).toEqual({ warned: [], published: ['a'], unpublished: [] });
    expect(ports.warnings).toHaveLength(1);
    expect(ports.put).toHaveLength(1);
  });

  it('a token another run warned meanwhile is left to that run', async () => {
    const ports = memoryPorts([token({ id: 'a' })]);
    ports.store.recordWarning = async () => false;
    const warner = new ExpiryWarner({ ...ports, windowMs: 14 * DAY_MS, now: () => NOW });

    expect(await warner.run()).toEqual({ warned: [], published: [], unpublished: [] });
    expect(ports.put).toEqual([]);
  });
});

describe('the audit event of a warning', () => {
  const item = (overrides: Record<string, unknown> = {}) => ({
    id: 'Tok3nId000000001',
    kind: 'user',
    description: 'CI deploys',
    user_email: 'ci@example.com',
    scopes: [{ scope: 'repos:read', resources: ['cran'] }],
    expires_at: '2026-12-01T00:00:00.000Z',
    secret_hash: 'c2VjcmV0LWhhc2g',
    key_id: 'k1',
    stamp: {
      actor_type: 'token',
      actor_id: 'AdminTokenId0001',
      op: 'create',
      at: '2026-06-15T12:00:00.000Z',
    },
    ...overrides,
  });
  const warnedStamp = {
    actor_type: 'system',
    actor_id: 'expiry-warning',
    op: 'update',
    at: NOW.toISOString(),
  };
  const modify = (before: Record<string, unknown>, after: Record<string, unknown>) =>
    auditEventOf({
      eventId: 'e1',
      eventName: 'MODIFY',
      approximateTime: NOW,
      oldImage: imageToTokenImage(before, 'e1', 'oldImage'),
      newImage: imageToTokenImage(after, 'e1', 'newImage'),
    });

  it('is token.expiring, by system:expiry-warning, with the expiry it warned of and no secret', () => {
    const event = modify(item(), item({ expiry_warned_for: '2026-12-01T00:00:00.000Z', stamp: warnedStamp }));
    expect(event).toEqual({
      id: 'e1',
      time: NOW.toISOString(),
      type: 'token.expiring',
      token_id: 'Tok3nId000000001',
      actor: { type: 'system', id: 'expiry-warning' },
      details: {
        kind: 'user',
        description: 'CI deploys',
        user_email: 'ci@example.com',
        expires_at: '2026-12-01T00:00:00.000Z',
      },
    });
    expect(JSON.stringify(event)).not.toMatch(/c2VjcmV0LWhhc2g|k1/);
  });

  it('a warning for a new expiry is a new token.expiring', () => {
    const event = modify(
      item({ expires_at: '2026-11-29T00:00:00.000Z', expiry_warned_for: '2026-12-01T00:00:00.000Z' }),
      item({
        expires_at: '2026-11-29T00:00:00.000Z',
        expiry_warned_for: '2026-11-29T00:00:00.000Z',
        stamp: warnedStamp,
      }),
    );
    expect(event).toMatchObject({
      type: 'token.expiring',
      details: { expires_at: '2026-11-29T00:00:00.000Z' },
    });
  });

  it('recording that the event is on the bus is no audit event', () => {
    const warned = item({ expiry_warned_for: '2026-12-01T00:00:00.000Z', stamp: warnedStamp });
    expect(modify(warned, { ...warned, expiry_published_for: '2026-12-01T00:00:00.000Z' })).toBeNull();
  });
});
