// The Create Token dialog's Resource Type and Access Level, and how a token's scopes read, derived
// from the deployment's catalogue as `GET /v1/scopes` lists it: the label `Orders: Read` is the
// resource type `Orders` with the access level `Read`, in the catalogue's order.
import {
  type Catalogue,
  DEFAULT_CATALOGUE,
  GLOBAL_ADMIN,
  grantText,
  SERVICE_SCOPE_NAMES,
} from '#spec/scopes';
import type { CatalogueScope } from './api';

export interface AccessLevel {
  label: string;
  scope: string;
  /** Whether the scope names the resources it reaches: All Resources or Specific Resources. */
  takesResources: boolean;
  /** The default catalogue's kind of resource (`repos`, `sources`); null for a deployment's own. */
  resourceKind: CatalogueScope['resource_type'];
  /** The scope to use instead, with its label, when this one is deprecated. */
  deprecatedBy: { scope: string; label: string } | null;
}

export interface ResourceType {
  label: string;
  levels: AccessLevel[];
}

const SEPARATOR = ': ';

/**
 * A label's resource type and access level: `Orders: Read` is `Orders` and `Read`. A label without
 * `: ` is a resource type of its own, whose access level is the scope name's level (`read`).
 */
export function labelParts(scope: Pick<CatalogueScope, 'name' | 'label'>): { type: string; level: string } {
  const at = scope.label.lastIndexOf(SEPARATOR);
  const type = scope.label.slice(0, Math.max(at, 0)).trim();
  const level = scope.label.slice(at + SEPARATOR.length).trim();
  if (at > 0 && type && level) return { type, level };
  return { type: scope.label, level: scope.name.slice(scope.name.indexOf(':') + 1) };
}

/**
 * Whether `scope` is one of the default catalogue's Connect service scopes (`identity:manage`,
 * `nameservice:read`), name and grants alike: service tokens hold them, made over the
 * Connect-compatible API, so the dialog does not offer them. A deployment's own scope of the same
 * name that grants other paths is offered like any other.
 */
function isConnectServiceScope(scope: CatalogueScope): boolean {
  if (!(SERVICE_SCOPE_NAMES as readonly string[]).includes(scope.name)) return false;
  const grants = (DEFAULT_CATALOGUE as Catalogue)[scope.name]?.grants.map(grantText) ?? [];
  return grants.length === scope.grants.length && grants.every((grant, i) => grant === scope.grants[i]);
}

/** The dialog's resource types, each with its access levels, in the catalogue's order. */
export function resourceTypes(catalogue: readonly CatalogueScope[]): ResourceType[] {
  const types = new Map<string, AccessLevel[]>();
  for (const scope of catalogue) {
    if (isConnectServiceScope(scope)) continue;
    const { type, level } = labelParts(scope);
    const replacement = catalogue.find((candidate) => candidate.name === scope.deprecated_by);
    const levels = types.get(type) ?? [];
    levels.push({
      label: level,
      scope: scope.name,
      takesResources: scope.resources,
      resourceKind: scope.resource_type,
      deprecatedBy: scope.deprecated_by
        ? { scope: scope.deprecated_by, label: replacement?.label ?? scope.deprecated_by }
        : null,
    });
    types.set(type, levels);
  }
  return [...types].map(([label, levels]) => ({ label, levels }));
}

/** The resource type the dialog starts on: the first one after `global:admin`'s. */
export function firstResourceType(types: readonly ResourceType[]): ResourceType | undefined {
  return types.find((type) => !type.levels.some((level) => level.scope === GLOBAL_ADMIN)) ?? types[0];
}

export const UNKNOWN_SCOPE = 'unknown scope';

/**
 * A granted scope's label in the catalogue; a scope the catalogue no longer holds (it grants
 * nothing) is its name, unknown. While the catalogue loads, the name.
 */
export function readScope(
  catalogue: readonly CatalogueScope[] | null,
  scope: string,
): { label: string; unknown: boolean } {
  if (!catalogue) return { label: scope, unknown: false };
  const entry = catalogue.find((candidate) => candidate.name === scope);
  return entry ? { label: entry.label, unknown: false } : { label: scope, unknown: true };
}

/** How a granted scope reads in the list: `Repositories: Read (cran, bioc)`, `orders:export (unknown scope)`. */
export function scopeLabel(
  catalogue: readonly CatalogueScope[] | null,
  scope: string,
  resources: string[] | null,
): string {
  const { label, unknown } = readScope(catalogue, scope);
  if (unknown) return `${label} (${UNKNOWN_SCOPE})`;
  if (!resources) return label;
  return `${label} (${resources.includes('*') ? 'all' : resources.join(', ')})`;
}
