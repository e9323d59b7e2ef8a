// The default sleep: a real timer that ends early, with AbortedError, when the signal aborts. Tests
// pass their own `sleep` (see `createVirtualClock` in @xrd/core/testing) instead of faking timers.

import { AbortedError } from './errors.js';
import type { Sleep } from './types.js';

export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
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

/** The AbortedError for a signal, keeping the abort reason as its cause. */
export function abortError(signal?: AbortSignal): AbortedError {
  const reason: unknown = signal?.reason;
  if (reason instanceof AbortedError) return reason;
  return new AbortedError('The operation was cancelled.', reason === undefined ? {} : { cause: reason });
}

/** Throws AbortedError when the signal has aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}
