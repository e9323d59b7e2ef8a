// Rate-limit cost: what one dispatch-and-wait of a 10-minute run costs, counted by forge-sim.

import type { Run } from '@xrd/core';
import { engine, exactTimesOf, forgeFor, onClientClock, scaledClock, withoutRunId } from '../engine.ts';
import { correlationId, PATH_LABEL, PATHS, type PathName, START_DELAY_MS, setUpTarget } from '../fixtures.ts';
import { type RowBody, type Section, settle } from '../harness.ts';
import { planFor, runCarries, simRunFor } from '../plan.ts';
import { pool } from '../pool.ts';
import { benchDialects, type Dialect, isGitHubDialect, type SimCounters, withSim } from '../sim.ts';

const TIME_SCALE = 60;
const RUN_MS = 10 * 60_000;

interface Cost {
  readonly total: number;
  readonly counted: number;
  readonly notModified: number;
}

function costOf(counters: SimCounters): Cost {
  return { total: counters.total, counted: counters.counted, notModified: counters.notModified };
}

const fmt = (cost: Cost): string => `${cost.total} req, ${cost.counted} counted`;

/** One dispatch-and-wait per fresh Forge (a new process in real life), measured by the sim. */
async function measureXrd(dialect: Dialect, path: PathName, signal: AbortSignal): Promise<RowBody> {
  const plan = planFor(dialect, path);
  const { dispatchAndWait } = await engine();
  return withSim(dialect, TIME_SCALE, async (sim) => {
    await setUpTarget(sim, RUN_MS);
    // Every run here lasts RUN_MS: its completion is known to the ms, so the duration learned for the
    // 2nd run is what a forge running at this speed would report (engine.ts, onClientClock).
    const exact = async () => {
      const runs = await sim.runs();
      const times = exactTimesOf(
        runs,
        runs.map(() => RUN_MS),
        START_DELAY_MS,
        TIME_SCALE,
      );
      // Gitea 1.24 names runs by their number (its task list has no run id).
      const byNumber = new Map(runs.map((run) => [run.runNumber, times.get(run.id)]));
      return (run: Run) => (dialect === 'gitea-1.24' ? byNumber.get(run.id) : times.get(run.id));
    };
    const once = async (): Promise<{ cost: Cost; own: boolean; clientRequests: number; routes: string }> => {
      const clock = scaledClock(TIME_SCALE);
      const base = onClientClock(await forgeFor(sim), clock, await exact());
      const forge = plan.withhold ? withoutRunId(base) : base;
      const id = correlationId();
      await sim.resetStats();
      const result = await dispatchAndWait(forge, plan.request(id), {
        now: clock.now,
        sleep: clock.sleep,
        signal,
      });
      const stats = await sim.stats();
      const run = simRunFor(await sim.runs(), dialect, result.runId);
      return {
        cost: costOf(stats.requests),
        own: runCarries(run, id),
        clientRequests: result.apiCost.requests,
        // Counted requests per route, for results.json: where each one went.
        routes: Object.entries(stats.byRoute)
          .filter(([, s]) => s.counted > 0)
          .map(([route, s]) => `${route} ×${s.counted}`)
          .join('; '),
      };
    };
    // First with no history; then again, when the first run's duration is there to be learned.
    const cold = await once();
    const warm = await once();
    const wrong = [cold, warm].filter((m) => !m.own).length;
    return {
      xrd: `${fmt(cold.cost)}; 2nd run ${fmt(warm.cost)}${wrong ? ` (${wrong} WRONG RUN)` : ''}`,
      status: 'ok',
      metrics: {
        coldTotal: cold.cost.total,
        coldCounted: cold.cost.counted,
        coldNotModified: cold.cost.notModified,
        warmTotal: warm.cost.total,
        warmCounted: warm.cost.counted,
        warmNotModified: warm.cost.notModified,
        clientMeterCold: cold.clientRequests,
        clientMeterWarm: warm.clientRequests,
        countedRoutesCold: cold.routes,
        countedRoutesWarm: warm.routes,
        wrongRun: wrong,
      },
      notes: plan.describe,
    };
  });
}

export const rateLimitCost: Section = {
  area: 'rate-limit cost',
  budgetMs: 180_000,
  async run(ctx) {
    const dialects = await benchDialects();
    // repository_dispatch exists only on GitHub; the Gitea/Forgejo rows for it would only ever say so.
    const cells = dialects.flatMap((dialect) =>
      PATHS.filter((path) => isGitHubDialect(dialect) || !path.startsWith('repo-dispatch')).map((path) => ({
        dialect,
        path,
      })),
    );
    const bodies = await pool(cells, 8, (cell) => {
      ctx.log(`${cell.dialect} / ${PATH_LABEL[cell.path]}`);
      return settle(() => measureXrd(cell.dialect, cell.path, ctx.signal));
    });
    cells.forEach((cell, index) => {
      const body = bodies[index]!;
      ctx.add({
        area: ctx.area,
        scenario: `${cell.dialect}, ${PATH_LABEL[cell.path]}: 1 dispatch-and-wait, 10-min run @60×`,
        ...body,
      });
    });
  },
};
