// Reading a forge's answer for rate-limit facts. GitHub documents its headers ("Rate limits for the
// REST API": `x-ratelimit-limit/remaining/reset`, `retry-after`; a spent primary limit answers 403
// or 429 with `x-ratelimit-remaining: 0`; a secondary limit answers 403 or 429 with a message saying
// so and usually `retry-after`, otherwise "wait at least one minute"). Gitea and Forgejo have no API
// rate limit of their own (no such setting in `modules/setting/api.go`), but a proxy in front of them
// may have one and then speaks the same headers or a bare 429 — so one reading serves every forge.
import type { RateLimitInfo } from '@xrd/core';
import { serverTimeOf } from '@xrd/core/kit';

/** Header lookup that works on a fetch `Headers` and on Octokit's plain header objects alike. */
export type HeaderSource = Headers | Readonly<Record<string, string | number | undefined>>;

export function headerOf(headers: HeaderSource | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | number | undefined>)[name];
  return value === undefined ? undefined : String(value);
}

/** Clocks closer than this are taken as one (a `Date` is whole seconds, plus the round trip). */
const CLOCK_SKEW_MS = 5_000;

/**
 * This machine's clock minus the forge's, from the answer's `Date` (0 without one, or when they are
 * within a few seconds): `x-ratelimit-reset` and an HTTP-date `retry-after` are instants on the
 * forge's clock, so a machine whose clock runs ahead would otherwise take a spent budget for a reset
 * one (and one behind would wait too long).
 */
function clockShift(headers: HeaderSource | undefined, now: number | undefined): number {
  if (now === undefined) return 0;
  const server = serverTimeOf(headerOf(headers, 'date'));
  if (server === undefined) return 0;
  const shift = now - server;
  return Math.abs(shift) > CLOCK_SKEW_MS ? shift : 0;
}

/**
 * The primary-limit state a response reports, if it carries the headers; `resetAt` on this machine's
 * clock when `now` is given (see `clockShift`).
 */
export function rateLimitInfo(headers: HeaderSource | undefined, now?: number): RateLimitInfo | undefined {
  const remainingText = headerOf(headers, 'x-ratelimit-remaining');
  const remaining = Number(remainingText);
  if (remainingText === undefined || remainingText === '' || !Number.isFinite(remaining)) return undefined;
  const limit = Number(headerOf(headers, 'x-ratelimit-limit'));
  const reset = Number(headerOf(headers, 'x-ratelimit-reset'));
  return {
    limit: Number.isFinite(limit) ? limit : 0,
    remaining,
    resetAt: Number.isFinite(reset) ? reset * 1000 + clockShift(headers, now) : 0,
  };
}

/** GitHub's secondary-limit answers say so in their message (docs: "secondary rate limit"). */
const SECONDARY = /secondary rate limit|abuse detection/i;

export type RateLimitKind = 'primary' | 'secondary';

/**
 * Whether an answer is a rate limit, and which. `message` is the server's message, when the caller
 * read the body (a 403 is a rate limit only by its headers or its message).
 */
export function rateLimitKind(
  status: number,
  headers: HeaderSource | undefined,
  message: string | undefined,
): RateLimitKind | undefined {
  if (status !== 403 && status !== 429) return undefined;
  if (message !== undefined && SECONDARY.test(message)) return 'secondary';
  if (headerOf(headers, 'x-ratelimit-remaining') === '0') return 'primary';
  if (headerOf(headers, 'retry-after') !== undefined) return 'secondary';
  return status === 429 ? 'secondary' : undefined;
}

/** GitHub: "If the retry-after header is not present, wait at least one minute" (secondary limits). */
export const SECONDARY_DEFAULT_WAIT_MS = 60_000;

/**
 * When requests may resume (epoch ms, this machine's clock): `retry-after` (seconds or an HTTP date)
 * first — GitHub says it takes precedence — then `x-ratelimit-reset` of a spent limit, then a minute
 * for a secondary limit. Instants on the forge's clock are moved onto this one (`clockShift`).
 */
export function retryAtOf(
  kind: RateLimitKind | undefined,
  headers: HeaderSource | undefined,
  now: number,
): number | undefined {
  const after = headerOf(headers, 'retry-after');
  if (after !== undefined && after.trim() !== '') {
    const seconds = Number(after);
    if (Number.isFinite(seconds)) return now + Math.max(0, seconds) * 1000;
    const date = serverTimeOf(after);
    if (date !== undefined) return Math.max(now, date + clockShift(headers, now));
  }
  const reset = Number(headerOf(headers, 'x-ratelimit-reset'));
  if (headerOf(headers, 'x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0) {
    return Math.max(now, reset * 1000 + clockShift(headers, now));
  }
  return kind === 'secondary' ? now + SECONDARY_DEFAULT_WAIT_MS : undefined;
}
