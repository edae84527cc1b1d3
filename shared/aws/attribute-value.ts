// DynamoDB's wire format for items, `{"id": {"S": "..."}}`, read into plain values by the SDK's own
// `unmarshall` (@aws-sdk/util-dynamodb, which loads no client), for the authorizer, which talks to
// DynamoDB without the SDK (shared/aws/json-client.ts). One difference from the SDK clients: they
// decode binary (`B`, `BS`) from base64 before `unmarshall` sees it, so here binary stays a base64
// string. The token table holds no binary attribute.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

export type { AttributeValue };
export type Item = Record<string, AttributeValue>;

export function fromItem(item: Item): Record<string, unknown> {
  return unmarshall(item);
}
