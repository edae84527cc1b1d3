// Which API the commands talk to, and as whom: --endpoint / TOKENGATE_ENDPOINT, else the running
// local stack (the `url` in $DATA_DIR/stack.json, loopback only), else the local stack's default
// address; the caller's token from --token / TOKENGATE_TOKEN.

import { ENV } from '#spec/env';
import { CliError } from './io';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8787';

export type EndpointSource = 'option' | 'env' | 'local-stack' | 'default';
export type TokenSource = 'option' | 'env';

export interface Target {
  /** Base URL without a trailing slash; may carry a path (an API Gateway stage, `/prod`). */
  endpoint: string;
  endpointFrom: EndpointSource;
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
    throw new CliError(`${from} must be an http(s) URL such as ${DEFAULT_ENDPOINT}, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`${from} must be an http(s) URL such as ${DEFAULT_ENDPOINT}, got "${raw}"`);
  }
  if (url.search || url.hash) throw new CliError(`${from} must not carry a query or fragment, got "${raw}"`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The URL a running local stack published, if there is one. `.data/stack.json` may come with a
 * cloned repository, so a URL there that is not this machine's loopback is refused: the token is
 * sent to another host only when the user names it (--endpoint, TOKENGATE_ENDPOINT).
 */
async function localStackUrl(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  // Loaded only when needed: the data-dir module brings the AWS SDK with it.
  const { dataDir, isLoopbackUrl, readStackInfo } = await import('#local/data-dir');
  const dir = dataDir(env);
  const url = readStackInfo(dir)?.url;
  if (url !== undefined && !isLoopbackUrl(url)) {
    throw new CliError(
      `${dir.stackFile} names ${JSON.stringify(url)}, which is not on this machine (localhost, 127.0.0.0/8, ::1); ` +
        'refusing to send it a token. To use another API, pass --endpoint or set TOKENGATE_ENDPOINT',
    );
  }
  return url;
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value?.trim() ? value.trim() : undefined;

export async function resolveTarget(given: GivenTarget, env: NodeJS.ProcessEnv): Promise<Target> {
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
  const local = await localStackUrl(env);
  if (local) {
    return {
      endpoint: normaliseEndpoint(local, 'stack.json'),
      endpointFrom: 'local-stack',
      token,
      tokenFrom,
    };
  }
  return { endpoint: DEFAULT_ENDPOINT, endpointFrom: 'default', token, tokenFrom };
}
