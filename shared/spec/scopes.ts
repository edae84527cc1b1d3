// The scope catalogue: what each scope grants. A catalogue is configuration, one JSON shape for
// the construct's `scopes` prop and the local stack's `SCOPES_FILE`; the one below is the default
// (Posit Package Manager's and Connect's routes). The authorizer's decisions, the API's validation,
// the CDK stack's example routes, the local gateway and the docs all read it.

/** The methods a grant may name; `["*"]` alone stands for all of them. */
export const CATALOGUE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export type CatalogueMethod = (typeof CATALOGUE_METHODS)[number];

/**
 * A path pattern and the methods it is granted for. The path is literal segments, at most one
 * `{resource}` (one segment naming one of the token's resources) and a trailing `/*` for "this
 * path and anything below it".
 */
export interface CatalogueGrant {
  readonly methods: readonly (CatalogueMethod | '*')[];
  readonly path: string;
}

/** How a grant reads in `GET /v1/scopes` and to the console: `GET,HEAD /reports/*`. */
export function grantText(grant: CatalogueGrant): string {
  return `${grant.methods.join(',')} ${grant.path}`;
}

/** One scope of a catalogue, as written in JSON. */
export interface CatalogueScope {
  /** What the console and the CLI show, `Orders: Read`. */
  readonly label: string;
  /** Whether a token holding the scope names the resources it reaches (a list of names or `*`). */
  readonly resources: boolean;
  readonly grants: readonly CatalogueGrant[];
}

/** A scope catalogue: scope name (`area:level`) to what it grants. `global:admin` is never in it. */
export type Catalogue = Readonly<Record<string, CatalogueScope>>;

/** The scope that reaches everything, token management and audit included: part of every catalogue. */
export const GLOBAL_ADMIN = 'global:admin';

export const GLOBAL_ADMIN_SCOPE: CatalogueScope = {
  label: 'All Resources: Admin',
  resources: false,
  grants: [{ methods: ['*'], path: '/*' }],
};

/** The default catalogue: Package Manager's and Connect's routes. */
export const DEFAULT_CATALOGUE = {
  'identity:manage': {
    label: 'Identity: Manage',
    resources: false,
    grants: [{ methods: ['*'], path: '/scim/v2/*' }],
  },
  'nameservice:read': {
    label: 'Name Service: Read',
    resources: false,
    grants: [{ methods: ['GET'], path: '/nameservice/*' }],
  },
  'repos:read': {
    label: 'Repositories: Read',
    resources: true,
    grants: [
      { methods: ['GET'], path: '/repos/{resource}/*' },
      { methods: ['GET'], path: '/metadata/*' },
    ],
  },
  'sources:write': {
    label: 'Sources: Write',
    resources: true,
    grants: [{ methods: ['*'], path: '/sources/{resource}/packages/*' }],
  },
  'sources:admin': {
    label: 'Sources: Admin',
    resources: true,
    grants: [{ methods: ['*'], path: '/sources/{resource}/*' }],
  },
  'blocklist:read': {
    label: 'Blocklist Rules: Read',
    resources: false,
    grants: [{ methods: ['GET'], path: '/blocklist/*' }],
  },
  'blocklist:admin': {
    label: 'Blocklist Rules: Admin',
    resources: false,
    grants: [{ methods: ['*'], path: '/blocklist/*' }],
  },
  'metadata:read': {
    label: 'Metadata: Read',
    resources: false,
    grants: [{ methods: ['GET'], path: '/metadata/*' }],
  },
  'metadata:admin': {
    label: 'Metadata: Admin',
    resources: false,
    grants: [{ methods: ['*'], path: '/metadata/*' }],
  },
} as const satisfies Catalogue;

export type ResourceKind = 'repos' | 'sources';

/**
 * What the default catalogue knows beyond the JSON shape, and a deployment's own catalogue does not
 * have: the description `GET /v1/scopes` gives, the kind of resource (the CLI's `--repos` and
 * `--sources`), which scopes a Posit-Connect-style service token may hold, and deprecations.
 */
interface DefaultScopeFacts {
  description: string;
  resource: ResourceKind | null;
  /** Can be given to a Posit-Connect-style service token. */
  service: boolean;
  /** The scope to use instead, when this one is deprecated. */
  deprecatedBy?: ScopeName;
}

export const SCOPE_NAMES = [
  GLOBAL_ADMIN,
  ...(Object.keys(DEFAULT_CATALOGUE) as (keyof typeof DEFAULT_CATALOGUE)[]),
] as const;

export type ScopeName = typeof GLOBAL_ADMIN | keyof typeof DEFAULT_CATALOGUE;

const DEFAULT_FACTS: Readonly<Record<ScopeName, DefaultScopeFacts>> = {
  'global:admin': {
    description: 'Everything, including token management and audit',
    resource: null,
    service: false,
  },
  'identity:manage': {
    description: 'SCIM user and group provisioning (/scim/v2/*)',
    resource: null,
    service: true,
  },
  'nameservice:read': {
    description: 'Read user and group data from the name service (/nameservice/*)',
    resource: null,
    service: true,
  },
  'repos:read': {
    description: 'Read packages and metadata from the named repositories',
    resource: 'repos',
    service: false,
  },
  'sources:write': {
    description: 'Upload and remove packages in the named sources',
    resource: 'sources',
    service: false,
  },
  'sources:admin': {
    description: 'Administer the named sources',
    resource: 'sources',
    service: false,
  },
  'blocklist:read': { description: 'Read the blocklist', resource: null, service: false },
  'blocklist:admin': { description: 'Administer the blocklist', resource: null, service: false },
  'metadata:read': {
    description: 'Read package metadata (deprecated: repos:read grants it too)',
    resource: null,
    service: false,
    deprecatedBy: 'repos:read',
  },
  'metadata:admin': { description: 'Administer package metadata', resource: null, service: false },
};

export interface ScopeDefinition extends CatalogueScope, DefaultScopeFacts {}

/** The default catalogue with `global:admin` and the facts above: one entry per scope. */
export const SCOPES: Readonly<Record<ScopeName, ScopeDefinition>> = Object.fromEntries(
  SCOPE_NAMES.map((name) => [
    name,
    { ...(name === GLOBAL_ADMIN ? GLOBAL_ADMIN_SCOPE : DEFAULT_CATALOGUE[name]), ...DEFAULT_FACTS[name] },
  ]),
) as Record<ScopeName, ScopeDefinition>;

/** One scope of a deployment's catalogue, `global:admin` included, as the API and its clients see it. */
export interface ScopeEntry extends CatalogueScope {
  name: string;
  /** The default catalogue's longer text; a deployment's own scope is described by its label. */
  description: string;
  /** The default catalogue's kind of resource (the CLI's `--repos`, `--sources`); null otherwise. */
  resourceKind: ResourceKind | null;
  /** Can be given to a Posit-Connect-style service token. */
  service: boolean;
  deprecatedBy: string | undefined;
}

/**
 * The scopes of `catalogue`, `global:admin` first. The default catalogue brings its own facts; a
 * deployment's own catalogue has none of them: a service token may hold its scopes that take no
 * resources, and nothing is deprecated.
 */
export function scopeEntries(catalogue: Catalogue): readonly ScopeEntry[] {
  if (catalogue === DEFAULT_CATALOGUE) {
    return SCOPE_NAMES.map((name) => {
      const { description, resource, service, deprecatedBy } = SCOPES[name];
      const { label, resources, grants } = SCOPES[name];
      return { name, label, resources, grants, description, resourceKind: resource, service, deprecatedBy };
    });
  }
  return [[GLOBAL_ADMIN, GLOBAL_ADMIN_SCOPE] as const, ...Object.entries(catalogue)].map(([name, scope]) => ({
    name,
    label: scope.label,
    resources: scope.resources,
    grants: scope.grants,
    description: name === GLOBAL_ADMIN ? DEFAULT_FACTS[GLOBAL_ADMIN].description : scope.label,
    resourceKind: null,
    service: name !== GLOBAL_ADMIN && !scope.resources,
    deprecatedBy: undefined,
  }));
}

/** The default catalogue's scopes, worked out once. */
export const DEFAULT_SCOPE_ENTRIES: readonly ScopeEntry[] = scopeEntries(DEFAULT_CATALOGUE);

/**
 * A scope as held by a token: resource-limited scopes carry their resource names or `*`. The name is
 * kept as stored: a deployment may since have removed the scope from its catalogue, and then it
 * grants nothing but still shows.
 */
export interface ScopeGrant {
  scope: string;
  resources: string[] | null;
}

/** A resource name is one path segment, compared as a string: no wildcard or path characters. */
export const RESOURCE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function isScopeName(name: string): name is ScopeName {
  return Object.hasOwn(SCOPES, name);
}

export const SERVICE_SCOPE_NAMES: readonly ScopeName[] = SCOPE_NAMES.filter((name) => SCOPES[name].service);

/** What follows a grant's prefix: `/{resource}` and the rest, else a trailing `/*`. */
const RESOURCE_AND_BELOW = /\/\{resource\}.*/;
// Stryker disable next-line Regex: equivalent, `/*` only ever ends a grant's path
const BELOW = /\/\*$/;

/** The top-level path prefixes a catalogue's scopes protect: the example protected API of a deployment. */
export function protectedPrefixes(catalogue: Catalogue): readonly string[] {
  return [
    ...new Set(
      Object.values(catalogue)
        .flatMap((scope) => scope.grants)
        .map((grant) => grant.path.replace(RESOURCE_AND_BELOW, '').replace(BELOW, ''))
        .filter((prefix) => prefix !== ''),
    ),
  ];
}

/** The default catalogue's protected prefixes. */
export const PROTECTED_PREFIXES: readonly string[] = protectedPrefixes(DEFAULT_CATALOGUE);
