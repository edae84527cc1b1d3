import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { fromItem, type Item } from '#aws/attribute-value';

/** What DynamoDB sends: the SDK's marshalled form, as JSON. */
const onTheWire = (data: Record<string, unknown>) => JSON.parse(JSON.stringify(marshall(data))) as Item;

describe('fromItem (the SDK unmarshall, on the JSON wire)', () => {
  it('reads an item back to the values it was marshalled from', () => {
    const data = {
      id: 'tok_1',
      expiresAt: 1_790_000_000,
      ratio: -0.25,
      revoked: false,
      note: null,
      scopes: new Set(['read', 'write']),
      ports: new Set([443, 8443]),
      routes: [{ method: 'GET', path: '/v1/*' }, []],
      meta: { nested: { deep: [1, 'two', true] } },
    };

    expect(fromItem(onTheWire(data))).toStrictEqual(data);
  });

  it('reads number strings DynamoDB may send in forms JavaScript would not print', () => {
    expect(
      fromItem({ a: { N: '1.50' }, b: { N: '-0' }, c: { N: '1E+3' }, d: { NS: ['007', '.5'] } }),
    ).toStrictEqual({ a: 1.5, b: -0, c: 1000, d: new Set([7, 0.5]) });
  });

  it('leaves binary as the base64 string of the wire (the token table holds none)', () => {
    expect(fromItem(JSON.parse('{"b": {"B": "AAEC"}}'))).toStrictEqual({ b: 'AAEC' });
  });

  it('rejects an unknown attribute type, naming it', () => {
    expect(() => fromItem(JSON.parse('{"nested": {"L": [{"X": "value"}]}}'))).toThrow(/X/);
  });
});
