import { describe, expect, it } from 'vitest';
import type { ProgressEvent, WaitOptions } from './engine-types.js';
import { AbortedError, AuthError, RunTimeoutError } from './errors.js';
import { createMemoryForge, type MemoryForgeOptions } from './testing/memory-forge.js';
import { createVirtualClock } from './testing/virtual-clock.js';
import { tailLines } from './text.js';
import { RUN_CONCLUSIONS, type RunConclusion } from './types.js';
import { waitForRun } from './wait.js';

const repo = { owner: 'acme', repo: 'target' };

function setup(
  run: { durationMs?: number; startAfterMs?: number; conclusion?: RunConclusion } = {},
  options: Partial<MemoryForgeOptions> = {},
) {
  const clock = createVirtualClock();
  const forge = createMemoryForge({ now: clock.now, ...options });
  const runId = forge.addRun({
    repo: 'acme/target',
    workflow: 'build.yml',
    event: 'workflow_dispatch',
    startAfterMs: run.startAfterMs ?? 5_000,
    durationMs: run.durationMs ?? 60_000,
    conclusion: run.conclusion ?? 'success',
    failJob: 'test',
    jobs: [
      { name: 'compile', steps: ['Checkout', 'Compile'], durationMs: 20_000 },
      {
        name: 'test',
        steps: ['Checkout', 'Run tests', 'Upload'],
        failStep: 'Run tests',
        log: ['line 1', 'line 2', 'boom: 3 tests failed'],
      },
    ],
  });
  const events: ProgressEvent[] = [];
  const engine: WaitOptions = { now: clock.now, sleep: clock.sleep, onProgress: (e) => events.push(e) };
  return { clock, forge, runId, events, engine };
}

describe('waitForRun', () => {
  it.each(RUN_CONCLUSIONS)('returns as soon as the run completes with conclusion %s', async (conclusion) => {
    const { clock, forge, runId, events, engine } = setup({ conclusion });
    const result = await waitForRun(forge, repo, runId, engine);
    const run = forge.runs()[0]!;
    expect(result).toMatchObject({
      runId,
      status: 'completed',
      conclusion,
      url: run.url,
      htmlUrl: run.htmlUrl,
      jobsUrl: run.jobsUrl,
    });
    expect(result.durationMs).toBe(65_000);
    expect(clock.now() - Date.parse(run.completedAt!)).toBeLessThan(20_000);
    const statuses = events.flatMap((e) =>
      e.type === 'status' ? [`${e.previous ?? '-'}>${e.run.status}`] : [],
    );
    expect(statuses).toEqual(['->queued', 'queued>in_progress', 'in_progress>completed']);
    const failing = !['success', 'skipped', 'neutral'].includes(conclusion);
    expect(result.failedJobs.length > 0).toBe(failing);
  });

  it('reports job starts and ends, failed steps and the log tail', async () => {
    const { forge, runId, events, engine } = setup({ conclusion: 'failure' });
    const result = await waitForRun(forge, repo, runId, { ...engine, logTailLines: 2 });
    const jobEvents = events.flatMap((e) => (e.type === 'job' ? [`${e.job.name} ${e.change}`] : []));
    // The jobs are read once, at the end: their events come together.
    expect(jobEvents).toEqual(['compile started', 'compile completed', 'test started', 'test completed']);
    expect(forge.callCount('listJobs')).toBe(1);
    expect(result.jobs.map((j) => [j.name, j.conclusion])).toEqual([
      ['compile', 'success'],
      ['test', 'failure'],
    ]);
    expect(result.failedJobs).toEqual([
      expect.objectContaining({
        name: 'test',
        conclusion: 'failure',
        failedSteps: ['Run tests'],
        logTail: 'line 2\nboom: 3 tests failed',
      }),
    ]);
  });

  it('with live jobs, reports job starts as they happen', async () => {
    const { forge, runId, events, engine } = setup({ conclusion: 'failure' });
    await waitForRun(forge, repo, runId, { ...engine, liveJobs: true });
    const jobEvents = events.flatMap((e) => (e.type === 'job' ? [`${e.job.name} ${e.change}`] : []));
    expect(jobEvents).toEqual(['compile started', 'test started', 'compile completed', 'test completed']);
  });

  it('with live jobs, fetches them only when the run changed, and reads unchanged runs as free 304s', async () => {
    const { forge, runId, engine } = setup({ durationMs: 600_000 });
    const result = await waitForRun(forge, repo, runId, { ...engine, liveJobs: true });
    // at the start of the run and at its end, nothing in between
    expect(forge.callCount('listJobs')).toBe(2);
    expect(result.apiCost.notModified).toBeGreaterThan(5);
    expect(result.apiCost.counted).toBe(result.apiCost.requests - result.apiCost.notModified);
    expect(result.apiCost.requests).toBe(forge.calls.length);
  });

  it('treats a failing log read as a detail, not an error', async () => {
    const { forge, runId, engine, events } = setup({ conclusion: 'failure' });
    forge.fail('getJobLog', { kind: 'error', error: new AuthError('no logs for you') });
    const result = await waitForRun(forge, repo, runId, engine);
    expect(result.failedJobs[0]).not.toHaveProperty('logTail');
    expect(events.some((e) => e.type === 'debug' && e.message.includes('no logs for you'))).toBe(true);
    const none = setup({ conclusion: 'failure' });
    await waitForRun(none.forge, repo, none.runId, { ...none.engine, logTailLines: 0 });
    expect(none.forge.callCount('getJobLog')).toBe(0);
  });

  it('treats failing job lists and duration learning as details too', async () => {
    const { forge, runId, engine } = setup();
    forge.fail('listRuns', { kind: 'error', error: new AuthError('nope') });
    forge.fail('listJobs', { kind: 'error', error: new AuthError('nope') }, { count: 5 });
    const result = await waitForRun(forge, repo, runId, engine);
    expect(result.conclusion).toBe('success');
    expect(result.jobs).toEqual([]);
  });

  it('skips jobs and learning when told to, and starts from a given run object', async () => {
    const { clock, forge, runId, engine } = setup();
    const run = (await forge.getRun(repo, runId))!;
    const result = await waitForRun(forge, repo, run, { ...engine, withJobs: false, learnDuration: false });
    expect(result.jobs).toEqual([]);
    expect(forge.callCount('listJobs')).toBe(0);
    expect(forge.callCount('listRuns')).toBe(0);
    // an already completed run is returned without another read
    const reads = forge.callCount('getRun');
    const again = await waitForRun(forge, repo, result.run, {
      ...engine,
      correlationId: 'c',
      correlationMethod: 'run-name',
    });
    expect(forge.callCount('getRun')).toBe(reads);
    expect(again).toMatchObject({ correlationId: 'c', correlationMethod: 'run-name', conclusion: 'success' });
    expect(clock.now()).toBeGreaterThan(0);
  });

  it('where polls cost requests, uses a given expected duration instead of learning one', async () => {
    const { forge, runId, engine, events } = setup({ durationMs: 100_000 }, { conditional: false });
    await waitForRun(forge, repo, runId, { ...engine, expectedDurationMs: 105_000 });
    expect(forge.callCount('listRuns')).toBe(0);
    const delays = events.flatMap((e) => (e.type === 'waiting' ? [e.delayMs] : []));
    // to the window's start (5 % before the stated 105 s, less a second), then 2 s
    expect(delays.slice(0, 2)).toEqual([98_750, 2_000]);
  });

  it('times out with the last state seen, and cancels the run when told to', async () => {
    const { forge, runId, engine, events } = setup({ durationMs: 3_600_000 });
    const error = await waitForRun(forge, repo, runId, {
      ...engine,
      timeoutMs: 120_000,
      cancelOnTimeout: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunTimeoutError);
    expect(error).toMatchObject({ runId, lastStatus: 'in_progress', code: 'RUN_TIMEOUT' });
    expect((error as Error).message).toMatchInlineSnapshot(
      `"Run 1000 in acme/target did not complete within 2m (last status: in_progress); raise the timeout or check the run at https://forge.test/acme/target/actions/runs/1000."`,
    );
    expect(forge.callCount('cancelRun')).toBe(1);
    expect(forge.runs()[0]).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(events.at(-1)).toEqual({ type: 'cancelled', runId, reason: 'timeout' });
  });

  it('times out without cancelling by default', async () => {
    const { forge, runId, engine } = setup({ durationMs: 3_600_000 });
    await expect(waitForRun(forge, repo, runId, { ...engine, timeoutMs: 60_000 })).rejects.toThrow(
      RunTimeoutError,
    );
    expect(forge.callCount('cancelRun')).toBe(0);
    expect(forge.runs()[0]!.status).toBe('in_progress');
  });

  it.each([true, false])('stops on abort with AbortedError (cancelOnAbort %s)', async (cancelOnAbort) => {
    const { clock, forge, runId, engine, events } = setup({ durationMs: 3_600_000 });
    const controller = new AbortController();
    void clock.sleep(90_000).then(() => controller.abort());
    const error = await waitForRun(forge, repo, runId, {
      ...engine,
      signal: controller.signal,
      cancelOnAbort,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1) + 90_000);
    expect(forge.callCount('cancelRun')).toBe(cancelOnAbort ? 1 : 0);
    expect(forge.runs()[0]!.conclusion).toBe(cancelOnAbort ? 'cancelled' : null);
    expect(events.some((e) => e.type === 'cancelled' && e.reason === 'abort')).toBe(cancelOnAbort);
  });

  it('stops at once on a signal aborted before it starts', async () => {
    const { forge, runId, engine } = setup();
    const error = await waitForRun(forge, repo, runId, { ...engine, signal: AbortSignal.abort() }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AbortedError);
    expect(forge.calls).toHaveLength(0);
  });

  it('reports a failed cancellation as debug and still throws the timeout', async () => {
    const { forge, runId, engine, events } = setup({ durationMs: 3_600_000 });
    forge.fail('cancelRun', { kind: 'error', error: new AuthError('not allowed to cancel') });
    await expect(
      waitForRun(forge, repo, runId, { ...engine, timeoutMs: 30_000, cancelOnTimeout: true }),
    ).rejects.toThrow(RunTimeoutError);
    expect(events.some((e) => e.type === 'debug' && e.message.includes('not allowed to cancel'))).toBe(true);
  });

  it('waits for the retry time of a rate-limit answer, then carries on', async () => {
    const { forge, runId, engine, events } = setup();
    forge.fail('getRun', { kind: 'rate-limit', retryAfterMs: 120_000 }, { skip: 2 });
    const result = await waitForRun(forge, repo, runId, engine);
    expect(result.conclusion).toBe('success');
    const reads = forge.calls.filter((c) => c.method === 'getRun').map((c) => c.at);
    expect(reads[3]! - reads[2]!).toBe(120_000);
    expect(events).toContainEqual({ type: 'waiting', delayMs: 120_000, reason: 'retry' });
  });

  it('ends with the forge error, naming the status, when a read fails after the transport retried it', async () => {
    // The transport under every adapter owns retries (at most 4 requests per read); what reaches the
    // engine is final. A persistent 502 is a forge error, not a timeout after an hour of polling.
    const { forge, runId, engine } = setup();
    forge.fail('getRun', { kind: '5xx' }, { skip: 1 });
    const error = await waitForRun(forge, repo, runId, engine).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FORGE_HTTP', status: 502 });
    expect(forge.callCount('getRun')).toBe(2);
    const other = setup();
    other.forge.fail('getRun', { kind: 'error', error: new AuthError('token revoked') }, { skip: 1 });
    await expect(waitForRun(other.forge, repo, other.runId, other.engine)).rejects.toThrow('token revoked');
  });

  it('spreads paid polls when the rate-limit budget runs low, and waits for the reset when it is spent', async () => {
    const clock = createVirtualClock();
    const resetAt = clock.now() + 600_000;
    const limited = createMemoryForge({
      now: clock.now,
      conditional: false,
      rateLimit: { limit: 5_000, remaining: 26, resetAt },
    });
    const id = limited.addRun({
      repo: 'acme/target',
      workflow: 'build.yml',
      startAfterMs: 1_000,
      durationMs: 900_000,
    });
    const seen: ProgressEvent[] = [];
    const result = await waitForRun(limited, repo, id, {
      now: clock.now,
      sleep: clock.sleep,
      learnDuration: false,
      onProgress: (e) => seen.push(e),
    });
    expect(result.conclusion).toBe('success');
    expect(seen.some((e) => e.type === 'waiting' && e.reason === 'rate-limit')).toBe(true);
    // The spent budget was never overrun: no call failed with a rate-limit answer.
    expect(limited.calls.filter((c) => c.at < resetAt).length).toBeLessThanOrEqual(26);
  });

  it('where unchanged reads are free, a thin budget does not slow the polls, and is never overrun', async () => {
    const clock = createVirtualClock();
    const resetAt = clock.now() + 3_600_000;
    const limited = createMemoryForge({
      now: clock.now,
      rateLimit: { limit: 5_000, remaining: 26, resetAt },
    });
    const id = limited.addRun({
      repo: 'acme/target',
      workflow: 'build.yml',
      startAfterMs: 1_000,
      durationMs: 900_000,
    });
    const seen: ProgressEvent[] = [];
    const result = await waitForRun(limited, repo, id, {
      now: clock.now,
      sleep: clock.sleep,
      onProgress: (e) => seen.push(e),
    });
    expect(result.conclusion).toBe('success');
    const waits = seen.flatMap((e) => (e.type === 'waiting' ? [e] : []));
    expect(waits.length).toBeGreaterThan(400);
    for (const wait of waits) expect(wait).toEqual({ type: 'waiting', delayMs: 2_000, reason: 'schedule' });
    // Only the changes were counted: 26 − (the start, the end, the jobs) left, above the reserve of 20.
    expect(result.apiCost.rateLimit?.remaining).toBeGreaterThanOrEqual(21);
  });
});

describe('tailLines', () => {
  it('keeps the last lines, without trailing blank ones', () => {
    expect(tailLines('a\r\nb\nc\n\n', 2)).toBe('b\nc');
    expect(tailLines('only', 5)).toBe('only');
  });
});
