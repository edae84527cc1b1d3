// The local stack's EventBridge Scheduler: runs a scheduled function (the expiry-warning scan) once
// at start, then every `everyHours`, as a Lambda invocation with the event Scheduler sends. Runs
// never overlap; the timer does not keep the process alive, and `stop` waits for a run under way.
import { randomUUID } from 'node:crypto';
import type { ScheduledFunctionDef } from '#spec/functions';
import { lambdaContext } from './events';
import type { LambdaHandler } from './gateway';
import { runInInvokeContext } from './invoke-context';

const HOUR_MS = 3_600_000;

export interface LocalScheduleOptions {
  fn: ScheduledFunctionDef;
  handler: LambdaHandler;
  /** Where a failed run is reported (the run after it tries again). */
  log: (line: string) => void;
  /** @default fn.everyHours */
  intervalMs?: number;
}

export class LocalSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: LocalScheduleOptions) {}

  /** Runs the function now (not waited for), then at every interval. */
  start(): void {
    void this.runOnce();
    this.timer = setInterval(
      () => void this.runOnce(),
      this.options.intervalMs ?? this.options.fn.everyHours * HOUR_MS,
    );
    this.timer.unref();
  }

  /** One run; a run already under way is joined rather than doubled. Never rejects: failures are logged. */
  runOnce(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.invoke().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** No further runs; resolves when the one under way, if any, has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async invoke(): Promise<void> {
    const { fn, handler } = this.options;
    const requestId = randomUUID();
    const context = lambdaContext(fn, requestId, Date.now() + fn.timeoutSeconds * 1000);
    // What EventBridge Scheduler's Lambda target sends when the schedule sets no input.
    const event = {};
    try {
      await runInInvokeContext(context, () => handler(event, context));
    } catch (error) {
      this.options.log(`${fn.name} run failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
