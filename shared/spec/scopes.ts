// The scope catalogue (CONTRACT section 3): what each scope grants. The authorizer's decisions, the
// API's validation, the CDK stack's example routes, the local gateway and the docs all read this.

export type ResourceKind = 'repos' | 'sources';

/** A path pattern: a literal prefix, `{resource}` for one named resource, and `/*` for "this and below". */
export interface Grant {
  method: 'GET' | '*';
  path: string;
}

export interface ScopeDefinition {
  description: string;
  /** Scopes limited to named resources take a list of names, or `*` for all of them. */
  resource: ResourceKind | null;
  grants: readonly Grant[];
  /** Can be given to a Posit-Connect-style service token. */
  service: boolean;
  /** The scope to use instead, when this one is deprecated. */
  deprecatedBy?: ScopeName;
}

export const SCOPE_NAMES = [
  'global:admin',
  'identity:manage',
  'nameservice:read',
  'repos:read',
  'sources:write',
  'sources:admin',
  'blocklist:read',
  'blocklist:admin',
  'metadata:read',
  'metadata:admin',
] as const;

export type ScopeName = (typeof SCOPE_NAMES)[number];

export const SCOPES: Readonly<Record<ScopeName, ScopeDefinition>> = {
  'global:admin': {
    description: 'Everything, including token management and audit',
    resource: null,
    grants: [{ method: '*', path: '/*' }],
    service: false,
  },
  'identity:manage': {
    description: 'SCIM user and group provisioning (/scim/v2/*)',
    resource: null,
    grants: [{ method: '*', path: '/scim/v2/*' }],
    service: true,
  },
  'nameservice:read': {
    description: 'Read user and group data from the name service (/nameservice/*)',
    resource: null,
    grants: [{ method: 'GET', path: '/nameservice/*' }],
    service: true,
  },
  'repos:read': {
    description: 'Read packages and metadata from the named repositories',
    resource: 'repos',
    grants: [
      { method: 'GET', path: '/repos/{resource}/*' },
      { method: 'GET', path: '/metadata/*' },
    ],
    service: false,
  },
  'sources:write': {
    description: 'Upload and remove packages in the named sources',
    resource: 'sources',
    grants: [{ method: '*', path: '/sources/{resource}/packages/*' }],
    service: false,
  },
  'sources:admin': {
    description: 'Administer the named sources',
    resource: 'sources',
    grants: [{ method: '*', path: '/sources/{resource}/*' }],
    service: false,
  },
  'blocklist:read': {
    description: 'Read the blocklist',
    resource: null,
    grants: [{ method: 'GET', path: '/blocklist/*' }],
    service: false,
  },
  'blocklist:admin': {
    description: 'Administer the blocklist',
    resource: null,
    grants: [{ method: '*', path: '/blocklist/*' }],
    service: false,
  },
  'metadata:read': {
    description: 'Read package metadata (deprecated: repos:read grants it too)',
    resource: null,
    grants: [{ method: 'GET', path: '/metadata/*' }],
    service: false,
    deprecatedBy: 'repos:read',
  },
  'metadata:admin': {
    description: 'Administer package metadata',
    resource: null,
    grants: [{ method: '*', path: '/metadata/*' }],
    service: false,
  },
};

/** A scope as held by a token: resource-limited scopes carry their resource names or `*`. */
export interface ScopeGrant {
  scope: ScopeName;
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

/** The top-level path segments the scopes protect: the example protected API of the deployment. */
export const PROTECTED_PREFIXES: readonly string[] = [
  ...new Set(
    SCOPE_NAMES.flatMap((name) => SCOPES[name].grants)
      .map((grant) => grant.path.replace(RESOURCE_AND_BELOW, '').replace(BELOW, ''))
      .filter((prefix) => prefix !== ''),
  ),
];
