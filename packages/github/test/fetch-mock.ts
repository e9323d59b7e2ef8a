// A fetch mock for unit tests: a queue of answers per "METHOD /path" and a log of every request.
// Passed to createGitHubForge({ fetch }); nothing global is patched.

export interface SeenRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: unknown;
}

export type Answer =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | ((request: SeenRequest) => Response | Promise<Response>)
  | Error;

export interface FetchMock {
  readonly fetch: typeof fetch;
  readonly requests: SeenRequest[];
  /** Queue answers for `METHOD /path` (path without query); the last one repeats. */
  on(key: string, ...answers: Answer[]): FetchMock;
  /** Requests to `METHOD /path`. */
  seen(key: string): SeenRequest[];
}

export function jsonResponse(status: number, body?: unknown, headers: Record<string, string> = {}): Response {
  if (status === 204 || status === 304 || body === undefined) return new Response(null, { status, headers });
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/**
 * What every answer of GitHub's API carries (docs "Troubleshooting the REST API": X-GitHub-Request-Id);
 * a function answer stands for another server and gets none.
 */
const GITHUB_HEADERS: Readonly<Record<string, string>> = { 'x-github-request-id': 'MOCK:0001' };

export function createFetchMock(): FetchMock {
  const routes = new Map<string, Answer[]>();
  const requests: SeenRequest[] = [];
  const keyOf = (method: string, url: URL) => `${method} ${url.pathname}`;

  const mockFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? 'GET').toUpperCase();
    const raw = init?.body;
    let body: unknown;
    if (typeof raw === 'string') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const seen: SeenRequest = { method, url, headers: new Headers(init?.headers), body };
    requests.push(seen);
    const key = keyOf(method, url);
    const queue = routes.get(key);
    if (!queue || queue.length === 0) {
      return jsonResponse(404, { message: `fetch mock: no answer for ${key}` }, GITHUB_HEADERS);
    }
    const answer = queue.length > 1 ? queue.shift()! : queue[0]!;
    if (answer instanceof Error) throw answer;
    if (typeof answer === 'function') return answer(seen);
    return jsonResponse(answer.status, answer.body, { ...GITHUB_HEADERS, ...answer.headers });
  };

  const mock: FetchMock = {
    fetch: mockFetch as typeof fetch,
    requests,
    on(key, ...answers) {
      routes.set(key, answers);
      return mock;
    },
    seen(key) {
      return requests.filter((r) => keyOf(r.method, r.url) === key);
    },
  };
  return mock;
}

/** A network error as undici raises it (`TypeError: fetch failed` with a coded cause). */
export function networkError(code: string): Error {
  return Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code }),
  });
}
