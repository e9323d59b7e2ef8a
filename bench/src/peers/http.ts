// The plain HTTP client the peer models use: it sends what a peer sends (its auth scheme, its
// headers), keeps an ETag cache only for the peer that has one (await-remote-run v3), and counts
// requests and 304s. forge-sim's own counters stay the authoritative cost; these are the peer's view.

export interface PeerHttpOptions {
  readonly token: string;
  /**
   * `basic` (`user:pat`, the reference cross-repo-dispatch), `token` (`token <pat>`: Octokit, Gitea's
   * own scheme) or `bearer` (curl with `Authorization: Bearer`, convictional).
   */
  readonly auth: 'basic' | 'token' | 'bearer';
  /** Keep the ETag of every 200 GET and send it back as If-None-Match; a 304 replays the body. */
  readonly conditional?: boolean;
  readonly signal?: AbortSignal | undefined;
}

export interface PeerAnswer {
  readonly status: number;
  readonly json: unknown;
  readonly headers: Headers;
}

export class PeerHttp {
  requests = 0;
  notModified = 0;
  readonly #options: PeerHttpOptions;
  readonly #cache = new Map<string, { etag: string; text: string }>();

  constructor(options: PeerHttpOptions) {
    this.#options = options;
  }

  async call(
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<PeerAnswer> {
    const o = this.#options;
    const all: Record<string, string> = {
      accept: 'application/vnd.github+json',
      authorization:
        o.auth === 'basic'
          ? `Basic ${Buffer.from(`bench:${o.token}`).toString('base64')}`
          : `${o.auth === 'bearer' ? 'Bearer' : 'token'} ${o.token}`,
      ...headers,
    };
    if (body !== undefined) all['content-type'] = 'application/json';
    const cached = o.conditional && method === 'GET' ? this.#cache.get(url) : undefined;
    if (cached) all['if-none-match'] = cached.etag;
    this.requests += 1;
    const response = await fetch(url, {
      method,
      headers: all,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    let text = await response.text();
    let status = response.status;
    if (status === 304 && cached) {
      this.notModified += 1;
      text = cached.text;
      status = 200;
    } else if (o.conditional && method === 'GET' && status === 200) {
      const etag = response.headers.get('etag');
      if (etag) this.#cache.set(url, { etag, text });
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status, json, headers: response.headers };
  }
}

/** What one run of a peer tool ended with. */
export interface PeerOutcome {
  readonly found: boolean;
  readonly timedOut: boolean;
  readonly runId?: number;
  readonly conclusion?: string | null;
  /** Requests the peer sent, 304s included (forge-sim's stats are the authoritative count). */
  readonly requests: number;
  readonly notModified: number;
}

/** Settings every peer model takes. */
export interface PeerOptions {
  readonly apiUrl: string;
  readonly owner: string;
  readonly repo: string;
  readonly ref: string;
  readonly token: string;
  /** The client's clock and sleep (scaled in the bench, like xrd's). */
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly signal?: AbortSignal;
  /** How long the peer waits for the run before giving up (its timeout input). */
  readonly timeoutMs: number;
}

export function repoBase(o: Pick<PeerOptions, 'apiUrl' | 'owner' | 'repo'>): string {
  return `${o.apiUrl.replace(/\/$/, '')}/repos/${o.owner}/${o.repo}`;
}

export function outcomeOf(
  http: readonly PeerHttp[],
  result: Omit<PeerOutcome, 'requests' | 'notModified'>,
): PeerOutcome {
  return {
    ...result,
    requests: http.reduce((sum, h) => sum + h.requests, 0),
    notModified: http.reduce((sum, h) => sum + h.notModified, 0),
  };
}

export interface RunSummary {
  readonly id: number;
  readonly status?: string;
  readonly conclusion?: string | null;
}

export interface JobSummary {
  readonly status?: string;
  readonly steps?: ReadonlyArray<{ readonly name?: string }>;
}

/** GitHub `{jobs}`, Gitea `{jobs}` / `{workflow_jobs}`, Forgejo a bare array. */
export function jobsOf(json: unknown): JobSummary[] {
  const body = json as { jobs?: JobSummary[]; workflow_jobs?: JobSummary[] } | JobSummary[] | undefined;
  return Array.isArray(body) ? body : (body?.jobs ?? body?.workflow_jobs ?? []);
}
