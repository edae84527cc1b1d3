// Which API the commands talk to, and as whom: --endpoint / TOKENGATE_ENDPOINT, else the saved login
// (`tokengate login`, the profile of --profile / TOKENGATE_PROFILE, else `default`), else the running
// local stack (the `url` in $DATA_DIR/stack.json, or without DATA_DIR the one stack that runs, see
// local-stack.ts; loopback only), else the local stack's default address; the caller's token from
// --token / TOKENGATE_TOKEN, else the saved login's, which is sent only to the endpoint it was saved with.

import { ENV } from '#spec/env';
import { CliError, UsageError } from './io';
import { askedProfile, savedProfile } from './profiles';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8787';

export type EndpointSource = 'option' | 'env' | 'profile' | 'local-stack' | 'default';
export type TokenSource = 'option' | 'env' | 'profile';

export interface Target {
  /** Base URL without a trailing slash; may carry a path (an API Gateway stage, `/prod`). */
  endpoint: string;
  endpointFrom: EndpointSource;
  /** For the default endpoint: why no local stack was taken, and how to name one (one phrase). */
  noStackAdvice?: string;
  token: string | undefined;
  tokenFrom: TokenSource | undefined;
  /** The saved login's profile, when its endpoint or token is used. */
  profile?: string;
}

export interface GivenTarget {
  endpoint?: string | undefined;
  token?: string | undefined;
  profile?: string | undefined;
  /** Leave the saved logins out (`tokengate login` makes one). */
  ignoreSaved?: boolean;
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
  const endpoint = await resolveEndpoint(given, env, trace);
  const asked = askedProfile(given.profile, env);
  const saved = given.ignoreSaved ? undefined : savedProfile(asked, env);
  const profile = asked ?? 'default';
  const tokenOption = nonEmpty(given.token);
  const tokenEnv = nonEmpty(env[ENV.token]);
  // A saved token goes only to the endpoint it was saved with, never to one named otherwise.
  const tokenSaved =
    saved && normaliseEndpoint(saved.endpoint, 'the saved endpoint') === endpoint.endpoint
      ? saved.token
      : undefined;
  const token = tokenOption ?? tokenEnv ?? tokenSaved;
  const tokenFrom: TokenSource | undefined = tokenOption
    ? 'option'
    : tokenEnv
      ? 'env'
      : tokenSaved
        ? 'profile'
        : undefined;
  const usesProfile = tokenFrom === 'profile' || endpoint.endpointFrom === 'profile';
  return { ...endpoint, token, tokenFrom, ...(usesProfile && { profile }) };
}

async function resolveEndpoint(
  given: GivenTarget,
  env: NodeJS.ProcessEnv,
  trace: ((line: string) => void) | undefined,
): Promise<Pick<Target, 'endpoint' | 'endpointFrom' | 'noStackAdvice'>> {
  const endpointOption = nonEmpty(given.endpoint);
  if (endpointOption)
    return { endpoint: normaliseEndpoint(endpointOption, '--endpoint'), endpointFrom: 'option' };
  const endpointEnv = nonEmpty(env[ENV.endpoint]);
  if (endpointEnv) return { endpoint: normaliseEndpoint(endpointEnv, ENV.endpoint), endpointFrom: 'env' };
  const saved = given.ignoreSaved ? undefined : savedProfile(askedProfile(given.profile, env), env);
  if (saved)
    return { endpoint: normaliseEndpoint(saved.endpoint, 'the saved endpoint'), endpointFrom: 'profile' };
  const local = await localStack(env, trace);
  if (local.url) return { endpoint: normaliseEndpoint(local.url, 'stack.json'), endpointFrom: 'local-stack' };
  trace?.(`${local.advice.replace(/\. Start one.*/, '')}: trying ${DEFAULT_ENDPOINT}`);
  return { endpoint: DEFAULT_ENDPOINT, endpointFrom: 'default', noStackAdvice: local.advice };
}
