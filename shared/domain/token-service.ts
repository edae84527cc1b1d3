// Token lifecycle: create (the secret leaves here once, never stored), read, revoke, delete.

import type { ScopeGrant } from '#spec/scopes';
import { ConflictError, NotFoundError, TooManyRequestsError, ValidationError } from './errors';
import { checkUsableExpiry } from './expiry';
import { hashToken, type KeyRing, type KeyRingSource, tokenMatchesHash } from './keyring';
import { type Actor, principalOf, statusOf, type TokenKind, type TokenRecord } from './token';
import { hintOf, type MintedToken, mintToken, parseToken } from './token-format';
import {
  acceptedUntil,
  checkGrace,
  checkSelfRenewal,
  graceExpiry,
  isChildOf,
  MAX_TREE_DEPTH,
  rotationRefusal,
  selfRotationWaitSeconds,
  successorOf,
} from './token-rotation';
import type { ListPage, ListQuery, Stamp, TokenChanges, TokenStore } from './token-store';

/**
 * How many tokens of one leak report may fail to verify (unknown id, or not the token of that id)
 * before the report stops reading: anyone can compute well-formed tokens, and each one costs a read.
 */
export const LEAK_REPORT_MISS_LIMIT = 25;

export interface NewToken {
  kind: TokenKind;
  description: string;
  userEmail: string | null;
  scopes: ScopeGrant[];
  expiresAt: string | null;
}

export interface CreatedToken {
  record: TokenRecord;
  /** The secret: returned to the caller once, in the create response, and never again. */
  token: string;
}

export interface RotateOptions {
  /** How long the old token keeps working: 0 to MAX_GRACE_SECONDS (shared/domain/token-rotation.ts). */
  graceSeconds: number;
  actor: Actor;
  /**
   * Crash recovery: the successor an earlier rotation of this token made and nobody received. It is
   * revoked, and replaced by a new successor, in the same transaction.
   */
  replacing?: string | undefined;
  /**
   * A renewal: the successor's expiry (null: never) instead of the old token's. A token rotating
   * itself may bring its expiry forward but never put it later, so a stolen token cannot outlive the
   * expiry it was given; an admin's rotation may.
   */
  expiresAt?: string | null | undefined;
}

export interface TokenServiceDeps {
  store: TokenStore;
  keys: KeyRingSource;
  now?: () => Date;
  /**
   * The authorizer cache TTL in front of the tokens (`TOKENGATE_AUTHORIZER_CACHE_TTL`): behind it a
   * token stops being allowed the TTL plus a second before its expiry, which decides the shortest
   * useful grace and expiry. @default 0 (no cache)
   */
  cacheTtlSeconds?: number;
}

/** A rotation's result: the new token, the old one as updated, and until when the old one is accepted. */
export interface RotatedToken extends CreatedToken {
  previous: TokenRecord;
  /** Until when the authorizer accepts the old token (`acceptedUntil`); null when it no longer does. */
  previousAcceptedUntil: string | null;
}

export class TokenService {
  private readonly store: TokenStore;
  private readonly keys: KeyRingSource;
  readonly now: () => Date;
  private readonly cacheTtlSeconds: number;

  constructor(deps: TokenServiceDeps) {
    this.store = deps.store;
    this.keys = deps.keys;
    this.now = deps.now ?? (() => new Date());
    this.cacheTtlSeconds = deps.cacheTtlSeconds ?? 0;
  }

  /** A new token (or `minted`, made elsewhere) and its record, not yet stored. */
  private mint(
    input: NewToken,
    actor: Actor,
    createdByName: string | null,
    ring: KeyRing,
    rotatedFrom: string | null = null,
    minted: MintedToken = mintToken(),
  ): CreatedToken {
    return {
      token: minted.token,
      record: {
        ...input,
        id: minted.id,
        createdAt: this.now().toISOString(),
        createdBy: principalOf(actor),
        createdByName,
        revokedAt: null,
        revokedBy: null,
        lastUsedAt: null,
        hint: minted.hint,
        hash: hashToken(ring, minted.token),
        rotatedFrom,
        rotatedTo: null,
      },
    };
  }

  /**
   * The name a token made by `actor` carries (`created_by_name`): a token's description (`acting`, when
   * it is the one read already, saves the read), else the actor's id: a person's email, an ARN, a job.
   */
  private async nameOf(actor: Actor, acting?: TokenRecord): Promise<string | null> {
    if (actor.type !== 'token') return actor.id;
    const record = acting?.id === actor.id ? acting : await this.store.get(actor.id);
    return record?.description ?? null;
  }

  /** A new token; one whose expiry is too close to ever pass the authorizer is refused (ValidationError). */
  async create(input: NewToken, actor: Actor): Promise<CreatedToken> {
    checkUsableExpiry(input.expiresAt, this.now(), this.cacheTtlSeconds);
    const [ring, createdByName] = await Promise.all([this.keys.get(), this.nameOf(actor)]);
    // 95 random bits make an id collision practically impossible; if one happens, mint again.
    for (let attempt = 0; ; attempt++) {
      const created = this.mint(input, actor, createdByName, ring);
      try {
        await this.store.insert(created.record, { actor, op: 'create', at: created.record.createdAt });
        return created;
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= 2) throw error;
      }
    }
  }

  /**
   * Writes the record of a token minted elsewhere (`mintToken`), for a writer that must keep the
   * token somewhere before it works (the Secrets Manager rotation: token-secret-rotation.ts). Writing the same
   * token again changes nothing and returns its record.
   */
  async adopt(token: string, input: NewToken, actor: Actor): Promise<TokenRecord> {
    const id = parseToken(token);
    if (!id) throw new ValidationError('Not a well-formed token', 'token');
    const ring = await this.keys.get();
    const held = async () => {
      const record = await this.held(token);
      if (!record) throw new ConflictError(`Token id ${id} belongs to another token`);
      return record;
    };
    const created = this.mint(input, actor, await this.nameOf(actor), ring, null, {
      id,
      token,
      hint: hintOf(token),
    });
    try {
      await this.store.insert(created.record, { actor, op: 'create', at: created.record.createdAt });
      return created.record;
    } catch (error) {
      if (error instanceof ConflictError) return held();
      throw error;
    }
  }

  /** The record of `token` if it is one: well-formed, known, and matching its stored hash; else null. */
  async held(token: string): Promise<TokenRecord | null> {
    const id = parseToken(token);
    if (!id) return null;
    const [record, ring] = await Promise.all([this.store.get(id), this.keys.get()]);
    return record && tokenMatchesHash(ring, token, record.hash) ? record : null;
  }

  async get(id: string): Promise<TokenRecord> {
    const record = await this.store.get(id);
    if (!record) throw new NotFoundError(`No token with id ${id}`, 'id');
    return record;
  }

  /** The tokens that work right now: neither revoked nor expired. Newest first. */
  async listActive(kind?: TokenKind): Promise<TokenRecord[]> {
    const now = this.now();
    return (await this.store.listLive(kind)).filter((record) => statusOf(record, now) === 'active');
  }

  /**
   * Revokes a token, whatever its status, and its descendants in the token tree. A second revoke
   * changes nothing on the token itself but still revokes a descendant that lives.
   */
  async revoke(id: string, actor: Actor): Promise<TokenRecord> {
    const stamp: Stamp = { actor, op: 'revoke', at: this.now().toISOString() };
    const record = await this.store.revoke(id, stamp);
    await this.revokeDescendants(id, stamp);
    return record;
  }

  /**
   * Revokes the descendants of the revoked token `root`: its successor if `root` minted it by rotating
   * itself, that one's, and so on (at most MAX_TREE_DEPTH), each stamped `revokedWith: root`. Each
   * token is read once it is revoked: a revoked token can no longer rotate, so its link is final.
   */
  private async revokeDescendants(root: string, stamp: Stamp): Promise<void> {
    let parent = await this.store.get(root);
    for (let depth = 0; parent?.rotatedTo != null && depth < MAX_TREE_DEPTH; depth++) {
      const child = await this.store.get(parent.rotatedTo);
      if (child === null || !isChildOf(parent, child)) return;
      if (child.revokedAt === null) {
        await this.store.revoke(child.id, { ...stamp, revokedWith: root });
        parent = await this.store.get(child.id);
      } else {
        parent = child;
      }
    }
  }

  list(query: ListQuery): Promise<ListPage<TokenRecord>> {
    return this.store.list(query, this.now());
  }

  /** Sets or clears the user email and sets the description, as `changes` gives them. */
  update(id: string, changes: TokenChanges, actor: Actor): Promise<TokenRecord> {
    return this.store.update(id, changes, { actor, op: 'update', at: this.now().toISOString() });
  }

  /**
   * Replaces a token by a new one with the same kind, description, user email, scopes and expiry,
   * linked both ways; the old one keeps working for the grace (never beyond its own expiry). A
   * revoked, expired or already rotated token is refused with ConflictError, as is every rotation of
   * one token but one when several race; nothing changes then. Unknown id: NotFoundError. A grace too
   * short to give the old token any time behind the authorizer cache: ValidationError. A token minted
   * by self-rotation rotating itself within its first hour: TooManyRequestsError. A renewal
   * (`expiresAt`) too close to ever pass the authorizer, or a token putting its own expiry later:
   * ValidationError naming `expires_at`.
   */
  async rotate(id: string, options: RotateOptions): Promise<RotatedToken> {
    const { actor, replacing } = options;
    const graceSeconds = checkGrace(options.graceSeconds, this.cacheTtlSeconds);
    const now = this.now();
    const previous = await this.get(id);
    const refusal = rotationRefusal(previous, now, replacing);
    if (refusal !== null) throw new ConflictError(refusal);
    const wait = actor.type === 'token' && actor.id === id ? selfRotationWaitSeconds(previous, now) : 0;
    if (wait > 0) {
      throw new TooManyRequestsError(
        `Token ${id} was minted by rotating itself less than an hour ago: it may rotate itself again in ${wait} s`,
        { retryAfterSeconds: wait },
      );
    }
    const replaced = replacing === undefined ? null : await this.store.get(replacing);
    if (replaced !== null && replaced.rotatedFrom !== id) {
      throw new ConflictError(`Token ${replacing} was not made by rotating ${id}`);
    }
    // Rotated in turn, it was evidently received and is in use: it is not a successor to replace.
    if (replaced?.rotatedTo != null) {
      throw new ConflictError(`Token ${replacing} was rotated in turn, to ${replaced.rotatedTo}`);
    }
    const successor = successorOf(previous, replaced);
    if (options.expiresAt !== undefined) {
      if (actor.type === 'token' && actor.id === id) checkSelfRenewal(previous.expiresAt, options.expiresAt);
      checkUsableExpiry(options.expiresAt, now, this.cacheTtlSeconds);
      successor.expiresAt = options.expiresAt;
    }
    const [ring, createdByName] = await Promise.all([this.keys.get(), this.nameOf(actor, previous)]);
    const created = this.mint(successor, actor, createdByName, ring, id);
    const previousExpiresAt = graceExpiry(previous.expiresAt, now, graceSeconds);
    const updated = await this.store.rotate(
      {
        previous,
        previousExpiresAt,
        successor: created.record,
        replacing: replaced ?? undefined,
        now,
      },
      { actor, op: 'rotate', at: now.toISOString() },
    );
    return {
      ...created,
      previous: updated,
      previousAcceptedUntil: acceptedUntil(previousExpiresAt, now, this.cacheTtlSeconds),
    };
  }

  /**
   * Revokes every token in the list that is real: well-formed, known, and matching its stored hash.
   * Anyone holding a leaked token may do this, so the answer never says which ones were; the
   * revocation is attributed to the token itself. A token that was still accepted takes its
   * descendants in the token tree with it; an expired one does not, so that whoever holds an old
   * token cannot end the live successors made from it. Malformed entries cost no read, and reading
   * stops once LEAK_REPORT_MISS_LIMIT tokens read failed to verify.
   */
  async revokeLeaked(candidates: readonly string[]): Promise<void> {
    const held = new Map<string, string[]>();
    for (const candidate of candidates) {
      const id = parseToken(candidate);
      if (id) held.set(id, [...(held.get(id) ?? []), candidate]);
    }
    if (held.size === 0) return;
    const ids = [...held.keys()];
    const ring = await this.keys.get();
    const now = this.now();
    const at = now.toISOString();
    let misses = 0;
    // Each batch is at most what the misses left allow, so no more than the limit are read in vain.
    for (let start = 0; start < ids.length && misses < LEAK_REPORT_MISS_LIMIT; ) {
      const batch = ids.slice(start, start + LEAK_REPORT_MISS_LIMIT - misses);
      start += batch.length;
      const real = (await this.store.getCredentials(batch)).filter((credential) =>
        // Stryker disable next-line ArrayDeclaration: equivalent, the store returns only ids asked for, each one a key of `held`
        (held.get(credential.id) ?? []).some((token) => tokenMatchesHash(ring, token, credential.hash)),
      );
      misses += batch.length - real.length;
      const leaked = real.filter((credential) => credential.revokedAt === null);
      for (let first = 0; first < leaked.length; first += 10) {
        await Promise.all(
          leaked.slice(first, first + 10).map(async (credential) => {
            const stamp: Stamp = { actor: { type: 'token', id: credential.id }, op: 'revoke', at };
            await this.store.revoke(credential.id, stamp);
            if (statusOf(credential, now) === 'active') await this.revokeDescendants(credential.id, stamp);
          }),
        );
      }
    }
  }

  /**
   * Deletes a token, after revoking its descendants in the token tree (they are revoked, not deleted:
   * their records stay for the audit). The token is revoked first, so that it mints no child meanwhile.
   */
  async delete(id: string, actor: Actor): Promise<void> {
    const at = this.now().toISOString();
    const revoking: Stamp = { actor, op: 'revoke', at };
    await this.store.revoke(id, revoking);
    await this.revokeDescendants(id, revoking);
    await this.store.remove(id, { actor, op: 'delete', at });
  }

  /**
   * Deletes a Posit-Connect-style service token. Any other token is not one, so it is not found
   * there (the Connect API must not reach the native tokens); errors name Connect's `guid`.
   */
  async deleteServiceToken(guid: string, actor: Actor): Promise<void> {
    const notFound = () => new NotFoundError(`No service token with guid ${guid}`, 'guid');
    const record = await this.store.get(guid);
    if (record?.kind !== 'service') throw notFound();
    try {
      await this.delete(guid, actor);
    } catch (error) {
      throw error instanceof NotFoundError ? notFound() : error;
    }
  }

  /**
   * The first `global:admin` token, made only while no active one exists (the way into an empty
   * deployment, or back into one whose admin tokens are all revoked or expired). Of bootstraps that
   * race, exactly one wins: the store moves the bootstrap claim in the same transaction.
   */
  async bootstrapAdmin(actor: Actor): Promise<CreatedToken> {
    const refused = (why?: string) =>
      new ConflictError(
        `An active global:admin token exists already${why ? ` (${why})` : ''}: bootstrap only makes the first one. Use it to create others.`,
      );
    const now = this.now();
    if (await this.store.hasActiveAdmin(now)) throw refused();
    const created = this.mint(
      {
        kind: 'user',
        description: 'Bootstrap admin token',
        userEmail: null,
        scopes: [{ scope: 'global:admin', resources: null }],
        expiresAt: null,
      },
      actor,
      await this.nameOf(actor),
      await this.keys.get(),
    );
    try {
      await this.store.insertBootstrapAdmin(
        created.record,
        { actor, op: 'create', at: created.record.createdAt },
        now,
      );
    } catch (error) {
      throw error instanceof ConflictError ? refused(error.message) : error;
    }
    return created;
  }
}
