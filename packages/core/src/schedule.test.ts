import { describe, expect, it } from 'vitest';
import { dispatchAndWait } from './dispatch-and-wait.js';
import {
  correlationDelay,
  endWindow,
  expectedDuration,
  median,
  nextPollDelay,
  rateLimitFloor,
  retryDelay,
  runDurationMs,
  scheduledDelay,
} from './schedule.js';
import { targetForge } from './test-support.js';
import type { Run } from './types.js';

const settings = { minIntervalMs: 2_000, maxIntervalMs: 60_000, expectedDurationMs: 600_000 };

/** The elapsed times at which a schedule polls, until `until`. */
function pollTimes(s: Parameters<typeof scheduledDelay>[0], until: number): number[] {
  const times: number[] = [];
  let t = 0;
  while (t < until) {
    t += scheduledDelay(s, t);
    times.push(t);
  }
  return times;
}

describe('scheduledDelay', () => {
  it('is dense right after the dispatch, then triples up to the maximum', () => {
    const times = pollTimes(settings, 200_000);
    expect(times.slice(0, 6)).toEqual([2_000, 6_000, 18_000, 54_000, 114_000, 174_000]);
    expect(scheduledDelay(settings, 300_000)).toBe(60_000);
  });

  it('lands on the start of the window around the expected end and polls every second inside it', () => {
    const window = endWindow(settings)!;
    expect(window).toEqual({ start: 594_000, end: 606_000 });
    const times = pollTimes(settings, 606_000);
    expect(times).toContain(594_000);
    const inside = times.filter((t) => t >= window.start && t <= window.end);
    expect(inside.length).toBe(13);
    for (let i = 1; i < inside.length; i++) expect(inside[i]! - inside[i - 1]!).toBe(1_000);
  });

  it('backs off after the expected end, never beyond the maximum', () => {
    expect(scheduledDelay(settings, 606_000)).toBe(1_000);
    expect(scheduledDelay(settings, 607_000)).toBe(1_500);
    expect(scheduledDelay(settings, 646_000)).toBe(21_000);
    expect(scheduledDelay(settings, 10_000_000)).toBe(60_000);
  });

  it('without an expected duration backs off geometrically from the minimum', () => {
    const s = { minIntervalMs: 2_000, maxIntervalMs: 60_000 };
    expect(scheduledDelay(s, 0)).toBe(2_000);
    expect(scheduledDelay(s, 40_000)).toBe(10_000);
    expect(scheduledDelay(s, 1_000_000)).toBe(60_000);
    expect(endWindow(s)).toBeUndefined();
    expect(endWindow({ ...s, expectedDurationMs: 0 })).toBeUndefined();
  });

  it('widens the window with the spread of recent durations, keeping it to about 12 polls', () => {
    const wide = { ...settings, windowMs: 24_000 };
    expect(endWindow(wide)).toEqual({ start: 576_000, end: 624_000 });
    expect(scheduledDelay(wide, 580_000)).toBe(4_000);
    expect(scheduledDelay({ ...wide, denseIntervalMs: 500 }, 580_000)).toBe(500);
    expect(endWindow({ ...settings, windowMs: 100 })).toEqual({ start: 597_000, end: 603_000 });
  });

  it('keeps the window inside sensible bounds for short and long runs', () => {
    expect(endWindow({ ...settings, expectedDurationMs: 10_000 })).toEqual({ start: 7_000, end: 13_000 });
    expect(endWindow({ ...settings, expectedDurationMs: 10_000_000 })).toEqual({
      start: 9_970_000,
      end: 10_030_000,
    });
    expect(endWindow({ ...settings, expectedDurationMs: 2_000 })!.start).toBe(0);
  });
});

describe('nextPollDelay', () => {
  const now = 1_000_000;
  it('follows the schedule when nothing limits it', () => {
    expect(nextPollDelay(settings, { now, elapsedMs: 4_000, deadline: now + 1e9 })).toEqual({
      delayMs: 8_000,
      reason: 'schedule',
    });
  });

  it('never waits past the deadline', () => {
    expect(nextPollDelay(settings, { now, elapsedMs: 300_000, deadline: now + 5_000 }).delayMs).toBe(5_000);
    expect(nextPollDelay(settings, { now, elapsedMs: 300_000, deadline: now - 5 }).delayMs).toBe(0);
  });

  it('honours the retry time the server asked for', () => {
    expect(
      nextPollDelay(settings, { now, elapsedMs: 0, deadline: now + 1e9, retryAt: now + 45_000 }),
    ).toEqual({
      delayMs: 45_000,
      reason: 'retry',
    });
  });

  it('spreads the remaining rate-limit budget until the reset', () => {
    const rateLimit = { limit: 5_000, remaining: 120, resetAt: now + 1_000_000 };
    // 100 usable requests (20 kept in reserve) over 1 000 s: one every 10 s.
    expect(nextPollDelay(settings, { now, elapsedMs: 0, deadline: now + 1e9, rateLimit })).toEqual({
      delayMs: 10_000,
      reason: 'rate-limit',
    });
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
  it('correlation looks quickly first, then backs off to 15 s', () => {
    expect([1, 2, 3, 4, 10].map((r) => correlationDelay(r, 2_000))).toEqual([
      1_000, 2_000, 3_000, 4_500, 15_000,
    ]);
    expect(correlationDelay(1, 100)).toBe(250);
    expect(correlationDelay(5, 30_000)).toBe(30_000);
  });

  it('retries back off exponentially up to the cap', () => {
    expect([1, 2, 3, 10].map((a) => retryDelay(a, 1_000, 30_000))).toEqual([1_000, 2_000, 4_000, 30_000]);
  });
});

describe('expectedDuration', () => {
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

  it('is the median of successful runs, ignoring failures that ended early', () => {
    const runs = [
      run(0, 600_000),
      run(0, 620_000),
      run(0, 580_000),
      run(0, 5_000, 'failure'),
      run(0, undefined),
    ];
    expect(expectedDuration(runs)).toBe(600_000);
  });

  it('falls back to all completed runs, and to nothing', () => {
    expect(expectedDuration([run(0, 10_000, 'failure'), run(0, 20_000, 'failure')])).toBe(15_000);
    expect(expectedDuration([])).toBeUndefined();
    expect(median([])).toBeUndefined();
  });

  it('uses updatedAt when completedAt is missing and rejects nonsense', () => {
    expect(runDurationMs({ ...run(0, undefined), updatedAt: new Date(7_000).toISOString() })).toBe(7_000);
    expect(runDurationMs({ ...run(10_000, 5_000) })).toBeUndefined();
    expect(runDurationMs({ ...run(0, undefined), createdAt: 'garbage' })).toBeUndefined();
  });
});

describe('a simulated 10-minute run (the benchmark target)', () => {
  /** One dispatch → wait of a run lasting `actualMs`, after ten runs that lasted about ten minutes. */
  async function simulate(actualMs: number, returnsRunId: boolean) {
    const { clock, forge } = targetForge(returnsRunId, {
      appearAfterMs: 1_000,
      startAfterMs: 4_000,
      durationMs: actualMs - 5_000,
    });
    for (let i = 0; i < 10; i++) {
      const created = clock.now() - (i + 1) * 3_600_000;
      forge.addRun({
        repo: 'acme/target',
        workflow: 'build.yml',
        event: 'workflow_dispatch',
        createdAt: created,
        startAfterMs: 4_000,
        durationMs: 594_000 + ((i * 7) % 5) * 1_000 + i * 13,
      });
    }
    const result = await dispatchAndWait(
      forge,
      { repo: { owner: 'acme', repo: 'target' }, ref: 'main', workflow: 'build.yml' },
      { now: clock.now, sleep: clock.sleep },
    );
    const completedAt = Date.parse(result.run.completedAt!);
    return { requests: result.apiCost.requests, detectionMs: clock.now() - completedAt, result };
  }

  it.each([true, false])(
    'costs at most 30 requests and notices completion within 2 s at the median (run id returned: %s)',
    async (returnsRunId) => {
      const outcomes = [];
      // Actual durations scattered around the usual ones, off the poll grid (+137 ms).
      for (const offset of [-8_000, -4_000, -2_000, -1_000, 0, 500, 1_000, 2_000, 3_000, 5_000, 9_000]) {
        outcomes.push(await simulate(600_137 + offset, returnsRunId));
      }
      for (const o of outcomes) expect(o.result.conclusion).toBe('success');
      for (const o of outcomes) expect(o.detectionMs).toBeGreaterThan(0);
      expect(Math.max(...outcomes.map((o) => o.requests))).toBeLessThanOrEqual(30);
      expect(median(outcomes.map((o) => o.detectionMs))).toBeLessThanOrEqual(2_000);
    },
  );
});
