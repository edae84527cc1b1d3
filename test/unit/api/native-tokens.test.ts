// The native API's request parsing (shared/api/native-tokens.ts), with a fixed clock: what a valid
// request becomes, and the catalogue GET /v1/scopes answers.
import { describe, expect, it } from 'vitest';
import {
  MAX_LEAKED_BODY_BYTES,
  MAX_LEAKED_TOKENS,
  MAX_RESOURCES,
  parseCreateToken,
  parseListQuery,
  parseRevokeLeaked,
  parseRotateToken,
  parseUpdateToken,
  scopeCatalogue,
} from '#api/native-tokens';
import { openApiDocument } from '#api/openapi';
import { ValidationError } from '#domain/errors';
import { MAX_EXPIRY_DAYS } from '#domain/expiry';
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS } from '#domain/token-rotation';
import { SCOPE_NAMES, SCOPES, type ScopeName, scopeEntries } from '#spec/scopes';

const NOW = new Date('2026-06-15T12:34:56.789Z');

/** The ValidationError `parse` throws: its field and message. */
function refusal(parse: () => unknown): { field: string | undefined; message: string } {
  try {
    parse();
  } catch (error) {
    if (error instanceof ValidationError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error('accepted');
}

describe('parseCreateToken', () => {
  it('makes a user token of the request, trimming the description', () => {
    const { token, warnings } = parseCreateToken(
      {
        description: '  CI deploys ',
        user_email: 'ci@example.com',
        scopes: [{ scope: 'repos:read', resources: ['cran', 'bioc'] }, { scope: 'blocklist:read' }],
      },
      NOW,
    );

    expect(token).toEqual({
      kind: 'user',
      description: 'CI deploys',
      userEmail: 'ci@example.com',
      scopes: [
        { scope: 'repos:read', resources: ['cran', 'bioc'] },
        { scope: 'blocklist:read', resources: null },
      ],
      expiresAt: null,
    });
    expect(warnings).toEqual([]);
  });

  it('expires_in_days counts whole days from now', () => {
    const { token } = parseCreateToken(
      { description: 'd', scopes: [{ scope: 'global:admin' }], expires_in_days: 90 },
      NOW,
    );

    expect(token.expiresAt).toBe('2026-09-13T12:34:56.789Z');
  });

  it('expires_at as a date means 00:00 UTC that day; as a date-time, that moment in UTC', () => {
    const onDate = parseCreateToken(
      { description: 'd', scopes: [{ scope: 'global:admin' }], expires_at: '2027-01-31' },
      NOW,
    );
    const onTime = parseCreateToken(
      { description: 'd', scopes: [{ scope: 'global:admin' }], expires_at: '2027-01-31T09:00:00-05:00' },
      NOW,
    );

    expect(onDate.token.expiresAt).toBe('2027-01-31T00:00:00.000Z');
    expect(onTime.token.expiresAt).toBe('2027-01-31T14:00:00.000Z');
  });

  it('a resource list with * is just *; names listed twice count once', () => {
    const { token } = parseCreateToken(
      {
        description: 'd',
        scopes: [
          { scope: 'sources:write', resources: ['a', '*'] },
          { scope: 'repos:read', resources: ['cran', 'cran', 'bioc'] },
        ],
      },
      NOW,
    );

    expect(token.scopes).toEqual([
      { scope: 'sources:write', resources: ['*'] },
      { scope: 'repos:read', resources: ['cran', 'bioc'] },
    ]);
  });

  it('warns about each deprecated scope, naming its replacement', () => {
    const { warnings } = parseCreateToken({ description: 'd', scopes: [{ scope: 'metadata:read' }] }, NOW);

    expect(warnings).toEqual(['metadata:read is deprecated: use repos:read, which grants it too']);
  });

  it('refuses with a ValidationError naming the first field at fault', () => {
    expect(() => parseCreateToken({ description: 'd', scopes: [{ scope: 'repos:read' }] }, NOW)).toThrow(
      expect.objectContaining({ field: 'scopes.0.resources' }),
    );
    expect(() => parseCreateToken({ description: 'd', scopes: [] }, NOW)).toThrow(ValidationError);
  });

  const grant = { scope: 'blocklist:read' };
  it.each([
    ['description', { description: 42, scopes: [grant] }, 'description must be a string'],
    ['description', { description: null, scopes: [grant] }, 'description must be a string'],
    ['user_email', { description: 'd', user_email: 42, scopes: [grant] }, 'user_email must be a string'],
    ['scopes', { description: 'd', scopes: 'blocklist:read' }, 'scopes must be an array'],
    ['scopes.0', { description: 'd', scopes: ['blocklist:read'] }, 'scopes.0 must be an object'],
    [
      'scopes.0.resources',
      { description: 'd', scopes: [{ scope: 'repos:read', resources: 'cran' }] },
      'scopes.0.resources must be an array',
    ],
    [
      'expires_in_days',
      { description: 'd', scopes: [grant], expires_in_days: '30' },
      'expires_in_days must be a number',
    ],
    [
      'expires_at',
      { description: 'd', scopes: [grant], expires_at: 1798761600 },
      'expires_at must be a string',
    ],
    ['body', [grant], 'body must be an object'],
  ])('%s of the wrong type: says which type it must be, naming the field', (field, body, message) => {
    expect(() => parseCreateToken(body, NOW)).toThrow(expect.objectContaining({ field, message }));
  });

  it('a missing field is required', () => {
    expect(() => parseCreateToken({ scopes: [grant] }, NOW)).toThrow(
      expect.objectContaining({ field: 'description', message: 'description is required' }),
    );
  });

  const admin = [{ scope: 'global:admin' }];

  it('resources on a scope that takes none: refused, naming the grant', () => {
    expect(
      refusal(() =>
        parseCreateToken(
          {
            description: 'd',
            scopes: [
              { scope: 'repos:read', resources: ['*'] },
              { scope: 'blocklist:read', resources: ['*'] },
            ],
          },
          NOW,
        ),
      ),
    ).toEqual({
      field: 'scopes.1.resources',
      message: 'scopes.1.resources: blocklist:read takes no resources',
    });
  });

  it('a scope that takes resources, given none: refused, naming the kind of resource it needs', () => {
    expect(
      refusal(() => parseCreateToken({ description: 'd', scopes: [{ scope: 'sources:write' }] }, NOW)),
    ).toEqual({
      field: 'scopes.0.resources',
      message: 'scopes.0.resources: sources:write needs sources names or *',
    });
  });

  it('a scope listed twice: refused, naming the second', () => {
    expect(
      refusal(() =>
        parseCreateToken(
          { description: 'd', scopes: [{ scope: 'blocklist:read' }, { scope: 'blocklist:read' }] },
          NOW,
        ),
      ),
    ).toEqual({ field: 'scopes.1.scope', message: 'scopes.1.scope: is listed twice' });
  });

  it('both expires_in_days and expires_at: refused, naming expires_at', () => {
    expect(
      refusal(() =>
        parseCreateToken(
          { description: 'd', scopes: admin, expires_in_days: 30, expires_at: '2027-01-31' },
          NOW,
        ),
      ),
    ).toEqual({ field: 'expires_at', message: 'expires_at: give expires_in_days or expires_at, not both' });
  });

  it('null is an expiry not given: with the other one, or with neither (no expiry)', () => {
    expect(
      parseCreateToken(
        { description: 'd', scopes: admin, expires_in_days: null, expires_at: '2027-01-31' },
        NOW,
      ).token.expiresAt,
    ).toBe('2027-01-31T00:00:00.000Z');
    expect(
      parseCreateToken({ description: 'd', scopes: admin, expires_in_days: 30, expires_at: null }, NOW).token
        .expiresAt,
    ).toBe('2026-07-15T12:34:56.789Z');
    expect(
      parseCreateToken(
        { description: 'd', scopes: admin, expires_in_days: null, expires_at: null, user_email: null },
        NOW,
      ).token,
    ).toMatchObject({ expiresAt: null, userEmail: null });
  });

  it.each([
    ['description', { description: 'y'.repeat(501) }, 'description: must be at most 500 characters'],
    ['description', { description: ` ${'y'.repeat(499)} ` }, 'description: must be at most 500 characters'],
    ['description', { description: '   ' }, 'description: must not be empty'],
    [
      'description',
      { description: 'nightly\njob' },
      'description: must not contain control characters (such as a newline or a tab)',
    ],
    [
      'description',
      { description: 'ci \u001b[2Jjob' },
      'description: must not contain control characters (such as a newline or a tab)',
    ],
    [
      'description',
      { description: 'ci\u0085job' },
      'description: must not contain control characters (such as a newline or a tab)',
    ],
    ['scopes', { scopes: [] }, 'scopes: must hold at least one scope'],
    [
      'scopes.0.scope',
      { scopes: [{ scope: 'admin' }] },
      `scopes.0.scope: must be one of ${SCOPE_NAMES.join(', ')}`,
    ],
    [
      'scopes.0.resources',
      { scopes: [{ scope: 'repos:read', resources: [] }] },
      'scopes.0.resources: must name at least one resource, or *',
    ],
    [
      'scopes.0.resources',
      {
        scopes: [
          { scope: 'repos:read', resources: Array.from({ length: MAX_RESOURCES + 1 }, (_, i) => `r${i}`) },
        ],
      },
      `scopes.0.resources: must name at most ${MAX_RESOURCES} resources; use * for all of them`,
    ],
    [
      'scopes.0.resources.1',
      { scopes: [{ scope: 'repos:read', resources: ['cran', 'a b'] }] },
      'scopes.0.resources.1: must be * or a name of letters, digits, ".", "_" and "-" (at most 100 characters)',
    ],
    ['expires_in_days', { expires_in_days: 1.5 }, 'expires_in_days must be an integer'],
    ['expires_in_days', { expires_in_days: 0 }, 'expires_in_days: must be at least 1'],
    [
      'expires_in_days',
      { expires_in_days: MAX_EXPIRY_DAYS + 1 },
      `expires_in_days: must be at most ${MAX_EXPIRY_DAYS}`,
    ],
    ['user_email', { user_email: 'ci' }, 'user_email: must be a valid email address'],
  ])('%s out of bounds: refused with what it must be', (field, change, message) => {
    expect(refusal(() => parseCreateToken({ description: 'd', scopes: admin, ...change }, NOW))).toEqual({
      field,
      message,
    });
  });

  it('a resource name: letters, digits, ".", "_" and "-", starting with a letter or digit, at most 100 characters; or *', () => {
    const grantOf = (resources: string[]) =>
      parseCreateToken({ description: 'd', scopes: [{ scope: 'repos:read', resources }] }, NOW).token
        .scopes[0];

    expect(grantOf(['a', 'R-1.2_x', `x${'y'.repeat(99)}`])?.resources).toEqual([
      'a',
      'R-1.2_x',
      `x${'y'.repeat(99)}`,
    ]);
    expect(grantOf(['*'])?.resources).toEqual(['*']);
    for (const bad of ['', '-a', '.a', '**', 'a*', '*a', 'a/b', `x${'y'.repeat(100)}`, 'a\n']) {
      expect(() => grantOf([bad]), bad).toThrow(expect.objectContaining({ field: 'scopes.0.resources.0' }));
    }
  });
});

describe('parseUpdateToken', () => {
  it('takes an email, or null to clear it', () => {
    expect(parseUpdateToken({ user_email: 'a@example.com' })).toEqual({ userEmail: 'a@example.com' });
    expect(parseUpdateToken({ user_email: null })).toEqual({ userEmail: null });
  });

  it('takes a description, trimmed, alone or with an email; only the fields given', () => {
    expect(parseUpdateToken({ description: '  CI downloads ' })).toEqual({ description: 'CI downloads' });
    expect(parseUpdateToken({ description: 'd', user_email: null })).toEqual({
      description: 'd',
      userEmail: null,
    });
  });

  it.each([
    [{ description: '' }, 'description: must not be empty'],
    [{ description: '   ' }, 'description: must not be empty'],
    [{ description: 'x'.repeat(501) }, 'description: must be at most 500 characters'],
    [{ description: null }, 'description must be a string'],
  ])('a description %j is refused as create refuses it', (body, message) => {
    expect(refusal(() => parseUpdateToken(body))).toEqual({ field: 'description', message });
  });

  it('an email of the wrong type must be a string; a body with neither field is refused', () => {
    expect(() => parseUpdateToken({ user_email: 5 })).toThrow(
      expect.objectContaining({ field: 'user_email', message: 'user_email must be a string' }),
    );
    expect(() => parseUpdateToken({})).toThrow(
      expect.objectContaining({
        field: 'body',
        message: 'body: give at least one of user_email and description',
      }),
    );
  });

  it.each([
    'a@example.com',
    'abc@example.com',
    'first.last@example.com',
    "o'neil+tag@mail.example.co.uk",
    'x@a.io',
    'a-b_c@sub-domain.example.org',
    `${'a'.repeat(242)}@example.com`,
  ])('%s is an email', (email) => {
    expect(parseUpdateToken({ user_email: email })).toEqual({ userEmail: email });
  });

  it.each([
    ['no domain', 'ci'],
    ['something before it', '<a@example.com'],
    ['something after it', 'a@example.com>'],
    ['a space', 'a b@example.com'],
    ['a local part ending in a quote', "o'@example.com"],
    ['a dot first', '.a@example.com'],
    ['two dots', 'a..b@example.com'],
    ['a label ending in a hyphen', 'a@example-.com'],
    ['a label starting with a hyphen', 'a@-example.com'],
    ['a one-letter top-level domain', 'a@example.c'],
    ['a numeric top-level domain', 'a@example.123'],
    ['no top-level domain', 'a@localhost'],
    ['255 characters', `${'a'.repeat(243)}@example.com`],
  ])('an email with %s is refused', (_, email) => {
    expect(refusal(() => parseUpdateToken({ user_email: email }))).toEqual({
      field: 'user_email',
      message: 'user_email: must be a valid email address',
    });
  });
});

describe('parseRotateToken', () => {
  it('no body, or no grace_seconds: the default grace, and the old expiry kept', () => {
    const kept = { graceSeconds: DEFAULT_GRACE_SECONDS, expiresAt: undefined };
    expect(parseRotateToken(undefined, NOW)).toEqual(kept);
    expect(parseRotateToken({}, NOW)).toEqual(kept);
  });

  it('takes a whole number of seconds from 0 to a week', () => {
    expect(parseRotateToken({ grace_seconds: 0 }, NOW).graceSeconds).toBe(0);
    expect(parseRotateToken({ grace_seconds: 30 }, NOW).graceSeconds).toBe(30);
    expect(parseRotateToken({ grace_seconds: MAX_GRACE_SECONDS }, NOW).graceSeconds).toBe(MAX_GRACE_SECONDS);
  });

  it('a new expiry renews: in days or as a date, as create takes it; null is never', () => {
    expect(parseRotateToken({ expires_in_days: 90 }, NOW).expiresAt).toBe('2026-09-13T12:34:56.789Z');
    expect(parseRotateToken({ expires_at: '2027-01-31' }, NOW).expiresAt).toBe('2027-01-31T00:00:00.000Z');
    expect(parseRotateToken({ expires_at: null }, NOW).expiresAt).toBeNull();
    expect(parseRotateToken({ grace_seconds: 0, expires_in_days: null }, NOW)).toEqual({
      graceSeconds: 0,
      expiresAt: null,
    });
  });

  it.each([
    [
      { expires_in_days: 30, expires_at: '2027-01-31' },
      'expires_at',
      'expires_at: give expires_in_days or expires_at, not both',
    ],
    [{ expires_in_days: 0 }, 'expires_in_days', 'expires_in_days: must be at least 1'],
    [{ expires_in_days: 3651 }, 'expires_in_days', 'expires_in_days: must be at most 3650'],
    [{ expires_at: '2026-01-01' }, 'expires_at', 'expires_at must be in the future'],
    [{ expires_at: 'soon' }, 'expires_at', 'expires_at must be an RFC 3339 date (2027-01-31) or date-time'],
  ])('a renewal %j is refused as create refuses it, naming %s', (body, field, message) => {
    expect(refusal(() => parseRotateToken(body, NOW))).toEqual({ field, message });
    const create = { description: 'd', scopes: [{ scope: 'global:admin' }], ...body };
    expect(refusal(() => parseCreateToken(create, NOW))).toEqual({ field, message });
  });

  it.each([
    [{ grace_seconds: 1.5 }, 'grace_seconds', 'grace_seconds must be an integer'],
    [{ grace_seconds: '30' }, 'grace_seconds', 'grace_seconds must be a number'],
    [{ grace_seconds: -1 }, 'grace_seconds', 'grace_seconds: must be at least 0'],
    [
      { grace_seconds: MAX_GRACE_SECONDS + 1 },
      'grace_seconds',
      `grace_seconds: must be at most ${MAX_GRACE_SECONDS} (one week)`,
    ],
    [{ grace: 30 }, 'grace', 'Unknown field: grace'],
    [null, 'body', 'body must be an object'],
  ])('%j: refused, naming %s', (body, field, message) => {
    expect(refusal(() => parseRotateToken(body, NOW))).toEqual({ field, message });
  });
});

describe('parseRevokeLeaked', () => {
  it('keeps each token once, in order', () => {
    expect(parseRevokeLeaked({ tokens: ['b', 'a', 'b'] })).toEqual(['b', 'a']);
  });

  it('from one token to MAX_LEAKED_TOKENS, each of up to 200 characters; the body limit holds the most it takes', () => {
    const most = Array.from({ length: MAX_LEAKED_TOKENS }, (_, i) => String(i).padStart(200, 'x'));

    expect(parseRevokeLeaked({ tokens: most })).toHaveLength(MAX_LEAKED_TOKENS);
    expect(Buffer.byteLength(JSON.stringify({ tokens: most }))).toBeLessThanOrEqual(MAX_LEAKED_BODY_BYTES);
    expect(refusal(() => parseRevokeLeaked({ tokens: [] }))).toEqual({
      field: 'tokens',
      message: 'tokens: must hold at least one token',
    });
    expect(refusal(() => parseRevokeLeaked({ tokens: [...most, 'one more'] }))).toEqual({
      field: 'tokens',
      message: `tokens: must hold at most ${MAX_LEAKED_TOKENS} tokens`,
    });
    expect(refusal(() => parseRevokeLeaked({ tokens: ['y'.repeat(201)] })).field).toBe('tokens.0');
  });

  it('tokens of the wrong type: must be an array of strings', () => {
    expect(() => parseRevokeLeaked({ tokens: 'tg_x' })).toThrow(
      expect.objectContaining({ field: 'tokens', message: 'tokens must be an array' }),
    );
    expect(() => parseRevokeLeaked({ tokens: [5] })).toThrow(
      expect.objectContaining({ field: 'tokens.0', message: 'tokens.0 must be a string' }),
    );
  });
});

describe('parseListQuery', () => {
  it('defaults to the newest 50, every status and kind', () => {
    expect(parseListQuery(null)).toEqual({ sort: 'newest', limit: 50 });
  });

  it('an empty parameter is one not given (a form submitted with an empty field)', () => {
    expect(parseListQuery({ status: '', q: '', limit: '', sort: '' })).toEqual({ sort: 'newest', limit: 50 });
  });

  it('a limit that is not a number says so, naming it', () => {
    expect(() => parseListQuery({ limit: 'ten' })).toThrow(
      expect.objectContaining({ field: 'limit', message: 'limit must be a number' }),
    );
  });

  it('reads the limit as a number', () => {
    expect(parseListQuery({ limit: '7', sort: 'name_desc', kind: 'service' })).toEqual({
      limit: 7,
      sort: 'name_desc',
      kind: 'service',
    });
  });

  it.each([
    ['status', ['active', 'revoked', 'expired']],
    ['expiration', ['never', 'has_expiration', 'expired']],
    ['sort', ['newest', 'oldest', 'name_asc', 'name_desc']],
    ['kind', ['service', 'user']],
  ])('%s takes each of its values, and nothing else', (name, values) => {
    for (const value of values) expect(parseListQuery({ [name]: value })).toMatchObject({ [name]: value });
    expect(refusal(() => parseListQuery({ [name]: 'any' })).field).toBe(name);
  });

  it('q and cursor pass through as given', () => {
    expect(parseListQuery({ q: 'ci', cursor: 'abc' })).toEqual({
      q: 'ci',
      cursor: 'abc',
      sort: 'newest',
      limit: 50,
    });
  });

  it.each([
    ['1.5', 'limit must be an integer'],
    ['0', 'limit: must be at least 1'],
    ['101', 'limit: must be at most 100'],
  ])('a limit of %s is refused: %s', (limit, message) => {
    expect(refusal(() => parseListQuery({ limit }))).toEqual({ field: 'limit', message });
  });

  it('an unknown parameter is refused, named', () => {
    expect(refusal(() => parseListQuery({ limit: '5', page: '2' }))).toEqual({
      field: 'page',
      message: 'Unknown field: page',
    });
  });
});

describe('scopeCatalogue', () => {
  it('lists every scope of the catalogue with its description, resource type, grants and replacement', () => {
    const { scopes } = scopeCatalogue();

    expect(scopes.map((scope) => scope.name)).toEqual([...SCOPE_NAMES]);
    for (const scope of scopes) {
      const definition = SCOPES[scope.name as ScopeName];
      expect(scope).toEqual({
        name: scope.name,
        label: definition.label,
        description: definition.description,
        resources: definition.resource !== null,
        resource_type: definition.resource,
        grants: definition.grants.map((grant) => `${grant.methods.join(',')} ${grant.path}`),
        deprecated_by: definition.deprecatedBy ?? null,
      });
    }
    expect(scopes.find((scope) => scope.name === 'sources:write')?.grants).toEqual([
      '* /sources/{resource}/packages/*',
    ]);
  });
});

describe('the OpenAPI document', () => {
  const document = openApiDocument() as unknown as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: { name: string; schema: { description?: string } }[];
          requestBody?: {
            content: {
              'application/json': { schema: { properties: Record<string, { description?: string }> } };
            };
          };
        }
      >
    >;
  };
  const bodyField = (path: string, field: string) =>
    document.paths[path]?.post?.requestBody?.content['application/json'].schema.properties[field]
      ?.description;
  const parameter = (name: string) =>
    document.paths['/v1/tokens']?.get?.parameters?.find((p) => p.name === name)?.schema.description;

  it('describes the fields whose type alone does not say what they take', () => {
    expect(bodyField('/v1/tokens', 'expires_at')).toBe(
      'RFC 3339 date (the token stops working at 00:00 UTC that day) or date-time, in the future',
    );
    expect(bodyField('/v1/tokens/{id}/rotate', 'grace_seconds')).toBe(
      `How long the old token keeps working, in seconds (default ${DEFAULT_GRACE_SECONDS}); never beyond its own expires_at`,
    );
    expect(parameter('expiration')).toBe(
      'The expiry date: none, still ahead, or passed (combines with status)',
    );
    expect(parameter('q')).toBe(
      'Matches the description or the user email, case-insensitively; never the id',
    );
  });
});

describe("the API on a deployment's own catalogue", () => {
  const ORDERS = scopeEntries({
    'orders:read': {
      label: 'Orders: Read',
      resources: true,
      grants: [{ methods: ['GET'], path: '/orders/{resource}/*' }],
    },
    'reports:read': {
      label: 'Reports: Read',
      resources: false,
      grants: [{ methods: ['GET', 'HEAD'], path: '/reports/*' }],
    },
  });
  const body = (scopes: unknown) => ({ description: 'orders job', scopes });

  it('takes its scopes, with resources where they take them', () => {
    const { token, warnings } = parseCreateToken(
      body([{ scope: 'orders:read', resources: ['o-1'] }, { scope: 'reports:read' }]),
      NOW,
      ORDERS,
    );
    expect(token.scopes).toEqual([
      { scope: 'orders:read', resources: ['o-1'] },
      { scope: 'reports:read', resources: null },
    ]);
    expect(warnings).toEqual([]);
  });

  it('refuses the default catalogue scopes, naming the field and the scopes it has', () => {
    expect(() => parseCreateToken(body([{ scope: 'repos:read', resources: ['*'] }]), NOW, ORDERS)).toThrow(
      new ValidationError(
        'scopes.0.scope: must be one of global:admin, orders:read, reports:read',
        'scopes.0.scope',
      ),
    );
    expect(() => parseCreateToken(body([{ scope: 'orders:read' }]), NOW, ORDERS)).toThrow(
      /orders:read needs resource names or \*/,
    );
    expect(() => parseCreateToken(body([{ scope: 'reports:read', resources: ['x'] }]), NOW, ORDERS)).toThrow(
      /reports:read takes no resources/,
    );
  });

  it('lists its scopes in GET /v1/scopes, with their labels', () => {
    expect(
      scopeCatalogue(ORDERS).scopes.map(({ name, label, resources }) => ({ name, label, resources })),
    ).toEqual([
      { name: 'global:admin', label: 'All Resources: Admin', resources: false },
      { name: 'orders:read', label: 'Orders: Read', resources: true },
      { name: 'reports:read', label: 'Reports: Read', resources: false },
    ]);
    expect(scopeCatalogue(ORDERS).scopes[1]).toEqual({
      name: 'orders:read',
      label: 'Orders: Read',
      description: 'Orders: Read',
      resources: true,
      resource_type: null,
      grants: ['GET /orders/{resource}/*'],
      deprecated_by: null,
    });
  });
});
