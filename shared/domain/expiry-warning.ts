// Expiry warnings: once per expiry date, a token that expires within the warning window is recorded
// in the audit trail (`token.expiring`) and announced on the event bus. The scan runs daily; what it
// owes a token is written on the token itself, so a run repeated, overlapping or cut short never
// warns twice and picks up where the last one stopped. A token whose `expires_at` changes owes a new
// warning. No AWS here: the store and the bus are ports (shared/adapters implements them).
import type { Actor, TokenKind } from './token';
import type { Stamp } from './token-store';

/** Who records a warning: the audit trail attributes `token.expiring` to it. */
export const EXPIRY_WARNING_ACTOR: Actor = { type: 'system', id: 'expiry-warning' };

/** A token as the scan reads it. */
export interface ExpiringToken {
  id: string;
  kind: TokenKind;
  description: string;
  userEmail: string | null;
  expiresAt: string;
  revokedAt: string | null;
  /** The `expires_at` the audit trail was told about, if any (the write that records the warning). */
  warnedFor: string | null;
  /** The `expires_at` an event was put on the bus for, if any. */
  publishedFor: string | null;
  /** The token that replaced it, if it was rotated: it then expires on purpose, after a grace period. */
  rotatedTo: string | null;
}

/** Tokens expiring after `from` (now) and at or before `to` (now + the window); RFC 3339 UTC. */
export interface WarningWindow {
  from: string;
  to: string;
}

export function warningWindow(now: Date, windowMs: number): WarningWindow {
  return { from: now.toISOString(), to: new Date(now.getTime() + windowMs).toISOString() };
}

/**
 * What the scan still owes a token: nothing; the warning (recorded, then put on the bus); or only
 * the bus event, when an earlier run recorded the warning but could not put it. Nothing for a revoked
 * or rotated token, an expired one, one expiring after the window, or one already announced for this
 * expiry.
 */
export function warningDue(token: ExpiringToken, window: WarningWindow): 'none' | 'warn' | 'publish' {
  if (token.revokedAt !== null || token.rotatedTo !== null) return 'none';
  const expires = Date.parse(token.expiresAt);
  if (!(expires > Date.parse(window.from) && expires <= Date.parse(window.to))) return 'none';
  if (token.publishedFor === token.expiresAt) return 'none';
  return token.warnedFor === token.expiresAt ? 'publish' : 'warn';
}

/**
 * The event put on the bus (`detail`, with detail-type `token.expiring`): descriptive fields only,
 * never the token or its hash. `warning_id` is the same for every put of one warning, so a consumer
 * can drop a repeat (a bus delivers at least once).
 */
export interface ExpiryWarningEvent {
  warning_id: string;
  type: 'token.expiring';
  token_id: string;
  kind: TokenKind;
  description: string;
  user_email: string | null;
  expires_at: string;
  /** When the scan found it. */
  time: string;
}

export const EXPIRY_WARNING_TYPE = 'token.expiring';

export function expiryWarningEvent(token: ExpiringToken, now: Date): ExpiryWarningEvent {
  return {
    warning_id: `${token.id}@${token.expiresAt}`,
    type: EXPIRY_WARNING_TYPE,
    token_id: token.id,
    kind: token.kind,
    description: token.description,
    user_email: token.userEmail,
    expires_at: token.expiresAt,
    time: now.toISOString(),
  };
}

export interface ExpiryWarningStore {
  /**
   * The live tokens expiring within the window, page by page; a page may hold tokens already
   * announced for their expiry, or others (`warningDue` decides).
   */
  expiring(window: WarningWindow): AsyncIterable<ExpiringToken[]>;
  /**
   * Records the warning for the token's current `expires_at`, with the stamp (the audit trail's
   * `token.expiring`), only if the token is still live, still expires then and has not been warned
   * for it. False when that condition did not hold: someone else warned it, or it changed.
   */
  recordWarning(token: ExpiringToken, stamp: Stamp): Promise<boolean>;
  /** Records that the warning for the token's current `expires_at` is on the bus. */
  recordPublished(token: ExpiringToken): Promise<void>;
}

export interface ExpiryEventBus {
  /** Puts the events; resolves to those it could not put (after its own retries). */
  publish(events: readonly ExpiryWarningEvent[]): Promise<ExpiryWarningEvent[]>;
}

export interface ExpiryScanResult {
  /** Tokens warned in this run (recorded in the audit trail). */
  warned: string[];
  /** Tokens whose event this run put on the bus (this run's warnings and earlier runs' unsent ones). */
  published: string[];
  /** Tokens whose event could not be put: recorded, they are put by the next run. */
  unpublished: string[];
}

export interface ExpiryWarnerOptions {
  store: ExpiryWarningStore;
  bus: ExpiryEventBus;
  /** How far ahead a token's expiry is warned of. */
  windowMs: number;
  now?: () => Date;
}

/** One run of the expiry-warning scan. */
export class ExpiryWarner {
  private readonly store: ExpiryWarningStore;
  private readonly bus: ExpiryEventBus;
  private readonly windowMs: number;
  private readonly now: () => Date;

  constructor(options: ExpiryWarnerOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.windowMs = options.windowMs;
    this.now = options.now ?? (() => new Date());
  }

  async run(): Promise<ExpiryScanResult> {
    const now = this.now();
    const window = warningWindow(now, this.windowMs);
    const stamp: Stamp = { actor: EXPIRY_WARNING_ACTOR, op: 'update', at: now.toISOString() };
    const result: ExpiryScanResult = { warned: [], published: [], unpublished: [] };
    for await (const page of this.store.expiring(window)) {
      const owed = await Promise.all(
        page.map(async (token) => {
          const due = warningDue(token, window);
          if (due === 'none') return null;
          // Recorded first: the warning is in the audit trail exactly once, whoever puts the event.
          if (due === 'warn') {
            if (!(await this.store.recordWarning(token, stamp))) return null;
            result.warned.push(token.id);
          }
          return token;
        }),
      );
      const tokens = owed.filter((token) => token !== null);
      if (tokens.length === 0) continue;
      const failed = new Set(
        (await this.bus.publish(tokens.map((token) => expiryWarningEvent(token, now)))).map(
          (event) => event.token_id,
        ),
      );
      await Promise.all(
        tokens.map(async (token) => {
          if (failed.has(token.id)) {
            result.unpublished.push(token.id);
            return;
          }
          await this.store.recordPublished(token);
          result.published.push(token.id);
        }),
      );
    }
    return result;
  }
}
