// The webhook service under load: how fast it acknowledges deliveries (at saturation, closed
// loop, and how quickly it acknowledges at a steady rate a forge might send, open loop), how much
// memory it holds with 10,000 runs in flight and once they have all completed, and 1 vs 3
// replicas sharing PostgreSQL.

import { deliveries, sendDeliveryLoad } from '../delivery-load.ts';
import { realSleep } from '../engine.ts';
import { setUpTarget } from '../fixtures.ts';
import { NotAvailable, type RowBody, type Section } from '../harness.ts';
import { type OpenLoadResult, runLoad } from '../http-load.ts';
import { freePort, type MemoryAfterGc, memoryAfterGc } from '../inspect.ts';
import { type Settled, settle } from '../machine.ts';
import {
  captureDelivery,
  createPulls,
  type DeliveryTemplate,
  FORGE_NAME,
  histogramBuckets,
  metricSum,
  psql,
  rssBytes,
  type ServiceProcess,
  startService,
  writeServiceConfig,
} from '../service-process.ts';
import { SIM_CHILD_NICE, type Sim, withSim } from '../sim.ts';
import { fmtBytes, fmtInt, fmtMs, percentile } from '../stats.ts';
import { requireFile } from '../workspace.ts';

/** Ten hours: every dispatched run stays in flight for the whole section. */
const LONG_RUN_MS = 10 * 3_600_000;
const IN_FLIGHT_TARGET = 10_000;
const CONCURRENCY = 16;
/** Quiet time before a memory reading: what an operator sees once a burst of work is over. */
/**
 * The memory rows read the service once it has given a burst's memory back — its worker does so
 * after 5 s without work, at most every 15 s (apps/webhook/src/memory.ts), and logs it — waiting at
 * most this long. A fixed 7 s after the burst, as before, read either side of that collection
 * (after all runs completed: 124.5–167.6 MiB over four runs).
 */
const GIVEN_BACK_WAIT_MS = 30_000;
const GIVEN_BACK = 'memory given back after a burst of work';

/** Waits (at most GIVEN_BACK_WAIT_MS) until the service logged GIVEN_BACK more than `seen` times. */
async function givenBack(service: ServiceProcess, seen: number, signal: AbortSignal): Promise<GivenBack> {
  const started = Date.now();
  while (service.logged(GIVEN_BACK) <= seen && Date.now() - started < GIVEN_BACK_WAIT_MS && !signal.aborted) {
    await realSleep(250, signal);
  }
  return { givenBack: service.logged(GIVEN_BACK) > seen, waitedMs: Date.now() - started };
}

interface GivenBack {
  readonly givenBack: boolean;
  readonly waitedMs: number;
}

const settled = (g: GivenBack): string =>
  g.givenBack
    ? `read ${(g.waitedMs / 1000).toFixed(1)} s after, once the service gave the burst's memory back`
    : `read ${(g.waitedMs / 1000).toFixed(0)} s after: the service had not given memory back yet`;
const COMPLETION_WAIT_MS = 240_000;
const DATABASE_URL = process.env.XRD_BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
/** Open-loop rows: the steady rate a forge sends at, for how long, and the generator's socket cap. */
/**
 * 5 runs of 10 s, pooled: one run's p99 moved between 12 and 52 ms on this 2-core VM with the same
 * service (2026-12-01); in the worst the load generator itself, another process, was late by up to
 * 48 ms. Each run's p99 is in the row.
 */
const OPEN_SQLITE = { rate: 1_000, seconds: 10, runs: 5 };
const OPEN_PG = { rate: 1_500, seconds: 5 };
const OPEN_MAX_SOCKETS = 256;
/** Sent at the same rate before the measured seconds, not counted: start-up is not steady state. */
const OPEN_WARM_UP_S = 2;

export async function prepareSim(sim: Sim, pulls: number): Promise<void> {
  await setUpTarget(sim, LONG_RUN_MS);
  await sim.control('POST', '/rate-limit', { limit: 10_000_000, remaining: 10_000_000 });
  await createPulls(sim, 1, pulls);
}

interface MemoryReading {
  /** VmRSS as the OS reports it, read first (before the inspector forces a collection). */
  readonly rss: number | null;
  /** V8's used heap after a full collection. */
  readonly heapUsed: number | null;
}

interface MemoryPhases {
  readonly idle: MemoryReading;
  readonly inFlight: MemoryReading;
  readonly inFlightSettled: GivenBack;
  readonly runs: number;
  readonly dispatchLagMs: number;
  readonly completed?: MemoryReading;
  readonly completedSettled?: GivenBack;
  readonly completedRuns?: number;
  readonly completionMs?: number;
}

async function measure(service: ServiceProcess, inspectPort: number): Promise<MemoryReading> {
  const rss = rssBytes(service.child.pid);
  const heap: MemoryAfterGc | undefined = await memoryAfterGc(inspectPort).catch(() => undefined);
  return { rss, heapUsed: heap?.heapUsed ?? null };
}

/** Completes every run on the sim now (8 control requests at a time). */
async function finishAllRuns(sim: Sim, signal: AbortSignal): Promise<void> {
  const ids = (await sim.runs()).filter((run) => run.status !== 'completed').map((run) => run.id);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length && !signal.aborted) {
      const id = ids[next]!;
      next += 1;
      await sim.control('POST', `/runs/${id}/finish`, { conclusion: 'success' });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** The sim tells the service about its runs, as a real target would. */
export async function hookUp(sim: Sim, services: readonly ServiceProcess[]): Promise<void> {
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

/** An open-loop run, how quiet the machine was when it started, and the service's own ack times. */
export interface OpenRun extends OpenLoadResult {
  readonly settled: Settled;
  /**
   * The service's `xrd_webhook_ack_seconds` over the run (warm-up included): cumulative counts by
   * upper bound in seconds. It times a delivery from the moment the service reads the request to
   * its answer, so beside the generator's latency (from the scheduled send) it tells the service's
   * own time from the time before the service could read the request.
   */
  readonly serviceAcks: ReadonlyMap<number, number>;
}

const ACK_HISTOGRAM = 'xrd_webhook_ack_seconds';

async function serviceAckBuckets(service: ServiceProcess): Promise<Map<number, number>> {
  return histogramBuckets(await (await fetch(`${service.url}/metrics`)).text(), ACK_HISTOGRAM);
}

/** Cumulative bucket counts summed (runs pooled) or subtracted (after − before). */
export function combineBuckets(
  a: ReadonlyMap<number, number>,
  b: ReadonlyMap<number, number>,
  sign: 1 | -1,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const le of new Set([...a.keys(), ...b.keys()]))
    out.set(le, (a.get(le) ?? 0) + sign * (b.get(le) ?? 0));
  return out;
}

/** The share of the histogram's observations at or below `le` seconds (null when it has none). */
export function shareWithin(buckets: ReadonlyMap<number, number>, le: number): number | null {
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total <= 0) return null;
  return (buckets.get(le) ?? 0) / total;
}

/** Before an open-loop run: at most this share of all cores busy over SETTLE_SAMPLE_MS … */
const SETTLE_MAX_BUSY = 0.15;
const SETTLE_SAMPLE_MS = 500;
/** … waiting at most this long. */
const SETTLE_MAX_WAIT_MS = 15_000;

/**
 * Open loop: delivery i (PR #i+1) is due at t0 + i / rate, whatever the service answered before,
 * as a forge sends them; latency counts from the due time. The first OPEN_WARM_UP_S seconds are
 * not counted; the sim needs (OPEN_WARM_UP_S + seconds) × rate PRs. The run starts once the machine
 * is quiet (`settle`): in a full bench the first SQLite run once began while the sections before
 * were still winding down, and its generator — sending on time to within 4–5 ms in every other
 * run — was late by p99 41 ms (2026-12-01T12:42Z).
 */
export async function sendDeliveriesAtRate(
  service: ServiceProcess,
  template: DeliveryTemplate,
  rate: number,
  seconds: number,
  signal: AbortSignal,
  tag: string,
): Promise<OpenRun> {
  const settled = await settle({
    maxBusy: SETTLE_MAX_BUSY,
    sampleMs: SETTLE_SAMPLE_MS,
    maxWaitMs: SETTLE_MAX_WAIT_MS,
  });
  const before = await serviceAckBuckets(service);
  const load = await sendDeliveryLoad(
    {
      url: `${service.url}/hooks/${FORGE_NAME}`,
      template,
      first: 0,
      tag,
      ratePerSecond: rate,
      warmUpMs: OPEN_WARM_UP_S * 1000,
      maxRequests: Math.ceil(rate * seconds),
      maxMs: seconds * 1000,
      maxSockets: OPEN_MAX_SOCKETS,
    },
    signal,
  );
  const serviceAcks = combineBuckets(await serviceAckBuckets(service), before, -1);
  return { ...load, settled, serviceAcks };
}

export async function sendDeliveries(
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
        ...deliveries(template, s * per, tag),
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

/**
 * An open-loop row: ack latency from the due time, the rates, and how late the generator was;
 * with `runs`, the pooled figures of several runs and each run's p99.
 */
function openLoopRow(runs: readonly OpenRun[], replicas?: number): RowBody {
  const load = runs.length === 1 ? (runs[0] as OpenRun) : poolOpenLoads(runs);
  const settled = runs.map((r) => r.settled);
  const serviceAcks = runs.reduce<Map<number, number>>(
    (pooled, r) => combineBuckets(pooled, r.serviceAcks, 1),
    new Map(),
  );
  const each =
    runs.length > 1
      ? ` (${runs.length} runs pooled; each run's p99: ${runs.map((r) => fmtMs(r.p99Ms)).join(', ')})`
      : '';
  const busyText = (s: Settled) => (s.busy === null ? 'unknown' : `${Math.round(s.busy * 100)} %`);
  const loud = settled.flatMap((s, i) =>
    s.quiet ? [] : [`run ${i + 1} started with the cores ${busyText(s)} busy`],
  );
  const waited = Math.max(0, ...settled.map((s) => s.waitedMs));
  const quietText =
    loud.length > 0
      ? `; ${loud.join(', ')} after ${fmtMs(SETTLE_MAX_WAIT_MS)} of waiting for a quiet machine`
      : `; started on a quiet machine (waited ≤ ${fmtMs(waited)})`;
  const within10 = shareWithin(serviceAcks, 0.01);
  const within25 = shareWithin(serviceAcks, 0.025);
  const pct = (share: number | null) => (share === null ? '–' : `${(share * 100).toFixed(1)} %`);
  const serviceText = `; the service's own ack time (from reading the request to its answer, warm-up included): ${pct(within10)} within 10 ms, ${pct(within25)} within 25 ms`;
  return {
    xrd: `ack p50 ${fmtMs(load.p50Ms)}, p99 ${fmtMs(load.p99Ms)}${each}, max ${fmtMs(load.maxLatencyMs)} from the scheduled send; ${fmtInt(load.sentPerSecond)}/s sent, ${fmtInt(load.perSecond)}/s answered (${statusText(load.byStatus)}${load.errors > 0 ? `, ${fmtInt(load.errors)} errors` : ''}); generator late by p99 ${fmtMs(load.lagP99Ms)}, max ${fmtMs(load.lagMaxMs)}; ≤ ${fmtInt(load.maxInFlight)} in flight${load.socketWaits > 0 ? `, ${fmtInt(load.socketWaits)} waited for a socket` : ''}${quietText}${serviceText}`,
    status: load.errors > 0 || !load.byStatus['202'] ? 'error' : 'ok',
    metrics: {
      ...(replicas !== undefined ? { replicas } : {}),
      ratePerSecond: load.ratePerSecond,
      sentPerSecond: load.sentPerSecond,
      perSecond: load.perSecond,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      maxMs: load.maxLatencyMs,
      generatorLagP50Ms: load.lagP50Ms,
      generatorLagP99Ms: load.lagP99Ms,
      generatorLagMaxMs: load.lagMaxMs,
      maxInFlight: load.maxInFlight,
      socketWaits: load.socketWaits,
      settleWaitMs: JSON.stringify(settled.map((s) => Math.round(s.waitedMs))),
      settleBusy: JSON.stringify(
        settled.map((s) => (s.busy === null ? null : Math.round(s.busy * 1000) / 1000)),
      ),
      settledQuiet: settled.every((s) => s.quiet) ? 1 : 0,
      serviceAckWithin10msShare: within10,
      serviceAckWithin25msShare: within25,
      ...(runs.length > 1 ? { runs: runs.length, runP99Ms: JSON.stringify(runs.map((r) => r.p99Ms)) } : {}),
      sent: load.sent,
      requests: load.requests,
      errors: load.errors,
      statuses: JSON.stringify(load.byStatus),
      firstError: load.firstError ?? null,
    },
  };
}

/**
 * Several open-loop runs as one: every delivery's latency pooled (the percentiles are of all of
 * them, so a run with a worse tail counts in full), counts summed, rates averaged, the generator's
 * lateness and the in-flight peak at their worst.
 */
export function poolOpenLoads(runs: readonly OpenLoadResult[]): OpenLoadResult {
  const latencies = runs.flatMap((r) => r.latencies);
  const byStatus: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.byStatus)) byStatus[k] = (byStatus[k] ?? 0) + v;
  const sum = (pick: (r: OpenLoadResult) => number) => runs.reduce((total, r) => total + pick(r), 0);
  const worst = (pick: (r: OpenLoadResult) => number | null) => {
    const values = runs.map(pick).filter((v): v is number => v !== null);
    return values.length > 0 ? Math.max(...values) : null;
  };
  const firstError = runs.find((r) => r.firstError)?.firstError;
  return {
    requests: sum((r) => r.requests),
    errors: sum((r) => r.errors),
    byStatus,
    elapsedMs: sum((r) => r.elapsedMs),
    perSecond: sum((r) => r.perSecond) / runs.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    latencies,
    ratePerSecond: runs[0]?.ratePerSecond ?? 0,
    warmUpRequests: sum((r) => r.warmUpRequests),
    sent: sum((r) => r.sent),
    sentPerSecond: sum((r) => r.sentPerSecond) / runs.length,
    maxLatencyMs: percentile(latencies, 100),
    lagP50Ms: worst((r) => r.lagP50Ms),
    lagP99Ms: worst((r) => r.lagP99Ms),
    lagMaxMs: worst((r) => r.lagMaxMs),
    socketWaits: sum((r) => r.socketWaits),
    maxInFlight: worst((r) => r.maxInFlight) ?? 0,
    ...(firstError ? { firstError } : {}),
  };
}

/** The open-loop rows' wording: what is sent, and from when latency counts. */
function openLoopScenario(rate: number, seconds: number, runs = 1): string {
  const measured =
    runs > 1
      ? `${runs} runs, each with its own service and forge-sim: ${seconds} s measured after ${OPEN_WARM_UP_S} s at the same rate not counted, the latencies of all runs pooled`
      : `${seconds} s measured after ${OPEN_WARM_UP_S} s at the same rate not counted`;
  return `ack latency at a steady ${fmtInt(rate)} deliveries/s (open loop: each delivery sent at its scheduled time, not waiting for earlier answers; latency from the scheduled time to the end of the answer; ≤ ${OPEN_MAX_SOCKETS} keep-alive sockets), ${measured}, distinct PRs; each run starts once the machine is quiet (≤ ${Math.round(SETTLE_MAX_BUSY * 100)} % of the cores busy over ${fmtMs(SETTLE_SAMPLE_MS)}, waiting ≤ ${fmtMs(SETTLE_MAX_WAIT_MS)}); the worker dispatches each into forge-sim meanwhile (forge-sim in a child process at nice ${SIM_CHILD_NICE}, so its work does not delay the generator's timers, and it stands in for a forge on other machines: it gets a core when one is idle, a tenth of one against the service)`;
}

function postgresStore(): string {
  return `PostgreSQL store (${DATABASE_URL.replace(/\/\/[^@]*@/, '//')}, fresh schema)`;
}

/**
 * A fresh sim with `pulls` PRs and `replicas` services sharing one fresh PostgreSQL schema
 * (started at once, as behind a load balancer: their migrations race), hooked up; NotAvailable
 * when PostgreSQL is unreachable. Everything is stopped and the schema dropped afterwards.
 */
async function withPostgresServices(
  replicas: number,
  pulls: number,
  body: (services: readonly ServiceProcess[]) => Promise<RowBody>,
  simOptions: { readonly inChild?: boolean } = {},
): Promise<RowBody> {
  const schema = `xrd_bench_${process.pid}_${Date.now().toString(36)}_${replicas}`;
  try {
    psql(DATABASE_URL, 'select 1');
  } catch (error) {
    throw new NotAvailable(
      `PostgreSQL not reachable at ${DATABASE_URL}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return withSim(
    'github',
    1,
    async (sim) => {
      await prepareSim(sim, pulls);
      const setup = writeServiceConfig(sim, {});
      const services: ServiceProcess[] = [];
      try {
        services.push(
          ...(await Promise.all(
            Array.from({ length: replicas }, () =>
              startService(setup.configFile, { DATABASE_URL, XRD_STORE_SCHEMA: schema }),
            ),
          )),
        );
        await hookUp(sim, services);
        return await body(services);
      } finally {
        await Promise.all(services.map((s) => s.stop()));
        setup.cleanup();
        try {
          psql(DATABASE_URL, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } catch {
          // best effort: the schema name is unique, a leftover harms nothing
        }
      }
    },
    simOptions,
  );
}

export const webhookService: Section = {
  area: 'webhook service',
  budgetMs: 540_000,
  async run(ctx) {
    let template: DeliveryTemplate | undefined;
    const getTemplate = async (): Promise<DeliveryTemplate> => {
      requireFile('apps/webhook/dist/server.js', 'the webhook service');
      template ??= await captureDelivery();
      return template;
    };
    let memory: MemoryPhases | undefined;

    // Each run its own sim and service (so the closed-loop rows below start from an empty store);
    // one 10-s run's p99 moves a lot from run to run on 2 shared cores, so the row pools several.
    await ctx.scenario(
      `embedded store (SQLite), 1 process: ${openLoopScenario(OPEN_SQLITE.rate, OPEN_SQLITE.seconds, OPEN_SQLITE.runs)}`,
      async (signal) => {
        const tpl = await getTemplate();
        const runs: OpenRun[] = [];
        for (let run = 0; run < OPEN_SQLITE.runs && !signal.aborted; run += 1) {
          runs.push(
            await withSim(
              'github',
              1,
              async (sim) => {
                await prepareSim(sim, OPEN_SQLITE.rate * (OPEN_WARM_UP_S + OPEN_SQLITE.seconds));
                const setup = writeServiceConfig(sim, {});
                const service = await startService(setup.configFile);
                try {
                  await hookUp(sim, [service]);
                  return await sendDeliveriesAtRate(
                    service,
                    tpl,
                    OPEN_SQLITE.rate,
                    OPEN_SQLITE.seconds,
                    signal,
                    'open',
                  );
                } finally {
                  await service.stop();
                  setup.cleanup();
                }
              },
              { inChild: true },
            ),
          );
        }
        return openLoopRow(runs);
      },
    );

    await ctx.scenario(
      `embedded store (SQLite), 1 process: ${fmtInt(IN_FLIGHT_TARGET)} signed pull_request deliveries (distinct PRs), ${CONCURRENCY} keep-alive connections, ≤ 60 s; the worker dispatches each into forge-sim meanwhile`,
      async (signal) => {
        const tpl = await getTemplate();
        return withSim('github', 1, async (sim) => {
          await prepareSim(sim, IN_FLIGHT_TARGET);
          const setup = writeServiceConfig(sim, {});
          // The inspector lets the bench read the heap after a full collection from outside.
          const inspectPort = await freePort();
          const service = await startService(setup.configFile, {
            NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}`,
          });
          try {
            await hookUp(sim, [service]);
            const idle = await measure(service, inspectPort);
            const load = await sendDeliveries([service], tpl, IN_FLIGHT_TARGET, 60_000, signal, 'mem');
            // Then the memory rows: wait (bounded) until the worker has dispatched them all.
            const started = Date.now();
            let inFlight = 0;
            while (Date.now() - started < 90_000 && !signal.aborted) {
              // `running`: dispatched, and the pending status posted — the worker's burst is over.
              inFlight = await metricSum(service.url, 'xrd_webhook_inflight_runs', (labels) =>
                /state="running"/.test(labels),
              );
              if (inFlight >= load.requests) break;
              await realSleep(1000, signal);
            }
            const dispatchLagMs = Date.now() - started;
            const inFlightSettled = await givenBack(service, service.logged(GIVEN_BACK), signal);
            memory = {
              idle,
              inFlight: await measure(service, inspectPort),
              inFlightSettled,
              runs: inFlight,
              dispatchLagMs,
            };
            // Every run completes; the service learns it from workflow_run deliveries and reports.
            const finishing = Date.now();
            await finishAllRuns(sim, signal);
            let completed = 0;
            while (Date.now() - finishing < COMPLETION_WAIT_MS && !signal.aborted) {
              completed = await metricSum(service.url, 'xrd_webhook_runs_completed_total');
              if (completed >= inFlight) break;
              await realSleep(1000, signal);
            }
            const completionMs = Date.now() - finishing;
            const completedSettled = await givenBack(service, service.logged(GIVEN_BACK), signal);
            memory = {
              ...memory,
              completed: await measure(service, inspectPort),
              completedSettled,
              completedRuns: completed,
              completionMs,
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
      `embedded store, 1 process: memory once the worker holds ${fmtInt(IN_FLIGHT_TARGET)} dispatched, unfinished runs (10-h runs; the deliveries of the row above), once the service has given the burst's memory back (its log says when; at most ${GIVEN_BACK_WAIT_MS / 1000} s after the last dispatch): resident (VmRSS, as the OS sees it) and V8 heap after a full collection (read through the inspector)`,
      async () => {
        if (!memory) throw new NotAvailable('the delivery row above did not run');
        const { idle, inFlight, inFlightSettled, runs, dispatchLagMs } = memory;
        return {
          xrd: `RSS ${fmtBytes(inFlight.rss)}, heap after GC ${fmtBytes(inFlight.heapUsed)} with ${fmtInt(runs)} runs in flight (idle: RSS ${fmtBytes(idle.rss)}, heap ${fmtBytes(idle.heapUsed)}; all dispatched ${(dispatchLagMs / 1000).toFixed(1)} s after the last ack, ${settled(inFlightSettled)})`,
          status: inFlight.rss === null ? 'error' : 'ok',
          metrics: {
            rssBytes: inFlight.rss,
            heapAfterGcBytes: inFlight.heapUsed,
            rssIdleBytes: idle.rss,
            heapIdleAfterGcBytes: idle.heapUsed,
            inFlight: runs,
            dispatchLagMs,
            givenBack: inFlightSettled.givenBack ? 1 : 0,
            givenBackWaitMs: inFlightSettled.waitedMs,
          },
        };
      },
    );

    await ctx.scenario(
      `embedded store, 1 process: memory after all ${fmtInt(IN_FLIGHT_TARGET)} runs of the row above completed (forge-sim finishes them; the service learns it from workflow_run deliveries, posts the final status and the PR comment), once the service has given the burst's memory back (at most ${GIVEN_BACK_WAIT_MS / 1000} s after the last report)`,
      async () => {
        if (!memory?.completed) throw new NotAvailable('the delivery row above did not get that far');
        const { idle, completed, completedRuns, completionMs, completedSettled } = memory;
        return {
          xrd: `RSS ${fmtBytes(completed.rss)}, heap after GC ${fmtBytes(completed.heapUsed)} after ${fmtInt(completedRuns ?? 0)} runs completed in ${((completionMs ?? 0) / 1000).toFixed(0)} s (idle before: RSS ${fmtBytes(idle.rss)}, heap ${fmtBytes(idle.heapUsed)}${completedSettled ? `; ${settled(completedSettled)}` : ''})`,
          status: completed.rss === null || (completedRuns ?? 0) < memory.runs ? 'error' : 'ok',
          metrics: {
            rssBytes: completed.rss,
            heapAfterGcBytes: completed.heapUsed,
            rssIdleBytes: idle.rss,
            heapIdleAfterGcBytes: idle.heapUsed,
            completed: completedRuns ?? 0,
            completionMs: completionMs ?? null,
            givenBack: completedSettled ? (completedSettled.givenBack ? 1 : 0) : null,
            givenBackWaitMs: completedSettled?.waitedMs ?? null,
          },
        };
      },
    );

    for (const replicas of [1, 3]) {
      const deliveries = 3000;
      await ctx.scenario(
        `${postgresStore()}, ${replicas} replica${replicas > 1 ? 's' : ''}: ${fmtInt(deliveries)} signed pull_request deliveries split evenly, ${CONCURRENCY} connections in all, ≤ 30 s`,
        async (signal) => {
          const tpl = await getTemplate();
          return withPostgresServices(replicas, deliveries, async (services) =>
            deliveryRow(
              await sendDeliveries(services, tpl, deliveries, 30_000, signal, `pg${replicas}`),
              replicas,
            ),
          );
        },
      );
    }

    await ctx.scenario(
      `${postgresStore()}, 1 replica: ${openLoopScenario(OPEN_PG.rate, OPEN_PG.seconds)}`,
      async (signal) => {
        const tpl = await getTemplate();
        return withPostgresServices(
          1,
          OPEN_PG.rate * (OPEN_WARM_UP_S + OPEN_PG.seconds),
          async ([service]) => {
            const run = await sendDeliveriesAtRate(
              service!,
              tpl,
              OPEN_PG.rate,
              OPEN_PG.seconds,
              signal,
              'pg-open',
            );
            return openLoopRow([run], 1);
          },
          { inChild: true },
        );
      },
    );
  },
};
