// DynamoDB's wire format for items, `{"id": {"S": "..."}}`, read into plain values the way
// @aws-sdk/util-dynamodb's `unmarshall` reads them (test/unit/aws-attribute-value.test.ts holds it
// to that), for the authorizer, which talks to DynamoDB without the SDK (shared/aws/json-client.ts).

export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };

export type Item = Record<string, AttributeValue>;

const bytes = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));

export function fromAttributeValue(value: AttributeValue): unknown {
  if ('S' in value) return value.S;
  if ('N' in value) return Number(value.N);
  if ('BOOL' in value) return value.BOOL;
  if ('NULL' in value) return null;
  if ('L' in value) return value.L.map(fromAttributeValue);
  if ('M' in value) return fromItem(value.M);
  if ('SS' in value) return new Set(value.SS);
  if ('NS' in value) return new Set(value.NS.map(Number));
  if ('B' in value) return bytes(value.B);
  if ('BS' in value) return new Set(value.BS.map(bytes));
  throw new TypeError(`Unknown DynamoDB attribute type: ${Object.keys(value).join(', ')}`);
}

/** Every attribute becomes an own property, `__proto__` too (Object.fromEntries defines, never sets). */
export function fromItem(item: Item): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, fromAttributeValue(value)]));
}
