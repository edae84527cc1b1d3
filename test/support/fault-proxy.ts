// A fault-injecting HTTP proxy on 127.0.0.1 in front of DynamoDB Local: what lies between the
// functions and their database, made to misbehave on purpose. Each request is either passed on
// untouched or, for a set fraction of the requests that match, given one fault:
//   latency   waits `latencyMs`, then passes the request on;
//   reset     resets the client's connection (a TCP RST) before anything reaches the database;
//   timeout   accepts the request and never answers (until the fault is cleared or the proxy closes);
//   throttle  answers as DynamoDB does when it throttles: HTTP 400, `x-amzn-ErrorType`, and a JSON
//             body whose `__type` is `ProvisionedThroughputExceededException` or `ThrottlingException`.
// The fault is switched at runtime (`set`, `clear`); which requests get it is decided by a counter,
// not by chance, so that a fraction of 0.25 faults exactly every fourth matching request.
import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { crc32 } from 'node:zlib';

export type ThrottlingError = 'ProvisionedThroughputExceededException' | 'ThrottlingException';

export type Fault =
  | { mode: 'latency'; latencyMs: number }
  | { mode: 'reset' }
  | { mode: 'timeout' }
  | { mode: 'throttle'; error: ThrottlingError };

export interface FaultSetting {
  fault: Fault;
  /** The share of the matching requests that get the fault, from 0 to 1 (default 1). */
  fraction?: number;
  /** Only requests for these operations (`PutItem`, `GetRecords`, ...); default: every one. */
  operations?: readonly string[];
  /** Only requests naming one of these tables in their body; default: every one. */
  tables?: readonly string[];
}

/** What the proxy did since it started (or since `resetCounts`). */
export interface ProxyCounts {
  forwarded: number;
  faulted: Record<Fault['mode'], number>;
}

/** DynamoDB's own words for each throttling error, as its JSON protocol carries them. */
const THROTTLING_BODIES: Record<ThrottlingError, { __type: string; message: string }> = {
  ProvisionedThroughputExceededException: {
    __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message:
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  ThrottlingException: {
    __type: 'com.amazon.coral.availability#ThrottlingException',
    message: 'Rate of requests exceeds the allowed throughput.',
  },
};

/** The answer DynamoDB gives a throttled request: status, headers and body. */
export function throttlingResponse(error: ThrottlingError): {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
} {
  const body = JSON.stringify(THROTTLING_BODIES[error]);
  return {
    statusCode: 400,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-errortype': `${error}:`,
      'x-amzn-requestid': randomUUID().replaceAll('-', '').toUpperCase(),
      'x-amz-crc32': String(crc32(body)),
      'content-length': String(Buffer.byteLength(body)),
    },
    body,
  };
}

/** The operation an AWS JSON request asks for: `DynamoDB_20120810.PutItem` → `PutItem`. */
function operationOf(request: IncomingMessage): string {
  const target = request.headers['x-amz-target'];
  const value = Array.isArray(target) ? target[0] : target;
  return value?.slice(value.indexOf('.') + 1) ?? '';
}

/** The tables a DynamoDB request body names (TableName, RequestItems, TransactItems). */
export function tablesOf(body: Buffer): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const names = new Set<string>();
  const visit = (value: unknown, key?: string): void => {
    if (key === 'TableName' && typeof value === 'string') names.add(value);
    if (!value || typeof value !== 'object') return;
    if (key === 'RequestItems' && !Array.isArray(value))
      for (const name of Object.keys(value)) names.add(name);
    for (const [childKey, child] of Object.entries(value)) {
      // Item values and keys are the caller's data: no table is named inside them.
      if (childKey !== 'Item' && childKey !== 'Key' && childKey !== 'ExpressionAttributeValues')
        visit(child, childKey);
    }
  };
  visit(parsed);
  return [...names];
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export class FaultProxy {
  private setting: FaultSetting | undefined;
  /** Matching requests seen under the current setting: decides which of them get the fault. */
  private matched = 0;
  private counts: ProxyCounts = FaultProxy.zero();
  /** Requests held unanswered by `timeout`, answered (by a reset) when the fault is cleared. */
  private readonly held = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  private constructor(
    private readonly server: ReturnType<typeof createServer>,
    private readonly upstream: URL,
    readonly endpoint: string,
  ) {}

  private static zero(): ProxyCounts {
    return { forwarded: 0, faulted: { latency: 0, reset: 0, timeout: 0, throttle: 0 } };
  }

  /** Listens on a free port of 127.0.0.1 and passes requests on to `upstream` (DynamoDB Local). */
  static async start(upstream: string): Promise<FaultProxy> {
    const target = new URL(upstream);
    if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') {
      throw new Error(`The fault proxy only fronts a loopback database, not ${target.hostname}`);
    }
    let proxy: FaultProxy | undefined;
    const server = createServer((request, response) => {
      void proxy?.handle(request, response);
    });
    server.on('connection', (socket) => {
      proxy?.sockets.add(socket);
      socket.once('close', () => proxy?.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    proxy = new FaultProxy(server, target, `http://127.0.0.1:${port}`);
    return proxy;
  }

  /** From now on, this fault for this share of the matching requests (replacing any other). */
  set(setting: FaultSetting): void {
    const fraction = setting.fraction ?? 1;
    if (!(fraction >= 0 && fraction <= 1)) throw new Error(`fraction must be from 0 to 1, got ${fraction}`);
    this.release();
    this.setting = { ...setting, fraction };
    this.matched = 0;
  }

  /** No fault from now on; the requests `timeout` held are reset. */
  clear(): void {
    this.release();
    this.setting = undefined;
  }

  snapshotCounts(): ProxyCounts {
    return structuredClone(this.counts);
  }

  resetCounts(): void {
    this.counts = FaultProxy.zero();
  }

  async close(): Promise<void> {
    this.setting = undefined;
    this.release();
    for (const socket of this.sockets) socket.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private release(): void {
    for (const response of this.held) response.socket?.resetAndDestroy();
    this.held.clear();
  }

  /** The fault this request gets, if any (counting it among the matching ones). */
  private faultFor(operation: string, body: Buffer): Fault | undefined {
    const setting = this.setting;
    if (!setting) return undefined;
    if (setting.operations && !setting.operations.includes(operation)) return undefined;
    if (setting.tables && !tablesOf(body).some((table) => setting.tables?.includes(table))) return undefined;
    const n = this.matched++;
    const fraction = setting.fraction ?? 1;
    // Exactly `fraction` of the matching requests, spread evenly: the n-th gets the fault when the
    // running total of fraction × n crosses a whole number.
    return Math.floor((n + 1) * fraction) > Math.floor(n * fraction) ? setting.fault : undefined;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(request);
    } catch {
      response.destroy();
      return;
    }
    const fault = this.faultFor(operationOf(request), body);
    if (fault) this.counts.faulted[fault.mode]++;
    switch (fault?.mode) {
      case 'reset':
        request.socket.resetAndDestroy();
        return;
      case 'timeout':
        this.held.add(response);
        response.once('close', () => this.held.delete(response));
        return;
      case 'throttle': {
        const answer = throttlingResponse(fault.error);
        response.writeHead(answer.statusCode, answer.headers);
        response.end(answer.body);
        return;
      }
      case 'latency':
        await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
        break;
      case undefined:
        break;
    }
    this.forward(request, body, response);
  }

  private forward(request: IncomingMessage, body: Buffer, response: ServerResponse): void {
    this.counts.forwarded++;
    const upstream = httpRequest(
      {
        host: this.upstream.hostname,
        port: this.upstream.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: this.upstream.host, 'content-length': String(body.length) },
        agent: this.agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    response.once('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  }
}
