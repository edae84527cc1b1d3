// The authorizer's decision, free of any event format: who is this bearer, and is the token good?
// A malformed token or a bad checksum is refused before any I/O; a well-formed one costs exactly one
// strongly consistent GetItem (the key ring is held in memory).
//
// This is the authorizer's one seam for speed, and `verify` reads top to bottom: the token's form,
// then the key ring and the one read side by side, then the hash, the status, the recorded use.
// Every shortcut and cache on its path is listed here, with what the bench (`--only authorizer`: the
// authorizer's p50 over a bare GetItem's, interleaved) measured it worth. Only what is worth at least
// 2% of a check stays (docs/performance.md).
// - The store's decoded items (DynamoCredentialStore): an item byte for byte the one read last for
//   the token is not decoded again. Worth 7% (1.13 without).
// - `recentlyRecorded`: `last_used_at` written at most every 15 minutes per token, without waiting:
//   saves writes, not time.
// - The key ring, held by its source: no Secrets Manager call per check.
// - The HTTP API memo (RememberedCallers): a verified caller remembered for the cache TTL, no read;
//   API Gateway's own cache does that for REST APIs. Either way what is remembered is who the caller
//   is, or one answer for one method and path (`REST_AUTHORIZER_IDENTITY`): each request's route is
//   decided anew, so a person's cached Allow on a route of tokengate covers no team's route. A person's
//   identity token is never put in the memo (shared/domain/people.ts `withPeople` goes around it).
// - The authorizer's metrics: integers counted in memory, published once a minute
//   (shared/adapters/authorizer-metrics.ts).
// Taken out, each worth under 2%: the handler's memo of each scope list's JSON (a few hundred ns a
// check); the overlapped read (the HMAC, its comparison and the REST decision worked out while
// DynamoDB answered, with one caller object kept per credential for it): 0.8% in an earlier
// measurement; measured again, 1.086 and 1.099 with it, 1.063 and 1.077 without (load about 9).

import { BoundedMap } from '#lib/bounded-map';
import type { ScopeGrant } from '#spec/scopes';
import { UnauthorizedError } from './errors';
import { digestMatches, type KeyRingSource, tokenDigest } from './keyring';
import { statusOf, type TokenKind } from './token';
import { parseToken, tokenFromAuthorization } from './token-format';
import type { Credential, CredentialStore } from './token-store';

export interface Caller {
  tokenId: string;
  kind: TokenKind;
  scopes: ScopeGrant[];
  /** `token:<id>`: what the backend sees as the principal. */
  principal: string;
  /** RFC 3339, or null for a token that never expires: no cached answer may outlive it. */
  expiresAt: string | null;
  /**
   * Only for a person (an ID token, shared/domain/people.ts): the group whose members manage tokens.
   * A person reaches tokengate's own routes alone, never a team's API (`personMayCall`).
   */
  adminGroup?: string;
}

export interface BearerVerifierDeps {
  store: CredentialStore;
  keys: KeyRingSource;
  now?: () => Date;
  /** `last_used_at` is written at most this often per token. */
  lastUsedIntervalMs?: number;
}

/** Why a bearer was refused: no token or not one, no such token (or not its secret), or its status. */
export type Refusal = 'malformed' | 'unknown' | 'revoked' | 'expired';

/** An UnauthorizedError that says which refusal it is (for the authorizer's metrics; the message is unchanged). */
export class RefusedBearer extends UnauthorizedError {
  constructor(
    message: string,
    readonly reason: Refusal,
  ) {
    super(message);
  }
}

const FIFTEEN_MINUTES = 15 * 60_000;
const MEMO_LIMIT = 10_000;

export class BearerVerifier {
  private readonly store: CredentialStore;
  private readonly keys: KeyRingSource;
  private readonly now: () => Date;
  private readonly interval: number;
  /** Tokens this process recorded a use of recently: spares a write the condition would refuse. */
  private readonly recentlyRecorded = new BoundedMap<string, number>(MEMO_LIMIT);
  private readonly pending = new Set<Promise<void>>();

  constructor(deps: BearerVerifierDeps) {
    this.store = deps.store;
    this.keys = deps.keys;
    this.now = deps.now ?? (() => new Date());
    this.interval = deps.lastUsedIntervalMs ?? FIFTEEN_MINUTES;
  }

  /**
   * The caller, or a RefusedBearer saying why not: the token's form first (no I/O), then the key ring
   * and the one read side by side, then the hash, the status, the use.
   */
  async verify(authorization: string | null | undefined): Promise<Caller> {
    const token = tokenFromAuthorization(authorization);
    if (!token) throw new RefusedBearer('Send the token as "Authorization: Bearer <token>"', 'malformed');
    const id = parseToken(token);
    if (!id) throw new RefusedBearer('The token is malformed', 'malformed');
    const rings = this.keys.get();
    const read = this.store.getCredential(id);
    read.catch(() => undefined); // awaited below; a failure meanwhile must not count as unhandled
    const ring = await rings;
    const credential = await read;
    if (!credential) throw new RefusedBearer('The token is not valid', 'unknown');
    const { keyId } = credential.hash;
    const digest = tokenDigest(ring, token, keyId) ?? (await this.digestAfterRefresh(token, keyId));
    if (!digestMatches(credential.hash, digest)) throw new RefusedBearer('The token is not valid', 'unknown');
    const now = this.now();
    const status = statusOf(credential, now);
    if (status !== 'active') throw new RefusedBearer(`The token is ${status}`, status);
    this.recordUse(credential, now);
    const { kind, scopes, expiresAt } = credential;
    return { tokenId: credential.id, kind, scopes, principal: `token:${credential.id}`, expiresAt };
  }

  /** For a key newer than the ring this process holds (the secret was rotated since it was read): the ring read again. */
  private async digestAfterRefresh(token: string, keyId: string): Promise<Buffer | null> {
    return this.keys.refresh ? tokenDigest(await this.keys.refresh(), token, keyId) : null;
  }

  /**
   * Records the use without holding up the decision. In Lambda the write may complete while the
   * response is already on its way, or at the next invocation; losing one is harmless, the next use
   * 15 minutes on records it again.
   */
  private recordUse(credential: Credential, now: Date): void {
    const nowMs = now.getTime();
    // This process's own record first: it spares parsing the item's date on most checks.
    const lastRecorded = this.recentlyRecorded.get(credential.id) ?? 0;
    if (nowMs - lastRecorded < this.interval) return;
    const lastUsed = credential.lastUsedAt ? Date.parse(credential.lastUsedAt) : 0;
    if (nowMs - lastUsed < this.interval) return;
    this.recentlyRecorded.set(credential.id, nowMs);
    const notBefore = new Date(nowMs - this.interval).toISOString();
    const write = this.store
      .touchLastUsed(credential.id, now.toISOString(), notBefore)
      .catch(() => {
        this.recentlyRecorded.delete(credential.id); // try again on the next use
      })
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Waits for `last_used_at` writes under way (tests, benchmarks, a stopping local stack). */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
