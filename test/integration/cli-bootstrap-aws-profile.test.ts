// `tokengate bootstrap --table` with the caller's AWS configuration as the SDK finds it: here a named
// profile in a shared credentials file and config file, and nothing in the environment. The real CLI
// runs in a child process against DynamoDB Local (AWS_ENDPOINT_URL_DYNAMODB) and a stand-in for
// Secrets Manager on loopback (AWS_ENDPOINT_URL_SECRETS_MANAGER) that records who signed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKeyMaterial, parseKeyRing, tokenMatchesHash } from '#domain/keyring';
import { parseToken } from '#domain/token-format';
import { freshTokensTable, testDocumentClient, testEndpoint } from '#test-support/dynamo';
import { REPOSITORY_ROOT } from '#test-support/processes';

const KEY_RING = JSON.stringify({ current: 'k1', k1: newKeyMaterial() });
const SECRET_ID = 'tokengate/hmac-keys';

let secrets: Server;
let secretsUrl = '';
/** The `Credential=` part of each Secrets Manager request's signature: key id, date, region, service. */
const signedBy: string[] = [];
const home = mkdtempSync(join(tmpdir(), 'tokengate-aws-profile-'));

beforeAll(async () => {
  secrets = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      signedBy.push(/Credential=([^,]+),/.exec(String(request.headers.authorization))?.[1] ?? 'unsigned');
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ Name: SECRET_ID, SecretString: KEY_RING }));
    });
  });
  secrets.listen(0, '127.0.0.1');
  await once(secrets, 'listening');
  secretsUrl = `http://127.0.0.1:${(secrets.address() as AddressInfo).port}`;
});

afterAll(async () => {
  secrets.closeAllConnections();
  secrets.close();
  rmSync(home, { recursive: true, force: true });
});

/** The environment of this process without anything AWS, the CLI's own settings or a home folder. */
function bareEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AWS_|TOKENGATE_|DATA_DIR$|HOME$)/.test(name)),
  );
}

function tokengate(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [join(REPOSITORY_ROOT, 'cli/bin.js'), ...args], {
    cwd: home,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
}

describe('tokengate bootstrap --table', () => {
  it.each([
    ['the region in the profile too', '[profile tokengate-test]\nregion = eu-west-3\n', []],
    ['the region given by --region', '[profile tokengate-test]\n', ['--region', 'eu-west-3']],
  ])(
    'works with credentials only in a named profile of the shared AWS files, %s',
    async (_, config, extra) => {
      signedBy.length = 0;
      const table = await freshTokensTable();
      const credentialsFile = join(home, 'credentials');
      const configFile = join(home, 'config');
      writeFileSync(
        credentialsFile,
        '[tokengate-test]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = profile-secret\n',
      );
      writeFileSync(configFile, config);

      const result = await tokengate(['bootstrap', '--table', table, ...extra], {
        ...bareEnvironment(),
        HOME: home,
        AWS_PROFILE: 'tokengate-test',
        AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
        AWS_CONFIG_FILE: configFile,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_DYNAMODB: testEndpoint(),
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
        TOKENGATE_KEY_SECRET_ID: SECRET_ID,
      });

      expect(result.stderr).toMatch(
        /Created the first global:admin token, id \w+, in table .* region eu-west-3/,
      );
      expect(result.status, result.stderr).toBe(0);
      expect(signedBy).toHaveLength(1);
      expect(signedBy[0]).toMatch(/^AKIDFROMPROFILE\/\d{8}\/eu-west-3\/secretsmanager\/aws4_request$/);
      const token = result.stdout.trim();
      const id = parseToken(token);
      expect(id).not.toBeNull();
      const { Item } = await testDocumentClient().send(
        new GetCommand({ TableName: table, Key: { id }, ConsistentRead: true }),
      );
      expect(Item?.scope_names).toEqual(new Set(['global:admin']));
      expect(
        tokenMatchesHash(parseKeyRing(KEY_RING), token, {
          hash: String(Item?.secret_hash),
          keyId: String(Item?.key_id),
        }),
      ).toBe(true);
    },
    60_000,
  );
});
