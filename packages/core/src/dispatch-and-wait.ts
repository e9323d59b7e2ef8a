// dispatch → correlate → waitForRun, with one meter so `apiCost` covers everything, and one deadline.
import { CORRELATE_DEFAULTS, correlateRun } from './correlate.js';
import { dispatch } from './dispatch.js';
import type { DispatchAndWaitOptions, DispatchReceipt, DispatchRequest, RunResult } from './engine-types.js';
import { createMeter } from './meter.js';
import type { Run } from './types.js';
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

export async function dispatchAndWait(
  forge: import('./types.js').Forge,
  request: DispatchRequest,
  options: DispatchAndWaitOptions = {},
): Promise<RunResult> {
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
    ...(options.ambiguousSearchMs !== undefined ? { ambiguousSearchMs: options.ambiguousSearchMs } : {}),
    ...(options.correlate ? { correlate: options.correlate } : {}),
  });
  const remaining = (): number => Math.max(0, start + timeoutMs - now());
  let found: Awaited<ReturnType<typeof correlateRun>> | undefined;
  if (receipt.runId === undefined) {
    found = await correlateRun(forge, receipt, {
      ...options.correlate,
      ...engineOptions,
      timeoutMs: Math.min(options.correlate?.timeoutMs ?? CORRELATE_DEFAULTS.timeoutMs, remaining()),
    });
  }
  const result = await waitForRun(forge, receipt.repo, found?.run ?? provisionalRun(receipt), {
    ...options,
    ...engineOptions,
    timeoutMs: remaining(),
    dispatchedAt: receipt.dispatchedAt,
    correlationId: receipt.correlationId,
    correlationMethod: found?.method ?? 'run-id',
  });
  return { ...result, apiCost: meter.cost() };
}
