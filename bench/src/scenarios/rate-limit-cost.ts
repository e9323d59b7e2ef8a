// Rate-limit cost: what one dispatch-and-wait of a 10-minute run costs, counted by forge-sim.

import { runReference } from '../baseline-reference.ts';
import { BENCH_TOKEN, engine, forgeFor, onClientClock, scaledClock, withoutRunId } from '../engine.ts';
import {
  correlationId,
  EVENT_STEP_NAME,
  OWNER,
  PATH_LABEL,
  PATHS,
  type PathName,
  REF,
  REPO,
  setUpTarget,
  WF_STEP_NAME,
} from '../fixtures.ts';
import { type RowBody, type Section, settle } from '../harness.ts';
import { planFor, runCarries, simRunFor } from '../plan.ts';
import { pool } from '../pool.ts';
import {
  benchDialects,
  type Dialect,
  forgeKindOf,
  isGitHubDialect,
  type SimCounters,
  withSim,
} from '../sim.ts';

const TIME_SCALE = 60;
const RUN_MS = 10 * 60_000;
/** The reference's own README example uses 1200 s; its default 600 s would time out on a 10-minute run. */
const REFERENCE_TIMEOUT_MS = 1_200_000;

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
    const once = async (): Promise<{ cost: Cost; own: boolean; clientRequests: number }> => {
      const clock = scaledClock(TIME_SCALE);
      const base = onClientClock(await forgeFor(sim), clock);
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
        wrongRun: wrong,
      },
      notes: plan.describe,
    };
  });
}

async function measureReference(dialect: Dialect, signal: AbortSignal): Promise<RowBody> {
  if (dialect === 'gitea-1.24') return { xrd: 'n/a (Gitea 1.24 has no run/job API to poll)', status: 'n/a' };
  return withSim(dialect, TIME_SCALE, async (sim) => {
    await setUpTarget(sim, RUN_MS);
    const clock = scaledClock(TIME_SCALE);
    const sha = correlationId('ref');
    await sim.resetStats();
    const result = await runReference({
      apiUrl: sim.apiUrl,
      kind: forgeKindOf(dialect),
      owner: OWNER,
      repo: REPO,
      ref: REF,
      sha,
      ...(isGitHubDialect(dialect)
        ? { eventType: EVENT_STEP_NAME }
        : { workflow: WF_STEP_NAME, inputName: 'correlation_id' }),
      timeoutMs: REFERENCE_TIMEOUT_MS,
      now: clock.now,
      sleep: clock.sleep,
      signal,
      token: BENCH_TOKEN,
    });
    const cost = costOf((await sim.stats()).requests);
    const outcome = result.timedOut
      ? result.found
        ? ' (timed out)'
        : ' (timed out, its run never found)'
      : '';
    return {
      xrd: `${fmt(cost)}${outcome}`,
      status: 'ok',
      metrics: {
        total: cost.total,
        counted: cost.counted,
        notModified: cost.notModified,
        timedOut: String(result.timedOut),
      },
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
    const references = new Map<Dialect, Promise<RowBody>>();
    // The reference baselines run alongside the xrd cells; each cell has its own sim, so the
    // sims' counters never mix.
    for (const dialect of dialects) {
      references.set(
        dialect,
        settle(() => measureReference(dialect, ctx.signal)),
      );
    }
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
    for (const dialect of dialects) {
      const body = await references.get(dialect)!;
      ctx.add({
        area: ctx.area,
        scenario: `${dialect}, reference way (${isGitHubDialect(dialect) ? 'repository_dispatch' : 'workflow_dispatch'} + step name, max_runs 10, every 10 s): 10-min run @60×`,
        xrd: '—',
        reference: body.xrd,
        status: body.status,
        ...(body.metrics ? { metrics: body.metrics } : {}),
      });
    }
  },
};
