// How large a REST authorizer policy the native API lets a token have. The authorizer returns one
// policy covering every route the token may reach (shared/policy.ts), so API Gateway can cache it per
// token; each name in a resource-limited scope adds its own ARNs, one per method for the any-method
// scopes (14 ARNs per sources name). MAX_RESOURCES bounds the policy of the largest token the API
// accepts. There is no documented size limit for a REST authorizer's policy (WebSocket APIs have
// 8 KB, IAM policies 6-10 KB, and authorizers returning policies of that order have been reported to
// fail), so the bound is kept to tens of KB rather than the hundreds that 100 names made.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors';
import { MAX_RESOURCES, parseCreateToken } from '../../shared/native-tokens';
import { allowPolicy } from '../../shared/policy';
import { SCOPE_NAMES, SCOPES } from '../../shared/scopes';

/** A long method ARN prefix: long region and stage names. */
const API_PREFIX = 'arn:aws:execute-api:ap-southeast-2:123456789012:abcdefghij/production';
/** Each Resource of an authorizer's policy statement, per API Gateway's documentation. */
const MAX_ARN_CHARACTERS = 512;
const POLICY_BUDGET_BYTES = 64 * 1024;
const NOW = new Date();

/** `count` distinct names of the longest length a resource name may have (100 characters). */
function longNames(count: number, length = 100): string[] {
  return Array.from({ length: count }, (_, i) => `${String(i).padStart(3, '0')}${'n'.repeat(length - 3)}`);
}

/** Every scope but global:admin (which is one ARN), each resource-limited one with `count` names. */
function everyScope(count: number, length = 100) {
  return SCOPE_NAMES.filter((name) => name !== 'global:admin').map((scope) =>
    SCOPES[scope].resource ? { scope, resources: longNames(count, length) } : { scope },
  );
}

function policyOf(body: unknown) {
  const { token } = parseCreateToken(body, NOW);
  return allowPolicy(API_PREFIX, token.scopes);
}

describe(`MAX_RESOURCES (${MAX_RESOURCES}) keeps the REST authorizer's policy small`, () => {
  it('the largest token the API accepts has a policy under 64 KiB', () => {
    const policy = policyOf({ description: 'worst case', scopes: everyScope(MAX_RESOURCES) });

    const bytes = Buffer.byteLength(JSON.stringify(policy));

    expect(bytes).toBeLessThan(POLICY_BUDGET_BYTES);
    expect(policy.Statement[0]?.Resource.length).toBeLessThan(400);
  });

  it('each ARN of that policy is within the 512 characters API Gateway takes', () => {
    const policy = policyOf({ description: 'worst case', scopes: everyScope(MAX_RESOURCES) });

    for (const arn of policy.Statement[0]?.Resource ?? [])
      expect(arn.length).toBeLessThanOrEqual(MAX_ARN_CHARACTERS);
  });

  it('a typical resource-limited token stays under 8 KiB', () => {
    const policy = policyOf({
      description: 'CI reads the team repositories',
      scopes: [{ scope: 'repos:read', resources: longNames(MAX_RESOURCES, 24) }],
    });

    expect(Buffer.byteLength(JSON.stringify(policy))).toBeLessThan(8 * 1024);
  });

  it('one name more is refused, naming the resources', () => {
    const scopes = [{ scope: 'sources:write', resources: longNames(MAX_RESOURCES + 1, 10) }];

    expect(() => parseCreateToken({ description: 'too many', scopes }, NOW)).toThrow(
      expect.objectContaining({ field: 'scopes.0.resources', message: expect.stringContaining('*') }),
    );
    expect(() => parseCreateToken({ description: 'too many', scopes }, NOW)).toThrow(ValidationError);
  });

  it('* stands for any number of names in one ARN per grant', () => {
    const policy = policyOf({
      description: 'all sources',
      scopes: [{ scope: 'sources:admin', resources: ['*'] }],
    });

    expect(Buffer.byteLength(JSON.stringify(policy))).toBeLessThan(4 * 1024);
  });
});
