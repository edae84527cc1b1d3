import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditEvent, auditEventOf, type StreamChange, type TokenImage } from '#domain/audit';
import { type ReconciledToken, reconcileAudit } from '#domain/audit-reconciliation';
import type { Stamp } from '#domain/token-store';

const ADMIN = { type: 'token', id: 'AdminTokenId0001' } as const;
const START = Date.parse('2026-06-15T12:00:00.000Z');

type Step =
  | { op: 'describe'; description: string }
  | { op: 'email'; email: string | null }
  | { op: 'both'; description: string; email: string | null }
  | { op: 'rotate'; to: string }
  | { op: 'revoke' };

interface History {
  token: ReconciledToken;
  events: AuditEvent[];
}

const at = (second: number) => new Date(START + second * 1000).toISOString();

/**
 * A token's life played through the audit consumer's own mapping (auditEventOf): each step is a
 * change of its item, as the tokens table's stream carries it. Returns the token as the API shows it
 * at the end, and the events the consumer recorded, in the trail's order.
 */
function live(id: string, steps: readonly Step[]): History {
  const stamp = (op: Stamp['op'], second: number): Stamp => ({ actor: ADMIN, op, at: at(second) });
  let image: TokenImage = {
    id,
    kind: 'service',
    description: `token ${id}`,
    userEmail: null,
    scopes: [{ scope: 'repos:read', resources: ['cran'] }],
    expiresAt: '2027-01-31T00:00:00.000Z',
    revokedAt: null,
    rotatedFrom: null,
    rotatedTo: null,
    stamp: stamp('create', 0),
  };
  const events: AuditEvent[] = [];
  const record = (change: Omit<StreamChange, 'approximateTime'>) => {
    const event = auditEventOf({ ...change, approximateTime: new Date(START) });
    if (event) events.push(event);
  };
  record({ eventId: `${id}-0`, eventName: 'INSERT', newImage: image });
  steps.forEach((step, index) => {
    const second = index + 1;
    const before = image;
    switch (step.op) {
      case 'describe':
        image = { ...image, description: step.description, stamp: stamp('update', second) };
        break;
      case 'email':
        image = { ...image, userEmail: step.email, stamp: stamp('update', second) };
        break;
      case 'both':
        image = {
          ...image,
          description: step.description,
          userEmail: step.email,
          stamp: stamp('update', second),
        };
        break;
      case 'rotate':
        image = { ...image, rotatedTo: step.to, expiresAt: at(second + 60), stamp: stamp('rotate', second) };
        break;
      case 'revoke':
        image = { ...image, revokedAt: at(second), stamp: stamp('revoke', second) };
        break;
    }
    record({ eventId: `${id}-${second}`, eventName: 'MODIFY', oldImage: before, newImage: image });
  });
  return {
    token: {
      id,
      kind: image.kind ?? 'service',
      description: image.description ?? '',
      user_email: image.userEmail,
      scopes: image.scopes ?? [],
      created_at: at(0),
      expires_at: image.expiresAt,
      revoked_at: image.revokedAt,
      rotated_to: image.rotatedTo ?? null,
    },
    events,
  };
}

/** Every event of the given histories, newest last. */
const trailOf = (histories: readonly History[]) => histories.flatMap((history) => history.events);

describe('reconcileAudit', () => {
  it('finds nothing missing and nothing repeated when every change has exactly its event', () => {
    const history = live('Tok3nId000000001', [
      { op: 'describe', description: 'CI deploys' },
      { op: 'email', email: 'ci@example.com' },
      { op: 'rotate', to: 'Tok3nId000000002' },
      { op: 'revoke' },
    ]);
    const result = reconcileAudit([history.token], history.events);
    expect(result).toEqual({ tokens: 1, events: 5, audit_missing: 0, audit_duplicates: 0, findings: [] });
  });

  it('counts a token without its token.created event as missing', () => {
    const history = live('Tok3nId000000001', []);
    expect(reconcileAudit([history.token], []).findings).toEqual([
      { token_id: 'Tok3nId000000001', problem: 'missing', type: 'token.created', change: 'created' },
    ]);
  });

  it('counts a revoked token without its token.revoked event as missing', () => {
    const history = live('Tok3nId000000001', [{ op: 'revoke' }]);
    const events = history.events.filter((event) => event.type !== 'token.revoked');
    expect(reconcileAudit([history.token], events)).toMatchObject({
      audit_missing: 1,
      findings: [{ problem: 'missing', type: 'token.revoked' }],
    });
  });

  it('counts a rotation the token shows without its token.rotated event once, not again for the expiry it shortened', () => {
    const history = live('Tok3nId000000001', [{ op: 'rotate', to: 'Tok3nId000000002' }]);
    const events = history.events.filter((event) => event.type !== 'token.rotated');
    expect(reconcileAudit([history.token], events)).toMatchObject({
      audit_missing: 1,
      findings: [{ problem: 'missing', type: 'token.rotated', change: 'rotated to Tok3nId000000002' }],
    });
  });

  it('counts an edit whose event is lost, whether a later edit of the same field follows it or not', () => {
    const history = live('Tok3nId000000001', [
      { op: 'describe', description: 'first' },
      { op: 'describe', description: 'second' },
      { op: 'email', email: 'ops@example.com' },
    ]);
    const [created, first, second, email] = history.events as [
      AuditEvent,
      AuditEvent,
      AuditEvent,
      AuditEvent,
    ];
    expect(reconcileAudit([history.token], [created, second, email]).findings).toEqual([
      {
        token_id: 'Tok3nId000000001',
        problem: 'missing',
        type: 'token.updated',
        change: 'description changed',
      },
    ]);
    expect(reconcileAudit([history.token], [created, first, second]).findings).toEqual([
      {
        token_id: 'Tok3nId000000001',
        problem: 'missing',
        type: 'token.updated',
        change: 'user_email changed',
      },
    ]);
  });

  it('counts a change recorded twice (under two event ids) as one duplicate, and nothing as missing', () => {
    const history = live('Tok3nId000000001', [{ op: 'describe', description: 'first' }, { op: 'revoke' }]);
    for (const event of history.events) {
      const events = [...history.events, { ...event, id: `${event.id}-again` }];
      expect(reconcileAudit([history.token], events)).toMatchObject({
        audit_missing: 0,
        audit_duplicates: 1,
        findings: [{ problem: 'duplicate', type: event.type, event_id: `${event.id}-again` }],
      });
    }
  });

  it('takes the same edit made twice at different times as two changes, not a duplicate', () => {
    const history = live('Tok3nId000000001', [
      { op: 'describe', description: 'a' },
      { op: 'describe', description: 'b' },
      { op: 'describe', description: 'a' },
      { op: 'describe', description: 'b' },
    ]);
    expect(reconcileAudit([history.token], history.events)).toMatchObject({
      audit_missing: 0,
      audit_duplicates: 0,
    });
  });

  it('takes the events in any order they are given (the API lists them newest first)', () => {
    const history = live('Tok3nId000000001', [
      { op: 'describe', description: 'a' },
      { op: 'describe', description: 'b' },
      { op: 'rotate', to: 'Tok3nId000000002' },
    ]);
    expect(reconcileAudit([history.token], [...history.events].reverse())).toMatchObject({
      audit_missing: 0,
      audit_duplicates: 0,
    });
  });

  it('checks only the tokens created since the given time, and events of tokens no longer there only for duplicates', () => {
    const old = live('Tok3nId000000001', []);
    const gone = live('Tok3nId000000009', []);
    const result = reconcileAudit([{ ...old.token, created_at: '2020-01-01T00:00:00.000Z' }], gone.events, {
      since: '2025-01-01',
    });
    expect(result).toMatchObject({ tokens: 0, events: 1, audit_missing: 0, audit_duplicates: 0 });
    expect(
      reconcileAudit([], [...gone.events, { ...(gone.events[0] as AuditEvent), id: 'x' }]).audit_duplicates,
    ).toBe(1);
  });

  describe('properties', () => {
    const email = fc.option(fc.constantFrom('a@example.com', 'b@example.com', 'c@example.com'));
    const description = fc.constantFrom('alpha', 'beta', 'gamma');
    const edit: fc.Arbitrary<Step> = fc.oneof(
      description.map((value) => ({ op: 'describe' as const, description: value })),
      email.map((value) => ({ op: 'email' as const, email: value })),
      fc.tuple(description, email).map(([d, e]) => ({ op: 'both' as const, description: d, email: e })),
    );
    /** A token's life: edits, then perhaps a rotation, then perhaps a revocation. */
    const life = fc
      .tuple(fc.array(edit, { maxLength: 6 }), fc.boolean(), fc.boolean())
      .map(([edits, rotate, revoke]) => [
        ...edits,
        ...(rotate ? [{ op: 'rotate' as const, to: 'Successor000001' }] : []),
        ...(revoke ? [{ op: 'revoke' as const }] : []),
      ]);
    const histories = fc
      .array(life, { minLength: 1, maxLength: 4 })
      .map((lives) => lives.map((steps, index) => live(`Tok3nId00000000${index}`, steps)));

    it('a complete trail reconciles: nothing missing, nothing duplicated', () => {
      fc.assert(
        fc.property(histories, (all) => {
          const result = reconcileAudit(
            all.map((history) => history.token),
            trailOf(all),
          );
          expect(result.findings).toEqual([]);
        }),
      );
    });

    it('losing any one event of a change counts at least one missing, and no duplicate', () => {
      fc.assert(
        fc.property(histories, fc.nat(), (all, pick) => {
          const trail = trailOf(all);
          const lost = pick % trail.length;
          const result = reconcileAudit(
            all.map((history) => history.token),
            trail.filter((_, index) => index !== lost),
          );
          expect(result.audit_missing).toBeGreaterThanOrEqual(1);
          expect(result.audit_duplicates).toBe(0);
          expect(result.findings.every((finding) => finding.token_id === trail[lost]?.token_id)).toBe(true);
        }),
      );
    });

    it('recording any one change again under another id counts exactly one duplicate, and nothing missing', () => {
      fc.assert(
        fc.property(histories, fc.nat(), fc.boolean(), (all, pick, first) => {
          const trail = trailOf(all);
          const again = trail[pick % trail.length] as AuditEvent;
          const copy = { ...again, id: `${again.id}-replayed` };
          const result = reconcileAudit(
            all.map((history) => history.token),
            first ? [copy, ...trail] : [...trail, copy],
          );
          expect(result.audit_duplicates).toBe(1);
          expect(result.audit_missing).toBe(0);
        }),
      );
    });
  });
});
