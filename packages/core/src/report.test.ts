import { describe, expect, it } from 'vitest';
import { dispatch } from './dispatch.js';
import type { RunResult } from './engine-types.js';
import { AbortedError, AuthError, ForgeHttpError, RunNotFoundError, RunTimeoutError } from './errors.js';
import {
  commentMarker,
  commitStateFor,
  describeFlowError,
  editKnownComment,
  errorStatusFor,
  renderComment,
  reportError,
  reportResult,
  reportStart,
  statusFor,
} from './report.js';
import { createMemoryForge } from './testing/memory-forge.js';
import { createVirtualClock } from './testing/virtual-clock.js';
import { truncate } from './text.js';
import { type CommentResult, RUN_CONCLUSIONS } from './types.js';
import { waitForRun } from './wait.js';

const target = { owner: 'acme', repo: 'target' };
const source = { owner: 'acme', repo: 'source' };
const report = { repo: source, sha: 'a'.repeat(40), context: 'xrd/acme/target', pr: 1 };

async function finished(conclusion: 'success' | 'failure') {
  const clock = createVirtualClock();
  const forge = createMemoryForge({ now: clock.now });
  forge.addWorkflow({ repo: 'acme/target', file: 'build.yml', name: 'build' });
  const runId = forge.addRun({
    repo: 'acme/target',
    workflow: 'build.yml',
    conclusion,
    failJob: 'test | unit',
    durationMs: 42_000,
    jobs: [
      { name: 'compile', steps: ['Compile'] },
      {
        name: 'test | unit',
        steps: ['Checkout', 'Run tests'],
        failStep: 'Run tests',
        log: ['ok', 'FAIL: adds numbers'],
      },
    ],
  });
  const result = await waitForRun(forge, target, runId, {
    now: clock.now,
    sleep: clock.sleep,
    logTailLines: 1,
  });
  return { forge, result, clock };
}

describe('commitStateFor', () => {
  it('maps every conclusion (and pending) to a commit state', () => {
    const states = Object.fromEntries(RUN_CONCLUSIONS.map((c) => [c, commitStateFor({ conclusion: c })]));
    expect(states).toEqual({
      success: 'success',
      failure: 'failure',
      cancelled: 'error',
      skipped: 'success',
      timed_out: 'failure',
      action_required: 'error',
      neutral: 'success',
      stale: 'error',
      startup_failure: 'failure',
    });
    expect(commitStateFor('pending')).toBe('pending');
    expect(commitStateFor({ conclusion: null })).toBe('error');
    expect(commitStateFor({ conclusion: 'cancelled' }, ['failure'])).toBe('success');
  });
});

describe('renderComment', () => {
  it('shows the headline with the run link, the jobs and the failed steps with their log tail', async () => {
    const { result } = await finished('failure');
    expect(renderComment(result, { marker: commentMarker('xrd/acme--target') })).toMatchInlineSnapshot(`
      "<!-- xrd:xrd/acme-target -->
      **acme/target build failure** — [run log](https://forge.test/acme/target/actions/runs/1000)

      | job | result | duration |
      |---|---|---|
      | [compile](https://forge.test/acme/target/actions/runs/1000/job/5000) | ✅ success | 42s |
      | [test \\| unit](https://forge.test/acme/target/actions/runs/1000/job/5001) | ❌ failure | 42s |

      **Failed steps**

      - test | unit: Run tests

        <details><summary>log tail</summary>

        \`\`\`
        FAIL: adds numbers
        \`\`\`
        </details>

      <sub>43s · run 1000 (#1) · xrd</sub>"
    `);
  });

  it('is short for a success, with a custom title', async () => {
    const { result } = await finished('success');
    const text = renderComment(result, { title: 'Target build' });
    expect(text.split('\n')[0]).toBe(`**Target build success** — [run log](${result.htmlUrl})`);
    expect(text).not.toContain('Failed steps');
  });
});

describe('statusFor and truncate', () => {
  it('keeps the description within 140 characters', async () => {
    const { result } = await finished('failure');
    const many: RunResult = {
      ...result,
      failedJobs: Array.from({ length: 30 }, (_, i) => ({ ...result.failedJobs[0]!, name: `job-${i}` })),
    };
    const status = statusFor(many, 'ctx');
    expect(status.description!.length).toBe(140);
    expect(status.description!.endsWith('…')).toBe(true);
    expect(statusFor(result, 'ctx')).toEqual({
      state: 'failure',
      context: 'ctx',
      description: 'acme/target build: failure in 43s (failed: test | unit)',
      targetUrl: result.htmlUrl,
    });
    expect(truncate('short')).toBe('short');
  });
});

describe('reportStart and reportResult', () => {
  it('sets a pending status pointing at the run, then the final status and one comment edited in place', async () => {
    const { forge, result, clock } = await finished('failure');
    const receipt = await dispatch(
      forge,
      { repo: target, ref: 'main', workflow: 'build.yml' },
      { now: clock.now, sleep: clock.sleep },
    );
    await reportStart(forge, report, { receipt, htmlUrl: result.htmlUrl });
    await reportResult(forge, report, result);
    const again = await reportResult(forge, report, result);
    expect(again.comment).toMatchObject({ created: false });
    expect(forge.statuses.map((s) => [s.status.state, s.status.targetUrl])).toEqual([
      ['pending', result.htmlUrl],
      ['failure', result.htmlUrl],
      ['failure', result.htmlUrl],
    ]);
    expect(forge.statuses[0]!.status.description).toBe('Running acme/target build.yml');
    expect(forge.comments).toHaveLength(1);
    expect(forge.comments[0]!.body.startsWith(commentMarker('xrd/acme/target'))).toBe(true);
  });

  it('describes the start from a run or from nothing, and does nothing without a sha', async () => {
    const { forge, result } = await finished('success');
    await reportStart(forge, report, { run: result.run });
    await reportStart(forge, report);
    await reportStart(forge, { repo: source, context: 'c', pr: 1 });
    expect(forge.statuses.map((s) => s.status.description)).toEqual([
      'Running build',
      'Running the target workflow',
    ]);
  });

  it('tries the comment even when the status fails, then throws the first error', async () => {
    const { forge, result } = await finished('success');
    forge.fail('setCommitStatus', { kind: 'error', error: new AuthError('no statuses: write') });
    await expect(reportResult(forge, report, result)).rejects.toThrow('no statuses: write');
    expect(forge.comments).toHaveLength(1);
    forge.fail('upsertComment', { kind: 'error', error: new AuthError('no issues: write') });
    await expect(reportResult(forge, { ...report, sha: undefined } as never, result)).rejects.toThrow(
      'no issues: write',
    );
  });
});

describe('reportError', () => {
  it('says in one line how a flow ended without a result, never with a token', async () => {
    const { forge, result, clock } = await finished('success');
    const receipt = await dispatch(
      forge,
      { repo: target, ref: 'main', workflow: 'build.yml', correlationId: 'pr-7' },
      { now: clock.now, sleep: clock.sleep },
    );
    const run = result.run;
    const lines = [
      describeFlowError(new RunTimeoutError('x'), { receipt, run, timeoutMs: 600_000, cancelled: true }),
      describeFlowError(new RunTimeoutError('x'), { run }),
      describeFlowError(new AbortedError(), { receipt }),
      describeFlowError(new AbortedError(), { receipt, run, cancelled: false }),
      describeFlowError(new RunNotFoundError('x'), { receipt }),
      describeFlowError(new RunNotFoundError('No run 5 in acme/target.')),
      describeFlowError(new ForgeHttpError('Bad gateway for ghp_0123456789abcdefghijklmnop'), { receipt }),
      describeFlowError('a plain string'),
    ];
    expect(lines).toMatchInlineSnapshot(`
      [
        "acme/target build: timed out after 10m; run cancelled",
        "build: timed out; run left running",
        "acme/target build: interrupted before its run was found",
        "acme/target build: interrupted; run left running",
        "acme/target build: dispatched, but no run carrying pr-7 was found",
        "failed: No run 5 in acme/target.",
        "acme/target build: failed: Bad gateway for ***",
        "failed: a plain string",
      ]
    `);
  });

  it('sets an error status linking to the run, and the comment, or only what was asked', async () => {
    const { forge, result } = await finished('success');
    const error = new RunTimeoutError('x');
    const outcome = await reportError(forge, report, error, { run: result.run, title: 'Target build' });
    expect(outcome.status).toEqual(errorStatusFor(error, 'xrd/acme/target', { run: result.run }));
    expect(forge.statuses.map((s) => s.status)).toEqual([
      {
        state: 'error',
        context: 'xrd/acme/target',
        description: 'build: timed out; run left running',
        targetUrl: result.htmlUrl,
      },
    ]);
    expect(forge.comments[0]!.body).toContain(`**Target build error** — [run log](${result.htmlUrl})`);
    const onlyComment = await reportError(forge, { repo: source, context: 'c', pr: 2 }, error);
    expect(onlyComment.status).toBeUndefined();
    expect(forge.comments.at(-1)!.body).toContain('**run error** — no run page');
    expect(await reportError(forge, { repo: source, context: 'c' }, error)).toEqual({});
  });

  it('tries the comment even when the status fails, then throws the first error', async () => {
    const { forge } = await finished('success');
    forge.fail('setCommitStatus', { kind: 'error', error: new AuthError('no statuses: write') });
    forge.fail('upsertComment', { kind: 'error', error: new AuthError('no issues: write') });
    await expect(reportError(forge, report, new AbortedError())).rejects.toThrow('no statuses: write');
    expect(forge.callCount('upsertComment')).toBe(1);
  });
});

describe('editKnownComment', () => {
  const edited: CommentResult = { id: 7, created: false };
  const found: CommentResult = { id: 9, created: true };

  it('edits by the known id alone, and finds or posts without one', async () => {
    const calls: string[] = [];
    const edit = async (id: number) => {
      calls.push(`edit ${id}`);
      return edited;
    };
    const otherwise = async () => {
      calls.push('find or post');
      return found;
    };
    expect(await editKnownComment(7, edit, otherwise)).toBe(edited);
    expect(await editKnownComment(undefined, edit, otherwise)).toBe(found);
    expect(calls).toEqual(['edit 7', 'find or post']);
  });

  it('falls back to the marker when the comment is gone (404), and says so', async () => {
    const debug: string[] = [];
    const gone = async () => {
      throw new ForgeHttpError('Not Found', { status: 404 });
    };
    expect(await editKnownComment(7, gone, async () => found, { debug: (m) => debug.push(m) })).toBe(found);
    expect(debug).toEqual(['Comment 7 is gone (404); looking for the comment by its marker.']);
  });

  it('passes any other failure on, without a second request', async () => {
    let fallbacks = 0;
    const refused = async () => {
      throw new ForgeHttpError('Forbidden', { status: 403 });
    };
    const otherwise = async () => {
      fallbacks += 1;
      return found;
    };
    await expect(editKnownComment(7, refused, otherwise)).rejects.toThrow('Forbidden');
    await expect(
      editKnownComment(
        7,
        async () => {
          throw new Error('socket hang up');
        },
        otherwise,
      ),
    ).rejects.toThrow('socket hang up');
    expect(fallbacks).toBe(0);
  });
});
