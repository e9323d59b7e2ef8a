// The one transport under both adapters. It sends every request of a forge through the injected
// `fetch`, and is the ONE owner of retries (DESIGN.md "one transport, one retry owner"; the engine
// never retries a request itself):
//
// - reads (and idempotent writes) are retried on 5xx, rate limits and dropped connections — at most
//   `retries` more times, waiting the server's `retry-after` / `x-ratelimit-reset` or a doubling
//   backoff, and never past the caller's deadline (ctx.deadline) or `maxWaitMs` for one wait;
// - a write that is not idempotent is sent once (a dispatch: a lost answer may have started a run),
//   or retried only after a certain rejection (a comment: rate-limited, or never sent);
// - GETs are conditional: the ETag last seen per URL goes out as `If-None-Match`, and a 304 (free
//   on GitHub: "Best practices for using the REST API" → "Use conditional requests if appropriate")
//   is answered from the bounded cache as a 200, so callers never see the difference;
// - each request has its own deadline (fetch has none: Node waits 300 s for headers), capped by the
//   caller's overall deadline;
// - writes are spaced (`minWriteIntervalMs`; GitHub asks for a second between writes against
//   secondary limits), every answer is recorded on ctx.meter, and time comes from ctx.now/ctx.sleep
//   so tests run retries and waits on a virtual clock.
import type { CallContext } from '@xrd/core';
import { LruMap, abortError, sleep as realSleep } from '@xrd/core/kit';
import { TransportError, networkCode } from './network.js';
import { rateLimitInfo, rateLimitKind, retryAtOf } from './rate-limit.js';
import { serverMessage } from './server-message.js';

/**
 * - `safe`: reads and idempotent writes (a commit status, editing a comment, a cancel): retried on
 *   5xx, rate limits and lost connections.
 * - `rejections-only`: retried only when the server certainly did not act: a rate-limit answer, or a
 *   connection that was never made (creating a comment: a lost answer would post a second one).
 * - `never`: sent exactly once (the dispatch; core decides what an ambiguous failure means).
 */
export type RetryPolicy = 'safe' | 'rejections-only' | 'never';

export interface RetrySettings {
  /** Retries after the first attempt. Default 3 (so at most 4 requests). */
  readonly retries: number;
  /** First backoff when the server names no wait; doubled each retry. Default 1 000 ms. */
  readonly baseDelayMs: number;
  /** The longest single wait accepted (a retry-after, a rate-limit reset). Default 60 000 ms. */
  readonly maxWaitMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { retries: 3, baseDelayMs: 1_000, maxWaitMs: 60_000 };
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** A request cut short by the caller's deadline still gets this long: a last read must be possible. */
const MIN_REQUEST_MS = 1_000;

export interface TransportOptions {
  /** Default `globalThis.fetch`. Tests pass a mock; nothing is patched globally. */
  readonly fetch?: typeof fetch;
  readonly retry?: Partial<RetrySettings>;
  /** The longest one request may take. Default 60 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Spacing between the starts of two writes. Default 0. */
  readonly minWriteIntervalMs?: number;
  /** Most URLs whose ETag and body are kept. Default 500. */
  readonly cacheSize?: number;
}

export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  /** Route template for the meter: `GET /repos/{owner}/{repo}/actions/runs/{run_id}`. */
  readonly route: string;
  readonly retry: RetryPolicy;
  readonly headers?: ConstructorParameters<typeof Headers>[0];
  readonly body?: string;
  /** Send the cached ETag. Default: true for GET. */
  readonly conditional?: boolean;
  readonly redirect?: 'follow' | 'manual' | 'error';
  /** False for requests the forge does not count (a log download from blob storage). Default true. */
  readonly counted?: boolean;
}

/** What a caller building on the transport needs to describe one call; the rest comes per request. */
export type CallSettings = Pick<HttpRequest, 'route' | 'retry' | 'conditional' | 'redirect' | 'counted'>;

interface Cached {
  readonly etag: string;
  readonly body: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

// Headers that describe the transfer or the moment, not the cached representation.
const NOT_CACHED = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'date']);

export interface Transport {
  /**
   * Sends one request (with the retries its policy allows) and answers with the final response,
   * whatever its status; rejects with TransportError when no answer came, AbortedError on abort.
   */
  send(request: HttpRequest, ctx?: CallContext): Promise<Response>;
  /** A `fetch` bound to one call's settings and context, for clients that build requests themselves (Octokit). */
  fetchFor(settings: CallSettings, ctx?: CallContext): typeof fetch;
  /**
   * A GET of a URL outside the API — where the forge redirected a download to (blob storage, a signed
   * URL): sent without credentials (a signed URL needs none, and storage must not see the token),
   * not conditional, and recorded as not counted (GitHub does not count storage requests against
   * the rate limit). The body comes back as bytes; see `readBytes` for `maxBytes`.
   */
  download(url: string, options: DownloadOptions, ctx?: CallContext): Promise<Downloaded>;
}

export interface DownloadOptions {
  readonly retry: RetryPolicy;
  /** Most bytes read; beyond, the download stops and `tooLarge(maxBytes)` is thrown. */
  readonly maxBytes?: number;
  readonly tooLarge?: (maxBytes: number) => Error;
}

export interface Downloaded {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

/**
 * A response's body as bytes, at most `maxBytes`: a `content-length` beyond it is refused before
 * anything is read, and a body that grows beyond it is cancelled there (no more of it is read).
 */
export async function readBytes(
  response: Response,
  maxBytes: number | undefined,
  tooLarge: (maxBytes: number) => Error = (limit) => new Error(`The answer is larger than ${limit} bytes.`),
): Promise<Uint8Array> {
  if (maxBytes === undefined) return new Uint8Array(await response.arrayBuffer());
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(maxBytes);
  }
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export function createTransport(options: TransportOptions = {}): Transport {
  const retry: RetrySettings = { ...DEFAULT_RETRY, ...options.retry };
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const minWriteIntervalMs = options.minWriteIntervalMs ?? 0;
  const cache = new LruMap<string, Cached>(options.cacheSize ?? 500);
  const transport = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let writeQueue: Promise<void> = Promise.resolve();
  let nextWriteAt = 0;

  /** Waits for this write's turn, so write starts are `minWriteIntervalMs` apart. */
  async function writeTurn(ctx: CallContext): Promise<void> {
    if (minWriteIntervalMs <= 0) return;
    const now = ctx.now ?? Date.now;
    const turn = writeQueue.then(async () => {
      const wait = nextWriteAt - now();
      if (wait > 0) await (ctx.sleep ?? realSleep)(wait, ctx.signal);
      nextWriteAt = now() + minWriteIntervalMs;
    });
    writeQueue = turn.catch(() => undefined);
    await turn;
  }

  /** One exchange: conditional headers, the request deadline, metering, the cache. */
  async function exchange(request: HttpRequest, ctx: CallContext): Promise<Response> {
    const method = request.method.toUpperCase();
    const conditional = method === 'GET' && request.conditional !== false;
    const cached = conditional ? cache.get(request.url) : undefined;
    const headers = new Headers(request.headers);
    if (cached) headers.set('if-none-match', cached.etag);
    const now = (ctx.now ?? Date.now)();
    const timeoutMs = Math.min(
      requestTimeoutMs,
      ctx.deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(MIN_REQUEST_MS, ctx.deadline - now),
    );
    const deadline = requestDeadline(timeoutMs, ctx.signal);
    let response: Response;
    try {
      response = await transport(request.url, {
        method,
        headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        ...(request.redirect ? { redirect: request.redirect } : {}),
        signal: deadline.signal,
      });
    } catch (error) {
      deadline.release();
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      if (deadline.timedOut) {
        throw new TransportError(`no answer within ${timeoutMs} ms`, {
          cause: error,
          timedOut: true,
          timeoutMs,
        });
      }
      const code = networkCode(error);
      throw new TransportError(error instanceof Error ? error.message : String(error), {
        cause: error,
        ...(code !== undefined ? { code } : {}),
      });
    }
    const notModified = response.status === 304 && cached !== undefined;
    const rateLimit = rateLimitInfo(response.headers, (ctx.now ?? Date.now)());
    ctx.meter?.record({
      method,
      route: request.route,
      status: response.status,
      counted: !notModified && request.counted !== false,
      notModified,
      ...(rateLimit ? { rateLimit } : {}),
    });
    if (notModified) {
      deadline.release();
      // The cached representation, with the fresh rate-limit headers of the 304.
      const merged = new Headers(cached.headers as Array<[string, string]>);
      for (const [name, value] of response.headers) {
        if (name.startsWith('x-ratelimit-') || name === 'etag') merged.set(name, value);
      }
      return withUrl(new Response(cached.body, { status: 200, headers: merged }), request.url);
    }
    const etag = response.headers.get('etag');
    if (conditional && response.status === 200 && etag) {
      const body = await response.text().finally(deadline.release);
      const kept: Array<[string, string]> = [];
      for (const [name, value] of response.headers) {
        if (!NOT_CACHED.has(name)) kept.push([name, value]);
      }
      cache.set(request.url, { etag, body, headers: kept });
      return withUrl(new Response(body, { status: 200, headers: kept }), request.url);
    }
    return withUrl(deadline.covering(response), request.url);
  }

  /** How long to wait before asking again, or undefined when this answer is final. */
  async function retryWait(response: Response, policy: RetryPolicy, attempt: number, now: number) {
    if (policy === 'never') return undefined;
    const limited =
      response.status === 403 || response.status === 429
        ? rateLimitKind(response.status, response.headers, serverMessage(await peek(response)))
        : undefined;
    if (limited) return Math.max(0, (retryAtOf(limited, response.headers, now) ?? now) - now);
    if (policy !== 'safe' || response.status < 500) return undefined;
    const after = retryAtOf(undefined, response.headers, now);
    return after !== undefined ? after - now : backoff(attempt);
  }

  const backoff = (attempt: number): number => retry.baseDelayMs * 2 ** attempt;

  async function send(request: HttpRequest, ctx: CallContext = {}): Promise<Response> {
    const now = ctx.now ?? Date.now;
    const write = request.method.toUpperCase() !== 'GET';
    for (let attempt = 0; ; attempt++) {
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      if (write) await writeTurn(ctx);
      let wait: number | undefined;
      let why: string;
      try {
        const response = await exchange(request, ctx);
        wait = attempt < retry.retries ? await retryWait(response, request.retry, attempt, now()) : undefined;
        if (wait === undefined || !fits(wait, ctx, now())) return response;
        why = `answered ${response.status}`;
        await response.body?.cancel().catch(() => undefined);
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        const again =
          request.retry === 'safe'
            ? error.transient
            : request.retry === 'rejections-only' && error.sent === 'no';
        wait = again && attempt < retry.retries ? backoff(attempt) : undefined;
        if (wait === undefined || !fits(wait, ctx, now())) throw error;
        why = `got no answer (${error.code ?? error.message})`;
      }
      ctx.debug?.(
        `${request.route} ${why}; retry ${attempt + 1} of ${retry.retries} in ${Math.round(wait)} ms.`,
      );
      await (ctx.sleep ?? realSleep)(wait, ctx.signal);
    }
  }

  /** A wait is taken only within `maxWaitMs` and before the caller's deadline. */
  function fits(wait: number, ctx: CallContext, now: number): boolean {
    if (wait > retry.maxWaitMs) return false;
    return ctx.deadline === undefined || now + wait < ctx.deadline;
  }

  function fetchFor(settings: CallSettings, ctx: CallContext = {}): typeof fetch {
    const bound = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (init?.body !== undefined && init.body !== null && typeof init.body !== 'string') {
        throw new TypeError('The transport sends string bodies only.');
      }
      return send(
        {
          ...settings,
          method: init?.method ?? 'GET',
          url,
          ...(init?.headers !== undefined ? { headers: init.headers } : {}),
          ...(typeof init?.body === 'string' ? { body: init.body } : {}),
        },
        // The caller's signal (Octokit passes `request.signal` through) is already ctx.signal.
        ctx,
      );
    };
    return bound as typeof fetch;
  }

  async function download(url: string, options: DownloadOptions, ctx: CallContext = {}): Promise<Downloaded> {
    const response = await send(
      {
        method: 'GET',
        url,
        route: 'GET (blob storage download)',
        retry: options.retry,
        conditional: false,
        counted: false,
      },
      ctx,
    );
    const body = await readBytes(response, options.maxBytes, options.tooLarge);
    return { status: response.status, headers: response.headers, body };
  }

  return { send, fetchFor, download };
}

/** The body of an error answer, read without consuming the response. */
async function peek(response: Response): Promise<unknown> {
  const text = await response
    .clone()
    .text()
    .catch(() => '');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A response built here (from the cache) has no `url`; clients read it (Octokit's paginate parses it
 * on the last page), so it carries the URL that was asked for, as a fetched response would.
 */
function withUrl(response: Response, url: string): Response {
  if (response.url === '') Object.defineProperty(response, 'url', { value: url });
  return response;
}

interface RequestDeadline {
  readonly signal: AbortSignal;
  readonly timedOut: boolean;
  /** Ends the deadline: the timer and the listener on the caller's signal go at once. */
  release(): void;
  /** The response, whose body is still under the deadline; reading it to the end releases it. */
  covering(response: Response): Response;
}

/**
 * One request's deadline, joined with the caller's signal, that ends with the request. Not
 * `AbortSignal.timeout`: that timer lives on for the whole timeout after every request, with the
 * request's signal, listeners and state — measured in the webhook service as some 17 MB held for a
 * minute after 5,000 bridged runs. The body is read after `fetch` resolves, so the deadline covers
 * it too and ends once it is read (or cancelled).
 */
function requestDeadline(ms: number, caller: AbortSignal | undefined): RequestDeadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no complete answer within ${ms} ms`, 'TimeoutError'));
  }, ms);
  // The request's own socket keeps the process alive while it is under way; the timer must not.
  timer.unref?.();
  const onAbort = (): void => controller.abort(caller?.reason);
  if (caller?.aborted) onAbort();
  else caller?.addEventListener('abort', onAbort, { once: true });
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    clearTimeout(timer);
    caller?.removeEventListener('abort', onAbort);
  };
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    release,
    covering(response) {
      if (response.body === null) {
        release();
        return response;
      }
      // `cancel` (a body given up, e.g. before a retry) is a newer part of the Streams standard;
      // where Node lacks it the timer simply ends at the deadline.
      const transformer = { flush: release, cancel: release };
      const body = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>(transformer));
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    },
  };
}
