// How every Lambda is bundled, in one place: the CDK functions use it, and so does the benchmark
// that measures bundle sizes and start-up, so what is measured is what ships.
import type { FunctionDef } from '#spec/routes';

// esbuild's ESM output has no `require`; some bundled CommonJS dependencies call it.
export const CREATE_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * Nothing a function runs is left to the runtime: the AWS SDK is bundled at the version in the lock
 * file, the one the tests ran against, rather than whatever version the Lambda runtime carries that
 * day. Bundled and tree-shaken it also loads faster than the runtime's copy (bench/bundles.ts).
 */
export const EXTERNAL_MODULES: readonly string[] = [];

/**
 * What no function reaches in Lambda, left out of every bundle. Each is loaded only by a dynamic
 * `import()` (esbuild would otherwise bundle it whole, unused): the links of the SDK's default
 * credential chain after its first, since in Lambda the chain ends at the environment, where Lambda
 * puts the function role's credentials (the chain, and the profiles, SSO and roles it reaches, work
 * unchanged in the CLI, which is not bundled); and the event-stream codec, which no DynamoDB call
 * uses. Were one reached all the same, its `import()` would fail, and the call with it.
 */
export const UNREACHED_IN_LAMBDA: readonly string[] = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
  '@aws-sdk/nested-clients',
  '@smithy/core/event-streams',
];

/**
 * The HMAC key's reader outside the authorizer (Powertools Parameters and the Secrets Manager client,
 * loaded on the first read: shared/adapters/parameters-keyring.ts), left out of the functions not
 * granted the key, which never read it.
 */
export const KEY_READER_MODULES: readonly string[] = [
  '@aws-lambda-powertools/parameters',
  '@aws-sdk/client-secrets-manager',
];

/** What `definition`'s bundle leaves out. */
export function externalModulesFor(definition: Pick<FunctionDef, 'needs'>): string[] {
  return [
    ...EXTERNAL_MODULES,
    ...UNREACHED_IN_LAMBDA,
    ...(definition.needs.hmacKey ? [] : KEY_READER_MODULES),
  ];
}

export const BUNDLING = {
  mainFields: ['module', 'main'],
  banner: CREATE_REQUIRE_BANNER,
  minify: true,
  keepNames: true,
  sourceMap: true,
  sourcesContent: false,
  /** Every function's, and more for some: `externalModulesFor`. */
  externalModules: EXTERNAL_MODULES,
} as const;
