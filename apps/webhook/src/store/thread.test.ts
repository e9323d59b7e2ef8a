// The embedded store on its own thread: what crosses (answers, errors with their codes, set-aside
// rows) and what happens when the thread cannot open the file or dies. The Store's behaviour through
// the thread is store.test.ts's ("sqlite on its thread"); the service runs it so (test/*.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createThreadStore } from './thread.js';

const STORE_THREAD = new URL('../../dist/store-thread.js', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'xrd-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the store thread', () => {
  it('answers calls in order and carries a failing statement’s error with its code', async () => {
    const store = createThreadStore(STORE_THREAD, join(dir, 'a.db'));
    await store.migrate();
    await store.ping();
    const fresh = await Promise.all([
      store.insertDelivery({ id: 'gh:1', forge: 'gh', event: 'x', payload: '{}', receivedAt: 1 }),
      store.insertDelivery({ id: 'gh:1', forge: 'gh', event: 'x', payload: '{}', receivedAt: 2 }),
      store.insertDelivery({ id: 'gh:2', forge: 'gh', event: 'x', payload: '{}', receivedAt: 3 }),
    ]);
    expect(fresh).toEqual([true, false, true]);
    expect((await store.counts()).deliveriesPending).toBe(2);
    // A row the schema refuses (no payload): node:sqlite's error, its code included.
    const refused = await store
      .insertDelivery({ id: 'gh:3', forge: 'gh', event: 'x', payload: null as unknown as string, receivedAt: 4 })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(Error);
    expect(refused).toMatchObject({ message: expect.stringMatching(/NOT NULL/), code: 'ERR_SQLITE_ERROR' });
    expect((await store.counts()).deliveriesPending).toBe(2);
    await store.close();
  });

  it('reports a file it cannot open at the first call, in SQLite’s words', async () => {
    const store = createThreadStore(STORE_THREAD, join(dir, 'no-such-dir', 'x.db'));
    await expect(store.migrate()).rejects.toThrow(/unable to open database file/);
    await store.close();
  });

  it('when the thread dies, every waiting and later call fails and onFailure is told once', async () => {
    const entry = join(dir, 'dies.mjs');
    writeFileSync(
      entry,
      "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => { throw new Error('boom'); });\n",
    );
    const failures: Error[] = [];
    const store = createThreadStore(pathToFileURL(entry), join(dir, 'b.db'), {
      onFailure: (error) => failures.push(error),
    });
    await expect(store.ping()).rejects.toThrow('the store thread failed: boom');
    await expect(store.counts()).rejects.toThrow('the store thread failed: boom');
    expect(failures.map((e) => e.message)).toEqual(['the store thread failed: boom']);
    await store.close();
  });
});
