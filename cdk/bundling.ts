// How every Lambda is bundled, in one place: the CDK functions use it, and so does the benchmark
// that measures bundle sizes and start-up, so what is measured is what ships.

// esbuild's ESM output has no `require`; some bundled CommonJS dependencies call it.
export const CREATE_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** Left to the Lambda runtime, which provides the AWS SDK v3. */
export const EXTERNAL_MODULES = ['@aws-sdk/*'];

export const BUNDLING = {
  mainFields: ['module', 'main'],
  banner: CREATE_REQUIRE_BANNER,
  minify: true,
  keepNames: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: EXTERNAL_MODULES,
} as const;
