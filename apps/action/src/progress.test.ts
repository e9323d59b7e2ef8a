import type { Job, ProgressEvent, Run } from '@xrd/core';
import { describe, expect, it } from 'vitest';
import { createProgressLogger, formatElapsed } from './progress.js';

const run: Run = {
  id: 42,
  status: 'in_progress',
  conclusion: null,
  createdAt: '2026-01-01T00:00:00Z',
  url: 'http://api/runs/42',
  htmlUrl: 'http://web/runs/42',
};
const job: Job = { id: 7, runId: 42, name: 'build', status: 'completed', conclusion: 'failure', steps: [] };

describe('progress log', () => {
  it('formats elapsed times', () => {
    expect([0, 1499, 59_000, 61_000, 3_600_000 + 120_000].map(formatElapsed)).toEqual([
      '0s',
      '1s',
      '59s',
      '1m01s',
      '1h02m',
    ]);
  });

  it('prints status changes and job ends with the elapsed time; waits go to debug', () => {
    const info: string[] = [];
    const debug: string[] = [];
    let t = 1000;
    const log = createProgressLogger(
      { info: (l) => info.push(l), debug: (l) => debug.push(l) },
      () => t,
      1000,
    );
    const events: ProgressEvent[] = [
      { type: 'correlated', run, method: 'run-name' },
      { type: 'status', run, previous: 'queued' },
      { type: 'job', job: { ...job, status: 'in_progress', conclusion: null }, change: 'started' },
      { type: 'waiting', delayMs: 2000, reason: 'schedule' },
      { type: 'job', job, change: 'completed' },
      {
        type: 'status',
        run: { ...run, status: 'completed', conclusion: 'failure' },
        previous: 'in_progress',
      },
      { type: 'cancelled', runId: 42, reason: 'timeout' },
    ];
    for (const e of events) {
      log(e);
      t += 5000;
    }
    expect(info).toMatchInlineSnapshot(`
      [
        "[0s] found run 42 (by run-name): http://web/runs/42",
        "[5s] run 42 queued → in_progress",
        "[10s] job "build" started",
        "[20s] job "build" failure",
        "[25s] run 42 in_progress → completed: failure",
        "[30s] cancel requested for run 42 (timeout passed)",
      ]
    `);
    expect(debug).toEqual(['next poll in 2s (schedule)']);
  });
});
