// How every Lambda is bundled, in one place: the CDK functions use it (bundled at synth in the
// repository, pre-built into the package by `npm pack`), and so does the benchmark that measures
// bundle sizes and start-up, so what is measured is what ships.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { FunctionDef } from '#spec/functions';

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
 * unchanged in the CLI, which is not bundled); the event-stream codec, which no DynamoDB call
 * uses; and the SDK's browser user-agent parser. Were one reached all the same, its `import()` would
 * fail, and the call with it.
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
  // Imported only by the SDK's browser code, which the bundle leaves out: kept in, esbuild's code
  // splitting would still ship it, 37 KB, as a chunk that nothing loads.
  'bowser',
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
  ].filter(
    // A rotation function talks to Secrets Manager itself, with the bundled client.
    (name) => !(definition.needs.rotatesSecrets && name === '@aws-sdk/client-secrets-manager'),
  );
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

/** The Lambda runtime's Node version, as esbuild's target (`Runtime.NODEJS_22_X`). */
export const BUNDLE_TARGET = 'node22';

/** The file a bundle is written to, in its own folder; the function's handler is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';

/**
 * `BUNDLING` as esbuild build options: the bundle `NodejsFunction` would make of `entry` (ESM, for
 * the runtime's Node), its entry written to `outfile`. Code split: what the function loads only by a
 * dynamic `import()` (the authorizer's verifier of people's ID tokens, aws-jwt-verify with it) goes
 * into chunks beside `outfile` (`chunk-<hash>.mjs`), read and run only when first imported, so a
 * start pays only for what it runs at once (docs/performance.md). Plain data, so that no esbuild type
 * leaks into the published declarations.
 */
export function esbuildOptions(
  entry: string,
  outfile: string,
  external: readonly string[] = BUNDLING.externalModules,
) {
  return {
    entryPoints: [{ in: entry, out: basename(outfile, '.mjs') }],
    outdir: dirname(outfile),
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    platform: 'node' as const,
    target: BUNDLE_TARGET,
    format: 'esm' as const,
    mainFields: [...BUNDLING.mainFields],
    banner: { js: BUNDLING.banner },
    minify: BUNDLING.minify,
    keepNames: BUNDLING.keepNames,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    external: [...external],
    logLevel: 'warning' as const,
  };
}

interface Esbuild {
  buildSync(options: ReturnType<typeof esbuildOptions>): { errors: unknown[] };
}

/**
 * Bundles `entry` into `outDir/index.mjs`, with its chunks and their source maps, with the esbuild of
 * the repository.
 * Only a checkout needs it: the installed package ships every function pre-built, and has no esbuild.
 */
export function bundleFunction(entry: string, outDir: string, external?: readonly string[]): void {
  let esbuild: Esbuild;
  try {
    esbuild = createRequire(import.meta.url)('esbuild') as Esbuild;
  } catch {
    throw new Error(
      `tokengate: cannot bundle ${entry}: esbuild is not installed. The published package ships every ` +
        'function pre-built (dist/lambda/); in a checkout of tokengate, run `npm ci`.',
    );
  }
  mkdirSync(outDir, { recursive: true });
  esbuild.buildSync(esbuildOptions(entry, join(outDir, BUNDLE_FILE), external));
}
