// Secrets Manager's rotation protocol, free of the SDK: the four steps a rotation function is called
// with (createSecret, setSecret, testSecret, finishSecret), keyed on the rotation's version id
// (Secrets Manager's `ClientRequestToken`). Each step is safe to run twice and to resume after a
// crash: it looks at what the secret already holds before it does anything. What the new value is,
// and how it is tested, is a `SecretRotator`'s business (token-secret-rotation.ts, key-ring-rotation.ts).

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export function isRotationStep(value: unknown): value is RotationStep {
  return typeof value === 'string' && (ROTATION_STEPS as readonly string[]).includes(value);
}

/** What a rotation needs to know of a secret (Secrets Manager's DescribeSecret). */
export interface SecretDescription {
  rotationEnabled: boolean;
  /** Each version id and its stages. */
  versions: ReadonlyMap<string, readonly string[]>;
  tags: Readonly<Record<string, string>>;
}

/** The secret store, as a rotation sees it: Secrets Manager in AWS (shared/adapters/secrets-vault.ts). */
export interface SecretVault {
  describe(secretId: string): Promise<SecretDescription>;
  /** The value of the version `versionId` (or of the version in `stage`), or null if there is none. */
  value(secretId: string, at: { versionId?: string; stage: string }): Promise<string | null>;
  /**
   * Stores `value` as version `versionId`, staged AWSPENDING. Storing the same value again under the
   * same version id changes nothing (Secrets Manager's idempotent PutSecretValue).
   */
  putPending(secretId: string, versionId: string, value: string): Promise<void>;
  /** Moves AWSCURRENT to `versionId`, from the version `from` that holds it. */
  makeCurrent(secretId: string, versionId: string, from: string): Promise<void>;
}

/** What a rotation makes and checks; never sees the vault's protocol. */
export interface SecretRotator {
  /** The one secret (its ARN) this rotator rotates, if it is bound to one: any other is refused. */
  secretId?: string;
  /**
   * Makes the next value from the current one and stores it with `store` (once). `pending` is what
   * an earlier run of this step already stored for this rotation, if it got that far: then the
   * rotator only finishes what that run may have left undone.
   */
  create(input: {
    current: string;
    pending: string | null;
    secret: SecretDescription;
    store: (value: string) => Promise<void>;
  }): Promise<void>;
  /** Throws if the pending value does not work. */
  test(pending: string, current: string): Promise<void>;
}

/** A rotation that cannot go on: Secrets Manager records the failure and tries again later. */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationError';
  }
}

export interface RotationRequest {
  step: RotationStep;
  secretId: string;
  /** Secrets Manager's `ClientRequestToken`: the id of the version this rotation makes. */
  versionId: string;
}

function currentVersionOf(secret: SecretDescription): string | undefined {
  for (const [versionId, stages] of secret.versions) if (stages.includes(AWSCURRENT)) return versionId;
  return undefined;
}

/**
 * Runs one step. The checks of AWS's rotation templates come first: rotation must be on; the
 * version must be staged AWSPENDING (Secrets Manager stages it before calling createSecret; moto
 * makes it at the first PutSecretValue, so createSecret also accepts a version not made yet); a
 * version that is AWSCURRENT already has finished its rotation, and every step is then a no-op.
 */
export async function runRotationStep(
  vault: SecretVault,
  rotator: SecretRotator,
  { step, secretId, versionId }: RotationRequest,
): Promise<void> {
  if (rotator.secretId !== undefined && secretId !== rotator.secretId) {
    throw new RotationError(
      `This function rotates secret ${rotator.secretId} only, not ${secretId}: nothing changed`,
    );
  }
  const secret = await vault.describe(secretId);
  if (!secret.rotationEnabled) throw new RotationError(`Secret ${secretId} does not have rotation enabled`);
  const stages = secret.versions.get(versionId);
  if (stages?.includes(AWSCURRENT)) return;
  if (stages ? !stages.includes(AWSPENDING) : step !== 'createSecret') {
    throw new RotationError(`Version ${versionId} of secret ${secretId} is not staged for rotation`);
  }
  const current = await vault.value(secretId, { stage: AWSCURRENT });
  if (current === null) throw new RotationError(`Secret ${secretId} has no current value`);
  switch (step) {
    case 'createSecret':
      return rotator.create({
        current,
        pending: await vault.value(secretId, { versionId, stage: AWSPENDING }),
        secret,
        store: (value) => vault.putPending(secretId, versionId, value),
      });
    case 'setSecret':
      // Nothing outside the secret holds the value: the new token (or key) already works where it
      // is checked, in tokengate's own table, from the moment createSecret made it.
      return;
    case 'testSecret': {
      const pending = await vault.value(secretId, { versionId, stage: AWSPENDING });
      if (pending === null)
        throw new RotationError(`Version ${versionId} of secret ${secretId} has no value`);
      return rotator.test(pending, current);
    }
    case 'finishSecret': {
      const from = currentVersionOf(secret);
      if (from === undefined) throw new RotationError(`Secret ${secretId} has no AWSCURRENT version`);
      return vault.makeCurrent(secretId, versionId, from);
    }
  }
}
