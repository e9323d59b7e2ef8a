// Options of createGitHubForge. The first block is the interface pinned in docs/architecture.md;
// `retry`, `minWriteIntervalMs` and `maxLogBytes` are additive tuning knobs (tests and forge-sim
// runs with a time scale shrink them alike).

/** GitHub App credentials: the adapter exchanges them for an installation token per target owner. */
export interface GitHubAppCredentials {
  readonly appId: number | string;
  /** PEM private key of the app. */
  readonly privateKey: string;
  /** When absent, looked up from the target repository (`GET /repos/{owner}/{repo}/installation`). */
  readonly installationId?: number;
}

/** Bounds for retrying reads (5xx, 429, secondary and primary rate limits). */
export interface GitHubRetryOptions {
  /** Retries after the first attempt. Default 3. */
  readonly retries?: number;
  /** First backoff for a 5xx / network error without `retry-after`; doubled each time. Default 1 000. */
  readonly baseDelayMs?: number;
  /**
   * The longest single wait the adapter accepts (a `retry-after` or a rate-limit reset). Beyond it the
   * call rejects with RateLimitedError carrying `retryAt`, and the caller (core) decides. Default 60 000.
   */
  readonly maxWaitMs?: number;
}

export interface GitHubForgeOptions {
  /** REST API root. Default `GITHUB_API_URL` or `https://api.github.com`; GHES: `https://HOST/api/v3`. */
  readonly baseUrl?: string;
  /** Any token: classic or fine-grained PAT, installation token, `GITHUB_TOKEN`. */
  readonly token?: string;
  /** The reference action's `user` (paired with `token` as its `pat`). Only named in messages. */
  readonly user?: string;
  readonly app?: GitHubAppCredentials;
  /** Sent as `X-GitHub-Api-Version`, e.g. `2026-03-10` (dispatch then always answers with the run). */
  readonly apiVersion?: string;
  /** Transport; default `globalThis.fetch`. Unit tests pass a mock, nothing is patched globally. */
  readonly fetch?: typeof fetch;
  readonly userAgent?: string;
  // --- additive tuning (not in docs/architecture.md) ---
  readonly retry?: GitHubRetryOptions;
  /**
   * Spacing between write requests (POST/PATCH), GitHub's advice against secondary rate limits
   * ("wait at least one second between each request", docs: best practices for using the REST API).
   * Default 1 000; comment creation uses three times this (plugin-throttling's notification spacing).
   */
  readonly minWriteIntervalMs?: number;
  /** Default size of a job-log tail when the caller gives none. Default 65 536 bytes. */
  readonly maxLogBytes?: number;
  /**
   * The longest one HTTP request may take, in ms. Default 60 000. fetch has no deadline of its own
   * (Node waits 300 s for headers, once per retry), so a server that accepts the connection and never
   * answers would hold every caller; a read that times out is retried like a network error, a
   * dispatch that times out is ambiguous (it may have been received).
   */
  readonly requestTimeoutMs?: number;
  /** Most URLs whose ETag and body are kept (conditional reads). Default 500. */
  readonly cacheSize?: number;
}
