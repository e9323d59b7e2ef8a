// Small helpers shared by the engine's functions (not exported from the package).
import type { EngineOptions, ProgressEvent, Sleep } from './engine-types.js';
import { retryDelay } from './schedule.js';
import { abortError, sleep as defaultSleep } from './sleep.js';
import { isTransientError, retryAtOf } from './transient.js';
import type { CallContext, RequestMeter } from './types.js';

export interface Engine {
  readonly now: () => number;
  readonly sleep: Sleep;
  readonly signal: AbortSignal | undefined;
  readonly emit: (event: ProgressEvent) => void;
  readonly debug: (message: string) => void;
  readonly ctx: CallContext;
}

export function engine(options: EngineOptions, meter: RequestMeter): Engine {
  const onProgress = options.onProgress;
  const emit = (event: ProgressEvent): void => {
    if (!onProgress) return;
    try {
      onProgress(event);
    } catch {
      // A failing progress callback must not break a dispatch or a wait.
    }
  };
  const debug = (message: string): void => emit({ type: 'debug', message });
  const ctx: CallContext = {
    ...(options.signal ? { signal: options.signal } : {}),
    meter,
    debug,
  };
  return {
    now: options.now ?? Date.now,
    sleep: options.sleep ?? defaultSleep,
    signal: options.signal,
    emit,
    debug,
    ctx,
  };
}

/**
 * Runs a read, retrying transient errors (5xx, lost connection, rate limit) with backoff that
 * honours the server's retry time, as long as the retry still fits before `deadline`.
 */
export async function withRetry<T>(
  e: Engine,
  deadline: number,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (e.signal?.aborted) throw abortError(e.signal);
    try {
      return await fn();
    } catch (error) {
      if (e.signal?.aborted) throw abortError(e.signal);
      if (!isTransientError(error)) throw error;
      const now = e.now();
      const retryAt = retryAtOf(error);
      const delayMs = Math.max(retryDelay(attempt, 1_000, 30_000), retryAt === undefined ? 0 : retryAt - now);
      if (now + delayMs > deadline) throw error;
      e.debug(`${what} failed (${(error as Error).message}); retrying in ${Math.round(delayMs)} ms.`);
      e.emit({ type: 'waiting', delayMs, reason: retryAt === undefined ? 'retry' : 'rate-limit' });
      await e.sleep(delayMs, e.signal);
    }
  }
}

/** `90 000` → `1m 30s`; `600 000` → `10m`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts: string[] = [];
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s || parts.length === 0) parts.push(`${s}s`);
  return parts.join(' ');
}

export function repoName(repo: { readonly owner: string; readonly repo: string }): string {
  return `${repo.owner}/${repo.repo}`;
}
