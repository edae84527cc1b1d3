import { describe, expect, it } from 'vitest';
import { ConfigError, readPeopleConfig } from '#adapters/config';
import { parseAuditQuery } from '#api/audit-query';
import { UnauthorizedError, ValidationError } from '#domain/errors';
import { carriesJwt, type PeopleConfig, personCaller, withPeople } from '#domain/people';
import { mintToken } from '#domain/token-format';
import type { Caller } from '#domain/verify-bearer';

const CONFIG: PeopleConfig = {
  issuer: 'https://id.example.com',
  clientId: 'console',
  groupsClaim: 'groups',
  adminGroup: 'tokengate-admins',
};

describe('telling a JWT from a tokengate token', () => {
  it('sees a JWT by its dots, and never takes a tokengate token for one', () => {
    expect(carriesJwt('Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln')).toBe(true);
    expect(carriesJwt(`Bearer ${mintToken().token}`)).toBe(false);
    expect(carriesJwt(`Key ${mintToken().token}`)).toBe(false);
  });

  it('sends a JWT to people and every other header to the token path, untouched', async () => {
    const seen: string[] = [];
    const caller = (principal: string) => ({ principal }) as Caller;
    const tokensPath = {
      verify: async (header: string | null | undefined) => {
        seen.push(`token ${header}`);
        return caller('token');
      },
    };
    const people = {
      verify: async (header: string) => {
        seen.push(`person ${header}`);
        return caller('person');
      },
    };
    const source = withPeople(tokensPath, people);
    expect((await source.verify('Bearer a.b.c')).principal).toBe('person');
    expect((await source.verify('Bearer tg_abc')).principal).toBe('token');
    expect(seen).toEqual(['person Bearer a.b.c', 'token Bearer tg_abc']);
  });

  it('is the token path itself when people sign-in is off', () => {
    const tokensPath = { verify: async () => ({}) as Caller };
    expect(withPeople(tokensPath, undefined)).toBe(tokensPath);
  });
});

describe('the caller a verified ID token makes', () => {
  it('is an admin when the groups claim holds the admin group', () => {
    const caller = personCaller(
      { email: 'ada@example.com', groups: ['staff', 'tokengate-admins'], exp: 2e9 },
      CONFIG,
    );
    expect(caller).toEqual({
      tokenId: '',
      kind: 'user',
      scopes: [{ scope: 'global:admin', resources: null }],
      principal: 'user:ada@example.com',
      expiresAt: new Date(2e9 * 1000).toISOString(),
      adminGroup: 'tokengate-admins',
    });
  });

  it('holds no scope outside the group, whatever other claims say', () => {
    for (const groups of [['staff'], 'staff', undefined, [], ['tokengate-admins-not']]) {
      const caller = personCaller(
        { email: 'bob@example.com', groups, scope: 'global:admin', cognito: 1, exp: 2e9 },
        CONFIG,
      );
      expect(caller.scopes).toEqual([]);
    }
    expect(
      personCaller({ email: 'bob@example.com', groups: 'tokengate-admins', exp: 2e9 }, CONFIG).scopes,
    ).toHaveLength(1);
  });

  it('reads the groups from the configured claim only', () => {
    const caller = personCaller(
      { email: 'ada@example.com', groups: ['tokengate-admins'], exp: 2e9 },
      {
        ...CONFIG,
        groupsClaim: 'cognito:groups',
      },
    );
    expect(caller.scopes).toEqual([]);
  });

  it('refuses a token without a usable email, or with one its issuer has not verified', () => {
    for (const claims of [
      {},
      { email: '' },
      { email: 42 },
      { email: 'a b@example.com' },
      { email: 'a@x\n' },
    ]) {
      expect(() => personCaller(claims, CONFIG)).toThrow(UnauthorizedError);
    }
    expect(() => personCaller({ email: 'ada@example.com', email_verified: false, exp: 2e9 }, CONFIG)).toThrow(
      UnauthorizedError,
    );
  });

  it('refuses a token without an expiry (exp), which its verifier would accept forever', () => {
    for (const exp of [undefined, null, '2000000000', Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() =>
        personCaller({ email: 'ada@example.com', groups: ['tokengate-admins'], exp }, CONFIG),
      ).toThrow(/carries no expiry/);
    }
    expect(personCaller({ email: 'ada@example.com', exp: 2e9 }, CONFIG).expiresAt).toBe(
      new Date(2e9 * 1000).toISOString(),
    );
  });
});

describe('people sign-in configuration', () => {
  it('is off without an issuer', () => {
    expect(readPeopleConfig({})).toBeUndefined();
  });

  it('defaults the groups claim to cognito:groups for a Cognito issuer, else groups, and the group', () => {
    const cognito = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
    expect(readPeopleConfig({ TOKENGATE_OIDC_ISSUER: cognito, TOKENGATE_OIDC_CLIENT_ID: 'c' })).toEqual({
      issuer: cognito,
      clientId: 'c',
      groupsClaim: 'cognito:groups',
      adminGroup: 'tokengate-admins',
    });
    expect(
      readPeopleConfig({ TOKENGATE_OIDC_ISSUER: 'https://id.example.com', TOKENGATE_OIDC_CLIENT_ID: 'c' })
        ?.groupsClaim,
    ).toBe('groups');
    expect(
      readPeopleConfig({
        TOKENGATE_OIDC_ISSUER: 'https://id.example.com',
        TOKENGATE_OIDC_CLIENT_ID: 'c',
        TOKENGATE_OIDC_GROUPS_CLAIM: 'roles',
        TOKENGATE_OIDC_ADMIN_GROUP: 'ops',
      }),
    ).toMatchObject({ groupsClaim: 'roles', adminGroup: 'ops' });
  });

  it('fails at start for an issuer that is not HTTPS (but for the loopback) or without a client id', () => {
    const bad = [
      { TOKENGATE_OIDC_ISSUER: 'http://id.example.com', TOKENGATE_OIDC_CLIENT_ID: 'c' },
      { TOKENGATE_OIDC_ISSUER: 'not a url', TOKENGATE_OIDC_CLIENT_ID: 'c' },
      { TOKENGATE_OIDC_ISSUER: 'https://id.example.com' },
    ];
    for (const env of bad) expect(() => readPeopleConfig(env)).toThrow(ConfigError);
    expect(
      readPeopleConfig({ TOKENGATE_OIDC_ISSUER: 'http://127.0.0.1:9000', TOKENGATE_OIDC_CLIENT_ID: 'c' })
        ?.issuer,
    ).toBe('http://127.0.0.1:9000');
  });
});

describe('the audit trail filtered by a person', () => {
  it('takes actor=user:<email>, as it takes token:<id>', () => {
    expect(parseAuditQuery({ actor: 'user:ada@example.com' }).actor).toBe('user:ada@example.com');
    expect(() => parseAuditQuery({ actor: 'person:ada@example.com' })).toThrow(ValidationError);
  });
});
