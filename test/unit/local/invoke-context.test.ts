// The local stack runs handlers concurrently in one process with one shared Powertools logger; each
// invocation in its own invoke context keeps each log line's function name and request id its own.
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { httpHandler } from '#functions/commons/http';
import { logger } from '#functions/commons/logger';
import { lambdaContext } from '#local/events';
import { Gateway, type LambdaHandler } from '#local/gateway';
import { runInInvokeContext } from '#local/invoke-context';
import { AUTHORIZER, FUNCTIONS } from '#spec/functions';
import type { Route } from '#spec/routes';
import { proxyEvent } from '#test-support/lambda-events';

/** A handler that logs as it starts, says it has started, waits for `proceed`, then logs again. */
function loggingHandler(started: () => void, proceed: Promise<void>): LambdaHandler {
  const handler = httpHandler('native', async () => {
    logger.info('started');
    started();
    await proceed;
    logger.info('finished');
    return { statusCode: 200, body: '{}' };
  });
  return handler as LambdaHandler; // as local/handlers.ts loads it
}

function signal() {
  let fire = () => {};
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fire, fired };
}

describe('runInInvokeContext', () => {
  let write: MockInstance<typeof process.stdout.write>;
  const lines = () =>
    write.mock.calls
      .flatMap(([chunk]) => String(chunk).split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  beforeEach(() => {
    write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    write.mockRestore();
  });

  it('keeps the function name and request id of each of two concurrent invocations on its own log lines', async () => {
    const slow = lambdaContext(FUNCTIONS.createServiceToken, 'request-slow', Date.now() + 10_000);
    const fast = lambdaContext(FUNCTIONS.listServiceTokens, 'request-fast', Date.now() + 10_000);
    const event = proxyEvent('GET', '/__api__/v1/system/service-tokens');

    // slow starts first and finishes last: fast's whole invocation happens inside slow's.
    const slowStarted = signal();
    const fastDone = signal();
    const slowDone = runInInvokeContext(slow, () =>
      loggingHandler(slowStarted.fire, fastDone.fired)(event, slow),
    );
    await slowStarted.fired;
    await runInInvokeContext(fast, () => loggingHandler(() => {}, Promise.resolve())(event, fast));
    fastDone.fire();
    await slowDone;

    const logged = lines().map((line) => ({
      message: line.message,
      function_name: line.function_name,
      function_request_id: line.function_request_id,
    }));
    expect(logged).toEqual([
      { message: 'started', function_name: slow.functionName, function_request_id: 'request-slow' },
      { message: 'started', function_name: fast.functionName, function_request_id: 'request-fast' },
      { message: 'finished', function_name: fast.functionName, function_request_id: 'request-fast' },
      { message: 'finished', function_name: slow.functionName, function_request_id: 'request-slow' },
    ]);
  });

  it('is how the local gateway calls handlers: two concurrent requests log under their own functions', async () => {
    const slowFn = FUNCTIONS.createServiceToken;
    const fastFn = FUNCTIONS.listServiceTokens;
    const route = (path: string, fn: Route['fn']): Route => ({
      method: 'GET',
      path,
      access: 'public',
      fn,
    });
    const slowStarted = signal();
    const fastDone = signal();
    const gateway = new Gateway({
      routes: [route('/slow', slowFn), route('/fast', fastFn)],
      authorizer: { fn: AUTHORIZER, handler: async () => ({}) },
      handlers: new Map([
        [slowFn.entry, loggingHandler(slowStarted.fire, fastDone.fired)],
        [fastFn.entry, loggingHandler(() => {}, Promise.resolve())],
      ]),
      cacheTtlSeconds: 0,
    });
    const request = (path: string) =>
      gateway.handle({
        method: 'GET',
        path,
        query: '',
        rawHeaders: [],
        body: null,
        sourceIp: '127.0.0.1',
        requestId: path,
        receivedAt: new Date(),
      });

    const slowDone = request('/slow');
    await slowStarted.fired;
    expect((await request('/fast')).statusCode).toBe(200);
    fastDone.fire();
    expect((await slowDone).statusCode).toBe(200);

    const functionOf = (message: string) =>
      lines()
        .filter((line) => line.message === message)
        .map((line) => line.function_name);
    expect(functionOf('started')).toEqual([`tokengate-${slowFn.name}`, `tokengate-${fastFn.name}`]);
    expect(functionOf('finished')).toEqual([`tokengate-${fastFn.name}`, `tokengate-${slowFn.name}`]);
    const requestIds = new Set(lines().map((line) => line.function_request_id));
    expect(requestIds.size).toBe(2);
  });
});
