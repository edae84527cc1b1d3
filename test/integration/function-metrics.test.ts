// The metrics the real handlers publish, read back from the EMF lines they write to stdout: an API
// request and its refusal, the audit consumer's lag and failures over DynamoDB Local's stream, the key
// secret's rotation against moto's Secrets Manager. Literal names, units, namespace and dimensions.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { newKeyMaterial } from '#domain/keyring';
import { runInInvokeContext } from '#local/invoke-context';
import { StreamPoller } from '#local/stream-poller';
import { ENV } from '#spec/env';
import { AUDIT_CONSUMER } from '#spec/functions';
import { AUDIT_TABLE, TOKENS_TABLE } from '#spec/tables';
import { freshTable, testEndpoint } from '#test-support/dynamo';
import { captureEmf, type EmfLine, emfLine, withoutTimestamp } from '#test-support/emf';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { adminAuthorizerContext, lambdaContext, proxyEvent } from '#test-support/lambda-events';
import {
  type RotationHandler,
  rotatableSecret,
  runSteps,
  secretsManager,
  useMotoEnv,
} from '#test-support/moto';

type HttpHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;

const GATE = 'Stack/Tokens';
const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-metrics-'));
const sm = secretsManager();
let restoreMoto: () => void;
let consumer: StreamHandler;
let createToken: HttpHandler;
let getToken: HttpHandler;
let rotateKey: RotationHandler;
let poller: StreamPoller;
let capture: ReturnType<typeof captureEmf> | undefined;

beforeAll(async () => {
  const [tokensTable, auditTable] = await Promise.all([freshTable(TOKENS_TABLE), freshTable(AUDIT_TABLE)]);
  useLocalHandlerEnv({ keyFile: join(dir, 'keys.json'), tokensTable, auditTable });
  restoreMoto = useMotoEnv();
  process.env[ENV.metricsGate] = GATE;
  vi.resetModules();
  consumer = (await import('#functions/audit/consumer')).handler as unknown as StreamHandler;
  createToken = (await import('#functions/tokens/create')).handler as unknown as HttpHandler;
  getToken = (await import('#functions/tokens/get')).handler as unknown as HttpHandler;
  rotateKey = (await import('#functions/rotation/key-secret')).handler;
  poller = new StreamPoller({
    endpoint: testEndpoint(),
    tableName: tokensTable,
    consumer: {
      fn: AUDIT_CONSUMER,
      handler: consumer as (event: unknown, context: Context) => Promise<unknown>,
    },
    checkpointFile: join(dir, 'checkpoint.json'),
    failuresFile: join(dir, 'failures.jsonl'),
    backoffMs: () => 0,
  });
});

afterEach(() => capture?.stop());

afterAll(async () => {
  await poller.stop();
  delete process.env[ENV.metricsGate];
  restoreMoto();
  restoreEnv();
  sm.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** The EMF lines written while `run` runs. */
async function emfOf(run: () => Promise<unknown>): Promise<EmfLine[]> {
  capture = captureEmf();
  try {
    await run();
    return capture.lines();
  } finally {
    capture.stop();
  }
}

const admin = { authorizer: adminAuthorizerContext() };

async function created(): Promise<string> {
  const response = await createToken(
    proxyEvent('POST', '/v1/tokens', {
      ...admin,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'measured', scopes: [{ scope: 'nameservice:read' }] }),
    }),
    lambdaContext(),
  );
  expect(response.statusCode).toBe(201);
  return JSON.parse(response.body).id as string;
}

describe('the API functions', () => {
  it('a token created is one request; an unknown token read is a request and a not_found error', async () => {
    const createLines = await emfOf(() => created());
    const missing = 'MissingToken0001';
    const getLines = await emfOf(() =>
      getToken(
        proxyEvent('GET', `/v1/tokens/${missing}`, { ...admin, pathParameters: { id: missing } }),
        lambdaContext(),
      ),
    );

    expect(createLines.map(withoutTimestamp)).toEqual([emfLine({ Gate: GATE }, 'Requests', 'Count', 1)]);
    expect(getLines.map(withoutTimestamp)).toEqual([
      emfLine({ Gate: GATE }, 'Requests', 'Count', 1),
      emfLine({ Gate: GATE, Code: 'not_found' }, 'Errors', 'Count', 1),
    ]);
  });
});

describe('the audit consumer', () => {
  const drain = async () => {
    while ((await poller.pollOnce()) > 0);
  };

  it('publishes the lag from each change to its audit event, in milliseconds', async () => {
    await drain(); // the changes of earlier tests
    await created();
    await created();
    const started = Date.now();
    const lines = await emfOf(drain);
    const waited = Date.now() - started;

    const lag = lines.filter((emf) => 'AuditLag' in emf);
    expect(lag.map((emf) => ({ ...(withoutTimestamp(emf) as object), AuditLag: 'ms' }))).toEqual([
      emfLine({ Gate: GATE }, 'AuditLag', 'Milliseconds', 'ms'),
    ]);
    const values = [lag[0]?.AuditLag].flat() as number[];
    expect(values).toHaveLength(2);
    // From the stream's time of each change (DynamoDB Local's clock, whole seconds) to its write.
    for (const value of values) expect(value).toBeGreaterThanOrEqual(0);
    for (const value of values) expect(value).toBeLessThan(waited + 60_000);
  });

  it('counts a record it cannot write as AuditFailures, published even when the whole batch fails', async () => {
    const event = {
      Records: [
        {
          eventID: randomUUID(),
          eventName: 'INSERT',
          eventSource: 'aws:dynamodb',
          dynamodb: { SequenceNumber: '000000000000000000901', NewImage: { pk: { N: '1' } } },
        },
      ],
    } as unknown as DynamoDBStreamEvent;
    const context = lambdaContext();
    const lines = await emfOf(() =>
      expect(runInInvokeContext(context, () => consumer(event, context))).rejects.toThrow(
        'All records failed',
      ),
    );

    expect(lines.map(withoutTimestamp)).toEqual([emfLine({ Gate: GATE }, 'AuditFailures', 'Count', 1)]);
  });
});

describe('the key secret rotation', () => {
  it('counts each of the four steps as RotationSucceeded of the key', async () => {
    const secretId = await rotatableSecret(sm, JSON.stringify({ current: 'k1', k1: newKeyMaterial() }));
    const lines = await emfOf(() => runSteps(rotateKey, secretId, randomUUID()));

    expect(lines.map(withoutTimestamp)).toEqual(
      Array.from({ length: 4 }, () =>
        emfLine({ Gate: GATE, Rotation: 'key' }, 'RotationSucceeded', 'Count', 1),
      ),
    );
  });

  it('counts a step that fails as RotationFailed of the key', async () => {
    const lines = await emfOf(() =>
      rotateKey({
        Step: 'createSecret',
        SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:none',
        ClientRequestToken: randomUUID(),
      }).catch(() => undefined),
    );

    expect(lines.map(withoutTimestamp)).toEqual([
      emfLine({ Gate: GATE, Rotation: 'key' }, 'RotationFailed', 'Count', 1),
    ]);
  });
});
