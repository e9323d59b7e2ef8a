// PostgreSQL for the tests that need it (store unit tests and the e2e harness): reachable at
// PG_URL (XRD_TEST_DATABASE_URL, default the local server with trust auth), each test in a schema
// of its own, dropped afterwards. Tests skip where PostgreSQL does not answer.
import pg from 'pg';

export const PG_URL = process.env.XRD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** True when PostgreSQL answers at PG_URL. */
export async function pgReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** Drops tests' own schemas (best effort: the names are unique per test process). */
export async function dropSchema(...schemas: string[]): Promise<void> {
  if (schemas.length === 0 || !(await pgReachable())) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
