// Which API the commands talk to, and as whom: --endpoint / TOKENGATE_ENDPOINT, else the running
// local stack (the `url` in $DATA_DIR/stack.json, or without DATA_DIR the one stack that runs, see
// local-stack.ts; loopback only), else the local stack's default address; the caller's token from
// --token / TOKENGATE_TOKEN.

import { ENV } from '#spec/env';
import { CliError, UsageError } from './io';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8787';

export type EndpointSource = 'option' | 'env' | 'local-stack' | 'default';
export type TokenSource = 'option' | 'env';

export interface Target {
  /** Base URL without a trailing slash; may carry a path (an API Gateway stage, `/prod`). */
  endpoint: string;
  endpointFrom: EndpointSource;
  /** For the default endpoint: why no local stack was taken, and how to name one (one phrase). */
  noStackAdvice?: string;
  token: string | undefined;
  tokenFrom: TokenSource | undefined;
}

export interface GivenTarget {
  endpoint?: string | undefined;
  token?: string | undefined;
}

export function normaliseEndpoint(raw: string, from: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UsageError(`${from} must be an http(s) URL such as ${DEFAULT_ENDPOINT}, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${from} must be an http(s) URL such as ${DEFAULT_ENDPOINT}, got "${raw}"`);
  }
  if (url.search || url.hash)
    throw new UsageError(`${from} must not carry a query or fragment, got "${raw}"`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The URL a running local stack published, if there is one. `.data/stack.json` may come with a
 * cloned repository, so a URL there that is not this machine's loopback is refused: the token is
 * sent to another host only when the user names it (--endpoint, TOKENGATE_ENDPOINT).
 */
async function localStack(
  env: NodeJS.ProcessEnv,
  trace: ((line: string) => void) | undefined,
): Promise<{ url: string | undefined; advice: string }> {
  // Loaded only when needed: the data-dir module brings the AWS SDK with it.
  const [{ isLoopbackUrl }, { findLocalStack, foundElsewhere, notFoundAdvice }] = await Promise.all([
    import('#local/data-dir'),
    import('./local-stack'),
  ]);
  const choice = findLocalStack(env);
  const url = choice.stack?.url;
  if (url !== undefined && !isLoopbackUrl(url)) {
    throw new CliError(
      `${choice.dir.stackFile} names ${JSON.stringify(url)}, which is not on this machine (localhost, 127.0.0.0/8, ::1); ` +
        `refusing to send it a token. To use another API, pass --endpoint or set ${ENV.endpoint}`,
    );
  }
  if (choice.from === 'registry') trace?.(foundElsewhere(choice));
  return { url, advice: notFoundAdvice(choice) };
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value?.trim() ? value.trim() : undefined;

export async function resolveTarget(
  given: GivenTarget,
  env: NodeJS.ProcessEnv,
  trace?: (line: string) => void,
): Promise<Target> {
  const tokenOption = nonEmpty(given.token);
  const tokenEnv = nonEmpty(env[ENV.token]);
  const token = tokenOption ?? tokenEnv;
  const tokenFrom: TokenSource | undefined = tokenOption ? 'option' : tokenEnv ? 'env' : undefined;

  const endpointOption = nonEmpty(given.endpoint);
  if (endpointOption) {
    return {
      endpoint: normaliseEndpoint(endpointOption, '--endpoint'),
      endpointFrom: 'option',
      token,
      tokenFrom,
    };
  }
  const endpointEnv = nonEmpty(env[ENV.endpoint]);
  if (endpointEnv) {
    return {
      endpoint: normaliseEndpoint(endpointEnv, ENV.endpoint),
      endpointFrom: 'env',
      token,
      tokenFrom,
    };
  }
  const local = await localStack(env, trace);
  if (local.url) {
    return {
      endpoint: normaliseEndpoint(local.url, 'stack.json'),
      endpointFrom: 'local-stack',
      token,
      tokenFrom,
    };
  }
  trace?.(`${local.advice.replace(/\. Start one.*/, '')}: trying ${DEFAULT_ENDPOINT}`);
  return {
    endpoint: DEFAULT_ENDPOINT,
    endpointFrom: 'default',
    noStackAdvice: local.advice,
    token,
    tokenFrom,
  };
}
