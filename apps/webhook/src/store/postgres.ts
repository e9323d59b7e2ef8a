// The PostgreSQL store, for several replicas behind a load balancer (DATABASE_URL). Same schema and
// statements as the embedded store; claims use `FOR UPDATE SKIP LOCKED` (in SqlStore), and
// migrations run under a session advisory lock so replicas starting together migrate once
// (https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS).
import pg from 'pg';
import { type SqlDriver, type SqlExec, SqlStore, type SqlStoreOptions, type SqlValue } from './sql-store.js';

/** An arbitrary constant naming the xrd migration lock. */
const MIGRATION_LOCK = 0x78_72_64_01;

/** `?` placeholders → `$1, $2, …` (no statement of ours has a `?` inside a string literal). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

// BIGINT (oid 20) and COUNT(*) come back as strings by default. Epoch ms, PR numbers and run ids
// fit a JS number; anything beyond 2^53-1 stays its exact text, so the store sees it rather than a
// rounded number.
const bigint = (v: string): number | string => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
};
const types = {
  getTypeParser: (oid: number, format?: string) =>
    oid === 20 ? bigint : pg.types.getTypeParser(oid, format as 'text'),
};

function exec(client: pg.Pool | pg.PoolClient): SqlExec {
  return {
    all: async (sql, params = []) => (await client.query(numbered(sql), params as SqlValue[])).rows,
    run: async (sql, params = []) => (await client.query(numbered(sql), params as SqlValue[])).rowCount ?? 0,
  };
}

class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #exec: SqlExec;
  readonly #schema: string | undefined;

  constructor(url: string, schema: string | undefined, max: number) {
    this.#schema = schema;
    this.#pool = new pg.Pool({
      connectionString: url,
      max,
      types,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.#pool.on('error', () => undefined);
    this.#exec = exec(this.#pool);
  }

  all(sql: string, params?: readonly SqlValue[]) {
    return this.#exec.all(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]) {
    return this.#exec.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExec) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(exec(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        if (this.#schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`);
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

/** A pool of connections to PostgreSQL at `url` (tests wrap it to see the statements). */
export function createPostgresDriver(
  url: string,
  options: { schema?: string; maxConnections?: number } = {},
): SqlDriver {
  return new PostgresDriver(url, options.schema, options.maxConnections ?? 10);
}

/** Connects to PostgreSQL at `url`, optionally inside `schema` (created on migrate). */
export function createPostgresStore(
  url: string,
  options: { schema?: string; maxConnections?: number } & SqlStoreOptions = {},
): SqlStore {
  const { schema: _schema, maxConnections: _max, ...storeOptions } = options;
  return new SqlStore(createPostgresDriver(url, options), storeOptions);
}
