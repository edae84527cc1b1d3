// People's verifier (aws-jwt-verify with it) is loaded at the first ID token, not when the authorizer
// starts: a token check's start pays nothing for people sign-in (docs/performance.md). The verifier's
// module is replaced here by one that counts its loads; the bundle-level check is in
// test/cdk/bundling.test.ts.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PeopleConfig } from '#domain/people';
import type { Caller } from '#domain/verify-bearer';
import { ENV } from '#spec/env';

const seen = vi.hoisted(() => ({ loads: 0, made: 0, failNext: false }));

const PERSON: Caller = Object.freeze({
  tokenId: '',
  kind: 'user' as const,
  scopes: [],
  principal: 'user:ada@example.com',
  expiresAt: null,
});

vi.mock('#adapters/oidc-verifier', () => {
  seen.loads++;
  return {
    PersonVerifier: class {
      constructor() {
        seen.made++;
        if (seen.failNext) {
          seen.failNext = false;
          throw new Error('the verifier could not be made');
        }
      }
      verify = async () => PERSON;
    },
  };
});

const CONFIG: PeopleConfig = {
  issuer: 'https://issuer.example.com',
  clientId: 'console',
  groupsClaim: 'groups',
  adminGroup: 'tokengate-admins',
};

let runtime: typeof import('#functions/authorizer/runtime');

beforeAll(async () => {
  vi.stubEnv(ENV.tokensTable, 'tokens');
  vi.stubEnv(ENV.keySecretId, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:keys');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv(ENV.oidcIssuer, CONFIG.issuer);
  vi.stubEnv(ENV.oidcClientId, CONFIG.clientId);
  runtime = await import('#functions/authorizer/runtime');
});

afterAll(() => {
  vi.unstubAllEnvs();
});

describe("the authorizer's verifier of people's ID tokens", () => {
  it('is not loaded when the authorizer starts with people sign-in on', () => {
    expect(runtime.people).toBeDefined();
    expect(seen.loads).toBe(0);
  });

  it('is loaded at the first ID token, and made once for every one after', async () => {
    const people = runtime.personVerifierOnDemand(CONFIG);
    const made = seen.made;
    await expect(people.verify('Bearer a.b.c')).resolves.toBe(PERSON);
    await expect(people.verify('Bearer d.e.f')).resolves.toBe(PERSON);
    expect(seen.loads).toBe(1);
    expect(seen.made).toBe(made + 1);
  });

  it('fails the ID token whose verifier could not be made, and makes it again at the next', async () => {
    const people = runtime.personVerifierOnDemand(CONFIG);
    seen.failNext = true;
    await expect(people.verify('Bearer a.b.c')).rejects.toThrow('the verifier could not be made');
    await expect(people.verify('Bearer a.b.c')).resolves.toBe(PERSON);
  });
});
