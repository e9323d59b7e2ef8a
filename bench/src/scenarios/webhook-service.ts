// The webhook service under load: how fast it acknowledges deliveries, how much memory it holds
// with 10,000 runs in flight, and 1 vs 3 replicas sharing PostgreSQL.
import { realSleep } from '../engine.ts';
import { setUpTarget } from '../fixtures.ts';
import { NotAvailable, type RowBody, type Section } from '../harness.ts';
import { runLoad } from '../http-load.ts';
import {
  captureDelivery,
  createPulls,
  type DeliveryTemplate,
  FORGE_NAME,
  metricSum,
  psql,
  rssBytes,
  type ServiceProcess,
  signedDelivery,
  startService,
  writeServiceConfig,
} from '../service-process.ts';
import { type Sim, withSim } from '../sim.ts';
import { fmtBytes, fmtInt, fmtMs, percentile } from '../stats.ts';
import { requireFile } from '../workspace.ts';

/** Ten hours: every dispatched run stays in flight for the whole section. */
const LONG_RUN_MS = 10 * 3_600_000;
const IN_FLIGHT_TARGET = 10_000;
const CONCURRENCY = 16;
const DATABASE_URL = process.env.XRD_BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

async function prepareSim(sim: Sim, pulls: number): Promise<void> {
  await setUpTarget(sim, LONG_RUN_MS);
  await sim.control('POST', '/rate-limit', { limit: 10_000_000, remaining: 10_000_000 });
  await createPulls(sim, 1, pulls);
}

/** The sim tells the service about its runs, as a real target would. */
async function hookUp(sim: Sim, services: readonly ServiceProcess[]): Promise<void> {
  for (const service of services) {
    await sim.control('POST', '/hooks', {
      owner: 'bench',
      repo: 'target',
      url: `${service.url}/hooks/${FORGE_NAME}`,
      secret: 'bench-webhook-secret',
      events: ['workflow_run'],
    });
  }
}

async function sendDeliveries(
  services: readonly ServiceProcess[],
  template: DeliveryTemplate,
  count: number,
  maxMs: number,
  signal: AbortSignal,
  tag: string,
) {
  // One load generator per replica (round-robin split), each with its share of connections.
  const per = Math.ceil(count / services.length);
  const results = await Promise.all(
    services.map((service, s) =>
      runLoad({
        url: `${service.url}/hooks/${FORGE_NAME}`,
        method: 'POST',
        concurrency: Math.max(4, Math.round(CONCURRENCY / services.length)),
        maxRequests: per,
        maxMs,
        signal,
        ...(() => {
          const cache = new Map<number, ReturnType<typeof signedDelivery>>();
          const build = (i: number) => {
            let delivery = cache.get(i);
            if (!delivery) {
              const number = s * per + i + 1;
              delivery = signedDelivery(template, number, `${tag}-${number}`);
              cache.set(i, delivery);
              if (cache.size > 64) cache.delete(cache.keys().next().value as number);
            }
            return delivery;
          };
          return { headers: (i: number) => build(i).headers, body: (i: number) => build(i).body };
        })(),
      }),
    ),
  );
  const requests = results.reduce((sum, r) => sum + r.requests, 0);
  const pooled = results.flatMap((r) => r.latencies);
  const elapsedMs = Math.max(...results.map((r) => r.elapsedMs));
  const byStatus: Record<string, number> = {};
  for (const r of results)
    for (const [k, v] of Object.entries(r.byStatus)) byStatus[k] = (byStatus[k] ?? 0) + v;
  return {
    requests,
    elapsedMs,
    perSecond: requests / (elapsedMs / 1000),
    p50Ms: percentile(pooled, 50),
    p99Ms: percentile(pooled, 99),
    byStatus,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    firstError: results.find((r) => r.firstError)?.firstError,
  };
}

function statusText(byStatus: Record<string, number>): string {
  return Object.entries(byStatus)
    .map(([status, n]) => `${fmtInt(n)}×${status}`)
    .join(', ');
}

/** A delivery row: the rate, the ack latency (pooled over the replicas, if several), the statuses. */
function deliveryRow(load: Awaited<ReturnType<typeof sendDeliveries>>, replicas?: number): RowBody {
  const pooled = replicas !== undefined && replicas > 1 ? ' (all replicas pooled)' : '';
  return {
    xrd: `${fmtInt(load.perSecond)} deliveries/s; ack p50 ${fmtMs(load.p50Ms)}, p99 ${fmtMs(load.p99Ms)}${pooled} (${statusText(load.byStatus)})`,
    status: load.errors > 0 || !load.byStatus['202'] ? 'error' : 'ok',
    metrics: {
      ...(replicas !== undefined ? { replicas } : {}),
      perSecond: load.perSecond,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      requests: load.requests,
      errors: load.errors,
      statuses: JSON.stringify(load.byStatus),
      firstError: load.firstError ?? null,
    },
  };
}

export const webhookService: Section = {
  area: 'webhook service',
  budgetMs: 240_000,
  async run(ctx) {
    let template: DeliveryTemplate | undefined;
    const getTemplate = async (): Promise<DeliveryTemplate> => {
      requireFile('apps/webhook/dist/server.js', 'the webhook service');
      template ??= await captureDelivery();
      return template;
    };
    let memoryRow:
      | { rssBefore: number | null; rssAfter: number | null; inFlight: number; waitedMs: number }
      | undefined;

    await ctx.scenario(
      `embedded store (SQLite), 1 process: ${fmtInt(IN_FLIGHT_TARGET)} signed pull_request deliveries (distinct PRs), ${CONCURRENCY} keep-alive connections, ≤ 60 s; the worker dispatches each into forge-sim meanwhile`,
      async (signal) => {
        const tpl = await getTemplate();
        return withSim('github', 1, async (sim) => {
          await prepareSim(sim, IN_FLIGHT_TARGET);
          const setup = writeServiceConfig(sim, {});
          const service = await startService(setup.configFile);
          try {
            await hookUp(sim, [service]);
            const rssBefore = rssBytes(service.child.pid);
            const load = await sendDeliveries([service], tpl, IN_FLIGHT_TARGET, 60_000, signal, 'mem');
            // Then the memory row: wait (bounded) until the worker has dispatched them all.
            const started = Date.now();
            let inFlight = 0;
            while (Date.now() - started < 90_000 && !signal.aborted) {
              inFlight = await metricSum(service.url, 'xrd_webhook_inflight_runs', (labels) =>
                /state="(started|running)"/.test(labels),
              );
              if (inFlight >= load.requests) break;
              await realSleep(1000, signal);
            }
            memoryRow = {
              rssBefore,
              rssAfter: rssBytes(service.child.pid),
              inFlight,
              waitedMs: Date.now() - started,
            };
            return deliveryRow(load);
          } finally {
            await service.stop();
            setup.cleanup();
          }
        });
      },
    );

    await ctx.scenario(
      `embedded store, 1 process: resident memory (VmRSS) once the worker holds ${fmtInt(IN_FLIGHT_TARGET)} dispatched, unfinished runs (10-h runs; the deliveries of the row above)`,
      async () => {
        if (!memoryRow) throw new NotAvailable('the delivery row above did not run');
        const { rssBefore, rssAfter, inFlight, waitedMs } = memoryRow;
        return {
          xrd: `${fmtBytes(rssAfter)} with ${fmtInt(inFlight)} runs in flight (idle: ${fmtBytes(rssBefore)}; all dispatched ${(waitedMs / 1000).toFixed(1)} s after the last ack)`,
          status: rssAfter === null ? 'error' : 'ok',
          metrics: { rssBytes: rssAfter, rssIdleBytes: rssBefore, inFlight, dispatchLagMs: waitedMs },
        };
      },
    );

    for (const replicas of [1, 3]) {
      const deliveries = 3000;
      await ctx.scenario(
        `PostgreSQL store (${DATABASE_URL.replace(/\/\/[^@]*@/, '//')}, fresh schema), ${replicas} replica${replicas > 1 ? 's' : ''}: ${fmtInt(deliveries)} signed pull_request deliveries split evenly, ${CONCURRENCY} connections in all, ≤ 30 s`,
        async (signal) => {
          const tpl = await getTemplate();
          const schema = `xrd_bench_${process.pid}_${Date.now().toString(36)}_${replicas}`;
          try {
            psql(DATABASE_URL, 'select 1');
          } catch (error) {
            throw new NotAvailable(
              `PostgreSQL not reachable at ${DATABASE_URL}: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
          return withSim('github', 1, async (sim) => {
            await prepareSim(sim, deliveries);
            const setup = writeServiceConfig(sim, {});
            const services: ServiceProcess[] = [];
            try {
              // Replicas start at once, as they would behind a load balancer (migrations race).
              services.push(
                ...(await Promise.all(
                  Array.from({ length: replicas }, () =>
                    startService(setup.configFile, { DATABASE_URL, XRD_STORE_SCHEMA: schema }),
                  ),
                )),
              );
              await hookUp(sim, services);
              const load = await sendDeliveries(services, tpl, deliveries, 30_000, signal, `pg${replicas}`);
              return deliveryRow(load, replicas);
            } finally {
              await Promise.all(services.map((s) => s.stop()));
              setup.cleanup();
              try {
                psql(DATABASE_URL, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
              } catch {
                // best effort: the schema name is unique, a leftover harms nothing
              }
            }
          });
        },
      );
    }
  },
};
