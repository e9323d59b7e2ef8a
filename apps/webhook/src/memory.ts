// Gives back the memory a burst of work took, once the burst is over.
//
// Why: under a burst (thousands of deliveries, dispatches and completions) V8 grows its young
// generation to its maximum (134 MB on the 2-core bench machine) and lets old space fill with what
// the burst promoted; it shrinks them only in a memory-reducing collection, which it starts on its
// own when the process is idle — and a service whose worker polls its store every second never
// is. Measured (bench, 3,000–5,000 bridged runs): RSS stayed at 330 MB for minutes after the
// last run completed (idle: 106 MB) while the live heap was 18 MB; one last-resort collection
// brought RSS to ~155 MB. A plain major collection does not shrink the young generation.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: {
  readonly type: 'major';
  readonly execution: 'sync';
  readonly flavor: 'last-resort';
}) => void;

let collect: Collect | undefined;

/** One last-resort collection: the kind that also shrinks the young generation back. */
export function reduceMemory(): void {
  if (!collect) {
    // V8's collector is reachable from JavaScript only behind --expose-gc, which a service started
    // as `node server.js` (or through its shebang) cannot be given: set at run time, it exposes
    // `gc` in contexts created afterwards (the way jest's leak detector reaches it).
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as Collect;
  }
  collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

export interface MemoryPolicy {
  /** Work items (deliveries and dispatch steps) a burst must have had. */
  readonly minWork: number;
  /** How long the worker must have been idle (nothing claimed, nothing running). */
  readonly idleMs: number;
  /** At most one reduction per this many ms. */
  readonly minIntervalMs: number;
  readonly reduce: () => void;
}

// At most every 15 s: a burst that ends soon after the previous one (intake, then its runs
// completing a minute later) is given back too, while a steady trickle of work (never 5 s idle)
// never pays for a collection (one blocks the event loop for one full collection).
export const DEFAULT_MEMORY_POLICY: MemoryPolicy = {
  minWork: 200,
  idleMs: 5_000,
  minIntervalMs: 15_000,
  reduce: reduceMemory,
};

/** Decides, from the worker's loop, when a burst is over and memory should be given back. */
export class MemoryReducer {
  readonly #policy: MemoryPolicy;
  #work = 0;
  #busyAt: number;
  #reducedAt = Number.NEGATIVE_INFINITY;

  constructor(policy: MemoryPolicy, now: number) {
    this.#policy = policy;
    this.#busyAt = now;
  }

  /**
   * Called once per loop round with the work claimed in it and the steps still running. Returns
   * how long the reduction took (ms) when it ran, else undefined.
   */
  tick(claimed: number, running: number, now: number): number | undefined {
    this.#work += claimed;
    if (claimed > 0 || running > 0) {
      this.#busyAt = now;
      return undefined;
    }
    const p = this.#policy;
    if (this.#work < p.minWork || now - this.#busyAt < p.idleMs || now - this.#reducedAt < p.minIntervalMs) {
      return undefined;
    }
    const started = performance.now();
    p.reduce();
    this.#work = 0;
    this.#reducedAt = now;
    return performance.now() - started;
  }
}
