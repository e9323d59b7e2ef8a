// Writes the embedded store's WAL back to disk in the background, off the event loop.
//
// With `synchronous = NORMAL` a commit only appends to the WAL (no fsync); the fsyncs come in the
// checkpoint, which SQLite runs inside the commit that crosses `wal_autocheckpoint`, and node:sqlite
// runs that commit on the event loop. The checkpoint's first fsync writes back everything the WAL
// gained since the last one — 32 MiB after a burst, ≈ 22 ms on the 2-core bench machine (fsync there
// takes ≈ 2.8 ms per 4 MiB dirty) — and every delivery waiting for its 202 waited for it too.
// `fs.fdatasync` on the libuv thread pool writes that back meanwhile, a few milliseconds' worth at a
// time, so the checkpoint finds little left to write: in the open-loop bench the longest statement
// fell from 28–33 ms to 7–10 ms. It only adds durability (commits reach the disk sooner); ordering
// and crash safety stay SQLite's (https://www.sqlite.org/wal.html#ckpt).
import { close, fdatasync, open } from 'node:fs';

/** After a write, the WAL is synced at most this long later (one sync at a time). */
export const WAL_FLUSH_DELAY_MS = 50;

export interface WalFlusherIo {
  open(path: string, done: (error: NodeJS.ErrnoException | null, fd: number) => void): void;
  sync(fd: number, done: (error: NodeJS.ErrnoException | null) => void): void;
  close(fd: number, done: (error: NodeJS.ErrnoException | null) => void): void;
}

const fsIo: WalFlusherIo = {
  open: (path, done) => open(path, 'r', done),
  sync: (fd, done) => fdatasync(fd, done),
  close: (fd, done) => close(fd, done),
};

/**
 * `written()` after each write to the database; `close()` before the connection closes. A sync that
 * fails (the WAL not there yet, a read-only disk) is skipped: SQLite's own fsyncs still run.
 */
export class WalFlusher {
  readonly #path: string;
  readonly #io: WalFlusherIo;
  readonly #delayMs: number;
  #fd: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #dirty = false;
  #closed = false;
  /** Syncs done (tests and diagnostics). */
  syncs = 0;

  constructor(walPath: string, options: { io?: WalFlusherIo; delayMs?: number } = {}) {
    this.#path = walPath;
    this.#io = options.io ?? fsIo;
    this.#delayMs = options.delayMs ?? WAL_FLUSH_DELAY_MS;
  }

  /** The database was written: sync the WAL within the delay (cheap: a flag, at most one timer). */
  written(): void {
    if (this.#closed) return;
    this.#dirty = true;
    if (this.#timer === undefined && this.#running === undefined) this.#schedule();
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#flush().finally(() => {
        this.#running = undefined;
        if (this.#dirty && !this.#closed) this.#schedule();
      });
    }, this.#delayMs);
    // A pending sync never keeps the process alive: SQLite's own fsyncs are the guarantee.
    this.#timer.unref();
  }

  async #flush(): Promise<void> {
    this.#dirty = false;
    if (this.#fd === undefined) {
      const fd = await new Promise<number | undefined>((resolve) =>
        this.#io.open(this.#path, (error, opened) => resolve(error ? undefined : opened)),
      );
      if (fd === undefined) return;
      if (this.#closed) {
        await new Promise<void>((resolve) => this.#io.close(fd, () => resolve()));
        return;
      }
      this.#fd = fd;
    }
    const fd = this.#fd;
    await new Promise<void>((resolve) => this.#io.sync(fd, () => resolve()));
    this.syncs += 1;
  }

  /** Stops syncing; waits for a sync under way, then closes the WAL's descriptor. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) await new Promise<void>((resolve) => this.#io.close(fd, () => resolve()));
  }
}
