// A scripted Gitea/Forgejo for unit tests: undici MockAgent interceptors that record each request.
import { MockAgent, fetch as undiciFetch } from 'undici';

export const ORIGIN = 'https://git.example.com';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface MockGitea {
  readonly agent: MockAgent;
  /** A fetch answered by the interceptors (what the adapter is given as its transport). */
  readonly fetch: typeof fetch;
  readonly requests: RecordedRequest[];
  /** Answers the next matching request (or `times` of them) with `reply`. */
  on(
    method: string,
    path: string | RegExp,
    reply: Reply | ((req: RecordedRequest) => Reply),
    times?: number,
  ): void;
  /** Makes the next matching request fail at the transport level. */
  fail(method: string, path: string | RegExp, error: Error): void;
  version(version: string): void;
  /** Paths requested, as `METHOD path`. */
  calls(): string[];
}

function headersOf(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i]).toLowerCase()] = String(raw[i + 1]);
  } else if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) out[k.toLowerCase()] = String(v);
  }
  return out;
}

export function mockGitea(origin = ORIGIN): MockGitea {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(origin);
  const requests: RecordedRequest[] = [];
  // undici's MockAgent may reorder query parameters, so a string path matches by pathname plus the
  // same set of parameters, in any order.
  const canonical = (path: string) => {
    const url = new URL(path, 'http://x');
    url.searchParams.sort();
    return url.pathname + url.search;
  };
  const match = (path: string | RegExp) => (actual: string) =>
    typeof path === 'string' ? canonical(actual) === canonical(path) : path.test(actual);
  const record = (opts: {
    method: string;
    path: string;
    headers?: unknown;
    body?: unknown;
  }): RecordedRequest => {
    let body: unknown;
    if (typeof opts.body === 'string' && opts.body !== '') body = JSON.parse(opts.body);
    const req = { method: opts.method, path: opts.path, headers: headersOf(opts.headers), body };
    requests.push(req);
    return req;
  };
  return {
    agent,
    fetch: ((input: string | URL | Request, init?: RequestInit) =>
      undiciFetch(
        input as never,
        { ...(init as object), dispatcher: agent } as never,
      )) as unknown as typeof fetch,
    requests,
    on(method, path, reply, times = 1) {
      pool
        .intercept({ method, path: match(path) })
        .reply((opts) => {
          const req = record(opts as never);
          const r = typeof reply === 'function' ? reply(req) : reply;
          const data =
            r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
          const json = typeof r.body !== 'string';
          return {
            statusCode: r.status,
            data,
            responseOptions: {
              headers: {
                ...(json ? { 'content-type': 'application/json' } : { 'content-type': 'text/plain' }),
                ...r.headers,
              },
            },
          };
        })
        .times(times);
    },
    fail(method, path, error) {
      pool.intercept({ method, path: match(path) }).replyWithError(error);
    },
    version(version) {
      this.on('GET', '/api/v1/version', { status: 200, body: { version } });
    },
    calls() {
      return requests.map((r) => `${r.method} ${r.path}`);
    },
  };
}
