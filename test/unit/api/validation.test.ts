// How a request the schemas refuse becomes a ValidationError (shared/api/validation.ts): the first
// issue, its field named by its path, its message saying what was wrong with what was sent.
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { checkJsonShape, descriptionText, MAX_JSON_DEPTH, parseWith, queryValue } from '#api/validation';
import { ValidationError } from '#domain/errors';

function refusal(schema: z.core.$ZodType, value: unknown): { field: string | undefined; message: string } {
  try {
    parseWith(schema, value);
  } catch (error) {
    if (error instanceof ValidationError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
}

const body = z.strictObject({
  name: z.string(),
  count: z.optional(z.int()),
  tags: z.optional(z.array(z.strictObject({ key: z.string(), values: z.optional(z.array(z.string())) }))),
  meta: z.optional(z.strictObject({ size: z.number() })),
});

describe('parseWith', () => {
  it('returns what the schema makes of a valid value', () => {
    expect(parseWith(body, { name: 'n', tags: [{ key: 'k' }] })).toEqual({ name: 'n', tags: [{ key: 'k' }] });
  });

  it('an unknown field is named by its path, the first one when there are several', () => {
    expect(refusal(body, { name: 'n', extra: 1, more: 2 })).toEqual({
      field: 'extra',
      message: 'Unknown field: extra',
    });
    expect(refusal(body, { name: 'n', tags: [{ key: 'k' }, { key: 'k', other: 1 }] })).toEqual({
      field: 'tags.1.other',
      message: 'Unknown field: tags.1.other',
    });
  });

  it('a field left out is required, at any depth', () => {
    expect(refusal(body, {})).toEqual({ field: 'name', message: 'name is required' });
    expect(refusal(body, { name: 'n', tags: [{}] })).toEqual({
      field: 'tags.0.key',
      message: 'tags.0.key is required',
    });
    expect(refusal(body, { name: 'n', meta: {} })).toEqual({
      field: 'meta.size',
      message: 'meta.size is required',
    });
  });

  it('a field sent with the wrong type (null included) must be of the right one, with its article', () => {
    expect(refusal(body, { name: null })).toEqual({ field: 'name', message: 'name must be a string' });
    expect(refusal(body, { name: 'n', count: 'x' })).toEqual({
      field: 'count',
      message: 'count must be a number',
    });
    expect(refusal(body, { name: 'n', count: 1.5 })).toEqual({
      field: 'count',
      message: 'count must be an integer',
    });
    expect(refusal(body, { name: 'n', tags: {} })).toEqual({
      field: 'tags',
      message: 'tags must be an array',
    });
    expect(refusal(body, { name: 'n', tags: [3] })).toEqual({
      field: 'tags.0',
      message: 'tags.0 must be an object',
    });
    expect(refusal(body, { name: 'n', tags: [{ key: 'k', values: [false] }] })).toEqual({
      field: 'tags.0.values.0',
      message: 'tags.0.values.0 must be a string',
    });
  });

  it('a body that is not an object: the field is the body', () => {
    expect(refusal(body, [])).toEqual({ field: 'body', message: 'body must be an object' });
    expect(refusal(body, undefined)).toEqual({ field: 'body', message: 'body is required' });
  });

  it('a field is only what the request itself holds: a name every object inherits is required when it is left out', () => {
    expect(refusal(z.strictObject({ toString: z.string() }), {})).toEqual({
      field: 'toString',
      message: 'toString is required',
    });
  });

  it('a field of a value the schema made, where the request holds nothing, is required', () => {
    const made = z.pipe(
      z.transform((): unknown => ({ inner: { size: 'big' } })),
      z.strictObject({ inner: z.strictObject({ size: z.number() }) }),
    );

    expect(refusal(made, null)).toEqual({ field: 'inner.size', message: 'inner.size is required' });
    expect(refusal(made, { inner: null })).toEqual({
      field: 'inner.size',
      message: 'inner.size is required',
    });
  });

  it("a bound a schema leaves unworded is said in the API's words, after the field", () => {
    const bounded = z.strictObject({
      n: z.optional(z.number().check(z.minimum(1), z.maximum(3))),
      x: z.optional(z.number().check(z.gt(0), z.lt(1))),
      s: z.optional(z.string().check(z.minLength(2), z.maxLength(1_000))),
      one: z.optional(z.string().check(z.minLength(1))),
      list: z.optional(z.array(z.number()).check(z.minLength(1), z.maxLength(2))),
      kind: z.optional(z.enum(['service', 'user'])),
      name: z.optional(z.string().check(z.regex(/^[a-z]+$/))),
      mail: z.optional(z.email()),
    });

    expect(refusal(bounded, { n: 4 })).toEqual({ field: 'n', message: 'n: must be at most 3' });
    expect(refusal(bounded, { n: 0 })).toEqual({ field: 'n', message: 'n: must be at least 1' });
    expect(refusal(bounded, { x: 0 })).toEqual({ field: 'x', message: 'x: must be more than 0' });
    expect(refusal(bounded, { x: 1 })).toEqual({ field: 'x', message: 'x: must be less than 1' });
    expect(refusal(bounded, { s: 'a' })).toEqual({ field: 's', message: 's: must be at least 2 characters' });
    expect(refusal(bounded, { s: 'a'.repeat(1_001) })).toEqual({
      field: 's',
      message: 's: must be at most 1000 characters',
    });
    expect(refusal(bounded, { one: '' })).toEqual({
      field: 'one',
      message: 'one: must be at least 1 character',
    });
    expect(refusal(bounded, { list: [] })).toEqual({
      field: 'list',
      message: 'list: must hold at least 1 item',
    });
    expect(refusal(bounded, { list: [1, 2, 3] })).toEqual({
      field: 'list',
      message: 'list: must hold at most 2 items',
    });
    expect(refusal(bounded, { kind: 'robot' })).toEqual({
      field: 'kind',
      message: 'kind: must be one of service, user',
    });
    expect(refusal(bounded, { mail: 'nobody' })).toEqual({
      field: 'mail',
      message: 'mail: must be a valid email',
    });
    expect(refusal(bounded, { name: 'A' })).toEqual({
      field: 'name',
      message: 'name: is not in the expected form',
    });
  });

  it("a schema's own message wins", () => {
    expect(refusal(z.strictObject({ n: z.number().check(z.maximum(3, 'must be small')) }), { n: 4 })).toEqual(
      {
        field: 'n',
        message: 'n: must be small',
      },
    );
  });

  it("what the API does not word itself is zod's English message after the field", () => {
    expect(refusal(z.strictObject({ n: z.number().check(z.multipleOf(5)) }), { n: 4 })).toEqual({
      field: 'n',
      message: 'n: Invalid number: must be a multiple of 5',
    });
  });
});

describe('queryValue', () => {
  const query = z.strictObject({
    q: queryValue(z.string().check(z.minLength(2))),
    n: queryValue(z.coerce.number()),
  });

  it('an empty parameter is one not given', () => {
    expect(parseWith(query, { q: '', n: '' })).toEqual({});
  });

  it('any other value is checked and read by the schema', () => {
    expect(parseWith(query, { q: 'ab', n: '7' })).toEqual({ q: 'ab', n: 7 });
    expect(refusal(query, { q: 'a' })).toEqual({
      field: 'q',
      message: 'q: must be at least 2 characters',
    });
  });
});

describe('checkJsonShape', () => {
  /** The refusal checkJsonShape gives `text` once parsed, or null when it passes. */
  const shapeRefusal = (text: string) => {
    try {
      checkJsonShape(JSON.parse(text));
      return null;
    } catch (error) {
      if (error instanceof ValidationError) return { field: error.field, message: error.message };
      throw error;
    }
  };
  const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const objects = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
  const tooDeep = { field: 'body', message: 'The request body is nested deeper than 32 levels' };

  it('passes scalars, and arrays and objects nested up to 32 deep', () => {
    expect(MAX_JSON_DEPTH).toBe(32);
    for (const text of ['1', '"x"', 'null', 'true', '[]', '{}', arrays(32), objects(32), '[[1,{"a":[2]}]]']) {
      expect(shapeRefusal(text), text.slice(0, 40)).toBeNull();
    }
  });

  it('refuses 33 deep and beyond, arrays and objects alike, and a deep one beside shallow ones', () => {
    for (const text of [arrays(33), objects(33), arrays(1_000), `[1, {"a": 2}, ${arrays(32)}]`]) {
      expect(shapeRefusal(text), text.slice(0, 40)).toEqual(tooDeep);
    }
  });

  it('refuses __proto__, constructor and prototype as keys at any depth, naming the place', () => {
    expect(shapeRefusal('{"__proto__": {}}')).toEqual({
      field: '__proto__',
      message: 'Forbidden key: __proto__',
    });
    expect(shapeRefusal('{"a": [1, {"constructor": 1}]}')).toEqual({
      field: 'a.1.constructor',
      message: 'Forbidden key: constructor',
    });
    expect(shapeRefusal('{"scopes": [{"prototype": null}]}')).toEqual({
      field: 'scopes.0.prototype',
      message: 'Forbidden key: prototype',
    });
  });

  it('lets those words through as values, and other keys that contain them', () => {
    for (const text of [
      '["__proto__", "constructor"]',
      '{"a": "prototype"}',
      '{"my_constructor": 1, "protos": 2}',
    ]) {
      expect(shapeRefusal(text), text).toBeNull();
    }
  });
});

describe('descriptionText', () => {
  const described = z.strictObject({ description: descriptionText() });

  it('trims it, and takes 1 to 500 characters of any script', () => {
    expect(parseWith(described, { description: '  nightly job  ' })).toEqual({ description: 'nightly job' });
    expect(parseWith(described, { description: 'é'.repeat(500) }).description).toHaveLength(500);
    expect(parseWith(described, { description: 'Überweisung 日本 🚀' }).description).toBe(
      'Überweisung 日本 🚀',
    );
  });

  it.each([
    ['', 'description: must not be empty'],
    ['   ', 'description: must not be empty'],
    ['x'.repeat(501), 'description: must be at most 500 characters'],
    ['a\nb', 'description: must not contain control characters (such as a newline or a tab)'],
    ['a\tb', 'description: must not contain control characters (such as a newline or a tab)'],
    ['a\u0000b', 'description: must not contain control characters (such as a newline or a tab)'],
    ['a\u007fb', 'description: must not contain control characters (such as a newline or a tab)'],
    ['a\u009fb', 'description: must not contain control characters (such as a newline or a tab)'],
  ])('refuses %j: %s', (description, message) => {
    expect(refusal(described, { description })).toEqual({ field: 'description', message });
  });
});
