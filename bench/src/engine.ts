// xrd's engine as the bench drives it: a Forge from @xrd/connect pointed at a sim, and core's
// functions with the client's whole schedule scaled to the sim's time scale.
import type {
  CallContext,
  DispatchAndWaitOptions,
  DispatchReceipt,
  DispatchRequest,
  EngineOptions,
  Forge,
  ForgeDispatchRequest,
  Job,
  ListRunsFilter,
  RepoRef,
  Run,
  RunResult,
  Sleep,
  WaitOptions,
} from '@xrd/core';
import { NotAvailable } from './harness.ts';
import { forgeKindOf, type Sim } from './sim.ts';
import { requireExport } from './workspace.ts';

type CreateForge = (options: {
  kind: 'github' | 'gitea' | 'forgejo';
  apiUrl: string;
  token?: string;
}) => Forge;
type DispatchAndWait = (
  forge: Forge,
  request: DispatchRequest,
  options?: DispatchAndWaitOptions,
) => Promise<RunResult>;
type DispatchFn = (
  forge: Forge,
  request: DispatchRequest,
  options?: EngineOptions & { correlate?: unknown },
) => Promise<DispatchReceipt>;
type WaitForRun = (
  forge: Forge,
  repo: DispatchRequest['repo'],
  run: number,
  options?: WaitOptions,
) => Promise<RunResult>;

export const BENCH_TOKEN = 'bench-token-not-a-secret';

type CreateGitHubForge = (options: { baseUrl: string; token?: string }) => Forge;
type CreateGiteaForge = (options: { baseUrl: string; token?: string; kind?: 'gitea' | 'forgejo' }) => Forge;

/**
 * A Forge for the sim, built the way the CLI and the action build theirs (@xrd/connect); while
 * connect is not there yet, straight from the adapter it would pick.
 */
export async function forgeFor(sim: Sim): Promise<Forge> {
  const kind = forgeKindOf(sim.dialect);
  try {
    const createForge = await requireExport<CreateForge>('@xrd/connect', 'createForge');
    return createForge({ kind, apiUrl: sim.apiUrl, token: BENCH_TOKEN });
  } catch (error) {
    if (!(error instanceof NotAvailable)) throw error;
  }
  if (kind === 'github') {
    const create = await requireExport<CreateGitHubForge>('@xrd/github', 'createGitHubForge');
    return create({ baseUrl: sim.apiUrl, token: BENCH_TOKEN });
  }
  const create = await requireExport<CreateGiteaForge>('@xrd/gitea', 'createGiteaForge');
  return create({ baseUrl: sim.apiUrl, token: BENCH_TOKEN, kind });
}

export async function engine(): Promise<{
  dispatchAndWait: DispatchAndWait;
  dispatch: DispatchFn;
  waitForRun: WaitForRun;
}> {
  return {
    dispatchAndWait: await requireExport<DispatchAndWait>('@xrd/core', 'dispatchAndWait'),
    dispatch: await requireExport<DispatchFn>('@xrd/core', 'dispatch'),
    waitForRun: await requireExport<WaitForRun>('@xrd/core', 'waitForRun'),
  };
}

/** A client clock running `scale` times faster than real time from `origin`. */
export interface ScaledClock extends Required<Pick<EngineOptions, 'now' | 'sleep'>> {
  readonly scale: number;
  readonly origin: number;
  /** Real epoch ms → the client's (scaled) epoch ms. */
  toClient(realMs: number): number;
  /** The client's (scaled) epoch ms → real epoch ms. */
  toReal(clientMs: number): number;
}

/**
 * A clock that runs `scale` times faster than real time from the moment it is made, and a sleep
 * that sleeps `1/scale` of what it is asked. Passed to core as `now`/`sleep`, it scales the
 * client's whole schedule (intervals, backoff, deadlines) exactly as forge-sim's `timeScale`
 * scales the runs.
 */
export function scaledClock(scale: number): ScaledClock {
  const origin = Date.now();
  const toClient = (realMs: number): number => origin + (realMs - origin) * scale;
  return {
    scale,
    origin,
    toClient,
    toReal: (clientMs) => origin + (clientMs - origin) / scale,
    now: () => toClient(Date.now()),
    sleep: (ms, signal) => realSleep(ms / scale, signal),
  };
}

/** When a run really happened (real epoch ms), where the bench knows it from the run's script. */
export interface ExactTimes {
  readonly createdAt: number;
  readonly startedAt: number;
  readonly completedAt: number;
}

/**
 * forge-sim stamps runs with the real clock and divides durations by its timeScale, so a 10-minute
 * run's timestamps are 10 s apart. A client on a scaled clock must see them on its own timeline, or
 * a duration learned from history (10 s) would not match the 600 s its clock counts. This view of a
 * Forge maps every run and job timestamp onto the client's clock (the same linear map, so a
 * duration of d real ms reads as d × scale), and a `createdAfter` filter back.
 *
 * The forge cuts its timestamps to the second of its (real) clock, which the map stretches to
 * `scale` seconds of the client's: a learned duration would be off by up to a minute at 60×, where a
 * forge running at that speed would be off by a second. Where the bench knows when a run really was
 * created, started and completed (`exact`, from the run's script), the view stamps those instants
 * on the client's clock, cut to its second, as such a forge would.
 */
export function onClientClock(
  forge: Forge,
  clock: ScaledClock,
  exact?: (run: Run) => ExactTimes | undefined,
): Forge {
  // Only real instants are mapped: Gitea sends its zero time (0001-01-01) for "not yet", which
  // must stay what it is (and would leave Date's range once scaled).
  const earliest = Date.parse('2000-01-01T00:00:00Z');
  const real = (value: string | undefined): boolean => {
    const ms = Date.parse(value ?? '');
    return !Number.isNaN(ms) && ms >= earliest;
  };
  const iso = (value: string): string =>
    real(value) ? new Date(clock.toClient(Date.parse(value))).toISOString() : value;
  const stamp = (realMs: number): string =>
    new Date(Math.floor(clock.toClient(realMs) / 1000) * 1000).toISOString();
  const mapTimes = <T extends object>(item: T, keys: readonly string[]): T => {
    const copy: Record<string, unknown> = { ...(item as Record<string, unknown>) };
    for (const key of keys) {
      const value = copy[key];
      if (typeof value === 'string') copy[key] = iso(value);
    }
    return copy as T;
  };
  const runKeys = ['createdAt', 'startedAt', 'updatedAt', 'completedAt'];
  const jobKeys = ['startedAt', 'completedAt'];
  const mapRun = (run: Run): Run => {
    const known = exact?.(run);
    if (known === undefined) return mapTimes(run, runKeys);
    const last =
      run.status === 'completed'
        ? known.completedAt
        : run.status === 'in_progress'
          ? known.startedAt
          : known.createdAt;
    return {
      ...run,
      createdAt: stamp(known.createdAt),
      ...(real(run.startedAt) ? { startedAt: stamp(known.startedAt) } : {}),
      ...(real(run.completedAt) ? { completedAt: stamp(known.completedAt) } : {}),
      ...(real(run.updatedAt) ? { updatedAt: stamp(last) } : {}),
    };
  };
  const mapJob = (job: Job): Job => mapTimes(job, jobKeys);
  return new Proxy(forge, {
    get(target, property, receiver) {
      if (property === 'getRun') {
        return async (...args: Parameters<Forge['getRun']>) => mapRun(await target.getRun(...args));
      }
      if (property === 'listRuns') {
        return async (repo: RepoRef, filter: ListRunsFilter, ctx?: CallContext) => {
          const real =
            filter.createdAfter === undefined
              ? filter
              : {
                  ...filter,
                  createdAfter: new Date(clock.toReal(Date.parse(filter.createdAfter))).toISOString(),
                };
          const page = await target.listRuns(repo, real, ctx);
          return { ...page, runs: page.runs.map(mapRun) };
        };
      }
      if (property === 'listJobs') {
        return async (...args: Parameters<Forge['listJobs']>) => (await target.listJobs(...args)).map(mapJob);
      }
      if (property === 'dispatch') {
        // The forge's clock in its answer's Date header (whole seconds), on the client's timeline.
        return async (...args: Parameters<Forge['dispatch']>) => {
          const result = await target.dispatch(...args);
          return result.serverTime === undefined
            ? result
            : { ...result, serverTime: clock.toClient(result.serverTime) };
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The exact times of the runs of one workflow, from forge-sim's creation instants (to the ms) and
 * the durations its script gave them in creation order (`durations[i]` for the i-th run created).
 */
export function exactTimesOf(
  runs: readonly { id: number; createdAt?: string }[],
  durations: readonly number[],
  startDelayMs: number,
  scale: number,
): Map<number, ExactTimes> {
  const map = new Map<number, ExactTimes>();
  [...runs]
    .sort((a, b) => a.id - b.id)
    .forEach((run, index) => {
      const duration = durations[index];
      const createdAt = Date.parse(run.createdAt ?? '');
      if (duration === undefined || Number.isNaN(createdAt)) return;
      const startedAt = createdAt + startDelayMs / scale;
      map.set(run.id, { createdAt, startedAt, completedAt: startedAt + duration / scale });
    });
  return map;
}

let coreSleep: Sleep | undefined;

/**
 * A real-time sleep: core's own (it rejects with AbortedError, as core's `Sleep` contract asks of
 * the scaled sleep passed to it), loaded lazily like every workspace package here.
 */
export async function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  coreSleep ??= await requireExport<Sleep>('@xrd/core/kit', 'sleep');
  return coreSleep(ms, signal);
}

/**
 * Hides the run id a dispatch returned, so the fallback paths (run-name, step-name) can be measured
 * on servers that would return it. The request the server saw is unchanged: only xrd forgets.
 */
export function withoutRunId(forge: Forge): Forge {
  return new Proxy(forge, {
    get(target, property, receiver) {
      if (property === 'dispatch') {
        return async (request: ForgeDispatchRequest, ctx?: Parameters<Forge['dispatch']>[1]) => {
          const result = await target.dispatch(request, ctx);
          return {
            path: 'none' as const,
            notes: [...(result.notes ?? []), 'run id withheld by the bench'],
            ...(result.serverTime !== undefined ? { serverTime: result.serverTime } : {}),
          };
        };
      }
      if (property === 'capabilities') {
        return async (ctx?: Parameters<Forge['capabilities']>[0]) => ({
          ...(await target.capabilities(ctx)),
          returnsRunId: false,
        });
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
