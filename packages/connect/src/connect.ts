// Picks and builds the adapter for a forge. The apps turn their raw inputs (action inputs, CLI
// flags, webhook config) into ConnectOptions; this is the only place that knows which package
// serves which forge.
import { type Forge, type ForgeKind, InvalidInputError } from '@xrd/core';
import { createGiteaForge } from '@xrd/gitea';
import { createGitHubForge, type GitHubAppCredentials, type GitHubRetryOptions } from '@xrd/github';

export interface ConnectOptions {
  /** `github` (github.com and GHES), `gitea` or `forgejo`. */
  readonly kind: ForgeKind;
  /** REST API root: `https://api.github.com`, `https://HOST/api/v3`, `https://HOST/api/v1` (or the Gitea web root). */
  readonly apiUrl: string;
  readonly token?: string;
  /** GitHub only: the reference action's `user`, named in messages. */
  readonly user?: string;
  /** GitHub only: GitHub App credentials instead of a token. */
  readonly app?: GitHubAppCredentials;
  /** GitHub only: `X-GitHub-Api-Version`, e.g. `2026-03-10`. */
  readonly apiVersion?: string;
  /** The fetch both adapters send through (default `globalThis.fetch`); tests pass a mock. */
  readonly fetch?: typeof fetch;
  readonly userAgent?: string;
  /**
   * GitHub only: spacing between write requests (statuses, comments, dispatches), default 1 000 ms,
   * GitHub's advice against secondary rate limits. Gitea and Forgejo have no secondary rate limit and
   * write without spacing, so it is ignored there. Services that own their pacing, and tests against
   * a sped-up forge-sim, lower it.
   */
  readonly minWriteIntervalMs?: number;
  /** The longest one HTTP request may take, in ms (default 60 000), on every forge. */
  readonly requestTimeoutMs?: number;
  /** Bounds of the retries of reads (5xx, 429, rate limits), for both adapters. */
  readonly retry?: ConnectRetryOptions;
}

export interface ConnectRetryOptions {
  /** Retries after the first attempt. Default 3. */
  readonly retries?: number;
  /** First backoff when the forge gives no retry-after; doubled each time. Default 1 000. */
  readonly baseDelayMs?: number;
  /** The longest single wait accepted (a retry-after or a rate-limit reset). Default 60 000. */
  readonly maxWaitMs?: number;
}

const KINDS: readonly ForgeKind[] = ['github', 'gitea', 'forgejo'];

export function createForge(options: ConnectOptions): Forge {
  if (!KINDS.includes(options.kind)) {
    throw new InvalidInputError(
      `The forge kind "${String(options.kind)}" is not known; use github, gitea or forgejo.`,
      { input: 'kind' },
    );
  }
  if (!options.apiUrl || options.apiUrl.trim() === '') {
    throw new InvalidInputError(
      `No API URL was given for the ${options.kind} forge; pass one (e.g. ${exampleUrl(options.kind)}).`,
      { input: 'apiUrl' },
    );
  }
  for (const [name, value] of [
    ['minWriteIntervalMs', options.minWriteIntervalMs],
    ['requestTimeoutMs', options.requestTimeoutMs],
    ['retry.retries', options.retry?.retries],
    ['retry.baseDelayMs', options.retry?.baseDelayMs],
    ['retry.maxWaitMs', options.retry?.maxWaitMs],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new InvalidInputError(
        `${name} must be a number of 0 or more, got ${String(value)}; pass e.g. 1000 or leave it out.`,
        { input: name },
      );
    }
  }
  const retry = options.retry;
  if (options.kind === 'github') {
    return createGitHubForge({
      baseUrl: options.apiUrl.trim(),
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.user !== undefined ? { user: options.user } : {}),
      ...(options.app !== undefined ? { app: options.app } : {}),
      ...(options.apiVersion !== undefined ? { apiVersion: options.apiVersion } : {}),
      ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
      ...(options.userAgent !== undefined ? { userAgent: options.userAgent } : {}),
      ...(options.minWriteIntervalMs !== undefined ? { minWriteIntervalMs: options.minWriteIntervalMs } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(retry !== undefined ? { retry: retryBounds(retry) } : {}),
    });
  }
  if (options.app !== undefined) {
    throw new InvalidInputError(
      `GitHub App credentials do not work with ${options.kind}; pass a ${options.kind === 'forgejo' ? 'Forgejo' : 'Gitea'} access token instead.`,
      { input: 'app' },
    );
  }
  return createGiteaForge({
    baseUrl: options.apiUrl.trim(),
    // An explicit Forgejo is taken at its word; `gitea` names the family, and the adapter tells
    // Gitea from Forgejo by the server's version anyway.
    ...(options.kind === 'forgejo' ? { kind: 'forgejo' as const } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    ...(options.userAgent !== undefined ? { userAgent: options.userAgent } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(retry !== undefined ? { retry: retryBounds(retry) } : {}),
  });
}

/** Only the bounds that were given (exactOptionalPropertyTypes). */
function retryBounds(retry: ConnectRetryOptions): GitHubRetryOptions {
  return {
    ...(retry.retries !== undefined ? { retries: retry.retries } : {}),
    ...(retry.baseDelayMs !== undefined ? { baseDelayMs: retry.baseDelayMs } : {}),
    ...(retry.maxWaitMs !== undefined ? { maxWaitMs: retry.maxWaitMs } : {}),
  };
}

function exampleUrl(kind: ForgeKind): string {
  return kind === 'github' ? 'https://api.github.com' : 'https://git.example.com/api/v1';
}
