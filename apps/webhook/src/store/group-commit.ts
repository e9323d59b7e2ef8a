// Group commit: items that arrive together are written by one statement, in one transaction.
//
// Why: a webhook is acknowledged only once its delivery is durably stored. One commit per delivery
// costs a commit's fixed price (SQLite: a WAL frame and a transaction; PostgreSQL: a round trip
// and a WAL flush) per delivery; a burst of N deliveries that arrive within the same turn of the
// event loop, or while the previous commit was still running, shares one instead. Nothing waits
// on a timer: the first item of a quiet period is committed on the next turn of the event loop
// (`setImmediate`, after the other requests that were ready in the same turn have queued theirs),
// and whatever queues while a commit runs is committed right after it. With `parallel` > 1 (a
// store with several connections, PostgreSQL), up to that many commits run at once: what queues
// while one waits on its WAL flush goes out on another connection instead of waiting its turn, so
// the round trips overlap (two commits of the same id: the database's unique key decides which one
// stored it, the other answers "duplicate").
//
// Every caller's promise settles only after the commit that holds its item returned, so an
// acknowledgement never precedes durability.

export interface GroupCommitOptions {
  /** The most items one commit takes (bounded by the drivers' parameter limits). */
  readonly maxBatch: number;
  /** At most this many commits under way at once (default 1: one after the other). */
  readonly parallel?: number;
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
  readonly #parallel: number;
  /** Drains under way (each runs one commit at a time). */
  #running = 0;
  /** Commits run so far (one per statement that wrote a batch): tests and metrics read it. */
  commits = 0;

  constructor(commit: (items: readonly T[]) => Promise<readonly R[]>, options: GroupCommitOptions) {
    this.#commit = commit;
    this.#maxBatch = Math.max(1, options.maxBatch);
    this.#schedule = options.schedule ?? ((fn) => setImmediate(fn));
    this.#parallel = Math.max(1, options.parallel ?? 1);
  }

  /** Settles once the commit holding `item` has returned (or failed). */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      // A new drain only for the first item of a quiet period, or when the running ones are all
      // waiting on a commit and there is room for another: an item queued behind a running drain
      // is otherwise taken by it as soon as its commit returns.
      if (this.#running === 0 || (this.#running < this.#parallel && this.#queue.length === 1)) {
        this.#running += 1;
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
      this.#running -= 1;
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
