// A large scope catalogue as a team with a wide API would write one, and a token holding many of its
// scopes: for the tests and the benchmark that show such a catalogue reaching the functions and
// deciding as fast as the default one.
import type { Catalogue, CatalogueScope, ScopeGrant } from '#spec/scopes';

/**
 * `count` scopes over `count / 2` areas (`area0`, `area1`, ...): `areaN:read` (GET and HEAD on the
 * area's items, and its reports) and `areaN:write` (writes to the entries of its items, anything on
 * its settings). The even areas' items are named resources; the odd areas' are not.
 */
export function largeCatalogue(count = 200): Catalogue {
  const scopes: [string, CatalogueScope][] = [];
  for (let index = 0; scopes.length < count; index++) {
    const area = `area${index}`;
    const named = index % 2 === 0;
    const items = named ? `/${area}/{resource}` : `/${area}/items`;
    scopes.push([
      `${area}:read`,
      {
        label: `Area ${index}: Read`,
        resources: named,
        grants: [
          { methods: ['GET', 'HEAD'], path: `${items}/*` },
          { methods: ['GET'], path: `/${area}-reports/*` },
        ],
      },
    ]);
    scopes.push([
      `${area}:write`,
      {
        label: `Area ${index}: Write`,
        resources: named,
        grants: [
          { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], path: `${items}/entries/*` },
          { methods: ['*'], path: `/${area}-settings/*` },
        ],
      },
    ]);
  }
  return Object.fromEntries(scopes.slice(0, count));
}

/**
 * A token's scopes: `count` of the catalogue's, taken evenly across it; those with resources name
 * three (`r-0`, `r-1`, `r-2`).
 */
export function heldScopes(catalogue: Catalogue, count = 50): ScopeGrant[] {
  const names = Object.keys(catalogue);
  const step = Math.max(1, Math.floor(names.length / count));
  return Array.from({ length: count }, (_, index) => {
    const scope = names[index * step] as string;
    return { scope, resources: catalogue[scope]?.resources ? ['r-0', 'r-1', 'r-2'] : null };
  });
}

/**
 * A request that the last of `held` grants through its first grant, on its last resource: with
 * `largeCatalogue` and `heldScopes`, no other held scope grants it, so a matcher that tries the
 * scopes in order tries them all (the worst case).
 */
export function lastScopeRequest(
  catalogue: Catalogue,
  held: readonly ScopeGrant[],
): { method: string; path: string } {
  const last = held.at(-1);
  const grant = last && catalogue[last.scope]?.grants[0];
  if (!last || !grant) throw new Error('The token holds no scope of the catalogue');
  const path = grant.path.replace('{resource}', last.resources?.at(-1) ?? '').replace(/\/\*$/, '/x');
  return { method: grant.methods[0] === '*' ? 'GET' : (grant.methods[0] as string), path };
}
