// The local gateway's HTTP face: a node:http server that reads each request (up to API Gateway's
// 10 MB), hands it to the Gateway, writes the answer and logs one line. Answers 503 until ready,
// and `/healthz` answers 503 naming what is down while a part the stack needs does not answer.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GATEWAY_ERRORS, type Gateway, type GatewayResponse, gatewayResponse, messageOf } from './gateway';
import type { HealthCheck } from './health';

/** API Gateway REST's payload limit. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export interface ListenOptions {
  host: string;
  port: number;
  /** One line per request and per failure; never a header or a body. */
  log: (line: string) => void;
}

export interface GatewayServer {
  url: string;
  port: number;
  /**
   * Until this is called the server answers 503 (and `/healthz` says it is starting). From then on
   * `/healthz` answers 200 while `health` finds everything up, else 503 naming what is down.
   */
  ready(gateway: Gateway, health?: HealthCheck): void;
  /** Stops accepting requests and resolves once those in flight have been answered. */
  close(graceMs?: number): Promise<void>;
}

class PayloadTooLarge extends Error {}

function readBody(request: IncomingMessage): Promise<Buffer | null> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_REQUEST_BYTES) return Promise.reject(new PayloadTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
      else reject(new PayloadTooLarge()); // later chunks are drained by the caller
    });
    request.on('end', () => resolve(size === 0 ? null : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function splitUrl(url: string): { path: string; query: string } {
  const absolute = url.startsWith('/') ? undefined : new URL(url, 'http://localhost');
  const target = absolute ? absolute.pathname + absolute.search : url;
  const at = target.indexOf('?');
  return at === -1 ? { path: target, query: '' } : { path: target.slice(0, at), query: target.slice(at + 1) };
}

function send(response: ServerResponse, reply: GatewayResponse, closing: boolean): void {
  if (closing) response.setHeader('connection', 'close');
  response.writeHead(reply.statusCode, reply.headers);
  response.end(reply.body);
}

export function listen(options: ListenOptions): Promise<GatewayServer> {
  let gateway: Gateway | undefined;
  let health: HealthCheck | undefined;
  let closing = false;

  async function healthz(): Promise<GatewayResponse> {
    if (!gateway || closing) return gatewayResponse(503, { status: closing ? 'stopping' : 'starting' });
    const down = (await health?.check())?.down ?? [];
    return down.length === 0
      ? gatewayResponse(200, { status: 'ok' })
      : gatewayResponse(503, { status: 'unavailable', down });
  }

  const server = createServer(async (request, response) => {
    const started = performance.now();
    const requestId = randomUUID();
    const { path, query } = splitUrl(request.url ?? '/');
    let reply: GatewayResponse;
    try {
      if (path === '/healthz' && (request.method === 'GET' || request.method === 'HEAD')) {
        reply = await healthz();
      } else if (!gateway || closing) {
        reply = gatewayResponse(503, GATEWAY_ERRORS[503], requestId);
      } else {
        const body = await readBody(request);
        reply = await gateway.handle({
          method: request.method ?? 'GET',
          path,
          query,
          rawHeaders: request.rawHeaders,
          body,
          sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
          requestId,
          receivedAt: new Date(),
        });
      }
    } catch (error) {
      if (error instanceof PayloadTooLarge) {
        reply = gatewayResponse(413, GATEWAY_ERRORS[413], requestId);
        // Read and drop the rest: closing now would cut the client off before it reads the answer.
        request.resume();
      } else {
        options.log(`request failed: ${messageOf(error)}`);
        reply = gatewayResponse(400, GATEWAY_ERRORS[400], requestId);
      }
    }
    send(response, reply, closing);
    const ms = Math.round(performance.now() - started);
    options.log(`${request.method} ${path} ${reply.statusCode} ${ms}ms`);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${options.host}:${port}`,
        port,
        ready(value, check) {
          gateway = value;
          health = check;
        },
        close(graceMs = 30_000) {
          closing = true;
          return new Promise((done) => {
            const force = setTimeout(() => server.closeAllConnections(), graceMs);
            server.close(() => {
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          });
        },
      });
    });
  });
}
