// The construct's `scopes` prop: a team's own catalogue, of any realistic size, reaches the functions
// that read it as a file in a Lambda layer; checked at synth, where a catalogue that cannot work (or
// is beyond the construct's cap) stops the synth with one line.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { readCatalogue } from '#adapters/config';
import { FUNCTION_TAG, PROJECT_ROOT } from '#cdk/function';
import { RotatedToken } from '#cdk/rotated-token';
import { CATALOGUE_LAYER_PATH, MAX_CATALOGUE_BYTES, TokenGate, type TokenGateProps } from '#cdk/token-gate';
import { ENV } from '#spec/env';
import { ALL_FUNCTIONS, AUTHORIZER, FUNCTIONS, TOKEN_SECRET_ROTATION } from '#spec/functions';
import type { Catalogue } from '#spec/scopes';
import { largeCatalogue } from '#test-support/large-catalogue';
import { lambdaFunction, unbundledApp } from './template';

/** 200 scopes: about 36 KB of JSON, far more than a function's 4 KB of environment. */
const LARGE = largeCatalogue(200);

const ORDERS: Catalogue = {
  'orders:read': {
    label: 'Orders: Read',
    resources: true,
    grants: [{ methods: ['GET'], path: '/orders/{resource}/*' }],
  },
  'reports:read': {
    label: 'Reports: Read',
    resources: false,
    grants: [{ methods: ['GET', 'HEAD'], path: '/reports/*' }],
  },
};

/** The functions that read the catalogue at start, by name: the authorizer and the API's scope users. */
const READERS = [
  AUTHORIZER.name,
  FUNCTIONS.createToken.name,
  FUNCTIONS.listScopes.name,
  // Every Connect function: each makes the authorizer's decision itself.
  FUNCTIONS.createServiceToken.name,
  FUNCTIONS.listServiceTokens.name,
  FUNCTIONS.listServiceTokenScopes.name,
  FUNCTIONS.deleteServiceToken.name,
  FUNCTIONS.openApi.name,
];

const LAYER_DESCRIPTION = 'tokengate scope catalogue (/opt/tokengate/scopes.json)';

type Resource = { Type: string; Properties: Record<string, unknown> };

function synth(props: TokenGateProps): { app: App; stack: Stack; template: Template } {
  const app = unbundledApp();
  const stack = new Stack(app, 'Consumer');
  new TokenGate(stack, 'Tokens', props);
  return { app, stack, template: Template.fromStack(stack) };
}

const environmentOf = (template: Template, name: string) =>
  (lambdaFunction(template, name)[1].Properties.Environment as { Variables: Record<string, unknown> })
    .Variables;

/** Every function of the template, with the name of the definition it was built from. */
function namedFunctions(template: Template): [string, Resource][] {
  const functions = Object.values(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Tags: Match.arrayWith([{ Key: FUNCTION_TAG, Value: Match.anyValue() }]) },
    }) as Record<string, Resource>,
  );
  return functions.map((fn) => {
    const tags = fn.Properties.Tags as { Key: string; Value: string }[];
    return [tags.find((tag) => tag.Key === FUNCTION_TAG)?.Value ?? '', fn];
  });
}

/** A catalogue layer, by its description (the console's deployment brings the CDK's AWS CLI layer). */
const CATALOGUE_LAYER = {
  Properties: { Description: `tokengate scope catalogue (/opt/${CATALOGUE_LAYER_PATH})` },
};

/** The stack's one catalogue layer, with its logical id. */
function onlyLayer(template: Template): [string, Resource] {
  const layers = Object.entries(
    template.findResources('AWS::Lambda::LayerVersion', CATALOGUE_LAYER) as Record<string, Resource>,
  );
  expect(layers).toHaveLength(1);
  return layers[0] as [string, Resource];
}

/** The folder of a layer's asset as the cloud assembly stages it (its S3 key names its hash). */
function layerFolder(app: App, layer: Resource): string {
  const key = (layer.Properties.Content as { S3Key: string }).S3Key;
  return join(app.synth().directory, `asset.${key.replace(/\.zip$/, '')}`);
}

/** The files of a layer's asset, by path, with their text. */
function layerFiles(app: App, layer: Resource): Record<string, string> {
  const folder = layerFolder(app, layer);
  const files = readdirSync(folder, { recursive: true, withFileTypes: true }).filter((entry) =>
    entry.isFile(),
  );
  return Object.fromEntries(
    files.map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return [path.slice(folder.length + 1), readFileSync(path, 'utf8')];
    }),
  );
}

/** Whether the function's bundle reads the catalogue at start (functions/commons/catalogue.ts or the authorizer's runtime). */
async function bundleReadsCatalogue(entry: string): Promise<boolean> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    external: ['@aws-sdk/*'],
    logLevel: 'silent',
  });
  const modules = Object.keys(result.metafile.inputs);
  return ['functions/commons/catalogue.ts', 'functions/authorizer/runtime.ts'].some((reader) =>
    modules.includes(reader),
  );
}

describe("TokenGate's scopes", () => {
  it('passes a catalogue of 200 scopes as one layer holding tokengate/scopes.json, to exactly the functions that read it', () => {
    const { app, template } = synth({ scopes: LARGE });
    expect(Buffer.byteLength(JSON.stringify(LARGE))).toBeGreaterThan(30_000);
    const [layerId, layer] = onlyLayer(template);
    expect(layer.Properties).toMatchObject({
      Description: LAYER_DESCRIPTION,
      CompatibleRuntimes: ['nodejs22.x'],
      CompatibleArchitectures: ['arm64'],
    });
    expect(layerFiles(app, layer)).toEqual({ 'tokengate/scopes.json': JSON.stringify(LARGE) });
    // The file the functions are pointed at is the one the layer holds, and reads back as the catalogue.
    expect(`/opt/${CATALOGUE_LAYER_PATH}`).toBe('/opt/tokengate/scopes.json');
    const file = join(layerFolder(app, layer), CATALOGUE_LAYER_PATH);
    expect(readCatalogue({ [ENV.catalogueFile]: file })).toEqual(LARGE);

    const functions = namedFunctions(template);
    expect(
      functions
        .map(([name]) => name)
        .filter((name) => READERS.includes(name))
        .sort(),
    ).toEqual([...READERS].sort());
    for (const [name, fn] of functions) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      if (READERS.includes(name)) {
        expect(fn.Properties.Layers, name).toEqual([{ Ref: layerId }]);
        expect(variables[ENV.catalogueFile], name).toBe('/opt/tokengate/scopes.json');
      } else {
        expect(fn.Properties.Layers, name).toBeUndefined();
        expect(variables, name).not.toHaveProperty(ENV.catalogueFile);
      }
      expect(JSON.stringify(variables), name).not.toContain('area0:read');
    }
  });

  it('declares the catalogue need on exactly the functions whose code reads the catalogue', async () => {
    const declared = ALL_FUNCTIONS.filter((definition) => definition.needs.scopes === true).map(
      (fn) => fn.name,
    );
    const reading: string[] = [];
    for (const definition of ALL_FUNCTIONS) {
      if (await bundleReadsCatalogue(definition.entry)) reading.push(definition.name);
    }
    expect(declared.sort()).toEqual(reading.sort());
    expect(declared).toEqual([...READERS, TOKEN_SECRET_ROTATION.name].sort());
  }, 60_000);

  it("lets a RotatedToken hold the team's own scopes, checked at synth against that catalogue, and gives its rotation function the layer", () => {
    const app = unbundledApp();
    const stack = new Stack(app, 'Consumer');
    const gate = new TokenGate(stack, 'Tokens', { scopes: ORDERS });
    new RotatedToken(stack, 'Orders', {
      tokenGate: gate,
      description: 'orders export',
      scopes: [{ scope: 'orders:read', resources: ['o-1'] }],
    });
    const template = Template.fromStack(stack);
    const [layerId] = onlyLayer(template);
    const [, rotation] = lambdaFunction(template, TOKEN_SECRET_ROTATION.name);
    expect(rotation.Properties.Layers).toEqual([{ Ref: layerId }]);
    expect(environmentOf(template, TOKEN_SECRET_ROTATION.name)[ENV.catalogueFile]).toBe(
      '/opt/tokengate/scopes.json',
    );
    expect(
      () =>
        new RotatedToken(stack, 'Default', {
          tokenGate: gate,
          description: 'not in this catalogue',
          scopes: [{ scope: 'repos:read', resources: ['*'] }],
        }),
    ).toThrow(
      /^RotatedToken Consumer\/Default: scopes\.0\.scope: must be one of global:admin, orders:read, reports:read$/,
    );
  });

  it("gives a RotatedToken in another stack a layer of that stack's own, never one imported from the gate's", () => {
    const app = unbundledApp();
    const gate = new TokenGate(new Stack(app, 'Gate'), 'Tokens', { scopes: LARGE });
    const consumer = new Stack(app, 'ConsumerTokens');
    for (const id of ['Export', 'Import']) {
      new RotatedToken(consumer, id, {
        tokenGate: gate,
        description: `area0 ${id}`,
        scopes: [{ scope: 'area0:read', resources: ['r-0'] }],
      });
    }
    const template = Template.fromStack(consumer);
    const [layerId, layer] = onlyLayer(template);
    expect(layer.Properties.Description).toBe(LAYER_DESCRIPTION);
    expect(layerFiles(app, layer)).toEqual({ 'tokengate/scopes.json': JSON.stringify(LARGE) });
    const rotations = namedFunctions(template).filter(([name]) => name === TOKEN_SECRET_ROTATION.name);
    expect(rotations).toHaveLength(2);
    for (const [, fn] of rotations) expect(fn.Properties.Layers).toEqual([{ Ref: layerId }]);
  });

  it('adds nothing the AWS Solutions checks (cdk-nag) find, layer included', () => {
    const { app, stack, template } = synth({ scopes: LARGE });
    onlyLayer(template);
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(
      report.violations.map((v) => `${v.ruleName} at ${v.violatingResources[0]?.constructPath}`),
    ).toEqual([]);
  });

  it('leaves no new folder in the temp directory when the same catalogue is synthesized again', () => {
    const scopesFolders = () => readdirSync(tmpdir()).filter((name) => name.startsWith('tokengate-scopes-'));
    synth({ scopes: ORDERS });
    const before = scopesFolders();
    synth({ scopes: ORDERS });
    synth({ scopes: ORDERS });
    expect(scopesFolders()).toEqual(before);
  });

  it('refuses a catalogue folder of that name that someone else could write to, before using it', () => {
    const scopes: Catalogue = {
      'guarded:read': {
        label: 'Guarded',
        resources: false,
        grants: [{ methods: ['GET'], path: '/guarded/*' }],
      },
    };
    const hash = createHash('sha256').update(JSON.stringify(scopes)).digest('hex').slice(0, 32);
    const folder = join(tmpdir(), `tokengate-scopes-${hash}`);
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { mode: 0o755 });
    chmodSync(folder, 0o755);
    try {
      expect(() => synth({ scopes })).toThrow(
        `TokenGate scopes: ${folder} is not a private folder of this user`,
      );
      chmodSync(folder, 0o700);
      expect(() => synth({ scopes })).not.toThrow();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('sets nothing when left out: no layer, and the functions use the default catalogue', () => {
    const { template } = synth({});
    expect(template.findResources('AWS::Lambda::LayerVersion', CATALOGUE_LAYER)).toEqual({});
    for (const [name, fn] of namedFunctions(template)) {
      expect(fn.Properties.Layers, name).toBeUndefined();
      expect(environmentOf(template, name), name).not.toHaveProperty(ENV.catalogueFile);
    }
  });

  it('stops the synth on a catalogue that cannot work, with one line naming the problem', () => {
    const broken = { 'orders:read': { ...(ORDERS['orders:read'] as Catalogue[string]), grants: [] } };
    expect(() => synth({ scopes: broken })).toThrow(
      'TokenGate scopes: Invalid scope catalogue: orders:read.grants is empty: a scope needs at least one grant',
    );
    expect(() => synth({ scopes: { 'global:admin': ORDERS['reports:read'] as Catalogue[string] } })).toThrow(
      /^TokenGate scopes: Invalid scope catalogue: global:admin is built in[^\n]*$/,
    );
  });

  it('stops the synth, in one line, on a catalogue longer than 128 KiB of JSON', () => {
    expect(MAX_CATALOGUE_BYTES).toBe(131_072);
    // 400 scopes of 20 grants each: valid, and about 330 KB.
    const huge: Record<string, Catalogue[string]> = {};
    for (let i = 0; i < 400; i++) {
      huge[`area${i}:admin`] = {
        label: `Area ${i}: Admin`,
        resources: false,
        grants: Array.from({ length: 20 }, (_, g) => ({ methods: ['*'], path: `/area${i}/section${g}/*` })),
      };
    }
    const bytes = Buffer.byteLength(JSON.stringify(huge));
    expect(bytes).toBeGreaterThan(MAX_CATALOGUE_BYTES);
    expect(() => synth({ scopes: huge })).toThrow(
      new RegExp(
        `^TokenGate scopes: the catalogue is ${bytes} bytes of JSON; at most 131072 \\(128 KiB\\) are passed to the functions$`,
      ),
    );
  });
});
