// The authorizer's decision, free of any event format: who is this bearer, and is the token good?
// A malformed token or a bad checksum is refused before any I/O; a well-formed one costs exactly one
// strongly consistent GetItem (the key ring is held in memory).
//
// This is the authorizer's one seam for speed; every shortcut and cache on its path is listed here,
// with what the bench (`--only authorizer`: the authorizer's p50 over a bare GetItem's, interleaved)
// measured it worth. Only what is worth at least 2% of a check stays (docs/performance.md).
// - `verifyPlain`: the path itself, top to bottom. HTTP API checks (through the memo) take it.
// - `verifyOverlapped`: the same checks with the HMAC, its comparison and the caller's decision done
//   while DynamoDB answers (`whileReading`, passed down to the JSON client's `onSent`). REST checks
//   take it. Worth 0.8% (1.057 with it, 1.065 without, two runs each on a loaded machine).
// - The store's decoded items (DynamoCredentialStore): an item byte for byte the one read last for
//   the token is not decoded again, the same credential object is returned. Worth 7% (1.13 without).
//   The overlapped read relies on it (same object, same bytes).
// - One caller object per credential (`callerOf`): what the overlapped read decides for is kept by
//   that object.
// - `recentlyRecorded`: `last_used_at` written at most every 15 minutes per token, without waiting:
//   saves writes, not time.
// - The key ring, held by its source (and `held` here): no Secrets Manager call per check.
// - The HTTP API memo (RememberedCallers): a verified caller remembered for the cache TTL, no read;
//   API Gateway's own cache does that for REST APIs.
// - The authorizer's metrics: integers counted in memory, published once a minute
//   (shared/adapters/authorizer-metrics.ts).
// Taken out: the handler's memo of each scope list's JSON (a few hundred ns a check, well under 2%).

import { BoundedMap } from '#lib/bounded-map';
import type { ScopeGrant } from '#spec/scopes';
import { UnauthorizedError } from './errors';
import { digestMatches, type KeyRing, type KeyRingSource, tokenDigest } from './keyring';
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
  /** The last key ring promise the source gave, with its value. */
  private held: { rings: Promise<KeyRing>; ring: KeyRing } | undefined;
  private readonly callers = new WeakMap<Credential, Caller>();

  constructor(deps: BearerVerifierDeps) {
    this.store = deps.store;
    this.keys = deps.keys;
    this.now = deps.now ?? (() => new Date());
    this.interval = deps.lastUsedIntervalMs ?? FIFTEEN_MINUTES;
  }

  /**
   * The caller, or a RefusedBearer saying why not. Without `whileReading`, the plain path
   * (`verifyPlain`). With it, the overlapped read (`verifyOverlapped`): `whileReading` is called once
   * while the token's item is being read (never for a token refused before any read), with the
   * caller the read will confirm if the item is unchanged since this process last read it and the
   * token matches its hash (else undefined): a decision made for that caller then holds if `verify`
   * returns the same object.
   */
  async verify(
    authorization: string | null | undefined,
    whileReading?: (expected: Caller | undefined) => void,
  ): Promise<Caller> {
    const token = tokenFromAuthorization(authorization);
    if (!token) throw new RefusedBearer('Send the token as "Authorization: Bearer <token>"', 'malformed');
    const id = parseToken(token);
    if (!id) throw new RefusedBearer('The token is malformed', 'malformed');
    return whileReading ? this.verifyOverlapped(token, id, whileReading) : this.verifyPlain(token, id);
  }

  /** The plain path: the key ring and the one read side by side, then the hash, the status, the use. */
  private async verifyPlain(token: string, id: string): Promise<Caller> {
    const rings = this.keys.get();
    const read = this.store.getCredential(id);
    read.catch(() => undefined); // awaited below; a failure meanwhile must not count as unhandled
    const ring = await rings;
    const credential = await read;
    if (!credential) throw new RefusedBearer('The token is not valid', 'unknown');
    const { keyId } = credential.hash;
    const digest = tokenDigest(ring, token, keyId) ?? (await this.digestAfterRefresh(token, keyId));
    return this.accepted(credential, digestMatches(credential.hash, digest));
  }

  /**
   * The overlapped read: the plain path's checks, with what does not need the answer done while
   * DynamoDB answers. The store calls back once the request is on its way, with the credential it
   * decoded last for the token (the one the read most likely returns again, as the very same
   * object): the token's HMAC under the current key, which hashed nearly every stored token, is
   * computed and compared with that credential's hash there, and `whileReading` is told the caller
   * that comparison confirms. After the answer, the same object means the same bytes, so the
   * comparison stands; any other answer is checked from scratch.
   */
  private async verifyOverlapped(
    token: string,
    id: string,
    whileReading: (expected: Caller | undefined) => void,
  ): Promise<Caller> {
    const rings = this.keys.get();
    // The source hands out the same promise while its ring is fresh: its value is known already.
    let ring = rings === this.held?.rings ? this.held.ring : undefined;
    let current: Buffer | null | undefined;
    let expected: { credential: Credential; matches: boolean } | undefined;
    const read = this.store.getCredential(id, (credential) => {
      if (ring) {
        current = tokenDigest(ring, token);
        if (credential) {
          const digest = this.digestUnder(ring, token, credential.hash.keyId, current);
          // A key this ring lacks (null) is left to the check after the read, which can refresh it.
          if (digest !== null) expected = { credential, matches: digestMatches(credential.hash, digest) };
        }
      }
      whileReading(expected?.matches ? this.callerOf(expected.credential) : undefined);
    });
    read.catch(() => undefined); // awaited below; a failure meanwhile must not count as unhandled
    if (ring === undefined) {
      ring = await rings;
      this.held = { rings, ring };
    }
    const credential = await read;
    if (!credential) throw new RefusedBearer('The token is not valid', 'unknown');
    // The same object is the same bytes as the item the comparison was made for while reading.
    if (credential === expected?.credential) return this.accepted(credential, expected.matches);
    const { keyId } = credential.hash;
    const digest =
      this.digestUnder(ring, token, keyId, current) ?? (await this.digestAfterRefresh(token, keyId));
    return this.accepted(credential, digestMatches(credential.hash, digest));
  }

  /** For a key newer than the ring this process holds (the secret was rotated since it was read): the ring read again. */
  private async digestAfterRefresh(token: string, keyId: string): Promise<Buffer | null> {
    return this.keys.refresh ? tokenDigest(await this.keys.refresh(), token, keyId) : null;
  }

  /** The end of both paths: a matching hash and an active token make the caller; its use is recorded. */
  private accepted(credential: Credential, matches: boolean): Caller {
    if (!matches) throw new RefusedBearer('The token is not valid', 'unknown');
    const now = this.now();
    const status = statusOf(credential, now);
    if (status !== 'active') throw new RefusedBearer(`The token is ${status}`, status);
    this.recordUse(credential, now);
    return this.callerOf(credential);
  }

  /** The token's digest under `keyId`, reusing `current` for the current key; null for a key not held. */
  private digestUnder(
    ring: KeyRing,
    token: string,
    keyId: string,
    current: Buffer | null | undefined,
  ): Buffer | null {
    return keyId === ring.currentKeyId && current !== undefined ? current : tokenDigest(ring, token, keyId);
  }

  /** One caller object per decoded credential (the store hands out the same one while unchanged). */
  private callerOf(credential: Credential): Caller {
    let caller = this.callers.get(credential);
    if (caller === undefined) {
      const { id, kind, scopes, expiresAt } = credential;
      caller = Object.freeze({ tokenId: id, kind, scopes, principal: `token:${id}`, expiresAt });
      this.callers.set(credential, caller);
    }
    return caller;
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
