// Correctness under concurrency: 50 dispatches into one workflow and ref at once, with background
// runs of the same workflow; does each dispatch get its own run?
import type { RunResult } from '@xrd/core';
import { BENCH_TOKEN, engine, forgeFor, onClientClock, scaledClock, withoutRunId } from '../engine.ts';
import {
  correlationId,
  EVENT_STEP_NAME,
  OWNER,
  PATH_LABEL,
  type PathName,
  REF,
  REPO,
  setUpTarget,
  WF_RUN_NAME,
  WF_STEP_NAME,
} from '../fixtures.ts';
import { describeError, type RowBody, type Section } from '../harness.ts';
import { runReference } from '../peers/reference.ts';
import { planFor, runCarries, simRunFor } from '../plan.ts';
import { type Dialect, forgeKindOf, type Sim, withSim } from '../sim.ts';

const DISPATCHES = 50;
const TIME_SCALE = 60;
/** Each run lasts a simulated minute (1 s real). */
const RUN_MS = 60_000;
/** Background runs per real minute, of the same workflow and ref (event push). */
const NOISE_PER_MINUTE = 120;

interface Case {
  readonly dialect: Dialect;
  readonly path: PathName;
}

const CASES: readonly Case[] = [
  { dialect: 'github', path: 'run-id' },
  { dialect: 'github', path: 'run-name' },
  { dialect: 'github', path: 'step-name' },
  { dialect: 'github', path: 'repo-dispatch-run-name' },
  { dialect: 'github', path: 'repo-dispatch-step-name' },
  { dialect: 'gitea-1.25', path: 'run-name' },
  { dialect: 'gitea-1.25', path: 'step-name' },
  { dialect: 'forgejo', path: 'run-id' },
  { dialect: 'gitea-1.24', path: 'run-name' },
];

async function prepare(sim: Sim, workflows: readonly string[]): Promise<void> {
  await setUpTarget(sim, RUN_MS);
  // 50 clients share one token; the real primary limit would be the first thing they hit, which
  // is the cost rows' subject, not this one's.
  await sim.control('POST', '/rate-limit', { limit: 1_000_000, remaining: 1_000_000 });
  for (const workflow of workflows) {
    await sim.startNoise({
      owner: OWNER,
      repo: REPO,
      workflow,
      event: 'push',
      ref: REF,
      perMinute: NOISE_PER_MINUTE,
    });
  }
  // Let some noise exist before the dispatches.
  await new Promise((resolve) => setTimeout(resolve, 1500));
}

interface Tally {
  own: number;
  wrong: number;
  failed: number;
  shared: number;
  firstError?: string;
  elapsedMs: number;
}

function tallyText(t: Tally): string {
  const extra = [
    t.wrong ? `${t.wrong} wrong run` : '',
    t.shared ? `${t.shared} run ids claimed twice` : '',
    t.failed ? `${t.failed} failed${t.firstError ? ` (${t.firstError.slice(0, 80)})` : ''}` : '',
  ].filter(Boolean);
  return `${t.own}/${DISPATCHES} got their own run${extra.length ? `; ${extra.join('; ')}` : ''} (${(t.elapsedMs / 1000).toFixed(1)} s)`;
}

async function measureXrd(item: Case, signal: AbortSignal): Promise<RowBody> {
  const plan = planFor(item.dialect, item.path);
  const { dispatchAndWait } = await engine();
  return withSim(item.dialect, TIME_SCALE, async (sim) => {
    await prepare(sim, [WF_RUN_NAME, WF_STEP_NAME]);
    const started = Date.now();
    const ids = Array.from({ length: DISPATCHES }, () => correlationId('conc'));
    const outcomes = await Promise.allSettled(
      ids.map(async (id) => {
        const clock = scaledClock(TIME_SCALE);
        const base = onClientClock(await forgeFor(sim), clock);
        const forge = plan.withhold ? withoutRunId(base) : base;
        return dispatchAndWait(forge, plan.request(id), {
          now: clock.now,
          sleep: clock.sleep,
          signal,
          timeoutMs: 20 * 60_000,
          correlate: { timeoutMs: 10 * 60_000 },
        });
      }),
    );
    const elapsedMs = Date.now() - started;
    await sim.stopNoise();
    const simRuns = await sim.runs();
    const tally: Tally = { own: 0, wrong: 0, failed: 0, shared: 0, elapsedMs };
    const claimed = new Map<number, number>();
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'rejected') {
        tally.failed += 1;
        tally.firstError ??= describeError(outcome.reason);
        return;
      }
      const result: RunResult = outcome.value;
      claimed.set(result.runId, (claimed.get(result.runId) ?? 0) + 1);
      if (runCarries(simRunFor(simRuns, item.dialect, result.runId), ids[index]!)) tally.own += 1;
      else tally.wrong += 1;
    });
    tally.shared = [...claimed.values()].filter((count) => count > 1).length;
    const noise = simRuns.filter((run) => run.event === 'push').length;
    return {
      xrd: tallyText(tally),
      status: tally.failed === DISPATCHES ? 'error' : 'ok',
      metrics: { ...tally, noiseRuns: noise, firstError: tally.firstError ?? null },
      notes: `${plan.describe}; ${noise} noise runs`,
    };
  });
}

async function measureReference(signal: AbortSignal): Promise<RowBody> {
  return withSim('github', TIME_SCALE, async (sim) => {
    await prepare(sim, [WF_RUN_NAME, WF_STEP_NAME]);
    const started = Date.now();
    const ids = Array.from({ length: DISPATCHES }, () => correlationId('ref'));
    const outcomes = await Promise.allSettled(
      ids.map((sha) => {
        const clock = scaledClock(TIME_SCALE);
        return runReference({
          apiUrl: sim.apiUrl,
          kind: forgeKindOf('github'),
          owner: OWNER,
          repo: REPO,
          ref: REF,
          sha,
          eventType: EVENT_STEP_NAME,
          timeoutMs: 1_200_000,
          now: clock.now,
          sleep: clock.sleep,
          signal,
          token: BENCH_TOKEN,
        });
      }),
    );
    const elapsedMs = Date.now() - started;
    await sim.stopNoise();
    const runs = new Map((await sim.runs()).map((run) => [run.id, run]));
    const tally: Tally = { own: 0, wrong: 0, failed: 0, shared: 0, elapsedMs };
    let timedOut = 0;
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'rejected') {
        tally.failed += 1;
        tally.firstError ??= describeError(outcome.reason);
        return;
      }
      const result = outcome.value;
      if (result.runId === undefined) {
        tally.failed += 1;
        timedOut += result.timedOut ? 1 : 0;
        return;
      }
      if (runCarries(runs.get(result.runId), ids[index]!)) tally.own += 1;
      else tally.wrong += 1;
    });
    if (timedOut) tally.firstError ??= `${timedOut} never found their run before the 1200 s timeout`;
    return {
      xrd: tallyText(tally),
      status: 'ok',
      metrics: { ...tally, timedOut, firstError: tally.firstError ?? null },
    };
  });
}

export const concurrency: Section = {
  area: 'concurrency',
  budgetMs: 150_000,
  async run(ctx) {
    const base = `${DISPATCHES} concurrent dispatch-and-waits, one workflow and ref, 1-min runs @60×, ${NOISE_PER_MINUTE} push runs/min of the same workflows as noise`;
    for (const item of CASES) {
      await ctx.scenario(`${item.dialect}, ${PATH_LABEL[item.path]}: ${base}`, (signal) =>
        measureXrd(item, signal),
      );
    }
    await ctx.scenario(
      `github, reference way (repository_dispatch + step name, max_runs 10, every 10 s, timeout 1200 s): ${base}`,
      async (signal) => {
        const body = await measureReference(signal);
        return { ...body, xrd: '—', reference: body.xrd };
      },
    );
  },
};
