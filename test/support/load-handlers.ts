// Lambda handlers loaded as Lambda loads them: each function reads its configuration when its module
// is imported, so the environment is set first and the module registry emptied, and every load sees
// the tables it is given. The handlers come back by name, typed, whatever order they were asked in.
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { vi } from 'vitest';

/** An HTTP function's handler, as API Gateway's proxy integration calls it. */
export type HttpHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** How to import each function's module, by the name the test calls its handler. */
export type HandlerModules = Record<string, () => Promise<{ handler: unknown }>>;

/**
 * Sets `env` (a variable given `undefined` is removed), empties the module registry and imports each
 * module afresh. Modules imported after this, without another reset, share the same instances
 * (a function's runtime, say).
 */
export async function loadHandlers<M extends HandlerModules>(
  modules: M,
  env: Record<string, string | undefined> = {},
): Promise<{ [K in keyof M]: HttpHandler }> {
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  vi.resetModules();
  const loaded = await Promise.all(
    Object.entries(modules).map(async ([name, load]) => [name, (await load()).handler] as const),
  );
  // The functions' handlers are middy chains, typed wider than the proxy integration calls them.
  return Object.fromEntries(loaded) as { [K in keyof M]: HttpHandler };
}
