// Cancellation and timeouts: the runner cancels a job by sending SIGINT to the main step (and
// SIGTERM 7.5 s later), then runs post steps whose `post-if` holds — here `cancelled()`.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubRunner, hex } from './env.js';
import { actionYml, parseFileCommands, runStep, type StartedStep, startStep } from './runner.js';
import { control, runs, type Sim, start, statusesOf } from './sim.js';

const SOURCE_SHA = hex(40, 'cancel-source');
let sim: Sim;

beforeAll(async () => {
  sim = await start({
    dialect: 'github',
    seed: {
      repos: [
        {
          owner: 'acme',
          repo: 'target',
          workflows: [
            {
              file: 'long.yml',
              name: 'Long',
              on: { workflow_dispatch: { inputs: { correlation_id: {} } } },
              // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, not JavaScript
              runName: 'Long ${{ inputs.correlation_id }}',
              // An hour of simulated time: far longer than any of these tests.
              jobs: [{ name: 'soak', steps: ['Soak'], durationMs: 360_000_000 }],
            },
          ],
        },
        { owner: 'acme', repo: 'source' },
      ],
    },
  });
});
afterAll(async () => {
  await sim?.close();
});

const env = () => githubRunner(sim, { repository: 'acme/source', sha: SOURCE_SHA, eventName: 'push' });
const base = { repo: 'acme/target', workflow: 'long.yml', ref: 'main', 'poll-interval': '1s' };

async function runOf(id: string | undefined) {
  return (await runs(sim)).find((r) => String(r.id) === id);
}

/** Waits until main has saved the run id in its state file (the run is known and being waited on). */
async function savedRunId(step: StartedStep): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const state = parseFileCommands(await readFile(step.statePath, 'utf8'));
    if (state['run-id'] && step.stdout().includes('::group::Wait for run')) return state['run-id'];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`main never saved a run id; log so far:\n${step.stdout()}`);
}

describe('action.yml', () => {
  it('runs the one bundle for main and post, post only when the job was cancelled', async () => {
    const yml = await actionYml();
    expect(yml.runs).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/index.js',
      'post-if': 'cancelled()',
    });
  });
});

describe('cancel-on-cancel', () => {
  it('post cancels the remote run when main was killed outright, and reports it', async () => {
    const withInputs = { ...base, 'report-status': SOURCE_SHA, 'source-repo': 'acme/source' };
    const main = await startStep({ phase: 'main', with: withInputs, env: env(), jobToken: 'job-token' });
    const runId = await savedRunId(main);
    main.child.kill('SIGKILL');
    const killed = await main.result;
    expect(killed.signal).toBe('SIGKILL');
    expect((await runOf(runId))?.status).not.toBe('completed');

    const post = await runStep({
      phase: 'post',
      with: withInputs,
      env: env(),
      jobToken: 'job-token',
      state: killed.state,
    });
    expect(post.stderr).toBe('');
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(
      `xrd: cancelled run ${runId} of acme/target because this job was cancelled.`,
    );
    expect(await runOf(runId)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    // The pending status does not stay pending: a cancelled run is an error, not a failed change.
    expect((await statusesOf(sim, 'acme/source', SOURCE_SHA)).map((s) => s.state)).toEqual([
      'error',
      'pending',
    ]);
  });

  it('with targets, post cancels every run main saved and closes the one status', async () => {
    const sha = hex(40, 'targets-killed');
    const withInputs = {
      workflow: 'long.yml',
      ref: 'main',
      targets: '- repo: acme/target\n- repo: acme/target',
      'report-status': sha,
      'source-repo': 'acme/source',
    };
    const main = await startStep({ phase: 'main', with: withInputs, env: env(), jobToken: 'job-token' });
    let saved: Record<string, number> = {};
    for (let i = 0; i < 200 && Object.keys(saved).length < 2; i++) {
      const state = parseFileCommands(await readFile(main.statePath, 'utf8'));
      saved = JSON.parse(state['target-runs'] ?? '{}') as Record<string, number>;
      if (Object.keys(saved).length < 2) await new Promise((r) => setTimeout(r, 50));
    }
    expect(Object.keys(saved)).toEqual(['0', '1']);
    main.child.kill('SIGKILL');
    const killed = await main.result;

    const post = await runStep({
      phase: 'post',
      with: withInputs,
      env: env(),
      jobToken: 'job-token',
      state: killed.state,
    });
    expect(post.stderr).toBe('');
    expect(post.code).toBe(0);
    for (const runId of Object.values(saved)) {
      expect(post.stdout).toContain(`xrd: cancelled run ${runId} of acme/target long.yml #`);
      expect(await runOf(String(runId))).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    }
    const statuses = await statusesOf(sim, 'acme/source', sha);
    expect(statuses.map((s) => [s.state, s.context])).toEqual([
      ['error', 'xrd/targets'],
      ['pending', 'xrd/targets'],
    ]);
  });

  it('main cancels the remote run itself on SIGINT; post then only reports how it ended', async () => {
    const sha = hex(40, 'sigint');
    const withInputs = { ...base, 'report-status': sha, 'source-repo': 'acme/source' };
    const main = await startStep({ phase: 'main', with: withInputs, env: env(), jobToken: 'job-token' });
    const runId = await savedRunId(main);
    main.child.kill('SIGINT');
    const stopped = await main.result;
    expect(stopped.code).toBe(1);
    expect(stopped.errors).toHaveLength(1);
    expect(stopped.state['cancel-requested']).toBe('true');
    expect(await runOf(runId)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });

    const post = await runStep({
      phase: 'post',
      with: withInputs,
      env: env(),
      jobToken: 'job-token',
      state: stopped.state,
    });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`xrd: run ${runId} of acme/target was cancelled by the main step.`);
    expect(post.stdout).not.toContain('::warning');
    const statuses = await statusesOf(sim, 'acme/source', sha);
    expect(statuses.map((s) => s.state)).toEqual(['error', 'pending']);
    // main closed the pending status itself, in one line.
    expect(statuses[0]!.description).toBe('acme/target long: interrupted; run cancelled');
  });

  it('leaves the remote run alone when cancel-on-cancel is false', async () => {
    const withInputs = { ...base, 'cancel-on-cancel': 'false' };
    const main = await startStep({ phase: 'main', with: withInputs, env: env(), jobToken: 'job-token' });
    const runId = await savedRunId(main);
    main.child.kill('SIGKILL');
    const killed = await main.result;
    const post = await runStep({
      phase: 'post',
      with: withInputs,
      env: env(),
      jobToken: 'job-token',
      state: killed.state,
    });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`cancel-on-cancel is off; run ${runId} of acme/target keeps running.`);
    expect((await runOf(runId))?.status).toBe('in_progress');
    await control(sim, 'POST', `/runs/${runId}/finish`, { conclusion: 'success' });
  });
});

describe('timeout', () => {
  it('fails the step at the deadline, cancels the run with cancel-on-timeout, and closes the status', async () => {
    const sha = hex(40, 'timeout');
    const withInputs = {
      ...base,
      timeout: '3s',
      'cancel-on-timeout': 'true',
      'report-status': sha,
      'source-repo': 'acme/source',
    };
    const main = await runStep({ phase: 'main', with: withInputs, env: env(), jobToken: 'job-token' });
    expect(main.code).toBe(1);
    expect(main.errors).toHaveLength(1);
    expect(main.errors[0]).toMatch(/3s/);
    expect(main.outputs.status).toBe('in_progress');
    expect(main.state.settled).toBe('true');
    expect(await runOf(main.outputs['run-id'])).toMatchObject({
      status: 'completed',
      conclusion: 'cancelled',
    });
    const statuses = await statusesOf(sim, 'acme/source', sha);
    expect(statuses.map((s) => s.state)).toEqual(['error', 'pending']);
    // main closed the pending status itself, in one line.
    expect(statuses[0]!.description).toBe('acme/target long: timed out after 3s; run cancelled');
  });

  it('fails the step at the deadline and leaves the run running without cancel-on-timeout', async () => {
    const withInputs = { ...base, workflow_status_timeout: '2' };
    const main = await runStep({ phase: 'main', with: withInputs, env: env(), jobToken: 'job-token' });
    expect(main.code).toBe(1);
    expect(main.errors).toHaveLength(1);
    expect((await runOf(main.outputs['run-id']))?.status).toBe('in_progress');
    // Had the job been cancelled later, post would still cancel the run (it is not settled).
    expect(main.state.settled).toBeUndefined();
    await control(sim, 'POST', `/runs/${main.outputs['run-id']}/finish`, { conclusion: 'success' });
  });
});
