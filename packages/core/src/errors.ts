// Typed errors with stable codes. Each app maps codes to behaviour (exit code, HTTP status, step
// failure) in exactly one place. Messages are one sentence a user can act on; they never contain a
// token (adapters pass everything they put in a message through `redact`).

export type ErrorCode =
  | 'DISPATCH_REJECTED'
  | 'UNSUPPORTED_BY_SERVER'
  | 'RUN_NOT_FOUND'
  | 'RUN_TIMEOUT'
  | 'RUN_FAILED'
  | 'RATE_LIMITED'
  | 'AUTH'
  | 'INVALID_INPUT'
  | 'FORGE_HTTP'
  | 'ABORTED'
  | 'ARTIFACT';

export interface XrdErrorOptions {
  readonly cause?: unknown;
  /** HTTP status of the forge answer behind this error, if any. */
  readonly status?: number;
  /** True when a write may have reached the server although it failed (lost answer, 5xx, timeout). */
  readonly ambiguous?: boolean;
  /** A short suggestion of what to do next, shown after the message. */
  readonly hint?: string;
}

export class XrdError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly ambiguous: boolean;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: XrdErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status;
    this.ambiguous = options.ambiguous ?? false;
    this.hint = options.hint;
  }
}

/** The forge refused the dispatch (404 unknown repo/workflow, 422 no trigger / bad ref / bad inputs). */
export class DispatchRejectedError extends XrdError {
  constructor(message: string, options: XrdErrorOptions = {}) {
    super('DISPATCH_REJECTED', message, options);
  }
}

/** The server lacks a feature the request needs (e.g. repository_dispatch on Gitea). */
export class UnsupportedByServerError extends XrdError {
  constructor(message: string, options: XrdErrorOptions = {}) {
    super('UNSUPPORTED_BY_SERVER', message, options);
  }
}

/** The run could not be found or correlated. */
export class RunNotFoundError extends XrdError {
  constructor(message: string, options: XrdErrorOptions = {}) {
    super('RUN_NOT_FOUND', message, options);
  }
}

/** The deadline passed before the run completed. Carries the last state seen. */
export class RunTimeoutError extends XrdError {
  readonly runId: number | undefined;
  readonly lastStatus: string | undefined;
  constructor(
    message: string,
    options: XrdErrorOptions & { readonly runId?: number; readonly lastStatus?: string } = {},
  ) {
    super('RUN_TIMEOUT', message, options);
    this.runId = options.runId;
    this.lastStatus = options.lastStatus;
  }
}

/** The run completed with a conclusion the caller treats as failure. */
export class RunFailedError extends XrdError {
  readonly conclusion: string;
  constructor(message: string, conclusion: string, options: XrdErrorOptions = {}) {
    super('RUN_FAILED', message, options);
    this.conclusion = conclusion;
  }
}

/** The rate limit is spent and the reset is beyond the caller's deadline. */
export class RateLimitedError extends XrdError {
  /** When requests may resume (epoch milliseconds), if the forge said. */
  readonly retryAt: number | undefined;
  constructor(message: string, options: XrdErrorOptions & { readonly retryAt?: number } = {}) {
    super('RATE_LIMITED', message, options);
    this.retryAt = options.retryAt;
  }
}

/** Bad or missing credentials (401), or a token without the needed permission (403). */
export class AuthError extends XrdError {
  constructor(message: string, options: XrdErrorOptions = {}) {
    super('AUTH', message, options);
  }
}

/** The caller's input is invalid; nothing was sent. */
export class InvalidInputError extends XrdError {
  /** The name of the offending input as the user wrote it (flag, action input, config key). */
  readonly input: string | undefined;
  constructor(message: string, options: XrdErrorOptions & { readonly input?: string } = {}) {
    super('INVALID_INPUT', message, options);
    this.input = options.input;
  }
}

/** Any other unexpected forge answer (5xx after retries, malformed body). */
export class ForgeHttpError extends XrdError {
  constructor(message: string, options: XrdErrorOptions = {}) {
    super('FORGE_HTTP', message, options);
  }
}

/** The operation was cancelled through its AbortSignal. */
export class AbortedError extends XrdError {
  constructor(message = 'The operation was cancelled.', options: XrdErrorOptions = {}) {
    super('ABORTED', message, options);
  }
}

/**
 * Why an artifact of a finished run could not be brought home: the run has no artifact of that name,
 * the forge no longer keeps it, it exceeds a size limit, its archive is unsafe to extract (a path
 * that leaves its folder, a link, a zip bomb), its digest does not match, or the outputs artifact does
 * not hold a JSON object.
 */
export type ArtifactProblem =
  | 'not-found'
  | 'expired'
  | 'too-large'
  | 'unsafe'
  | 'digest-mismatch'
  | 'invalid';

/** An artifact could not be listed, downloaded, checked or extracted as asked. */
export class ArtifactError extends XrdError {
  readonly problem: ArtifactProblem;
  /** The artifact's name, when one is concerned. */
  readonly artifact: string | undefined;
  constructor(
    problem: ArtifactProblem,
    message: string,
    options: XrdErrorOptions & { readonly artifact?: string } = {},
  ) {
    super('ARTIFACT', message, options);
    this.problem = problem;
    this.artifact = options.artifact;
  }
}

export function isXrdError(value: unknown): value is XrdError {
  return value instanceof XrdError;
}

/**
 * Removes every given secret from a text (and common token shapes even if not given), so an error
 * message or a log line can never carry one. Credentials written into a URL
 * (`https://user:password@host/…`) are removed too, whoever wrote them: fetch's own errors quote
 * the URL they refused, and so do messages that name an API URL.
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('***');
  }
  return (
    out
      // The authority ends at the first `/`, `?`, `#` or space; its last `@` ends the credentials,
      // as in WHATWG URL parsing (a password may hold an unescaped `@`).
      .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*(?:@[^\s/?#@]*)*@/gi, '$1***@')
      .replace(/\b(gh[pousr]_[A-Za-z0-9]{20,})\b/g, '***')
      .replace(/\bgithub_pat_[A-Za-z0-9_]{20,}\b/g, '***')
      .replace(/(authorization:\s*)(bearer|token|basic)\s+\S+/gi, '$1$2 ***')
  );
}
