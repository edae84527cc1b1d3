// IAM's evaluation of the REST authorizer's policy, as API Gateway applies it: what the local gateway
// does with the authorizer's answer. Emulator-only: in AWS, IAM itself does this.
import type { PolicyDocument } from '#domain/policy';

/** IAM string matching: `*` is any run of characters (slashes too), `?` any one character. */
function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

/** IAM's answer for one `execute-api:Invoke` on `methodArn`: an explicit Deny wins, then any Allow. */
export function policyAllows(policy: PolicyDocument, methodArn: string): boolean {
  const matching = policy.Statement.filter(
    (statement) =>
      globMatches(statement.Action, 'execute-api:Invoke') &&
      statement.Resource.some((resource) => globMatches(resource, methodArn)),
  );
  return matching.length > 0 && matching.every((statement) => statement.Effect === 'Allow');
}
