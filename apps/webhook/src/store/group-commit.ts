// Group commit: items that arrive together are written by one statement, in one transaction.
//
// Why: a webhook is acknowledged only once its delivery is durably stored. One commit per delivery
// costs a commit's fixed price (SQLite: a WAL frame and a transaction; PostgreSQL: a round trip
// and a WAL flush) per delivery; a burst of N deliveries that arrive within the same turn of the
// event loop, or while the previous commit was still running, shares one instead. Nothing waits
// on a timer: the first item of a quiet period is committed on the next turn of the event loop
// (`setImmediate`, after the other requests that were ready in the same turn have queued theirs),
// and whatever queues while a commit runs is committed right after it.
//
// Every caller's promise settles only after the commit that holds its item returned, so an
// acknowledgement never precedes durability.

export interface GroupCommitOptions {
  /** The most items one commit takes (bounded by the drivers' parameter limits). */
  readonly maxBatch: number;
  /** Runs `fn` once the current turn's callbacks have had their say (tests pass their own). */
  readonly schedule?: (fn: () => void) => void;
}

interface Waiting<T, R> {
  readonly item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export class GroupCommit<T, R> {
  readonly #commit: (items: readonly T[]) => Promise<readonly R[]>;
  readonly #maxBatch: number;
  readonly #schedule: (fn: () => void) => void;
  #queue: Waiting<T, R>[] = [];
  #busy = false;
  /** Commits run so far (one per statement that wrote a batch): tests and metrics read it. */
  commits = 0;

  constructor(commit: (items: readonly T[]) => Promise<readonly R[]>, options: GroupCommitOptions) {
    this.#commit = commit;
    this.#maxBatch = Math.max(1, options.maxBatch);
    this.#schedule = options.schedule ?? ((fn) => setImmediate(fn));
  }

  /** Settles once the commit holding `item` has returned (or failed). */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#busy) {
        this.#busy = true;
        this.#schedule(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        await this.#write(batch);
      }
    } finally {
      this.#busy = false;
    }
  }

  async #write(batch: readonly Waiting<T, R>[]): Promise<void> {
    try {
      this.commits += 1;
      const results = await this.#commit(batch.map((w) => w.item));
      for (const [i, w] of batch.entries()) w.resolve(results[i] as R);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // One bad item must not fail the others: each is committed on its own, and only the ones
      // that fail again are refused (their senders see a 503 and redeliver).
      for (const w of batch) await this.#write([w]);
    }
  }
}
