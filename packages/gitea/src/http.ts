// The Gitea adapter's requests: paths under the API root, the token, JSON in and out, on the one
// transport (@xrd/transport), which sends, retries, caches ETags, meters and bounds each request.
// Errors are classified by the one classification; this file and the forge only word them.
//
// Gitea and Forgejo have no API rate limit of their own (a proxy in front may have one), so a 304
// is not "free" against anything; the meter still records it as not counted, like on GitHub, so the
// numbers stay comparable.
import type { CallContext, XrdError } from '@xrd/core';
import {
  type Classified,
  type ForgeErrors,
  forgeErrors,
  type Purpose,
  type RetryPolicy,
  readBytes,
  type Transport,
} from '@xrd/transport';
import type { GiteaUrls } from './urls.js';

export type { Purpose };

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
  /** How to read the answer body. Default `json`. `bytes` answers a Uint8Array (an archive). */
  readonly responseType?: 'json' | 'text' | 'bytes';
  /** With `bytes`: most bytes read; beyond, `tooLarge(maxBytes)` is thrown and no more is read. */
  readonly maxBytes?: number;
  readonly tooLarge?: (maxBytes: number) => Error;
  /** `manual`: a redirect is answered as it is (a download's signed URL is then fetched without the token). */
  readonly redirect?: 'manual';
  /** Default: `safe` for GET, `never` for writes. */
  readonly retry?: RetryPolicy;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, text, or undefined for an empty body. */
  readonly body: unknown;
}

export interface GiteaHttpOptions {
  readonly urls: GiteaUrls;
  readonly token: string | undefined;
  readonly transport: Transport;
  readonly userAgent: string;
  /** `Gitea` or `Forgejo`, as detected so far. */
  readonly forgeName: () => string;
}

export class GiteaHttp {
  readonly #options: GiteaHttpOptions;
  readonly #errors: ForgeErrors;
  /** Whether any answer so far carried an ETag (reported in capabilities). */
  sawEtag = false;

  constructor(options: GiteaHttpOptions) {
    this.#options = options;
    this.#errors = forgeErrors({
      forge: options.forgeName,
      apiUrl: options.urls.apiRoot,
      secrets: () => [options.token],
      say: giteaWords,
    });
  }

  /** The absolute URL of a path. */
  url(spec: Pick<RequestSpec, 'path' | 'query' | 'root'>): URL {
    const { urls } = this.#options;
    const url = new URL((spec.root === 'forgejo' ? urls.forgejoApiRoot : urls.apiRoot) + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /**
   * Sends a request and answers with the response, whatever its status (callers decide what a status
   * means); rejects with the classified error when no answer came.
   */
  async send(spec: RequestSpec, purpose: Purpose, ctx: CallContext = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = {
      accept: spec.responseType === 'text' ? 'text/plain, */*' : 'application/json',
      'user-agent': this.#options.userAgent,
    };
    // Gitea's documented scheme is `Authorization: token …` (it also takes `Bearer`).
    if (this.#options.token) headers.authorization = `token ${this.#options.token}`;
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let content: string | Uint8Array;
    const bytes = spec.responseType === 'bytes';
    try {
      response = await this.#options.transport.send(
        {
          method: spec.method,
          url: this.url(spec).href,
          route: `${spec.method} ${spec.route}`,
          retry: spec.retry ?? (spec.method === 'GET' ? 'safe' : 'never'),
          headers,
          ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
          ...(spec.redirect ? { redirect: spec.redirect } : {}),
          ...(bytes ? { conditional: false } : {}),
        },
        ctx,
      );
      // An error answer is read as text whatever was asked for: it explains the failure.
      content =
        bytes && response.ok
          ? await readBytes(response, spec.maxBytes, spec.tooLarge)
          : await response.text();
    } catch (error) {
      throw this.#errors.failure(error, purpose);
    }
    if (spec.method === 'GET' && response.status === 200 && response.headers.has('etag')) this.sawEtag = true;
    return {
      status: response.status,
      headers: response.headers,
      body:
        typeof content === 'string'
          ? parseBody(
              content,
              spec.responseType === 'text' ? 'text' : 'json',
              response.headers.get('content-type') ?? undefined,
            )
          : content,
    };
  }

  /**
   * Follows a download's redirect: a GET of `url` without the token (a signed URL needs none, and a
   * storage server must not see it), as bytes, at most `maxBytes`.
   */
  async download(
    url: string,
    purpose: Purpose,
    ctx: CallContext,
    limit: { readonly maxBytes?: number; readonly tooLarge?: (maxBytes: number) => Error },
  ): Promise<HttpResponse> {
    try {
      const got = await this.#options.transport.download(url, { retry: 'safe', ...limit }, ctx);
      return { status: got.status, headers: got.headers, body: got.body };
    } catch (error) {
      throw this.#errors.failure(error, purpose);
    }
  }

  /** The error for an answer whose status the caller did not expect. */
  error(response: HttpResponse, purpose: Purpose, ctx: CallContext = {}): XrdError {
    return this.#errors.answer(response, purpose, (ctx.now ?? Date.now)());
  }
}

/** Gitea's token scopes name what a refused token lacks (docs: "Token scopes"). */
function giteaWords(c: Classified, generic: string): string | undefined {
  if (c.situation !== 'forbidden') return undefined;
  return generic.replace(
    /check the token's scopes or permissions\.$/,
    'give the token the scope it needs (read:repository to read, write:repository to dispatch, comment or set statuses).',
  );
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
