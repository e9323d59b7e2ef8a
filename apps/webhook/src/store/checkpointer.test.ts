import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CheckpointIo, WAL_CHECKPOINT_DELAY_MS, WalCheckpointer } from './checkpointer.js';
import { SqlStore } from './sql-store.js';
import { createSqliteDriver, WAL_AUTOCHECKPOINT_PAGES } from './sqlite.js';

/** A checkpoint thread the test answers by hand: `finish()` completes the oldest call. */
function fakeIo(options: { fails?: boolean } = {}) {
  const log: string[] = [];
  const pending: Array<() => void> = [];
  const io: CheckpointIo = {
    checkpoint: (done) => {
      log.push('checkpoint');
      pending.push(() => done(options.fails ? new Error('disk I/O error') : null));
    },
    close: (done) => {
      log.push('close');
      pending.push(done);
    },
  };
  const finish = async (): Promise<void> => {
    pending.shift()?.();
    // Let the checkpointer's promise chain run.
    await vi.advanceTimersByTimeAsync(0);
  };
  return { io, log, pending, finish };
}

describe('WalCheckpointer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('checkpoints once per delay however many writes came, and not before the delay', async () => {
    const { io, log, finish } = fakeIo();
    const checkpointer = new WalCheckpointer(io);
    for (let i = 0; i < 100; i++) checkpointer.written();
    await vi.advanceTimersByTimeAsync(WAL_CHECKPOINT_DELAY_MS - 1);
    expect(log).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(log).toEqual(['checkpoint']);
    await finish();
    expect(checkpointer.checkpoints).toBe(1);
    // Nothing written since: no more checkpoints.
    await vi.advanceTimersByTimeAsync(10 * WAL_CHECKPOINT_DELAY_MS);
    expect(log).toEqual(['checkpoint']);
  });

  it('a write during a checkpoint gets a checkpoint of its own after it, never two at once', async () => {
    const { io, log, finish } = fakeIo();
    const checkpointer = new WalCheckpointer(io);
    checkpointer.written();
    await vi.advanceTimersByTimeAsync(WAL_CHECKPOINT_DELAY_MS);
    checkpointer.written(); // while the checkpoint runs
    await vi.advanceTimersByTimeAsync(10 * WAL_CHECKPOINT_DELAY_MS);
    expect(log).toEqual(['checkpoint']);
    await finish();
    await vi.advanceTimersByTimeAsync(WAL_CHECKPOINT_DELAY_MS);
    expect(log).toEqual(['checkpoint', 'checkpoint']);
    await finish();
    expect(checkpointer.checkpoints).toBe(2);
  });

  it('close waits for the checkpoint under way, ends the thread, and checkpoints nothing after', async () => {
    const { io, log, finish } = fakeIo();
    const checkpointer = new WalCheckpointer(io);
    checkpointer.written();
    await vi.advanceTimersByTimeAsync(WAL_CHECKPOINT_DELAY_MS);
    let closed = false;
    const closing = checkpointer.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(['checkpoint']);
    await finish(); // the checkpoint under way ends
    expect(log).toEqual(['checkpoint', 'close']);
    expect(closed).toBe(false);
    await finish(); // the thread ended
    await closing;
    expect(closed).toBe(true);
    checkpointer.written();
    await vi.advanceTimersByTimeAsync(10 * WAL_CHECKPOINT_DELAY_MS);
    expect(log).toEqual(['checkpoint', 'close']);
  });

  it('a failed checkpoint reports the failure once, and no more are tried', async () => {
    const { io, log, finish } = fakeIo({ fails: true });
    const failures: string[] = [];
    const checkpointer = new WalCheckpointer(io, { onFailure: (error) => failures.push(error.message) });
    checkpointer.written();
    await vi.advanceTimersByTimeAsync(WAL_CHECKPOINT_DELAY_MS);
    await finish();
    expect(failures).toEqual(['disk I/O error']);
    expect(checkpointer.failed).toBe(true);
    checkpointer.written();
    await vi.advanceTimersByTimeAsync(10 * WAL_CHECKPOINT_DELAY_MS);
    expect(log).toEqual(['checkpoint']);
    expect(checkpointer.checkpoints).toBe(0);
  });
});

describe('the embedded store checkpoints its WAL on a thread of its own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xrd-checkpoint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  type Checkpoints = { count: number; failed: boolean };
  const checkpointsOf = (driver: unknown) => (driver as { walCheckpoints: Checkpoints }).walCheckpoints;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const until = async (check: () => boolean): Promise<void> => {
    for (let i = 0; i < 250 && !check(); i++) await sleep(20);
  };
  const insert = (store: SqlStore, i: number) =>
    store.insertDelivery({
      id: `gh:${i}`,
      forge: 'gh',
      event: 'pull_request',
      payload: 'x'.repeat(4000),
      receivedAt: i,
    });

  it("the service's connection never checkpoints, and the thread keeps the WAL from growing", async () => {
    const path = join(dir, 'thread.db');
    const driver = createSqliteDriver(path);
    expect(await driver.all('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 0 }]);
    const store = new SqlStore(driver);
    await store.migrate();
    // 1,500 rows of 4 KB (≈ 3,000 pages, a row and its overflow page each), in bursts of 100 with
    // a pause longer than the delay between them: without checkpoints the WAL would hold them all.
    for (let burst = 0; burst < 15; burst++) {
      for (let i = 0; i < 100; i++) await insert(store, burst * 100 + i);
      const seen = checkpointsOf(driver).count;
      await until(() => checkpointsOf(driver).count > seen);
    }
    expect(checkpointsOf(driver)).toMatchObject({ failed: false });
    expect(checkpointsOf(driver).count).toBeGreaterThanOrEqual(15);
    const walPages = statSync(`${path}-wal`).size / 4096;
    expect(walPages).toBeLessThan(1000);
    await store.close();
    // Everything committed is in the file (read by a connection of its own).
    const check = new DatabaseSync(path);
    expect(check.prepare('SELECT COUNT(*) AS n FROM deliveries').get()).toEqual({ n: 1500 });
    check.close();
  });

  it('reads alone start no checkpoint', async () => {
    const driver = createSqliteDriver(join(dir, 'reads.db'));
    const store = new SqlStore(driver);
    await store.migrate();
    await until(() => checkpointsOf(driver).count > 0);
    await sleep(3 * WAL_CHECKPOINT_DELAY_MS);
    const afterMigration = checkpointsOf(driver).count;
    for (let i = 0; i < 20; i++) await driver.all('SELECT count(*) AS n FROM deliveries');
    await sleep(3 * WAL_CHECKPOINT_DELAY_MS);
    expect(checkpointsOf(driver).count).toBe(afterMigration);
    await insert(store, 1);
    await until(() => checkpointsOf(driver).count > afterMigration);
    expect(checkpointsOf(driver).count).toBe(afterMigration + 1);
    await store.close();
  });

  it('hands checkpoints back to its own connection when the thread fails', async () => {
    const failing = (): CheckpointIo => ({
      checkpoint: (done) => done(new Error('the checkpoint thread exited (1)')),
      close: (done) => done(),
    });
    const driver = createSqliteDriver(join(dir, 'fails.db'), failing);
    expect(await driver.all('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 0 }]);
    const store = new SqlStore(driver);
    await store.migrate();
    await until(() => checkpointsOf(driver).failed);
    expect(await driver.all('PRAGMA wal_autocheckpoint')).toEqual([
      { wal_autocheckpoint: WAL_AUTOCHECKPOINT_PAGES },
    ]);
    await store.close();
  });

  it('an in-memory database has no thread and checkpoints itself', async () => {
    const driver = createSqliteDriver(':memory:');
    expect(await driver.all('PRAGMA wal_autocheckpoint')).toEqual([
      { wal_autocheckpoint: WAL_AUTOCHECKPOINT_PAGES },
    ]);
    const store = new SqlStore(driver);
    await store.migrate();
    await sleep(3 * WAL_CHECKPOINT_DELAY_MS);
    expect(checkpointsOf(driver)).toEqual({ count: 0, failed: false });
    await store.close();
  });
});
