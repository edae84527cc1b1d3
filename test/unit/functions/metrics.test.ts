// The metrics the API functions and the rotations publish, as the EMF lines they write to stdout:
// names, units, namespace and dimensions exactly as shared/spec/metrics.ts names them.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENV } from '#spec/env';
import { captureEmf, type EmfLine, emfLine, withoutTimestamp } from '#test-support/emf';
import { lambdaContext, proxyEvent } from '#test-support/lambda-events';

const GATE = 'Stack/Tokens';
let http: typeof import('#functions/commons/http');
let errors: typeof import('#domain/errors');
let rotation: typeof import('#functions/rotation/event');
let GateMetrics: typeof import('#functions/commons/metrics').GateMetrics;
let capture: ReturnType<typeof captureEmf>;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env[ENV.metricsGate] = GATE;
  vi.resetModules();
  http = await import('#functions/commons/http');
  errors = await import('#domain/errors'); // the instances the freshly loaded handler maps
  rotation = await import('#functions/rotation/event');
  ({ GateMetrics } = await import('#functions/commons/metrics'));
  delete process.env[ENV.metricsGate];
});

afterEach(() => capture?.stop());
afterAll(() => vi.resetModules());

async function emfOf(run: () => Promise<unknown>): Promise<unknown[]> {
  capture = captureEmf();
  await run().catch(() => undefined);
  const lines: EmfLine[] = capture.lines();
  capture.stop();
  return lines.map(withoutTimestamp);
}

describe('API function metrics', () => {
  const invoke = (fail?: unknown) =>
    http.httpHandler('native', async () => {
      if (fail) throw fail;
      return http.json(200, { ok: true });
    })(proxyEvent('GET', '/v1/tokens'), lambdaContext());

  it('a request answered is counted once as Requests under the gate, and no error', async () => {
    expect(await emfOf(() => invoke())).toEqual([emfLine({ Gate: GATE }, 'Requests', 'Count', 1)]);
  });

  it('a refused request is also counted as Errors with the code its body carries', async () => {
    const emf = await emfOf(() => invoke(new errors.NotFoundError('No such token', 'id')));
    expect(emf).toEqual([
      emfLine({ Gate: GATE }, 'Requests', 'Count', 1),
      emfLine({ Gate: GATE, Code: 'not_found' }, 'Errors', 'Count', 1),
    ]);
  });

  it('a validation error counts as invalid_request, an unexpected one as internal_error', async () => {
    expect(await emfOf(() => invoke(new errors.ValidationError('bad', 'x')))).toContainEqual(
      emfLine({ Gate: GATE, Code: 'invalid_request' }, 'Errors', 'Count', 1),
    );
    expect(await emfOf(() => invoke(new Error('boom')))).toContainEqual(
      emfLine({ Gate: GATE, Code: 'internal_error' }, 'Errors', 'Count', 1),
    );
  });

  it('a body the middleware refuses (before the handler) is counted too', async () => {
    const handler = http.httpHandler('native', async () => http.json(200, {}), { body: true });
    const emf = await emfOf(() =>
      handler(
        proxyEvent('POST', '/v1/tokens', { body: '{', headers: { 'content-type': 'text/plain' } }),
        lambdaContext(),
      ),
    );
    expect(emf).toEqual([
      emfLine({ Gate: GATE }, 'Requests', 'Count', 1),
      emfLine({ Gate: GATE, Code: 'unsupported_media_type' }, 'Errors', 'Count', 1),
    ]);
  });
});

describe('rotation metrics', () => {
  it('a step that fails is counted as RotationFailed of its rotation', async () => {
    const emf = await emfOf(() => rotation.rotate({ Step: 'dance' } as never, {} as never, 'token'));
    expect(emf).toEqual([emfLine({ Gate: GATE, Rotation: 'token' }, 'RotationFailed', 'Count', 1)]);
  });
});

describe('GateMetrics', () => {
  it('values of one metric in one invocation share a line, as an array', async () => {
    const metrics = new GateMetrics(GATE);
    const { METRICS } = await import('#spec/metrics');
    const emf = await emfOf(async () => {
      metrics.add(METRICS.auditLag, 120);
      metrics.add(METRICS.auditLag, 80);
      metrics.publish();
    });
    expect(emf).toEqual([emfLine({ Gate: GATE }, 'AuditLag', 'Milliseconds', [120, 80])]);
  });

  it('without a gate (the local stack) nothing is written', async () => {
    const metrics = new GateMetrics(undefined);
    const { METRICS } = await import('#spec/metrics');
    const emf = await emfOf(async () => {
      metrics.add(METRICS.requests);
      metrics.publish();
    });
    expect(emf).toEqual([]);
  });

  it('a metric without one of its dimensions is a programming error', async () => {
    const { METRICS } = await import('#spec/metrics');
    expect(() => new GateMetrics(GATE).add(METRICS.errors)).toThrow('Metric Errors needs its code dimension');
  });
});
