// The local gateway's access log: one JSON line per request in `$DATA_DIR/access.log`, with every field
// of the management API's access-log format in AWS (`ACCESS_LOG_FORMAT`) under the same names, and `-`
// where API Gateway writes it for a value it does not have (or the gateway does not measure). The usage poller counts it as the log
// subscription counts API Gateway's. Never a header: the Authorization header is the secret.
import { createWriteStream, type WriteStream } from 'node:fs';
import { type AccessLogLine, NO_VALUE } from '#spec/access-log';
import type { AccessLogEntry } from './gateway';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** `$context.requestTime`'s format: `07/Dec/2026:11:25:33 +0000`. */
export function requestTime(at: Date): string {
  return (
    `${two(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:` +
    `${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())} +0000`
  );
}

/** The instant a `requestTime` names (whole seconds, UTC), or NaN for anything else. */
export function parseRequestTime(text: string): number {
  const match = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) \+0000$/.exec(text);
  if (!match) return Number.NaN;
  const [, day, month, year, hours, minutes, seconds] = match;
  const index = MONTHS.indexOf(month as string);
  if (index < 0) return Number.NaN;
  return Date.UTC(Number(year), index, Number(day), Number(hours), Number(minutes), Number(seconds));
}

export function accessLogLine({ request, route, status, principal, latencyMs }: AccessLogEntry): string {
  const line: AccessLogLine = {
    requestId: request.requestId,
    requestTime: requestTime(request.receivedAt),
    ip: request.sourceIp,
    userAgent: NO_VALUE, // a header: not logged here
    method: request.method,
    resourcePath: route?.path ?? NO_VALUE,
    path: request.path,
    status: String(status),
    responseLength: NO_VALUE,
    responseLatency: String(latencyMs),
    integrationLatency: NO_VALUE,
    principal: principal ?? NO_VALUE,
    authorizerLatency: NO_VALUE,
    authorizerStatus: NO_VALUE,
    authorizerError: NO_VALUE,
    errorType: NO_VALUE,
  };
  return JSON.stringify(line);
}

/** Appends access-log lines to a file (0600), in the order the requests were answered. */
export class AccessLogWriter {
  private readonly stream: WriteStream;

  constructor(file: string) {
    this.stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  }

  write(entry: AccessLogEntry): void {
    this.stream.write(`${accessLogLine(entry)}\n`);
  }

  /** Resolves once every line written so far is in the file. */
  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}
