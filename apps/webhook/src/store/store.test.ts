// The same behaviour checks against both stores: the embedded one in a temp file, and PostgreSQL
// (127.0.0.1:5432, each run in its own schema) when it is reachable.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, PG_URL, pgReachable } from '../../test/pg.js';
import { createPostgresDriver, createPostgresStore } from './postgres.js';
import {
  type SetAside,
  type SqlDriver,
  type SqlExec,
  SqlStore,
  type SqlStoreOptions,
  type SqlValue,
} from './sql-store.js';
import { createSqliteDriver, createSqliteStore } from './sqlite.js';
import type { DeliveryEffect, DeliveryOutcome, DispatchPlan, Store } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'xrd-store-'));
const schemas: string[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropSchema(...schemas);
});

let n = 0;
/** Opens one fresh database (a file, or a schema); each call of the opener opens it again. */
const openers: Record<string, () => Promise<((options?: SqlStoreOptions) => Store) | undefined>> = {
  sqlite: async () => {
    const path = join(dir, `s${++n}.db`);
    return (options) => createSqliteStore(path, options);
  },
  postgres: async () => {
    if (!(await pgReachable())) return undefined;
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
    // Kept (as the worker does before the POST), so the answer's transition is still this owner's.
    expect(await store.transition('a', 'w2', 'new', { state: 'sending', nextAt: 3001 }, true)).toBe(true);
    expect((await store.getDispatch('a'))?.state).toBe('sending');
    expect((await store.getDispatch('a'))?.clockOffsetMs).toBeNull();
    // The forge's clock 10 minutes behind the service's, as the dispatch answer said.
    expect(
      await store.transition('a', 'w2', 'sending', {
        state: 'correlating',
        clockOffsetMs: -600_250,
        nextAt: 3002,
      }),
    ).toBe(true);
    expect((await store.getDispatch('a'))?.clockOffsetMs).toBe(-600_250);
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
    const open = await openers[_name]?.();
    if (!open) return ctx.skip();
    const s1 = open();
    await s1.migrate();
    await s1.insertDelivery({ id: 'gh:1', forge: 'gh', event: 'x', payload: '{"a":1}', receivedAt: 1 });
    await s1.close();
    const s2 = open();
    await s2.migrate();
    expect((await s2.claimDeliveries('w', 5, 1000, 10)).map((d) => d.payload)).toEqual(['{"a":1}']);
    await s2.close();
  });

  it('keeps the id of the comment each key last wrote, replaces it, and forgets the ones not written since a prune', async (ctx) => {
    const store = await factory();
    if (!store) return ctx.skip();
    await store.migrate();
    const key = 'gh:acme/source#7:<!-- xrd:ctx -->';
    expect(await store.commentId(key)).toBeUndefined();
    await store.recordComment(key, 1001, 5_000);
    await store.recordComment('gh:acme/source#8:<!-- xrd:ctx -->', 2 ** 40, 1_000);
    expect(await store.commentId(key)).toBe(1001);
    await store.recordComment(key, 1002, 9_000);
    expect(await store.commentId(key)).toBe(1002);
    expect(await store.commentId('gh:acme/source#8:<!-- xrd:ctx -->')).toBe(2 ** 40);
    expect(await store.pruneComments(5_000)).toBe(1);
    expect(await store.commentId('gh:acme/source#8:<!-- xrd:ctx -->')).toBeUndefined();
    expect(await store.commentId(key)).toBe(1002);
    await store.close();
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

/** A driver that records every statement it runs (with its parameters). */
interface Seen {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}
function recording(driver: SqlDriver, seen: Seen[]): SqlDriver {
  const wrap = (exec: SqlExec): SqlExec => ({
    all: (sql, params = []) => {
      seen.push({ sql, params });
      return exec.all(sql, params);
    },
    run: (sql, params = []) => {
      seen.push({ sql, params });
      return exec.run(sql, params);
    },
  });
  const direct = wrap(driver);
  return {
    dialect: driver.dialect,
    all: direct.all,
    run: direct.run,
    transaction: (fn) => driver.transaction((tx) => fn(wrap(tx))),
    withMigrationLock: (fn) => driver.withMigrationLock(fn),
    close: () => driver.close(),
  };
}

/** Every statement of the worker's and the intake's paths: intake, claims, effects, transitions. */
async function workload(store: SqlStore): Promise<void> {
  await store.migrate();
  await Promise.all(
    ['gh:1', 'gh:2', 'gh:3', 'gh:4'].map((id) =>
      store.insertDelivery({ id, forge: 'gh', event: 'pull_request', payload: '{}', receivedAt: 1000 }),
    ),
  );
  await store.claimDeliveries('w', 10, 10_000, 1000);
  await store.applyDeliveries(
    'w',
    [
      { kind: 'source', deliveryId: 'gh:1', plans: [plan({ id: 'a', headSha: 's1' })] },
      // Another PR in the same batch: its plans go into the same statements as a's.
      {
        kind: 'source',
        deliveryId: 'gh:4',
        plans: [plan({ id: 'c', headSha: 's3', subjectKey: 'r|gh|acme/source|pr:2', prNumber: 2 })],
      },
      // Same PR, newer push: supersedes a.
      { kind: 'source', deliveryId: 'gh:2', plans: [plan({ id: 'b', headSha: 's2', eventAt: 2000 })] },
      {
        kind: 'completion',
        deliveryId: 'gh:3',
        completion: {
          targetForge: 'gh',
          targetRepo: 'acme/target',
          runId: 7,
          correlationIds: ['xrd-000000000000000b'],
          conclusion: 'success',
          htmlUrl: '',
        },
      },
    ],
    1000,
  );
  const [row] = await store.claimDispatches('w', 10, 10_000, 5000);
  await store.renewLease(row?.id ?? '', 'w', 20_000);
  await store.transition(row?.id ?? '', 'w', 'new', { state: 'sending' }, true);
  await store.transition(row?.id ?? '', 'w', 'sending', { state: 'running', runId: 7, nextAt: 9000 });
  await store.release(row?.id ?? '', 'w', 9000);
  await store.getDispatch('a');
  await store.failDelivery('gh:x', 'w', 'e', 2000);
  await store.pruneDeliveries(0);
  await store.recordComment('gh:acme/source#1:<!-- xrd:ctx -->', 41, 1000);
  await store.commentId('gh:acme/source#1:<!-- xrd:ctx -->');
  await store.pruneComments(0);
}

/** Statements that read a whole table on purpose: at start, or for an operator, never per event. */
const WHOLE_TABLE = [
  /^CREATE |^ALTER |xrd_migrations|^SELECT 1/,
  /^SELECT \* FROM dispatches ORDER BY/, // listDispatches (tests, tools)
  /COUNT\(\*\)/, // counts(): /metrics gauges
  /WHERE lease_owner IS NOT NULL/, // releaseAllLeases(): once at start
];
const hot = (seen: readonly Seen[]) =>
  seen.filter((s) => !WHOLE_TABLE.some((re) => re.test(s.sql.trim().replace(/\s+/g, ' '))));
const SUPERSEDE = /UPDATE dispatches SET superseded_by/;
const COMPLETION = /UPDATE dispatches SET\s+run_conclusion/;

/** Fresh drivers (a file, or a schema), for tests that watch the statements. */
const drivers: Array<[string, () => Promise<SqlDriver | undefined>]> = [
  ['sqlite', async () => createSqliteDriver(join(dir, `d${++n}.db`))],
  [
    'postgres',
    async () => {
      if (!(await pgReachable())) return undefined;
      const schema = `xrd_store_test_${process.pid}_${++n}`;
      schemas.push(schema);
      return createPostgresDriver(PG_URL, { schema });
    },
  ],
];

describe.each(drivers)('%s store: a batch of deliveries', (_name, driver) => {
  it('applies a claimed batch in a few statements, with the result of applying its events one by one', async (ctx) => {
    // The batch: two pushes of PR 1 in order (the second supersedes the first, and the one already
    // stored), a late old push of PR 2 (born superseded), a replayed plan (same dedupe key), a
    // fan-out event with two targets, a delivery whose lease was lost, and a completion.
    const pr = (n: number) => ({ subjectKey: `r|gh|acme/source|pr:${n}`, prNumber: n });
    const fan = (i: number) => ({
      key: 'g1',
      index: i,
      count: 2,
      name: `t${i}`,
      context: 'ctx',
      status: true,
      comment: true,
      failFast: false,
      concurrency: 0,
    });
    const effects: DeliveryEffect[] = [
      { kind: 'source', deliveryId: 'gh:b1', plans: [plan({ id: 'p1b', headSha: 'b', eventAt: 2000 })] },
      {
        kind: 'source',
        deliveryId: 'gh:b2',
        plans: [plan({ id: 'p2old', headSha: 'o', eventAt: 500, ...pr(2) })],
      },
      { kind: 'source', deliveryId: 'gh:b3', plans: [plan({ id: 'p1c', headSha: 'c', eventAt: 3000 })] },
      { kind: 'source', deliveryId: 'gh:b4', plans: [plan({ id: 'p1dup', headSha: 'b', eventAt: 2000 })] },
      {
        kind: 'source',
        deliveryId: 'gh:b5',
        plans: [0, 1].map((i) =>
          plan({
            id: `f${i}`,
            headSha: 'f',
            eventAt: 4000,
            ...pr(3),
            subjectKey: `r|gh|acme/source|pr:3|target:${i}`,
            dedupeKey: `r|gh|acme/source|pr:3|f|target:${i}`,
            fanOut: fan(i),
          }),
        ),
      },
      { kind: 'source', deliveryId: 'gh:b6', plans: [plan({ id: 'lost', headSha: 'l', ...pr(4) })] },
      {
        kind: 'completion',
        deliveryId: 'gh:b7',
        completion: {
          targetForge: 'gh',
          targetRepo: 'acme/target',
          runId: 70,
          correlationIds: [],
          conclusion: 'failure',
          htmlUrl: '',
        },
      },
    ];
    const prepare = async (store: Store): Promise<void> => {
      await store.migrate();
      // Already stored: PR 1 at push a (to be superseded), PR 2 at a newer push than the batch's.
      await deliver(store, 'gh:a1', [plan({ id: 'p1a', headSha: 'a', eventAt: 1000 })]);
      await deliver(store, 'gh:a2', [plan({ id: 'p2new', headSha: 'n', eventAt: 1500, ...pr(2) })]);
      const [row] = await store.claimDispatches('w', 1, 10_000, 1000);
      await store.transition(row?.id ?? '', 'w', 'new', { state: 'running', runId: 70 });
      const mine = effects.filter((e) => e.deliveryId !== 'gh:b6');
      for (const e of mine) {
        await store.insertDelivery({
          id: e.deliveryId,
          forge: 'gh',
          event: e.kind,
          payload: '{}',
          receivedAt: 1000,
        });
      }
      expect(await store.claimDeliveries('w', 50, 10_000, 1000)).toHaveLength(mine.length);
      // gh:b6 is held by another worker (this one's lease on it ran out and was taken over).
      await store.insertDelivery({
        id: 'gh:b6',
        forge: 'gh',
        event: 'source',
        payload: '{}',
        receivedAt: 1000,
      });
      expect(await store.claimDeliveries('other', 50, 10_000, 1000)).toHaveLength(1);
    };
    const snapshot = async (store: Store) =>
      (await store.listDispatches()).map((d) => [
        d.id,
        d.state,
        d.supersededBy,
        d.runConclusion,
        d.fanOut?.key ?? null,
      ]);

    const seen: Seen[] = [];
    const oneDriver = await driver();
    const batchDriver = await driver();
    if (!oneDriver || !batchDriver) return ctx.skip();
    const one: Store = new SqlStore(oneDriver);
    const batch: Store = new SqlStore(recording(batchDriver, seen));
    await prepare(one);
    const oneByOne: DeliveryOutcome[] = [];
    for (const e of effects) {
      oneByOne.push(
        e.kind === 'source'
          ? {
              applied: true,
              created: await one.applySourceEvent(e.deliveryId, 'w', e.plans, 5000),
              matched: false,
            }
          : {
              applied: true,
              created: [],
              matched: await one.applyRunCompletion(e.deliveryId, 'w', e.completion, 5000),
            },
      );
    }
    // gh:b6's lease is lost in both stores: its event does nothing.
    expect(oneByOne[5]).toEqual({ applied: true, created: [], matched: false });

    await prepare(batch);
    seen.length = 0;
    const outcomes = await batch.applyDeliveries('w', effects, 5000);
    const statements = seen.length;
    expect(outcomes).toEqual(oneByOne);
    expect(await snapshot(batch)).toEqual(await snapshot(one));
    expect((await batch.getDispatch('p1a'))?.supersededBy).toBe('p1b');
    expect((await batch.getDispatch('p1b'))?.supersededBy).toBe('p1c');
    expect((await batch.getDispatch('p2old'))?.supersededBy).toBe('p2new');
    // Seven deliveries, eight plans, 14 statements (one by one: 30): the sources' deliveries
    // finished together (1); three rounds, PR 1 having three plans — subjects, dispatches, fan-out
    // groups, subjects upsert, supersede (5), then 4, then 2 (the replay inserts nothing); the
    // completion's delivery and its lookup by run id (2).
    expect(statements).toBe(14);
    await one.close();
    await batch.close();
  });
});

describe('statements use the indexes (no statement on the hot paths reads a whole table)', () => {
  it('sqlite: EXPLAIN QUERY PLAN shows index searches only, by the whole key', async () => {
    const path = join(dir, `plans${++n}.db`);
    const seen: Seen[] = [];
    const store = new SqlStore(recording(createSqliteDriver(path), seen));
    await workload(store);
    await store.close();
    const db = new DatabaseSync(path);
    const plans = hot(seen).map((s) => ({
      sql: s.sql,
      plan: (db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...s.params) as Array<{ detail: string }>).map(
        (r) => r.detail,
      ),
    }));
    db.close();
    expect(plans.length).toBeGreaterThan(15);
    for (const p of plans) {
      expect(
        p.plan.filter((d) => /^SCAN (dispatches|deliveries|subjects|comments)\b/.test(d)),
        p.sql,
      ).toEqual([]);
    }
    expect(plans.find((p) => SUPERSEDE.test(p.sql))?.plan).toEqual([
      'SEARCH dispatches USING INDEX dispatches_subject (subject_key=?)',
    ]);
    expect(plans.filter((p) => COMPLETION.test(p.sql)).map((p) => p.plan)).toEqual([
      ['SEARCH dispatches USING INDEX dispatches_run (target_forge=? AND target_repo=? AND run_id=?)'],
      ['SEARCH dispatches USING INDEX sqlite_autoindex_dispatches_3 (correlation_id=?)'],
    ]);
  });

  it('postgres: EXPLAIN (sequential scans priced out) shows no Seq Scan, and the completion and supersede by index key', async (ctx) => {
    if (!(await pgReachable())) return ctx.skip();
    const schema = `xrd_store_test_${process.pid}_${++n}`;
    schemas.push(schema);
    const seen: Seen[] = [];
    const store = new SqlStore(recording(createPostgresDriver(PG_URL, { schema }), seen));
    await workload(store);
    await store.close();
    const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await client.connect();
    // A table of a few rows is cheaper to scan than to search; with scans priced out, the planner
    // still scans where no index can serve the statement.
    await client.query('SET enable_seqscan = off');
    const plans: Array<{ sql: string; plan: string }> = [];
    for (const s of hot(seen)) {
      let i = 0;
      const numbered = s.sql.replace(/\?/g, () => `$${++i}`);
      const rows = (await client.query(`EXPLAIN ${numbered}`, s.params as SqlValue[])).rows as Array<
        Record<string, string>
      >;
      plans.push({ sql: s.sql, plan: rows.map((r) => r['QUERY PLAN']).join('\n') });
    }
    await client.end();
    expect(plans.length).toBeGreaterThan(15);
    for (const p of plans) expect(p.plan, p.sql).not.toMatch(/Seq Scan on (dispatches|deliveries|subjects)/);
    expect(plans.find((p) => SUPERSEDE.test(p.sql))?.plan).toMatch(/Index Cond: \(subject_key = /);
    const [byRun, byCorrelation] = plans.filter((p) => COMPLETION.test(p.sql)).map((p) => p.plan);
    expect(byRun).toMatch(/Index Cond: .*run_id = /);
    expect(byCorrelation).toMatch(/Index Cond: \(correlation_id = /);
  });
});

describe.each(factories)('%s store: group commit', (_name, factory) => {
  it('stores deliveries that arrive together with one INSERT and answers each only once it is committed', async (ctx) => {
    const store = (await factory()) as SqlStore | undefined;
    if (!store) return ctx.skip();
    await store.migrate();
    const before = store.deliveryCommits;
    const ids = Array.from({ length: 20 }, (_, i) => `gh:${i}`);
    ids.push('gh:3'); // a replay within the same burst
    const answers = await Promise.all(
      ids.map((id, i) =>
        store.insertDelivery({ id, forge: 'gh', event: 'x', payload: `{"i":${i}}`, receivedAt: 1000 + i }),
      ),
    );
    expect(store.deliveryCommits - before).toBe(1);
    expect(answers.filter((a) => a)).toHaveLength(20);
    expect(answers[3]).toBe(true);
    expect(answers[20]).toBe(false); // the first copy won
    const claimed = await store.claimDeliveries('w', 50, 1000, 5000);
    expect(claimed.map((d) => d.id).sort()).toEqual([...new Set(ids)].sort());
    expect(claimed.find((d) => d.id === 'gh:3')?.payload).toBe('{"i":3}');
    await store.close();
  });
});

describe('sqlite store: group commit durability', () => {
  it('each delivery is readable from another connection by the time its insert is answered', async () => {
    const path = join(dir, `durable${++n}.db`);
    const store = createSqliteStore(path);
    await store.migrate();
    const other = new DatabaseSync(path);
    const visible = (id: string) =>
      Number((other.prepare('SELECT COUNT(*) AS n FROM deliveries WHERE id = ?').get(id) as { n: number }).n);
    const seenAtAnswer: number[] = [];
    const bursts = [0, 1, 2].map((b) =>
      Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const id = `gh:${b}-${i}`;
          return store
            .insertDelivery({ id, forge: 'gh', event: 'x', payload: '{}', receivedAt: 1 })
            .then(() => seenAtAnswer.push(visible(id)));
        }),
      ),
    );
    await Promise.all(bursts);
    other.close();
    expect(seenAtAnswer).toEqual(Array(30).fill(1));
    expect(store.deliveryCommits).toBeLessThan(30);
    await store.close();
  });
});

describe('SQLite temporary files', () => {
  it('keeps them in memory, and a failing statement inside a transaction is still undone alone', async () => {
    const driver = createSqliteDriver(join(dir, 'temp.db'));
    expect(await driver.all('PRAGMA temp_store')).toEqual([{ temp_store: 2 }]);
    await driver.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)');
    const rows = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => [from + i, `v${from + i}`.padEnd(2000, '.')]);
    const insert = (values: unknown[][]) =>
      `INSERT INTO t (id, v) VALUES ${values.map(() => '(?, ?)').join(', ')}`;
    await driver.transaction(async (tx) => {
      const first = rows(0, 200);
      await tx.run(insert(first), first.flat());
      // 200 rows of 2 KB (a statement journal far beyond its in-memory buffer), the last a duplicate:
      // the statement fails and only its own rows are undone.
      const second = [...rows(200, 199), [999, 'v0'.padEnd(2000, '.')]];
      await expect(tx.run(insert(second), second.flat())).rejects.toThrow(/UNIQUE/);
    });
    expect(await driver.all('SELECT COUNT(*) AS n, MAX(id) AS top FROM t')).toEqual([{ n: 200, top: 199 }]);
    await driver.close();
  });
});

describe('SQLite WAL checkpoints', () => {
  it('releaseMemory checkpoints and truncates the WAL a burst grew', async () => {
    const path = join(dir, 'wal.db');
    // No checkpoint thread (it would keep the WAL small): the burst's pages all stay in the WAL.
    const driver = createSqliteDriver(path, () => ({
      checkpoint: (done) => done(null),
      close: (done) => done(),
    }));
    const store = new SqlStore(driver);
    await store.migrate();
    const payload = 'x'.repeat(4000);
    // ~3,000 pages (a row and its overflow page each).
    for (let i = 0; i < 1500; i++) {
      await store.insertDelivery({
        id: `gh:${i}`,
        forge: 'gh',
        event: 'pull_request',
        payload,
        receivedAt: i,
      });
    }
    const walPages = () => statSync(`${path}-wal`).size / 4096;
    expect(walPages()).toBeGreaterThan(2000);
    await store.releaseMemory();
    expect(statSync(`${path}-wal`).size).toBe(0);
    await store.close();
  });
});
