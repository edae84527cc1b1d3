// Source maps are the construct user's choice (`functionProps.sourceMaps`): by default a function's
// asset holds its bundle alone and Node runs without `--enable-source-maps`; asked for, the map
// goes into the asset and Node reads it.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTION_TAG, functionCode, PROJECT_ROOT, TokenGateFunction } from '#cdk/function';
import { RotatedToken } from '#cdk/rotated-token';
import { TokenGate, type TokenGateProps } from '#cdk/token-gate';
import { AUTHORIZER } from '#spec/functions';
import { unbundledApp } from './template';

const outdir = join(PROJECT_ROOT, '.tmp', `cdk-source-maps-${randomUUID()}`);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

type Fn = { Properties: { Environment: { Variables: Record<string, unknown> }; Tags: unknown[] } };

/** Each tokengate function of a stack holding a gate made with `props` and a RotatedToken, by name. */
function functionsOf(props: TokenGateProps): Map<string, Fn> {
  const stack = new Stack(unbundledApp(), 'Consumer');
  const gate = new TokenGate(stack, 'Tokens', props);
  new RotatedToken(stack, 'Sync', {
    tokenGate: gate,
    description: 'sync',
    scopes: [{ scope: 'global:admin' }],
  });
  const found = Template.fromStack(stack).findResources('AWS::Lambda::Function', {
    Properties: { Tags: Match.arrayWith([{ Key: FUNCTION_TAG, Value: Match.anyValue() }]) },
  }) as Record<string, Fn>;
  return new Map(
    Object.values(found).map((fn) => [
      (fn.Properties.Tags as { Key: string; Value: string }[]).find((tag) => tag.Key === FUNCTION_TAG)
        ?.Value as string,
      fn,
    ]),
  );
}

/** The files of the asset `code` was staged to, in a stack of its own. */
function stagedFiles(code: ReturnType<typeof functionCode>): string[] {
  const app = new App({ outdir: join(outdir, randomUUID()) });
  const stack = new Stack(app, 'Staged');
  new LambdaFunction(stack, 'Fn', { code, handler: 'index.handler', runtime: Runtime.NODEJS_22_X });
  const assembly = app.synth();
  const manifest = JSON.parse(readFileSync(join(assembly.directory, 'Staged.assets.json'), 'utf8')) as {
    files: Record<string, { source: { path: string; packaging?: string } }>;
  };
  const zipped = Object.values(manifest.files).filter((file) => file.source.packaging === 'zip');
  expect(zipped).toHaveLength(1);
  return readdirSync(join(assembly.directory, zipped[0]?.source.path ?? '')).sort();
}

describe('source maps', () => {
  it('are off by default: no function of a gate or of a RotatedToken runs with --enable-source-maps', () => {
    const functions = functionsOf({});
    expect(functions.size).toBeGreaterThan(10);
    expect(functions.has('TokenSecretRotation')).toBe(true);
    for (const [name, fn] of functions) {
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS, name).toBeUndefined();
    }
  });

  it('functionProps.sourceMaps turns them on for every function, the authorizer unless its own props say no', () => {
    const functions = functionsOf({
      functionProps: { sourceMaps: true },
      authorizerFunctionProps: { memorySize: 512 },
    });
    for (const [name, fn] of functions) {
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS, name).toBe('--enable-source-maps');
    }
    const [, authorizer] =
      [
        ...functionsOf({
          functionProps: { sourceMaps: true },
          authorizerFunctionProps: { sourceMaps: false },
        }),
      ].find(([name]) => name === AUTHORIZER.name) ?? [];
    expect(authorizer?.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
  });

  describe("a pre-built function's asset (the installed package's)", () => {
    const prebuilt = join(outdir, 'prebuilt');
    mkdirSync(join(prebuilt, AUTHORIZER.name), { recursive: true });
    writeFileSync(
      join(prebuilt, AUTHORIZER.name, 'index.mjs'),
      'export const handler = async () => {};\n//# sourceMappingURL=index.mjs.map\n',
    );
    writeFileSync(join(prebuilt, AUTHORIZER.name, 'index.mjs.map'), '{"version":3,"mappings":""}');
    // A chunk the entry loads on demand (cdk/bundling.ts), with its own map.
    writeFileSync(join(prebuilt, AUTHORIZER.name, 'chunk-ABC123.mjs'), 'export const a = 1;\n');
    writeFileSync(join(prebuilt, AUTHORIZER.name, 'chunk-ABC123.mjs.map'), '{"version":3,"mappings":""}');

    it('holds the bundle and its chunks alone by default', () => {
      expect(stagedFiles(functionCode(AUTHORIZER, prebuilt))).toEqual(['chunk-ABC123.mjs', 'index.mjs']);
    });

    it('holds the maps beside them when asked', () => {
      expect(stagedFiles(functionCode(AUTHORIZER, prebuilt, true))).toEqual([
        'chunk-ABC123.mjs',
        'chunk-ABC123.mjs.map',
        'index.mjs',
        'index.mjs.map',
      ]);
    });
  });

  it("a function bundled at synth (a checkout's) holds no map by default", { timeout: 60_000 }, () => {
    const app = new App({ outdir: join(outdir, 'bundled') });
    const stack = new Stack(app, 'Bundled');
    new TokenGateFunction(stack, AUTHORIZER.name, { definition: AUTHORIZER });
    const assembly = app.synth();
    const manifest = JSON.parse(readFileSync(join(assembly.directory, 'Bundled.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string; packaging?: string } }>;
    };
    const zipped = Object.values(manifest.files).filter((file) => file.source.packaging === 'zip');
    expect(zipped).toHaveLength(1);
    const files = readdirSync(join(assembly.directory, zipped[0]?.source.path ?? ''));
    expect(files).toContain('index.mjs');
    // index.mjs and its chunks (cdk/bundling.ts), no map of either.
    expect(files.filter((file) => file !== 'index.mjs' && !/^chunk-[A-Z0-9]+\.mjs$/.test(file))).toEqual([]);
  });
});
