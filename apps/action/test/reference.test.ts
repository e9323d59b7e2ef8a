// Migrating from cross-repo-dispatch: its README's step, with only `uses:` changed, runs through the
// action against forge-sim and behaves as that action did — its payload (client_payload plus `sha`,
// nothing else), the run found by the step the target names after `sha`, its outputs (`status`,
// `conclusion`, `html_url` from its code; `jobs_url` from its README) and its timing defaults
// (`workflow_status_timeout` 600 s, `workflow_status_retry_interval` 10 s). The reference's code:
// github.com/stinkyfingers/cross-repo-dispatch main.go (`payload["sha"] = sha`, the defaults, the
// outputs) and action.yaml.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expectNoSecret, githubRunner, hex, TIME_WARP } from './env.js';
import { runStep } from './runner.js';
import { control, runs, type Sim, start, TIME_SCALE, totalRequests } from './sim.js';
import { interpolate, workflowSpec, xrdStepWith } from './workflow.js';

// Copied verbatim from the reference README (tabs included: the README indents with them).
const README_STEP = `- name: run test-in-another-repo
	id: get_status
	uses: stinkyfingers/cross-repo-dispatch@v0.0
	with:
	  owner: 'my-repo-owner'
	  repo: 'my-target-repo'
	  ref: 'master'
	  pat: \${{ secrets.SHIPA_GITHUB_TOKEN }}
	  user: \${{ secrets.SHIPA_GITHUB_USERNAME }}
	  sha: \${{ github.sha }}
	  event_type: \${{ github.event.head_commit.message }}
	  client_payload: '{"misc_key":"misc_value"}'
	  workflow_status_timeout: 1200
`;

// The target workflow the README asks for: a step named after client_payload.sha.
const README_TARGET = {
  file: 'test.yml',
  name: 'test',
  on: { repository_dispatch: {} },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, not JavaScript
  jobs: [{ name: 'identify-run', steps: ['${{ github.event.client_payload.sha }}'], durationMs: 2000 }],
};

const PAT = `ghp_${hex(36, 'reference-pat')}`;
// Each case is another source commit: a sha names one run (the reference's own convention).
const source = (sha: string) => ({ repository: 'my-repo-owner/my-source-repo', sha, eventName: 'push' });
const contextFor = (sha: string) => ({
  secrets: { SHIPA_GITHUB_TOKEN: PAT, SHIPA_GITHUB_USERNAME: 'shipa-bot' },
  github: { sha, event: { head_commit: { message: 'Fix the parser' } } },
});

/** The README's `with:` for commit `sha`, evaluated as the runner would, some lines replaced or dropped. */
function readmeWith(sha: string, change: Record<string, string | undefined> = {}): Record<string, string> {
  const step = (parse(README_STEP.replace(/\t/g, '  ')) as Array<{ with: Record<string, unknown> }>)[0]!;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(step.with))
    out[name] = interpolate(String(value), contextFor(sha));
  for (const [name, value] of Object.entries(change)) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}

function keys(n: number, extra: Record<string, string> = {}): string {
  return JSON.stringify({
    ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`key${i}`, `v${i}`])),
    ...extra,
  });
}

let sim: Sim;
beforeAll(async () => {
  sim = await start({
    dialect: 'github',
    timeScale: TIME_SCALE,
    seed: {
      repos: [
        {
          owner: 'my-repo-owner',
          repo: 'my-target-repo',
          // The README's step says `ref: 'master'`; a repository_dispatch runs on the default branch
          // whatever it names (cross-repo-dispatch never used it), so the run is found on main.
          defaultBranch: 'main',
          workflows: [README_TARGET],
        },
        { owner: 'my-repo-owner', repo: 'my-source-repo' },
        // examples/cross-repo-dispatch, as a user copies it.
        {
          owner: 'acme',
          repo: 'target',
          workflows: [await workflowSpec('cross-repo-dispatch/target.yml', 'test.yml')],
        },
        { owner: 'acme', repo: 'source' },
      ],
    },
  });
});
afterAll(async () => {
  await sim?.close();
});

describe('migrating from cross-repo-dispatch: the README step with only `uses:` changed', () => {
  const one = hex(40, 'reference one');
  const nine = hex(40, 'reference nine');
  const ten = hex(40, 'reference ten');
  it.each([
    ['its own client_payload (1 key)', one, '{"misc_key":"misc_value"}'],
    // With `sha` added these are the 10 top-level keys GitHub allows (xrd used to add a second key).
    ['a 9-key client_payload', nine, keys(9)],
    // The only 10-key payload that worked with the reference: `sha` is one of them.
    ['a 10-key client_payload that carries sha itself', ten, keys(9, { sha: ten })],
  ])(
    '%s: sends client_payload + sha and nothing else, finds the run by step name among others, sets status, conclusion, html_url and jobs_url',
    async (_, SHA, clientPayload) => {
      // A concurrent dispatch with another sha: a time window alone would pick the wrong run.
      const other = await fetch(`${sim.apiUrl}/repos/my-repo-owner/my-target-repo/dispatches`, {
        method: 'POST',
        headers: { authorization: 'token other', 'content-type': 'application/json' },
        body: JSON.stringify({
          event_type: 'unrelated',
          client_payload: { sha: hex(40, `other ${clientPayload}`) },
        }),
      });
      expect(other.status).toBe(204);
      const before = (await runs(sim)).length;

      const withInputs = readmeWith(SHA, { client_payload: clientPayload });
      const main = await runStep({
        phase: 'main',
        with: withInputs,
        env: { ...githubRunner(sim, source(SHA)), ...TIME_WARP },
        jobToken: 'job-token',
      });
      expect(main.stderr).toBe('');
      expect(main.code).toBe(0);
      // Its timing: the README's own 1200 s timeout, the reference's 10 s poll interval.
      expect(main.stdout).toContain(
        `cross-repo-dispatch mode (sha given): timeout 20m, poll interval 10s, the run is the one with a step named "${SHA}"`,
      );

      const all = await runs(sim);
      expect(all).toHaveLength(before + 1);
      const mine = all
        .filter((r) => (r.clientPayload as Record<string, unknown> | null)?.sha === SHA)
        .at(-1)!;
      // The payload as cross-repo-dispatch sent it: the user's keys and `sha`, nothing else.
      expect(mine.clientPayload).toEqual({ ...JSON.parse(clientPayload), sha: SHA });
      expect(Object.keys(mine.clientPayload as object).length).toBeLessThanOrEqual(10);
      expect(mine).toMatchObject({
        event: 'repository_dispatch',
        eventType: 'Fix the parser',
        status: 'completed',
        conclusion: 'success',
      });

      // The reference's outputs, under its names.
      expect(main.outputs.status).toBe('completed');
      expect(main.outputs.conclusion).toBe('success');
      expect(main.outputs.html_url).toBe(`${sim.url}/my-repo-owner/my-target-repo/actions/runs/${mine.id}`);
      expect(main.outputs.jobs_url).toBe(
        `${sim.apiUrl}/repos/my-repo-owner/my-target-repo/actions/runs/${mine.id}/jobs`,
      );
      expect(main.outputs['run-id']).toBe(String(mine.id));
      expect(main.outputs['correlation-id']).toBe(SHA);
      expect(main.summary).toContain(`[run ${mine.id} (#${mine.runNumber})](${main.outputs.html_url})`);
      expect(main.summary).toContain('| identify-run | ✅ success |');
      expectNoSecret(main, PAT);

      // Were the job cancelled afterwards, post would find the run settled and leave it alone.
      const post = await runStep({
        phase: 'post',
        with: withInputs,
        env: githubRunner(sim, source(SHA)),
        jobToken: 'job-token',
        state: main.state,
      });
      expect(post.code).toBe(0);
      expect(post.stdout).toContain('no remote run is left to cancel');
    },
  );

  it("without its optional workflow_status_timeout: the reference's 600 s timeout, with its 10 s poll interval said in the log", async () => {
    const SHA = hex(40, 'reference timeout');
    // A run that outlasts 600 s (of the action's time: 6 s of real time here).
    await control(sim, 'POST', '/repos/my-repo-owner/my-target-repo/workflows/test.yml/script', {
      runs: [{ durationMs: 3_600_000 }],
    });
    const main = await runStep({
      phase: 'main',
      with: readmeWith(SHA, { workflow_status_timeout: undefined }),
      env: { ...githubRunner(sim, source(SHA)), ...TIME_WARP },
      jobToken: 'job-token',
    });
    expect(main.stdout).toContain(
      `cross-repo-dispatch mode (sha given): timeout 10m, poll interval 10s, the run is the one with a step named "${SHA}"`,
    );
    expect(main.code).toBe(1);
    expect(main.errors).toEqual([expect.stringMatching(/ did not complete within 10m /)]);
    expect(main.outputs.status).toBe('in_progress');
    const run = (await runs(sim)).find((r) => String(r.id) === main.outputs['run-id'])!;
    expect(run.status).toBe('in_progress');
    await control(sim, 'POST', `/runs/${run.id}/finish`, { conclusion: 'success' });
  });

  it('a 10-key client_payload without sha (GitHub refused the 11 keys the reference sent): one sentence, nothing sent', async () => {
    const SHA = hex(40, 'reference eleven');
    const before = await totalRequests(sim);
    const main = await runStep({
      phase: 'main',
      with: readmeWith(SHA, { client_payload: keys(10) }),
      env: githubRunner(sim, source(SHA)),
      jobToken: 'job-token',
    });
    expect(main.code).toBe(1);
    expect(main.errors).toEqual([
      '`client_payload` has 10 top-level keys and xrd adds "sha" to find the run, which makes 11, but GitHub accepts at most 10; nest 2 of your keys under one key.',
    ]);
    expect(await totalRequests(sim)).toBe(before);
  });
});

describe('examples/cross-repo-dispatch', () => {
  it('source.yml runs target.yml: the run with the step named after the pushed commit, with the reference outputs', async () => {
    const sha = hex(40, 'example push');
    const withInputs = await xrdStepWith('cross-repo-dispatch/source.yml', {
      secrets: { DISPATCH_TOKEN: PAT },
      github: { sha, actor: 'octocat' },
    });
    const main = await runStep({
      phase: 'main',
      with: withInputs,
      env: { ...githubRunner(sim, { repository: 'acme/source', sha, eventName: 'push' }), ...TIME_WARP },
      jobToken: 'job-token',
    });
    expect(main.stderr).toBe('');
    expect(main.code).toBe(0);
    expect(main.stdout).toContain(
      `cross-repo-dispatch mode (sha given): timeout 20m, poll interval 10s, the run is the one with a step named "${sha}"`,
    );
    const run = (await runs(sim)).find((r) => String(r.id) === main.outputs['run-id'])!;
    expect(run).toMatchObject({
      repo: 'target',
      workflow: 'test.yml',
      eventType: 'test',
      clientPayload: { misc_key: 'misc_value', sha },
      conclusion: 'success',
    });
    expect(main.outputs).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      html_url: `${sim.url}/acme/target/actions/runs/${run.id}`,
      jobs_url: `${sim.apiUrl}/repos/acme/target/actions/runs/${run.id}/jobs`,
    });
    expectNoSecret(main, PAT);
  });
});
