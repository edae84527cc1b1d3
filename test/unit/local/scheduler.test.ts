import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalSchedule } from '#local/scheduler';
import { EXPIRY_WARNER } from '#spec/functions';

const DAY_MS = 86_400_000;

afterEach(() => vi.useRealTimers());

/** A handler that records its calls and finishes when `finish` is called (or at once). */
function recordingHandler(options: { fail?: boolean; hold?: boolean } = {}) {
  const calls: { event: unknown; functionName: string }[] = [];
  let finish: () => void = () => undefined;
  const handler = vi.fn(async (event: unknown, context: { functionName: string }) => {
    calls.push({ event, functionName: context.functionName });
    if (options.hold) await new Promise<void>((resolve) => (finish = resolve));
    if (options.fail) throw new Error('DynamoDB Local is gone');
    return { warned: 0, published: 0 };
  });
  return { calls, handler, finish: () => finish() };
}

describe('the local schedule', () => {
  it('runs the scan at start, then once a day, with the event Scheduler sends', async () => {
    vi.useFakeTimers();
    const { calls, handler } = recordingHandler();
    const schedule = new LocalSchedule({ fn: EXPIRY_WARNER, handler, log: () => undefined });

    schedule.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([{ event: {}, functionName: 'tokengate-ExpiryWarner' }]);

    await vi.advanceTimersByTimeAsync(DAY_MS - 1);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(DAY_MS);
    expect(calls).toHaveLength(3);
    await schedule.stop();
  });

  it('does not keep the process alive for its timer', () => {
    const setInterval = vi.spyOn(globalThis, 'setInterval');
    const { handler } = recordingHandler();
    const schedule = new LocalSchedule({ fn: EXPIRY_WARNER, handler, log: () => undefined });

    schedule.start();

    const timer = setInterval.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    void schedule.stop();
    setInterval.mockRestore();
  });

  it('never runs twice at once, and stop waits for the run under way, then runs no more', async () => {
    vi.useFakeTimers();
    const held = recordingHandler({ hold: true });
    const schedule = new LocalSchedule({
      fn: EXPIRY_WARNER,
      handler: held.handler,
      log: () => undefined,
      intervalMs: 1_000,
    });
    schedule.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(held.calls).toHaveLength(1);

    let stopped = false;
    const stopping = schedule.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    held.finish();
    await stopping;

    await vi.advanceTimersByTimeAsync(5_000);
    expect(held.calls).toHaveLength(1);
  });

  it('reports a failed run and runs again at the next interval', async () => {
    vi.useFakeTimers();
    const failing = recordingHandler({ fail: true });
    const lines: string[] = [];
    const schedule = new LocalSchedule({
      fn: EXPIRY_WARNER,
      handler: failing.handler,
      log: (line) => lines.push(line),
      intervalMs: 1_000,
    });

    schedule.start();
    await vi.advanceTimersByTimeAsync(1_000);

    expect(lines).toEqual([
      'ExpiryWarner run failed: DynamoDB Local is gone',
      'ExpiryWarner run failed: DynamoDB Local is gone',
    ]);
    expect(failing.calls).toHaveLength(2);
    await schedule.stop();
  });
});
