// GitHub answers → core errors with one sentence a user can act on. Every text passes through
// `redact`, so neither the token nor an app key can reach a message.
import {
  AbortedError,
  AuthError,
  DispatchRejectedError,
  ForgeHttpError,
  InvalidInputError,
  isXrdError,
  RateLimitedError,
  RunNotFoundError,
  redact,
  type XrdError,
} from '@xrd/core';

/** What Octokit throws (`@octokit/request-error`), duck-typed: we do not depend on that package. */
export interface OctokitErrorLike {
  readonly status: number;
  readonly message: string;
  readonly response?: {
    readonly headers: Readonly<Record<string, string | number | undefined>>;
    readonly data?: unknown;
  };
  readonly cause?: unknown;
}

export function isOctokitError(error: unknown): error is OctokitErrorLike {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { status?: unknown }).status === 'number' &&
    (error as { name?: unknown }).name === 'HttpError'
  );
}

export type OperationKind =
  | 'dispatch'
  | 'run'
  | 'list'
  | 'cancel'
  | 'status'
  | 'comment'
  | 'meta'
  | 'installation';

export interface ErrorContext {
  readonly kind: OperationKind;
  /** What was being done, as a verb phrase: "dispatch workflow build.yml in acme/target". */
  readonly action: string;
  /** A write whose effect is unknown after a 5xx or a lost answer. */
  readonly write: boolean;
  readonly secrets: readonly (string | undefined)[];
  readonly user?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly now?: () => number;
}

function header(error: OctokitErrorLike, name: string): string | undefined {
  const value = error.response?.headers[name];
  return value === undefined ? undefined : String(value);
}

/** The server's own message (`message` plus the first `errors[]` entry), without the docs link. */
export function serverMessage(error: OctokitErrorLike): string {
  const data = error.response?.data;
  if (typeof data === 'object' && data !== null) {
    const { message, errors } = data as { message?: unknown; errors?: unknown };
    const parts: string[] = [];
    if (typeof message === 'string' && message.trim()) parts.push(message.trim().replace(/\s+/g, ' '));
    if (Array.isArray(errors) && errors.length > 0) {
      const first = errors[0] as unknown;
      if (typeof first === 'string') parts.push(first);
      else if (typeof first === 'object' && first !== null) {
        const e = first as { message?: unknown; code?: unknown; field?: unknown };
        if (typeof e.message === 'string') parts.push(e.message);
        else if (typeof e.code === 'string')
          parts.push(`${e.code}${typeof e.field === 'string' ? ` ${e.field}` : ''}`);
      }
    }
    if (parts.length > 0) return parts.join(': ');
  }
  if (typeof data === 'string' && data.trim()) return data.trim().slice(0, 200);
  return error.message.replace(/ - https:\/\/docs\.github\.com\S*/, '');
}

/** A 403/429 that is a rate limit (primary: remaining 0; secondary: GitHub says so in the message). */
export function rateLimitKind(error: OctokitErrorLike): 'primary' | 'secondary' | undefined {
  if (error.status !== 403 && error.status !== 429) return undefined;
  if (/secondary rate limit/i.test(serverMessage(error))) return 'secondary';
  if (header(error, 'x-ratelimit-remaining') === '0') return 'primary';
  if (error.status === 429) return 'secondary';
  return undefined;
}

/** When requests may resume after a rate-limit answer (epoch ms). */
export function retryAtOf(error: OctokitErrorLike, now: number): number | undefined {
  const retryAfter = Number(header(error, 'retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter >= 0 && header(error, 'retry-after') !== undefined) {
    return now + retryAfter * 1000;
  }
  const reset = Number(header(error, 'x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0 && header(error, 'x-ratelimit-reset') !== undefined)
    return reset * 1000;
  return undefined;
}

// Connection errors that prove the request never left (nothing can have been applied).
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_INVALID_URL',
  'UND_ERR_INVALID_ARG',
]);

/** Walks an error's `cause` chain for a Node/undici error code. */
export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Octokit turns a fetch failure into a status-500 error without a response. */
export function isNetworkError(error: unknown): boolean {
  return isOctokitError(error) && error.response === undefined;
}

export function certainlyNotSent(error: unknown): boolean {
  const code = networkCode(error);
  return code !== undefined && NOT_SENT_CODES.has(code);
}

function formatPermissions(raw: string): string {
  // `X-Accepted-GitHub-Permissions: actions=write` — alternatives separated by `;`, a set by `,`.
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

function hint422(message: string, ref: string | undefined): string {
  if (/workflow_dispatch/i.test(message)) {
    return `add \`on: workflow_dispatch\` to the workflow${ref ? ` on ref ${ref}` : ''}`;
  }
  if (/no ref found|ref .*not found|unknown ref/i.test(message)) {
    return 'pass a branch or tag that exists in the target repository';
  }
  if (/input/i.test(message)) {
    return 'pass only inputs the workflow declares under `on.workflow_dispatch.inputs`, and every required one';
  }
  return 'fix the request as the message says';
}

/** Maps anything an Octokit call threw to an XrdError. */
export function toXrdError(
  error: unknown,
  ctx: ErrorContext & { readonly ref?: string | undefined },
): XrdError {
  const clean = (text: string) => redact(text, ctx.secrets);
  if (isXrdError(error)) return error;
  if (ctx.signal?.aborted || (error instanceof Error && error.name === 'AbortError')) {
    return new AbortedError(clean(`The operation was cancelled while trying to ${ctx.action}.`));
  }
  if (!isOctokitError(error) || error.response === undefined) {
    const reason = clean(
      isOctokitError(error) ? error.message : error instanceof Error ? error.message : String(error),
    );
    const notSent = certainlyNotSent(error);
    const ambiguous = ctx.write && !notSent;
    return new ForgeHttpError(
      clean(
        `Could not reach GitHub to ${ctx.action} (${reason})` +
          (ambiguous
            ? '; the request may have reached GitHub, so look for its effect before repeating it.'
            : '; check the API URL and the network.'),
      ),
      { cause: error, ambiguous },
    );
  }

  const status = error.status;
  const message = clean(serverMessage(error));
  const options = { cause: error, status };
  const limit = rateLimitKind(error);
  if (limit) {
    const now = (ctx.now ?? Date.now)();
    const retryAt = retryAtOf(error, now) ?? (limit === 'secondary' ? now + 60_000 : undefined);
    const when = retryAt === undefined ? 'later' : `after ${new Date(retryAt).toISOString()}`;
    return new RateLimitedError(
      limit === 'primary'
        ? `GitHub's API rate limit is exhausted, so xrd could not ${ctx.action}; retry ${when} or use a token with its own limit.`
        : `GitHub's secondary rate limit stopped xrd from trying to ${ctx.action}; retry ${when} and send fewer requests at once.`,
      retryAt === undefined ? options : { ...options, retryAt },
    );
  }
  if (status === 401) {
    const who = ctx.user ? ` for user ${ctx.user}` : '';
    return new AuthError(
      clean(
        `GitHub rejected the credentials${who} (401 ${message}) when trying to ${ctx.action}; check that the token is valid, not expired and meant for this server.`,
      ),
      options,
    );
  }
  if (status === 403) {
    const accepted = header(error, 'x-accepted-github-permissions');
    if (accepted) {
      return new AuthError(
        clean(
          `The token may not ${ctx.action}: it lacks the GitHub permission ${formatPermissions(accepted)}; grant it to the token (or app installation) or use another token.`,
        ),
        options,
      );
    }
    return new AuthError(
      clean(
        `GitHub refused to ${ctx.action} (403: ${message}); check the token's scopes or permissions and its SSO authorisation.`,
      ),
      options,
    );
  }
  if (status === 404) {
    if (ctx.kind === 'dispatch') {
      return new DispatchRejectedError(
        clean(
          `Repository or workflow not found, or the token cannot see it: could not ${ctx.action} (404); check the names and the token's repository access.`,
        ),
        options,
      );
    }
    if (ctx.kind === 'run' || ctx.kind === 'cancel') {
      return new RunNotFoundError(
        clean(
          `Not found, or the token cannot see it: could not ${ctx.action} (404); check the run id and the token's repository access.`,
        ),
        options,
      );
    }
    return new AuthError(
      clean(
        `Repository not found, or the token cannot see it: could not ${ctx.action} (404); check the name and the token's repository access.`,
      ),
      options,
    );
  }
  if (status === 422 || status === 400) {
    if (ctx.kind === 'dispatch') {
      return new DispatchRejectedError(
        clean(
          `GitHub rejected the request to ${ctx.action} (${status}: ${message}); ${hint422(message, ctx.ref)}.`,
        ),
        options,
      );
    }
    return new InvalidInputError(
      clean(
        `GitHub rejected the request to ${ctx.action} (${status}: ${message}); correct the value it names.`,
      ),
      options,
    );
  }
  const ambiguous = ctx.write && status >= 500;
  return new ForgeHttpError(
    clean(
      `GitHub answered ${status} (${message}) when trying to ${ctx.action}` +
        (ambiguous
          ? '; the request may still have been applied, so look for its effect before repeating it.'
          : status >= 500
            ? '; GitHub may be having trouble, try again later.'
            : '.'),
    ),
    { ...options, ambiguous },
  );
}
