// Checkpoints the embedded store's WAL on a thread of its own, off the event loop.
//
// In WAL mode a commit appends to the WAL, and a checkpoint copies the WAL back into the database
// file, with an fsync of each (https://www.sqlite.org/wal.html#ckpt). By default SQLite runs it
// inside the commit that crosses `wal_autocheckpoint` pages, and node:sqlite runs that commit on the
// event loop: every delivery waiting for its 202 waited for it too. At a steady 1,000 deliveries/s
// (2 cores, 2026-12-01) such a commit took up to 17 ms with the WAL synced ahead of it in the
// background, and the loop's longest stall, 24 ms of it in the kernel, was one. With checkpoints on
// this thread the bench's closed-loop row went from 1,815 to 2,796 deliveries/s.
//
// So the service's connection never checkpoints during work (`wal_autocheckpoint = 0`, sqlite.ts);
// a second connection on a worker thread runs a PASSIVE checkpoint within WAL_CHECKPOINT_DELAY_MS
// of a write. PASSIVE waits for no reader or writer and never blocks one: the writer keeps
// appending while frames are copied, and starts the WAL over from its beginning once a checkpoint
// has copied it all (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html), so the WAL stays a few
// megabytes. A checkpoint first syncs the WAL, so commits also reach the disk within the delay
// (with `synchronous = NORMAL` a commit itself does not sync); ordering and crash safety stay
// SQLite's, whichever connection copies the frames.
//
// If the thread cannot start or a checkpoint fails, `onFailure` runs once (the driver hands
// checkpoints back to its own connection) and nothing more is sent to the thread.
import { Worker } from 'node:worker_threads';

/** After a write, a checkpoint runs at most this long later (one at a time). */
export const WAL_CHECKPOINT_DELAY_MS = 50;

/** The other thread, as the checkpointer sees it (tests pass their own). */
export interface CheckpointIo {
  /** One PASSIVE checkpoint; `done` once it ran, with the error if it failed. */
  checkpoint(done: (error: Error | null) => void): void;
  /** Closes the thread's connection and ends the thread. */
  close(done: () => void): void;
}

/** The thread's code: one connection to the file, one PASSIVE checkpoint per message. */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
let db;
try {
  db = new DatabaseSync(workerData.path);
  db.exec('PRAGMA synchronous = ' + workerData.synchronous);
} catch (error) {
  parentPort.postMessage({ error: String(error && error.message) });
}
parentPort.on('message', (message) => {
  if (message === 'close') {
    if (db && db.isOpen) db.close();
    parentPort.close();
    return;
  }
  if (!db) return parentPort.postMessage({ error: 'the checkpoint connection did not open' });
  try {
    db.exec('PRAGMA wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
});
`;

/** A worker thread with its own connection to the database at `path`. */
export function threadIo(path: string, synchronous: 'NORMAL' | 'FULL'): CheckpointIo {
  let failure: Error | undefined;
  let waiting: ((error: Error | null) => void) | undefined;
  const fail = (error: Error): void => {
    failure ??= error;
    const done = waiting;
    waiting = undefined;
    done?.(failure);
  };
  const worker = new Worker(THREAD_SOURCE, {
    eval: true,
    workerData: { path, synchronous },
    // It holds one connection and runs one statement at a time: a small heap is plenty.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
  });
  // The thread never keeps the process alive; close() ends it.
  worker.unref();
  worker.on('message', (message: { ok?: true; error?: string }) => {
    if (message.error !== undefined) return fail(new Error(message.error));
    const done = waiting;
    waiting = undefined;
    done?.(null);
  });
  worker.on('error', (error) => fail(error));
  worker.on('exit', (code) => fail(new Error(`the checkpoint thread exited (${code})`)));
  return {
    checkpoint(done) {
      if (failure) return done(failure);
      waiting = done;
      worker.postMessage('checkpoint');
    },
    close(done) {
      if (failure) {
        void worker.terminate().finally(done);
        return;
      }
      worker.once('exit', () => done());
      worker.postMessage('close');
    },
  };
}

/**
 * `written()` after each write to the database; `close()` before the connection closes (the last
 * connection to close checkpoints what is left, https://www.sqlite.org/wal.html#walfile).
 */
export class WalCheckpointer {
  readonly #io: CheckpointIo;
  readonly #delayMs: number;
  readonly #onFailure: (error: Error) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #dirty = false;
  #closed = false;
  /** Set once a checkpoint failed: no more are tried. */
  failed = false;
  /** Checkpoints run so far (tests and diagnostics). */
  checkpoints = 0;

  constructor(io: CheckpointIo, options: { delayMs?: number; onFailure?: (error: Error) => void } = {}) {
    this.#io = io;
    this.#delayMs = options.delayMs ?? WAL_CHECKPOINT_DELAY_MS;
    this.#onFailure = options.onFailure ?? (() => undefined);
  }

  /** The database was written: checkpoint within the delay (cheap: a flag, at most one timer). */
  written(): void {
    if (this.#closed || this.failed) return;
    this.#dirty = true;
    if (this.#timer === undefined && this.#running === undefined) this.#schedule();
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#checkpoint().finally(() => {
        this.#running = undefined;
        if (this.#dirty && !this.#closed && !this.failed) this.#schedule();
      });
    }, this.#delayMs);
    // A pending checkpoint never keeps the process alive.
    this.#timer.unref();
  }

  async #checkpoint(): Promise<void> {
    this.#dirty = false;
    const error = await new Promise<Error | null>((resolve) => this.#io.checkpoint(resolve));
    if (error) {
      this.failed = true;
      this.#onFailure(error);
      return;
    }
    this.checkpoints += 1;
  }

  /** Stops checkpointing; waits for a checkpoint under way, then ends the thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    await new Promise<void>((resolve) => this.#io.close(resolve));
  }
}
