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
      { info: (l) => info.push(l), debug: (l) => debug.push(l), warning: (l) => info.push(`warning ${l}`) },
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

  it('says each status and comment written, names a run by id and number, and raises warnings', () => {
    const info: string[] = [];
    const warnings: string[] = [];
    const log = createProgressLogger(
      { info: (l) => info.push(l), debug: () => {}, warning: (l) => warnings.push(l) },
      () => 0,
      0,
    );
    const source = { owner: 'acme', repo: 'source' };
    log({ type: 'correlated', run: { ...run, id: 301, runNumber: 1 }, method: 'run-name' });
    log({
      type: 'reported',
      write: {
        kind: 'status',
        repo: source,
        sha: 'a'.repeat(40),
        state: 'pending',
        context: 'xrd/acme/target/build',
        targetUrl: 'http://web/runs/1',
      },
    });
    log({ type: 'reported', write: { kind: 'comment', repo: source, pr: 7, created: false } });
    log({ type: 'warning', message: 'build.yml does not declare the input "x"; declare it.' });
    expect(info).toEqual([
      '[0s] found run 301 (#1) (by run-name): http://web/runs/42',
      '[0s] commit status "xrd/acme/target/build" pending on acme/source@aaaaaaaaaaaa → http://web/runs/1',
      '[0s] comment updated on acme/source#7',
    ]);
    expect(warnings).toEqual(['build.yml does not declare the input "x"; declare it.']);
  });
});
