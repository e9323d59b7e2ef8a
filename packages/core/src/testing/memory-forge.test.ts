import { describe, expect, it } from 'vitest';
import { AbortedError, DispatchRejectedError, RateLimitedError, RunNotFoundError } from '../errors.js';
import { createMeter } from '../meter.js';
import { createMemoryForge, expr, renderTemplate } from './memory-forge.js';
import { createVirtualClock } from './virtual-clock.js';

const repo = { owner: 'acme', repo: 'target' };

describe('createMemoryForge', () => {
  it('lets a run appear late, start later and complete, and answers unchanged reads as 304', async () => {
    const clock = createVirtualClock();
    const forge = createMemoryForge({
      now: clock.now,
      returnsRunId: true,
      workflows: [
        {
          repo: 'acme/target',
          file: 'build.yml',
          appearAfterMs: 2_000,
          startAfterMs: 3_000,
          durationMs: 10_000,
        },
      ],
    });
    const meter = createMeter();
    const { runId } = await forge.dispatch(
      { repo, ref: 'main', workflow: 'build.yml', inputs: {} },
      { meter },
    );
    // known by id at once, listed only once it appears
    expect((await forge.getRun(repo, runId!)).status).toBe('queued');
    expect((await forge.listRuns(repo, {})).runs).toHaveLength(0);
    await clock.sleep(2_000);
    expect((await forge.listRuns(repo, {})).runs).toHaveLength(1);
    await forge.getRun(repo, runId!, { meter });
    await forge.getRun(repo, runId!, { meter });
    expect(meter.cost()).toMatchObject({ requests: 3, counted: 1, notModified: 2 });
    await clock.sleep(3_000);
    const jobs = await forge.listJobs(repo, runId!);
    expect(jobs[0]).toMatchObject({ status: 'in_progress', steps: [{ name: 'Run', status: 'in_progress' }] });
    await clock.sleep(10_000);
    expect(await forge.getRun(repo, runId!)).toMatchObject({ status: 'completed', conclusion: 'success' });
  });

  it('answers run-info on forgejo, and refuses unknown runs and jobs', async () => {
    const clock = createVirtualClock();
    const forge = createMemoryForge({
      now: clock.now,
      kind: 'forgejo',
      returnsRunId: true,
      workflows: [{ repo: 'acme/target', file: 'build.yml' }],
    });
    expect((await forge.dispatch({ repo, ref: 'main', workflow: 'build.yml' })).path).toBe('run-info');
    expect((await forge.capabilities()).repositoryDispatch).toBe(false);
    await expect(forge.getRun(repo, 9)).rejects.toThrow(RunNotFoundError);
    await expect(forge.listJobs(repo, 9)).rejects.toThrow(RunNotFoundError);
    await expect(forge.cancelRun(repo, 9)).rejects.toThrow(RunNotFoundError);
    await expect(forge.getJobLog(repo, 9)).rejects.toThrow(RunNotFoundError);
    await expect(forge.dispatch({ repo, ref: 'main', workflow: 'nope.yml' })).rejects.toThrow(
      DispatchRejectedError,
    );
    expect(() => forge.finishRun(9, 'success')).toThrow('No run 9.');
  });

  it('stages faults on chosen calls, rate limits and aborted signals', async () => {
    const clock = createVirtualClock();
    const forge = createMemoryForge({
      now: clock.now,
      rateLimit: { limit: 100, remaining: 1, resetAt: clock.now() + 1_000 },
    });
    forge.fail('listRuns', { kind: '5xx' }, { skip: 1 });
    await forge.listRuns(repo, {});
    await expect(forge.listRuns(repo, {})).rejects.toThrow(RateLimitedError);
    await clock.sleep(1_000);
    await expect(forge.listRuns(repo, {})).rejects.toMatchObject({ status: 502, ambiguous: false });
    await expect(forge.listRuns(repo, {}, { signal: AbortSignal.abort() })).rejects.toThrow(AbortedError);
    forge.setRateLimit(undefined);
    forge.fail('getRun', { kind: 'rate-limit' });
    await expect(forge.getRun(repo, 1)).rejects.toMatchObject({ retryAt: clock.now() + 30_000 });
    expect(forge.callCount('listRuns')).toBe(4);
  });

  it('cancels, finishes, and refuses to cancel a completed run', async () => {
    const clock = createVirtualClock();
    const forge = createMemoryForge({ now: clock.now });
    const queued = forge.addRun({ repo: 'acme/target', workflow: 'a.yml', startAfterMs: 5_000 });
    const running = forge.addRun({
      repo: 'acme/target',
      workflow: 'a.yml',
      startAfterMs: 0,
      durationMs: 10_000,
      jobs: [{ name: 'j', steps: ['one', 'two'] }],
    });
    await clock.sleep(6_000);
    expect(await forge.cancelRun(repo, running)).toBe('requested');
    forge.finishRun(queued, 'failure');
    forge.finishRun(queued, 'success');
    expect(forge.runs().map((r) => r.conclusion)).toEqual(['failure', 'cancelled']);
    expect((await forge.listJobs(repo, running))[0]!.steps.map((s) => s.conclusion)).toEqual([
      'success',
      'cancelled',
    ]);
    expect(await forge.cancelRun(repo, running)).toBe('already-completed');
    expect(
      await forge.getJobLog(repo, (await forge.listJobs(repo, running))[0]!.id, undefined, 10),
    ).toHaveLength(10);
  });

  it('lists the commit statuses of one commit newest first, conditionally, and fails on demand', async () => {
    const clock = createVirtualClock();
    const forge = createMemoryForge({ now: clock.now });
    const sha = 'a'.repeat(40);
    const source = { owner: 'acme', repo: 'source' };
    await forge.setCommitStatus(source, sha, { state: 'pending', context: 'xrd', targetUrl: 'https://r/1' });
    await clock.sleep(1_000);
    await forge.setCommitStatus(source, sha, { state: 'success', context: 'xrd', description: 'Done' });
    // Another commit and another repo stay out of the list.
    await forge.setCommitStatus(source, 'b'.repeat(40), { state: 'failure', context: 'xrd' });
    await forge.setCommitStatus(repo, sha, { state: 'error', context: 'xrd' });
    const meter = createMeter();
    const listed = await forge.listCommitStatuses(source, sha, { meter });
    expect(listed).toEqual([
      {
        state: 'success',
        context: 'xrd',
        description: 'Done',
        createdAt: new Date(clock.now()).toISOString(),
        id: 2,
      },
      {
        state: 'pending',
        context: 'xrd',
        targetUrl: 'https://r/1',
        createdAt: new Date(clock.now() - 1_000).toISOString(),
        id: 1,
      },
    ]);
    expect(await forge.listCommitStatuses(source, sha, { meter })).toEqual(listed);
    expect(meter.cost()).toMatchObject({ requests: 2, counted: 1, notModified: 1 });
    expect(await forge.listCommitStatuses(source, 'c'.repeat(40))).toEqual([]);
    forge.fail('listCommitStatuses', { kind: '5xx' });
    await expect(forge.listCommitStatuses(source, sha)).rejects.toMatchObject({ status: 502 });
  });

  it('filters runs like a forge and pages them', async () => {
    const clock = createVirtualClock();
    const forge = createMemoryForge({ now: clock.now, kind: 'gitea' });
    for (let i = 0; i < 60; i++)
      forge.addRun({
        repo: 'acme/target',
        workflow: 'a.yml',
        event: 'workflow_dispatch',
        createdAt: clock.now() - i,
      });
    forge.addRun({
      repo: 'acme/target',
      workflow: 'b.yml',
      event: 'push',
      branch: 'dev',
      createdAt: clock.now() - 100_000,
      durationMs: 0,
      startAfterMs: 0,
    });
    const first = await forge.listRuns(repo, { perPage: 100 });
    expect([first.runs.length, first.hasMore]).toEqual([50, true]);
    const second = await forge.listRuns(repo, { perPage: 100, page: 2 });
    expect([second.runs.length, second.hasMore]).toEqual([11, false]);
    expect(
      (await forge.listRuns(repo, { event: 'push', branch: 'dev', workflow: 'b.yml', status: 'completed' }))
        .runs,
    ).toHaveLength(1);
    expect(
      (await forge.listRuns(repo, { createdAfter: new Date(clock.now() - 10).toISOString() })).runs,
    ).toHaveLength(11);
  });

  it('answers the default branch: main, one for all, or per repository (404 for a missing one)', async () => {
    const clock = createVirtualClock();
    const target = { owner: 'acme', repo: 'target' };
    expect(await createMemoryForge({ now: clock.now }).getDefaultBranch(target)).toBe('main');
    expect(
      await createMemoryForge({ now: clock.now, defaultBranch: 'master' }).getDefaultBranch(target),
    ).toBe('master');
    const forge = createMemoryForge({ now: clock.now, defaultBranch: { 'acme/target': 'develop' } });
    const meter = createMeter();
    expect(await forge.getDefaultBranch(target, { meter })).toBe('develop');
    await expect(forge.getDefaultBranch({ owner: 'acme', repo: 'other' }, { meter })).rejects.toMatchObject({
      status: 404,
    });
    expect(meter.cost()).toEqual({ requests: 2, counted: 2, notModified: 0 });
    expect(forge.callCount('getDefaultBranch')).toBe(2);
  });

  it('renders templates', () => {
    const ctx = { ref: 'refs/heads/main', inputs: { a: '1' }, clientPayload: { b: 2, n: null } };
    expect(
      renderTemplate(
        `${expr('inputs.a')} ${expr('github.event.inputs.a')} ${expr('github.event.client_payload.b')} ${expr('github.event.client_payload.n')}|${expr('github.ref_name')} ${expr('secrets.X')}`,
        ctx,
      ),
    ).toBe('1 1 2 |main ');
    expect(renderTemplate(expr('inputs.missing'), { ref: 'main' })).toBe('');
  });
});

describe('createVirtualClock', () => {
  it('jumps to the earliest timer when every task sleeps, and advances by hand', async () => {
    const clock = createVirtualClock(0);
    const order: string[] = [];
    await Promise.all([
      clock.sleep(300).then(() => order.push(`b@${clock.now()}`)),
      clock.sleep(100).then(() => order.push(`a@${clock.now()}`)),
    ]);
    expect(order).toEqual(['a@100', 'b@300']);
    clock.advance(50);
    expect(clock.now()).toBe(350);
    const controller = new AbortController();
    const pending = clock.sleep(1_000, controller.signal);
    expect(clock.pending()).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow(AbortedError);
    await expect(clock.sleep(1, AbortSignal.abort())).rejects.toThrow(AbortedError);
    expect(clock.pending()).toBe(0);
  });
});
