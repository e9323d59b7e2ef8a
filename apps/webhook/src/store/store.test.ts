// The same behaviour checks against both stores: the embedded one in a temp file, and PostgreSQL
// (127.0.0.1:5432, each run in its own schema) when it is reachable.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from './postgres.js';
import type { SetAside, SqlStoreOptions } from './sql-store.js';
import { createSqliteStore } from './sqlite.js';
import type { DispatchPlan, Store } from './types.js';

const PG_URL = process.env.XRD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'xrd-store-'));
const schemas: string[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (schemas.length > 0 && (await postgresAvailable())) {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await client.end();
  }
});

let n = 0;
/** Opens one fresh database (a file, or a schema); each call of the opener opens it again. */
const openers: Record<string, () => Promise<((options?: SqlStoreOptions) => Store) | undefined>> = {
  sqlite: async () => {
    const path = join(dir, `s${++n}.db`);
    return (options) => createSqliteStore(path, options);
  },
  postgres: async () => {
    if (!(await postgresAvailable())) return undefined;
    const schema = `xrd_store_test_${process.pid}_${++n}`;
    schemas.push(schema);
    return (options) => createPostgresStore(PG_URL, { schema, ...options });
  },
};
const factories: Array<[string, () => Promise<Store | undefined>]> = Object.entries(openers).map(
  ([name, opener]) => [name, async () => (await opener())?.()],
);

function plan(over: Partial<DispatchPlan> & { id: string; headSha: string }): DispatchPlan {
  return {
    dedupeKey: `r|gh|acme/source|pr:1|${over.headSha}`,
    subjectKey: 'r|gh|acme/source|pr:1',
    eventAt: 1000,
    route: 'r',
    supersede: true,
    cancelSuperseded: false,
    sourceForge: 'gh',
    sourceRepo: 'acme/source',
    prNumber: 1,
    headRef: 'feature/x',
    targetForge: 'gh',
    targetRepo: 'acme/target',
    workflow: 'build.yml',
    eventType: null,
    targetRef: 'main',
    inputs: '{}',
    correlationId: `xrd-${over.id.padStart(16, '0')}`,
    correlationInput: 'correlation_id',
    correlation: 'auto',
    reportContext: 'ctx',
    reportStatus: true,
    reportComment: true,
    ...over,
  };
}

async function deliver(store: Store, id: string, plans: DispatchPlan[], now = 1000): Promise<string[]> {
  await store.insertDelivery({ id, forge: 'gh', event: 'pull_request', payload: '{}', receivedAt: now });
  const [claimed] = await store.claimDeliveries('w', 1, 10_000, now);
  expect(claimed?.id).toBe(id);
  return store.applySourceEvent(id, 'w', plans, now);
}

describe.each(factories)('%s store', (_name, factory) => {
  it('dedupes deliveries and dispatch plans, and supersedes older dispatches of a PR', async (ctx) => {
    const store = await factory();
    if (!store) return ctx.skip();
    await store.migrate();
    await store.migrate(); // idempotent
    expect(
      await store.insertDelivery({ id: 'gh:1', forge: 'gh', event: 'x', payload: '{}', receivedAt: 1 }),
    ).toBe(true);
    expect(
      await store.insertDelivery({ id: 'gh:1', forge: 'gh', event: 'x', payload: '{}', receivedAt: 2 }),
    ).toBe(false);
    const [d] = await store.claimDeliveries('w', 10, 1000, 5);
    expect(await store.applySourceEvent(d!.id, 'w', [plan({ id: 'a', headSha: 's1' })], 5)).toEqual(['a']);
    // Another delivery for the same head sha: no new dispatch.
    expect(await deliver(store, 'gh:2', [plan({ id: 'b', headSha: 's1' })])).toEqual([]);
    // A newer push supersedes.
    expect(await deliver(store, 'gh:3', [plan({ id: 'c', headSha: 's2', eventAt: 2000 })])).toEqual(['c']);
    // A late, older event is recorded born superseded.
    expect(await deliver(store, 'gh:4', [plan({ id: 'd', headSha: 's0', eventAt: 500 })])).toEqual(['d']);
    const rows = await store.listDispatches();
    expect(rows.map((r) => [r.id, r.state, r.supersededBy])).toEqual([
      ['a', 'new', 'c'],
      ['c', 'new', null],
      ['d', 'new', 'c'],
    ]);
    expect((await store.counts()).dispatches.new).toBe(3);
    await store.close();
  });

  it('leases dispatches to one owner and guards transitions by owner and state', async (ctx) => {
    const store = await factory();
    if (!store) return ctx.skip();
    await store.migrate();
    await deliver(store, 'gh:1', [plan({ id: 'a', headSha: 's1' })]);
    const first = await store.claimDispatches('w1', 10, 1000, 2000);
    expect(first.map((r) => r.id)).toEqual(['a']);
    expect(await store.claimDispatches('w2', 10, 1000, 2000)).toEqual([]);
    expect(await store.transition('a', 'w2', 'new', { state: 'sending' })).toBe(false);
    expect(await store.transition('a', 'w1', 'started', { state: 'sending' })).toBe(false);
    // The lease expires: another owner gets it, the first one's transition is refused.
    const second = await store.claimDispatches('w2', 10, 1000, 3001);
    expect(second.map((r) => r.id)).toEqual(['a']);
    expect(await store.transition('a', 'w1', 'new', { state: 'sending' })).toBe(false);
    expect(await store.transition('a', 'w2', 'new', { state: 'sending', nextAt: 3001 })).toBe(true);
    expect((await store.getDispatch('a'))?.state).toBe('sending');
    await store.close();
  });

  it('records a run completion by run id or by correlation id, whatever state the dispatch is in', async (ctx) => {
    const store = await factory();
    if (!store) return ctx.skip();
    await store.migrate();
    await deliver(store, 'gh:1', [plan({ id: 'a', headSha: 's1' })]);
    await deliver(store, 'gh:2', [
      plan({
        id: 'b',
        headSha: 's9',
        subjectKey: 'other',
        dedupeKey: 'other|s9',
        correlationId: 'xrd-bbbbbbbbbbbbbbbb',
      }),
    ]);
    // a: running with run 42
    await store.claimDispatches('w', 10, 1000, 2000);
    await store.transition('a', 'w', 'new', { state: 'running', runId: 42, nextAt: 99_999 });
    // b: still correlating (run id unknown)
    await store.transition('b', 'w', 'new', { state: 'correlating', nextAt: 99_999 });
    const complete = async (id: string, runId: number, ids: string[]) => {
      await store.insertDelivery({ id, forge: 'gh', event: 'workflow_run', payload: '{}', receivedAt: 3000 });
      await store.claimDeliveries('w', 1, 1000, 3000);
      return store.applyRunCompletion(
        id,
        'w',
        {
          targetForge: 'gh',
          targetRepo: 'acme/target',
          runId,
          correlationIds: ids,
          conclusion: 'success',
          htmlUrl: 'h',
        },
        3000,
      );
    };
    expect(await complete('gh:3', 42, [])).toBe(true);
    expect(await complete('gh:4', 77, ['xrd-bbbbbbbbbbbbbbbb'])).toBe(true);
    expect(await complete('gh:5', 1234, ['xrd-0000000000000000'])).toBe(false);
    const [a, b] = await store.listDispatches();
    expect([a?.state, a?.runConclusion, a?.nextAt]).toEqual(['completing', 'success', 3000]);
    expect([b?.state, b?.runId, b?.runConclusion]).toEqual(['correlating', 77, 'success']);
    // The worker finishing correlation moves b towards running: it goes to completing instead.
    await store.claimDispatches('w', 10, 1000, 3000);
    // Epoch-millisecond values need BIGINT parameters on PostgreSQL.
    expect(
      await store.transition('b', 'w', 'correlating', { state: 'running', nextAt: 1_800_000_000_000 }),
    ).toBe(true);
    expect((await store.getDispatch('b'))?.state).toBe('completing');
    await store.close();
  });

  it('keeps committed state across a reopen', async (ctx) => {
    if (_name !== 'sqlite') return ctx.skip();
    const path = join(dir, 'reopen.db');
    const s1 = createSqliteStore(path);
    await s1.migrate();
    await s1.insertDelivery({ id: 'gh:1', forge: 'gh', event: 'x', payload: '{"a":1}', receivedAt: 1 });
    await s1.close();
    const s2 = createSqliteStore(path);
    await s2.migrate();
    expect((await s2.claimDeliveries('w', 5, 1000, 10)).map((d) => d.payload)).toEqual(['{"a":1}']);
    await s2.close();
  });

  it('stores PR numbers beyond 2^31 exactly, up to 2^53-1', async (ctx) => {
    const store = await factory();
    if (!store) return ctx.skip();
    await store.migrate();
    const numbers = [2 ** 31, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER];
    for (const [i, prNumber] of numbers.entries()) {
      await deliver(store, `gh:${i}`, [
        plan({ id: `p${i}`, headSha: `s${i}`, prNumber, subjectKey: `k${i}`, dedupeKey: `k${i}|s` }),
      ]);
    }
    const claimed = await store.claimDispatches('w', 10, 1000, 2000);
    expect(claimed.map((r) => r.prNumber).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(numbers);
    await store.close();
  });

  it('sets a row it cannot read without loss aside, with its reason; the rest of the batch goes on, also after a reopen', async (ctx) => {
    const open = await openers[_name]?.();
    if (!open) return ctx.skip();
    const setAside: SetAside[] = [];
    const store = open({ onSetAside: (row) => setAside.push(row) });
    await store.migrate();
    // As an older version could have stored them: a PR number and a delivery time beyond 2^53-1.
    await deliver(store, 'gh:1', [
      plan({ id: 'a', headSha: 's1', subjectKey: 'ka', dedupeKey: 'ka|s1' }),
      plan({ id: 'b', headSha: 's2', subjectKey: 'kb', dedupeKey: 'kb|s2', prNumber: 2 ** 53 + 2 }),
      plan({ id: 'c', headSha: 's3', subjectKey: 'kc', dedupeKey: 'kc|s3' }),
    ]);
    await store.insertDelivery({
      id: 'gh:bad',
      forge: 'gh',
      event: 'x',
      payload: '{}',
      receivedAt: 2 ** 53 + 2,
    });
    await store.insertDelivery({ id: 'gh:ok', forge: 'gh', event: 'x', payload: '{}', receivedAt: 1500 });

    expect((await store.claimDispatches('w1', 10, 1000, 2000)).map((r) => r.id).sort()).toEqual(['a', 'c']);
    expect((await store.claimDeliveries('w1', 10, 1000, 2 ** 54)).map((d) => d.id)).toEqual(['gh:ok']);
    expect(setAside).toEqual([
      {
        table: 'dispatches',
        id: 'b',
        reason: 'column pr_number holds 9007199254740994, not an integer of at most 2^53-1',
      },
      {
        table: 'deliveries',
        id: 'gh:bad',
        reason: 'column received_at holds 9007199254740994, not an integer of at most 2^53-1',
      },
    ]);
    expect((await store.counts()).dispatches).toMatchObject({ new: 2, done: 1 });
    await store.close();

    // After a restart the set-aside rows stay out of the queue; the others are claimed again once
    // their leases expire.
    const again = open({ onSetAside: (row) => setAside.push(row) });
    await again.migrate();
    expect((await again.claimDispatches('w2', 10, 1000, 5000)).map((r) => r.id).sort()).toEqual(['a', 'c']);
    expect((await again.claimDeliveries('w2', 10, 1000, 2 ** 54 + 4096)).map((d) => d.id)).toEqual(['gh:ok']);
    expect(setAside).toHaveLength(2);
    await again.close();
  });
});
