// The deployment's example protected API follows its scope catalogue: the echo below every path a
// team's own catalogue grants (and no longer the default's), and a consumer token of that catalogue.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '#spec/env';
import { FUNCTIONS } from '#spec/functions';
import type { Catalogue } from '#spec/scopes';
import { ORDERS } from '#test-support/orders-catalogue';
import { REPOSITORY_ROOT } from '#test-support/processes';
import { lambdaFunction, onlyResource, refTo, resourcePaths, restApi, synthStack } from './template';

/** `METHOD /path` of each method of the example API, its authorizer and its integration's function. */
function exampleMethods(template: Template) {
  const [apiId] = restApi(template, 'example protected');
  const [authorizerId] = onlyResource(template, 'AWS::ApiGateway::Authorizer', {
    Properties: { RestApiId: refTo(apiId) },
  });
  const [echoId] = lambdaFunction(template, FUNCTIONS.echo.name);
  const paths = resourcePaths(template);
  const methods = Object.values(
    template.findResources('AWS::ApiGateway::Method', { Properties: { RestApiId: refTo(apiId) } }),
  ).map(({ Properties: p }) => ({
    route: `${p.HttpMethod} ${paths.get(p.ResourceId.Ref) ?? '/'}`,
    authorizer: p.AuthorizationType === 'CUSTOM' && p.AuthorizerId.Ref === authorizerId,
    echo: JSON.stringify(p.Integration.Uri).includes(`"${echoId}"`),
  }));
  return methods.sort((a, b) => a.route.localeCompare(b.route));
}

/** The scopes the example consumer's token is minted with. */
function consumerScopes(template: Template): unknown {
  const [secretId] = onlyResource(template, 'AWS::SecretsManager::Secret', {
    Properties: { Description: Match.stringLikeRegexp('Example API consumer') },
  });
  const rotations = template.findResources('AWS::Lambda::Function', {
    Properties: {
      Environment: { Variables: Match.objectLike({ [ENV.rotatedSecretArn]: refTo(secretId) }) },
    },
  });
  const [rotation] = Object.values(rotations);
  return JSON.parse(rotation?.Properties.Environment.Variables[ENV.rotatedScopes]);
}

describe('the example protected API on a team’s own catalogue', () => {
  const { template } = synthStack({ tokenGate: { scopes: ORDERS } });

  it('answers with the echo below every path the catalogue grants, behind the token authorizer, and nothing else', () => {
    expect(exampleMethods(template)).toEqual([
      { route: 'ANY /orders/{proxy+}', authorizer: true, echo: true },
      { route: 'ANY /reports/{proxy+}', authorizer: true, echo: true },
    ]);
  });

  it('gives its consumer a token of that catalogue: its first scope, on every resource', () => {
    expect(consumerScopes(template)).toEqual([{ scope: 'orders:read', resources: ['*'] }]);
  });

  it('names no resources for a first scope that takes none', () => {
    const { template: reports } = synthStack({
      tokenGate: { scopes: { 'reports:read': ORDERS['reports:read'] as Catalogue[string] } },
    });
    expect(consumerScopes(reports)).toEqual([{ scope: 'reports:read' }]);
    expect(exampleMethods(reports).map((method) => method.route)).toEqual(['ANY /reports/{proxy+}']);
  });

  it('stops the synth with one line on an empty catalogue, which leaves the example API nothing to serve', () => {
    expect(() => synthStack({ tokenGate: { scopes: {} } })).toThrow(
      /^TokenGateStack: the scope catalogue is empty[^\n]*$/,
    );
  });
});

describe('the example protected API on the default catalogue', () => {
  const { template } = synthStack();

  it('serves the default catalogue’s paths, and its consumer reads every repository', () => {
    expect(exampleMethods(template).map((method) => method.route)).toEqual([
      'ANY /blocklist/{proxy+}',
      'ANY /metadata/{proxy+}',
      'ANY /nameservice/{proxy+}',
      'ANY /repos/{proxy+}',
      'ANY /scim/v2/{proxy+}',
      'ANY /sources/{proxy+}',
    ]);
    expect(consumerScopes(template)).toEqual([{ scope: 'repos:read', resources: ['*'] }]);
  });
});

describe('the CDK app’s SCOPES_FILE', () => {
  it('stops `cdk synth` with one line on a catalogue that cannot work, before building anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokengate-app-scopes-'));
    const file = join(dir, 'scopes.json');
    writeFileSync(file, JSON.stringify({ 'orders:read': { ...ORDERS['orders:read'], grants: [] } }));
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'cdk/app.ts'], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, [ENV.scopesFile]: file, CDK_OUTDIR: join(dir, 'out') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `tokengate: ${ENV.scopesFile} ${file}: Invalid scope catalogue: orders:read.grants is empty: a scope needs at least one grant\n`,
    );
    expect(result.stdout).toBe('');
  });
});
