// How every Lambda is bundled, in one place: the CDK functions use it, and so does the benchmark
// that measures bundle sizes and start-up, so what is measured is what ships.

// esbuild's ESM output has no `require`; some bundled CommonJS dependencies call it.
export const CREATE_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * Nothing is left to the runtime: the AWS SDK is bundled at the version in the lock file, the one
 * the tests ran against, rather than whatever version the Lambda runtime carries that day. Bundled
 * and tree-shaken it also loads faster than the runtime's copy (bench/bundles.ts).
 */
export const EXTERNAL_MODULES: readonly string[] = [];

export const BUNDLING = {
  mainFields: ['module', 'main'],
  banner: CREATE_REQUIRE_BANNER,
  minify: true,
  keepNames: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: EXTERNAL_MODULES,
} as const;
