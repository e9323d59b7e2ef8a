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
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
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
import { type Dialect, isGitHubDialect, type Sim, stopChild } from '../sim.ts';
import { SimHost } from '../sim-host.ts';
import { fmtMs, median, percentile } from '../stats.ts';

/**
 * The forge clock runs this much faster than real time. Every millisecond a client's event loop is
 * late counts this many times on the client clock, and the section's load per real second grows
 * with it: at 20× the GitHub process's loop (200 clients and their sims) was late by p99 28–46 ms,
 * and one full bench read xrd's "completion → returns" p95 at 3.23 s while its read that saw the
 * run completed came at 1.97 s (2026-12-01T12:56Z). At 10× the section takes twice as long (≈ 4
 * min) for a clock that is four times truer.
 */
const TIME_SCALE = 10;
const NOMINAL_MS = 10 * 60_000;
/**
 * Samples per tool, dialect and phase: 20, so that the nearest-rank p95 is the second largest of
 * them (of 16 it was the largest: one stall of a loaded machine set it).
 */
const SAMPLES = 20;
const HISTORY_RUNS = 20;
/** Every tool's timeout, raised as a user would for a 10-minute workflow (their defaults: 5 to 20 min). */
const TIMEOUT_MS = 30 * 60_000;
const DIALECTS: readonly Dialect[] = ['github', 'ghes-3.19', 'gitea-1.26', 'forgejo'];
/** Real ms between the starts of two samples of one cell. */
const STAGGER_MS = 200;

type ToolKey = 'xrd' | 'xrd-stated' | 'return-dispatch' | 'benc-uk' | 'convictional' | 'reference';

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

/** xrd's dispatch-and-wait with default settings, or told the workflow's usual duration. */
async function runXrd(ctx: ToolContext, expectedDurationMs?: number): Promise<Outcome> {
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
    {
      now: ctx.clock.now,
      sleep: ctx.clock.sleep,
      signal: ctx.signal,
      timeoutMs: TIMEOUT_MS,
      ...(expectedDurationMs !== undefined ? { expectedDurationMs } : {}),
    },
  );
  return {
    runId: result.runId,
    timedOut: false,
    ...(sawCompletedAt !== undefined ? { sawCompletedAt } : {}),
  };
}

/** The duration the `xrd-stated` cells state: the workflow's nominal one, as a user would. */
const STATED_MS = NOMINAL_MS;

const TOOLS: readonly Tool[] = [
  {
    key: 'xrd',
    unsupported: () => undefined,
    dispatcher: () => workflowDispatch(WF_RUN_NAME),
    run: (ctx) => runXrd(ctx),
  },
  {
    // Its own rows (no peer has the option): xrd told the usual duration, as for a new workflow.
    key: 'xrd-stated',
    unsupported: (dialect) =>
      isGitHubDialect(dialect) ? 'polls are free on GitHub: a stated duration changes nothing' : undefined,
    dispatcher: () => workflowDispatch(WF_RUN_NAME),
    run: (ctx) => runXrd(ctx, STATED_MS),
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

type Cell = { readonly dialect: Dialect; readonly tool: Tool };
type CellResults = Map<string, { cold: Sample[]; warm: Sample[] }>;

/**
 * Runs `cells` (SAMPLES samples each, staggered; cell `i` is the `offset + i`-th of `of` in the
 * whole section) on sims of a host of their own; `between` is the barrier between the phases.
 * Returns each cell's samples by `dialect/tool`.
 */
async function runCells(
  cells: readonly Cell[],
  offset: number,
  of: number,
  between: () => Promise<void>,
  signal: AbortSignal,
): Promise<CellResults> {
  const measured = spreadDurations(NOMINAL_MS, SAMPLES);
  const history = spreadDurations(NOMINAL_MS, HISTORY_RUNS);
  const results: CellResults = new Map();
  const host = SimHost.start();
  try {
    await Promise.all(
      cells.map(async ({ dialect, tool }, i) => {
        const c = offset + i;
        const pairs = await Promise.all(
          measured.map(async (d, k) => {
            // Staggered, so that no two samples start (and end) their phases at the same instant.
            await realSleep(k * STAGGER_MS + c * (STAGGER_MS / of), signal);
            let passed = false;
            const phaseTwo = (): Promise<void> => {
              passed = true;
              return between();
            };
            try {
              return await sample(phaseTwo, host, dialect, tool, d, history, signal);
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
  return results;
}

/** Parent → clients process: the cells to run; then `release` once every sample reached phase 2. */
type ToClients =
  | { readonly op: 'run'; readonly dialect: Dialect; readonly offset: number; readonly of: number }
  | { readonly op: 'release' };
/** Clients process → parent: a sample reached the barrier; the results at the end. */
type FromClients =
  | { readonly op: 'arrived' }
  | {
      readonly op: 'done';
      readonly results: ReadonlyArray<[string, { cold: Sample[]; warm: Sample[] }]>;
      readonly lagP50Ms: number;
      readonly lagP99Ms: number;
    }
  | { readonly op: 'failed'; readonly error: string };

const cellsOf = (dialect: Dialect): Cell[] =>
  TOOLS.filter((tool) => tool.unsupported(dialect) === undefined).map((tool) => ({ dialect, tool }));

/**
 * The clients of one dialect's cells in a process of their own (this file, `--peer-clients`), with
 * their own sim host: a client's late timer reads as late detection, times the time scale, and all
 * 250-odd clients on the bench's one event loop kept it 50–90 % busy (`top`, 2026-12-01) while the
 * second core was far from busy.
 */
function clientsProcess(
  dialect: Dialect,
  offset: number,
  of: number,
  onArrived: () => void,
  signal: AbortSignal,
): { readonly done: Promise<Extract<FromClients, { op: 'done' }>>; release(): void } {
  const child = fork(fileURLToPath(import.meta.url), ['--peer-clients'], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const onAbort = (): void => void stopChild(child, 1000);
  signal.addEventListener('abort', onAbort, { once: true });
  const done = new Promise<Extract<FromClients, { op: 'done' }>>((resolve, reject) => {
    child.on('message', (message: FromClients) => {
      if (message.op === 'arrived') onArrived();
      else if (message.op === 'done') resolve(message);
      else reject(new Error(message.error));
    });
    child.once('exit', (code, how) => reject(new Error(`the ${dialect} clients exited (${how ?? code})`)));
  }).finally(() => {
    signal.removeEventListener('abort', onAbort);
    void stopChild(child, 1000);
  });
  child.send({ op: 'run', dialect, offset, of } satisfies ToClients);
  return {
    done,
    release: () => {
      if (child.connected) child.send({ op: 'release' } satisfies ToClients);
    },
  };
}

/** The loop-delay histogram's sampling interval. */
const LAG_RESOLUTION_MS = 10;
/**
 * How late a sample of the histogram came, in ms: it records the whole interval between two of its
 * timers, so an idle loop reads LAG_RESOLUTION_MS (10.18 ms at p50 here), not 0.
 */
const lateBy = (ns: number): number => Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS);

/** The `--peer-clients` process: runs the cells it is sent, passing the barrier through its parent. */
function serveClients(): void {
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const stop = new AbortController();
  process.on('message', (message: ToClients) => {
    if (message.op === 'release') {
      release();
      return;
    }
    const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    lag.enable();
    const between = (): Promise<void> => {
      process.send?.({ op: 'arrived' } satisfies FromClients);
      return released;
    };
    runCells(cellsOf(message.dialect), message.offset, message.of, between, stop.signal).then(
      (results) =>
        process.send?.({
          op: 'done',
          results: [...results],
          lagP50Ms: lateBy(lag.percentile(50)),
          lagP99Ms: lateBy(lag.percentile(99)),
        } satisfies FromClients),
      (error: unknown) => process.send?.({ op: 'failed', error: describeError(error) } satisfies FromClients),
    );
  });
  process.on('disconnect', () => {
    stop.abort();
    process.exit(0);
  });
}

if (process.argv.includes('--peer-clients')) serveClients();

export const peers: Section = {
  area: 'versus peers',
  budgetMs: 480_000,
  async run(ctx) {
    const measured = spreadDurations(NOMINAL_MS, SAMPLES);
    const all = DIALECTS.flatMap(cellsOf);
    ctx.log(
      `${all.length} tool × dialect cells, ${SAMPLES} samples each, 2 phases, @${TIME_SCALE}×, one process of clients per dialect`,
    );
    // Every sample passes a barrier between its phases: phase 2 starts when all samples of every
    // process finished phase 1, so that no burst of starting tools falls on another's measurement
    // of a late run's end.
    const total = all.length * measured.length;
    let arrived = 0;
    const processes: Array<ReturnType<typeof clientsProcess>> = [];
    const arrive = (): void => {
      arrived += 1;
      if (arrived === total) for (const p of processes) p.release();
    };
    let offset = 0;
    for (const dialect of DIALECTS) {
      processes.push(clientsProcess(dialect, offset, all.length, arrive, ctx.signal));
      offset += cellsOf(dialect).length;
    }
    // A section out of time lets everyone through (their next sleep then ends them).
    ctx.signal.addEventListener('abort', () => {
      for (const p of processes) p.release();
    });
    const answers = await Promise.all(processes.map((p) => p.done));
    const results: CellResults = new Map(answers.flatMap((a) => a.results));
    const lagP50 = Math.max(...answers.map((a) => a.lagP50Ms));
    const lagP99 = Math.max(...answers.map((a) => a.lagP99Ms));
    const lagNote = `clients' event loops late by p50 ${lagP50.toFixed(1)} ms, p99 ${lagP99.toFixed(1)} ms (the worst of the ${DIALECTS.length} processes; × ${TIME_SCALE} on the client clock)`;
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
      // xrd told the usual duration (`expected-duration 10m`) where polls are paid, on the same runs
      // without history: what a new workflow costs when its user says how long it takes.
      const stated = results.get(`${dialect}/xrd-stated`);
      if (stated) {
        const s = summarise(stated.cold);
        const scenario = `${dialect}, no completed history, xrd told the usual duration (\`expected-duration ${STATED_MS / 60_000}m\`, the nominal one; the runs spread as above)`;
        ctx.add({
          area: ctx.area,
          scenario: `${scenario}: requests per dispatch-and-wait (median), counted / all`,
          xrd: requestsCell(s),
          status: 'ok',
          metrics: {
            counted: s.counted,
            total: s.total,
            p50Ms: s.p50,
            p95Ms: s.p95,
            problems: s.problems,
            latenciesS: s.latencies,
          },
          notes: spread,
        });
        ctx.add({
          area: ctx.area,
          scenario: `${scenario}: completion → tool returns, p50 / p95`,
          xrd: latencyCell(s),
          status: 'ok',
          notes: lagNote,
        });
      }
    }
  },
};
