// The fetch Octokit uses for one call: it records every response on the caller's meter and makes
// GETs conditional. GitHub does not count an authorised `304 Not Modified` against the primary rate
// limit (docs: "Best practices for using the REST API" → "Use conditional requests if appropriate"),
// so each GET sends the ETag last seen for its URL and a 304 is answered from the cache as a 200,
// which keeps Octokit (that throws on 304) unaware of the cache.
import type { RateLimitInfo, RequestMeter } from '@xrd/core';

interface CachedResponse {
  readonly etag: string;
  readonly body: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** ETags and bodies per URL, bounded (oldest entries dropped first). One per forge: one identity. */
export class EtagCache {
  readonly #entries = new Map<string, CachedResponse>();
  constructor(private readonly maxEntries = 500) {}

  get(url: string): CachedResponse | undefined {
    const entry = this.#entries.get(url);
    if (entry) {
      // Refresh recency: Map keeps insertion order, so re-inserting moves it to the end.
      this.#entries.delete(url);
      this.#entries.set(url, entry);
    }
    return entry;
  }

  set(url: string, entry: CachedResponse): void {
    this.#entries.delete(url);
    this.#entries.set(url, entry);
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Reads GitHub's `x-ratelimit-*` headers; undefined when a response carries none. */
export function parseRateLimit(headers: Headers): RateLimitInfo | undefined {
  const limit = Number(headers.get('x-ratelimit-limit'));
  const remaining = Number(headers.get('x-ratelimit-remaining'));
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (!headers.has('x-ratelimit-remaining') || !Number.isFinite(remaining)) return undefined;
  return {
    limit: Number.isFinite(limit) ? limit : 0,
    remaining,
    resetAt: Number.isFinite(reset) ? reset * 1000 : 0,
  };
}

// Headers that describe the transfer or the moment, not the cached representation.
const NOT_CACHED = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'date']);

export interface MeteredFetchOptions {
  readonly fetch: typeof fetch;
  readonly method: string;
  /** Route template for per-route accounting, e.g. `GET /repos/{owner}/{repo}/actions/runs/{run_id}`. */
  readonly route: string;
  readonly meter: RequestMeter | undefined;
  /** Present for conditional GETs. */
  readonly cache: EtagCache | undefined;
  /** False for requests the forge does not count (the log download from blob storage). */
  readonly counted?: boolean;
}

export function createMeteredFetch(options: MeteredFetchOptions): typeof fetch {
  const { method, route, meter, cache } = options;
  const meteredFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const cached = cache && method === 'GET' ? cache.get(url) : undefined;
    const headers = new Headers(init?.headers);
    if (cached) headers.set('if-none-match', cached.etag);
    const response = await options.fetch(url, { ...init, headers });
    const rateLimit = parseRateLimit(response.headers);
    const notModified = response.status === 304 && cached !== undefined;
    meter?.record({
      method,
      route,
      status: response.status,
      counted: !notModified && options.counted !== false,
      notModified,
      ...(rateLimit ? { rateLimit } : {}),
    });
    if (notModified) {
      // Fresh rate-limit headers from the 304 over the cached representation's headers.
      const merged = new Headers(cached.headers as Array<[string, string]>);
      for (const [name, value] of response.headers) {
        if (name.startsWith('x-ratelimit-') || name === 'etag') merged.set(name, value);
      }
      return new Response(cached.body, { status: 200, headers: merged });
    }
    const etag = response.headers.get('etag');
    if (cache && method === 'GET' && response.status === 200 && etag) {
      const body = await response.text();
      const kept: Array<[string, string]> = [];
      for (const [name, value] of response.headers) {
        if (!NOT_CACHED.has(name)) kept.push([name, value]);
      }
      cache.set(url, { etag, body, headers: kept });
      return new Response(body, { status: 200, headers: kept });
    }
    return response;
  };
  return meteredFetch as typeof fetch;
}
