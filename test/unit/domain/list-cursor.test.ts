// The listings' cursors and key value limits (shared/domain/list-cursor.ts): a cursor reads back only
// as the canonical base64url of the JSON array this service made, and a key value is one DynamoDB
// takes. The stores' own cursor rules, on DynamoDB Local: test/integration/audit-cursor.test.ts.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors';
import {
  decodeCursor,
  encodeCursor,
  isPartitionKeyValue,
  isSortKeyValue,
  MAX_PARTITION_KEY_BYTES,
  MAX_SORT_KEY_BYTES,
} from '#domain/list-cursor';

/** A read that takes whatever it is given. */
const anything = (parts: readonly unknown[]) => parts;

function refusal(raw: string, arity = 2, read: (parts: readonly unknown[]) => unknown = anything) {
  try {
    decodeCursor(raw, arity, read, 'sort');
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(raw)} was accepted`);
}

const base64url = (text: string | Buffer) => Buffer.from(text).toString('base64url');

describe('isSortKeyValue and isPartitionKeyValue', () => {
  it('a key value is a non-empty string', () => {
    for (const isKey of [isSortKeyValue, isPartitionKeyValue]) {
      expect(isKey('a')).toBe(true);
      expect(isKey('')).toBe(false);
      for (const notString of [12, null, undefined, ['a'], { length: 1 }])
        expect(isKey(notString)).toBe(false);
    }
  });

  it('counts bytes of UTF-8, not characters: up to 1024 for a sort key, 2048 for a partition key', () => {
    expect(MAX_SORT_KEY_BYTES).toBe(1024);
    expect(MAX_PARTITION_KEY_BYTES).toBe(2048);
    expect(isSortKeyValue('é'.repeat(512))).toBe(true);
    expect(isSortKeyValue(`${'é'.repeat(511)}ab`)).toBe(true);
    expect(isSortKeyValue(`${'é'.repeat(511)}abc`)).toBe(false);
    expect(isSortKeyValue('é'.repeat(513))).toBe(false);
    expect(isPartitionKeyValue('é'.repeat(1024))).toBe(true);
    expect(isPartitionKeyValue('é'.repeat(1025))).toBe(false);
    expect(isPartitionKeyValue('x'.repeat(2049))).toBe(false);
  });

  it('a lone surrogate (no UTF-8 form) is refused; a pair, one character of four bytes, is taken', () => {
    for (const isKey of [isSortKeyValue, isPartitionKeyValue]) {
      expect(isKey('a\ud800')).toBe(false);
      expect(isKey('\udc00b')).toBe(false);
      expect(isKey('\u{1f600}')).toBe(true);
    }
    expect(isSortKeyValue('\u{1f600}'.repeat(256))).toBe(true);
  });
});

describe('encodeCursor and decodeCursor', () => {
  it('a cursor is base64url of the JSON array, and reads back as its parts', () => {
    const cursor = encodeCursor(['by_time', 2, null, 'é ~?']);

    expect(cursor).toBe(base64url('["by_time",2,null,"é ~?"]'));
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 4, anything, 'sort')).toEqual(['by_time', 2, null, 'é ~?']);
  });

  it('what `read` makes of the parts is what the cursor means', () => {
    const read = ([sort, after]: readonly unknown[]) =>
      sort === 'newest' && typeof after === 'string' ? { after } : undefined;

    expect(decodeCursor(encodeCursor(['newest', 'x']), 2, read, 'sort')).toEqual({ after: 'x' });
    expect(refusal(encodeCursor(['oldest', 'x']), 2, read).field).toBe('cursor');
  });

  it('a refusal names the cursor and what the listing must keep for its cursor to hold', () => {
    const error = refusal('not a cursor');

    expect(error.field).toBe('cursor');
    expect(error.message).toBe('cursor is not a cursor this listing returned (with the same sort)');
  });

  it.each([
    ['another number of parts', encodeCursor(['a', 'b', 'c'])],
    ['fewer parts', encodeCursor(['a'])],
    ['a string of as many characters as parts', base64url('"ab"')],
    ['an object', base64url('{"0":"a","1":"b","length":2}')],
    ['null', base64url('null')],
    ['not JSON', base64url('["a",')],
    [
      'not UTF-8, though JSON once the bad byte is replaced',
      base64url(Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x2c, 0x31, 0x5d])),
    ],
    ['padded', `${base64url('["a","b"]')}=`],
    ['standard base64 (/ for _), unpadded', Buffer.from('["ÿÿ","b"]').toString('base64')],
    ['base64url with spaces', ` ${base64url('["a","b"]')}`],
    ['empty', ''],
  ])('%s: refused, even by a read that takes anything', (_, raw) => {
    expect(refusal(raw).field).toBe('cursor');
  });

  it('a read that throws on parts it does not expect is a refusal too', () => {
    const read = (parts: readonly unknown[]) => (parts[0] as { x: string }).x.length;

    expect(refusal(encodeCursor([null, 'b']), 2, read).field).toBe('cursor');
  });
});
