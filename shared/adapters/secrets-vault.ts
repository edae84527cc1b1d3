// The rotation functions' view of Secrets Manager (SecretVault, shared/domain/secrets-manager-rotation.ts), on
// the SDK client. Only the rotation functions load it: the authorizer reads its key ring without the SDK.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  AWSCURRENT,
  AWSPENDING,
  type SecretDescription,
  type SecretVault,
} from '#domain/secrets-manager-rotation';

export class SecretsManagerVault implements SecretVault {
  readonly client: SecretsManagerClient;

  constructor(client: SecretsManagerClient | SecretsManagerClientConfig = {}) {
    this.client = client instanceof SecretsManagerClient ? client : new SecretsManagerClient(client);
  }

  async describe(secretId: string): Promise<SecretDescription> {
    const secret = await this.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    return {
      rotationEnabled: secret.RotationEnabled === true,
      versions: new Map(Object.entries(secret.VersionIdsToStages ?? {})),
      tags: Object.fromEntries((secret.Tags ?? []).map(({ Key, Value }) => [Key ?? '', Value ?? ''])),
    };
  }

  async value(secretId: string, at: { versionId?: string; stage: string }): Promise<string | null> {
    try {
      const { SecretString } = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionId: at.versionId, VersionStage: at.stage }),
      );
      return SecretString ?? null;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return null;
      throw error;
    }
  }

  async putPending(secretId: string, versionId: string, value: string): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: versionId,
        SecretString: value,
        VersionStages: [AWSPENDING],
      }),
    );
  }

  async makeCurrent(secretId: string, versionId: string, from: string): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: AWSCURRENT,
        MoveToVersionId: versionId,
        RemoveFromVersionId: from,
      }),
    );
  }
}
