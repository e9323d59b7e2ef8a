// xrd versus its peers, on the same runs: one dispatch-and-wait of a 10-minute workflow whose runs
// spread like real ones (src/durations.ts), on github, ghes-3.19, gitea-1.26 and forgejo, driven by
// xrd and by each peer tool's algorithm where the peer supports the forge (src/peers/*.ts).
//
// Every sample gets its own forge-sim, so no tool sees another's runs (convictional and the
// reference find their run by looking at new runs, and would pick up each other's): 20 earlier runs
// of the workflow are dispatched first, then the tool runs once while they are still running (no
// completed history: phase 1), and once more after they all completed (phase 2: history). The sim's
// own counters, reset just before the tool starts, give its requests; the latency is the instant
// the tool returns minus the run's completion instant (known from its script), on the client clock.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Forge, Run } from '@xrd/core';
import { spreadDurations } from '../durations.ts';
import {
  BENCH_TOKEN,
  type ExactTimes,
  engine,
  exactTimesOf,
  forgeFor,
  onClientClock,
  realSleep,
  type ScaledClock,
  scaledClock,
} from '../engine.ts';
import {
  correlationId,
  EVENT_STEP_NAME,
  OWNER,
  REF,
  REPO,
  START_DELAY_MS,
  setUpTarget,
  WF_DISPATCH_STEP_NAME,
  WF_RUN_NAME,
  WF_STEP_NAME,
} from '../fixtures.ts';
import { describeError, type Section } from '../harness.ts';
import { runBencUk } from '../peers/benc-uk.ts';
import { runConvictional } from '../peers/convictional.ts';
import type { PeerOptions } from '../peers/http.ts';
import { runReference } from '../peers/reference.ts';
import { runReturnDispatchAwaitRemoteRun } from '../peers/return-dispatch.ts';
import { type Dialect, isGitHubDialect, type Sim } from '../sim.ts';
import { SimHost } from '../sim-host.ts';
import { fmtMs, median, percentile } from '../stats.ts';

const TIME_SCALE = 20;
const NOMINAL_MS = 10 * 60_000;
/** Samples per tool, dialect and phase. */
const SAMPLES = 16;
const HISTORY_RUNS = 20;
/** Every tool's timeout, raised as a user would for a 10-minute workflow (their defaults: 5 to 20 min). */
const TIMEOUT_MS = 30 * 60_000;
const DIALECTS: readonly Dialect[] = ['github', 'ghes-3.19', 'gitea-1.26', 'forgejo'];
/** Real ms between the starts of two samples of one cell. */
const STAGGER_MS = 200;

type ToolKey = 'xrd' | 'return-dispatch' | 'benc-uk' | 'convictional' | 'reference';

export const PEER_COLUMNS: ReadonlyArray<{ key: ToolKey; label: string }> = [
  { key: 'return-dispatch', label: 'return-dispatch v4 + await-remote-run v3' },
  { key: 'benc-uk', label: 'benc-uk/workflow-dispatch v1.3' },
  { key: 'convictional', label: 'convictional/trigger-workflow-and-wait' },
  { key: 'reference', label: 'reference cross-repo-dispatch' },
];

interface Dispatcher {
  /** The workflow whose runs the tool starts (and whose history is staged). */
  readonly workflow: string;
  /** Dispatches one run of it as history (plain HTTP). */
  readonly history: (sim: Sim, id: string) => Promise<void>;
}

interface Tool {
  readonly key: ToolKey;
  /** Why it cannot run on this forge, or undefined when it can. */
  readonly unsupported: (dialect: Dialect) => string | undefined;
  readonly dispatcher: (dialect: Dialect) => Dispatcher;
  /** One dispatch-and-wait; resolves with the sim run id it followed, or rejects. */
  readonly run: (ctx: ToolContext) => Promise<Outcome>;
}

interface Outcome {
  readonly runId?: number;
  readonly timedOut: boolean;
  /** Client-clock instant the tool first read its run as completed (xrd only: its own Forge). */
  readonly sawCompletedAt?: number;
}

interface ToolContext {
  readonly sim: Sim;
  readonly dialect: Dialect;
  readonly clock: ScaledClock;
  readonly signal: AbortSignal;
  readonly exact: (run: Run) => ExactTimes | undefined;
}

async function post(sim: Sim, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${sim.apiUrl}/repos/${OWNER}/${REPO}${path}`, {
    method: 'POST',
    headers: { authorization: `token ${BENCH_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  if (response.status >= 300) throw new Error(`history dispatch answered ${response.status}`);
}

const workflowDispatch = (workflow: string): Dispatcher => ({
  workflow,
  history: (sim, id) =>
    post(sim, `/actions/workflows/${workflow}/dispatches`, { ref: REF, inputs: { correlation_id: id } }),
});

const peerOptions = (ctx: ToolContext): PeerOptions => ({
  apiUrl: ctx.sim.apiUrl,
  owner: OWNER,
  repo: REPO,
  ref: REF,
  token: BENCH_TOKEN,
  now: ctx.clock.now,
  sleep: ctx.clock.sleep,
  signal: ctx.signal,
  timeoutMs: TIMEOUT_MS,
});

const githubOnly = (dialect: Dialect): string | undefined =>
  dialect === 'github' ? undefined : 'needs return_run_details: github.com (or GHES ≥ 3.21)';

const TOOLS: readonly Tool[] = [
  {
    key: 'xrd',
    unsupported: () => undefined,
    dispatcher: () => workflowDispatch(WF_RUN_NAME),
    async run(ctx) {
      const { dispatchAndWait } = await engine();
      let sawCompletedAt: number | undefined;
      const forge = seeingCompletion(onClientClock(await forgeFor(ctx.sim), ctx.clock, ctx.exact), () => {
        sawCompletedAt ??= ctx.clock.now();
      });
      const result = await dispatchAndWait(
        forge,
        {
          repo: { owner: OWNER, repo: REPO },
          ref: REF,
          workflow: WF_RUN_NAME,
          correlationId: correlationId('peer'),
        },
        { now: ctx.clock.now, sleep: ctx.clock.sleep, signal: ctx.signal, timeoutMs: TIMEOUT_MS },
      );
      return {
        runId: result.runId,
        timedOut: false,
        ...(sawCompletedAt !== undefined ? { sawCompletedAt } : {}),
      };
    },
  },
  {
    key: 'return-dispatch',
    unsupported: githubOnly,
    dispatcher: () => workflowDispatch(WF_RUN_NAME),
    run: async (ctx) => runReturnDispatchAwaitRemoteRun({ ...peerOptions(ctx), workflow: WF_RUN_NAME }),
  },
  {
    key: 'benc-uk',
    unsupported: githubOnly,
    dispatcher: () => workflowDispatch(WF_RUN_NAME),
    run: async (ctx) => runBencUk({ ...peerOptions(ctx), workflow: WF_RUN_NAME }),
  },
  {
    key: 'convictional',
    unsupported: (dialect) =>
      dialect === 'forgejo' ? 'lists runs per workflow, a route Forgejo does not have' : undefined,
    dispatcher: () => workflowDispatch(WF_RUN_NAME),
    run: async (ctx) =>
      runConvictional({ ...peerOptions(ctx), workflow: WF_RUN_NAME, serverTime: ctx.clock.toReal }),
  },
  {
    key: 'reference',
    unsupported: (dialect) =>
      dialect === 'forgejo'
        ? 'finds its run by a step name, and Forgejo lists jobs without steps: it never finds it'
        : undefined,
    dispatcher: (dialect) =>
      isGitHubDialect(dialect)
        ? {
            workflow: WF_DISPATCH_STEP_NAME,
            history: (sim, id) =>
              post(sim, '/dispatches', { event_type: EVENT_STEP_NAME, client_payload: { sha: id } }),
          }
        : workflowDispatch(WF_STEP_NAME),
    run: async (ctx) => {
      const github = isGitHubDialect(ctx.dialect);
      return runReference({
        ...peerOptions(ctx),
        kind: github ? 'github' : ctx.dialect === 'forgejo' ? 'forgejo' : 'gitea',
        sha: correlationId('ref'),
        ...(github
          ? { eventType: EVENT_STEP_NAME }
          : { workflow: WF_STEP_NAME, inputName: 'correlation_id' }),
      });
    },
  },
];

/** A view of a Forge that calls `onCompleted` whenever a read of a run shows it completed. */
function seeingCompletion(forge: Forge, onCompleted: () => void): Forge {
  return new Proxy(forge, {
    get(target, property, receiver) {
      if (property === 'getRun') {
        return async (...args: Parameters<Forge['getRun']>) => {
          const run = await target.getRun(...args);
          if (run.status === 'completed') onCompleted();
          return run;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

interface Sample {
  readonly counted: number;
  readonly total: number;
  readonly notModified: number;
  /** Client-clock ms from the run's completion to the tool's return; undefined when it never returned with its run. */
  readonly latencyMs?: number;
  /** Client-clock ms from the run's completion to the answer that showed it completed (xrd). */
  readonly seenMs?: number;
  readonly problem?: string;
}

/**
 * Every sample passes it between its phases: phase 2 starts when all samples finished phase 1, so
 * that no burst of starting tools falls on another's measurement of a late run's end.
 */
function barrier(count: number, signal: AbortSignal): () => Promise<void> {
  let arrived = 0;
  let release = (): void => undefined;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  // A section out of time lets everyone through (their next sleep then ends them).
  signal.addEventListener('abort', () => release(), { once: true });
  return () => {
    arrived += 1;
    if (arrived >= count) release();
    return all;
  };
}

/** One sample: its own sim, its history, the tool without and then with completed history. */
async function sample(
  phaseTwo: () => Promise<void>,
  host: SimHost,
  dialect: Dialect,
  tool: Tool,
  durationMs: number,
  history: readonly number[],
  signal: AbortSignal,
): Promise<[Sample, Sample]> {
  const sim = await host.sim(dialect, TIME_SCALE);
  try {
    await setUpTarget(sim, NOMINAL_MS);
    const { workflow, history: dispatchHistory } = tool.dispatcher(dialect);
    const durations = [...history, durationMs, durationMs];
    await sim.control('POST', `/repos/${OWNER}/${REPO}/workflows/${workflow}/script`, {
      runs: durations.map((d) => ({ durationMs: d })),
    });
    for (let i = 0; i < history.length; i += 1) await dispatchHistory(sim, correlationId('history'));
    const times = new Map<number, ExactTimes>();
    const learn = async (): Promise<Map<number, ExactTimes>> => {
      const runs = (await sim.runs()).filter((run) => run.workflow === workflow);
      for (const [id, t] of exactTimesOf(runs, durations, START_DELAY_MS, TIME_SCALE)) times.set(id, t);
      return times;
    };
    await learn();
    // Past GitHub's listing delay (3 s of forge time), so the history shows in every list.
    await realSleep(500, signal);
    const once = async (index: number): Promise<Sample> => {
      await sim.resetStats();
      const clock = scaledClock(TIME_SCALE);
      let outcome: Outcome | undefined;
      let problem: string | undefined;
      try {
        outcome = await tool.run({ sim, dialect, clock, signal, exact: (run) => times.get(run.id) });
      } catch (error) {
        if (signal.aborted) throw error;
        problem = describeError(error);
      }
      const returnedAt = Date.now();
      const { requests } = await sim.stats();
      const measured = [...(await learn()).keys()].sort((a, b) => a - b)[index];
      const done = measured === undefined ? undefined : times.get(measured);
      if (outcome?.timedOut) problem = outcome.runId === undefined ? 'never found its run' : 'timed out';
      else if (outcome && outcome.runId !== measured)
        problem = `followed run ${outcome.runId}, not ${measured}`;
      else if (outcome && done && returnedAt < done.completedAt)
        problem = 'returned before its run completed';
      return {
        counted: requests.counted,
        total: requests.total,
        notModified: requests.notModified,
        ...(problem === undefined && done ? { latencyMs: (returnedAt - done.completedAt) * TIME_SCALE } : {}),
        ...(problem === undefined && done && outcome?.sawCompletedAt !== undefined
          ? { seenMs: outcome.sawCompletedAt - clock.toClient(done.completedAt) }
          : {}),
        ...(problem !== undefined ? { problem } : {}),
      };
    };
    let cold: Sample;
    try {
      cold = await once(history.length);
    } finally {
      await phaseTwo();
    }
    // …and once every earlier run of this sim has completed.
    const last = Math.max(...[...times.values()].map((t) => t.completedAt));
    await realSleep(Math.max(0, last - Date.now()) + 200, signal);
    const warm = await once(history.length + 1);
    return [cold, warm];
  } finally {
    await sim.close().catch(() => undefined);
  }
}

interface Summary {
  /** Every sample's latency (client s, ascending), for results.json. */
  readonly latencies: string;
  readonly counted: number | null;
  readonly total: number | null;
  readonly p50: number | null;
  readonly p95: number | null;
  /** Completion → the answer showing it (xrd): the schedule and one request, not the return. */
  readonly seenP50: number | null;
  readonly seenP95: number | null;
  readonly problems: number;
  readonly firstProblem?: string;
  readonly samples: number;
}

function summarise(samples: readonly Sample[]): Summary {
  const latencies = samples.flatMap((s) => (s.latencyMs === undefined ? [] : [s.latencyMs]));
  const seen = samples.flatMap((s) => (s.seenMs === undefined ? [] : [s.seenMs]));
  const problems = samples.filter((s) => s.problem !== undefined);
  return {
    latencies: [...latencies]
      .sort((a, b) => a - b)
      .map((ms) => (ms / 1000).toFixed(2))
      .join(' '),
    counted: median(samples.map((s) => s.counted)),
    total: median(samples.map((s) => s.total)),
    p50: median(latencies),
    p95: percentile(latencies, 95),
    seenP50: median(seen),
    seenP95: percentile(seen, 95),
    problems: problems.length,
    ...(problems[0]?.problem ? { firstProblem: problems[0].problem } : {}),
    samples: samples.length,
  };
}

const ratio = (xrd: number | null, peer: number | null): string =>
  xrd === null || peer === null || peer === 0 ? '' : ` (xrd ×${(xrd / peer).toFixed(2)})`;

const secs = (ms: number | null): string => (ms === null ? '–' : fmtMs(ms));

function requestsCell(s: Summary, xrd?: Summary): string {
  const text = `${s.counted ?? '–'} / ${s.total ?? '–'}`;
  const note = s.problems ? `; ${s.problems}/${s.samples} ${s.firstProblem}` : '';
  if (!xrd) return `${text}${note}`;
  return `${text}${ratio(xrd.counted, s.counted)}${ratio(xrd.total, s.total).replace('xrd', 'all: xrd')}${note}`;
}

function latencyCell(s: Summary, xrd?: Summary): string {
  const text = `${secs(s.p50)} / ${secs(s.p95)}`;
  if (s.p50 === null) return `no run followed to its end (${s.firstProblem ?? 'no samples'})`;
  if (!xrd)
    return s.seenP50 === null
      ? text
      : `${text} (run seen completed: ${secs(s.seenP50)} / ${secs(s.seenP95)})`;
  return `${text}${ratio(xrd.p50, s.p50)}${ratio(xrd.p95, s.p95).replace('xrd', 'p95: xrd')}`;
}

export const peers: Section = {
  area: 'versus peers',
  budgetMs: 240_000,
  async run(ctx) {
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const measured = spreadDurations(NOMINAL_MS, SAMPLES);
    const history = spreadDurations(NOMINAL_MS, HISTORY_RUNS);
    const cells = DIALECTS.flatMap((dialect) =>
      TOOLS.filter((tool) => tool.unsupported(dialect) === undefined).map((tool) => ({ dialect, tool })),
    );
    ctx.log(`${cells.length} tool × dialect cells, ${SAMPLES} samples each, 2 phases, @${TIME_SCALE}×`);
    const results = new Map<string, { cold: Sample[]; warm: Sample[] }>();
    const host = SimHost.start();
    const between = barrier(cells.length * measured.length, ctx.signal);
    try {
      await Promise.all(
        cells.map(async ({ dialect, tool }, c) => {
          const pairs = await Promise.all(
            measured.map(async (d, k) => {
              // Staggered, so that no two samples start (and end) their phases at the same instant.
              await realSleep(k * STAGGER_MS + c * (STAGGER_MS / cells.length), ctx.signal);
              let passed = false;
              const phaseTwo = (): Promise<void> => {
                passed = true;
                return between();
              };
              try {
                return await sample(phaseTwo, host, dialect, tool, d, history, ctx.signal);
              } catch (error) {
                if (!passed) void between();
                const failed = { counted: 0, total: 0, notModified: 0, problem: describeError(error) };
                return [failed, failed] as [Sample, Sample];
              }
            }),
          );
          results.set(`${dialect}/${tool.key}`, {
            cold: pairs.map((p) => p[0]),
            warm: pairs.map((p) => p[1]),
          });
        }),
      );
    } finally {
      await host.close();
    }
    lag.disable();
    const lagNote = `event-loop delay during the section: p50 ${(lag.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms (× ${TIME_SCALE} on the client clock)`;
    ctx.log(lagNote);
    const spread = `10-min workflow (runs ${Math.round((measured[0]! / NOMINAL_MS) * 100)}–${Math.round((measured.at(-1)! / NOMINAL_MS) * 100)} % of it: ±20 %, 1 in 10 in a tail to 1.8×), ${SAMPLES} runs @${TIME_SCALE}×, each tool on its own sim`;
    for (const dialect of DIALECTS) {
      for (const phase of ['cold', 'warm'] as const) {
        const when = phase === 'cold' ? 'no completed history' : `${HISTORY_RUNS} completed runs in history`;
        const of = (key: ToolKey): Summary | undefined => {
          const r = results.get(`${dialect}/${key}`);
          return r ? summarise(r[phase]) : undefined;
        };
        const xrd = of('xrd')!;
        const peerCells = (cell: (s: Summary, x: Summary) => string): Record<string, string> =>
          Object.fromEntries(
            PEER_COLUMNS.map(({ key }) => {
              const why = TOOLS.find((t) => t.key === key)!.unsupported(dialect);
              const s = of(key);
              return [key, why !== undefined || s === undefined ? `— (${why ?? 'not run'})` : cell(s, xrd)];
            }),
          );
        const metrics = (key: ToolKey) => {
          const s = of(key);
          return s
            ? {
                [`${key}Counted`]: s.counted,
                [`${key}Total`]: s.total,
                [`${key}P50Ms`]: s.p50,
                [`${key}P95Ms`]: s.p95,
                ...(s.seenP50 !== null
                  ? { [`${key}SeenP50Ms`]: s.seenP50, [`${key}SeenP95Ms`]: s.seenP95 }
                  : {}),
                [`${key}Problems`]: s.problems,
                [`${key}LatenciesS`]: s.latencies,
              }
            : {};
        };
        const allMetrics = Object.assign(
          {},
          ...(['xrd', ...PEER_COLUMNS.map((c) => c.key)] as ToolKey[]).map(metrics),
        );
        ctx.add({
          area: ctx.area,
          scenario: `${dialect}, ${when}: requests per dispatch-and-wait (median), counted / all`,
          xrd: requestsCell(xrd),
          peers: peerCells(requestsCell),
          status: 'ok',
          metrics: allMetrics,
          notes: spread,
        });
        ctx.add({
          area: ctx.area,
          scenario: `${dialect}, ${when}: completion → tool returns, p50 / p95`,
          xrd: latencyCell(xrd),
          peers: peerCells(latencyCell),
          status: 'ok',
          notes: lagNote,
        });
      }
    }
  },
};
