// The one place this adapter talks HTTP: undici Dispatcher in, parsed answers out. Reads are retried
// on 5xx, 429 and network errors (bounded, honouring `retry-after` / `x-ratelimit-reset`, stopping
// on ctx.signal) and sent conditionally when the server gave an ETag; writes are sent exactly once.
// Every answer is recorded on ctx.meter.
//
// Metering: Gitea and Forgejo have no primary API rate limit (unlike GitHub's 5 000/h), so there is
// nothing a 304 is "free" against; we still mark every answer `counted: true` except 304s so the
// numbers stay comparable with the GitHub adapter (a 304 costs the server next to nothing).
import {
  AbortedError,
  AuthError,
  type CallContext,
  ForgeHttpError,
  RateLimitedError,
  type RateLimitInfo,
  redact,
  type XrdError,
} from '@xrd/core';
import type { Dispatcher } from 'undici';
import type { GiteaUrls } from './urls.js';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryPolicy {
  /** Retries after the first attempt, for reads only. */
  readonly retries: number;
  /** First backoff when the server gives no retry-after. Doubles each time. */
  readonly baseDelayMs: number;
  /** Longest wait the adapter accepts; a longer retry-after ends the retries. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 1000, maxDelayMs: 60_000 };

export interface HttpClientOptions {
  readonly urls: GiteaUrls;
  readonly token: string | undefined;
  readonly dispatcher: Dispatcher;
  readonly userAgent: string;
  readonly retry: RetryPolicy;
  readonly sleep: Sleep;
  readonly now: () => number;
  /** Most URLs whose ETag and body are kept. */
  readonly cacheSize?: number;
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestSpec {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path under the API root, already percent-encoded, e.g. `/repos/a/b/actions/runs`. */
  readonly path: string;
  /** Route template for the meter, e.g. `/repos/{owner}/{repo}/actions/runs`. */
  readonly route: string;
  readonly query?: Query;
  readonly body?: unknown;
  /** `forgejo`: under `/api/forgejo/v1` instead of `/api/v1`. */
  readonly root?: 'api' | 'forgejo';
  /** How to read the answer body. Default `json`. */
  readonly responseType?: 'json' | 'text';
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Parsed JSON, text, or undefined for an empty body. */
  readonly body: unknown;
  /** True when the body came from the ETag cache after a 304. */
  readonly fromCache: boolean;
}

interface CacheEntry {
  readonly etag: string;
  readonly body: unknown;
}

/** Errors of the transport that prove the request never left this machine. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function errorCode(error: unknown): string | undefined {
  const own = (error as { code?: unknown } | null)?.code;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

/** True unless the error proves the request was never sent (refused connection, DNS, TLS). */
export function mayHaveBeenSent(error: unknown): boolean {
  const code = errorCode(error);
  return code === undefined || !NOT_SENT_CODES.has(code);
}

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #cacheSize: number;
  /** Whether any answer so far carried an ETag (reported in capabilities). */
  sawEtag = false;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    this.#cacheSize = options.cacheSize ?? 500;
  }

  /** The absolute URL of a path, for messages and the cache key. */
  url(spec: Pick<RequestSpec, 'path' | 'query' | 'root'>): URL {
    const { urls } = this.#options;
    const root = spec.root === 'forgejo' ? urls.forgejoApiRoot : urls.apiRoot;
    const url = new URL(root + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** Removes the token from any text bound for a message or a debug line. */
  redact(text: string): string {
    return redact(text, [this.#options.token]);
  }

  /**
   * A read: retried on 5xx / 429 / network errors, conditional when an ETag is known. Answers with
   * the final response whatever its status (callers map statuses to errors); throws only when no
   * answer came at all, or on a rate limit that outlasts the retry policy.
   */
  async read(spec: RequestSpec, ctx: CallContext = {}): Promise<HttpResponse> {
    const { retry } = this.#options;
    for (let attempt = 0; ; attempt++) {
      let response: HttpResponse;
      try {
        response = await this.#send(spec, ctx, true);
      } catch (error) {
        if (ctx.signal?.aborted || error instanceof AbortedError || attempt >= retry.retries) {
          throw this.#networkError(spec, error, false, ctx);
        }
        const delay = this.#backoff(attempt);
        ctx.debug?.(
          `${spec.method} ${spec.route} failed (${errorCode(error) ?? 'network error'}); retrying in ${delay} ms (retry ${attempt + 1} of ${retry.retries}).`,
        );
        await this.#options.sleep(delay, ctx.signal);
        continue;
      }
      const limited = isRateLimited(response);
      const retryable = response.status >= 500 || limited;
      if (!retryable) return response;
      const wait = this.#retryDelay(response, attempt);
      if (attempt >= retry.retries || wait > retry.maxDelayMs) {
        if (limited) {
          const retryAt = this.#options.now() + wait;
          throw new RateLimitedError(
            `${this.#options.urls.webRoot} is rate limiting requests (${response.status}); try again after ${new Date(retryAt).toISOString()}.`,
            { status: response.status, retryAt },
          );
        }
        return response;
      }
      ctx.debug?.(
        `${spec.method} ${spec.route} answered ${response.status}; retrying in ${wait} ms (retry ${attempt + 1} of ${retry.retries}).`,
      );
      await this.#options.sleep(wait, ctx.signal);
    }
  }

  /**
   * A write: sent exactly once. A transport failure after the request may have left rejects with
   * `ambiguous: true` (the server may have acted on it); callers decide what a status means.
   */
  async write(spec: RequestSpec, ctx: CallContext = {}): Promise<HttpResponse> {
    try {
      return await this.#send(spec, ctx, false);
    } catch (error) {
      throw this.#networkError(spec, error, mayHaveBeenSent(error), ctx);
    }
  }

  async #send(spec: RequestSpec, ctx: CallContext, conditional: boolean): Promise<HttpResponse> {
    if (ctx.signal?.aborted) throw new AbortedError();
    const url = this.url(spec);
    const key = url.href;
    const headers: Record<string, string> = {
      accept: spec.responseType === 'text' ? 'text/plain, */*' : 'application/json',
      'user-agent': this.#options.userAgent,
    };
    // Gitea's documented scheme is `Authorization: token …` (it also takes `Bearer`).
    if (this.#options.token) headers.authorization = `token ${this.#options.token}`;
    let payload: string | undefined;
    if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(spec.body);
    }
    const cached = conditional && spec.method === 'GET' ? this.#cache.get(key) : undefined;
    if (cached) headers['if-none-match'] = cached.etag;

    const res = await this.#options.dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: spec.method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const flat = flattenHeaders(res.headers);
    const text = await res.body.text();
    const notModified = res.statusCode === 304 && cached !== undefined;
    const rateLimit = rateLimitOf(flat);
    ctx.meter?.record({
      method: spec.method,
      route: spec.route,
      status: res.statusCode,
      counted: res.statusCode !== 304,
      notModified: res.statusCode === 304,
      ...(rateLimit ? { rateLimit } : {}),
    });
    if (notModified) {
      this.#touch(key, cached);
      return { status: 200, headers: flat, body: cached.body, fromCache: true };
    }
    const body = parseBody(text, spec.responseType ?? 'json', flat['content-type']);
    const etag = flat.etag;
    if (spec.method === 'GET' && res.statusCode === 200 && etag) {
      this.sawEtag = true;
      this.#touch(key, { etag, body });
    }
    return { status: res.statusCode, headers: flat, body, fromCache: false };
  }

  #touch(key: string, entry: CacheEntry): void {
    this.#cache.delete(key);
    this.#cache.set(key, entry);
    while (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
  }

  #backoff(attempt: number): number {
    const { baseDelayMs, maxDelayMs } = this.#options.retry;
    return Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
  }

  /** Milliseconds to wait before retrying this answer: the server's word first, then backoff. */
  #retryDelay(response: HttpResponse, attempt: number): number {
    const after = response.headers['retry-after'];
    if (after !== undefined) {
      const seconds = Number(after);
      if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
      const date = Date.parse(after);
      if (Number.isFinite(date)) return Math.max(0, date - this.#options.now());
    }
    const reset = Number(response.headers['x-ratelimit-reset']);
    if (response.headers['x-ratelimit-remaining'] === '0' && Number.isFinite(reset)) {
      return Math.max(0, reset * 1000 - this.#options.now());
    }
    return this.#backoff(attempt);
  }

  #networkError(spec: RequestSpec, error: unknown, ambiguous: boolean, ctx: CallContext): XrdError {
    if (error instanceof AbortedError) return error;
    if (
      ctx.signal?.aborted ||
      (error as { name?: string } | null)?.name === 'AbortError' ||
      errorCode(error) === 'UND_ERR_ABORTED'
    ) {
      return new AbortedError(undefined, { cause: error, ambiguous });
    }
    const code = errorCode(error);
    const detail = this.redact(error instanceof Error ? error.message : String(error));
    return new ForgeHttpError(
      `${spec.method} ${this.#options.urls.webRoot} ${spec.route} got no answer (${code ?? detail}); check that the server is reachable.`,
      { cause: error, ambiguous },
    );
  }
}

/**
 * Gitea itself has no API rate limit, but the proxy or gateway in front of it may have one: a 429,
 * or a 403 that carries `retry-after` or a spent `x-ratelimit-remaining` (GitHub-style gateways),
 * is a "wait", not a refusal.
 */
export function isRateLimited(response: HttpResponse): boolean {
  if (response.status === 429) return true;
  if (response.status !== 403) return false;
  return response.headers['retry-after'] !== undefined || response.headers['x-ratelimit-remaining'] === '0';
}

function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function parseBody(text: string, type: 'json' | 'text', contentType: string | undefined): unknown {
  if (type === 'text') return text;
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // Proxies answer errors in HTML; keep the text for the message rather than failing on it.
    return contentType?.includes('json') ? undefined : text;
  }
}

function rateLimitOf(headers: Readonly<Record<string, string | undefined>>): RateLimitInfo | undefined {
  const limit = Number(headers['x-ratelimit-limit']);
  const remaining = Number(headers['x-ratelimit-remaining']);
  const reset = Number(headers['x-ratelimit-reset']);
  if (![limit, remaining, reset].every(Number.isFinite) || headers['x-ratelimit-limit'] === undefined)
    return undefined;
  return { limit, remaining, resetAt: reset * 1000 };
}

/** The server's own explanation, if its error body has one (Gitea APIError `{message, url}`). */
export function serverMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().slice(0, 200) || undefined;
  const message = (body as { message?: unknown } | null)?.message;
  if (typeof message === 'string' && message.trim()) return message.trim().slice(0, 300);
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (Array.isArray(errors) && errors.length > 0) return errors.map(String).join('; ').slice(0, 300);
  return undefined;
}

/** The generic mapping of an unexpected status to an error, for reads and non-dispatch writes. */
export function statusError(
  client: HttpClient,
  response: HttpResponse,
  action: string,
  options: { readonly ambiguous?: boolean } = {},
): XrdError {
  const said = serverMessage(response.body);
  const suffix = said ? ` (server said: ${client.redact(said)})` : '';
  const status = response.status;
  if (status === 401) {
    return new AuthError(
      `The server refused the token (401) while ${action}${suffix}; check that the token is valid and not expired.`,
      { status },
    );
  }
  if (status === 403) {
    return new AuthError(
      `The token is not allowed to do this (403) while ${action}${suffix}; give it the needed scope (read:repository to read, write:repository to dispatch, comment or set statuses).`,
      { status },
    );
  }
  return new ForgeHttpError(`The server answered ${status} while ${action}${suffix}.`, {
    status,
    ambiguous: options.ambiguous ?? false,
  });
}
