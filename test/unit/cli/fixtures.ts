// Shared by the CLI's unit tests: a token object as the API returns it, and the CLI run in-process
// against a fake API that records each request.
import type { CliIo } from '#cli/io';
import { run } from '#cli/main';
import type { Token } from '#cli/responses';

export function sampleToken(overrides: Partial<Token> = {}): Token {
  return {
    id: 'AAAAAAAAAAAAAAA1',
    kind: 'user',
    description: 'CI downloads',
    user_email: null,
    scopes: [{ scope: 'repos:read', resources: ['cran'] }],
    status: 'active',
    created_at: '2026-01-02T03:04:05.000Z',
    created_by: 'token:ADMINADMINADMIN1',
    expires_at: null,
    revoked_at: null,
    revoked_by: null,
    last_used_at: null,
    hint: 'tg_AAAAAAAA',
    ...overrides,
  };
}

export interface SentRequest {
  method: string;
  url: URL;
  authorization: string | null;
  body: unknown;
}

export interface FakeAnswer {
  status?: number;
  body?: unknown;
  /** A raw body instead of JSON. */
  text?: string;
}

export type FakeApi = (request: SentRequest) => FakeAnswer | Promise<FakeAnswer>;

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
  sent: SentRequest[];
}

/** Runs `tokengate args` in-process with `env`, every HTTP request answered by `api`. */
export async function runCli(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    api?: FakeApi;
    now?: Date;
    tty?: boolean;
    columns?: number;
    stdin?: string;
  } = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const sent: SentRequest[] = [];
  const api: FakeApi =
    options.api ?? (() => ({ status: 500, body: { error: { code: 'internal_error', message: 'no fake' } } }));
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const text = await request.text();
    const recorded: SentRequest = {
      method: request.method,
      url: new URL(request.url),
      authorization: request.headers.get('authorization'),
      body: text ? JSON.parse(text) : undefined,
    };
    sent.push(recorded);
    const answer = await api(recorded);
    return new Response(answer.text ?? JSON.stringify(answer.body ?? {}), {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: options.env ?? {},
    fetch,
    now: () => options.now ?? new Date('2026-03-01T12:00:00.000Z'),
    stdoutIsTTY: options.tty ?? false,
    columns: options.columns,
    stdin: async () => options.stdin ?? '',
  };
  const status = await run(args, io);
  return { status, stdout: out.join(''), stderr: err.join(''), sent };
}

export const lines = (text: string) => text.split('\n').filter((line) => line !== '');
