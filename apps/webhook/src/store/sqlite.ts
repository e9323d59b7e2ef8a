// The embedded store: one SQLite file through node:sqlite (built into Node ≥ 22.5), zero setup.
// WAL mode lets readers (metrics) run beside the writer; `synchronous = NORMAL` in WAL mode keeps
// every committed transaction across a process crash (kill -9) — only an OS crash or power loss
// can drop the last commits (https://www.sqlite.org/pragma.html#pragma_synchronous); set
// XRD_SQLITE_SYNCHRONOUS=FULL for that too.
// node:sqlite is synchronous and one connection is shared, so statements are serialised through
// a queue: a transaction that awaits between statements must not see another caller's statements
// inside it.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { type CheckpointIo, threadIo, WalCheckpointer } from './checkpointer.js';
import { type SqlDriver, type SqlExec, SqlStore, type SqlStoreOptions, type SqlValue } from './sql-store.js';

/** BigInt columns → numbers when they are safe integers, else their exact decimal text. */
function exactIntegers(row: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === 'bigint') {
      row[key] =
        value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
          ? Number(value)
          : value.toString();
    }
  }
  return row;
}

/**
 * Pages (4 KiB) the WAL may hold before a commit checkpoints it (32 MiB), where the service's own
 * connection checkpoints: an in-memory database, or when the checkpoint thread failed.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 8_000;

/** Statements that only read: they leave the WAL as it was. */
const READ_ONLY = /^\s*(?:SELECT|PRAGMA)\b/i;

/** A file SQLite opens by name (not `:memory:`, a temporary database, or a `file:` URI). */
function isPlainFile(path: string): boolean {
  return path !== '' && path !== ':memory:' && !path.startsWith('file:');
}

/** Prepared statements kept per connection. */
const MAX_CACHED_STATEMENTS = 128;

class Queue {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.#tail.then(fn, fn);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly #db: DatabaseSync;
  readonly #queue = new Queue();
  readonly #statements = new Map<string, StatementSync>();
  readonly #direct: SqlExec;
  readonly #checkpointer: WalCheckpointer | undefined;

  constructor(
    path: string,
    checkpointIo: (path: string, sync: 'NORMAL' | 'FULL') => CheckpointIo = threadIo,
  ) {
    this.#db = new DatabaseSync(path);
    this.#db.exec('PRAGMA journal_mode = WAL');
    const sync = process.env.XRD_SQLITE_SYNCHRONOUS === 'FULL' ? 'FULL' : 'NORMAL';
    this.#db.exec(`PRAGMA synchronous = ${sync}`);
    this.#db.exec('PRAGMA busy_timeout = 5000');
    // Checkpoints run on a thread of their own (checkpointer.ts): a checkpoint inside a commit on
    // the event loop made every delivery waiting for its 202 wait for it too. Where there is no
    // file for a second connection to open, or the thread fails, this connection checkpoints
    // itself every WAL_AUTOCHECKPOINT_PAGES (a page rewritten meanwhile is copied once), and after
    // a burst `releaseMemory` checkpoints and truncates the WAL while nothing waits.
    const checkpointer = isPlainFile(path)
      ? new WalCheckpointer(checkpointIo(path, sync), {
          onFailure: () => {
            void this.#queue.run(() => {
              if (this.#db.isOpen) this.#db.exec(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
            });
          },
        })
      : undefined;
    this.#checkpointer = checkpointer;
    this.#db.exec(`PRAGMA wal_autocheckpoint = ${checkpointer ? 0 : WAL_AUTOCHECKPOINT_PAGES}`);
    this.#db.exec('PRAGMA foreign_keys = ON');
    // Temporary files in memory. Inside a transaction, a statement that writes several rows keeps a
    // statement journal (the pages it changed, to undo it alone if it fails), and SQLite's default
    // puts a journal that outgrows a small buffer in a file it creates and unlinks for the purpose
    // (https://www.sqlite.org/tempfiles.html, "Statement Journal Files"). Applying a batch of
    // deliveries did that for more than half of the batches: at a steady 1,000 deliveries/s strace
    // showed 258 temporary files in 12 s (each an open, an unlink and a close) and ≈ 36,000 writes to
    // them, all on the event loop. In memory they cost a page copy each and never outlive their statement
    // (https://www.sqlite.org/pragma.html#pragma_temp_store); ack p99 was lower in 3 of 3 A/B runs.
    this.#db.exec('PRAGMA temp_store = MEMORY');
    this.#direct = {
      all: async (sql, params = []) => {
        const rows = (this.#prepare(sql).all(...params) as Record<string, unknown>[]).map(exactIntegers);
        if (checkpointer && !READ_ONLY.test(sql)) checkpointer.written();
        return rows;
      },
      run: async (sql, params = []) => {
        const changes = Number(this.#prepare(sql).run(...params).changes);
        checkpointer?.written();
        return changes;
      },
    };
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement) {
      // Most recently used last: batches' statements have one text per size (a group commit's
      // INSERT, a claimed batch's), and the cache keeps the ones in use, not the first 128 seen.
      this.#statements.delete(sql);
      this.#statements.set(sql, statement);
    } else {
      statement = this.#db.prepare(sql);
      // By default node:sqlite throws on reading an INTEGER beyond 2^53-1, and a claim whose batch
      // held one such row failed as a whole (its other rows leased and dropped). As BigInt every
      // value reads; `exactIntegers` turns it into a number or, beyond 2^53-1, its exact text.
      statement.setReadBigInts(true);
      this.#statements.set(sql, statement);
      // The least recently used goes (finalised by the GC), so the cache stays bounded.
      if (this.#statements.size > MAX_CACHED_STATEMENTS) {
        this.#statements.delete(this.#statements.keys().next().value as string);
      }
    }
    return statement;
  }

  all(sql: string, params: readonly SqlValue[] = []): Promise<Record<string, unknown>[]> {
    return this.#queue.run(() => this.#direct.all(sql, params));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.#queue.run(() => this.#direct.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExec) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      // IMMEDIATE takes the write lock up front, so a transaction never fails half-way on upgrade.
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.#direct);
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        this.#db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    // One process owns the file; migrations run in their own transactions.
    return fn();
  }

  async close(): Promise<void> {
    await this.#checkpointer?.close();
    await this.#queue.run(() => {
      if (this.#db.isOpen) this.#db.close();
    });
  }

  /** Checkpoints the thread ran so far, and whether it failed (tests). */
  get walCheckpoints(): { readonly count: number; readonly failed: boolean } {
    return { count: this.#checkpointer?.checkpoints ?? 0, failed: this.#checkpointer?.failed ?? false };
  }
}

/**
 * The embedded store's connection at `path` (tests wrap it to see the statements, and may pass
 * their own checkpoint thread).
 */
export function createSqliteDriver(
  path: string,
  checkpointIo?: (path: string, sync: 'NORMAL' | 'FULL') => CheckpointIo,
): SqlDriver {
  return new SqliteDriver(path, checkpointIo);
}

/** Opens (creating if needed) the embedded store at `path` (`:memory:` for tests). */
export function createSqliteStore(path: string, options: SqlStoreOptions = {}): SqlStore {
  return new SqlStore(new SqliteDriver(path), options);
}
