// The store's part of a fan-out route, against both stores (PostgreSQL when reachable): a group row
// created with its target rows in the source event's transaction (once, however often the event is
// replayed), claimed under a lease, settled only by its holder; `concurrency` rows at most in
// `sending`; fail-fast marks only the rows not past their run; a deferred row's claim is not
// counted as an attempt.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, PG_URL, pgReachable } from '../../test/pg.js';
import { createPostgresStore } from './postgres.js';
import { createSqliteStore } from './sqlite.js';
import type { DispatchPlan, FanOutSpec, Store } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'xrd-fan-out-store-'));
const schemas: string[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropSchema(...schemas);
});

let n = 0;
const stores: Array<[string, () => Promise<Store | undefined>]> = [
  ['sqlite', async () => createSqliteStore(join(dir, `f${++n}.db`))],
  [
    'postgres',
    async () => {
      if (!(await pgReachable())) return undefined;
      const schema = `xrd_fan_out_test_${process.pid}_${++n}`;
      schemas.push(schema);
      return createPostgresStore(PG_URL, { schema });
    },
  ],
];

const KEY = 'all|gh|acme/source|pr:1|' + 'a'.repeat(40);
const target = (index: number): DispatchPlan => ({
  id: `t${index}`,
  dedupeKey: `all|gh|acme/source|pr:1|target:${index}|${'a'.repeat(40)}`,
  subjectKey: `all|gh|acme/source|pr:1|target:${index}`,
  eventAt: 1000,
  route: 'all',
  supersede: true,
  cancelSuperseded: false,
  sourceForge: 'gh',
  sourceRepo: 'acme/source',
  prNumber: 1,
  headSha: 'a'.repeat(40),
  headRef: 'feature/x',
  targetForge: 'gh',
  targetRepo: `acme/t${index}`,
  workflow: 'build.yml',
  eventType: null,
  targetRef: 'main',
  inputs: '{}',
  correlationId: `xrd-${String(index).padStart(16, '0')}`,
  correlationInput: 'correlation_id',
  correlation: 'run-name',
  reportContext: `xrd/acme/t${index}/build`,
  reportStatus: false,
  reportComment: false,
  fanOut: {
    key: KEY,
    index,
    count: 3,
    name: `acme/t${index} build.yml`,
    context: 'xrd/targets',
    status: true,
    comment: true,
    failFast: true,
    concurrency: 1,
  },
});

describe.each(stores)('fan-out groups on %s', (_name, open) => {
  it('one group with its rows; claimed, settled by its holder; fail-fast; deferred claims', async (ctx) => {
    const store = await open();
    if (!store) return ctx.skip();
    await store.migrate();
    const plans = [0, 1, 2].map(target);
    for (const id of ['d1', 'd2']) {
      await store.insertDelivery({ id, forge: 'gh', event: 'pull_request', payload: '{}', receivedAt: 1 });
      await store.claimDeliveries('w', 10, 60_000, 10);
      // A replay (a second delivery of the same event) creates nothing.
      expect(await store.applySourceEvent(id, 'w', plans, 10)).toEqual(id === 'd1' ? ['t0', 't1', 't2'] : []);
    }
    expect(await store.hasNewerEvent(plans[0]?.subjectKey as string, 't0')).toBe(false);
    const rows = await store.fanOutRows(KEY);
    expect(rows.map((r) => [r.id, r.fanOut?.index, r.fanOut?.context])).toEqual([
      ['t0', 0, 'xrd/targets'],
      ['t1', 1, 'xrd/targets'],
      ['t2', 2, 'xrd/targets'],
    ]);

    const [group, ...more] = await store.claimFanOuts('w', 10, 60_000, 20);
    expect(more).toEqual([]);
    expect(group).toEqual({ key: KEY, reported: null });
    expect(await store.claimFanOuts('other', 10, 60_000, 20)).toEqual([]); // leased
    expect(await store.settleFanOut(KEY, 'other', { reported: 'x', nextAt: 20 })).toBe(false);
    expect(await store.settleFanOut(KEY, 'w', { reported: 'pending', nextAt: 1_000 })).toBe(true);
    expect(await store.claimFanOuts('w', 10, 60_000, 30)).toEqual([]); // not due
    await store.touchFanOut(KEY, 30);
    expect(await store.claimFanOuts('w', 10, 60_000, 30)).toEqual([{ key: KEY, reported: 'pending' }]);

    // Concurrency counts the rows in `sending`; a deferred claim is not an attempt.
    const claimed = await store.claimDispatches('w', 10, 60_000, 40);
    expect(claimed.map((r) => r.attempts)).toEqual([1, 1, 1]);
    expect(await store.enterSending('t0', 'w', KEY, 1, 41)).toBe('sending');
    expect((await store.getDispatch('t0'))?.dispatchedAt).toBe(41);
    expect(await store.enterSending('t1', 'w', KEY, 1, 42)).toBe('wait'); // concurrency 1
    expect(await store.enterSending('t1', 'other', KEY, 2, 42)).toBe('lost'); // not its lease
    expect((await store.getDispatch('t1'))?.state).toBe('new');
    await store.deferDispatch('t1', 'w', 50);
    expect((await store.getDispatch('t1'))?.attempts).toBe(0);

    // t0 runs; fail-fast marks t0 (not past its run) and t2, not t1 once it is done.
    await store.transition('t0', 'w', 'sending', { state: 'running', runId: 5, nextAt: 10_000 });
    await store.transition('t2', 'w', 'new', { state: 'done', outcome: 'rejected', error: 'no' });
    await store.release('t1', 'w');
    expect(await store.stopFanOut(KEY, 'fail-fast', 60)).toBe(2);
    const after = await store.fanOutRows(KEY);
    expect(after.map((r) => [r.id, r.supersededBy, r.nextAt])).toEqual([
      ['t0', 'fail-fast', 60],
      ['t1', 'fail-fast', 60],
      ['t2', null, after[2]?.nextAt],
    ]);
    // Again: nothing new, rows already brought forward stay.
    expect(await store.stopFanOut(KEY, 'fail-fast', 70)).toBe(0);

    // A newer push to the PR: the older group's rows learn of it (its comment is the newer one's).
    const newer = target(0);
    await store.insertDelivery({
      id: 'd3',
      forge: 'gh',
      event: 'pull_request',
      payload: '{}',
      receivedAt: 2,
    });
    await store.claimDeliveries('w', 10, 60_000, 75);
    await store.applySourceEvent(
      'd3',
      'w',
      [
        {
          ...newer,
          id: 'n0',
          headSha: 'b'.repeat(40),
          dedupeKey: `${newer.subjectKey}|${'b'.repeat(40)}`,
          eventAt: 2000,
          correlationId: 'xrd-00000000000000n0',
          fanOut: { ...(newer.fanOut as FanOutSpec), key: `${KEY}b` },
        },
      ],
      75,
    );
    expect(await store.hasNewerEvent(newer.subjectKey, 't0')).toBe(true);
    expect(await store.hasNewerEvent(newer.subjectKey, 'n0')).toBe(false);

    expect(await store.settleFanOut(KEY, 'w', { reported: 'final', done: true, nextAt: 80 })).toBe(true);
    await store.touchFanOut(KEY, 90);
    // Done: only the newer group is claimed.
    expect((await store.claimFanOuts('w', 10, 60_000, 100)).map((g) => g.key)).toEqual([`${KEY}b`]);
    await store.close();
  });
});
