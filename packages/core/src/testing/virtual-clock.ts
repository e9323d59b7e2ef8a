// A virtual clock for tests: `sleep` does not wait in real time; when every task is blocked on a
// sleep, time jumps to the earliest timer. A ten-minute wait with fifty concurrent dispatches runs in
// milliseconds, deterministically, without fake-timer tricks.
import type { Sleep } from '../engine-types.js';
import { abortError } from '../sleep.js';

export interface VirtualClock {
  /** Virtual epoch milliseconds. */
  now(): number;
  /** Resolves when virtual time reaches now + ms; rejects with AbortedError when `signal` aborts. */
  readonly sleep: Sleep;
  /** Moves time forward by hand (never backwards). */
  advance(ms: number): void;
  /** Sleeps pending. */
  pending(): number;
}

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
  readonly cleanup: () => void;
}

export function createVirtualClock(start = Date.UTC(2026, 0, 1)): VirtualClock {
  let current = start;
  let seq = 0;
  let timers: Timer[] = [];
  let ticking = false;

  const tick = (): void => {
    if (ticking) return;
    ticking = true;
    // setImmediate runs after every pending microtask: all tasks have reached their next sleep.
    setImmediate(() => {
      ticking = false;
      if (timers.length === 0) return;
      timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = timers.shift()!;
      current = Math.max(current, next.at);
      next.cleanup();
      next.resolve();
      if (timers.length > 0) tick();
    });
  };

  const sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const onAbort = (): void => {
        timers = timers.filter((t) => t !== timer);
        reject(abortError(signal));
      };
      const timer: Timer = {
        at: current + Math.max(0, ms),
        seq: seq++,
        resolve,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      timers.push(timer);
      tick();
    });

  return {
    now: () => current,
    sleep,
    advance(ms: number) {
      current += Math.max(0, ms);
    },
    pending: () => timers.length,
  };
}
