// Small helpers shared by the engine's functions (not exported from the package).
import type { EngineOptions, ProgressEvent, Sleep } from './engine-types.js';
import { RateLimitedError } from './errors.js';
import { sleep as defaultSleep } from './sleep.js';
import type { CallContext, RequestMeter } from './types.js';

export interface Engine {
  readonly now: () => number;
  readonly sleep: Sleep;
  readonly signal: AbortSignal | undefined;
  readonly emit: (event: ProgressEvent) => void;
  readonly debug: (message: string) => void;
  readonly ctx: CallContext;
  /** The same context with a deadline: the transport neither retries nor waits past it. */
  readonly until: (deadline: number) => CallContext;
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
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const ctx: CallContext = {
    ...(options.signal ? { signal: options.signal } : {}),
    meter,
    debug,
    now,
    sleep,
  };
  return {
    now,
    sleep,
    signal: options.signal,
    emit,
    debug,
    ctx,
    until: (deadline) => ({ ...ctx, deadline }),
  };
}

/**
 * When a failed read may be tried again by the caller's own schedule (the next poll): a rate limit
 * whose reset the transport would not wait for (beyond its longest wait) but that comes before the
 * caller's deadline. Everything else the transport has already retried as far as it would, so it is
 * final (the one retry owner is the transport, not the engine).
 */
export function resumeAt(error: unknown, deadline: number): number | undefined {
  if (!(error instanceof RateLimitedError) || error.retryAt === undefined) return undefined;
  return error.retryAt < deadline ? error.retryAt : undefined;
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
