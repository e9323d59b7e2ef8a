// Which read errors are worth retrying: 5xx and lost connections (ForgeHttpError with a 5xx or no
// status) and rate limits (RateLimitedError, with the server's retry time). Anything else — 401,
// 403, 404, bad input — will not get better by asking again.
import { ForgeHttpError, RateLimitedError } from './errors.js';

export function isTransientError(error: unknown): boolean {
  if (error instanceof RateLimitedError) return true;
  if (error instanceof ForgeHttpError) return error.status === undefined || error.status >= 500;
  return false;
}

/** The instant the server asked us to wait for, if the error says. */
export function retryAtOf(error: unknown): number | undefined {
  return error instanceof RateLimitedError ? error.retryAt : undefined;
}
