// The one classification of a failed forge call — from the answer's status and headers, or from the
// network error — into an ErrorCode, the same on every forge (issue 13). Adapters decide only the
// words: what was being done, and, where the forge gives more to say, a sentence of their own.
import {
  AbortedError,
  AuthError,
  DispatchRejectedError,
  type ErrorCode,
  ForgeHttpError,
  InvalidInputError,
  RateLimitedError,
  RunNotFoundError,
  type XrdError,
  isXrdError,
  redact,
} from '@xrd/core';
import { TransportError, findTransportError } from './network.js';
import { type HeaderSource, type RateLimitKind, rateLimitKind, retryAtOf } from './rate-limit.js';
import { serverMessage } from './server-message.js';

/**
 * What the failed call was for; it decides what a 404 or a 400/422 means.
 * - `dispatch`: the dispatch, and reads made only to dispatch (the default branch): a 404 / 422 is a
 *   refused dispatch (missing repository, workflow or ref).
 * - `run`: a run, its jobs or logs, the run list: a 404 is a run that is not there.
 * - `report`: commit statuses and comments on the source: a 404 means the token cannot see it.
 * - `other`: anything else (server detection).
 */
export type OperationKind = 'dispatch' | 'run' | 'report' | 'other';

export interface Operation {
  readonly kind: OperationKind;
  /** A write: a failure after which the server may have acted is ambiguous. */
  readonly write: boolean;
}

export type Situation =
  | 'aborted'
  /** No connection: refused, no such host, no route, TLS failure. Certainly not sent. */
  | 'unreachable'
  /** Sent (or maybe sent), and the connection broke before an answer. */
  | 'no-answer'
  /** No answer within the request deadline. */
  | 'timeout'
  | 'rate-limited'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'rejected'
  | 'server-error'
  | 'unexpected';

export interface Classified {
  readonly situation: Situation;
  readonly code: ErrorCode;
  readonly ambiguous: boolean;
  readonly status?: number;
  readonly rateLimit?: RateLimitKind;
  /** When requests may resume (epoch ms), for a rate limit. */
  readonly retryAt?: number;
  /** The network error code (`ECONNREFUSED`, …) or `timeout`. */
  readonly network?: string;
  readonly tls?: boolean;
  readonly timeoutMs?: number;
}

const NOT_FOUND: Readonly<Record<OperationKind, ErrorCode>> = {
  dispatch: 'DISPATCH_REJECTED',
  run: 'RUN_NOT_FOUND',
  report: 'AUTH',
  other: 'FORGE_HTTP',
};

/** An answer with an error status. */
export function classifyAnswer(
  answer: { readonly status: number; readonly headers?: HeaderSource; readonly message?: string },
  op: Operation,
  now: number,
): Classified {
  const { status } = answer;
  const limit = rateLimitKind(status, answer.headers, answer.message);
  if (limit) {
    const retryAt = retryAtOf(limit, answer.headers, now);
    return {
      situation: 'rate-limited',
      code: 'RATE_LIMITED',
      ambiguous: false,
      status,
      rateLimit: limit,
      ...(retryAt !== undefined ? { retryAt } : {}),
    };
  }
  if (status === 401) return { situation: 'unauthorized', code: 'AUTH', ambiguous: false, status };
  if (status === 403) return { situation: 'forbidden', code: 'AUTH', ambiguous: false, status };
  if (status === 404) return { situation: 'not-found', code: NOT_FOUND[op.kind], ambiguous: false, status };
  if (status === 400 || status === 409 || status === 422) {
    const code = op.kind === 'dispatch' ? 'DISPATCH_REJECTED' : 'INVALID_INPUT';
    return { situation: 'rejected', code, ambiguous: false, status };
  }
  if (status >= 500) return { situation: 'server-error', code: 'FORGE_HTTP', ambiguous: op.write, status };
  // A 2xx/3xx the caller did not expect: on a write the server may well have acted.
  return { situation: 'unexpected', code: 'FORGE_HTTP', ambiguous: op.write && status < 400, status };
}

/** A call that got no answer (or was aborted). */
export function classifyFailure(error: unknown, op: Operation): Classified {
  const failure = findTransportError(error);
  if (!failure) return { situation: 'aborted', code: 'ABORTED', ambiguous: op.write };
  if (failure.timedOut) {
    return {
      situation: 'timeout',
      code: 'FORGE_HTTP',
      ambiguous: op.write,
      network: 'timeout',
      ...(failure.timeoutMs !== undefined ? { timeoutMs: failure.timeoutMs } : {}),
    };
  }
  const network = failure.code ?? 'network error';
  if (failure.sent === 'no') {
    return { situation: 'unreachable', code: 'FORGE_HTTP', ambiguous: false, network, tls: failure.tls };
  }
  return { situation: 'no-answer', code: 'FORGE_HTTP', ambiguous: op.write, network };
}

/** The words an adapter supplies for one failed call. */
export interface Wording {
  /** The forge as users know it: `GitHub`, `GHES`, `Gitea`, `Forgejo`. */
  readonly forge: string;
  /** The API root, named where the address itself may be the mistake (no answer, 404). */
  readonly apiUrl: string;
  /** What was being done, as a verb phrase: `dispatch workflow build.yml in acme/target at main`. */
  readonly action: string;
  /** The server's own message, if its answer had one. */
  readonly said?: string;
  /** Secrets that must not appear in the message. */
  readonly secrets?: readonly (string | undefined)[];
  /** A sentence of the adapter's own for a situation (replaces the generic one). */
  readonly say?: (c: Classified, generic: string) => string | undefined;
  readonly hint?: string;
}

const ABORTED_TEXT = (w: Wording) => `The operation was cancelled while trying to ${w.action}.`;

/** The generic sentence for a classified failure. */
export function describe(c: Classified, w: Wording): string {
  // "(404: Not Found)" inside parentheses; "answered 404 (Not Found)" after a verb.
  const status = c.status === undefined ? '' : `${c.status}${w.said ? `: ${w.said}` : ''}`;
  const answered = `answered ${c.status ?? 'nothing'}${w.said ? ` (${w.said})` : ''}`;
  switch (c.situation) {
    case 'aborted':
      return ABORTED_TEXT(w);
    case 'unreachable':
      return c.tls
        ? `Could not reach ${w.forge} at ${w.apiUrl} to ${w.action}: the TLS connection failed (${c.network}); check the URL's scheme and the server's certificate.`
        : `Could not reach ${w.forge} at ${w.apiUrl} to ${w.action} (${c.network}); check the API URL and the network.`;
    case 'no-answer':
    case 'timeout': {
      const what =
        c.situation === 'timeout'
          ? `did not answer within ${formatMs(c.timeoutMs ?? 0)}`
          : `dropped the connection (${c.network})`;
      return c.ambiguous
        ? `${w.forge} at ${w.apiUrl} ${what} when asked to ${w.action}; the request may have reached it, so look for its effect before repeating it.`
        : `${w.forge} at ${w.apiUrl} ${what} when asked to ${w.action}; check that the server is reachable, or try again later.`;
    }
    case 'rate-limited': {
      const when = c.retryAt === undefined ? 'later' : `after ${new Date(c.retryAt).toISOString()}`;
      return c.rateLimit === 'primary'
        ? `${w.forge}'s API rate limit is exhausted (${status}), so xrd could not ${w.action}; retry ${when} or use a token with its own limit.`
        : `${w.forge}'s secondary rate limit (${status}) stopped xrd from trying to ${w.action}; retry ${when} and send fewer requests at once.`;
    }
    case 'unauthorized':
      return `${w.forge} rejected the credentials (${status}) when asked to ${w.action}; check that the token is valid, not expired and meant for this server.`;
    case 'forbidden':
      return `${w.forge} refused to ${w.action} (${status}); check the token's scopes or permissions.`;
    case 'not-found':
      return `${w.forge} at ${w.apiUrl} ${answered} when asked to ${w.action}: it does not exist there or the token cannot see it; check the names, the API URL and the token's access.`;
    case 'rejected':
      return `${w.forge} rejected the request to ${w.action} (${status}); correct what it names.`;
    case 'server-error':
      return c.ambiguous
        ? `${w.forge} ${answered} when asked to ${w.action}; the request may still have been applied, so look for its effect before repeating it.`
        : `${w.forge} ${answered} when asked to ${w.action}, also after retrying; it may be having trouble, try again later.`;
    case 'unexpected':
      return `${w.forge} ${answered} when asked to ${w.action}, which xrd did not expect.`;
  }
}

/** The error for a classified failure: the code's class, the adapter's words, nothing secret. */
export function toForgeError(c: Classified, w: Wording, cause?: unknown): XrdError {
  const generic = describe(c, w);
  const message = redact(w.say?.(c, generic) ?? generic, w.secrets ?? []);
  const options = {
    ...(cause !== undefined ? { cause } : {}),
    ...(c.status !== undefined ? { status: c.status } : {}),
    ambiguous: c.ambiguous,
    ...(w.hint !== undefined ? { hint: redact(w.hint, w.secrets ?? []) } : {}),
  };
  switch (c.code) {
    case 'ABORTED':
      return new AbortedError(message, options);
    case 'RATE_LIMITED':
      return new RateLimitedError(message, {
        ...options,
        ...(c.retryAt !== undefined ? { retryAt: c.retryAt } : {}),
      });
    case 'AUTH':
      return new AuthError(message, options);
    case 'DISPATCH_REJECTED':
      return new DispatchRejectedError(message, options);
    case 'RUN_NOT_FOUND':
      return new RunNotFoundError(message, options);
    case 'INVALID_INPUT':
      return new InvalidInputError(message, options);
    default:
      return new ForgeHttpError(message, options);
  }
}

/**
 * The error for an answer whose status the caller did not expect: the server's own message read
 * from its body, the one classification, the adapter's words.
 */
export function answerError(
  answer: { readonly status: number; readonly headers?: HeaderSource; readonly body: unknown },
  op: Operation,
  wording: (said: string | undefined) => Wording,
  now: number,
  cause?: unknown,
): XrdError {
  const said = serverMessage(answer.body);
  const c = classifyAnswer(
    {
      status: answer.status,
      ...(answer.headers ? { headers: answer.headers } : {}),
      ...(said !== undefined ? { message: said } : {}),
    },
    op,
    now,
  );
  return toForgeError(c, wording(said), cause);
}

/** What one call is for, as an adapter describes it (the classification reads a 404 by `op`). */
export interface Purpose {
  readonly op: Operation;
  /** Verb phrase for messages: `read run 42 in acme/target`. */
  readonly action: string;
  /** Words of the adapter's own for a situation of this call (replacing the generic sentence). */
  readonly say?: (c: Classified, generic: string, said: string | undefined) => string | undefined;
  readonly hint?: string;
}

/** How an adapter names its forge in messages, and what it says beyond the generic sentences. */
export interface ForgeWords {
  /** `GitHub`, `GHES`, `Gitea`, `Forgejo` — as known so far. */
  readonly forge: () => string;
  readonly apiUrl: string;
  readonly secrets: () => readonly (string | undefined)[];
  /** The forge's own words for a situation: the call's action, and the answer when there was one. */
  readonly say?: (
    c: Classified,
    generic: string,
    call: { readonly action: string; readonly answer?: { readonly headers?: HeaderSource } },
  ) => string | undefined;
}

export interface ForgeErrors {
  /** The error for an answer whose status the caller did not expect. */
  answer(
    answer: { readonly status: number; readonly headers?: HeaderSource; readonly body: unknown },
    purpose: Purpose,
    now: number,
    cause?: unknown,
  ): XrdError;
  /** The error for a call that got no answer (or anything else it threw). */
  failure(error: unknown, purpose: Purpose): XrdError;
}

/** One adapter's errors: the one classification, worded the adapter's way. */
export function forgeErrors(words: ForgeWords): ForgeErrors {
  const wording = (
    purpose: Purpose,
    said: string | undefined,
    answer?: { headers?: HeaderSource },
  ): Wording => ({
    forge: words.forge(),
    apiUrl: words.apiUrl,
    action: purpose.action,
    ...(said !== undefined ? { said } : {}),
    secrets: words.secrets(),
    say: (c, generic) =>
      purpose.say?.(c, generic, said) ??
      words.say?.(c, generic, { action: purpose.action, ...(answer ? { answer } : {}) }),
    ...(purpose.hint !== undefined ? { hint: purpose.hint } : {}),
  });
  return {
    answer: (answer, purpose, now, cause) =>
      answerError(answer, purpose.op, (said) => wording(purpose, said, answer), now, cause),
    failure: (error, purpose) => failureError(error, purpose.op, wording(purpose, undefined)),
  };
}

/**
 * Any failure of a call (a thrown error, whatever threw it) as an XrdError: XrdErrors pass through,
 * an abort stays an abort, a missing answer is classified by the one rule.
 */
export function failureError(error: unknown, op: Operation, w: Wording): XrdError {
  const own = findXrdError(error);
  if (own) return own;
  if (!findTransportError(error) && !(error instanceof TransportError)) {
    const aborted = (error as { name?: unknown } | null)?.name === 'AbortError';
    if (!aborted) {
      const text = error instanceof Error ? error.message : String(error);
      return new ForgeHttpError(
        redact(`${w.forge} at ${w.apiUrl} could not be asked to ${w.action} (${text}).`, w.secrets ?? []),
        { cause: error, ambiguous: op.write },
      );
    }
  }
  return toForgeError(classifyFailure(error, op), w, error);
}

/** An XrdError in an error's `cause` chain (a client such as Octokit may wrap what the transport threw). */
function findXrdError(error: unknown): XrdError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    if (isXrdError(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `300 ms`, `60 s`. */
function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`;
}
