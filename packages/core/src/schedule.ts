// The poll schedule, as pure functions. Waiting for a run costs requests, and GitHub gives a token
// 5 000 per hour (shared by every job using it), so the schedule spends them where they buy
// something: right after the dispatch (to see the run start), and in a window around the moment the
// run is expected to end (to notice completion within about a second). In between it polls sparsely,
// only to notice early failures. The expected end comes from the durations of the workflow's recent
// completed runs. The rate-limit budget and the server's retry-after / reset always win.
import type { RateLimitInfo, Run } from './types.js';

export interface ScheduleSettings {
  /** Shortest interval outside the end window (right after dispatch). */
  readonly minIntervalMs: number;
  /** Longest interval. */
  readonly maxIntervalMs: number;
  /**
   * Interval inside the window around the expected end. Default about 1 s: min(1 000, minIntervalMs),
   * stretched for wide windows so that a window costs at most about 12 polls.
   */
  readonly denseIntervalMs?: number;
  /** Expected time from dispatch to completion, when known. */
  readonly expectedDurationMs?: number;
  /**
   * Half width of the dense window around the expected end: how far recent durations spread.
   * Default 1 % of the expected duration. Always within 3–30 s.
   */
  readonly windowMs?: number;
}

export interface PollState {
  /** Current client time, epoch ms. */
  readonly now: number;
  /** Time since the dispatch (or since the run was created), ms. */
  readonly elapsedMs: number;
  /** Epoch ms after which no poll makes sense. */
  readonly deadline: number;
  /** Rate-limit state last seen. */
  readonly rateLimit?: RateLimitInfo | undefined;
  /** The server asked not to call again before this instant (retry-after / reset). */
  readonly retryAt?: number | undefined;
}

export type WaitReason = 'schedule' | 'rate-limit' | 'retry';

export interface PollDecision {
  readonly delayMs: number;
  readonly reason: WaitReason;
}

/** The dense window costs at most about this many polls. */
const WINDOW_POLLS = 12;

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/** The dense window around the expected end, in elapsed ms, or undefined when no end is expected. */
export function endWindow(settings: ScheduleSettings): { start: number; end: number } | undefined {
  const expected = settings.expectedDurationMs;
  if (expected === undefined || !(expected > 0)) return undefined;
  const half = clamp(settings.windowMs ?? expected * 0.01, 3_000, 30_000);
  return { start: Math.max(0, expected - half), end: expected + half };
}

/** The interval the schedule alone asks for, before rate limits and the deadline. */
export function scheduledDelay(settings: ScheduleSettings, elapsedMs: number): number {
  const { minIntervalMs: min, maxIntervalMs: max } = settings;
  const elapsed = Math.max(0, elapsedMs);
  const window = endWindow(settings);
  const dense = Math.max(
    1,
    settings.denseIntervalMs ??
      Math.max(Math.min(1_000, min), window ? (window.end - window.start) / WINDOW_POLLS : 0),
  );
  if (window === undefined) {
    // Nothing known: dense at first, then back off geometrically (a quarter of the time so far).
    return clamp(elapsed / 4, min, max);
  }
  if (elapsed < window.start) {
    // Tripling from the start (2, 6, 18, 54 s …) sees the run start quickly, then sparse polls catch
    // early failures; the last one lands exactly on the window's start.
    const delay = clamp(elapsed * 2, min, max);
    return Math.min(delay, window.start - elapsed);
  }
  if (elapsed < window.end) return dense;
  // Later than expected: back off (×1.5 per poll at first), the run is probably about to end.
  return clamp(dense + (elapsed - window.end) / 2, dense, max);
}

/**
 * The smallest delay the rate-limit budget allows: with `remaining` requests left until `resetAt`,
 * spread them (keeping a reserve for the final report); when the reserve is reached, wait for the
 * reset.
 */
export function rateLimitFloor(rateLimit: RateLimitInfo | undefined, now: number): number {
  if (rateLimit === undefined || rateLimit.resetAt <= now) return 0;
  const reserve = Math.min(20, Math.floor(rateLimit.limit * 0.02));
  const untilReset = rateLimit.resetAt - now;
  if (rateLimit.remaining <= reserve) return untilReset + 1_000;
  return untilReset / (rateLimit.remaining - reserve);
}

/** The next poll: the schedule, slowed by the rate limit and retry-after, cut at the deadline. */
export function nextPollDelay(settings: ScheduleSettings, state: PollState): PollDecision {
  let delayMs = scheduledDelay(settings, state.elapsedMs);
  let reason: WaitReason = 'schedule';
  const floor = rateLimitFloor(state.rateLimit, state.now);
  if (floor > delayMs) {
    delayMs = floor;
    reason = 'rate-limit';
  }
  if (state.retryAt !== undefined && state.retryAt - state.now > delayMs) {
    delayMs = state.retryAt - state.now;
    reason = 'retry';
  }
  delayMs = Math.max(0, Math.min(delayMs, state.deadline - state.now));
  return { delayMs: Math.round(delayMs), reason };
}

/** Interval before correlation round `round` (1-based): quick first look, then ×1.5 up to 15 s. */
export function correlationDelay(round: number, intervalMs: number): number {
  if (round <= 1) return Math.max(250, Math.min(1_000, intervalMs / 2));
  return clamp(intervalMs * 1.5 ** (round - 2), intervalMs, Math.max(intervalMs, 15_000));
}

/** Backoff for retrying a transient read error: base × 2^(attempt-1), at most `max`. */
export function retryDelay(attempt: number, baseMs: number, maxMs: number): number {
  return clamp(baseMs * 2 ** Math.max(0, attempt - 1), baseMs, maxMs);
}

/** How long a completed run took, from creation to completion (queue time included), in ms. */
export function runDurationMs(run: Run): number | undefined {
  const created = Date.parse(run.createdAt);
  const end = Date.parse(run.completedAt ?? run.updatedAt ?? '');
  if (Number.isNaN(created) || Number.isNaN(end) || end < created) return undefined;
  return end - created;
}

/**
 * The expected duration of the next run: the median duration of recent successful completed runs
 * (all completed runs when none succeeded). Failures often end early, so they would pull the
 * estimate down.
 */
export function expectedDuration(runs: readonly Run[]): number | undefined {
  const completed = runs.filter((r) => r.status === 'completed');
  const successes = completed.filter((r) => r.conclusion === 'success');
  const sample = (successes.length > 0 ? successes : completed)
    .map(runDurationMs)
    .filter((d): d is number => d !== undefined);
  return median(sample);
}

/**
 * How far recent durations spread around the median: the interquartile range (half of it on each
 * side would hold half the runs; the whole range on each side holds nearly all of a steady workflow).
 */
export function durationSpread(runs: readonly Run[]): number | undefined {
  const completed = runs.filter((r) => r.status === 'completed');
  const successes = completed.filter((r) => r.conclusion === 'success');
  const sample = (successes.length > 0 ? successes : completed)
    .map(runDurationMs)
    .filter((d): d is number => d !== undefined)
    .sort((a, b) => a - b);
  if (sample.length < 2) return undefined;
  const q = (p: number): number => sample[Math.min(sample.length - 1, Math.floor(p * sample.length))]!;
  return q(0.75) - q(0.25);
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
