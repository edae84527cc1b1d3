// The chaos run's fault-injecting proxy, on its own: in front of a small loopback server that echoes
// what it receives, and read by the AWS SDK's own DynamoDB client for the throttling answers.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { localClientConfig } from '#adapters/config';
import { FaultProxy, tablesOf } from '#test-support/fault-proxy';

let upstream: Server;
let proxy: FaultProxy;

beforeAll(async () => {
  upstream = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          method: request.method,
          path: request.url,
          target: request.headers['x-amz-target'],
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
  proxy = await FaultProxy.start(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await proxy.close();
  await new Promise((resolve) => upstream.close(resolve));
});

afterEach(() => {
  proxy.clear();
  proxy.resetCounts();
});

/** One request through the proxy, on a connection of its own: the status and body, or the error. */
function call(
  operation = 'GetItem',
  body: unknown = { TableName: 'tokens', Key: { id: { S: 'a' } } },
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${proxy.endpoint}/`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'x-amz-target': `DynamoDB_20120810.${operation}`,
          'content-type': 'application/x-amz-json-1.0',
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

const sdk = () => new DynamoDBClient({ ...localClientConfig(proxy.endpoint), maxAttempts: 1 });

describe('the fault proxy', () => {
  it('passes requests on unchanged while no fault is set', async () => {
    const answer = await call('PutItem', { TableName: 't', Item: { id: { S: 'x' } } });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      method: 'POST',
      path: '/',
      target: 'DynamoDB_20120810.PutItem',
      body: '{"TableName":"t","Item":{"id":{"S":"x"}}}',
    });
    expect(proxy.snapshotCounts()).toEqual({
      forwarded: 1,
      faulted: { latency: 0, reset: 0, timeout: 0, throttle: 0 },
    });
  });

  it('throttles as DynamoDB does: 400, x-amzn-ErrorType, and the __type the SDK reads', async () => {
    proxy.set({ fault: { mode: 'throttle', error: 'ProvisionedThroughputExceededException' } });
    const answer = await call();
    expect(answer.status).toBe(400);
    expect(answer.headers['x-amzn-errortype']).toBe('ProvisionedThroughputExceededException:');
    expect(answer.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(answer.body)).toMatchObject({
      __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    });
    expect(proxy.snapshotCounts().forwarded).toBe(0);
  });

  it.each(['ProvisionedThroughputExceededException', 'ThrottlingException'] as const)(
    'the SDK reads the injected %s as that error',
    async (error) => {
      proxy.set({ fault: { mode: 'throttle', error } });
      const client = sdk();
      try {
        const failure = await client
          .send(new GetItemCommand({ TableName: 'tokens', Key: { id: { S: 'a' } } }))
          .then(
            () => undefined,
            (caught: unknown) => caught as Error & { $metadata: { httpStatusCode?: number }; $fault: string },
          );
        expect(failure?.name).toBe(error);
        expect(failure?.$metadata.httpStatusCode).toBe(400);
        expect(failure?.$fault).toBe('client');
      } finally {
        client.destroy();
      }
    },
  );

  it('faults exactly the set fraction of requests, spread evenly', async () => {
    proxy.set({ fault: { mode: 'throttle', error: 'ThrottlingException' }, fraction: 0.25 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call()).status);
    expect(statuses).toEqual([200, 200, 200, 400, 200, 200, 200, 400]);
    expect(proxy.snapshotCounts()).toMatchObject({ forwarded: 6, faulted: { throttle: 2 } });
  });

  it('faults only the operations and tables it is given', async () => {
    proxy.set({
      fault: { mode: 'throttle', error: 'ThrottlingException' },
      operations: ['PutItem', 'TransactWriteItems'],
      tables: ['audit'],
    });
    expect((await call('GetItem', { TableName: 'audit' })).status).toBe(200);
    expect((await call('PutItem', { TableName: 'tokens', Item: { TableName: { S: 'audit' } } })).status).toBe(
      200,
    );
    expect((await call('PutItem', { TableName: 'audit' })).status).toBe(400);
    const transaction = {
      TransactItems: [{ Put: { TableName: 'tokens' } }, { Put: { TableName: 'audit' } }],
    };
    expect((await call('TransactWriteItems', transaction)).status).toBe(400);
  });

  it('names the tables of a request, whatever its shape, but not from its items', () => {
    const body = (value: unknown) => Buffer.from(JSON.stringify(value));
    expect(tablesOf(body({ TableName: 'a' }))).toEqual(['a']);
    expect(tablesOf(body({ RequestItems: { a: [], b: [] } }))).toEqual(['a', 'b']);
    expect(
      tablesOf(body({ TransactItems: [{ Update: { TableName: 'a' } }, { Put: { TableName: 'b' } }] })),
    ).toEqual(['a', 'b']);
    expect(tablesOf(body({ TableName: 'a', Item: { TableName: { S: 'z' } } }))).toEqual(['a']);
    expect(tablesOf(Buffer.from('not json'))).toEqual([]);
  });

  it('resets the connection: the client gets no answer, the database no request', async () => {
    proxy.set({ fault: { mode: 'reset' } });
    await expect(call()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(proxy.snapshotCounts()).toMatchObject({ forwarded: 0, faulted: { reset: 1 } });
  });

  it('holds a request unanswered under timeout, and resets it when the fault is cleared', async () => {
    proxy.set({ fault: { mode: 'timeout' } });
    let settled = false;
    const pending = call().finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    proxy.clear();
    await expect(pending).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await call()).status).toBe(200);
  });

  it('delays each request by the latency set, then passes it on', async () => {
    proxy.set({ fault: { mode: 'latency', latencyMs: 200 } });
    const started = performance.now();
    expect((await call()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    expect(proxy.snapshotCounts()).toMatchObject({ forwarded: 1, faulted: { latency: 1 } });
  });

  it('refuses a fraction outside 0 to 1, and a database that is not on loopback', async () => {
    expect(() => proxy.set({ fault: { mode: 'reset' }, fraction: 1.5 })).toThrow(/fraction/);
    await expect(FaultProxy.start('http://10.0.0.1:8000')).rejects.toThrow(/loopback/);
  });
});
