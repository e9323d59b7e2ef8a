// dispatch → correlate → waitForRun, with one meter so `apiCost` covers everything, and one deadline.
import { CORRELATE_DEFAULTS, correlateRun, type FoundRun } from './correlate.js';
import { DEFAULT_AMBIGUOUS_SEARCH_MS, dispatch } from './dispatch.js';
import type {
  CorrelationMethod,
  DispatchAndWaitOptions,
  DispatchReceipt,
  DispatchRequest,
  RunResult,
} from './engine-types.js';
import { createMeter } from './meter.js';
import type { ApiCost, Forge, Run } from './types.js';
import { WAIT_DEFAULTS, waitForRun } from './wait.js';

/**
 * The run a dispatch answered with, as far as the answer tells: just created, so queued. Waiting
 * starts from it instead of reading the run at once — that first read would cost a counted request
 * on GitHub and show nothing new; the first scheduled poll reads it.
 */
export function provisionalRun(receipt: DispatchReceipt): Run {
  return {
    id: receipt.runId as number,
    status: 'queued',
    conclusion: null,
    createdAt: new Date(receipt.dispatchedAt).toISOString(),
    url: receipt.runUrl ?? '',
    htmlUrl: receipt.htmlUrl ?? '',
    ...(receipt.workflow !== undefined ? { workflowId: receipt.workflow } : {}),
  };
}

/** What `dispatchAndFollow` calls between its steps (awaited). */
export interface FollowSteps {
  /** The dispatch went out. */
  readonly onReceipt?: (receipt: DispatchReceipt) => void | Promise<void>;
  /** The run is known (from the dispatch's answer, or found by correlation), before any waiting. */
  readonly onRun?: (run: Run, receipt: DispatchReceipt, method: CorrelationMethod) => void | Promise<void>;
  /** False: stop once the run is known. Default true. */
  readonly wait?: boolean;
}

export interface Followed {
  readonly receipt: DispatchReceipt;
  readonly run: Run;
  /** Set when the flow waited. */
  readonly result?: RunResult;
  /** Every request of the dispatch, the correlation and the wait. */
  readonly apiCost: ApiCost;
}

/**
 * dispatch → the run (the dispatch's answer when it returned the run id, else correlation) → wait,
 * under one deadline (`timeoutMs`, counted from the dispatch) and one meter. `dispatchAndWait`, and
 * `runFlow` with its hooks and reports, are this.
 */
export async function dispatchAndFollow(
  forge: Forge,
  request: DispatchRequest,
  options: DispatchAndWaitOptions = {},
  steps: FollowSteps = {},
): Promise<Followed> {
  const meter = createMeter(options.meter);
  const now = options.now ?? Date.now;
  const engineOptions = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    meter,
  };
  const start = now();
  const timeoutMs = options.timeoutMs ?? WAIT_DEFAULTS.timeoutMs;
  const receipt = await dispatch(forge, request, {
    ...engineOptions,
    // After a lost answer the run is looked for within the flow's one deadline, not beyond it.
    ambiguousSearchMs: Math.min(options.ambiguousSearchMs ?? DEFAULT_AMBIGUOUS_SEARCH_MS, timeoutMs),
    ...(options.correlate ? { correlate: options.correlate } : {}),
  });
  await steps.onReceipt?.(receipt);
  const remaining = (): number => Math.max(0, start + timeoutMs - now());
  let found: FoundRun | undefined;
  if (receipt.runId === undefined) {
    found = await correlateRun(forge, receipt, {
      ...options.correlate,
      ...engineOptions,
      timeoutMs: Math.min(options.correlate?.timeoutMs ?? CORRELATE_DEFAULTS.timeoutMs, remaining()),
    });
  }
  const run = found?.run ?? provisionalRun(receipt);
  const method = found?.method ?? 'run-id';
  await steps.onRun?.(run, receipt, method);
  if (steps.wait === false) return { receipt, run, apiCost: meter.cost() };
  const result = await waitForRun(forge, receipt.repo, run, {
    ...options,
    ...engineOptions,
    timeoutMs,
    timeoutFrom: start,
    dispatchedAt: receipt.dispatchedAt,
    correlationId: receipt.correlationId,
    correlationMethod: method,
  });
  const apiCost = meter.cost();
  return { receipt, run, result: { ...result, apiCost }, apiCost };
}

export async function dispatchAndWait(
  forge: Forge,
  request: DispatchRequest,
  options: DispatchAndWaitOptions = {},
): Promise<RunResult> {
  return (await dispatchAndFollow(forge, request, options)).result as RunResult;
}
