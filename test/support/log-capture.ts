// Runs in every test worker before its test files (vitest `setupFiles`): whatever the worker writes to
// its real stdout or stderr (Powertools loggers, process.stdout.write) or prints through `console`
// (which vitest relays to the terminal) is also appended to the run's log folder, where the global
// teardown searches it for tokens (see token-leak-scan.ts). Buffers a test keeps for itself, such
// as a CLI's captured stdout, are not log output and are not recorded.
import { format } from 'node:util';
import { recordLog } from './token-leak-scan';

const CAPTURED = Symbol.for('tokengate.logCapture');
type Tagged = { [CAPTURED]?: true };

const file = `worker-${process.pid}.log`;

function tee(stream: NodeJS.WriteStream): void {
  if ((stream as Tagged)[CAPTURED]) return;
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) recordLog(file, chunk);
    return write(chunk, ...rest);
  }) as typeof stream.write;
  (stream as Tagged)[CAPTURED] = true;
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir'] as const;

function teeConsole(target: Console): void {
  if ((target as Tagged)[CAPTURED]) return;
  for (const method of CONSOLE_METHODS) {
    const original = target[method].bind(target) as (...args: unknown[]) => void;
    target[method] = (...args: unknown[]) => {
      recordLog(file, `${format(...args)}\n`);
      original(...args);
    };
  }
  (target as Tagged)[CAPTURED] = true;
}

tee(process.stdout);
tee(process.stderr);
teeConsole(globalThis.console);
