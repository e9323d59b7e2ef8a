// What a dispatch-and-wait costs and how soon it notices the end, on a virtual clock: the issue-14
// bounds, independent of wall-clock time. The contract suite checks the same bounds against
// forge-sim over HTTP, through the real adapters.
import { describe, expect, it } from 'vitest';
import { dispatchAndWait } from './dispatch-and-wait.js';
import type { DispatchRequest } from './engine-types.js';
import { median } from './schedule.js';
import { createMemoryForge, expr, type MemoryForgeOptions } from './testing/memory-forge.js';
import { createVirtualClock } from './testing/virtual-clock.js';
import type { Forge, RunConclusion } from './types.js';

const TEN_MINUTES = 600_000;
const target = { owner: 'acme', repo: 'target' };

interface Case {
  /** GitHub: 304s are free; Gitea: every poll costs. */
  readonly forge: Pick<MemoryForgeOptions, 'kind' | 'conditional' | 'returnsRunId' | 'listingDelayMs'>;
  /** in_progress → completed. */
  readonly durationMs: number;
  readonly conclusion?: RunConclusion;
  /** Durations (in_progress → completed) of earlier completed runs of the workflow. */
  readonly history?: readonly number[];
  readonly request?: Partial<DispatchRequest>;
  readonly intervalMs?: number;
  /** The run's usual duration as the user states it (`expected-duration`). */
  readonly expectedDurationMs?: number;
  /** Virtual ms every read of the run takes to answer (0: at once). */
  readonly answerMs?: number;
}

const github = { kind: 'github', conditional: true, returnsRunId: true, listingDelayMs: 5_000 } as const;
const gitea = { kind: 'gitea', conditional: false, returnsRunId: true } as const;

/**
 * One dispatch-and-wait. The run shows 1 s after the dispatch (in lists too: the memory forge has
 * no separate listing delay) and starts half a second later.
 */
async function measure(c: Case) {
  const clock = createVirtualClock();
  const forge = createMemoryForge({
    now: clock.now,
    ...c.forge,
    workflows: [
      {
        repo: 'acme/target',
        file: 'build.yml',
        runName: `Build ${expr('inputs.correlation_id')}`,
        appearAfterMs: 1_000,
        startAfterMs: 500,
        durationMs: c.durationMs,
        conclusion: c.conclusion ?? 'success',
        jobs: [{ name: 'build', steps: ['Build', 'Test'], log: ['FAIL one test'] }],
      },
      {
        repo: 'acme/target',
        file: 'by-step.yml',
        appearAfterMs: 1_000,
        startAfterMs: 500,
        durationMs: c.durationMs,
        jobs: [{ name: 'identify', steps: [expr('inputs.correlation_id'), 'Build'] }],
      },
    ],
  });
  for (const [i, durationMs] of (c.history ?? []).entries()) {
    forge.addRun({
      repo: 'acme/target',
      workflow: 'build.yml',
      event: 'workflow_dispatch',
      createdAt: clock.now() - (i + 1) * 3_600_000,
      startAfterMs: 500,
      durationMs,
    });
  }
  // Detected once, as an adapter does before its first dispatch (Gitea reads /version then).
  await forge.capabilities();
  const answerMs = c.answerMs ?? 0;
  // A read that takes `answerMs` to come back, showing the run as it is when it arrives.
  const slow: Forge = new Proxy(forge, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'getRun' || answerMs === 0)
        return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: Parameters<Forge['getRun']>) => {
        await clock.sleep(answerMs);
        return target.getRun(...args);
      };
    },
  });
  const result = await dispatchAndWait(
    slow,
    { repo: target, ref: 'main', workflow: 'build.yml', ...c.request },
    {
      now: clock.now,
      sleep: clock.sleep,
      ...(c.intervalMs !== undefined ? { intervalMs: c.intervalMs } : {}),
      ...(c.expectedDurationMs !== undefined ? { expectedDurationMs: c.expectedDurationMs } : {}),
    },
  );
  const completedAt = Date.parse(result.run.completedAt!);
  const polls = forge.calls.filter((call) => call.method === 'getRun').map((call) => call.at);
  const historyReads = forge.calls.filter(
    (call) => call.method === 'listRuns' && (call.args[1] as { status?: string }).status === 'completed',
  ).length;
  return {
    result,
    counted: result.apiCost.counted,
    requests: result.apiCost.requests,
    detectionMs: clock.now() - completedAt,
    polls,
    historyReads,
    waitedMs: clock.now() - forge.calls[0]!.at,
  };
}

describe('GitHub (authorised 304s are free)', () => {
  it('a successful dispatch-and-wait with the run id costs 4 counted requests, jobs included', async () => {
    const m = await measure({ forge: github, durationMs: TEN_MINUTES });
    expect(m.result.correlationMethod).toBe('run-id');
    expect(m.result.jobs.map((j) => [j.name, j.conclusion])).toEqual([['build', 'success']]);
    // the dispatch, the first read (no ETag yet, the run already started), the read that sees it
    // completed, the jobs
    expect(m.counted).toBe(4);
    // no history: it would cost a counted request and save only free ones
    expect(m.historyReads).toBe(0);
  });

  it('a failed one costs 5, with the failed step and the log tail', async () => {
    const m = await measure({ forge: github, durationMs: 60_000, conclusion: 'failure' });
    expect(m.result.failedJobs).toEqual([
      expect.objectContaining({ name: 'build', failedSteps: ['Test'], logTail: 'FAIL one test' }),
    ]);
    expect(m.counted).toBe(5);
  });

  it.each([
    { name: 'run-name', request: { correlation: 'run-name' }, bound: 5 },
    { name: 'step-name', request: { workflow: 'by-step.yml', correlation: 'step-name' }, bound: 6 },
  ] as const)('the $name fallback costs $bound counted requests', async ({ request, bound }) => {
    const m = await measure({ forge: { ...github, returnsRunId: false }, durationMs: 60_000, request });
    expect(m.result.correlationMethod).toBe(request.correlation);
    expect(m.counted).toBe(bound);
  });

  it.each([137, 1_000, 1_999])(
    'notices the completion within one interval, polling once per 2 s (run ends %i ms off the grid)',
    async (offset) => {
      const m = await measure({ forge: github, durationMs: 60_000 + offset, history: [60_000, 61_000] });
      expect(m.detectionMs).toBeGreaterThan(0);
      expect(m.detectionMs).toBeLessThanOrEqual(2_000);
      for (let i = 1; i < m.polls.length; i++) expect(m.polls[i]! - m.polls[i - 1]!).toBe(2_000);
      expect(m.requests).toBeLessThanOrEqual(m.waitedMs / 2_000 + 3);
    },
  );

  it.each([
    { name: 'without history', history: [] },
    { name: 'with history', history: [600_000, 540_000, 660_000, 1_080_000] },
  ])(
    'notices the end within one 2 s interval however long the run lasts ($name), 4 counted, ≤ 1 request per 2 s',
    async ({ history }) => {
      // From seconds to 50 minutes (the default timeout is an hour), off the 2-second grid every way.
      const durations = [
        3_100,
        29_500,
        61_300,
        247_700,
        ...[0.8, 0.9, 1, 1.1, 1.8].map((f) => TEN_MINUTES * f + 333),
        3_000_999,
      ];
      for (const durationMs of durations) {
        const m = await measure({ forge: github, durationMs, history });
        expect(m.detectionMs).toBeGreaterThanOrEqual(0);
        expect(m.detectionMs).toBeLessThanOrEqual(2_000);
        expect(m.counted).toBe(4);
        expect(m.historyReads).toBe(0);
        expect(m.requests).toBeLessThanOrEqual(m.waitedMs / 2_000 + 3);
      }
    },
  );

  it('keeps its cadence from one request to the next: a slow answer does not stretch the interval', async () => {
    for (const durationMs of [60_137, 247_700, TEN_MINUTES + 1_333]) {
      const m = await measure({ forge: github, durationMs, answerMs: 700 });
      // the reads go out every 2 s (the memory forge logs them when they arrive, 700 ms later)
      for (let i = 1; i < m.polls.length; i++) expect(m.polls[i]! - m.polls[i - 1]!).toBe(2_000);
      // noticed within one interval plus the answer's 700 ms
      expect(m.detectionMs).toBeLessThanOrEqual(2_700);
      expect(m.counted).toBe(4);
    }
  });

  it('with --interval 10s polls every 10 s, also near the expected end', async () => {
    const m = await measure({ forge: github, durationMs: 60_000, intervalMs: 10_000 });
    expect(m.polls.length).toBeGreaterThan(2);
    for (let i = 1; i < m.polls.length; i++) expect(m.polls[i]! - m.polls[i - 1]!).toBe(10_000);
  });
});

describe('Gitea and Forgejo (no conditional reads: every poll costs a request)', () => {
  /** 20 earlier runs of about ten minutes (±1 s: forges stamp times to the second). */
  const steadyHistory = Array.from({ length: 20 }, (_, i) => TEN_MINUTES - 1_000 + ((i * 7) % 3) * 1_000);

  it('a 10-minute run with history costs at most 15 requests and is noticed within 5 s at the median', async () => {
    const outcomes = [];
    for (const offset of [-4_000, -2_000, -1_000, 0, 137, 1_000, 2_000, 3_000, 4_000]) {
      outcomes.push(
        await measure({ forge: gitea, durationMs: TEN_MINUTES + offset, history: steadyHistory }),
      );
    }
    for (const o of outcomes) expect(o.result.conclusion).toBe('success');
    expect(Math.max(...outcomes.map((o) => o.requests))).toBeLessThanOrEqual(15);
    expect(median(outcomes.map((o) => o.detectionMs))).toBeLessThanOrEqual(5_000);
    // the history read: one request
    for (const o of outcomes) expect(o.historyReads).toBe(1);
  });

  /**
   * Durations that spread like real runs, as the bench draws them (bench/src/durations.ts, kept in
   * step by hand): 9 in 10 within ±20 % of the nominal time (triangular), 1 in 10 in a tail to
   * 1.8×; `count` mid-quantiles, so the same durations every time.
   */
  const realSpread = (nominalMs: number, count: number): number[] =>
    Array.from({ length: count }, (_, i) => {
      const p = (i + 0.5) / count;
      const v = p / 0.9;
      const factor =
        p >= 0.9
          ? 1.2 + 0.6 * ((p - 0.9) / 0.1)
          : v < 0.5
            ? 0.8 + 0.4 * Math.sqrt(v / 2)
            : 1.2 - 0.4 * Math.sqrt((1 - v) / 2);
      return Math.round(nominalMs * factor);
    });

  it('a 10-minute workflow whose runs spread like real ones: ≤ 15 requests and noticed within 5 s at the median', async () => {
    const history = realSpread(TEN_MINUTES, 20).map((d) => Math.round(d / 1_000) * 1_000);
    const outcomes = [];
    for (const durationMs of realSpread(TEN_MINUTES, 16)) {
      outcomes.push(await measure({ forge: gitea, durationMs, history }));
    }
    for (const o of outcomes) expect(o.historyReads).toBe(1);
    // The dispatch, the history, the window's start, about 8 polls into the window, the jobs: 12.
    // The adapters read more, outside this count: the server's version, the workflow file where the
    // dispatch carries inputs of the user's own (or no run id comes back), on Forgejo the job's
    // steps: ≤ 15 on both.
    expect(median(outcomes.map((o) => o.requests))).toBeLessThanOrEqual(12);
    // Half of the runs end inside the window (the quartiles), polled every ~5 s.
    expect(median(outcomes.map((o) => o.detectionMs))).toBeLessThanOrEqual(5_000);
    // The tail (a run taking 1.6× as long) pays for the window and a backoff capped at a minute.
    expect(Math.max(...outcomes.map((o) => o.requests))).toBeLessThanOrEqual(32);
    expect(Math.max(...outcomes.map((o) => o.detectionMs))).toBeLessThanOrEqual(60_000);
  });

  it('a run ending inside the window costs at most 3 + 17 requests, and is noticed within one window interval', async () => {
    // ±10 %: quartiles 9.5 and 10.5 min, the window 62 s wide (a second of margin each side), 3.875 s a poll.
    const spread = Array.from({ length: 20 }, (_, i) => TEN_MINUTES * (0.9 + (0.2 * i) / 19));
    const outcomes = [];
    for (const factor of [0.96, 0.97, 0.99, 1, 1.01, 1.03, 1.04]) {
      outcomes.push(await measure({ forge: gitea, durationMs: TEN_MINUTES * factor, history: spread }));
    }
    // the dispatch, the history, the window's start, up to 16 polls inside it, the jobs
    expect(Math.max(...outcomes.map((o) => o.requests))).toBeLessThanOrEqual(3 + 1 + 16);
    expect(Math.max(...outcomes.map((o) => o.detectionMs))).toBeLessThanOrEqual(3_875);
  });

  it('without history it doubles the interval up to a minute: about 18 requests and up to a minute late', async () => {
    const m = await measure({ forge: gitea, durationMs: TEN_MINUTES });
    expect(m.historyReads).toBe(1);
    // the dispatch, the history (empty), 15 polls, the jobs
    expect(m.requests).toBeLessThanOrEqual(18);
    expect(m.detectionMs).toBeLessThanOrEqual(60_000);
  });

  it('without history but told the usual duration (expected-duration 10m): no history read, ≤ 15 requests, noticed within 5 s at the median', async () => {
    const outcomes = [];
    for (const durationMs of realSpread(TEN_MINUTES, 16))
      outcomes.push(await measure({ forge: gitea, durationMs, expectedDurationMs: TEN_MINUTES }));
    for (const o of outcomes) expect(o.result.conclusion).toBe('success');
    for (const o of outcomes) expect(o.historyReads).toBe(0);
    // The dispatch, the window's start, about 8 polls into the window, the jobs: as with history,
    // without the history read (the adapters' fixed reads, above, come on top: ≤ 15).
    expect(median(outcomes.map((o) => o.requests))).toBeLessThanOrEqual(12);
    expect(median(outcomes.map((o) => o.detectionMs))).toBeLessThanOrEqual(5_000);
    // A run in the tail still ends up noticed within the longest interval.
    expect(Math.max(...outcomes.map((o) => o.detectionMs))).toBeLessThanOrEqual(60_000);
  });

  it('a stated duration is ignored where polls are free (GitHub): every 2 s, no history read', async () => {
    const m = await measure({ forge: github, durationMs: TEN_MINUTES, expectedDurationMs: 60_000 });
    expect(m.historyReads).toBe(0);
    expect(m.counted).toBe(4);
    expect(m.detectionMs).toBeLessThanOrEqual(2_000);
  });

  it('without history, spread runs: ≈ 19 requests and ≈ 30 s late at the median, as the schedule says', async () => {
    const outcomes = [];
    for (const durationMs of realSpread(TEN_MINUTES, 16))
      outcomes.push(await measure({ forge: gitea, durationMs }));
    expect(median(outcomes.map((o) => o.requests))).toBeLessThanOrEqual(19);
    // Half the longest interval, late on average: an unknown end cannot be polled densely for less.
    expect(median(outcomes.map((o) => o.detectionMs))).toBeGreaterThan(10_000);
    expect(median(outcomes.map((o) => o.detectionMs))).toBeLessThanOrEqual(40_000);
  });
});
