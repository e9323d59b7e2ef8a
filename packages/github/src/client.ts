// Every request of the GitHub adapter: Octokit's typed routes and its paginate over the one
// transport (@xrd/transport). Octokit builds URLs and parses answers; the transport sends, retries,
// caches ETags, meters and bounds each request; errors are classified by the one classification and
// only worded here. No module-level state: each forge has its own client, transport and cache.

import { Octokit } from '@octokit/rest';
import type { Endpoints } from '@octokit/types';
import type { CallContext, RepoRef, XrdError } from '@xrd/core';
import {
  type CallSettings,
  forgeErrors,
  headerOf,
  type Purpose,
  type RetryPolicy,
  type Transport,
} from '@xrd/transport';

export type Route = keyof Endpoints;
type Params<R extends Route> = Omit<
  Endpoints[R]['parameters'],
  'headers' | 'request' | 'baseUrl' | 'mediaType'
>;

/** How one call is sent and, if it fails, explained. */
export interface Call extends Purpose {
  readonly retry: RetryPolicy;
  /** The repository the call is about (a GitHub App picks its installation by the owner). */
  readonly repo?: RepoRef;
  readonly conditional?: boolean;
  readonly redirect?: 'follow' | 'manual';
}

/** What Octokit throws for an answer (`@octokit/request-error`), duck-typed. */
export interface OctokitErrorLike {
  readonly name: string;
  readonly status: number;
  readonly message: string;
  readonly response?: {
    readonly headers: Readonly<Record<string, string | number | undefined>>;
    readonly data?: unknown;
  };
}

export function isAnswerError(error: unknown): error is OctokitErrorLike & { response: object } {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'HttpError' &&
    typeof (error as { status?: unknown }).status === 'number' &&
    (error as { response?: unknown }).response !== undefined
  );
}

export interface ClientSettings {
  readonly baseUrl: string;
  readonly transport: Transport;
  readonly userAgent: string;
  readonly apiVersion: string | undefined;
  /** `Authorization` for a call about `repo` (tokens, or a GitHub App's installation token). */
  readonly authorization: (repo: RepoRef | undefined) => Promise<string | undefined>;
  readonly secrets: () => readonly (string | undefined)[];
  /** `GitHub` or `GHES`, for messages. */
  readonly forgeName: () => string;
  /** The user of the reference action's `user` + `pat` pair, named when credentials are refused. */
  readonly user: string | undefined;
  /** Every answer's headers (GHES version detection). */
  readonly onHeaders?: (headers: Readonly<Record<string, string | number | undefined>>) => void;
}

export interface GitHubClient {
  request<R extends Route>(
    route: R,
    params: Params<R> & Record<string, unknown>,
    call: Call,
    ctx?: CallContext,
  ): Promise<Endpoints[R]['response']>;
  /** Every item of a paged list, at most `maxPages` pages of 100, through Octokit's paginate. */
  paginate<T>(
    route: Route,
    params: Record<string, unknown>,
    call: Call,
    ctx?: CallContext,
    maxPages?: number,
  ): Promise<T[]>;
  /**
   * A plain GET through the transport without credentials (a log or an artifact in blob storage),
   * as bytes; with `limit`, at most `limit.maxBytes` are read.
   */
  download(
    url: string,
    call: Call,
    ctx?: CallContext,
    limit?: { readonly maxBytes: number; readonly tooLarge: (maxBytes: number) => Error },
  ): Promise<Uint8Array>;
  /** The XrdError for anything a call threw. */
  errorOf(error: unknown, call: Call, ctx?: CallContext): XrdError;
  /** Octokit's request function on the transport, for @octokit/auth-app. */
  readonly plainRequest: Octokit['request'];
}

const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export function createClient(settings: ClientSettings): GitHubClient {
  const { transport } = settings;
  const octokit = new Octokit({
    baseUrl: settings.baseUrl,
    userAgent: settings.userAgent,
    log: silentLog,
    request: { fetch: transport.fetchFor({ route: 'GET (GitHub App authentication)', retry: 'safe' }) },
  });

  const errors = forgeErrors({
    forge: settings.forgeName,
    apiUrl: settings.baseUrl,
    secrets: settings.secrets,
    say: (c, generic, { action, answer }) => {
      if (c.situation === 'unauthorized' && settings.user) {
        return generic.replace(
          'rejected the credentials',
          `rejected the credentials for user ${settings.user}`,
        );
      }
      // Every answer of GitHub's API (github.com and GHES) carries X-GitHub-Request-Id (docs
      // "Troubleshooting the REST API"). A 404 without it came from another server, e.g. a Gitea
      // or Forgejo given as GitHub, whose own API the URL does not reach.
      if (c.situation === 'not-found' && answer && !headerOf(answer.headers, 'x-github-request-id')) {
        return `${generic.replace(/\.$/, '')}. ${settings.baseUrl} does not answer like GitHub (no X-GitHub-Request-Id header): if it is a Gitea or Forgejo server, give the forge as gitea or forgejo instead of github.`;
      }
      if (c.situation !== 'forbidden') return undefined;
      // GitHub names the permission a refused token lacks (docs: "X-Accepted-GitHub-Permissions").
      const accepted = headerOf(answer?.headers, 'x-accepted-github-permissions');
      if (accepted) {
        return `The token may not ${action}: it lacks the GitHub permission ${formatPermissions(accepted)}; grant it to the token (or app installation) or use another token.`;
      }
      // An organisation with SAML SSO refuses a token that was not authorised for it (403).
      return generic.replace(/permissions\.$/, 'permissions and its SSO authorisation.');
    },
  });

  function errorOf(error: unknown, call: Call, ctx?: CallContext): XrdError {
    if (isAnswerError(error)) {
      settings.onHeaders?.(error.response.headers);
      return errors.answer(
        { status: error.status, headers: error.response.headers, body: error.response.data },
        call,
        (ctx?.now ?? Date.now)(),
        error,
      );
    }
    return errors.failure(error, call);
  }

  async function options(route: string, call: Call, ctx: CallContext | undefined) {
    const authorization = await settings.authorization(call.repo);
    const settingsForCall: CallSettings = {
      route,
      retry: call.retry,
      ...(call.conditional !== undefined ? { conditional: call.conditional } : {}),
      ...(call.redirect !== undefined ? { redirect: call.redirect } : {}),
    };
    return {
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(settings.apiVersion ? { 'x-github-api-version': settings.apiVersion } : {}),
      },
      request: {
        fetch: transport.fetchFor(settingsForCall, ctx),
        ...(ctx?.signal ? { signal: ctx.signal } : {}),
        ...(call.redirect ? { redirect: call.redirect } : {}),
      },
    };
  }

  return {
    async request(route, params, call, ctx) {
      try {
        const response = await octokit.request(route, {
          ...params,
          ...(await options(route, call, ctx)),
        } as never);
        settings.onHeaders?.(response.headers);
        return response as never;
      } catch (error) {
        throw errorOf(error, call, ctx);
      }
    },

    async paginate<T>(
      route: Route,
      params: Record<string, unknown>,
      call: Call,
      ctx?: CallContext,
      maxPages = 10,
    ) {
      const items: T[] = [];
      try {
        // paginate's iterator sends only method, url and headers on to the request function it is
        // given, so the call's fetch and signal go into a request function of its own.
        const request = octokit.request.defaults(await options(route, call, ctx));
        const [method, url] = route.split(' ');
        let pages = 0;
        for await (const page of octokit.paginate.iterator(
          request as never,
          { per_page: 100, ...params, method, url } as never,
        )) {
          items.push(...((page as { data: T[] }).data ?? []));
          if (++pages >= maxPages) break;
        }
      } catch (error) {
        throw errorOf(error, call, ctx);
      }
      return items;
    },

    async download(url, call, ctx, limit) {
      try {
        const got = await transport.download(url, { retry: call.retry, ...limit }, ctx);
        if (got.status < 200 || got.status >= 300) {
          throw errors.answer(
            { status: got.status, headers: got.headers, body: Buffer.from(got.body).toString('utf8') },
            call,
            (ctx?.now ?? Date.now)(),
          );
        }
        return got.body;
      } catch (error) {
        throw errorOf(error, call, ctx);
      }
    },

    errorOf,
    plainRequest: octokit.request,
  };
}

/** `X-Accepted-GitHub-Permissions: actions=write` — alternatives separated by `;`, a set by `,`. */
function formatPermissions(raw: string): string {
  const sets = raw
    .split(';')
    .map((set) => set.trim())
    .filter(Boolean)
    .map((set) =>
      set
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
        .join(' and '),
    );
  return sets.length > 1 ? `one of ${sets.map((s) => `"${s}"`).join(', ')}` : `"${sets[0] ?? raw}"`;
}
