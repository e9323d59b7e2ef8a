import { describe, expect, it } from 'vitest';
import {
  correlationDelay,
  endWindow,
  estimateDuration,
  expectedDuration,
  median,
  nextPollDelay,
  rateLimitFloor,
  retryDelay,
  runDurationMs,
  type ScheduleSettings,
  scheduledDelay,
  sharedSchedule,
  WINDOW_POLLS,
} from './schedule.js';
import type { Run } from './types.js';

const TEN_MINUTES = 600_000;
const paid = { minIntervalMs: 2_000, maxIntervalMs: 60_000, freePolls: false } as const;
const free = { ...paid, freePolls: true } as const;
/** Recent runs took 9½ to 10½ minutes, 10 at the median. */
const estimate = { expectedMs: TEN_MINUTES, earliestMs: 570_000, latestMs: 630_000 };

/** The elapsed times at which a schedule polls, until `until`. */
function pollTimes(s: ScheduleSettings, until: number): number[] {
  const times: number[] = [];
  let t = 0;
  while (t < until) {
    t += scheduledDelay(s, t);
    times.push(t);
  }
  return times;
}

describe('scheduledDelay where polls are free (conditional requests)', () => {
  it('polls at the shortest interval throughout, whatever is expected', () => {
    for (const elapsed of [0, 1_000, 599_000, 601_000, 10_000_000]) {
      expect(scheduledDelay(free, elapsed)).toBe(2_000);
      expect(scheduledDelay({ ...free, estimate }, elapsed)).toBe(2_000);
    }
    expect(endWindow({ ...free, estimate })).toBeUndefined();
  });

  it('means by the interval the shortest one: --interval 10s never polls sooner than 10 s', () => {
    for (const s of [
      { ...free, minIntervalMs: 10_000 },
      { ...paid, minIntervalMs: 10_000 },
      { ...paid, minIntervalMs: 10_000, estimate },
      { ...paid, minIntervalMs: 10_000, estimate: { ...estimate, earliestMs: 599_000, latestMs: 601_000 } },
    ]) {
      const times = pollTimes(s, 2 * TEN_MINUTES);
      expect(times[0]).toBeGreaterThanOrEqual(10_000);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(10_000);
    }
  });

  it('costs one request per interval of waiting: 300 free polls for a 10-minute run', () => {
    expect(pollTimes(free, TEN_MINUTES)).toHaveLength(300);
  });
});

describe('scheduledDelay where every poll costs a request', () => {
  it('without history doubles the interval (it equals the time waited) up to the longest', () => {
    expect(scheduledDelay(paid, 0)).toBe(2_000);
    expect(scheduledDelay(paid, 40_000)).toBe(40_000);
    expect(scheduledDelay(paid, 1_000_000)).toBe(60_000);
    expect(endWindow(paid)).toBeUndefined();
    expect(endWindow({ ...paid, estimate: { ...estimate, expectedMs: 0 } })).toBeUndefined();
    // A 10-minute run: 16 polls (2, 4, 8, … 64 s, then every minute), the last a minute apart.
    const times = pollTimes(paid, TEN_MINUTES);
    expect(times.slice(0, 6)).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 64_000]);
    expect(times).toHaveLength(15);
    expect(times.at(-1)! - times.at(-2)!).toBe(60_000);
  });

  it('spans the window over the quartiles of recent durations plus a second, cut into 16 intervals', () => {
    const window = endWindow({ ...paid, estimate })!;
    expect(window).toEqual({ start: 569_000, end: 631_000, intervalMs: 62_000 / WINDOW_POLLS });
    // A steady workflow: the window is the margin, polled at the shortest interval.
    const steady = endWindow({
      ...paid,
      estimate: { expectedMs: TEN_MINUTES, earliestMs: TEN_MINUTES, latestMs: TEN_MINUTES },
    })!;
    expect(steady).toEqual({ start: 599_000, end: 601_000, intervalMs: 2_000 });
    // A short one: the window never starts before the dispatch.
    expect(endWindow({ ...paid, estimate: { expectedMs: 3_000, earliestMs: 500, latestMs: 4_000 } })).toEqual(
      { start: 0, end: 5_000, intervalMs: 2_000 },
    );
    // A wildly spread one: the interval stays within the longest.
    expect(
      endWindow({ ...paid, estimate: { expectedMs: 3_600_000, earliestMs: 600_000, latestMs: 7_200_000 } })!
        .intervalMs,
    ).toBe(60_000);
  });

  it('polls first on the window’s start, densely inside, then backs off', () => {
    const s = { ...paid, estimate };
    const times = pollTimes(s, 700_000);
    const start = 569_000;
    expect(times[0]).toBe(start);
    const inside = times.filter((t) => t >= start && t <= 631_000);
    expect(inside).toHaveLength(WINDOW_POLLS + 1);
    for (let i = 1; i < inside.length; i++) expect(inside[i]! - inside[i - 1]!).toBeCloseTo(3_875, 6);
    expect(scheduledDelay(s, 631_000)).toBe(3_875);
    expect(scheduledDelay(s, 641_000)).toBe(8_875);
    expect(scheduledDelay(s, 10_000_000)).toBe(60_000);
  });

  it('a poll that came a little early for the window’s start waits the shortest interval, not a new round', () => {
    const s = { ...paid, estimate };
    expect(scheduledDelay(s, 569_000 - 50)).toBe(2_000);
    expect(scheduledDelay(s, 4_000)).toBe(565_000);
  });

  it('costs at most 17 polls when the run ends inside the window, 9 at its middle, 2 for a steady 10-minute workflow', () => {
    const s = { ...paid, estimate };
    const polls = (endsAt: number) => pollTimes(s, endsAt).length;
    expect(Math.max(...[569_000, 590_000, 600_000, 620_000, 631_000].map(polls))).toBe(WINDOW_POLLS + 1);
    // Ending at the median: the window's start and half the window.
    expect(polls(600_000)).toBe(1 + WINDOW_POLLS / 2);
    const steady = {
      ...paid,
      estimate: { expectedMs: TEN_MINUTES, earliestMs: TEN_MINUTES, latestMs: TEN_MINUTES },
    };
    expect(pollTimes(steady, 600_137)).toEqual([599_000, 601_000]);
  });
});

describe('sharedSchedule: one paid poll serving several runs', () => {
  it('shrinks the longest interval by √runs, never below the shortest, and only where polls are paid', () => {
    expect(sharedSchedule(paid, 1)).toBe(paid);
    expect(sharedSchedule(free, 20)).toBe(free);
    expect(sharedSchedule(paid, 4).maxIntervalMs).toBe(30_000);
    expect(sharedSchedule(paid, 20).maxIntervalMs).toBeCloseTo(13_416, 0);
    expect(sharedSchedule(paid, 10_000).maxIntervalMs).toBe(2_000);
    // The dense window around the usual end is the lone run's; only the backoff after it is shorter.
    const alone = { ...paid, estimate };
    const shared = sharedSchedule(alone, 20);
    expect(endWindow(shared)).toEqual(endWindow(alone));
    expect(scheduledDelay(shared, 700_000)).toBeCloseTo(13_416, 0);
    expect(scheduledDelay(alone, 700_000)).toBeGreaterThan(30_000);
  });
});

describe('nextPollDelay', () => {
  const now = 1_000_000;
  const settings = { ...paid, estimate };
  it('follows the schedule when nothing limits it', () => {
    expect(nextPollDelay(settings, { now, elapsedMs: 4_000, deadline: now + 1e9 })).toEqual({
      delayMs: 565_000,
      reason: 'schedule',
    });
  });

  it('never waits past the deadline', () => {
    expect(nextPollDelay(settings, { now, elapsedMs: 300_000, deadline: now + 5_000 }).delayMs).toBe(5_000);
    expect(nextPollDelay(settings, { now, elapsedMs: 300_000, deadline: now - 5 }).delayMs).toBe(0);
  });

  it('honours the retry time the server asked for', () => {
    expect(nextPollDelay(free, { now, elapsedMs: 0, deadline: now + 1e9, retryAt: now + 45_000 })).toEqual({
      delayMs: 45_000,
      reason: 'retry',
    });
  });

  it('spreads the remaining rate-limit budget until the reset where polls cost', () => {
    const rateLimit = { limit: 5_000, remaining: 120, resetAt: now + 1_000_000 };
    // 100 usable requests (20 kept in reserve) over 1 000 s: one every 10 s.
    expect(nextPollDelay(paid, { now, elapsedMs: 0, deadline: now + 1e9, rateLimit })).toEqual({
      delayMs: 10_000,
      reason: 'rate-limit',
    });
  });

  it('where unchanged reads are free, keeps the shortest interval on a thin budget, and only the reserve', () => {
    // A GITHUB_TOKEN (1,000 an hour) with 120 left: a free 304 spends nothing, so still every 2 s.
    const rateLimit = { limit: 1_000, remaining: 120, resetAt: now + 1_000_000 };
    expect(nextPollDelay(free, { now, elapsedMs: 0, deadline: now + 1e9, rateLimit })).toEqual({
      delayMs: 2_000,
      reason: 'schedule',
    });
    // Down to the reserve (2 % of the limit, at most 20): it waits for the reset.
    expect(
      nextPollDelay(free, {
        now,
        elapsedMs: 0,
        deadline: now + 1e9,
        rateLimit: { ...rateLimit, remaining: 20 },
      }),
    ).toEqual({ delayMs: 1_001_000, reason: 'rate-limit' });
  });

  it('waits for the reset when only the reserve is left', () => {
    const rateLimit = { limit: 5_000, remaining: 20, resetAt: now + 300_000 };
    expect(rateLimitFloor(rateLimit, now)).toBe(301_000);
    expect(rateLimitFloor({ ...rateLimit, resetAt: now - 1 }, now)).toBe(0);
    expect(rateLimitFloor(undefined, now)).toBe(0);
    expect(rateLimitFloor({ limit: 5_000, remaining: 4_000, resetAt: now + 3_600_000 }, now)).toBeLessThan(
      1_000,
    );
  });
});

describe('other delays', () => {
  it('correlation looks first once the run can be listed, never sooner than the interval, then backs off to 15 s', () => {
    expect([1, 2, 3, 4, 10].map((r) => correlationDelay(r, 2_000))).toEqual([
      2_000, 2_000, 3_000, 4_500, 15_000,
    ]);
    expect(correlationDelay(1, 2_000, 5_000)).toBe(5_000);
    expect(correlationDelay(1, 10_000, 5_000)).toBe(10_000);
    expect(correlationDelay(2, 2_000, 5_000)).toBe(2_000);
    expect(correlationDelay(5, 30_000)).toBe(30_000);
  });

  it('retries back off exponentially up to the cap', () => {
    expect([1, 2, 3, 10].map((a) => retryDelay(a, 1_000, 30_000))).toEqual([1_000, 2_000, 4_000, 30_000]);
  });
});

describe('estimateDuration', () => {
  const run = (
    created: number,
    ended: number | undefined,
    conclusion: Run['conclusion'] = 'success',
  ): Run => ({
    id: created,
    status: ended === undefined ? 'in_progress' : 'completed',
    conclusion: ended === undefined ? null : conclusion,
    createdAt: new Date(created).toISOString(),
    ...(ended !== undefined ? { completedAt: new Date(ended).toISOString() } : {}),
    url: '',
    htmlUrl: '',
  });

  it('is the median and quartiles of successful runs, ignoring failures that ended early', () => {
    const runs = [
      run(0, 600_000),
      run(0, 620_000),
      run(0, 580_000),
      run(0, 640_000),
      run(0, 560_000),
      run(0, 5_000, 'failure'),
      run(0, undefined),
    ];
    expect(estimateDuration(runs)).toEqual({ expectedMs: 600_000, earliestMs: 580_000, latestMs: 620_000 });
    expect(expectedDuration(runs)).toBe(600_000);
    expect(estimateDuration([run(0, 600_000)])).toEqual({
      expectedMs: 600_000,
      earliestMs: 600_000,
      latestMs: 600_000,
    });
  });

  it('falls back to all completed runs, and to nothing', () => {
    expect(expectedDuration([run(0, 10_000, 'failure'), run(0, 20_000, 'failure')])).toBe(15_000);
    expect(estimateDuration([run(0, undefined)])).toBeUndefined();
    expect(expectedDuration([])).toBeUndefined();
    expect(median([])).toBeUndefined();
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });

  it('uses updatedAt when completedAt is missing and rejects nonsense', () => {
    expect(runDurationMs({ ...run(0, undefined), updatedAt: new Date(7_000).toISOString() })).toBe(7_000);
    expect(runDurationMs({ ...run(10_000, 5_000) })).toBeUndefined();
    expect(runDurationMs({ ...run(0, undefined), createdAt: 'garbage' })).toBeUndefined();
  });
});
