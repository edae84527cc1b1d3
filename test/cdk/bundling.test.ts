// Real esbuild bundling of the authorizer, as `cdk synth` does it: proves the bundle is ESM with a
// working `require`, carries a source map when asked for one, bundles what it uses and no SDK client,
// leaves the JWT library out of what a start loads, and loads and answers.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import type { AssetCode } from 'aws-cdk-lib/aws-lambda';
import { build } from 'esbuild';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { esbuildOptions, externalModulesFor } from '#cdk/bundling';
import { FUNCTION_TAG, functionCode, PREBUILT_ROOT, PROJECT_ROOT, TokenGateFunction } from '#cdk/function';
import { ALL_FUNCTIONS, AUTHORIZER, FUNCTIONS } from '#spec/functions';
import { synthStack } from './template';

/** A chunk of a split bundle, imported by its path beside the importer. */
const CHUNK = /^\.\/chunk-[A-Z0-9]+\.mjs$/;

// Inside the repository, like the benchmark's bundles.
const outdir = join(PROJECT_ROOT, '.tmp', `cdk-bundling-${randomUUID()}`);

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(outdir, { recursive: true, force: true });
});

describe('the authorizer bundle', () => {
  let bundleDir = '';

  it('is built by the local esbuild during synth', { timeout: 60_000 }, () => {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundled');
    new TokenGateFunction(stack, AUTHORIZER.name, { definition: AUTHORIZER, sourceMaps: true });
    const assembly = app.synth();
    const manifest = JSON.parse(readFileSync(join(assembly.directory, 'Bundled.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string; packaging?: string } }>;
    };
    const zipped = Object.values(manifest.files).filter((file) => file.source.packaging === 'zip');
    expect(zipped).toHaveLength(1);
    bundleDir = join(assembly.directory, zipped[0]?.source.path ?? '');
    expect(existsSync(join(bundleDir, 'index.mjs'))).toBe(true);
    expect(existsSync(join(bundleDir, 'index.mjs.map'))).toBe(true);
  });

  it('is an ES module that gives bundled CommonJS code a require, imports no package and holds no SDK client', () => {
    const code = readFileSync(join(bundleDir, 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire } from 'node:module';")).toBe(true);
    // Everything is bundled, at the lock file's versions: only Node's own modules are imported (some
    // libraries name them without `node:`, as `crypto`).
    const imported = [...code.matchAll(/\bfrom\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']/g)].map(
      (match) => match[1] ?? match[2] ?? '',
    );
    expect(imported.length).toBeGreaterThan(0);
    // Besides Node's modules, only its own chunks, beside it (cdk/bundling.ts splits the bundle).
    expect(imported.filter((specifier) => !isBuiltin(specifier) && !CHUNK.test(specifier))).toEqual([]);
    // AWS's signer and unmarshall are in it; no SDK client is (they cost the cold start its budget).
    expect(code).not.toMatch(/@aws-sdk\/client-|DynamoDBClient|SecretsManagerClient/);
    expect(code).toMatch(/sourceMappingURL=index\.mjs\.map/);
  });

  it("reads and runs none of aws-jwt-verify at start: people's ID tokens load it on demand, a chunk of its own", () => {
    // What a start loads: index.mjs and, transitively, the chunks it imports at the top. An
    // `import()` of a chunk is not followed: it runs at the first ID token, not at start.
    const atStart = new Set<string>();
    const visit = (file: string) => {
      if (atStart.has(file)) return;
      atStart.add(file);
      const code = readFileSync(join(bundleDir, file), 'utf8');
      for (const [, chunk] of code.matchAll(/(?:^|[;}\s])import[^"'()]*?from\s*["']\.\/([^"']+)["']/g)) {
        visit(chunk ?? '');
      }
    };
    visit('index.mjs');
    const scripts = readdirSync(bundleDir).filter((file) => file.endsWith('.mjs'));
    // Kept names mark the library's code (esbuild's keepNames): its error classes, its verifier.
    const jwtLibrary = (file: string) =>
      /["']JwtBaseError["']/.test(readFileSync(join(bundleDir, file), 'utf8'));
    expect(scripts.filter(jwtLibrary)).toHaveLength(1); // bundled, in one file
    expect([...atStart].filter(jwtLibrary)).toEqual([]); // and that file is none a start loads
    expect(readFileSync(join(bundleDir, 'index.mjs'), 'utf8')).toMatch(/\bimport\(\s*["']\.\/chunk-/);
  });

  it('reads the token item as a credential only, leaving the stream image schema out', () => {
    const code = readFileSync(join(bundleDir, 'index.mjs'), 'utf8');
    // The image's stamp time is the token item codec's only ISO check (shared/adapters/token-item.ts).
    // Booleans, so that a failure does not print the bundle.
    expect(code.includes('ZodMiniObject')).toBe(true);
    expect(code.includes('ZodMiniISODateTime')).toBe(false);
  });

  it('loads with the environment the stack gives it, and refuses a request without a token', async () => {
    vi.stubEnv('TOKENGATE_TOKENS_TABLE', 'tokens');
    vi.stubEnv('TOKENGATE_KEY_SECRET_ID', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:keys');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    const bundle = await import(pathToFileURL(join(bundleDir, 'index.mjs')).href);
    const event = {
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/repos/a/x',
      headers: {},
    };
    const context = {
      functionName: 'authorizer',
      awsRequestId: 'test',
      getRemainingTimeInMillis: () => 5000,
    };
    await expect(bundle.handler(event, context)).rejects.toThrow(/^Unauthorized$/);
  });
});

describe("a function's code", () => {
  it('is the pre-built folder when the package ships one: no esbuild, no Docker at synth', () => {
    const prebuilt = join(outdir, 'prebuilt');
    mkdirSync(join(prebuilt, AUTHORIZER.name), { recursive: true });
    writeFileSync(join(prebuilt, AUTHORIZER.name, 'index.mjs'), 'export const handler = async () => {};');
    const code = functionCode(AUTHORIZER, prebuilt) as AssetCode;
    expect(code.path).toBe(join(prebuilt, AUTHORIZER.name));
  });

  it('is bundled from the sources at synth in a checkout, which has no pre-built folder', () => {
    expect(existsSync(PREBUILT_ROOT)).toBe(false);
    const code = functionCode(AUTHORIZER) as AssetCode;
    expect(code.path).toBe(PROJECT_ROOT);
  });

  it('is pre-built by npm pack for every function the stack deploys: all are in ALL_FUNCTIONS', () => {
    const { template } = synthStack();
    // tokengate's functions (tagged); the CDK's own (the console's BucketDeployment) ships with aws-cdk-lib.
    const deployed = Object.values(template.findResources('AWS::Lambda::Function')).flatMap(
      (fn) =>
        (fn.Properties.Tags as { Key: string; Value: string }[] | undefined)
          ?.filter((tag) => tag.Key === FUNCTION_TAG)
          .map((tag) => tag.Value) ?? [],
    );
    expect(deployed.length).toBeGreaterThan(0);
    // scripts/build-package.ts pre-builds ALL_FUNCTIONS; a function missing there fails a consumer's synth.
    const prebuilt = new Set(ALL_FUNCTIONS.map((fn) => fn.name));
    expect(deployed.filter((name) => !prebuilt.has(name ?? ''))).toEqual([]);
  });
});

describe('the API function bundles', () => {
  it.each([
    ['GetToken', FUNCTIONS.getToken],
    ['CreateToken', FUNCTIONS.createToken],
  ])('%s: leaves out only what it loads on demand, and loads', { timeout: 60_000 }, async (_, definition) => {
    const outfile = join(outdir, definition.name, 'index.mjs');
    const result = await build({
      ...esbuildOptions(join(PROJECT_ROOT, definition.entry), outfile, externalModulesFor(definition)),
      metafile: true,
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports);
    // Left out, a module imported at the top would fail the start: only `import()` may name one.
    const atTheTop = imports.filter(
      (i) => i.external && i.kind === 'import-statement' && !i.path.startsWith('node:'),
    );
    expect(atTheTop).toEqual([]);
    const onDemand = imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path);
    const keyReader = onDemand.includes('@aws-lambda-powertools/parameters/secrets');
    expect(keyReader).toBe(!definition.needs.hmacKey);
    vi.stubEnv('TOKENGATE_TOKENS_TABLE', 'tokens');
    vi.stubEnv('TOKENGATE_KEY_SECRET_ID', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:keys');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    const bundle = await import(pathToFileURL(outfile).href);
    expect(typeof bundle.handler).toBe('function');
  });
});
