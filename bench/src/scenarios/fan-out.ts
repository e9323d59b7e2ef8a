// Fan-out: N targets answered once (core's runFanOut) against N dispatch-and-waits, one per target
// (as N steps or N processes would do today), on the same runs: counted requests per target, and
// how soon after the last run ended the answer came.
import type {
  FanOutHooks,
  FanOutOptions,
  FanOutOutcome,
  Forge,
  ParseFanOutContext,
  RawRunOptions,
  RunResult,
} from '@xrd/core';
import { durationFactor } from '../durations.ts';
import { engine, forgeFor, onClientClock, type ScaledClock, scaledClock } from '../engine.ts';
import { completionInstant, correlationId, OWNER, REF, START_DELAY_MS, WF_RUN_NAME } from '../fixtures.ts';
import { type RowBody, type Section, settle } from '../harness.ts';
import { pool } from '../pool.ts';
import { type Dialect, forgeKindOf, type Sim, type SimStats, withSim } from '../sim.ts';
import { fmtMs, median } from '../stats.ts';
import { requireExport } from '../workspace.ts';

const TIME_SCALE = 60;
const NOMINAL_MS = 10 * 60_000;

type Layout = 'one repository' | 'across repositories';
type Spread = 'ending together' | 'spread';

interface Cell {
  readonly dialect: Dialect;
  readonly targets: number;
  readonly layout: Layout;
  readonly spread: Spread;
}

interface Measured {
  /** Counted by forge-sim, dispatches included. */
  readonly counted: number;
  readonly total: number;
  /** The answer − the last run's completion, client clock. */
  readonly latencyMs: number;
  readonly wrong: number;
  /** Where the counted requests went, for results.json. */
  readonly routes: string;
}

function countedRoutes(stats: SimStats): string {
  return Object.entries(stats.byRoute)
    .filter(([, s]) => s.counted > 0)
    .map(([route, s]) => `${route} ×${s.counted}`)
    .join('; ');
}

/**
 * Durations for `n` runs: all NOMINAL_MS ("one change to like targets"), or spread like real runs
 * (src/durations.ts: 9 in 10 within ±20 %, a tail to 1.8×) and handed out in a shuffled order, so
 * the run dispatched last is not the one that takes longest.
 */
function durationsFor(n: number, spread: Spread, order = 0): number[] {
  if (spread === 'ending together') return Array.from({ length: n }, () => NOMINAL_MS);
  const sorted = Array.from({ length: n }, (_, i) => Math.round(NOMINAL_MS * durationFactor((i + 0.5) / n)));
  // Fixed permutations (i × 7 + offset mod n, 7 prime to 5 and 20): the same runs every bench run.
  const offset = ORDERS[order] ?? 0;
  return sorted.map((_, i) => sorted[(i * 7 + offset) % n] as number);
}

/**
 * Where the runs end apart, what following one run alone saves depends on where the longest run
 * falls in the dispatch order: such rows measure the fan-out in three orders (median, min–max).
 */
const ORDERS = [3, 11, 17] as const;

const repoOf = (cell: Cell, i: number): string =>
  cell.layout === 'one repository' ? 'target' : `target-${i + 1}`;

/**
 * One sim per measurement: the repositories, each with bench.yml, and every run's duration scripted
 * in dispatch order (per repository and workflow, as the sim consumes scripts).
 */
async function setUp(sim: Sim, cell: Cell, durations: readonly number[]): Promise<void> {
  const repos = [...new Set(durations.map((_, i) => repoOf(cell, i)))];
  for (const repo of repos) {
    await sim.createRepo(OWNER, repo);
    await sim.addWorkflow(OWNER, repo, {
      file: WF_RUN_NAME,
      name: 'Bench',
      on: { workflow_dispatch: { inputs: { correlation_id: { required: false } } } },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression
      runName: 'Bench ${{ inputs.correlation_id }}',
      jobs: [{ name: 'build', steps: ['Checkout', 'Build', 'Test'], durationMs: NOMINAL_MS }],
      startDelayMs: START_DELAY_MS,
    });
  }
  for (const repo of repos) {
    const mine = durations.filter((_, i) => repoOf(cell, i) === repo);
    await sim.control('POST', `/repos/${OWNER}/${repo}/workflows/${WF_RUN_NAME}/script`, {
      runs: mine.map((durationMs) => ({ durationMs })),
    });
  }
}

/** When the last run really completed, on the client clock (its creation + start delay + duration). */
async function lastCompletion(sim: Sim, clock: ScaledClock, cell: Cell, durations: readonly number[]) {
  const runs = await sim.runs();
  let last = 0;
  for (const repo of new Set(durations.map((_, i) => repoOf(cell, i)))) {
    const mine = durations.filter((_, i) => repoOf(cell, i) === repo);
    const ofRepo = runs.filter((r) => r.repo === repo).sort((a, b) => a.id - b.id);
    ofRepo.forEach((run, index) => {
      const created = Date.parse(run.createdAt ?? '');
      const duration = mine[index];
      if (duration !== undefined && !Number.isNaN(created)) {
        last = Math.max(last, completionInstant(created, duration, TIME_SCALE));
      }
    });
  }
  return clock.toClient(last);
}

async function measureFanOut(cell: Cell, signal: AbortSignal, order = 0): Promise<Measured> {
  const runFanOut = await requireExport<(o: FanOutOptions, h: FanOutHooks) => Promise<FanOutOutcome>>(
    '@xrd/core',
    'runFanOut',
  );
  const parse = await requireExport<(raw: RawRunOptions, ctx: ParseFanOutContext) => FanOutOptions>(
    '@xrd/core',
    'parseFanOutOptions',
  );
  const durations = durationsFor(cell.targets, cell.spread, order);
  return withSim(cell.dialect, TIME_SCALE, async (sim) => {
    await setUp(sim, cell, durations);
    const clock = scaledClock(TIME_SCALE);
    const forge: Forge = onClientClock(await forgeFor(sim), clock);
    const options = parse(
      {
        forge: forgeKindOf(cell.dialect),
        'api-url': sim.apiUrl,
        workflow: WF_RUN_NAME,
        ref: REF,
        timeout: '1h',
        targets: JSON.stringify(durations.map((_, i) => ({ repo: `${OWNER}/${repoOf(cell, i)}` }))),
      },
      { targetToken: 'token' },
    );
    await sim.resetStats();
    const outcome = await runFanOut(options, {
      connect: () => forge,
      now: clock.now,
      sleep: clock.sleep,
      signal,
    });
    const answeredAt = clock.now();
    const stats = await sim.stats();
    return {
      counted: stats.requests.counted,
      total: stats.requests.total,
      latencyMs: answeredAt - (await lastCompletion(sim, clock, cell, durations)),
      wrong: outcome.targets.filter((o) => o.verdict !== 'success').length,
      routes: countedRoutes(stats),
    };
  });
}

/** The same targets the way it is done without fan-out: one dispatch-and-wait each, all at once. */
async function oneEach(cell: Cell, signal: AbortSignal): Promise<Measured> {
  const { dispatchAndWait } = await engine();
  const durations = durationsFor(cell.targets, cell.spread);
  return withSim(cell.dialect, TIME_SCALE, async (sim) => {
    await setUp(sim, cell, durations);
    const clock = scaledClock(TIME_SCALE);
    await sim.resetStats();
    // A fresh Forge each: N steps or processes share no ETag cache.
    const results = await Promise.all(
      durations.map(async (_, i): Promise<RunResult> => {
        const forge = onClientClock(await forgeFor(sim), clock);
        return dispatchAndWait(
          forge,
          {
            repo: { owner: OWNER, repo: repoOf(cell, i) },
            ref: REF,
            workflow: WF_RUN_NAME,
            correlationId: correlationId('fan'),
          },
          { now: clock.now, sleep: clock.sleep, signal, timeoutMs: 3_600_000 },
        );
      }),
    );
    const answeredAt = clock.now();
    const stats = await sim.stats();
    return {
      counted: stats.requests.counted,
      total: stats.requests.total,
      latencyMs: answeredAt - (await lastCompletion(sim, clock, cell, durations)),
      wrong: results.filter((r) => r.conclusion !== 'success').length,
      routes: countedRoutes(stats),
    };
  });
}

function row(cell: Cell, fans: readonly Measured[], each: Measured): RowBody {
  const n = cell.targets;
  // What waiting cost, without the N dispatches every way has to send.
  const waiting = (m: Measured) => m.counted - n;
  const spread = (values: readonly number[], format: (v: number) => string): string => {
    const mid = median(values) as number;
    return values.length === 1
      ? format(mid)
      : `${format(mid)} (${format(Math.min(...values))}–${format(Math.max(...values))} over ${values.length} orders)`;
  };
  const fanWaiting = fans.map(waiting);
  const fanLatency = fans.map((m) => m.latencyMs);
  const problems = fans.reduce((sum, m) => sum + m.wrong, 0) + each.wrong;
  return {
    xrd:
      `fan-out: waiting ${spread(fanWaiting, String)} counted in all, ${spread(
        fans.map((m) => m.counted / n),
        (v) => v.toFixed(1),
      )} per target with its dispatch; answer ${spread(fanLatency, fmtMs)} after the last end. ` +
      `One dispatch-and-wait per target: waiting ${waiting(each)}, ${(each.counted / n).toFixed(1)} per target; ${fmtMs(each.latencyMs)}` +
      (problems ? ` (${problems} not success)` : ''),
    status: 'ok',
    metrics: {
      targets: n,
      fanOutCounted: median(fans.map((m) => m.counted)),
      fanOutTotal: median(fans.map((m) => m.total)),
      fanOutWaitingCounted: median(fanWaiting),
      fanOutWaitingCountedAll: fanWaiting.join(' '),
      fanOutLatencyMs: Math.round(median(fanLatency) as number),
      oneEachCounted: each.counted,
      oneEachTotal: each.total,
      oneEachWaitingCounted: waiting(each),
      oneEachLatencyMs: Math.round(each.latencyMs),
      notSuccess: problems,
      fanOutCountedRoutes: fans.map((m) => m.routes).join(' | '),
      oneEachCountedRoutes: each.routes,
    },
  };
}

export const fanOut: Section = {
  area: 'fan-out',
  budgetMs: 150_000,
  async run(ctx) {
    const cells: Cell[] = [];
    for (const targets of [1, 5, 20]) {
      for (const layout of ['one repository', 'across repositories'] as const) {
        if (targets === 1 && layout === 'across repositories') continue;
        cells.push({ dialect: 'github', targets, layout, spread: 'spread' });
      }
    }
    cells.push({ dialect: 'github', targets: 20, layout: 'one repository', spread: 'ending together' });
    cells.push({ dialect: 'gitea-1.26', targets: 20, layout: 'one repository', spread: 'spread' });
    const bodies = await pool(cells, 2, (cell) => {
      ctx.log(`${cell.dialect}: ${cell.targets} targets, ${cell.layout}, ${cell.spread}`);
      const orders =
        cell.spread === 'spread' && cell.layout === 'one repository' && cell.targets >= 6
          ? ORDERS.map((_, i) => i)
          : [0];
      return settle(async () => {
        const [each, ...fans] = await Promise.all([
          oneEach(cell, ctx.signal),
          ...orders.map((order) => measureFanOut(cell, ctx.signal, order)),
        ]);
        return row(cell, fans, each as Measured);
      });
    });
    cells.forEach((cell, i) => {
      ctx.add({
        area: ctx.area,
        scenario: `${cell.dialect}, ${cell.targets} target${cell.targets === 1 ? '' : 's'}, ${cell.layout}, 10-min runs ${cell.spread === 'spread' ? 'spread ±20 % (tail to 1.8×)' : 'ending together'} @${TIME_SCALE}×`,
        ...(bodies[i] as RowBody),
      });
    });
  },
};
