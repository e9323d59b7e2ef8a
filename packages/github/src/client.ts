// One Octokit (with plugin-throttling) per forge, and `call()`: every request of the adapter goes
// through it, with a per-call metered fetch, the caller's AbortSignal and the retry policy of the
// route. Reads are retried on 5xx / 429 / network errors with bounded backoff; rate limits (primary
// and secondary) are waited out by plugin-throttling's handlers below, abortably and bounded;
// the dispatch POST is never retried (DESIGN.md: a lost answer may still have started a run).

import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { AbortedError, type CallContext, type RepoRef, redact } from '@xrd/core';
import Bottleneck from 'bottleneck';
import { isNetworkError, isOctokitError, type OctokitErrorLike, serverMessage } from './errors.js';
import { createMeteredFetch, type EtagCache } from './metered-fetch.js';

/**
 * - `safe`: reads and idempotent writes; retried on 5xx, 429, network errors and rate limits.
 * - `rejections-only`: retried only after a certain rejection (a rate-limit 403/429): a comment POST.
 * - `never`: the dispatch POST.
 */
export type RetryPolicy = 'safe' | 'rejections-only' | 'never';

export interface CallSpec {
  /** Octokit route, also the meter's route: `GET /repos/{owner}/{repo}/actions/runs/{run_id}`. */
  readonly route: string;
  readonly params?: Record<string, unknown>;
  readonly repo?: RepoRef;
  readonly retry: RetryPolicy;
  /** Conditional GET through the ETag cache. Default true for GET. */
  readonly conditional?: boolean;
  readonly redirect?: 'follow' | 'manual';
}

export interface CallResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number | undefined>>;
  readonly data: unknown;
}

export interface ClientSettings {
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  readonly userAgent: string;
  readonly apiVersion: string | undefined;
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxWaitMs: number;
  readonly minWriteIntervalMs: number;
  readonly cache: EtagCache;
  readonly authorization: (repo: RepoRef | undefined) => Promise<string | undefined>;
  readonly secrets: () => readonly (string | undefined)[];
  /** Called with every response's headers (server version detection). */
  readonly onHeaders?: (headers: Readonly<Record<string, string | number | undefined>>) => void;
}

interface XrdRequestOptions {
  readonly signal?: AbortSignal;
  readonly xrdRetry?: RetryPolicy;
  readonly xrdDebug?: (message: string) => void;
}

/** Sleeps `ms`, rejecting with AbortedError when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const ThrottledOctokit = Octokit.plugin(throttling);
let instances = 0;

const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** A 403/429 that plugin-throttling itself handles (its own test, see wrap-request / index.js). */
function handledByThrottling(error: OctokitErrorLike): boolean {
  if (error.status !== 403 && error.status !== 429) return false;
  return (
    /\bsecondary rate\b/i.test(error.message) ||
    String(error.response?.headers['x-ratelimit-remaining']) === '0'
  );
}

export interface GitHubClient {
  call(spec: CallSpec, ctx?: CallContext): Promise<CallResponse>;
  /** Plain fetch through the meter, without credentials (the log download from blob storage). */
  download(url: string, route: string, ctx?: CallContext): Promise<Response>;
  /** An Octokit request function without throttling, for @octokit/auth-app. */
  readonly plainRequest: Octokit['request'];
}

export function createClient(settings: ClientSettings): GitHubClient {
  const debugLine = (ctx: CallContext | undefined, message: string) =>
    ctx?.debug?.(redact(message, settings.secrets()));

  // Secondary limits: plugin-throttling passes the `retry-after` (or 60 s); we wait here, abortably
  // and bounded, and tell the plugin to retry at once (retryAfterBaseValue 0).
  const secondaryLimitHandler = async (
    retryAfterSeconds: number,
    options: { method?: string; url?: string; request?: unknown },
    _octokit: unknown,
    retryCount: number,
  ): Promise<boolean> => {
    const request = (options.request ?? {}) as XrdRequestOptions;
    if (request.xrdRetry === 'never' || retryCount >= settings.retries) return false;
    const waitMs = Math.max(0, retryAfterSeconds * 1000);
    if (waitMs > settings.maxWaitMs) return false;
    request.xrdDebug?.(`secondary rate limit on ${options.method} ${options.url}; waiting ${waitMs} ms`);
    try {
      await sleep(waitMs, request.signal);
      return true;
    } catch {
      return false;
    }
  };
  // Primary limits are left to `call()`: the plugin only knows `x-ratelimit-reset`, while GitHub says
  // a `retry-after`, when present, takes precedence ("Rate limits for the REST API" → "Exceeding").
  const primaryLimitHandler = async (): Promise<boolean> => false;

  const common = {
    baseUrl: settings.baseUrl,
    userAgent: settings.userAgent,
    log: silentLog,
    request: { fetch: settings.fetch },
  };
  instances += 1;
  const octokit = new ThrottledOctokit({
    ...common,
    throttle: {
      // Limiters are keyed by id; one id per forge keeps one forge's writes from spacing another's.
      id: `xrd-github-${instances}`,
      // The handlers above wait (abortably); the plugin must not wait a second time.
      retryAfterBaseValue: 0,
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: settings.minWriteIntervalMs }),
      notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: settings.minWriteIntervalMs * 3 }),
      onRateLimit: primaryLimitHandler,
      onSecondaryRateLimit: secondaryLimitHandler,
    },
  });
  const plain = new Octokit(common);

  function retryDelay(error: unknown, attempt: number, policy: RetryPolicy): number | undefined {
    if (policy === 'never' || attempt >= settings.retries) return undefined;
    const backoff = settings.baseDelayMs * 2 ** attempt;
    if (isNetworkError(error)) return policy === 'safe' ? backoff : undefined;
    if (!isOctokitError(error) || !error.response) return undefined;
    const headers = error.response.headers;
    const retryAfter =
      headers['retry-after'] !== undefined && Number.isFinite(Number(headers['retry-after']))
        ? Number(headers['retry-after']) * 1000
        : undefined;
    const within = (ms: number) => (ms <= settings.maxWaitMs ? ms : undefined);
    if (handledByThrottling(error)) {
      // Secondary limits were already waited out by the plugin's handler.
      if (/\bsecondary rate\b/i.test(error.message)) return undefined;
      // A primary limit is a certain rejection: any policy but `never` may wait for it.
      if (retryAfter !== undefined) return within(retryAfter);
      const reset = Number(headers['x-ratelimit-reset']);
      if (!Number.isFinite(reset)) return undefined;
      return within(Math.max(0, reset * 1000 - Date.now()) + 1000);
    }
    if (policy !== 'safe') return undefined;
    if (error.status < 500 && error.status !== 429) return undefined;
    return retryAfter !== undefined ? within(retryAfter) : backoff;
  }

  async function call(spec: CallSpec, ctx?: CallContext): Promise<CallResponse> {
    const method = spec.route.split(' ', 1)[0] ?? 'GET';
    for (let attempt = 0; ; attempt++) {
      if (ctx?.signal?.aborted) throw new AbortedError();
      const authorization = await settings.authorization(spec.repo);
      const fetchForCall = createMeteredFetch({
        fetch: settings.fetch,
        method,
        route: spec.route,
        meter: ctx?.meter,
        cache: method === 'GET' && spec.conditional !== false ? settings.cache : undefined,
      });
      const request: XrdRequestOptions & Record<string, unknown> = {
        fetch: fetchForCall,
        xrdRetry: spec.retry,
        ...(ctx?.signal ? { signal: ctx.signal } : {}),
        ...(ctx?.debug ? { xrdDebug: (m: string) => debugLine(ctx, m) } : {}),
        ...(spec.redirect ? { redirect: spec.redirect } : {}),
      };
      try {
        const response = await octokit.request(spec.route, {
          ...spec.params,
          headers: {
            ...(authorization ? { authorization } : {}),
            ...(settings.apiVersion ? { 'x-github-api-version': settings.apiVersion } : {}),
          },
          request,
        });
        settings.onHeaders?.(response.headers);
        return { status: response.status, headers: response.headers, data: response.data };
      } catch (error) {
        if (isOctokitError(error) && error.response) settings.onHeaders?.(error.response.headers);
        if (ctx?.signal?.aborted) throw error;
        const delay = retryDelay(error, attempt, spec.retry);
        if (delay === undefined) throw error;
        const why =
          isOctokitError(error) && error.response
            ? `${error.status} ${serverMessage(error)}`
            : 'network error';
        debugLine(ctx, `${spec.route}: ${why}; retry ${attempt + 1}/${settings.retries} in ${delay} ms`);
        await sleep(delay, ctx?.signal);
      }
    }
  }

  async function download(url: string, route: string, ctx?: CallContext): Promise<Response> {
    const fetchForCall = createMeteredFetch({
      fetch: settings.fetch,
      method: 'GET',
      route,
      meter: ctx?.meter,
      cache: undefined,
      counted: false,
    });
    return fetchForCall(url, { ...(ctx?.signal ? { signal: ctx.signal } : {}) });
  }

  return { call, download, plainRequest: plain.request };
}
