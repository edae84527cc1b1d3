// What really leaves this process for AWS (or DynamoDB Local): every HTTP request from any client,
// seen through Node's `http.client.request.*` diagnostics channels. Free of vitest, so the
// benchmark counts reads the same way the tests do.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

export interface SentRequest {
  /** `GetItem`, `UpdateItem`, ... from the `x-amz-target` header. */
  operation: string;
  /** The JSON request body as sent: the operation's input, in DynamoDB's own attribute value form. */
  body: string;
}

export interface RequestLog {
  /** The operations sent, in order (`GetItem`, `UpdateItem`, ...), from their `x-amz-target`. */
  readonly sent: string[];
  /** The same requests with their bodies. */
  readonly requests: SentRequest[];
  count(operation?: string): number;
  clear(): void;
  stop(): void;
}

type Chunk = string | Uint8Array;

/** Collects what is written to `request` from now on: its body, once it is sent. */
function recordBody(request: ClientRequest): Buffer[] {
  const chunks: Buffer[] = [];
  const keep = (chunk: unknown) => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk as Chunk));
  };
  const { write, end } = request;
  request.write = function (this: ClientRequest, chunk: unknown, ...rest: unknown[]) {
    keep(chunk);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ClientRequest['write'];
  request.end = function (this: ClientRequest, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') keep(chunk);
    return (end as (...args: unknown[]) => ClientRequest).call(this, chunk, ...rest);
  } as ClientRequest['end'];
  return chunks;
}

/** Records the AWS requests sent from now on; to `host` (`127.0.0.1:8000`) only, if given. */
export function watchAwsRequests(host?: string): RequestLog {
  const sent: string[] = [];
  const requests: SentRequest[] = [];
  const bodies = new WeakMap<ClientRequest, Buffer[]>();
  // Published as a request is made (Node 22), before its body is written.
  const created = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    bodies.set(request, recordBody(request));
  };
  // Published once the request is ended: its body is all written.
  const started = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    const target = request.getHeader('x-amz-target');
    if (target === undefined || (host !== undefined && request.getHeader('host') !== host)) return;
    const operation = String(target).slice(String(target).indexOf('.') + 1);
    sent.push(operation);
    requests.push({ operation, body: Buffer.concat(bodies.get(request) ?? []).toString('utf8') });
  };
  subscribe('http.client.request.created', created);
  subscribe('http.client.request.start', started);
  return {
    sent,
    requests,
    count: (operation) => (operation ? sent.filter((name) => name === operation).length : sent.length),
    clear: () => {
      sent.length = 0;
      requests.length = 0;
    },
    stop: () => {
      unsubscribe('http.client.request.created', created);
      unsubscribe('http.client.request.start', started);
    },
  };
}
