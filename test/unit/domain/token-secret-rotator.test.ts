// The Secrets Manager rotation protocol (runRotationStep) and the token secret's rotator, over
// in-memory fakes of their two domain interfaces: a vault that keeps versions and stages as Secrets
// Manager does, and a token service that keeps records. What each step checks before it acts, and
// what the rotator mints, revokes and refuses. (The same, end to end on moto and DynamoDB Local:
// test/integration/token-secret-rotation.test.ts.)
import { describe, expect, it } from 'vitest';
import {
  AWSCURRENT,
  AWSPENDING,
  RotationError,
  type RotationStep,
  runRotationStep,
  type SecretDescription,
  type SecretRotator,
  type SecretVault,
} from '#domain/secrets-manager-rotation';
import type { Actor, TokenRecord } from '#domain/token';
import { mintToken, parseToken } from '#domain/token-format';
import {
  parseTokenSecret,
  ROTATION_ACTOR,
  type RotatedTokenDeclaration,
  serialiseTokenSecret,
  type TokenRotations,
  tokenSecretRotator,
} from '#domain/token-secret-rotation';
import type { NewToken, RotateOptions } from '#domain/token-service';
import type { Caller } from '#domain/verify-bearer';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:scim-token';
const NO_TOKEN = JSON.stringify({ token_id: null, token: null });

/** A secret's versions and stages, as Secrets Manager keeps them; every call is recorded. */
function fakeVault(
  versions: Record<string, { value: string | null; stages: string[] }>,
  rotationEnabled = true,
) {
  const calls: unknown[][] = [];
  const vault: SecretVault = {
    async describe(secretId) {
      calls.push(['describe', secretId]);
      return {
        rotationEnabled,
        versions: new Map(Object.entries(versions).map(([id, { stages }]) => [id, stages])),
        tags: {},
      };
    },
    async value(secretId, { versionId, stage }) {
      calls.push(['value', secretId, versionId, stage]);
      const found = Object.entries(versions).find(
        ([id, version]) => (versionId === undefined || id === versionId) && version.stages.includes(stage),
      );
      return found?.[1].value ?? null;
    },
    async putPending(secretId, versionId, value) {
      calls.push(['putPending', secretId, versionId, value]);
    },
    async makeCurrent(secretId, versionId, from) {
      calls.push(['makeCurrent', secretId, versionId, from]);
    },
  };
  return { vault, calls };
}

/** A rotator that records what it is asked. */
function recordingRotator(secretId?: string) {
  const calls: unknown[][] = [];
  const rotator: SecretRotator = {
    secretId,
    async create({ current, pending, secret, store }) {
      calls.push(['create', current, pending, [...secret.versions.keys()]]);
      await store('next value');
    },
    async test(pending, current) {
      calls.push(['test', pending, current]);
    },
  };
  return { rotator, calls };
}

const step = (step: RotationStep, versionId = 'v2', secretId = ARN) => ({ step, secretId, versionId });

/** v1 current ("current value"), v2 pending ("pending value"). */
const midRotation = () => ({
  v1: { value: 'current value', stages: [AWSCURRENT] },
  v2: { value: 'pending value', stages: [AWSPENDING] },
});

describe('runRotationStep', () => {
  it('knows the stages by the names Secrets Manager gives them, and fails with a RotationError', async () => {
    expect([AWSCURRENT, AWSPENDING]).toEqual(['AWSCURRENT', 'AWSPENDING']);
    const { vault } = fakeVault(midRotation(), false);
    await expect(runRotationStep(vault, recordingRotator().rotator, step('setSecret'))).rejects.toMatchObject(
      {
        name: 'RotationError',
      },
    );
  });

  it('refuses a secret other than the one its rotator is bound to, before reading anything', async () => {
    const { vault, calls } = fakeVault(midRotation());
    const { rotator } = recordingRotator(ARN);
    await expect(runRotationStep(vault, rotator, step('createSecret', 'v2', `${ARN}-other`))).rejects.toThrow(
      new RotationError(`This function rotates secret ${ARN} only, not ${ARN}-other: nothing changed`),
    );
    expect(calls).toEqual([]);
  });

  it('runs for any secret when its rotator is bound to none, and for its own one when it is', async () => {
    for (const bound of [undefined, ARN]) {
      const { vault } = fakeVault(midRotation());
      const { rotator, calls } = recordingRotator(bound);
      await runRotationStep(vault, rotator, step('testSecret'));
      expect(calls).toEqual([['test', 'pending value', 'current value']]);
    }
  });

  it('refuses a secret whose rotation is off', async () => {
    const { vault, calls } = fakeVault(midRotation(), false);
    const { rotator, calls: asked } = recordingRotator();
    await expect(runRotationStep(vault, rotator, step('createSecret'))).rejects.toThrow(
      new RotationError(`Secret ${ARN} does not have rotation enabled`),
    );
    expect(calls).toEqual([['describe', ARN]]);
    expect(asked).toEqual([]);
  });

  it('does nothing at any step for a version that is AWSCURRENT already: its rotation finished', async () => {
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      const { vault, calls } = fakeVault({ v2: { value: 'done', stages: [AWSCURRENT, AWSPENDING] } });
      const { rotator, calls: asked } = recordingRotator();
      await runRotationStep(vault, rotator, step(name));
      expect(calls).toEqual([['describe', ARN]]);
      expect(asked).toEqual([]);
    }
  });

  it('refuses a version that exists but is not AWSPENDING, at every step', async () => {
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      const { vault, calls } = fakeVault({
        v1: { value: 'current value', stages: [AWSCURRENT] },
        v2: { value: 'old value', stages: ['AWSPREVIOUS'] },
      });
      const { rotator, calls: asked } = recordingRotator();
      await expect(runRotationStep(vault, rotator, step(name))).rejects.toThrow(
        new RotationError(`Version v2 of secret ${ARN} is not staged for rotation`),
      );
      expect(calls).toEqual([['describe', ARN]]);
      expect(asked).toEqual([]);
    }
  });

  it('accepts a version not made yet at createSecret only (moto stages it at the first write)', async () => {
    const { vault, calls } = fakeVault({ v1: { value: 'current value', stages: [AWSCURRENT] } });
    const { rotator, calls: asked } = recordingRotator();
    await runRotationStep(vault, rotator, step('createSecret', 'v3'));
    expect(asked).toEqual([['create', 'current value', null, ['v1']]]);
    expect(calls).toContainEqual(['putPending', ARN, 'v3', 'next value']);
    for (const name of ['setSecret', 'testSecret', 'finishSecret'] as const) {
      await expect(runRotationStep(vault, rotator, step(name, 'v3'))).rejects.toThrow(
        new RotationError(`Version v3 of secret ${ARN} is not staged for rotation`),
      );
    }
  });

  it('refuses a secret with no current value', async () => {
    const { vault } = fakeVault({ v2: { value: 'pending value', stages: [AWSPENDING] } });
    const { rotator, calls } = recordingRotator();
    await expect(runRotationStep(vault, rotator, step('createSecret'))).rejects.toThrow(
      new RotationError(`Secret ${ARN} has no current value`),
    );
    expect(calls).toEqual([]);
  });

  it('createSecret gives the rotator the current value, what this version holds, and a store for it', async () => {
    const { vault, calls } = fakeVault(midRotation());
    const { rotator, calls: asked } = recordingRotator();
    await runRotationStep(vault, rotator, step('createSecret'));
    expect(asked).toEqual([['create', 'current value', 'pending value', ['v1', 'v2']]]);
    expect(calls).toEqual([
      ['describe', ARN],
      ['value', ARN, undefined, AWSCURRENT],
      ['value', ARN, 'v2', AWSPENDING],
      ['putPending', ARN, 'v2', 'next value'],
    ]);
  });

  it('setSecret changes nothing', async () => {
    const { vault, calls } = fakeVault(midRotation());
    const { rotator, calls: asked } = recordingRotator();
    await runRotationStep(vault, rotator, step('setSecret'));
    expect(asked).toEqual([]);
    expect(calls.map(([name]) => name)).toEqual(['describe', 'value']);
  });

  it('testSecret tests the pending value against the current one; a version without a value is refused', async () => {
    const { vault, calls } = fakeVault(midRotation());
    const { rotator, calls: asked } = recordingRotator();
    await runRotationStep(vault, rotator, step('testSecret'));
    expect(asked).toEqual([['test', 'pending value', 'current value']]);
    expect(calls).toContainEqual(['value', ARN, 'v2', AWSPENDING]);

    const empty = fakeVault({
      v1: { value: 'current value', stages: [AWSCURRENT] },
      v2: { value: null, stages: [AWSPENDING] },
    });
    const none = recordingRotator();
    await expect(runRotationStep(empty.vault, none.rotator, step('testSecret'))).rejects.toThrow(
      new RotationError(`Version v2 of secret ${ARN} has no value`),
    );
    expect(none.calls).toEqual([]);
  });

  it('finishSecret moves AWSCURRENT from the version that holds it to this one', async () => {
    const { vault, calls } = fakeVault({
      v0: { value: 'older value', stages: ['AWSPREVIOUS'] },
      ...midRotation(),
    });
    const { rotator, calls: asked } = recordingRotator();
    await runRotationStep(vault, rotator, step('finishSecret'));
    expect(calls.at(-1)).toEqual(['makeCurrent', ARN, 'v2', 'v1']);
    expect(asked).toEqual([]);
  });

  it('finishSecret refuses a secret no version of which is AWSCURRENT, moving nothing', async () => {
    const { vault, calls } = fakeVault(midRotation());
    // The value is read by stage, the versions from the description: make them disagree.
    const describe = vault.describe.bind(vault);
    vault.describe = async (secretId): Promise<SecretDescription> => {
      const described = await describe(secretId);
      return { ...described, versions: new Map([['v2', [AWSPENDING]]]) };
    };
    await expect(runRotationStep(vault, recordingRotator().rotator, step('finishSecret'))).rejects.toThrow(
      new RotationError(`Secret ${ARN} has no AWSCURRENT version`),
    );
    expect(calls.map(([name]) => name)).not.toContain('makeCurrent');
  });
});

describe('parseTokenSecret', () => {
  it('tells a value that is not JSON from one that is not a JSON object', () => {
    expect(() => parseTokenSecret('{')).toThrow(new RotationError('The token secret is not JSON'));
    for (const value of ['null', '[]', '"tg_x"', '1']) {
      expect(() => parseTokenSecret(value)).toThrow(
        new RotationError('The token secret is not a JSON object'),
      );
    }
  });

  it('reads an object with neither token_id nor token as the secret before the first rotation', () => {
    expect(parseTokenSecret('{}')).toEqual({ tokenId: null, token: null });
    expect(parseTokenSecret('{"token_id":null}')).toEqual({ tokenId: null, token: null });
  });

  it('refuses a token with a null, missing or non-string token_id, and a token that is no string', () => {
    const { id, token } = mintToken();
    for (const value of [
      { token_id: null, token },
      { token },
      { token_id: 7, token },
      { token_id: id, token: 7 },
      { token_id: id },
    ]) {
      expect(() => parseTokenSecret(JSON.stringify(value))).toThrow(
        new RotationError('The token secret holds no well-formed token matching its token_id'),
      );
    }
  });
});

// --- The token secret's rotator ---------------------------------------------------------------

const MANAGE = { scope: 'identity:manage', resources: null } as const;
const DECLARED: NewToken = {
  kind: 'service',
  description: 'SCIM sync',
  userEmail: null,
  scopes: [MANAGE, { scope: 'nameservice:read', resources: ['b', 'a'] }],
  expiresAt: null,
};

/** Token records kept in memory, as TokenService keeps them; every call is recorded. */
function fakeTokens() {
  const records = new Map<string, TokenRecord>();
  const secrets = new Map<string, string>();
  const calls: unknown[][] = [];
  const put = (token: string, input: NewToken, extra: Partial<TokenRecord> = {}): TokenRecord => {
    const id = parseToken(token);
    const record: TokenRecord = {
      ...input,
      id: id as string,
      createdAt: '2026-01-01T00:00:00.000Z',
      createdBy: 'token:AdminTokenId0001',
      revokedAt: null,
      revokedBy: null,
      lastUsedAt: null,
      hint: token.slice(-4),
      hash: { keyId: 'k1', value: 'unused' } as unknown as TokenRecord['hash'],
      rotatedFrom: null,
      rotatedTo: null,
      ...extra,
    };
    records.set(record.id, record);
    secrets.set(record.id, token);
    return record;
  };
  const tokens: TokenRotations = {
    async get(id) {
      calls.push(['get', id]);
      const record = records.get(id);
      if (!record) throw new Error(`No token with id ${id}`);
      return record;
    },
    async held(token) {
      calls.push(['held', token]);
      for (const [id, secret] of secrets) if (secret === token) return records.get(id) ?? null;
      return null;
    },
    async rotate(id, options: RotateOptions) {
      calls.push(['rotate', id, options]);
      const previous = records.get(id) as TokenRecord;
      const minted = mintToken();
      const record = put(minted.token, previous, { rotatedFrom: id, rotatedTo: null });
      records.set(id, { ...previous, rotatedTo: record.id });
      return { record, token: minted.token, previous, previousAcceptedUntil: null };
    },
    async revoke(id, actor: Actor) {
      calls.push(['revoke', id, actor]);
      return records.get(id) as TokenRecord;
    },
    async adopt(token, input, actor) {
      calls.push(['adopt', token, input, actor]);
      return put(token, input);
    },
  };
  return { tokens, calls, put };
}

function rotatorOver(tokens: TokenRotations, verify: (authorization: string) => Promise<Caller> = noVerify) {
  const declared: RotatedTokenDeclaration = { secretArn: ARN, token: DECLARED, graceSeconds: 3600 };
  return tokenSecretRotator({ tokens, verify, declared });
}

async function noVerify(): Promise<Caller> {
  throw new Error('not expected');
}

/** Runs the rotator's create and returns what it stored (at most one value). */
async function create(rotator: SecretRotator, current: string, pending: string | null = null) {
  const stored: string[] = [];
  await rotator.create({
    current,
    pending,
    secret: { rotationEnabled: true, versions: new Map(), tags: {} },
    store: async (value) => {
      stored.push(value);
    },
  });
  return stored;
}

describe('the token secret rotator', () => {
  it('is bound to the declared secret, and acts as the rotation system actor', () => {
    expect(rotatorOver(fakeTokens().tokens).secretId).toBe(ARN);
    expect(ROTATION_ACTOR).toEqual({ type: 'system', id: 'secrets-manager-rotation' });
  });

  it('mints the first token as declared: stored first, its record written after', async () => {
    const { tokens, calls } = fakeTokens();
    const stored = await create(rotatorOver(tokens), NO_TOKEN);
    expect(stored).toHaveLength(1);
    const { tokenId, token } = parseTokenSecret(stored[0] as string);
    expect(tokenId).not.toBeNull();
    expect(calls).toEqual([['adopt', token, DECLARED, ROTATION_ACTOR]]);
  });

  it('rotates a held, declared token with the declared grace, and stores its successor', async () => {
    const { tokens, calls, put } = fakeTokens();
    const held = mintToken();
    // The same grants in another order, resources too: still the declared ones.
    put(held.token, {
      ...DECLARED,
      scopes: [{ scope: 'nameservice:read', resources: ['a', 'b'] }, MANAGE],
    });
    const stored = await create(rotatorOver(tokens), serialiseTokenSecret(held));
    const rotate = calls.find(([name]) => name === 'rotate');
    expect(rotate).toEqual([
      'rotate',
      held.id,
      { graceSeconds: 3600, actor: ROTATION_ACTOR, replacing: undefined },
    ]);
    const next = parseTokenSecret(stored[0] as string);
    expect(next.tokenId).not.toBe(held.id);
    expect((await tokens.held(next.token as string))?.rotatedFrom).toBe(held.id);
  });

  it('refuses a token it does not hold (unknown, or not that token), storing and rotating nothing', async () => {
    const { tokens, calls } = fakeTokens();
    const stranger = mintToken();
    await expect(create(rotatorOver(tokens), serialiseTokenSecret(stranger))).rejects.toThrow(
      new RotationError(
        `The secret's token ${stranger.id} is not that token (unknown id, or its hash does not match): nothing rotated`,
      ),
    );
    expect(calls).toEqual([['held', stranger.token]]);
  });

  it('refuses a token of another kind, description or scopes than declared, storing and rotating nothing', async () => {
    for (const other of [
      { kind: 'user' as const },
      { description: 'SCIM sync 2' },
      { scopes: [{ scope: 'global:admin' as const, resources: null }] },
      { scopes: [MANAGE, { scope: 'nameservice:read' as const, resources: ['a'] }] },
      { scopes: [MANAGE, { scope: 'nameservice:read' as const, resources: null }] },
    ]) {
      const { tokens, calls, put } = fakeTokens();
      const held = mintToken();
      put(held.token, { ...DECLARED, ...other });
      await expect(create(rotatorOver(tokens), serialiseTokenSecret(held))).rejects.toThrow(
        new RotationError(
          `Token ${held.id} does not carry this RotatedToken's declared description and scopes: nothing rotated`,
        ),
      );
      expect(calls).toEqual([['held', held.token]]);
    }
  });

  it('replaces the successor a crashed run made and nobody holds', async () => {
    const { tokens, calls, put } = fakeTokens();
    const held = mintToken();
    const orphan = mintToken();
    put(orphan.token, DECLARED, { rotatedFrom: held.id, createdBy: 'system:secrets-manager-rotation' });
    put(held.token, DECLARED, { rotatedTo: orphan.id });
    const stored = await create(rotatorOver(tokens), serialiseTokenSecret(held));
    expect(calls.find(([name]) => name === 'rotate')).toEqual([
      'rotate',
      held.id,
      { graceSeconds: 3600, actor: ROTATION_ACTOR, replacing: orphan.id },
    ]);
    expect(calls.map(([name]) => name)).not.toContain('revoke');
    expect(stored).toHaveLength(1);
  });

  it('revokes the child its holder made by self-rotation and mints a fresh token as declared', async () => {
    const { tokens, calls, put } = fakeTokens();
    const held = mintToken();
    const child = mintToken();
    put(child.token, DECLARED, { rotatedFrom: held.id, createdBy: `token:${held.id}` });
    put(held.token, DECLARED, { rotatedTo: child.id });
    const stored = await create(rotatorOver(tokens), serialiseTokenSecret(held));
    const fresh = parseTokenSecret(stored[0] as string);
    expect(calls).toEqual([
      ['held', held.token],
      ['get', child.id],
      ['revoke', child.id, ROTATION_ACTOR],
      ['adopt', fresh.token, DECLARED, ROTATION_ACTOR],
    ]);
  });

  it('after a crash, writes the record of a stored token that has none, and touches nothing else', async () => {
    const { tokens, calls } = fakeTokens();
    const orphan = mintToken();
    expect(await create(rotatorOver(tokens), NO_TOKEN, serialiseTokenSecret(orphan))).toEqual([]);
    expect(calls).toEqual([
      ['held', orphan.token],
      ['adopt', orphan.token, DECLARED, ROTATION_ACTOR],
    ]);
  });

  it('after a crash, leaves alone a stored token whose record exists, or a stored value with no token', async () => {
    const { tokens, calls, put } = fakeTokens();
    const done = mintToken();
    put(done.token, DECLARED);
    expect(await create(rotatorOver(tokens), NO_TOKEN, serialiseTokenSecret(done))).toEqual([]);
    expect(await create(rotatorOver(tokens), NO_TOKEN, NO_TOKEN)).toEqual([]);
    expect(calls).toEqual([['held', done.token]]);
  });

  it('tests the pending token with the bearer verifier: it must be accepted, as the token of its id', async () => {
    const { token, id } = mintToken();
    const pending = serialiseTokenSecret({ id, token });
    const seen: string[] = [];
    const accepts = (tokenId: string) => async (authorization: string) => {
      seen.push(authorization);
      return { tokenId } as Caller;
    };
    await expect(
      rotatorOver(fakeTokens().tokens, accepts(id)).test(pending, NO_TOKEN),
    ).resolves.toBeUndefined();
    expect(seen).toEqual([`Bearer ${token}`]);

    await expect(
      rotatorOver(fakeTokens().tokens, accepts('OtherTokenId0001')).test(pending, NO_TOKEN),
    ).rejects.toThrow(new RotationError(`The pending token is not token ${id}`));
    const refuses = async (): Promise<Caller> => {
      throw new Error('Token revoked');
    };
    await expect(rotatorOver(fakeTokens().tokens, refuses).test(pending, NO_TOKEN)).rejects.toThrow(
      new RotationError(`The pending token ${id} is refused: Token revoked`),
    );
    await expect(rotatorOver(fakeTokens().tokens).test(NO_TOKEN, NO_TOKEN)).rejects.toThrow(
      new RotationError('The pending secret holds no token'),
    );
  });
});
