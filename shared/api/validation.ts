// Request validation with zod, failing as a ValidationError that names the field at fault. The
// schemas are written with `zod/mini` (its functions rather than methods, so that a function bundles
// only the checks it uses: full zod alone is about 450 KB of a bundle); `parseWith` and `queryValue`
// take a schema of either flavour, since both are zod core schemas.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { ValidationError } from '#domain/errors';

/** `must be at least 3 characters`, `must be at most 100`, `must hold at least 1 item`: a bound in the API's words. */
function bound(
  issue: { origin: string; inclusive?: boolean },
  value: number | bigint | Date,
  side: 'least' | 'most',
) {
  const limit = value instanceof Date ? value.toISOString() : String(value);
  const plural = limit === '1' ? '' : 's';
  if (issue.origin === 'array') return `must hold at ${side} ${limit} item${plural}`;
  const unit = issue.origin === 'string' ? ` character${plural}` : '';
  if (issue.inclusive === false) return `must be ${side === 'least' ? 'more' : 'less'} than ${limit}${unit}`;
  return `must be at ${side} ${limit}${unit}`;
}

/**
 * The API's wording for what a schema leaves unsaid (`limit: must be at most 100`), in the voice of
 * its own messages rather than zod's (`Too big: expected number to be <=100`). A schema's own
 * message wins; what is not worded here falls back to the English messages full zod gives (zod/mini
 * loads no locale of its own).
 */
const apiWording: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'too_small':
      return bound(issue, issue.minimum, 'least');
    case 'too_big':
      return bound(issue, issue.maximum, 'most');
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'is not in the expected form' : `must be a valid ${issue.format}`;
    default:
      return undefined;
  }
};

z.config({ ...en(), customError: apiWording });

function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') path.push(...issue.keys.slice(0, 1));
  return path.join('.') || 'body';
}

/** The value at `path` inside `root`, or undefined where the path leads nowhere. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value == null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const ARTICLE: Record<string, string> = { array: 'an', object: 'an', integer: 'an' };

function messageOf(issue: z.core.$ZodIssue, field: string, input: unknown): string {
  if (issue.code === 'unrecognized_keys') return `Unknown field: ${field}`;
  if (issue.code === 'invalid_type') {
    // zod leaves the input out of its issues: look at what was sent. A missing field and one of
    // the wrong type (null included) are different mistakes, and the message says which.
    const value = valueAt(input, issue.path);
    if (value === undefined) return `${field} is required`;
    const expected = issue.expected === 'int' ? 'integer' : issue.expected;
    return `${field} must be ${ARTICLE[expected] ?? 'a'} ${expected}`;
  }
  return `${field}: ${issue.message}`;
}

export function parseWith<S extends z.core.$ZodType>(schema: S, value: unknown): z.output<S> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, zod fails only with an issue, so this never throws; it is there for the type
  if (!issue) throw new ValidationError('The request is not valid');
  const field = fieldOf(issue);
  throw new ValidationError(messageOf(issue, field, value), field);
}

/** Query strings arrive as strings; an empty one (`?q=`) means "not given". */
export const queryValue = <T extends z.core.SomeType>(schema: T) =>
  z.pipe(
    z.transform((value: unknown) => (value === '' ? undefined : value)),
    z.optional(schema),
  );

/** How deep a request body's arrays and objects may nest: far more than any route's body needs. */
export const MAX_JSON_DEPTH = 32;

/**
 * Keys refused anywhere in a body: each means an object's prototype to some code that merges or
 * copies objects, so no valid request has one.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Refuses a parsed JSON body nested deeper than MAX_JSON_DEPTH (the top-level value is depth 1), or
 * holding a forbidden key, naming the key's place (`scopes.0.__proto__`). Depth is checked first, so
 * that the walk never goes deeper than the limit.
 */
export function checkJsonShape(value: unknown): void {
  const walk = (node: unknown, path: readonly string[]): void => {
    if (typeof node !== 'object' || node === null) return;
    if (path.length >= MAX_JSON_DEPTH) {
      throw new ValidationError(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels`, 'body');
    }
    for (const [key, child] of Object.entries(node)) {
      const at = [...path, key];
      if (!Array.isArray(node) && FORBIDDEN_KEYS.has(key)) {
        throw new ValidationError(`Forbidden key: ${key}`, at.join('.'));
      }
      walk(child, at);
    }
  };
  walk(value, []);
}

/**
 * A token's description (a Connect service token's name): 1 to 500 characters once trimmed, the
 * length checked before trimming as the OpenAPI document's maxLength is. No control character
 * (Unicode's Cc: C0 and C1, a newline and a tab included): a description is shown on one line in
 * lists, logs and terminals, where such a character would break the line or rewrite what is around
 * it. A pattern rather than a refinement, so that the OpenAPI document refuses it too.
 */
export const descriptionText = () =>
  z.string().check(
    z.maxLength(500, 'must be at most 500 characters'),
    z.regex(/^\P{Cc}*$/u, {
      error: 'must not contain control characters (such as a newline or a tab)',
    }),
    z.trim(),
    z.minLength(1, 'must not be empty'),
  );
