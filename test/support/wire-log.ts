// What really leaves this process for AWS (or DynamoDB Local): every HTTP request from any client,
// seen through Node's `http.client.request.start` diagnostics channel. Free of vitest, so the
// benchmark counts reads the same way the tests do.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

export interface RequestLog {
  /** The operations sent, in order (`GetItem`, `UpdateItem`, ...), from their `x-amz-target`. */
  readonly sent: string[];
  count(operation?: string): number;
  clear(): void;
  stop(): void;
}

/** Records the AWS requests sent from now on; to `host` (`127.0.0.1:8000`) only, if given. */
export function watchAwsRequests(host?: string): RequestLog {
  const sent: string[] = [];
  const listener = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    const target = request.getHeader('x-amz-target');
    if (target === undefined || (host !== undefined && request.getHeader('host') !== host)) return;
    sent.push(String(target).slice(String(target).indexOf('.') + 1));
  };
  subscribe('http.client.request.start', listener);
  return {
    sent,
    count: (operation) => (operation ? sent.filter((name) => name === operation).length : sent.length),
    clear: () => {
      sent.length = 0;
    },
    stop: () => unsubscribe('http.client.request.start', listener),
  };
}
