// Secrets Manager for tests: moto's server (`python3 -m moto.server`), a real emulator that keeps
// secret versions and their stages (AWSCURRENT, AWSPENDING, AWSPREVIOUS) as Secrets Manager does.
// One runs per test run, on 127.0.0.1 only (moto-setup.ts); tests reach it through `secretsManager()`.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent, SecretsManagerRotationEventStep } from 'aws-lambda';
import { inject } from 'vitest';
import { AwsJsonClient, SECRETS_MANAGER } from '#aws/json-client';
import { serveFromChild } from '#local/child-server';
import { freePort } from '#local/dynamodb-local';
import { AUTHORIZER_CALL_DEADLINE_MS } from '#spec/functions';

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

/** The command line CI checks for (.ci/run) and the tests run. */
export const MOTO_COMMAND = ['python3', '-m', 'moto.server'] as const;

/** Starts moto's server on a free loopback port; stop() ends it. */
export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const [command, ...args] = MOTO_COMMAND;
  const child = spawn(command, [...args, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const { stop } = await serveFromChild('moto', child, async () => {
    const response = await fetch(`${endpoint}/moto-api/`);
    await response.arrayBuffer();
  });
  return { endpoint, stop };
}

/** This run's moto endpoint (integration project). */
export function motoEndpoint(): string {
  return inject('motoEndpoint');
}

export const MOTO_REGION = 'eu-west-1';
export const MOTO_CREDENTIALS = { accessKeyId: 'AKIDMOTO', secretAccessKey: 'moto' };

/** An SDK Secrets Manager client on this run's moto. */
export function secretsManager(): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: motoEndpoint(),
    region: MOTO_REGION,
    credentials: MOTO_CREDENTIALS,
    maxAttempts: 1,
  });
}

/**
 * A new secret holding `value`, with rotation turned on as Secrets Manager turns it on when a rotation
 * schedule is attached. (moto's RotateSecret without a Lambda moves AWSCURRENT at once; with
 * `RotateImmediately: false` it only copies the current value into a new current version, which
 * changes nothing a rotation function sees.)
 */
export async function rotatableSecret(
  client: SecretsManagerClient,
  value: string,
  tags: Record<string, string> = {},
): Promise<string> {
  const name = `test-${randomUUID()}`;
  const { ARN } = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  if (Object.keys(tags).length > 0) {
    await client.send(
      new TagResourceCommand({
        SecretId: name,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  }
  await client.send(
    new RotateSecretCommand({
      SecretId: name,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: false,
    }),
  );
  return ARN as string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

/** The SDK-free Secrets Manager client the authorizer reads its key ring with, on this run's moto. */
export function motoJsonClient(): AwsJsonClient {
  return new AwsJsonClient(SECRETS_MANAGER, {
    deadlineMs: AUTHORIZER_CALL_DEADLINE_MS,
    endpoint: motoEndpoint(),
    region: MOTO_REGION,
    credentials: MOTO_CREDENTIALS,
    maxAttempts: 1,
  });
}

/**
 * The environment a rotation function finds Secrets Manager with (the SDK's endpoint variable):
 * set before importing it, since it makes its client at load; call the result to restore.
 */
export function useMotoEnv(): () => void {
  const values: Record<string, string> = {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: motoEndpoint(),
    AWS_REGION: MOTO_REGION,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
  };
  const saved = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/** Each version of a secret: its stages and a digest of its value (never the value: it holds tokens). */
export async function secretState(
  client: SecretsManagerClient,
  secretId: string,
): Promise<Record<string, { stages: string[]; digest: string | null }>> {
  const { VersionIdsToStages = {} } = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  const state: Record<string, { stages: string[]; digest: string | null }> = {};
  for (const [versionId, stages] of Object.entries(VersionIdsToStages)) {
    const { SecretString } = await client.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId }),
    );
    state[versionId] = {
      stages: [...stages].sort(),
      digest: SecretString === undefined ? null : createHash('sha256').update(SecretString).digest('hex'),
    };
  }
  return state;
}

/** The value of the secret's version in `stage` (default AWSCURRENT). */
export async function secretValue(
  client: SecretsManagerClient,
  secretId: string,
  stage = 'AWSCURRENT',
): Promise<string> {
  const { SecretString } = await client.send(
    new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }),
  );
  return SecretString as string;
}

export type RotationHandler = (event: SecretsManagerRotationEvent) => Promise<void>;

/** Runs `steps` of one rotation, as Secrets Manager calls the rotation function. */
export async function runSteps(
  handler: RotationHandler,
  secretId: string,
  versionId: string,
  steps: readonly SecretsManagerRotationEventStep[] = [
    'createSecret',
    'setSecret',
    'testSecret',
    'finishSecret',
  ],
): Promise<void> {
  for (const step of steps) await handler({ Step: step, SecretId: secretId, ClientRequestToken: versionId });
}
