// Route matching the way API Gateway REST APIs do it: the most specific resource whose path matches
// wins (literal segment over `{name}` over `{proxy+}`), then the method is looked up on that resource
// alone (its method, HEAD answered by a GET route, else ANY). A method missing on the winning
// resource is not tried on a less specific one: API Gateway answers such a request as an unknown
// route, and so do we.
import { type HttpMethod, methodsOf, type Route } from '#spec/routes';

type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'greedy'; name: string };

/** Lower ranks are more specific. */
const RANK: Record<Segment['kind'], number> = { literal: 0, param: 1, greedy: 2 };

export interface RouteMatch {
  route: Route;
  /** Decoded values, or null when the resource has no parameters (as API Gateway sends it). */
  pathParameters: Record<string, string> | null;
}

function parseResourcePath(path: string): Segment[] {
  return path
    .split('/')
    .slice(1)
    .map((part): Segment => {
      const greedy = /^\{(\w+)\+\}$/.exec(part);
      if (greedy?.[1]) return { kind: 'greedy', name: greedy[1] };
      const param = /^\{(\w+)\}$/.exec(part);
      if (param?.[1]) return { kind: 'param', name: param[1] };
      return { kind: 'literal', value: part };
    });
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a malformed escape is passed on as sent
  }
}

/** The path parameters if the request path (still percent-encoded) fits the resource, else null. */
function bind(resource: readonly Segment[], parts: readonly string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (const [index, segment] of resource.entries()) {
    const part = parts[index];
    if (segment.kind === 'greedy') {
      const rest = parts.slice(index).join('/');
      if (rest === '') return null; // `{proxy+}` takes at least one segment
      params[segment.name] = decode(rest);
      return params;
    }
    if (part === undefined) return null;
    if (segment.kind === 'literal') {
      if (part !== segment.value) return null;
    } else {
      if (part === '') return null;
      params[segment.name] = decode(part);
    }
  }
  return parts.length === resource.length ? params : null;
}

function moreSpecific(a: readonly Segment[], b: readonly Segment[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const rankA = RANK[(a[i] as Segment).kind];
    const rankB = RANK[(b[i] as Segment).kind];
    if (rankA !== rankB) return rankA < rankB;
  }
  return a.length > b.length;
}

export class RouteTable {
  private readonly resources: { path: string; segments: Segment[]; routes: Route[] }[] = [];

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      let resource = this.resources.find((candidate) => candidate.path === route.path);
      if (!resource) {
        resource = { path: route.path, segments: parseResourcePath(route.path), routes: [] };
        this.resources.push(resource);
      }
      resource.routes.push(route);
    }
  }

  /** `path` is the request path as sent, percent-encoded, without the query string. */
  match(method: string, path: string): RouteMatch | null {
    const parts = path.split('/').slice(1);
    let best: { segments: Segment[]; routes: Route[]; params: Record<string, string> } | undefined;
    for (const resource of this.resources) {
      const params = bind(resource.segments, parts);
      if (params && (!best || moreSpecific(resource.segments, best.segments))) {
        best = { segments: resource.segments, routes: resource.routes, params };
      }
    }
    if (!best) return null;
    const route =
      best.routes.find((candidate) => methodsOf(candidate).includes(method as HttpMethod)) ??
      best.routes.find((candidate) => candidate.method === 'ANY');
    if (!route) return null;
    return { route, pathParameters: Object.keys(best.params).length > 0 ? best.params : null };
  }
}
