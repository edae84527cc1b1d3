// The HTTP client of the API commands: one request, its JSON answer checked against a schema, and
// every failure (refused, unreachable, not JSON, not the expected shape) turned into one line that
// says what happened and, where it can, what to do.
import { z } from 'zod';
import { TOKEN_PREFIX } from '#domain/token-format';
import { ENV } from '#spec/env';
import { CliError, EXIT } from './io';
import { connectErrorSchema, nativeErrorSchema } from './responses';
import type { Target } from './target';

const TIMEOUT_MS = 60_000;
/** How long a failure's health check may take: it only words the failure better. */
const HEALTH_TIMEOUT_MS = 5_000;

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Send the caller's token (the default); false for the public routes. */
  authenticated?: boolean;
  /**
   * The command-line option behind a request field, for error messages: `{ scopes: '--scope' }`.
   * Keys are field paths with `*` for list positions; the longest match wins.
   */
  options?: Record<string, string>;
}

/**
 * The API refused the request: `status` and the error's `code` and `field` as it sent them. Exit
 * status 4 when it refused the token (401, 403), else 1.
 */
export class ApiError extends CliError {
  override readonly exitCode: number;

  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly field: string | undefined,
  ) {
    super(message);
    this.exitCode = status === 401 || status === 403 ? EXIT.auth : EXIT.error;
  }
}

/** No answer from the API (refused, unknown host, timed out): exit status 5. */
export class UnreachableError extends CliError {
  override readonly exitCode: number = EXIT.unreachable;
}

/** What `GET /healthz` says is down, when it says so (the local stack answers 503 `{"down": [...]}`). */
const healthSchema = z.looseObject({ down: z.array(z.string()) });

interface Refusal {
  message: string;
  code: string;
  field: string | undefined;
}

function refusalOf(status: number, statusText: string, body: unknown): Refusal {
  const native = nativeErrorSchema.safeParse(body);
  if (native.success) {
    const { code, message, field } = native.data.error;
    return { message, code, field };
  }
  const connect = connectErrorSchema.safeParse(body);
  if (connect.success) {
    const { code, error, payload } = connect.data;
    return { message: error, code: String(code), field: payload?.field };
  }
  return { message: statusText || 'The request failed', code: `http_${status}`, field: undefined };
}

/** The option named for `field` (`scopes.0.resources` tries `scopes.*.resources`, `scopes.*`, `scopes`). */
export function optionForField(field: string, options: Record<string, string> = {}): string | undefined {
  const parts = field.split('.').map((part) => (/^\d+$/.test(part) ? '*' : part));
  for (let length = parts.length; length > 0; length--) {
    const option = options[parts.slice(0, length).join('.')];
    if (option) return option;
  }
  return undefined;
}

/** What the user can do about a refusal the API alone cannot tell them. */
function adviceFor(status: number, target: Target): string | undefined {
  if (status === 401) {
    if (!target.token)
      return `no token was given: set ${ENV.token}, pass --token or save one (tokengate login --with-token)`;
    const where =
      target.tokenFrom === 'option'
        ? '--token'
        : target.tokenFrom === 'profile'
          ? `the saved login (profile ${target.profile}; tokengate login to replace it)`
          : ENV.token;
    return `the token in ${where} is malformed, unknown, revoked or expired`;
  }
  if (status === 403) return 'this needs a global:admin token';
  return undefined;
}

/** The one line for an API refusal: its message, status, code and field, and the option behind it. */
export function refusalLine(status: number, refusal: Refusal, request: ApiRequest, target: Target): string {
  const option = refusal.field ? optionForField(refusal.field, request.options) : undefined;
  const detail = [`${status} ${refusal.code}`];
  if (refusal.field) detail.push(`field ${refusal.field}${option ? ` (${option})` : ''}`);
  const advice = adviceFor(status, target);
  return `${refusal.message.trim()} [${detail.join(', ')}]${advice ? `: ${advice}` : ''}`;
}

/**
 * The line for a server failure (5xx) when the API's own health check names the part that is down:
 * the API answered, so the user should look at its database, not at the URL or the token.
 */
function downLine(target: Target, down: readonly string[], status: number): string {
  const parts = down.map((part) => (part === 'dynamodb' ? 'its database (DynamoDB)' : part)).join(' and ');
  const local =
    target.endpointFrom === 'option' || target.endpointFrom === 'env'
      ? ''
      : ': restart the local stack (npm start), or check that DynamoDB Local still runs';
  return `The API at ${target.endpoint} is up, but ${parts} is not answering [${status}]${local}`;
}

function unreachableLine(url: string, error: unknown, target: Target): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `No answer from ${url} within ${TIMEOUT_MS / 1000} s`;
  }
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  const hint =
    target.endpointFrom === 'default' && target.noStackAdvice
      ? `: ${target.noStackAdvice}`
      : target.endpointFrom === 'default' || target.endpointFrom === 'local-stack'
        ? `: is the local stack running (npm start)? Or name the API with --endpoint or ${ENV.endpoint}`
        : `: is it the right URL, and is the API up? To use another, pass --endpoint or set ${ENV.endpoint}`;
  return `Cannot reach the tokengate API at ${target.endpoint} (${reason})${hint}`;
}

/** Anything in `text` that looks like a token keeps only its first characters (a token given as --guid). */
export function redactTokens(text: string): string {
  return text.replace(new RegExp(`(${TOKEN_PREFIX}[0-9A-Za-z]{8})[0-9A-Za-z%]{8,}`, 'g'), '$1...');
}

/**
 * The pages of a listing, from the first, following `next_cursor` until a page has none. A cursor
 * that comes back would repeat pages for ever: that is the API's fault, and an error.
 */
export async function* eachPage<Page extends { next_cursor?: string | null }>(
  send: (cursor: string | undefined) => Promise<Page>,
): AsyncGenerator<Page> {
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await send(cursor);
    yield page;
    cursor = page.next_cursor ?? undefined;
    if (cursor !== undefined && seen.has(cursor))
      throw new CliError('The API returned the same page cursor twice');
    if (cursor !== undefined) seen.add(cursor);
  } while (cursor !== undefined);
}

/** Where -v writes its lines (stderr); absent without -v. */
export type Trace = (line: string) => void;

export class ApiClient {
  constructor(
    readonly target: Target,
    private readonly fetcher: typeof globalThis.fetch = globalThis.fetch,
    /** -v: one line a request, method, URL, status and time; never a header or a body. */
    private readonly trace?: Trace,
  ) {}

  /** Sends the request and returns its answer, checked against `schema`; throws a CliError otherwise. */
  async send<S extends z.ZodType>(request: ApiRequest, schema: S): Promise<z.output<S>> {
    const url = this.urlOf(request);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.authenticated !== false && this.target.token) {
      headers.authorization = `Bearer ${this.target.token}`;
    }
    if (request.body !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    let text: string;
    const started = performance.now();
    const traced = `${request.method} ${redactTokens(url)}`;
    const elapsed = () => `${Math.round(performance.now() - started)} ms`;
    try {
      response = await this.fetcher(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      this.trace?.(`${traced} -> no answer (${elapsed()})`);
      throw new UnreachableError(unreachableLine(redactTokens(url), error, this.target));
    }
    this.trace?.(`${traced} -> ${response.status} (${elapsed()})`);
    const body = parseJson(text);
    if (response.status >= 500) {
      const down = await this.down();
      if (down.length > 0) {
        const refusal = refusalOf(response.status, response.statusText, body);
        throw new ApiError(
          downLine(this.target, down, response.status),
          response.status,
          refusal.code,
          undefined,
        );
      }
    }
    if (!response.ok) {
      const refusal = refusalOf(response.status, response.statusText, body);
      throw new ApiError(
        refusalLine(response.status, refusal, request, this.target),
        response.status,
        refusal.code,
        refusal.field,
      );
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const what = body === undefined ? 'something that is not JSON' : 'JSON of an unexpected shape';
      throw new CliError(
        `${traced} answered ${response.status} with ${what}: is ${this.target.endpoint} a tokengate API?`,
      );
    }
    return parsed.data;
  }

  /**
   * What the API's health check (`GET /healthz`, no token sent) says is down; nothing when it says all
   * is well, or cannot say (an API without the check, or no answer in a few seconds).
   */
  private async down(): Promise<string[]> {
    try {
      const response = await this.fetcher(`${this.target.endpoint}/healthz`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
      });
      const health = healthSchema.safeParse(parseJson(await response.text()));
      return response.status === 503 && health.success ? health.data.down : [];
    } catch {
      return [];
    }
  }

  private urlOf(request: ApiRequest): string {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined && value !== '') query.set(name, value);
    }
    const search = query.size > 0 ? `?${query}` : '';
    return `${this.target.endpoint}${request.path}${search}`;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
