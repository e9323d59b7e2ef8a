// Dispatching to several targets and watching their runs together, on a virtual clock: what it
// answers, what it costs (the issue-19 bound: 20 runs in one repository at most twice the counted
// requests of one), fail-fast, the one deadline and the one report.
import { describe, expect, it } from 'vitest';
import { dispatchAndWait } from './dispatch-and-wait.js';
import { InvalidInputError } from './errors.js';
import { type FanOutHooks, runFanOut } from './fan-out.js';
import { parseFanOutOptions } from './fan-out-options.js';
import { fanOutRow } from './fan-out-report.js';
import { TARGET_KEYS } from './options.js';
import type { RawRunOptions } from './run-options.js';
import { parseRunOptions } from './run-options.js';
import { median } from './schedule.js';
import { BAD_OPTION_CASES, badOptionMessage } from './testing/bad-options.js';
import {
  createMemoryForge,
  expr,
  type MemoryForge,
  type MemoryWorkflowSpec,
} from './testing/memory-forge.js';
import { createVirtualClock, type VirtualClock } from './testing/virtual-clock.js';

const TEN_MINUTES = 600_000;

function workflow(repo: string, file: string, extra: Partial<MemoryWorkflowSpec> = {}): MemoryWorkflowSpec {
  return {
    repo,
    file,
    runName: `Build ${expr('inputs.correlation_id')}`,
    appearAfterMs: 1_000,
    startAfterMs: 500,
    durationMs: 60_000,
    jobs: [{ name: 'build', steps: ['Build', 'Test'], log: ['FAIL one test'] }],
    ...extra,
  };
}

interface Setup {
  readonly clock: VirtualClock;
  readonly forge: MemoryForge;
}

function github(workflows: readonly MemoryWorkflowSpec[], returnsRunId = true): Setup {
  const clock = createVirtualClock();
  const forge = createMemoryForge({
    now: clock.now,
    kind: 'github',
    conditional: true,
    returnsRunId,
    listingDelayMs: 3_000,
    workflows,
  });
  return { clock, forge };
}

/** `targets` as the action's input: a YAML list. */
function yamlList(items: readonly Record<string, string>[]): string {
  return items
    .map((item) =>
      Object.entries(item)
        .map(([k, v], i) => `${i === 0 ? '- ' : '  '}${k}: ${JSON.stringify(v)}`)
        .join('\n'),
    )
    .join('\n');
}

async function fanOut(
  { clock, forge }: Setup,
  raw: RawRunOptions,
  hooks: Partial<FanOutHooks> = {},
  forges: Readonly<Record<string, MemoryForge>> = {},
) {
  const options = parseFanOutOptions(
    { ref: 'main', 'api-url': 'https://forge.test/api', ...raw },
    { targetToken: 'token' },
  );
  await forge.capabilities();
  return runFanOut(options, {
    now: clock.now,
    sleep: clock.sleep,
    connect: (location) => forges[location.apiUrl] ?? forge,
    ...hooks,
  });
}

/** Counted requests after the dispatches went out: what waiting cost. */
function waitingCost(forge: MemoryForge, total: number): number {
  const dispatches = forge.callCount('dispatch');
  return total - dispatches;
}

describe('several targets, one answer', () => {
  it('dispatches each, waits for all, and answers with a row per target and one conclusion', async () => {
    const setup = github([
      workflow('acme/app', 'build.yml'),
      workflow('acme/app', 'lint.yml', { durationMs: 30_000 }),
      workflow('acme/lib', 'test.yml', { conclusion: 'failure', durationMs: 45_000 }),
    ]);
    const outcome = await fanOut(setup, {
      targets: yamlList([
        { repo: 'acme/app', workflow: 'build.yml' },
        { repo: 'acme/app', workflow: 'lint.yml' },
        { repo: 'acme/lib', workflow: 'test.yml' },
      ]),
    });
    expect(outcome.conclusion).toBe('failure');
    const rows = outcome.targets.map(fanOutRow);
    expect(rows.map((r) => [r.name, r.verdict, r.conclusion])).toEqual([
      ['acme/app build.yml', 'success', 'success'],
      ['acme/app lint.yml', 'success', 'success'],
      ['acme/lib test.yml', 'failure', 'failure'],
    ]);
    expect(rows[2]).toMatchObject({
      repo: 'acme/lib',
      forge: 'github',
      workflow: 'test.yml',
      ref: 'main',
      runId: expect.any(Number),
      htmlUrl: expect.stringContaining('/acme/lib/actions/runs/'),
      failedJobs: [{ name: 'build', conclusion: 'failure', failedSteps: ['Test'] }],
      // creation → completion: the half second in the queue too
      durationSeconds: 46,
    });
    // Jobs only where they tell something: the failed run's.
    expect(setup.forge.callCount('listJobs')).toBe(1);
    // The runs of acme/app were watched by one list; none was read by its id.
    expect(setup.forge.callCount('getRun')).toBe(0);
  });

  it('takes the step ref, inputs and workflow as every target’s default; a target’s own win', async () => {
    const setup = github([workflow('acme/a', 'build.yml'), workflow('acme/b', 'ci.yml')]);
    await fanOut(setup, {
      workflow: 'build.yml',
      inputs: '{"version":"1.2.3","mode":"fast"}',
      targets: yamlList([{ repo: 'acme/a' }, { repo: 'acme/b', workflow: 'ci.yml', ref: 'next' }]).concat(
        '\n  inputs: {"mode": "slow"}',
      ),
    });
    const sent = setup.forge.calls.filter((c) => c.method === 'dispatch').map((c) => c.args[0]);
    expect(sent).toEqual([
      expect.objectContaining({
        workflow: 'build.yml',
        ref: 'main',
        inputs: expect.objectContaining({ version: '1.2.3', mode: 'fast' }),
      }),
      expect.objectContaining({
        workflow: 'ci.yml',
        ref: 'next',
        inputs: expect.objectContaining({ version: '1.2.3', mode: 'slow' }),
      }),
    ]);
  });
});

describe('what waiting on many runs costs on GitHub (a 304 is free)', () => {
  /** Counted requests of waiting on one run (dispatchAndWait, less its dispatch). */
  async function one(durationMs: number): Promise<number> {
    const { clock, forge } = github([workflow('acme/app', 'build.yml', { durationMs })]);
    await forge.capabilities();
    const result = await dispatchAndWait(
      forge,
      { repo: { owner: 'acme', repo: 'app' }, ref: 'main', workflow: 'build.yml' },
      { now: clock.now, sleep: clock.sleep },
    );
    expect(result.conclusion).toBe('success');
    return waitingCost(forge, result.apiCost.counted);
  }

  /**
   * Waits on runs of one workflow in one repository, `durations[i]` for the i-th target's run. The
   * runs show up as the dispatches would go out with `concurrency: 4`: four every 400 ms.
   */
  async function many(durations: readonly number[]) {
    const setup = github([workflow('acme/app', 'build.yml')]);
    setup.forge.script(
      'acme/app',
      'build.yml',
      durations.map((durationMs, i) => ({ durationMs, appearAfterMs: 1_000 + Math.floor(i / 4) * 400 })),
    );
    const outcome = await fanOut(setup, {
      workflow: 'build.yml',
      targets: yamlList(durations.map(() => ({ repo: 'acme/app' }))),
    });
    expect(outcome.targets.map((o) => o.verdict)).toEqual(durations.map(() => 'success'));
    const ends = outcome.targets.map((o) => Date.parse(o.result!.run.completedAt!));
    return {
      counted: waitingCost(setup.forge, outcome.apiCost.counted),
      detectionMs: setup.clock.now() - Math.max(...ends),
    };
  }

  it('20 runs of one change (like targets, ending together) cost at most twice what one costs', async () => {
    const single = await one(TEN_MINUTES);
    // the first read of the run (no ETag yet), the read that sees it completed, its jobs
    expect(single).toBe(3);
    const twenty = await many(Array.from({ length: 20 }, () => TEN_MINUTES));
    expect(twenty.counted).toBeLessThanOrEqual(2 * single);
    // the answer comes within one interval of the last end, as for one run
    expect(twenty.detectionMs).toBeLessThanOrEqual(2_000);
  });

  it('20 runs ending minutes apart, the last dispatched ending last, cost at most twice what one costs', async () => {
    const single = await one(TEN_MINUTES);
    const spread = Array.from({ length: 20 }, (_, i) => Math.round(TEN_MINUTES * (0.8 + (0.4 * i) / 19)));
    const m = await many(spread);
    // the followed run's first read (and its start, when it was read queued), the read that sees it
    // end, then one list read for all
    expect(m.counted).toBeLessThanOrEqual(4);
    expect(m.counted).toBeLessThanOrEqual(2 * single);
    expect(m.detectionMs).toBeLessThanOrEqual(2_000);
  });

  it('20 runs ending minutes apart cost about half a list read per end, whatever their order', async () => {
    // ±20 % of ten minutes, handed to the targets in 9 different orders (a seeded shuffle)
    const spread = Array.from({ length: 20 }, (_, i) => Math.round(TEN_MINUTES * (0.8 + (0.4 * i) / 19)));
    const costs: number[] = [];
    for (let seed = 1; seed <= 9; seed++) {
      const m = await many(shuffled(spread, seed));
      expect(m.detectionMs).toBeLessThanOrEqual(2_000);
      costs.push(m.counted);
    }
    // Reading the list at every end would cost 21 (the first read and one per end).
    expect(Math.max(...costs)).toBeLessThanOrEqual(13);
    expect(median(costs)).toBeLessThanOrEqual(11);
  });
});

/** A deterministic shuffle (mulberry32). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed;
  const random = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('fail-fast', () => {
  it('cancels the runs of the others and dispatches no more once one fails', async () => {
    const setup = github([
      workflow('acme/app', 'build.yml', { durationMs: TEN_MINUTES }),
      workflow('acme/app', 'quick.yml', { durationMs: 20_000, conclusion: 'failure' }),
      workflow('acme/lib', 'test.yml', { durationMs: TEN_MINUTES }),
      workflow('acme/lib', 'late.yml'),
    ]);
    // Two dispatches at a time: the fourth target waits for a slot; quick.yml fails after 20 s.
    setup.forge.script('acme/app', 'build.yml', [{ appearAfterMs: 1_000 }]);
    const outcome = await fanOut(setup, {
      'fail-fast': 'true',
      concurrency: '1',
      targets: yamlList([
        { repo: 'acme/app', workflow: 'quick.yml' },
        { repo: 'acme/app', workflow: 'build.yml' },
        { repo: 'acme/lib', workflow: 'test.yml' },
      ]),
    });
    expect(outcome.conclusion).toBe('failure');
    expect(outcome.targets.map((o) => o.verdict)).toEqual(['failure', 'cancelled', 'cancelled']);
    expect(outcome.targets[1]?.error?.message).toBe('Cancelled: another target failed (fail-fast).');
    const cancelled = setup.forge.calls.filter((c) => c.method === 'cancelRun').map((c) => c.args[1]);
    expect(cancelled.sort()).toEqual([outcome.targets[1]?.run?.id, outcome.targets[2]?.run?.id].sort());
    // The runs really stopped, long before their ten minutes.
    for (const run of setup.forge.runs()) expect(run.status).toBe('completed');
    expect(setup.clock.now() - setup.forge.calls[0]!.at).toBeLessThan(60_000);
  });

  it('leaves a target whose turn has not come undispatched', async () => {
    const setup = github([
      workflow('acme/app', 'quick.yml', { durationMs: 1_000 }),
      workflow('acme/app', 'build.yml'),
    ]);
    // The first dispatch is refused (404: no such workflow), with one slot the second waits for it.
    const outcome = await fanOut(setup, {
      'fail-fast': 'true',
      concurrency: '1',
      targets: yamlList([
        { repo: 'acme/app', workflow: 'missing.yml' },
        { repo: 'acme/app', workflow: 'build.yml' },
      ]),
    });
    expect(outcome.targets.map((o) => o.verdict)).toEqual(['error', 'cancelled']);
    expect(outcome.targets[0]?.error?.code).toBe('DISPATCH_REJECTED');
    expect(outcome.targets[1]?.error?.message).toBe('Not dispatched: another target failed (fail-fast).');
    expect(setup.forge.callCount('dispatch')).toBe(1);
  });

  it('without it, one failure does not stop the others', async () => {
    const setup = github([
      workflow('acme/app', 'quick.yml', { durationMs: 1_000, conclusion: 'failure' }),
      workflow('acme/app', 'build.yml'),
    ]);
    const outcome = await fanOut(setup, {
      targets: yamlList([
        { repo: 'acme/app', workflow: 'quick.yml' },
        { repo: 'acme/app', workflow: 'build.yml' },
      ]),
    });
    expect(outcome.targets.map((o) => o.verdict)).toEqual(['failure', 'success']);
    expect(setup.forge.callCount('cancelRun')).toBe(0);
  });
});

describe('one deadline', () => {
  it('ends every target still running at the timeout, counted from the start; cancels them when asked', async () => {
    const setup = github([
      workflow('acme/app', 'build.yml', { durationMs: 30_000 }),
      workflow('acme/app', 'slow.yml', { durationMs: TEN_MINUTES }),
    ]);
    const outcome = await fanOut(setup, {
      timeout: '2m',
      'cancel-on-timeout': 'true',
      targets: yamlList([
        { repo: 'acme/app', workflow: 'build.yml' },
        { repo: 'acme/app', workflow: 'slow.yml' },
      ]),
    });
    expect(outcome.targets.map((o) => o.verdict)).toEqual(['success', 'error']);
    const error = outcome.targets[1]?.error;
    expect(error?.code).toBe('RUN_TIMEOUT');
    expect(error?.message).toMatch(
      /^Run \d+ in acme\/app did not complete within 2m \(last status: in_progress\)/,
    );
    expect(setup.forge.callCount('cancelRun')).toBe(1);
    expect(outcome.targets[1]?.runCancelled).toBe(true);
    expect(setup.clock.now() - setup.forge.calls[0]!.at).toBeLessThanOrEqual(120_000 + 2_000);
  });

  it('says in the comment whether the timed-out run was cancelled or left running', async () => {
    for (const cancel of [true, false]) {
      const setup = github([workflow('acme/app', 'slow.yml', { durationMs: TEN_MINUTES })]);
      await fanOut(
        setup,
        {
          timeout: '2m',
          'cancel-on-timeout': String(cancel),
          'source-repo': 'acme/source',
          'report-comment': '7',
          targets: yamlList([{ repo: 'acme/app', workflow: 'slow.yml' }]),
        },
        { reportForge: setup.forge },
      );
      const body = setup.forge.comments[0]?.body ?? '';
      expect(body).toContain(
        cancel ? 'timed out after 2m; run cancelled' : 'timed out after 2m; run left running',
      );
      expect(body).not.toContain(cancel ? 'run left running' : 'run cancelled');
    }
  });
});

describe('the one report', () => {
  const source = { 'source-repo': 'acme/source', 'report-status': 'abcdef1', 'report-comment': '7' };

  it('one pending and one final status, one comment with a row per target, edited on the next push', async () => {
    const setup = github([
      workflow('acme/app', 'build.yml'),
      workflow('acme/lib', 'test.yml', { conclusion: 'failure' }),
    ]);
    const targets = yamlList([
      { repo: 'acme/app', workflow: 'build.yml' },
      { repo: 'acme/lib', workflow: 'test.yml' },
    ]);
    const first = await fanOut(setup, { ...source, targets }, { reportForge: setup.forge });
    expect(first.conclusion).toBe('failure');
    expect(setup.forge.statuses.map((s) => [s.status.state, s.status.context])).toEqual([
      ['pending', 'xrd/targets'],
      ['failure', 'xrd/targets'],
    ]);
    expect(setup.forge.statuses[1]?.status.description).toBe(
      '2 targets: 1 success, 1 failure (acme/lib test.yml)',
    );
    expect(setup.forge.comments).toHaveLength(1);
    const body = setup.forge.comments[0]!.body;
    expect(body).toContain('<!-- xrd:xrd/targets -->');
    expect(body).toContain('**2 targets failure** — 1 success, 1 failure');
    const lib = first.targets[1]!.result!;
    expect(body).toContain(
      `| acme/lib test.yml | [run ${lib.runId} (#1)](${lib.htmlUrl}) | ❌ failure | 1m 1s | build: Test |`,
    );
    expect(body).toContain('- acme/lib test.yml — build: Test');

    await fanOut(setup, { ...source, targets, 'report-status': 'abcdef2' }, { reportForge: setup.forge });
    expect(setup.forge.comments).toHaveLength(1);
    expect(setup.forge.comments[0]!.body).not.toBe(body);
  });

  it('with status-per-target, one status per target as well, under its own default context', async () => {
    const setup = github([workflow('acme/app', 'build.yml'), workflow('acme/lib', 'test.yml')]);
    await fanOut(
      setup,
      {
        ...source,
        'status-per-target': 'true',
        targets: yamlList([
          { repo: 'acme/app', workflow: 'build.yml' },
          { repo: 'acme/lib', workflow: 'test.yml' },
        ]),
      },
      { reportForge: setup.forge },
    );
    const byContext = new Map<string, string[]>();
    for (const s of setup.forge.statuses) {
      byContext.set(s.status.context, [...(byContext.get(s.status.context) ?? []), s.status.state]);
    }
    expect(Object.fromEntries(byContext)).toEqual({
      'xrd/targets': ['pending', 'success'],
      'xrd/acme/app/build': ['pending', 'success'],
      'xrd/acme/lib/test': ['pending', 'success'],
    });
  });

  it('an interruption closes every status it opened and cancels the runs (cancel-on-cancel)', async () => {
    const setup = github([workflow('acme/app', 'build.yml', { durationMs: TEN_MINUTES })]);
    const controller = new AbortController();
    const run = fanOut(
      setup,
      {
        ...source,
        'status-per-target': 'true',
        'cancel-on-cancel': 'true',
        targets: yamlList([{ repo: 'acme/app', workflow: 'build.yml' }]),
      },
      {
        reportForge: setup.forge,
        signal: controller.signal,
        onTargetRun: () => {
          setTimeout(() => controller.abort(), 0);
        },
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
    expect(setup.forge.callCount('cancelRun')).toBe(1);
    const last = new Map(setup.forge.statuses.map((s) => [s.status.context, s.status.state]));
    expect(Object.fromEntries(last)).toEqual({ 'xrd/targets': 'error', 'xrd/acme/app/build': 'error' });
  });
});

/** A Gitea: every poll a paid request. */
function gitea(workflows: readonly MemoryWorkflowSpec[]): Setup {
  const clock = createVirtualClock();
  const forge = createMemoryForge({
    now: clock.now,
    kind: 'gitea',
    conditional: false,
    returnsRunId: true,
    workflows,
  });
  return { clock, forge };
}

/** A Gitea whose acme/app build.yml finished runs of `history` durations. */
function giteaWithHistory(history: readonly number[]): Setup {
  const { clock, forge } = gitea([workflow('acme/app', 'build.yml', { durationMs: TEN_MINUTES })]);
  history.forEach((durationMs, i) => {
    forge.addRun({
      repo: 'acme/app',
      workflow: 'build.yml',
      event: 'workflow_dispatch',
      createdAt: clock.now() - (i + 1) * 3_600_000,
      startAfterMs: 500,
      durationMs,
    });
  });
  return { clock, forge };
}

describe('where every poll costs a request (Gitea, Forgejo)', () => {
  it('one list per poll serves every run of a repository, on the schedule learned from history', async () => {
    const { clock, forge } = giteaWithHistory(Array.from({ length: 10 }, () => TEN_MINUTES));
    const outcome = await fanOut(
      { clock, forge },
      {
        forge: 'gitea',
        workflow: 'build.yml',
        targets: yamlList(Array.from({ length: 10 }, () => ({ repo: 'acme/app' }))),
      },
    );
    expect(outcome.conclusion).toBe('success');
    // No run read alone; the history read once; about a dozen lists for ten runs of ten minutes.
    expect(forge.callCount('getRun')).toBe(0);
    const lists = forge.calls.filter((c) => c.method === 'listRuns');
    const history = lists.filter((c) => (c.args[1] as { status?: string }).status === 'completed');
    expect(history).toHaveLength(1);
    expect(lists.length - history.length).toBeLessThanOrEqual(15);
  });
});

describe('a target’s own expected-duration', () => {
  /** acme/app runs 10 minutes, acme/docs 2; no history of either; the step says 2m. */
  async function told(appSays: string | undefined) {
    const { clock, forge } = gitea([
      workflow('acme/app', 'build.yml', { durationMs: TEN_MINUTES }),
      workflow('acme/docs', 'build.yml', { durationMs: 120_000 }),
    ]);
    const noticed = new Map<string, number>();
    const outcome = await fanOut(
      { clock, forge },
      {
        forge: 'gitea',
        workflow: 'build.yml',
        'expected-duration': '2m',
        targets: yamlList([
          { repo: 'acme/app', ...(appSays !== undefined ? { 'expected-duration': appSays } : {}) },
          { repo: 'acme/docs' },
        ]),
      },
      {
        onTargetProgress: (target, event) => {
          if (event.type === 'status' && event.run.status === 'completed')
            noticed.set(target.name, clock.now());
        },
      },
    );
    expect(outcome.targets.map((o) => o.verdict)).toEqual(['success', 'success']);
    const late = (i: number) => {
      const o = outcome.targets[i]!;
      return (noticed.get(o.target.name) ?? Number.NaN) - Date.parse(o.result!.run.completedAt!);
    };
    const history = forge.calls.filter(
      (c) => c.method === 'listRuns' && (c.args[1] as { status?: string }).status === 'completed',
    );
    return { appLateMs: late(0), docsLateMs: late(1), historyReads: history.length };
  }

  it('shapes the polls of its runs; the others keep the step’s; no history is read for either', async () => {
    const own = await told('10m');
    expect(own.historyReads).toBe(0);
    // Polled densely around 10 minutes (≈ 5 s apart), and the docs around 2 minutes.
    expect(own.appLateMs).toBeLessThanOrEqual(6_000);
    expect(own.docsLateMs).toBeLessThanOrEqual(6_000);
    // With the step's 2m, the 10-minute run is 8 minutes past its window: the backoff noticed it late.
    const step = await told(undefined);
    expect(step.historyReads).toBe(0);
    expect(step.appLateMs).toBeGreaterThan(15_000);
  });

  it('is refused in the words of the option on its own', () => {
    const run = () =>
      parseFanOutOptions(
        {
          ref: 'main',
          workflow: 'build.yml',
          targets: yamlList([{ repo: 'acme/app', 'expected-duration': 'soon' }]),
        },
        { targetToken: 'token' },
      );
    expect(run).toThrow(
      '`targets[0].expected-duration` must be a duration such as 600 (seconds), 30s, 10m or 1h, not "soon".',
    );
  });
});

describe('where every poll costs: the last of many runs in the long tail', () => {
  /** 20 runs of a 10-minute workflow with 20 finished runs in its history; `durations[i]` per target. */
  async function giteaMany(durations: readonly number[]) {
    // History spread ±20 % like the runs themselves.
    const { clock, forge } = giteaWithHistory(
      Array.from({ length: 20 }, (_, i) => Math.round(TEN_MINUTES * (0.8 + (0.4 * i) / 19))),
    );
    forge.script(
      'acme/app',
      'build.yml',
      durations.map((durationMs, i) => ({ durationMs, appearAfterMs: 1_000 + Math.floor(i / 4) * 400 })),
    );
    const outcome = await fanOut(
      { clock, forge },
      {
        forge: 'gitea',
        workflow: 'build.yml',
        targets: yamlList(durations.map(() => ({ repo: 'acme/app' }))),
      },
    );
    expect(outcome.targets.map((o) => o.verdict)).toEqual(durations.map(() => 'success'));
    const ends = outcome.targets.map((o) => Date.parse(o.result!.run.completedAt!));
    const lists = forge.calls.filter((c) => c.method === 'listRuns').length;
    return { lists, lateMs: clock.now() - Math.max(...ends) };
  }

  it.each([1.3, 1.5, 1.8])(
    'the last run at %s× the usual duration is noticed within the shared backoff (13.4 s), for ≤ 2.75 list reads per run',
    async (tail) => {
      const durations = Array.from({ length: 20 }, (_, i) =>
        i === 7 ? Math.round(TEN_MINUTES * tail) : Math.round(TEN_MINUTES * (0.8 + (0.4 * i) / 19)),
      );
      const m = await giteaMany(durations);
      // Alone, its backoff would have grown to a minute (≈ 38 s late here before the interval was shared).
      expect(m.lateMs).toBeLessThanOrEqual(13_500);
      // One wait per target would poll ≈ 18 times per run.
      expect(m.lists).toBeLessThanOrEqual(55);
    },
  );
});

describe('runs found by correlation', () => {
  it('are watched like the others once found', async () => {
    const setup = github(
      [workflow('acme/app', 'build.yml'), workflow('acme/lib', 'test.yml', { conclusion: 'failure' })],
      false,
    );
    const outcome = await fanOut(setup, {
      targets: yamlList([
        { repo: 'acme/app', workflow: 'build.yml' },
        { repo: 'acme/lib', workflow: 'test.yml' },
      ]),
    });
    expect(outcome.targets.map((o) => [o.verdict, o.result?.correlationMethod])).toEqual([
      ['success', 'run-name'],
      ['failure', 'run-name'],
    ]);
    for (const o of outcome.targets) {
      expect(o.result?.run.displayTitle).toBe(`Build ${o.receipt?.correlationId}`);
    }
  });
});

describe('a target is refused in the words of the option on its own', () => {
  // Every shared bad value of an option a target may set, given by the target instead.
  const cases = BAD_OPTION_CASES.filter(
    (c) => (TARGET_KEYS as readonly string[]).includes(c.option) && c.option !== 'token',
  );
  it.each(cases.map((c) => [`${c.option} ${JSON.stringify(c.value.slice(0, 30))}`, c] as const))(
    '%s',
    (_name, c) => {
      const target: Record<string, string> = { repo: 'acme/app', workflow: 'build.yml', [c.option]: c.value };
      const step: Record<string, string> = { ref: 'main' };
      for (const [name, value] of Object.entries(c.with ?? {})) {
        if ((TARGET_KEYS as readonly string[]).includes(name)) target[name] = value;
        else step[name] = value;
      }
      for (const name of c.without ?? []) if (name !== c.option) delete target[name];
      const run = () =>
        parseFanOutOptions(
          { ...step, targets: JSON.stringify([{ repo: 'acme/ok', workflow: 'ok.yml' }, target]) },
          { targetToken: 'token' },
        );
      expect(run).toThrow(InvalidInputError);
      expect(run).toThrow(badOptionMessage(c, `targets[1].${c.option}`));
    },
  );

  it('covers every key a target may set but the token and token-env (checked below)', () => {
    const covered = new Set<string>(cases.map((c) => c.option));
    expect(TARGET_KEYS.filter((k) => !covered.has(k))).toEqual(['token', 'token-env']);
  });

  it('refuses a token the way the step’s own is refused, and the other front end’s key', () => {
    const with_ =
      (item: Record<string, string>, targetToken: 'token' | 'token-env' = 'token') =>
      () =>
        parseFanOutOptions(
          { ref: 'main', targets: JSON.stringify([{ repo: 'acme/a', workflow: 'b.yml', ...item }]) },
          { targetToken },
        );
    expect(with_({ token: 'ghp_a b' })).toThrow(
      '`targets[0].token` contains a space, line break, control or non-ASCII character; put only the token itself there.',
    );
    expect(with_({ 'token-env': 'X' })).toThrow(
      '`targets[0].token-env` is for the CLI; give the token itself',
    );
    expect(with_({ token: 'ghp_x' }, 'token-env')).toThrow(
      '`targets[0].token` would keep a token in a file or on the command line; put it in an environment variable and name that with token-env.',
    );
    const none = (item: Record<string, string>) => () =>
      parseFanOutOptions(
        { ref: 'main', targets: JSON.stringify([{ repo: 'acme/a', workflow: 'b.yml', ...item }]) },
        { targetToken: 'none' },
      );
    expect(none({ token: 'ghp_x' })).toThrow(
      "`targets[0].token` is not taken here: a target's token is its forge's, where the forge is configured.",
    );
    expect(with_({ 'token-env': 'not a name' }, 'token-env')).toThrow(
      '`targets[0].token-env` must be the name of an environment variable, e.g. GITEA_TOKEN, not "not a name".',
    );
  });

  it('refuses what names one target once for all of them, an unknown key, and a target without repo', () => {
    const parse = (raw: RawRunOptions) => () =>
      parseFanOutOptions({ ref: 'main', workflow: 'b.yml', ...raw }, { targetToken: 'token' });
    const list = yamlList([{ repo: 'acme/a' }]);
    expect(parse({ repo: 'acme/x', targets: list })).toThrow(
      '`repo` and `targets` are both given; give the repository in each target instead.',
    );
    expect(parse({ 'correlation-id': 'abc', targets: list })).toThrow(
      '`correlation-id` names one run, but each target gets its own; leave it out with `targets`.',
    );
    expect(parse({ targets: '- repo: acme/a\n  colour: blue' })).toThrow(
      '`targets[0]` has "colour", which is not a target key; use repo, workflow, event-type, ref, inputs, client-payload, forge, server-url, api-url, token, token-env, expected-duration.',
    );
    expect(parse({ targets: '- workflow: b.yml' })).toThrow(
      '`targets[0]` has no `repo`; every target needs one, as owner/name, e.g. acme/target.',
    );
    expect(parse({ targets: '- repo: [a' })).toThrow(/^`targets` is not valid YAML \(/);
    expect(parse({ 'status-per-target': 'true', targets: list })).toThrow(
      '`status-per-target` puts a status per target on the source commit; set `report-status` as well, or leave it out.',
    );
  });

  it('refuses what only several targets use when one is given', () => {
    expect(() =>
      parseRunOptions({ repo: 'acme/a', workflow: 'b.yml', ref: 'main', 'fail-fast': 'true' }),
    ).toThrow('`fail-fast` only applies to several targets; give `targets` or leave it out.');
    // The default is harmless (the action passes it for every step).
    expect(() =>
      parseRunOptions({ repo: 'acme/a', workflow: 'b.yml', ref: 'main', 'fail-fast': 'false' }),
    ).not.toThrow();
  });

  it('a target on another forge takes none of the step’s location, and the runner’s only when it names none', () => {
    const options = parseFanOutOptions(
      {
        ref: 'main',
        workflow: 'b.yml',
        targets: yamlList([
          { repo: 'acme/a' },
          { repo: 'acme/m', forge: 'gitea', 'server-url': 'https://git.example.com' },
        ]),
      },
      { targetToken: 'token', defaults: { forge: 'github', 'api-url': 'https://ghe.example.com/api/v3' } },
    );
    expect(options.targets.map((t) => [t.forge, t.apiUrl, t.ownLocation])).toEqual([
      ['github', 'https://ghe.example.com/api/v3', false],
      ['gitea', 'https://git.example.com/api/v1', true],
    ]);
  });
});
