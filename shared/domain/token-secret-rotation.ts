// A consumer's token kept in a Secrets Manager secret, `{"token_id", "token"}`, and rotated by
// Secrets Manager (secrets-manager-rotation.ts). createSecret rotates the token with a grace period and
// stores the new one as AWSPENDING; testSecret checks it with the bearer verifier.
//
// Whoever can write the secret or start its rotation must not choose what is minted: the function
// rotates the one secret its deployment declared (the RotatedToken construct puts the secret's ARN,
// the description, the scopes and the grace in its environment), takes nothing but the token from
// the secret, and rotates that token only if it is the token of its id (its HMAC matches the stored
// hash) and carries the declared description and scopes. Before the first rotation the secret holds
// `{"token_id": null, "token": null}`: createSecret then mints a token as declared.
//
// Whoever holds the token may rotate it themselves (`POST /v1/tokens/self/rotate`): the token then
// names a child (a token minted by self-rotation) this rotation did not make, and rotating it is refused. The rotation revokes that
// child and its descendants, and stores a fresh token minted as declared.
//
// Crash safety: a rotation stores the new token after the transaction that made it, so a crash in
// between leaves a token nobody holds, recorded as the old token's `rotated_to`. The retry sees that
// link and rotates again, replacing (revoking) the orphan in the same transaction. A fresh token is
// stored in the secret before its record is written (it works only once written), so a crash leaves
// at most a secret whose token does not work yet, which the retry writes.

import { RotationError, type SecretRotator } from './secrets-manager-rotation';
import type { Actor, TokenRecord } from './token';
import { mintToken, parseToken } from './token-format';
import { isChildOf } from './token-rotation';
import type { NewToken, RotatedToken, RotateOptions } from './token-service';
import type { Caller } from './verify-bearer';

/** Who rotations are attributed to in the audit trail. */
export const ROTATION_ACTOR: Actor = { type: 'system', id: 'secrets-manager-rotation' };

export interface TokenSecret {
  tokenId: string | null;
  token: string | null;
}

/** The secret's token; anything else the value holds is never read. */
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
  const { token_id: tokenId = null, token = null } = value as Record<string, unknown>;
  if (token === null && tokenId === null) return { tokenId: null, token: null };
  if (typeof token !== 'string' || typeof tokenId !== 'string' || parseToken(token) !== tokenId) {
    // Never the value itself in the message: it may hold a token.
    throw new RotationError('The token secret holds no well-formed token matching its token_id');
  }
  return { tokenId, token };
}

export function serialiseTokenSecret(created: { id: string; token: string }): string {
  return JSON.stringify({ token_id: created.id, token: created.token });
}

/** What a RotatedToken declares its rotation function may mint, from the construct's props. */
export interface RotatedTokenDeclaration {
  /** The ARN of the one secret the function rotates. */
  secretArn: string;
  /** The token: its description and scopes, validated as the create API validates them. */
  token: NewToken;
  /** How long the previous token keeps working after a rotation. */
  graceSeconds: number;
}

/** What the rotation needs of the token service (TokenService). */
export interface TokenRotations {
  get(id: string): Promise<TokenRecord>;
  /** The record of `token` if it is one: well-formed, known, and matching its stored hash; else null. */
  held(token: string): Promise<TokenRecord | null>;
  rotate(id: string, options: RotateOptions): Promise<RotatedToken>;
  /** Revokes a token and its descendants in the token tree. */
  revoke(id: string, actor: Actor): Promise<TokenRecord>;
  /** Writes the record of a token minted here; a second write of the same token changes nothing. */
  adopt(token: string, input: NewToken, actor: Actor): Promise<TokenRecord>;
}

export interface TokenSecretRotatorDeps {
  tokens: TokenRotations;
  /** The bearer verifier the authorizer uses. */
  verify: (authorization: string) => Promise<Caller>;
  declared: RotatedTokenDeclaration;
}

/** The grants as a set: each scope with its resources in order. */
function grantsKey(scopes: NewToken['scopes']): string {
  return JSON.stringify(
    scopes
      .map(({ scope, resources }) => [scope, resources === null ? null : [...resources].sort()])
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  );
}

function isDeclared(record: TokenRecord, declared: NewToken): boolean {
  return (
    record.kind === declared.kind &&
    record.description === declared.description &&
    grantsKey(record.scopes) === grantsKey(declared.scopes)
  );
}

export function tokenSecretRotator({ tokens, verify, declared }: TokenSecretRotatorDeps): SecretRotator {
  /** Stores a new token, then writes its record: a crash in between leaves a token that does not work yet. */
  const mintDeclared = async (store: (value: string) => Promise<void>) => {
    const minted = mintToken();
    await store(serialiseTokenSecret(minted));
    await tokens.adopt(minted.token, declared.token, ROTATION_ACTOR);
  };

  return {
    secretId: declared.secretArn,

    async create({ current, pending, store }) {
      const now = parseTokenSecret(current);
      if (pending !== null) {
        // Stored already. A rotated token was written before it; a fresh one is written after.
        const stored = parseTokenSecret(pending);
        if (stored.token !== null && (await tokens.held(stored.token)) === null) {
          await tokens.adopt(stored.token, declared.token, ROTATION_ACTOR);
        }
        return;
      }
      if (now.token === null) return mintDeclared(store);
      const held = await tokens.held(now.token);
      if (held === null) {
        throw new RotationError(
          `The secret's token ${now.tokenId} is not that token (unknown id, or its hash does not match): nothing rotated`,
        );
      }
      if (!isDeclared(held, declared.token)) {
        throw new RotationError(
          `Token ${held.id} does not carry this RotatedToken's declared description and scopes: nothing rotated`,
        );
      }
      if (held.rotatedTo !== null) {
        const successor = await tokens.get(held.rotatedTo);
        if (isChildOf(held, successor)) {
          // Made by whoever holds the token, not by this rotation: end that branch and start afresh.
          await tokens.revoke(successor.id, ROTATION_ACTOR);
          return mintDeclared(store);
        }
      }
      const rotated = await tokens.rotate(held.id, {
        graceSeconds: declared.graceSeconds,
        actor: ROTATION_ACTOR,
        // A successor made by a run that crashed before storing it: nobody holds it.
        replacing: held.rotatedTo ?? undefined,
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
