// The poll schedule, as pure functions. What a poll costs decides its shape:
//
// - Where an unchanged run is read for free (GitHub: an authorised `304 Not Modified` is not counted
//   against the rate limit), polling often costs nothing but the state changes themselves, which
//   every schedule pays alike. There the schedule polls at the shortest interval throughout, from
//   the dispatch on and however long the run lasts: the completion is noticed within one interval,
//   and reading the workflow's history first would cost a counted request to save only free ones.
// - Where every poll costs a full request (Gitea and Forgejo send no ETags on these routes), the
//   schedule spends a small budget where it buys something. Given the durations of recent runs, it
//   polls first at their lower quartile (an early failure is noticed then), then densely
//   over the middle half of recent durations (their quartiles, cut into WINDOW_POLLS intervals),
//   which notices most ends within a few seconds, and after it the interval grows. For a 10-minute
//   workflow whose runs spread ±20 % (bench/src/durations.ts) the window is about 80 s at 5 s, and
//   the median run costs about 9 polls: with the dispatch, the history and the jobs (and on Gitea
//   the version read, the workflow file where the dispatch carries inputs of the user's own or no
//   run id comes back, and on Forgejo the job's steps) ≤ 15 requests, noticed
//   within 5 s at the median. That is close to what any schedule can do: noticing half of the runs
//   within 5 s takes a poll every ≤ 5 s over the densest half of the durations (≈ 80 s here), about
//   half of which every run that ends mid-way pays.
// - Without history an unpaid poll does not exist and the end cannot be predicted: the interval
//   doubles from the shortest up to the longest (a minute), so a 10-minute run costs about 15 polls
//   (≈ 19 requests on Gitea, 22 before the doubling) and is noticed about half the longest interval
//   (≈ 30 s) late at the median.
//   Noticing it within 5 s at the median would take intervals of ≤ 10 s around its end; a schedule
//   that cannot tell 10 minutes from 1 or 60 keeps them that short everywhere (≥ 60 polls for 10
//   minutes at a fixed 10 s; ≈ 340 growing by 1/60 per poll), against the 9 or 10 that 15 requests
//   leave. History (one request) is what makes both bounds reachable — or the user's word for the
//   usual duration (`expected-duration`, wait.ts `statedDuration`), which replaces that request.
//
// The shortest interval is the caller's (`--interval`): no poll comes sooner after the previous one
// (counted from one request's start to the next: wait.ts `pollWait`).
// The rate-limit budget and the server's retry-after / reset always win.
import type { RateLimitInfo, Run } from './types.js';

/** What recent runs of the workflow say about this one's duration (creation → completion). */
export interface DurationEstimate {
  /** The median duration. */
  readonly expectedMs: number;
  /** The shorter end of the usual spread (lower quartile); equal to `expectedMs` for one sample. */
  readonly earliestMs: number;
  /** The longer end of the usual spread (upper quartile). */
  readonly latestMs: number;
}

export interface ScheduleSettings {
  /** The shortest interval between two polls. */
  readonly minIntervalMs: number;
  /** The longest interval of the backoff, when no end can be predicted or the predicted end passed. */
  readonly maxIntervalMs: number;
  /** An unchanged run costs nothing to read (conditional requests answered 304, free on GitHub). */
  readonly freePolls: boolean;
  /** When the run will probably end; only used where polls are not free. */
  readonly estimate?: DurationEstimate | undefined;
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

/**
 * The dense window, from the lower to the upper quartile of recent durations (plus a margin), is cut
 * into this many intervals (fewer when they would be shorter than the shortest interval). A run that
 * ends inside it costs up to WINDOW_POLLS + 1 polls (the first on the window's start), about half of
 * them at the median, whatever its length; a 10-minute workflow spread ±20 % gets a 5-second interval.
 */
export const WINDOW_POLLS = 16;
/** Margin on each side of the usual spread: forges stamp times to the second. */
const WINDOW_PAD_MS = 1_000;

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

export interface EndWindow {
  /** Elapsed ms at which dense polling starts. */
  readonly start: number;
  /** Elapsed ms at which it ends. */
  readonly end: number;
  /** The interval inside it. */
  readonly intervalMs: number;
}

/** The dense window around the expected end, where polls cost requests and an end is expected. */
export function endWindow(settings: ScheduleSettings): EndWindow | undefined {
  const estimate = settings.estimate;
  if (settings.freePolls || estimate === undefined || !(estimate.expectedMs > 0)) return undefined;
  const pad = WINDOW_PAD_MS;
  const earliest = Math.min(estimate.earliestMs, estimate.expectedMs);
  const latest = Math.max(estimate.latestMs, estimate.expectedMs);
  const start = Math.max(0, earliest - pad);
  const end = latest + pad;
  const longest = Math.max(settings.minIntervalMs, settings.maxIntervalMs);
  const intervalMs = clamp((end - start) / WINDOW_POLLS, settings.minIntervalMs, longest);
  return { start, end, intervalMs };
}

/** The interval the schedule alone asks for, before rate limits and the deadline. */
export function scheduledDelay(settings: ScheduleSettings, elapsedMs: number): number {
  const min = Math.max(1, settings.minIntervalMs);
  const max = Math.max(min, settings.maxIntervalMs);
  if (settings.freePolls) return min;
  const elapsed = Math.max(0, elapsedMs);
  const window = endWindow(settings);
  if (window === undefined) {
    // Nothing known: the interval doubles (it equals the time waited so far), up to the longest.
    return clamp(elapsed, min, max);
  }
  if (elapsed < window.start) {
    // One poll before the window, on its start: an early failure is noticed then. Each poll before
    // it would notice one sooner and cost a request on every run (a poll halfway would put Forgejo's
    // 10-minute run, six requests besides its polls, at 16).
    return Math.max(min, window.start - elapsed);
  }
  if (elapsed < window.end) return window.intervalMs;
  // Later than recent runs: back off (×1.5 per poll) from the dense interval.
  return clamp(
    window.intervalMs + (elapsed - window.end) / 2,
    window.intervalMs,
    Math.max(window.intervalMs, max),
  );
}

/**
 * The schedule for a poll that serves `runs` runs at once (a fan-out's runs in one repository, seen
 * by one list read). Where polls are paid, a lone run's backoff grows to the longest interval (a
 * minute) once its usual end has passed, so the last of many runs — which usually ends in the long
 * tail: with 1 run in 10 there, 20 runs have one there 9 times in 10 — was noticed about half a
 * minute late. Each request here is shared by every run it serves, so the longest interval shrinks
 * by √runs (20 runs: 60 s → 13.4 s, never below the shortest): the last end is noticed within
 * seconds, for more list reads — 20 spread runs in the bench: 79 requests in all instead of 24,
 * against 340 for one wait per run.
 */
export function sharedSchedule(settings: ScheduleSettings, runs: number): ScheduleSettings {
  if (settings.freePolls || runs <= 1) return settings;
  const maxIntervalMs = Math.max(settings.minIntervalMs, settings.maxIntervalMs / Math.sqrt(runs));
  return { ...settings, maxIntervalMs };
}

/**
 * The smallest delay the rate-limit budget allows: with `remaining` requests left until `resetAt`,
 * spread them (keeping a reserve for the final report); when the reserve is reached, wait for the
 * reset. Where an unchanged read is free (`freePolls`), a poll spends nothing unless the run changed
 * (a few times per run, whatever the interval), so spreading the budget over polls would only slow
 * the polls (a GITHUB_TOKEN's 1,000 an hour, half spent, would stretch 2 s to 10): only the reserve
 * is kept.
 */
export function rateLimitFloor(rateLimit: RateLimitInfo | undefined, now: number, freePolls = false): number {
  if (rateLimit === undefined || rateLimit.resetAt <= now) return 0;
  const reserve = Math.min(20, Math.floor(rateLimit.limit * 0.02));
  const untilReset = rateLimit.resetAt - now;
  if (rateLimit.remaining <= reserve) return untilReset + 1_000;
  if (freePolls) return 0;
  return untilReset / (rateLimit.remaining - reserve);
}

/** The next poll: the schedule, slowed by the rate limit and retry-after, cut at the deadline. */
export function nextPollDelay(settings: ScheduleSettings, state: PollState): PollDecision {
  let delayMs = scheduledDelay(settings, state.elapsedMs);
  let reason: WaitReason = 'schedule';
  const floor = rateLimitFloor(state.rateLimit, state.now, settings.freePolls);
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

/**
 * Interval before correlation round `round` (1-based). The first look waits until the new run can
 * be listed (`listingDelayMs`, the forge's; a list read earlier shows nothing and still costs a
 * request), never sooner than the shortest interval; then ×1.5 per round up to 15 s.
 */
export function correlationDelay(round: number, intervalMs: number, listingDelayMs = 0): number {
  const min = Math.max(1, intervalMs);
  if (round <= 1) return Math.max(min, listingDelayMs);
  return clamp(min * 1.5 ** (round - 2), min, Math.max(min, 15_000));
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
 * The durations to learn from, sorted: those of recent successful completed runs (all completed runs
 * when none succeeded). Failures often end early, so they would pull the estimate down.
 */
function learnableDurations(runs: readonly Run[]): number[] {
  const completed = runs.filter((r) => r.status === 'completed');
  const successes = completed.filter((r) => r.conclusion === 'success');
  return (successes.length > 0 ? successes : completed)
    .map(runDurationMs)
    .filter((d): d is number => d !== undefined)
    .sort((a, b) => a - b);
}

/** The p-quantile of sorted values, interpolated between neighbours. */
function quantile(sorted: readonly number[], p: number): number {
  const at = clamp(p, 0, 1) * (sorted.length - 1);
  const low = Math.floor(at);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

/** What recent runs say about the next one's duration, or undefined when no run completed. */
export function estimateDuration(runs: readonly Run[]): DurationEstimate | undefined {
  const sample = learnableDurations(runs);
  if (sample.length === 0) return undefined;
  return {
    expectedMs: quantile(sample, 0.5),
    earliestMs: quantile(sample, 0.25),
    latestMs: quantile(sample, 0.75),
  };
}

/** The expected duration of the next run: the median of `estimateDuration`. */
export function expectedDuration(runs: readonly Run[]): number | undefined {
  return estimateDuration(runs)?.expectedMs;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}
