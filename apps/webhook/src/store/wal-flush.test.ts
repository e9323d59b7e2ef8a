import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqlStore } from './sql-store.js';
import { createSqliteDriver } from './sqlite.js';
import { WAL_FLUSH_DELAY_MS, WalFlusher, type WalFlusherIo } from './wal-flush.js';

/** File operations the test answers by hand: `finish()` completes the oldest one. */
function fakeIo(options: { openFails?: boolean } = {}) {
  const log: string[] = [];
  const pending: Array<() => void> = [];
  const io: WalFlusherIo = {
    open: (path, done) => {
      log.push(`open ${path}`);
      pending.push(() =>
        options.openFails ? done(Object.assign(new Error('ENOENT'), { code: 'ENOENT' }), -1) : done(null, 7),
      );
    },
    sync: (fd, done) => {
      log.push(`sync ${fd}`);
      pending.push(() => done(null));
    },
    close: (fd, done) => {
      log.push(`close ${fd}`);
      pending.push(() => done(null));
    },
  };
  const finish = async (): Promise<void> => {
    pending.shift()?.();
    // Let the flusher's promise chain run.
    await vi.advanceTimersByTimeAsync(0);
  };
  return { io, log, pending, finish };
}

describe('WalFlusher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('syncs the WAL once per delay however many writes came, and not before the delay', async () => {
    const { io, log, finish } = fakeIo();
    const flusher = new WalFlusher('/db/state.db-wal', { io });
    for (let i = 0; i < 100; i++) flusher.written();
    await vi.advanceTimersByTimeAsync(WAL_FLUSH_DELAY_MS - 1);
    expect(log).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(log).toEqual(['open /db/state.db-wal']);
    await finish();
    expect(log).toEqual(['open /db/state.db-wal', 'sync 7']);
    await finish();
    expect(flusher.syncs).toBe(1);
    // Nothing written since: no more syncs.
    await vi.advanceTimersByTimeAsync(10 * WAL_FLUSH_DELAY_MS);
    expect(log).toHaveLength(2);
  });

  it('a write during a sync gets a sync of its own after it; the descriptor is opened once', async () => {
    const { io, log, finish } = fakeIo();
    const flusher = new WalFlusher('/db/state.db-wal', { io });
    flusher.written();
    await vi.advanceTimersByTimeAsync(WAL_FLUSH_DELAY_MS);
    await finish(); // open
    flusher.written(); // while the sync runs
    await finish(); // sync
    expect(flusher.syncs).toBe(1);
    await vi.advanceTimersByTimeAsync(WAL_FLUSH_DELAY_MS);
    expect(log).toEqual(['open /db/state.db-wal', 'sync 7', 'sync 7']);
    await finish();
    expect(flusher.syncs).toBe(2);
  });

  it('close waits for the sync under way, closes the descriptor, and syncs nothing after', async () => {
    const { io, log, finish } = fakeIo();
    const flusher = new WalFlusher('/db/state.db-wal', { io });
    flusher.written();
    await vi.advanceTimersByTimeAsync(WAL_FLUSH_DELAY_MS);
    await finish(); // open
    let closed = false;
    const closing = flusher.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    await finish(); // the sync under way ends
    expect(log.at(-1)).toBe('close 7');
    await finish(); // close
    await closing;
    expect(closed).toBe(true);
    flusher.written();
    await vi.advanceTimersByTimeAsync(10 * WAL_FLUSH_DELAY_MS);
    expect(log).toEqual(['open /db/state.db-wal', 'sync 7', 'close 7']);
  });

  it('a WAL it cannot open is skipped, and tried again on the next write', async () => {
    const { io, log, finish } = fakeIo({ openFails: true });
    const flusher = new WalFlusher('/db/state.db-wal', { io });
    flusher.written();
    await vi.advanceTimersByTimeAsync(WAL_FLUSH_DELAY_MS);
    await finish();
    expect(flusher.syncs).toBe(0);
    flusher.written();
    await vi.advanceTimersByTimeAsync(WAL_FLUSH_DELAY_MS);
    expect(log).toEqual(['open /db/state.db-wal', 'open /db/state.db-wal']);
    await finish();
    await flusher.close();
  });
});

describe('the embedded store syncs its WAL in the background', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xrd-wal-flush-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const syncsOf = (driver: unknown) => (driver as { walSyncs: number }).walSyncs;
  const until = async (check: () => boolean): Promise<void> => {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  };

  it('after writes, and not for reads', async () => {
    const driver = createSqliteDriver(join(dir, 'state.db'));
    const store = new SqlStore(driver);
    await store.migrate();
    await until(() => syncsOf(driver) > 0);
    const afterMigration = syncsOf(driver);
    expect(afterMigration).toBeGreaterThan(0);
    // Reads only: no sync.
    for (let i = 0; i < 20; i++) await driver.all('SELECT count(*) AS n FROM deliveries');
    await new Promise((r) => setTimeout(r, 3 * WAL_FLUSH_DELAY_MS));
    expect(syncsOf(driver)).toBe(afterMigration);
    // A write, also one that returns rows: synced.
    await store.insertDelivery({
      id: 'gh:1',
      forge: 'gh',
      event: 'pull_request',
      payload: '{}',
      receivedAt: 1,
    });
    await until(() => syncsOf(driver) > afterMigration);
    expect(syncsOf(driver)).toBe(afterMigration + 1);
    await store.close();
  });

  it('not for an in-memory database', async () => {
    const driver = createSqliteDriver(':memory:');
    const store = new SqlStore(driver);
    await store.migrate();
    await new Promise((r) => setTimeout(r, 3 * WAL_FLUSH_DELAY_MS));
    expect(syncsOf(driver)).toBe(0);
    await store.close();
  });
});
