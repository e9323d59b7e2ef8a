// A tiny path router: routes are templates like `/repos/{owner}/{repo}/actions/runs/{run_id}`, matched
// segment by segment. The template doubles as the key of `byRoute` in GET /_sim/stats. A last segment
// `{name+}` takes the rest of the path, one or more segments (`/contents/{filepath+}` matches
// `/contents/.gitea/workflows/build.yml`); its stats key drops the `+`, as the forges' own docs write it.
import type { IncomingMessage } from 'node:http';
import type { Identity } from './sim.js';

export interface Reply {
  status: number;
  body?: unknown;
  /** A body already serialised to JSON (hot paths cache it per resource version). */
  json?: string;
  /** Sent as is (text/plain unless contentType says otherwise). */
  text?: string;
  /** Binary, sent as is (application/octet-stream unless contentType says otherwise). */
  bytes?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RequestContext {
  req: IncomingMessage;
  method: string;
  /** Path without the API prefix. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  rawBody: string;
  token: string | undefined;
  /** Who the request acts as (GitHub dialects' per-user budgets). */
  identity?: Identity | undefined;
  headers: IncomingMessage['headers'];
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

interface Route {
  method: string;
  template: string;
  segments: string[];
  handler: Handler;
}

export interface Match {
  route: { method: string; template: string };
  params: Record<string, string>;
  handler: Handler;
}

export class Router {
  private readonly byShape = new Map<string, Route[]>();
  /** Routes ending in `{name+}`, tried after the fixed-length ones. */
  private readonly rest: Route[] = [];

  add(method: string, template: string, handler: Handler): this {
    const segments = template.split('/').filter(Boolean);
    if (segments.at(-1)?.endsWith('+}')) {
      this.rest.push({ method, template: template.replace(/\+\}$/, '}'), segments, handler });
      return this;
    }
    const key = `${method} ${segments.length}`;
    const list = this.byShape.get(key) ?? [];
    list.push({ method, template, segments, handler });
    // Literal segments win over parameters (`/actions/runs/{id}` vs `/actions/{x}/{y}`).
    list.sort((a, b) => literalScore(b.segments) - literalScore(a.segments));
    this.byShape.set(key, list);
    return this;
  }

  match(method: string, path: string): Match | undefined {
    const parts = path.split('/').filter(Boolean);
    const list = this.byShape.get(`${method} ${parts.length}`);
    for (const route of list ?? []) {
      const params = matchSegments(route.segments, parts, parts.length);
      if (params) return { route, params, handler: route.handler };
    }
    for (const route of this.rest) {
      const fixed = route.segments.length - 1;
      if (route.method !== method || parts.length <= fixed) continue;
      const params = matchSegments(route.segments, parts, fixed);
      if (!params) continue;
      params[route.segments[fixed]!.slice(1, -2)] = parts.slice(fixed).map(decode).join('/');
      return { route, params, handler: route.handler };
    }
    return undefined;
  }

  /** True when some other method serves this path (GitHub answers 404 anyway; kept for tests). */
  hasPath(path: string): boolean {
    for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) if (this.match(method, path)) return true;
    return false;
  }
}

/** The parameters of the first `count` segments, or undefined when a literal segment differs. */
function matchSegments(
  segments: string[],
  parts: string[],
  count: number,
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const seg = segments[i]!;
    const part = parts[i]!;
    if (seg.charCodeAt(0) === 123 /* { */) params[seg.slice(1, -1)] = decode(part);
    else if (seg !== part) return undefined;
  }
  return params;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function literalScore(segments: string[]): number {
  return segments.filter((s) => !s.startsWith('{')).length;
}
