import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { MemoryReducer, reduceMemory } from './memory.js';

const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;

describe('reduceMemory', () => {
  it('shrinks the young generation a burst of allocation grew', () => {
    // A burst: many short-lived objects, some surviving a while, as under load.
    let keep: object[] = [];
    for (let i = 0; i < 2_000_000; i++) {
      const o = { i, s: `x${i}` };
      if (i % 3 === 0) keep.push(o);
      if (keep.length > 100_000) keep = [];
    }
    const grown = newSpace();
    expect(keep.length).toBeGreaterThan(0);
    reduceMemory();
    expect(newSpace()).toBeLessThan(grown / 2);
  });
});

describe('MemoryReducer', () => {
  const policy = (calls: number[]) => ({
    minWork: 10,
    idleMs: 1_000,
    minIntervalMs: 60_000,
    reduce: () => calls.push(1),
  });

  it('gives memory back once a burst of enough work has been idle long enough, at most once a minute', () => {
    const calls: number[] = [];
    const reducer = new MemoryReducer(policy(calls), 0);
    // A burst of 12 items over two rounds, then idle rounds.
    expect(reducer.tick(8, 3, 100)).toBeUndefined();
    expect(reducer.tick(4, 1, 200)).toBeUndefined();
    expect(reducer.tick(0, 0, 700)).toBeUndefined(); // idle only 500 ms
    expect(reducer.tick(0, 0, 1_300)).toBeTypeOf('number');
    expect(calls).toHaveLength(1);
    // No new work: nothing to give back.
    expect(reducer.tick(0, 0, 100_000)).toBeUndefined();
    // A new burst within the minute waits for the minute.
    reducer.tick(20, 0, 2_000);
    expect(reducer.tick(0, 0, 30_000)).toBeUndefined();
    expect(reducer.tick(0, 0, 61_300)).toBeTypeOf('number');
    expect(calls).toHaveLength(2);
  });

  it('never runs while work is running or for a trickle of work', () => {
    const calls: number[] = [];
    const reducer = new MemoryReducer(policy(calls), 0);
    reducer.tick(20, 0, 0);
    expect(reducer.tick(0, 5, 10_000)).toBeUndefined(); // steps still running
    const trickle = new MemoryReducer(policy(calls), 0);
    trickle.tick(3, 0, 0);
    expect(trickle.tick(0, 0, 100_000)).toBeUndefined();
    expect(calls).toEqual([]);
  });
});
