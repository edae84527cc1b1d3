// The authorizer's metrics as the real handler writes them: its store on DynamoDB Local, its key ring
// in a file, configured through the environment as the CDK stack configures it (the gate's name in
// TOKENGATE_METRICS_GATE). Its EMF lines on stdout are parsed and checked as CloudWatch reads them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { mintToken } from '#domain/token-format';
import { TokenService } from '#domain/token-service';
import { ENV } from '#spec/env';
import { freshTokensTable, testDocumentClient } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { httpApiAuthorizerEvent, lambdaContext, restAuthorizerEvent } from '#test-support/lambda-events';
import { ADMIN } from './fixtures';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const restoreEnv = saveHandlerEnv();
const savedGate = process.env[ENV.metricsGate];
const dir = mkdtempSync(join(tmpdir(), 'tokengate-authorizer-metrics-'));
const keyFile = join(dir, 'keys.json');
const written: string[] = [];
let handler: Handler;
let tokens: TokenService;

beforeAll(async () => {
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    written.push(String(chunk));
    return true;
  });
  // Only Date is faked: the handler's clock, so that a minute can pass; its reads still go out.
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
  const table = await freshTokensTable();
  useLocalHandlerEnv({ keyFile, tokensTable: table });
  process.env[ENV.metricsGate] = 'payments-gate';
  process.env[ENV.authorizerCacheTtl] = '300'; // the HTTP API memo outlives the minute below
  vi.resetModules();
  handler = (await import('#functions/authorizer/handler')).handler as unknown as Handler;
  const store = new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 });
  tokens = new TokenService({ store, keys: new FileKeyRingSource(keyFile) });
});

afterAll(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  restoreEnv();
  if (savedGate === undefined) delete process.env[ENV.metricsGate];
  else process.env[ENV.metricsGate] = savedGate;
  rmSync(dir, { recursive: true, force: true });
});

const emfLines = () =>
  written
    .join('')
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

it('counts each decision in memory and writes them as EMF lines once a minute has passed, without token ids', async () => {
  const { record, token } = await tokens.create(
    {
      kind: 'service',
      description: 'metrics test',
      userEmail: null,
      scopes: [{ scope: 'identity:manage', resources: null }],
      expiresAt: null,
    },
    ADMIN,
  );
  const revoked = await tokens.create(
    {
      kind: 'service',
      description: 'revoked',
      userEmail: null,
      scopes: [{ scope: 'identity:manage', resources: null }],
      expiresAt: null,
    },
    ADMIN,
  );
  await tokens.revoke(revoked.record.id, ADMIN);
  const rest = (path: string, authorization: string) =>
    handler(restAuthorizerEvent('GET', path, { Authorization: authorization }), lambdaContext());
  const http = (path: string) =>
    handler(httpApiAuthorizerEvent('GET', path, { authorization: `Bearer ${token}` }), lambdaContext());

  await rest('/scim/v2/Users', `Bearer ${token}`); // allowed
  await rest('/v1/tokens', `Bearer ${token}`); // denied: scope
  await expect(rest('/scim/v2/Users', 'Bearer not-a-token')).rejects.toThrow('Unauthorized');
  await expect(rest('/scim/v2/Users', `Bearer ${mintToken().token}`)).rejects.toThrow('Unauthorized');
  await expect(rest('/scim/v2/Users', `Bearer ${revoked.token}`)).rejects.toThrow('Unauthorized');
  await http('/scim/v2/Users'); // allowed, read
  await http('/scim/v2/Groups'); // allowed, remembered
  await http('/scim/v2/%2e%2e/v1/tokens'); // denied: crafted path
  expect(emfLines()).toEqual([]); // not a minute yet

  vi.setSystemTime(Date.now() + 60_000);
  await http('/scim/v2/Users'); // allowed, remembered; the flush is due after it

  const lines = emfLines();
  const namespaces = lines.map((line) => line._aws as { CloudWatchMetrics: { Namespace: string }[] });
  expect(namespaces.map((aws) => aws.CloudWatchMetrics.map((m) => m.Namespace))).toEqual(
    lines.map(() => ['tokengate']),
  );
  const [counts, ...denied] = lines;
  expect(counts?._aws).toMatchObject({
    CloudWatchMetrics: [
      {
        Dimensions: [['Gate']],
        Metrics: [
          { Name: 'Allowed', Unit: 'Count' },
          { Name: 'MemoHits', Unit: 'Count' },
          { Name: 'StoreLatency', Unit: 'Milliseconds' },
        ],
      },
    ],
  });
  expect(counts).toMatchObject({ Gate: 'payments-gate', Allowed: 4, MemoHits: 2 });
  // The reads: the REST checks of real-looking tokens (4) and the HTTP API's first.
  const latencies = counts?.StoreLatency as number[];
  expect(latencies).toHaveLength(5);
  for (const ms of latencies) expect(ms).toBeGreaterThan(0);
  expect(
    denied.map((line) => ({
      dimensions: (line._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0]
        ?.Dimensions,
      Gate: line.Gate,
      Reason: line.Reason,
      Denied: line.Denied,
    })),
  ).toEqual(
    (
      [
        ['malformed', 1],
        ['unknown', 1],
        ['revoked', 1],
        ['scope', 1],
        ['crafted_path', 1],
      ] as const
    ).map(([Reason, Denied]) => ({
      dimensions: [['Gate', 'Reason']],
      Gate: 'payments-gate',
      Reason,
      Denied,
    })),
  );
  // No token id, token or principal in any of them.
  for (const id of [record.id, revoked.record.id, token, revoked.token]) {
    expect(written.join('')).not.toContain(id);
  }
});
