// What both rotation functions share: Secrets Manager's rotation event, checked, and one step run.
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { SecretsManagerVault } from '#adapters/secrets-vault';
import {
  isRotationStep,
  RotationError,
  runRotationStep,
  type SecretRotator,
} from '#domain/secrets-manager-rotation';
import { logger } from '#functions/commons/logger';
import { metrics } from '#functions/commons/metrics';
import { METRICS, type Rotation } from '#spec/metrics';

/** The client is made once per process; its region and credentials come from the SDK's chain. */
const vault = new SecretsManagerVault();

/**
 * Runs the event's step, counted as `RotationSucceeded` or `RotationFailed` of `rotation`. Logs the
 * step, secret and version, never a value: values hold tokens and keys.
 */
export async function rotate(
  event: SecretsManagerRotationEvent,
  rotator: SecretRotator,
  rotation: Rotation,
): Promise<void> {
  try {
    const { Step: step, SecretId: secretId, ClientRequestToken: versionId } = event ?? {};
    if (!isRotationStep(step) || typeof secretId !== 'string' || typeof versionId !== 'string') {
      throw new RotationError('Not a Secrets Manager rotation event (Step, SecretId, ClientRequestToken)');
    }
    logger.info('Rotation step', { step, secretId, versionId });
    await runRotationStep(vault, rotator, { step, secretId, versionId });
    metrics.add(METRICS.rotationSucceeded, 1, { rotation });
  } catch (error) {
    metrics.add(METRICS.rotationFailed, 1, { rotation });
    throw error;
  } finally {
    metrics.publish();
  }
}
