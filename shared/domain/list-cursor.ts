// The cursors of the listings (tokens, audit events): base64url of a JSON array that only this service
// makes. A cursor from a client is read whole and checked before any part of it reaches DynamoDB, so
// a forged one is a 400 naming `cursor`, never a request DynamoDB refuses (which would be a 500).
// The key value limits serve the other listing parameters that end up in a key condition too.
import { ValidationError } from './errors';

/** DynamoDB refuses a sort key value (in an item or a key condition) over 1024 bytes of UTF-8. */
export const MAX_SORT_KEY_BYTES = 1024;
/** And a partition key value over 2048 bytes. */
export const MAX_PARTITION_KEY_BYTES = 2048;

const LONE_SURROGATE = /\p{Cs}/u;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A string, not empty, of at most `maxBytes` of UTF-8, with no lone surrogate (which has no UTF-8 form). */
function isKeyValue(value: unknown, maxBytes: number): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    !LONE_SURROGATE.test(value) &&
    Buffer.byteLength(value) <= maxBytes
  );
}

/** Whether DynamoDB takes `value` as a sort key value. Every sort key this service writes is one. */
export const isSortKeyValue = (value: unknown): value is string => isKeyValue(value, MAX_SORT_KEY_BYTES);

/** Whether DynamoDB takes `value` as a partition key value. */
export const isPartitionKeyValue = (value: unknown): value is string =>
  isKeyValue(value, MAX_PARTITION_KEY_BYTES);

export function encodeCursor(parts: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/**
 * Reads back a cursor `encodeCursor` made of `arity` parts; `read` returns what they mean, or undefined
 * for parts this listing would not have made. Anything else (not canonical base64url, not UTF-8, not
 * JSON, not an array of `arity` parts, refused by `read`) is a ValidationError naming `cursor`;
 * `sameWhat` says what the listing must keep for its cursor to hold.
 */
export function decodeCursor<T>(
  raw: string,
  arity: number,
  read: (parts: readonly unknown[]) => T | undefined,
  sameWhat: string,
): T {
  const bytes = Buffer.from(raw, 'base64url');
  if (bytes.toString('base64url') === raw) {
    try {
      const parts: unknown = JSON.parse(utf8.decode(bytes));
      const value = Array.isArray(parts) && parts.length === arity ? read(parts) : undefined;
      if (value !== undefined) return value;
    } catch {
      // not UTF-8 or not JSON: refused below
    }
  }
  throw new ValidationError(
    `cursor is not a cursor this listing returned (with the same ${sameWhat})`,
    'cursor',
  );
}
