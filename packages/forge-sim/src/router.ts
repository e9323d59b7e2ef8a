// A tiny path router: routes are templates like `/repos/{owner}/{repo}/actions/runs/{run_id}`, matched
// segment by segment. The template doubles as the key of `byRoute` in GET /_sim/stats.
import type { IncomingMessage } from 'node:http';

export interface Reply {
  status: number;
  body?: unknown;
  /** A body already serialised to JSON (hot paths cache it per resource version). */
  json?: string;
  /** Sent as is (text/plain unless contentType says otherwise). */
  text?: string;
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

  add(method: string, template: string, handler: Handler): this {
    const segments = template.split('/').filter(Boolean);
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
    if (!list) return undefined;
    outer: for (const route of list) {
      const params: Record<string, string> = {};
      for (let i = 0; i < parts.length; i++) {
        const seg = route.segments[i]!;
        const part = parts[i]!;
        if (seg.charCodeAt(0) === 123 /* { */) {
          try {
            params[seg.slice(1, -1)] = decodeURIComponent(part);
          } catch {
            params[seg.slice(1, -1)] = part;
          }
        } else if (seg !== part) continue outer;
      }
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

function literalScore(segments: string[]): number {
  return segments.filter((s) => !s.startsWith('{')).length;
}
