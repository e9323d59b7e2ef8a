import { describe, expect, it } from 'vitest';
import type { ProgressEvent, RunResult } from './engine-types.js';
import {
  AbortedError,
  AuthError,
  DispatchRejectedError,
  RunNotFoundError,
  RunTimeoutError,
} from './errors.js';
import { dispatchRequestOf, type FlowHooks, runFlow } from './flow.js';
import { parseRunOptions, type RawRunOptions } from './run-options.js';
import { targetForge } from './test-support.js';
import { createMemoryForge, expr, type MemoryForge } from './testing/memory-forge.js';
import { createVirtualClock } from './testing/virtual-clock.js';

const SHA = 'a'.repeat(40);
const reporting: RawRunOptions = {
  'report-status': SHA,
  'report-comment': '7',
  'source-repo': 'acme/source',
};

function setup(returnsRunId: boolean, durationMs = 60_000) {
  return targetForge(returnsRunId, { durationMs, jobs: [{ name: 'compile', steps: ['Compile'] }] }, [
    // Its runs never show the correlation id: they cannot be found without a run id.
    { repo: 'acme/target', file: 'silent.yml', name: 'silent', jobs: [{ name: 'x', steps: ['X'] }] },
  ]);
}

const options = (raw: RawRunOptions = {}) =>
  parseRunOptions({ repo: 'acme/target', workflow: 'build.yml', ref: 'main', ...raw });

/** Runs the flow and writes down, hook by hook, what the forge had been asked for by then. */
async function traced(
  forge: MemoryForge,
  clock: ReturnType<typeof setup>['clock'],
  raw: RawRunOptions,
  extra: FlowHooks = {},
) {
  const trace: string[] = [];
  const seen = () =>
    `statuses=${forge.statuses.map((s) => s.status.state).join(',') || '-'} getRun=${forge.callCount('getRun')}`;
  const outcome = await runFlow(forge, options(raw), {
    now: clock.now,
    sleep: clock.sleep,
    onReceipt: (receipt) => {
      trace.push(`receipt ${receipt.path} ${seen()}`);
    },
    onRun: (run) => {
      trace.push(`run ${run.status} ${seen()}`);
    },
    onResult: async (result) => {
      trace.push(`result ${result.conclusion} ${seen()}`);
    },
    ...extra,
  });
  return { outcome, trace };
}

describe('dispatchRequestOf', () => {
  it('carries every dispatch field of the options, and nothing of waiting or reporting', () => {
    const request = dispatchRequestOf(
      parseRunOptions({
        repo: 'acme/target',
        'event-type': 'build',
        ref: 'v1',
        'client-payload': '{"sha":"abc"}',
        'correlation-id': 'pr-7',
        'correlation-input': 'xrd_id',
        correlation: 'step-name',
        ...reporting,
      }),
    );
    expect(request).toEqual({
      repo: { owner: 'acme', repo: 'target' },
      ref: 'v1',
      eventType: 'build',
      inputs: {},
      clientPayload: { sha: 'abc' },
      correlationId: 'pr-7',
      correlationInput: 'xrd_id',
      correlation: 'step-name',
    });
    expect(dispatchRequestOf(options())).toEqual({
      repo: { owner: 'acme', repo: 'target' },
      ref: 'main',
      workflow: 'build.yml',
      inputs: {},
      correlationInput: 'correlation_id',
      correlation: 'auto',
    });
  });
});

describe('runFlow', () => {
  it('run id returned: no extra read of the run, pending before waiting, outputs before the final report', async () => {
    const { clock, forge } = setup(true);
    const { outcome, trace } = await traced(forge, clock, reporting);
    expect(trace.slice(0, 2)).toEqual([
      'receipt run-details statuses=- getRun=0',
      'run queued statuses=- getRun=0',
    ]);
    expect(trace[2]).toMatch(/^result success statuses=pending getRun=[1-9]\d*$/);
    expect(forge.statuses.map((s) => [s.status.state, s.status.targetUrl])).toEqual([
      ['pending', outcome.run.htmlUrl],
      ['success', outcome.run.htmlUrl],
    ]);
    expect(forge.comments).toHaveLength(1);
    expect(forge.comments[0]!.body).toContain(`build success** — [run log](${outcome.run.htmlUrl})`);
    expect(outcome.result).toMatchObject({ conclusion: 'success', correlationMethod: 'run-id' });
    expect(outcome.run).toBe(outcome.result!.run);
    // apiCost counts the engine's requests, not the report-back ones.
    const reports = forge.calls.filter((c) => c.method === 'setCommitStatus' || c.method === 'upsertComment');
    expect(reports).toHaveLength(3);
    expect(outcome.apiCost.requests).toBe(forge.calls.length - reports.length);
    expect(outcome.result!.apiCost).toEqual(outcome.apiCost);
  });

  it('says each status and comment it wrote as a reported event, and not one it could not write', async () => {
    const { clock, forge } = setup(true);
    const events: ProgressEvent[] = [];
    const { outcome } = await traced(forge, clock, reporting, {
      onProgress: (e) => events.push(e),
      onReportError: () => {},
    });
    const url = outcome.run.htmlUrl;
    const source = { owner: 'acme', repo: 'source' };
    const context = 'xrd/acme/target/build';
    expect(events.flatMap((e) => (e.type === 'reported' ? [e.write] : []))).toEqual([
      { kind: 'status', repo: source, sha: SHA, state: 'pending', context, targetUrl: url },
      { kind: 'status', repo: source, sha: SHA, state: 'success', context, targetUrl: url },
      {
        kind: 'comment',
        repo: source,
        pr: 7,
        created: true,
        htmlUrl: 'https://forge.test/acme/source/pull/7#issuecomment-1',
      },
    ]);

    // A second flow edits the same comment; a status the token may not write is not reported.
    const again: ProgressEvent[] = [];
    forge.fail('setCommitStatus', { kind: 'error', error: new AuthError('no statuses: write') });
    await traced(forge, clock, reporting, { onProgress: (e) => again.push(e), onReportError: () => {} });
    expect(
      again.flatMap((e) =>
        e.type === 'reported'
          ? [`${e.write.kind} ${'state' in e.write ? e.write.state : e.write.created}`]
          : [],
      ),
    ).toEqual(['status success', 'comment false']);
  });

  it('no run id: correlates, and the one pending status links to the run it found', async () => {
    const { clock, forge } = setup(false);
    const { outcome, trace } = await traced(forge, clock, reporting);
    expect(trace[0]).toBe('receipt none statuses=- getRun=0');
    expect(trace[1]).toMatch(/^run (queued|in_progress) statuses=- /);
    expect(outcome.result?.correlationMethod).toBe('run-name');
    expect(forge.statuses.map((s) => [s.status.state, s.status.targetUrl])).toEqual([
      ['pending', outcome.run.htmlUrl],
      ['success', outcome.run.htmlUrl],
    ]);
    expect(forge.statuses[0]!.status.description).toBe('Running acme/target build.yml');
  });

  it('with wait false stops once the run is known and the pending status is out', async () => {
    const { clock, forge } = setup(false);
    const { outcome, trace } = await traced(forge, clock, { ...reporting, wait: 'false' });
    expect(trace).toHaveLength(2);
    expect(outcome.result).toBeUndefined();
    expect(outcome.run.displayTitle).toBe(`Build ${outcome.receipt.correlationId}`);
    expect(forge.statuses.map((s) => s.status.state)).toEqual(['pending']);
    expect(outcome.apiCost.requests).toBeGreaterThan(1);
  });

  it('without reporting sends no status and no comment', async () => {
    const { clock, forge } = setup(true);
    const { outcome } = await traced(forge, clock, {});
    expect(outcome.result?.conclusion).toBe('success');
    expect(forge.statuses).toEqual([]);
    expect(forge.comments).toEqual([]);
  });

  it("with sha (cross-repo-dispatch's inputs) finds its run by step name, polls no faster than 10 s and gives up after 600 s", async () => {
    const clock = createVirtualClock();
    const forge = createMemoryForge({
      now: clock.now,
      workflows: [
        {
          repo: 'acme/target',
          file: 'test.yml',
          on: { repository_dispatch: true },
          // Longer than cross-repo-dispatch's 600 s: only its timeout ends the wait.
          durationMs: 3_600_000,
          jobs: [{ name: 'identify-run', steps: [expr('github.event.client_payload.sha')] }],
        },
      ],
    });
    const started = clock.now();
    const flow = runFlow(
      forge,
      parseRunOptions({
        repo: 'acme/target',
        ref: 'master',
        sha: SHA,
        'event-type': 'Fix the parser',
        'client-payload': '{"misc_key":"misc_value"}',
      }),
      { now: clock.now, sleep: clock.sleep },
    );
    await expect(flow).rejects.toThrow(/ did not complete within 10m /);
    const sent = forge.calls.find((c) => c.method === 'dispatch')!.args[0] as { clientPayload: unknown };
    expect(sent.clientPayload).toEqual({ misc_key: 'misc_value', sha: SHA });
    // Every read of the run after the first is at least 10 s after the one before, up to 600 s.
    const reads = forge.calls.filter((c) => c.method === 'getRun').map((c) => c.at - started);
    expect(reads.length).toBeGreaterThan(1);
    for (let i = 1; i < reads.length; i++) expect(reads[i]! - reads[i - 1]!).toBeGreaterThanOrEqual(10_000);
    expect(reads.at(-1)).toBeLessThanOrEqual(600_000);
    expect(clock.now() - started).toBe(600_000);
  });

  it('a timeout with cancel-on-timeout closes the pending status: error, "timed out; run cancelled"', async () => {
    const { clock, forge } = setup(true, 3_600_000);
    const started = clock.now();
    const flow = traced(forge, clock, { ...reporting, timeout: '10m', 'cancel-on-timeout': 'true' });
    await expect(flow).rejects.toBeInstanceOf(RunTimeoutError);
    // One deadline from the dispatch, and the error names the timeout the user gave.
    await expect(flow).rejects.toThrow(/ did not complete within 10m /);
    expect(forge.calls.find((c) => c.method === 'cancelRun')!.at - started).toBe(600_000);
    expect(forge.runs()[0]).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(forge.statuses.map((s) => s.status)).toEqual([
      expect.objectContaining({ state: 'pending' }),
      {
        state: 'error',
        context: 'xrd/acme/target/build',
        description: 'acme/target build: timed out after 10m; run cancelled',
        targetUrl: forge.runs()[0]!.htmlUrl,
      },
    ]);
    expect(forge.comments[0]!.body).toMatchInlineSnapshot(`
      "<!-- xrd:xrd/acme/target/build -->
      **acme/target build error** — [run log](https://forge.test/acme/target/actions/runs/1000)

      timed out after 10m; run cancelled

      <sub>xrd</sub>"
    `);
  });

  it('a timeout without cancelling says the run was left running', async () => {
    const { clock, forge } = setup(true, 3_600_000);
    await expect(traced(forge, clock, { ...reporting, timeout: '90s' })).rejects.toBeInstanceOf(
      RunTimeoutError,
    );
    expect(forge.runs()[0]!.status).not.toBe('completed');
    expect(forge.statuses.at(-1)!.status.description).toBe(
      'acme/target build: timed out after 1m 30s; run left running',
    );
  });

  it('an interruption cancels the run (cancel-on-cancel) and closes the status', async () => {
    const { clock, forge } = setup(true, 3_600_000);
    const controller = new AbortController();
    const events: ProgressEvent['type'][] = [];
    const flow = traced(forge, clock, reporting, {
      signal: controller.signal,
      onProgress: (event) => {
        events.push(event.type);
        if (event.type === 'status' && event.run.status === 'in_progress') {
          controller.abort(new AbortedError('The job was cancelled.'));
        }
      },
    });
    await expect(flow).rejects.toThrow('The job was cancelled.');
    expect(events).toContain('cancelled');
    expect(forge.statuses.map((s) => [s.status.state, s.status.description])).toEqual([
      ['pending', 'Running acme/target build.yml'],
      ['error', 'acme/target build: interrupted; run cancelled'],
    ]);
  });

  it('a run that cannot be found gets an error status naming its correlation id, without a link', async () => {
    const { clock, forge } = setup(false);
    const flow = traced(forge, clock, { ...reporting, workflow: 'silent.yml', 'correlation-id': 'pr-7' });
    await expect(flow).rejects.toBeInstanceOf(RunNotFoundError);
    expect(forge.statuses.map((s) => s.status)).toEqual([
      {
        state: 'error',
        context: 'xrd/acme/target/silent',
        description: 'acme/target silent: dispatched, but no run carrying pr-7 was found',
      },
    ]);
    expect(forge.comments[0]!.body).toContain('**acme/target silent error** — no run page');
  });

  it('without a ref dispatches on the default branch: one lookup, said in a debug line, counted in apiCost', async () => {
    const clock = createVirtualClock();
    const forge = createMemoryForge({
      now: clock.now,
      returnsRunId: true,
      defaultBranch: { 'acme/target': 'develop' },
      workflows: [{ repo: 'acme/target', file: 'build.yml', name: 'build', runName: expr('inputs.x') }],
    });
    const parsed = parseRunOptions({ repo: 'acme/target', workflow: 'build.yml' }, { refOptional: true });
    expect(parsed).not.toHaveProperty('ref');
    const debug: string[] = [];
    const outcome = await runFlow(forge, parsed, {
      now: clock.now,
      sleep: clock.sleep,
      onProgress: (e: ProgressEvent) => {
        if (e.type === 'debug') debug.push(e.message);
      },
    });
    expect(forge.callCount('getDefaultBranch')).toBe(1);
    expect(forge.calls.map((c) => c.method).slice(0, 2)).toEqual(['getDefaultBranch', 'dispatch']);
    expect(outcome.receipt.ref).toBe('develop');
    expect(outcome.run.headBranch).toBe('develop');
    expect(debug).toContain('ref not given: using the default branch develop');
    expect(outcome.apiCost.requests).toBe(forge.calls.length);
    expect(outcome.result!.apiCost).toEqual(outcome.apiCost);
  });

  it('with a ref never asks for the default branch', async () => {
    const { clock, forge } = setup(true);
    const { outcome } = await traced(forge, clock, { ref: 'feature/x' });
    expect(outcome.receipt.ref).toBe('feature/x');
    expect(forge.callCount('getDefaultBranch')).toBe(0);
  });

  it('a default branch that cannot be read stops before any dispatch', async () => {
    const clock = createVirtualClock();
    const forge = createMemoryForge({ now: clock.now, defaultBranch: {} });
    const parsed = parseRunOptions({ repo: 'acme/gone', workflow: 'build.yml' }, { refOptional: true });
    await expect(runFlow(forge, parsed, { now: clock.now, sleep: clock.sleep })).rejects.toThrow(
      'Repository acme/gone was not found.',
    );
    expect(forge.callCount('dispatch')).toBe(0);
  });

  it('a rejected dispatch reports nothing: nothing was started', async () => {
    const { clock, forge } = setup(true);
    await expect(traced(forge, clock, { ...reporting, workflow: 'missing.yml' })).rejects.toBeInstanceOf(
      DispatchRejectedError,
    );
    expect(forge.statuses).toEqual([]);
    expect(forge.comments).toEqual([]);
  });

  it('hands report failures to onReportError and goes on: a failed pending status still waits and reports', async () => {
    const { clock, forge } = setup(true);
    forge.fail('setCommitStatus', { kind: 'error', error: new AuthError('no statuses: write') });
    const failures: string[] = [];
    const { outcome } = await traced(forge, clock, reporting, {
      title: 'target build',
      onReportError: (error, phase) => failures.push(`${phase}: ${(error as Error).message}`),
    });
    expect(failures).toEqual(['start: no statuses: write']);
    expect(outcome.result?.conclusion).toBe('success');
    expect(forge.statuses.map((s) => s.status.state)).toEqual(['success']);
    expect(forge.comments[0]!.body).toContain('**target build success**');
  });

  it('without onReportError throws the first report error after onResult', async () => {
    const { clock, forge } = setup(true);
    forge.fail('upsertComment', { kind: 'error', error: new AuthError('no issues: write') });
    let result: RunResult | undefined;
    const flow = traced(forge, clock, reporting, {
      onResult: (r) => {
        result = r;
      },
    });
    await expect(flow).rejects.toThrow('no issues: write');
    expect(result?.conclusion).toBe('success');
    expect(forge.statuses.map((s) => s.status.state)).toEqual(['pending', 'success']);
  });

  it('on a failing flow its own error wins over a failing error report', async () => {
    const { clock, forge } = setup(true, 3_600_000);
    forge.fail('setCommitStatus', { kind: 'error', error: new AuthError('no statuses: write') }, { skip: 1 });
    const debug: string[] = [];
    const phases: string[] = [];
    const run = (extra: FlowHooks) =>
      traced(forge, clock, { 'report-status': SHA, 'source-repo': 'acme/source', timeout: '1m' }, extra);
    await expect(
      run({ onProgress: (e) => e.type === 'debug' && debug.push(e.message) }),
    ).rejects.toBeInstanceOf(RunTimeoutError);
    expect(debug).toContain('Could not report the failure: no statuses: write');
    forge.fail('setCommitStatus', { kind: 'error', error: new AuthError('no statuses: write') }, { skip: 1 });
    await expect(run({ onReportError: (_e, phase) => phases.push(phase) })).rejects.toBeInstanceOf(
      RunTimeoutError,
    );
    expect(phases).toEqual(['error']);
  });
});
