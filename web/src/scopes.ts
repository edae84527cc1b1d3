// The Create Token dialog's Resource Type and Access Level, derived from the scope catalogue: a
// scope `<area>:<level>` belongs to the resource type of its area and offers that access level.
import { SCOPE_NAMES, SCOPES, type ScopeName } from '#spec/scopes';

export const RESOURCE_TYPES = [
  { label: 'All Resources', area: 'global' },
  { label: 'Repositories', area: 'repos' },
  { label: 'Sources', area: 'sources' },
  { label: 'Blocklist Rules', area: 'blocklist' },
  { label: 'Metadata', area: 'metadata' },
] as const;

export type ResourceTypeLabel = (typeof RESOURCE_TYPES)[number]['label'];

const LEVEL_LABELS: Record<string, string> = {
  read: 'Read',
  write: 'Write',
  admin: 'Admin',
  manage: 'Manage',
};

export interface AccessLevel {
  label: string;
  scope: ScopeName;
  /** Whether the scope takes resource names (Repositories, Sources). */
  takesResources: boolean;
  deprecatedBy: ScopeName | undefined;
}

/** The access levels a resource type offers, in the order Read, Write, Admin. */
export function accessLevels(type: ResourceTypeLabel): AccessLevel[] {
  const area = RESOURCE_TYPES.find((candidate) => candidate.label === type)?.area;
  const order = Object.keys(LEVEL_LABELS);
  return SCOPE_NAMES.filter((name) => name.split(':')[0] === area)
    .map((name) => {
      const level = name.split(':')[1] ?? '';
      return {
        label: LEVEL_LABELS[level] ?? level,
        scope: name,
        takesResources: SCOPES[name].resource !== null,
        deprecatedBy: SCOPES[name].deprecatedBy,
      };
    })
    .sort((a, b) => order.indexOf(a.label.toLowerCase()) - order.indexOf(b.label.toLowerCase()));
}

/** The areas of the Connect service-token scopes, which the Create Token dialog does not offer. */
const SERVICE_AREAS: Record<string, string> = { identity: 'Identity', nameservice: 'Name Service' };

/** How a granted scope reads in the list: `Repositories: Read (cran, bioc)`. */
export function scopeLabel(scope: string, resources: string[] | null): string {
  const [area = '', level] = scope.split(':');
  const type = RESOURCE_TYPES.find((candidate) => candidate.area === area)?.label ?? SERVICE_AREAS[area];
  const base = type && level && LEVEL_LABELS[level] ? `${type}: ${LEVEL_LABELS[level]}` : scope;
  if (!resources) return base;
  return `${base} (${resources.includes('*') ? 'all' : resources.join(', ')})`;
}
