// The audit trail checked against the tokens: every change a token's state shows has its audit event
// (`missing` counts those that have none), and no change is recorded twice (`duplicates`). The audit
// consumer writes one event per stream record, keyed by the record's id; a record replayed under
// another id, or a change the trail never got, shows here. Works from what the API returns: the
// token objects and the audit events, nothing else.
import type { AuditEvent } from './audit';

/**
 * What the reconciliation reads of a token: fields of its object as the API returns it (TokenView),
 * typed as loosely as a client reads them.
 */
export interface ReconciledToken {
  id: string;
  kind: string;
  description: string;
  user_email: string | null;
  scopes: readonly { scope: string; resources: readonly string[] | null }[];
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  rotated_to: string | null;
}

/** One change without its event, or one recorded more than once. */
export interface AuditFinding {
  token_id: string;
  problem: 'missing' | 'duplicate';
  /** The event type that is missing or repeated. */
  type: AuditEvent['type'];
  /** What change it is, in a few words: `created`, `revoked`, `rotated to <id>`, `description changed`... */
  change: string;
  /** The repeated event's id (for a duplicate: the second and later copies). */
  event_id?: string;
}

export interface AuditReconciliation {
  /** The tokens whose trail was checked. */
  tokens: number;
  events: number;
  audit_missing: number;
  audit_duplicates: number;
  findings: AuditFinding[];
}

export interface ReconcileOptions {
  /**
   * Only tokens created at or after this time (RFC 3339) are checked: events older than the audit
   * retention are gone, so an older token's trail is incomplete by design.
   */
  since?: string | undefined;
}

/** The fields of a token an event sets, by their API names, and how a `token.created` event reports them. */
const STATE_FIELDS = ['kind', 'description', 'user_email', 'scopes', 'expires_at'] as const;
type StateField = (typeof STATE_FIELDS)[number];
type State = Partial<Record<StateField, unknown>>;

/** A value as JSON with its keys sorted, `undefined` as null: equal values give equal text. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : (inner ?? null),
  );
}

const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** What identifies the change an event records: two events with one key record one change twice. */
function changeKey(event: AuditEvent): string {
  switch (event.type) {
    case 'token.created':
    case 'token.revoked':
    case 'token.expired':
    case 'token.deleted':
      return event.type; // once in a token's life
    case 'token.rotated':
      return `${event.type} ${canonical(event.details.rotated_to)}`;
    case 'token.expiring':
      return `${event.type} ${canonical(event.details.expires_at)}`; // once per expiry date
    case 'token.updated':
      return `${event.type} ${event.time} ${canonical(event.details.changes)}`;
  }
}

function changeName(event: AuditEvent): string {
  if (event.type === 'token.rotated') return `rotated to ${String(event.details.rotated_to)}`;
  if (event.type === 'token.updated') return `${Object.keys(event.details.changes ?? {}).join(', ')} changed`;
  return event.type.slice('token.'.length);
}

/** Oldest first; events of the same time keep the order they were given in (the trail's order). */
function chronological(events: readonly AuditEvent[]): AuditEvent[] {
  return events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => Date.parse(a.event.time) - Date.parse(b.event.time) || a.index - b.index)
    .map(({ event }) => event);
}

/**
 * The fields whose changes have no event: replays the token's events from its `token.created` and
 * compares each step with the value it starts from, and the end with the token itself. A lost edit
 * shows as a gap (the next edit starts from another value) or as an end that differs.
 */
function unexplainedFields(
  token: ReconciledToken,
  created: AuditEvent,
  later: readonly AuditEvent[],
  rotationMissing: boolean,
): StateField[] {
  const state: State = {};
  for (const field of STATE_FIELDS) {
    if (field in created.details) state[field] = created.details[field];
  }
  const gaps = new Set<StateField>();
  for (const event of later) {
    if (event.type === 'token.rotated' && 'expires_at' in event.details) {
      state.expires_at = event.details.expires_at;
    }
    if (event.type !== 'token.updated') continue;
    for (const [name, change] of Object.entries(event.details.changes ?? {})) {
      const field = STATE_FIELDS.find((one) => one === name);
      if (!field) continue;
      if (field in state && !same(state[field], change.old)) gaps.add(field);
      state[field] = change.new;
    }
  }
  for (const field of STATE_FIELDS) {
    // A rotation without its event is counted once, as that, not again for the expiry it shortened.
    if (field === 'expires_at' && rotationMissing) continue;
    if (field in state && !same(state[field], token[field])) gaps.add(field);
  }
  return [...gaps];
}

/**
 * Compares every token with its audit events, given oldest first (events of the same time are taken
 * in the order given: the trail's). `events` may hold events of tokens no longer there (deleted, or
 * removed after expiry): they count only for duplicates.
 */
export function reconcileAudit(
  tokens: readonly ReconciledToken[],
  events: readonly AuditEvent[],
  options: ReconcileOptions = {},
): AuditReconciliation {
  const findings: AuditFinding[] = [];
  const byToken = new Map<string, AuditEvent[]>();
  const seen = new Set<string>();
  for (const event of chronological(events)) {
    const key = `${event.token_id} ${changeKey(event)}`;
    if (seen.has(key)) {
      findings.push({
        token_id: event.token_id,
        problem: 'duplicate',
        type: event.type,
        change: changeName(event),
        event_id: event.id,
      });
      continue;
    }
    seen.add(key);
    const list = byToken.get(event.token_id) ?? [];
    list.push(event);
    byToken.set(event.token_id, list);
  }

  const since = options.since === undefined ? undefined : Date.parse(options.since);
  const checked = tokens.filter((token) => since === undefined || Date.parse(token.created_at) >= since);
  for (const token of checked) {
    const trail = byToken.get(token.id) ?? [];
    const missing = (type: AuditEvent['type'], change: string) =>
      findings.push({ token_id: token.id, problem: 'missing', type, change });
    const created = trail.find((event) => event.type === 'token.created');
    if (!created) missing('token.created', 'created');
    if (token.revoked_at !== null && !trail.some((event) => event.type === 'token.revoked')) {
      missing('token.revoked', 'revoked');
    }
    const rotationMissing =
      token.rotated_to !== null &&
      !trail.some((event) => event.type === 'token.rotated' && event.details.rotated_to === token.rotated_to);
    if (rotationMissing) missing('token.rotated', `rotated to ${token.rotated_to}`);
    if (!created) continue; // nothing to replay from
    const later = trail.filter((event) => event !== created);
    for (const field of unexplainedFields(token, created, later, rotationMissing)) {
      missing('token.updated', `${field} changed`);
    }
  }
  return {
    tokens: checked.length,
    events: events.length,
    audit_missing: findings.filter((finding) => finding.problem === 'missing').length,
    audit_duplicates: findings.filter((finding) => finding.problem === 'duplicate').length,
    findings,
  };
}
