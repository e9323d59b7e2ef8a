// xrd's engine as the bench drives it: a Forge from @xrd/connect pointed at a sim, and core's
// functions with the client's whole schedule scaled to the sim's time scale.
import type {
  DispatchAndWaitOptions,
  DispatchReceipt,
  DispatchRequest,
  EngineOptions,
  Forge,
  ForgeDispatchRequest,
  RunResult,
  WaitOptions,
} from '@xrd/core';
import { type Dialect, forgeKindOf, type Sim } from './sim.ts';
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

/** A Forge for the sim, built the way the CLI and the action build theirs. */
export async function forgeFor(sim: Sim): Promise<Forge> {
  const createForge = await requireExport<CreateForge>('@xrd/connect', 'createForge');
  return createForge({ kind: forgeKindOf(sim.dialect), apiUrl: sim.apiUrl, token: BENCH_TOKEN });
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

/**
 * A clock that runs `scale` times faster than real time from the moment it is made, and a sleep
 * that sleeps `1/scale` of what it is asked. Passed to core as `now`/`sleep`, it scales the
 * client's whole schedule (intervals, backoff, deadlines) exactly as forge-sim's `timeScale`
 * scales the runs.
 */
export function scaledClock(scale: number): Required<Pick<EngineOptions, 'now' | 'sleep'>> {
  const origin = Date.now();
  return {
    now: () => origin + (Date.now() - origin) * scale,
    sleep: (ms, signal) => realSleep(ms / scale, signal),
  };
}

export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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
          return { path: 'none' as const, notes: [...(result.notes ?? []), 'run id withheld by the bench'] };
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

export function dialectLabel(dialect: Dialect): string {
  return dialect;
}
