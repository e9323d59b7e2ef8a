import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

/** A commit the test finishes by hand, and the scheduler's pending turns. */
function harness(fail: (items: readonly string[]) => boolean = () => false) {
  const turns: Array<() => void> = [];
  const commits: Array<{ items: readonly string[]; finish: () => void; failed: boolean }> = [];
  const group = new GroupCommit<string, string>(
    (items) =>
      new Promise((resolve, reject) => {
        const failed = fail(items);
        commits.push({
          items,
          failed,
          finish: () =>
            failed
              ? reject(new Error(`cannot store ${items.join(',')}`))
              : resolve(items.map((i) => `${i}!`)),
        });
      }),
    { maxBatch: 3, schedule: (fn) => turns.push(fn) },
  );
  const settled: Record<string, string> = {};
  const add = (item: string) =>
    group.add(item).then(
      (r) => {
        settled[item] = r;
      },
      (e: Error) => {
        settled[item] = `refused: ${e.message}`;
      },
    );
  const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { group, turns, commits, settled, add, flush };
}

describe('GroupCommit', () => {
  it('commits what arrived in the same turn together, and answers each only after its commit returned', async () => {
    const h = harness();
    const all = ['a', 'b'].map(h.add);
    expect(h.commits).toEqual([]); // nothing before the scheduled turn
    h.turns.shift()?.();
    await h.flush();
    expect(h.commits.map((c) => c.items)).toEqual([['a', 'b']]);
    // Arriving while that commit runs: queued for the next one, nothing answered yet.
    const more = ['c', 'd', 'e', 'f'].map(h.add);
    await h.flush();
    expect(h.settled).toEqual({});
    expect(h.turns).toEqual([]); // the running drain picks them up, no new turn is needed
    h.commits[0]?.finish();
    await h.flush();
    expect(h.settled).toEqual({ a: 'a!', b: 'b!' });
    // What queued meanwhile goes in as few commits as maxBatch (3) allows.
    expect(h.commits.map((c) => c.items)).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
    expect(h.settled.c).toBeUndefined();
    h.commits[1]?.finish();
    await h.flush();
    h.commits[2]?.finish();
    await Promise.all([...all, ...more]);
    expect(h.commits.map((c) => c.items)).toEqual([['a', 'b'], ['c', 'd', 'e'], ['f']]);
    expect(h.group.commits).toBe(3);
    expect(h.settled).toEqual({ a: 'a!', b: 'b!', c: 'c!', d: 'd!', e: 'e!', f: 'f!' });
  });

  it('a failing batch is committed item by item: only the item that fails again is refused', async () => {
    const h = harness((items) => items.includes('bad'));
    const all = ['a', 'bad', 'c'].map(h.add);
    h.turns.shift()?.();
    for (let i = 0; i < 4; i++) {
      await h.flush();
      h.commits[i]?.finish();
    }
    await Promise.all(all);
    expect(h.commits.map((c) => [c.items, c.failed])).toEqual([
      [['a', 'bad', 'c'], true],
      [['a'], false],
      [['bad'], true],
      [['c'], false],
    ]);
    expect(h.settled).toEqual({ a: 'a!', bad: 'refused: cannot store bad', c: 'c!' });
  });
});
