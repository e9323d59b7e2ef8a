import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { createLogger } from './log.js';
import { Metrics } from './metrics.js';
import type { DeliveryEffect, DispatchRow, Store, StoredDelivery } from './store/types.js';
import {
  BUSY_LOOP_LIMIT,
  DELIVERY_WINDOW_MS,
  INTAKE_QUIET_MS,
  loopUtilization,
  STEP_FLOOR_MS,
  SUMMARY_INTERVAL_MS,
  sameStatus,
  Worker,
} from './worker.js';

describe('sameStatus', () => {
  const sent = { state: 'success', context: 'xrd/build', description: 'Build passed' } as const;

  it('matches the status the forge kept, also with its description cut to 140 characters', () => {
    expect(sameStatus({ ...sent, id: 1, createdAt: '2026-01-01T00:00:00Z' }, sent)).toBe(true);
    const long = `Build passed ${'x'.repeat(200)}`;
    const cut = `${long.slice(0, 139)}…`;
    expect(sameStatus({ ...sent, description: cut }, { ...sent, description: long })).toBe(true);
    // No description sent, none kept (Gitea's "" is read as none).
    expect(sameStatus({ state: 'error', context: 'c' }, { state: 'error', context: 'c' })).toBe(true);
  });

  it('tells another state, context or description apart', () => {
    expect(sameStatus({ ...sent, state: 'pending' }, sent)).toBe(false);
    expect(sameStatus({ ...sent, context: 'xrd/other' }, sent)).toBe(false);
    expect(sameStatus({ ...sent, description: 'Build failed' }, sent)).toBe(false);
    expect(sameStatus({ state: 'success', context: 'xrd/build' }, sent)).toBe(false);
    // A cut copy must be a prefix of what was meant.
    expect(
      sameStatus({ ...sent, description: 'Other…' }, { ...sent, description: 'Build passed and more' }),
    ).toBe(false);
  });
});

describe('Worker loop (injected clock, fake store)', () => {
  const config = parseConfig({
    listen: { port: 0 },
    store: { path: ':memory:' },
    worker: { 'poll-interval': '5ms', concurrency: 16 },
    forges: [
      { name: 'gh', kind: 'github', 'api-url': 'https://forge.test', token: 't', 'webhook-secret': 's' },
    ],
    routes: [
      {
        name: 'r',
        when: { forge: 'gh', repo: 'acme/source', pull_request: true },
        dispatch: { forge: 'gh', repo: 'acme/target', workflow: 'build.yml' },
      },
    ],
  });
  const completion = (i: number): StoredDelivery => ({
    id: `gh:${i}`,
    forge: 'gh',
    event: 'workflow_run',
    payload: JSON.stringify({
      event: {
        type: 'workflow_run',
        repo: 'acme/target',
        runId: i,
        displayTitle: '',
        status: 'completed',
        conclusion: 'success',
        htmlUrl: '',
      },
      eventAt: 1,
    }),
    receivedAt: 1,
    attempts: 1,
  });

  function setUp() {
    let t = 0;
    let load = 0;
    /** Dispatch rows the next claims hand out (state `done`: the step only releases them). */
    const ready: DispatchRow[] = [];
    const claims: Array<{ at: number; limit: number }> = [];
    const due: StoredDelivery[] = [];
    const applied: DeliveryEffect[][] = [];
    const logs: Array<Record<string, unknown>> = [];
    const deliveryClaims: number[] = [];
    const released: number[] = [];
    const reduced: number[] = [];
    const store = {
      claimDeliveries: async () => {
        deliveryClaims.push(t);
        return due.splice(0);
      },
      claimDispatches: async (_owner: string, limit: number) => {
        claims.push({ at: t, limit });
        return ready.splice(0, limit);
      },
      release: async () => undefined,
      applyDeliveries: async (_owner: string, effects: readonly DeliveryEffect[]) => {
        applied.push([...effects]);
        return effects.map(() => ({ applied: true, created: [], matched: true }));
      },
      failDelivery: async () => undefined,
      pruneDeliveries: async () => 0,
      claimFanOuts: async () => [],
      releaseMemory: async () => {
        released.push(t);
      },
    } as unknown as Store;
    const worker = new Worker({
      config,
      store,
      forges: new Map(),
      logger: createLogger('info', [], (line) => logs.push(JSON.parse(line) as Record<string, unknown>)),
      metrics: new Metrics(),
      owner: 'w',
      now: () => t,
      memory: { minWork: 3, idleMs: 5_000, minIntervalMs: 15_000, reduce: () => reduced.push(t) },
      loopLoad: () => load,
    });
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 2000 && !what(); i++) await new Promise((r) => setTimeout(r, 1));
      expect(what()).toBe(true);
    };
    return {
      worker,
      claims,
      deliveryClaims,
      released,
      reduced,
      due,
      applied,
      logs,
      until,
      at: (ms: number) => {
        t = ms;
      },
      loadIs: (utilization: number) => {
        load = utilization;
      },
      ready,
    };
  }

  it('starts no dispatch step while intake is busy and the event loop is busier than BUSY_LOOP_LIMIT, but one at least every STEP_FLOOR_MS', async () => {
    const w = setUp();
    const row = (id: string) => ({ id, state: 'done' }) as DispatchRow;
    w.worker.intake(); // t = 0
    w.loadIs(BUSY_LOOP_LIMIT + 0.1);
    // No step started yet: the floor lets one start.
    expect(w.worker.stepLimit(0)).toBe(1);
    w.ready.push(row('d1'), row('d2'), row('d3'));
    w.worker.start();
    await w.until(() => w.ready.length === 2);
    // d1 started at t = 0: within the floor, a busy loop holds the others back.
    expect(w.worker.stepLimit(0)).toBe(0);
    w.at(STEP_FLOOR_MS - 1);
    w.worker.intake();
    expect(w.worker.stepLimit(STEP_FLOOR_MS - 1)).toBe(0);
    w.worker.kick();
    await new Promise((r) => setTimeout(r, 20));
    expect(w.ready).toHaveLength(2);
    expect(w.claims.filter((c) => c.at === STEP_FLOOR_MS - 1)).toEqual([]);
    // A second after d1: d2 starts, busy loop or not.
    w.at(STEP_FLOOR_MS);
    w.worker.intake();
    w.worker.kick();
    await w.until(() => w.ready.length === 1);
    // A loop with room: steps start again at the busy-intake share.
    w.at(STEP_FLOOR_MS + 1);
    w.loadIs(BUSY_LOOP_LIMIT - 0.1);
    expect(w.worker.stepLimit(STEP_FLOOR_MS + 1)).toBe(1);
    w.worker.intake();
    w.worker.kick();
    await w.until(() => w.ready.length === 0);
    // Intake quiet: full concurrency whatever the loop's load.
    w.loadIs(1);
    expect(w.worker.stepLimit(STEP_FLOOR_MS + 1 + INTAKE_QUIET_MS)).toBe(16);
    await w.worker.stop();
  });

  it('runs dispatch steps at 1/16 of the concurrency while deliveries arrive, at full concurrency once intake is quiet', async () => {
    const w = setUp();
    w.worker.intake(); // t = 0
    expect(w.worker.stepLimit(0)).toBe(1);
    expect(w.worker.stepLimit(INTAKE_QUIET_MS - 1)).toBe(1);
    expect(w.worker.stepLimit(INTAKE_QUIET_MS)).toBe(16);
    // Deliveries claimed in the round count as intake, whenever they were stored.
    expect(w.worker.stepLimit(10_000, 3)).toBe(1);

    w.worker.start();
    await w.until(() => w.claims.length > 0);
    w.at(10_000);
    w.worker.kick();
    await w.until(() => w.claims.some((c) => c.at === 10_000));
    w.due.push(completion(1));
    w.at(20_000);
    w.worker.kick();
    await w.until(() => w.claims.some((c) => c.at === 20_000));
    await w.worker.stop();
    const limitAt = (at: number) => [...new Set(w.claims.filter((c) => c.at === at).map((c) => c.limit))];
    expect(limitAt(0)).toEqual([1]);
    expect(limitAt(10_000)).toEqual([16]);
    // The round that claimed a delivery held steps back; the next, finding none, did not.
    expect(limitAt(20_000)).toEqual([1, 16]);
  });

  it('claims deliveries when some were stored, at most once per window while intake is busy, else once per poll', async () => {
    const w = setUp();
    w.at(1_000);
    w.worker.start(); // the first round polls
    await w.until(() => w.deliveryClaims.length === 1);
    // Rounds a finished step starts (kick) claim no deliveries: none stored, the poll is not due.
    w.worker.kick();
    w.worker.kick();
    await w.until(() => w.claims.length >= 3);
    expect(w.deliveryClaims).toEqual([1_000]);
    // Stored: claimed at once (no claim in the last window).
    w.at(2_000);
    w.due.push(completion(1));
    w.worker.intake();
    await w.until(() => w.applied.length === 1);
    // More arrive within the window: they wait for it, then go as one batch.
    w.at(2_010);
    w.due.push(completion(2));
    w.worker.intake();
    w.due.push(completion(3));
    w.worker.intake();
    await w.until(() => w.claims.some((c) => c.at === 2_010));
    expect(w.deliveryClaims).toEqual([1_000, 2_000]);
    w.at(2_000 + DELIVERY_WINDOW_MS);
    await w.until(() => w.applied.length === 2);
    await w.worker.stop();
    expect(w.deliveryClaims).toEqual([1_000, 2_000, 2_000 + DELIVERY_WINDOW_MS]);
    expect(w.applied.map((batch) => batch.map((e) => e.deliveryId))).toEqual([['gh:1'], ['gh:2', 'gh:3']]);
  });

  it('applies a claimed batch in one call and logs one summary line per minute, no info line per delivery', async () => {
    const w = setUp();
    w.due.push(completion(1), completion(2), completion(3));
    w.at(1_000);
    w.worker.start();
    await w.until(() => w.applied.length > 0);
    expect(w.applied.map((batch) => batch.map((e) => e.deliveryId))).toEqual([['gh:1', 'gh:2', 'gh:3']]);
    expect(w.logs).toEqual([]);
    w.at(SUMMARY_INTERVAL_MS + 1);
    w.worker.kick();
    await w.until(() => w.logs.length > 0);
    w.at(2 * SUMMARY_INTERVAL_MS + 2);
    w.worker.kick();
    await w.until(() => w.claims.some((c) => c.at === 2 * SUMMARY_INTERVAL_MS + 2));
    await w.worker.stop();
    // Nothing done in the second minute: no second line.
    const lines = w.logs.filter((l) => l.msg !== 'memory given back after a burst of work');
    expect(lines.map(({ time: _t, ...rest }) => rest)).toEqual([
      {
        level: 'info',
        msg: 'deliveries processed',
        deliveries: 3,
        dispatchesCreated: 0,
        completionsMatched: 3,
        seconds: 60,
        activeSteps: 0,
      },
    ]);
  });

  it('gives memory back (a collection, then the store caches) once a burst has been idle 5 s, at most every 15 s', async () => {
    const w = setUp();
    w.at(1_000);
    w.due.push(completion(1), completion(2), completion(3));
    w.worker.start();
    await w.until(() => w.applied.length === 1);
    for (const at of [3_000, 6_100, 7_000]) {
      w.at(at);
      w.worker.kick();
      await w.until(() => w.claims.some((c) => c.at === at));
    }
    // A second burst right after: given back again only 15 s after the first time.
    w.due.push(completion(4), completion(5), completion(6));
    w.at(8_000);
    w.worker.intake();
    await w.until(() => w.applied.length === 2);
    for (const at of [13_100, 21_099, 21_100]) {
      w.at(at);
      w.worker.kick();
      await w.until(() => w.claims.some((c) => c.at === at));
    }
    await w.worker.stop();
    expect(w.reduced).toEqual([6_100, 21_100]);
    expect(w.released).toEqual([6_100, 21_100]);
    expect(w.logs.filter((l) => l.msg === 'memory given back after a burst of work')).toHaveLength(2);
  });
});

describe('loopUtilization', () => {
  it('reports the last completed window: 0 before one, near 1 after a busy one, low after an idle one', async () => {
    const load = loopUtilization(50);
    expect(load()).toBe(0);
    const spinUntil = performance.now() + 80;
    while (performance.now() < spinUntil) {
      // the event loop is busy
    }
    expect(load()).toBeGreaterThan(0.9);
    // Within the next window the figure stays.
    expect(load()).toBeGreaterThan(0.9);
    await new Promise((r) => setTimeout(r, 120));
    expect(load()).toBeLessThan(0.5);
  });
});
