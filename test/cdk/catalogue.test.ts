// The construct's `scopes` prop: a team's own catalogue reaches the functions' environment, checked
// at synth, where a catalogue that cannot work (or would not fit) stops the synth with one line.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { RotatedToken } from '#cdk/rotated-token';
import { MAX_CATALOGUE_BYTES, TokenGate, type TokenGateProps } from '#cdk/token-gate';
import { ENV } from '#spec/env';
import { AUTHORIZER, FUNCTIONS, TOKEN_SECRET_ROTATION } from '#spec/routes';
import type { Catalogue } from '#spec/scopes';
import { lambdaFunction, unbundledApp } from './template';

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

function synth(props: TokenGateProps): Template {
  const stack = new Stack(unbundledApp(), 'Consumer');
  new TokenGate(stack, 'Tokens', props);
  return Template.fromStack(stack);
}

const environmentOf = (template: Template, name: string) =>
  (lambdaFunction(template, name)[1].Properties.Environment as { Variables: Record<string, unknown> })
    .Variables;

describe("TokenGate's scopes", () => {
  it('passes a team catalogue to the authorizer and to the API functions that validate, list and document scopes', () => {
    const template = synth({ scopes: ORDERS });
    for (const name of [
      AUTHORIZER.name,
      FUNCTIONS.createToken.name,
      FUNCTIONS.listScopes.name,
      FUNCTIONS.createServiceToken.name,
      FUNCTIONS.listServiceTokenScopes.name,
      FUNCTIONS.openApi.name,
    ]) {
      expect(environmentOf(template, name)[ENV.scopes], name).toBe(JSON.stringify(ORDERS));
    }
  });

  it("lets a RotatedToken hold the team's own scopes, checked at synth against that catalogue, and gives its rotation function the catalogue", () => {
    const stack = new Stack(unbundledApp(), 'Consumer');
    const gate = new TokenGate(stack, 'Tokens', { scopes: ORDERS });
    new RotatedToken(stack, 'Orders', {
      tokenGate: gate,
      description: 'orders export',
      scopes: [{ scope: 'orders:read', resources: ['o-1'] }],
    });
    expect(environmentOf(Template.fromStack(stack), TOKEN_SECRET_ROTATION.name)[ENV.scopes]).toBe(
      JSON.stringify(ORDERS),
    );
    expect(
      () =>
        new RotatedToken(stack, 'Default', {
          tokenGate: gate,
          description: 'not in this catalogue',
          scopes: [{ scope: 'repos:read', resources: ['*'] }],
        }),
    ).toThrow(/^RotatedToken Consumer\/Default: scopes\.0\.scope /);
  });

  it('sets nothing when left out: the functions use the default catalogue', () => {
    const template = synth({});
    expect(environmentOf(template, AUTHORIZER.name)).not.toHaveProperty(ENV.scopes);
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

  it('stops the synth on a catalogue too long for the functions environment', () => {
    const large: Record<string, Catalogue[string]> = {};
    for (let i = 0; i < 40; i++) {
      large[`area${i}:read`] = {
        label: `Area ${i}: Read`,
        resources: false,
        grants: [{ methods: ['GET'], path: `/area${i}/*` }],
      };
    }
    expect(JSON.stringify(large).length).toBeGreaterThan(MAX_CATALOGUE_BYTES);
    expect(() => synth({ scopes: large })).toThrow(
      new RegExp(
        `^TokenGate scopes: the catalogue is \\d+ bytes of JSON; at most ${MAX_CATALOGUE_BYTES} fit`,
      ),
    );
  });
});
