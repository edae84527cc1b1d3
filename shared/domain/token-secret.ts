// A consumer's token kept in a Secrets Manager secret, `{"token_id", "token"}`, and rotated by
// Secrets Manager (secret-rotation.ts). createSecret rotates the token with a grace period and
// stores the new one as AWSPENDING; testSecret checks it with the bearer verifier.
//
// Until its first rotation the secret holds no token, only what to make (the RotatedToken
// construct writes it): `{"token_id": null, "token": null, "description": "...", "scopes": [...]}`.
// createSecret then makes the first token with that description and those scopes.
//
// Crash safety: a rotation stores the new token after the transaction that made it, so a crash in
// between leaves a token nobody holds, recorded as the old token's `rotated_to`. The retry sees that
// link and rotates again, replacing (revoking) the orphan in the same transaction. A first token is
// stored in the secret before its record is written (it works only once written), so a crash leaves
// at most a secret whose token does not work yet, which the retry writes.

import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS } from './rotation';
import { RotationError, type SecretRotator } from './secret-rotation';
import type { Actor, TokenRecord } from './token';
import { mintToken, parseToken } from './token-format';
import type { NewToken, RotatedToken, RotateOptions } from './token-service';
import type { Caller } from './verify-bearer';

/** Who rotations are attributed to in the audit trail. */
export const ROTATION_ACTOR: Actor = { type: 'system', id: 'secrets-manager-rotation' };

/** The secret tag holding the grace period, in seconds (the RotatedToken construct sets it). */
export const GRACE_SECONDS_TAG = 'tokengate:grace-seconds';

export interface TokenSecret {
  tokenId: string | null;
  token: string | null;
  /** Everything else the value holds: the first token's description and scopes. */
  spec: Record<string, unknown>;
}

export function parseTokenSecret(serialised: string): TokenSecret {
  let value: unknown;
  try {
    value = JSON.parse(serialised);
  } catch {
    throw new RotationError('The token secret is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RotationError('The token secret is not a JSON object');
  }
  const { token_id: tokenId = null, token = null, ...spec } = value as Record<string, unknown>;
  if (token === null && tokenId === null) return { tokenId: null, token: null, spec };
  if (typeof token !== 'string' || typeof tokenId !== 'string' || parseToken(token) !== tokenId) {
    // Never the value itself in the message: it may hold a token.
    throw new RotationError('The token secret holds no well-formed token matching its token_id');
  }
  return { tokenId, token, spec };
}

export function serialiseTokenSecret(created: { id: string; token: string }): string {
  return JSON.stringify({ token_id: created.id, token: created.token });
}

export function graceSecondsOf(tags: Readonly<Record<string, string>>): number {
  const raw = tags[GRACE_SECONDS_TAG];
  if (raw === undefined) return DEFAULT_GRACE_SECONDS;
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || seconds > MAX_GRACE_SECONDS) {
    throw new RotationError(
      `Tag ${GRACE_SECONDS_TAG} must be a whole number of seconds up to ${MAX_GRACE_SECONDS}`,
    );
  }
  return seconds;
}

/** What the rotation needs of the token service (TokenService). */
export interface TokenRotations {
  get(id: string): Promise<TokenRecord>;
  rotate(id: string, options: RotateOptions): Promise<RotatedToken>;
  /** Writes the record of a token minted here; a second write of the same token changes nothing. */
  adopt(token: string, input: NewToken, actor: Actor): Promise<TokenRecord>;
}

export interface TokenSecretRotatorDeps {
  tokens: TokenRotations;
  /** The bearer verifier the authorizer uses. */
  verify: (authorization: string) => Promise<Caller>;
  /** The first token's description and scopes, validated as the create API validates them. */
  parseSpec: (spec: Record<string, unknown>) => NewToken;
}

export function tokenSecretRotator({ tokens, verify, parseSpec }: TokenSecretRotatorDeps): SecretRotator {
  return {
    async create({ current, pending, secret, store }) {
      const now = parseTokenSecret(current);
      if (pending !== null) {
        // Stored already. A rotated token was written before it; a first token is written after.
        const stored = parseTokenSecret(pending);
        if (now.tokenId === null && stored.token !== null) {
          await tokens.adopt(stored.token, parseSpec(now.spec), ROTATION_ACTOR);
        }
        return;
      }
      if (now.tokenId === null) {
        const spec = parseSpec(now.spec);
        const minted = mintToken();
        await store(serialiseTokenSecret(minted));
        await tokens.adopt(minted.token, spec, ROTATION_ACTOR);
        return;
      }
      const old = await tokens.get(now.tokenId);
      const rotated = await tokens.rotate(now.tokenId, {
        graceSeconds: graceSecondsOf(secret.tags),
        actor: ROTATION_ACTOR,
        // A successor made by a run that crashed before storing it: nobody holds it.
        replacing: old.rotatedTo ?? undefined,
      });
      await store(serialiseTokenSecret({ id: rotated.record.id, token: rotated.token }));
    },

    async test(pending) {
      const { tokenId, token } = parseTokenSecret(pending);
      if (token === null) throw new RotationError('The pending secret holds no token');
      let caller: Caller;
      try {
        caller = await verify(`Bearer ${token}`);
      } catch (error) {
        throw new RotationError(`The pending token ${tokenId} is refused: ${(error as Error).message}`);
      }
      if (caller.tokenId !== tokenId) throw new RotationError(`The pending token is not token ${tokenId}`);
    },
  };
}
