// Completion through the webhook service (apps/webhook, the real built server as a child process):
// pull requests opened on forge-sim reach the service as the forge's own signed deliveries; it
// dispatches a 10-minute workflow (durations spread as in the peers rows, no finished run before
// them: no duration history anywhere) and learns each run's end from the target's completion hook
// (GitHub and Gitea ≥ 1.25: `workflow_run`; Forgejo: `action_run_success` / `action_run_failure`),
// then posts the final commit status and the PR comment. Counted: every request the service made
// to the forge (by route, from forge-sim's own counters), and the time from each run's completion
// to its final status on the source commit.
//
// Forge time runs TIME_SCALE× faster than real time; the service's own timers that stand for forge
// time (the reconcile and safety intervals) are divided by it too, so the requests are those of a
// real 10-minute run. The latency is in real time: a pushed completion is handled as soon as it
// arrives, whatever the forge's clock. Polling latency, xrd's and its peers', is measured on the
// same durations by the "versus peers" section (scenarios/peers.ts).
import { spreadDurations } from '../durations.ts';
import { exactTimesOf, realSleep } from '../engine.ts';
import { OWNER, REPO, START_DELAY_MS, setUpTarget, WF_RUN_NAME } from '../fixtures.ts';
import type { RowBody, Section } from '../harness.ts';
import {
  createPulls,
  FORGE_NAME,
  HOOK_SECRET,
  metricSum,
  type ServiceProcess,
  SOURCE,
  startService,
  writeServiceConfig,
} from '../service-process.ts';
import { type Dialect, forgeKindOf, type Sim, withSim } from '../sim.ts';
import { fmtMs, median, percentile } from '../stats.ts';

const TIME_SCALE = 20;
const NOMINAL_MS = 10 * 60_000;
const SAMPLES = 20;
/** Real ms between two pull requests. */
const STAGGER_MS = 200;
/** The service's defaults (apps/webhook/src/config.ts), in forge time. */
const RECONCILE_INTERVAL_MS = 30_000;
const SAFETY_INTERVAL_MS = 300_000;
const CONTEXT = 'bench/xrd';
const DIALECTS: readonly Dialect[] = ['github', 'gitea-1.25', 'gitea-1.26', 'forgejo'];

/** The events a target sends when a run ends, by dialect (forge-sim's names, the forges' own). */
function completionEvents(dialect: Dialect): string[] {
  return dialect === 'forgejo'
    ? ['action_run_success', 'action_run_failure', 'action_run_recover']
    : ['workflow_run'];
}

interface SimStatus {
  readonly state: string;
  readonly context: string;
  readonly createdAt: number;
}

export interface ServiceDetection {
  readonly runs: number;
  readonly reported: number;
  readonly requestsPerRun: number;
  readonly reportRequestsPerRun: number;
  readonly countedPerRun: number;
  readonly byRoute: Record<string, number>;
  readonly latencies: number[];
  readonly reconcileCompleted: number;
}

/** Is this route one of the reports on the source (status, comment) rather than following the run? */
const isReport = (route: string): boolean => /\/statuses\/|\/comments/.test(route);

async function hookUp(sim: Sim, service: ServiceProcess, dialect: Dialect): Promise<void> {
  const url = `${service.url}/hooks/${FORGE_NAME}`;
  await sim.control('POST', '/hooks', { ...SOURCE, url, secret: HOOK_SECRET, events: ['pull_request'] });
  await sim.control('POST', '/hooks', {
    owner: OWNER,
    repo: REPO,
    url,
    secret: HOOK_SECRET,
    events: completionEvents(dialect),
  });
}

export async function serviceDetection(dialect: Dialect, signal: AbortSignal): Promise<ServiceDetection> {
  const durations = spreadDurations(NOMINAL_MS, SAMPLES);
  return withSim(dialect, TIME_SCALE, async (sim) => {
    await setUpTarget(sim, NOMINAL_MS);
    await sim.control('POST', `/repos/${OWNER}/${REPO}/workflows/${WF_RUN_NAME}/script`, {
      runs: durations.map((durationMs) => ({ durationMs })),
    });
    const setup = writeServiceConfig(sim, {
      kind: forgeKindOf(dialect),
      reconcile: {
        interval: `${RECONCILE_INTERVAL_MS / TIME_SCALE}ms`,
        'safety-interval': `${SAFETY_INTERVAL_MS / TIME_SCALE}ms`,
      },
    });
    const service = await startService(setup.configFile);
    try {
      await hookUp(sim, service, dialect);
      await sim.resetStats();
      for (let i = 0; i < SAMPLES && !signal.aborted; i += 1) {
        await createPulls(sim, i + 1, 1);
        await realSleep(STAGGER_MS, signal);
      }
      // Every run ends by 1.8 × nominal (the tail of spreadDurations); then the reports follow.
      const limit = Date.now() + (START_DELAY_MS + 1.8 * NOMINAL_MS) / TIME_SCALE + 30_000;
      let reported = 0;
      while (Date.now() < limit && !signal.aborted) {
        reported = await metricSum(service.url, 'xrd_webhook_runs_completed_total');
        if (reported >= SAMPLES) break;
        await realSleep(250, signal);
      }
      // The PR comment follows the final status; let the last ones land before counting.
      await realSleep(500, signal);
      const reconcileCompleted = await metricSum(
        service.url,
        'xrd_webhook_reconcile_checks_total',
        (labels) => /result="completed"/.test(labels),
      );
      const stats = await sim.stats();
      const runs = (await sim.runs()).filter((run) => run.workflow === WF_RUN_NAME);
      const times = exactTimesOf(runs, durations, START_DELAY_MS, TIME_SCALE);
      const latencies: number[] = [];
      for (const run of runs) {
        const sha = String(run.inputs?.sha ?? '');
        const completedAt = times.get(run.id)?.completedAt;
        if (!sha || completedAt === undefined) continue;
        const statuses = await sim.control<SimStatus[]>(
          'GET',
          `/repos/${SOURCE.owner}/${SOURCE.repo}/statuses/${sha}`,
        );
        const final = statuses.find((s) => s.context === CONTEXT && s.state !== 'pending');
        if (final) latencies.push(final.createdAt - completedAt);
      }
      const byRoute: Record<string, number> = {};
      let report = 0;
      for (const [route, counts] of Object.entries(stats.byRoute)) {
        if (route.includes('/_sim/')) continue;
        byRoute[route] = counts.total;
        if (isReport(route)) report += counts.total;
      }
      const all = Object.values(byRoute).reduce((sum, n) => sum + n, 0);
      return {
        runs: runs.length,
        reported,
        requestsPerRun: all / SAMPLES,
        reportRequestsPerRun: report / SAMPLES,
        countedPerRun: stats.requests.counted / SAMPLES,
        byRoute,
        latencies,
        reconcileCompleted,
      };
    } finally {
      await service.stop();
      setup.cleanup();
    }
  });
}

function row(d: ServiceDetection): RowBody {
  const follow = d.requestsPerRun - d.reportRequestsPerRun;
  const complete = d.reported === SAMPLES && d.latencies.length === SAMPLES;
  return {
    xrd: `${follow.toFixed(1)} requests per run to dispatch and follow it, + ${d.reportRequestsPerRun.toFixed(1)} to report (pending and final status, PR comment); completion → final status p50 ${fmtMs(median(d.latencies))}, p95 ${fmtMs(percentile(d.latencies, 95))} (real time); ${d.reported}/${SAMPLES} reported${d.reconcileCompleted > 0 ? `, ${d.reconcileCompleted} of them found completed by the reconciler` : ''}`,
    status: complete ? 'ok' : 'error',
    metrics: {
      runs: d.runs,
      reported: d.reported,
      followRequestsPerRun: follow,
      reportRequestsPerRun: d.reportRequestsPerRun,
      requestsPerRun: d.requestsPerRun,
      countedPerRun: d.countedPerRun,
      p50Ms: median(d.latencies),
      p95Ms: percentile(d.latencies, 95),
      maxMs: d.latencies.length > 0 ? Math.max(...d.latencies) : null,
      reconcileCompleted: d.reconcileCompleted,
      byRoute: JSON.stringify(d.byRoute),
    },
  };
}

export const latency: Section = {
  area: 'detection latency',
  budgetMs: 150_000,
  async run(ctx) {
    // The dialects run side by side (each its own forge-sim and service); their rows follow in order.
    const pending = DIALECTS.map((dialect) =>
      serviceDetection(dialect, ctx.signal).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
    );
    for (const [i, dialect] of DIALECTS.entries()) {
      await ctx.scenario(
        `${dialect}, webhook service (xrd-webhook, embedded store), no duration history: ${SAMPLES} pull requests ${STAGGER_MS} ms apart, each dispatching a 10-min run (spread ±20 %, tail to 1.8×) @${TIME_SCALE}×; the end learned from the target's completion hook (${completionEvents(dialect).join(' / ')}); reconcile intervals at the defaults in forge time`,
        async () => {
          const outcome = await pending[i]!;
          if ('error' in outcome) throw outcome.error;
          return row(outcome.value);
        },
      );
    }
  },
};
