import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AttributeValue, fromAttributeValue, fromItem, type Item } from '#aws/attribute-value';

const safeNumber = fc.oneof(
  fc.maxSafeInteger(),
  fc.double({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, noNaN: true }),
);
const nonEmptySet = <T>(values: fc.Arbitrary<T>) =>
  fc.uniqueArray(values, { minLength: 1, maxLength: 5 }).map((array) => new Set(array));

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: 'binary' }),
    safeNumber,
    fc.boolean(),
    fc.constant(null),
    nonEmptySet(fc.string({ unit: 'binary' })),
    nonEmptySet(safeNumber),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
  ),
}));
const item = fc.dictionary(fc.string({ unit: 'binary' }), value, { maxKeys: 6 });

/** What DynamoDB sends: the SDK's marshalled form, as JSON. */
const onTheWire = (data: Record<string, unknown>) => JSON.parse(JSON.stringify(marshall(data))) as Item;
type SdkItem = Parameters<typeof unmarshall>[0];
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('fromItem', () => {
  it('reads any marshalled item as the SDK unmarshall does', () => {
    fc.assert(
      fc.property(item, (data) => {
        const wire = onTheWire(data);
        expect(fromItem(wire)).toStrictEqual(unmarshall(wire as SdkItem));
      }),
      { numRuns: 500 },
    );
  });

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

  it('reads binary from base64 into the bytes the SDK gives after its base64 decoding', () => {
    const bytes = new Uint8Array([0, 1, 2, 253, 254, 255]);
    const other = new Uint8Array([42]);
    const sdk = unmarshall(marshall({ b: bytes, bs: new Set([bytes, other]) }));

    const ours = fromItem({ b: { B: base64(bytes) }, bs: { BS: [base64(bytes), base64(other)] } });

    expect(ours).toStrictEqual(sdk);
    expect(ours.b).toBeInstanceOf(Uint8Array);
    expect(fromAttributeValue({ B: '' })).toStrictEqual(new Uint8Array());
  });

  it('reads any bytes back from their base64', () => {
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => {
        expect(fromAttributeValue({ B: base64(bytes) })).toStrictEqual(bytes);
      }),
    );
  });

  it('reads number strings DynamoDB may send in forms JavaScript would not print', () => {
    expect(
      fromItem({ a: { N: '1.50' }, b: { N: '-0' }, c: { N: '1E+3' }, d: { NS: ['007', '.5'] } }),
    ).toStrictEqual(
      unmarshall({ a: { N: '1.50' }, b: { N: '-0' }, c: { N: '1E+3' }, d: { NS: ['007', '.5'] } }),
    );
  });

  it('reads an attribute named __proto__ as a property of its own, not as the prototype', () => {
    const item = fromItem(JSON.parse('{"__proto__": {"S": "x"}, "id": {"S": "a"}}'));

    expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
    expect(Object.hasOwn(item, '__proto__')).toBe(true);
    expect(item.id).toBe('a');
  });

  it('rejects an unknown attribute type with a TypeError naming it', () => {
    const unknown = { X: 'value' } as unknown as AttributeValue;

    expect(() => fromAttributeValue(unknown)).toThrow(TypeError);
    expect(() => fromItem({ nested: { L: [unknown] } })).toThrow(/Unknown DynamoDB attribute type: X/);
  });
});
