// The cross-repo-dispatch README's example, unchanged: a repository_dispatch whose run is found by
// the step the target names after `sha`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expectNoSecret, githubRunner, hex } from './env.js';
import { runStep } from './runner.js';
import { runs, type Sim, start } from './sim.js';
import { interpolate } from './workflow.js';

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

// The target workflow the README asks for.
const README_TARGET = {
  file: 'test.yml',
  name: 'test',
  on: { repository_dispatch: {} },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, not JavaScript
  jobs: [{ name: 'identify-run', steps: ['${{ github.event.client_payload.sha }}'], durationMs: 2000 }],
};

const PAT = `ghp_${hex(36, 'reference-pat')}`;
const SHA = hex(40, 'reference-sha');

let sim: Sim;
beforeAll(async () => {
  sim = await start({
    dialect: 'github',
    seed: {
      repos: [
        {
          owner: 'my-repo-owner',
          repo: 'my-target-repo',
          defaultBranch: 'master',
          workflows: [README_TARGET],
        },
        { owner: 'my-repo-owner', repo: 'my-source-repo' },
      ],
    },
  });
});
afterAll(async () => {
  await sim?.close();
});

describe('the cross-repo-dispatch README example', () => {
  it('dispatches, finds the run by the step named after sha among other runs, and sets status and jobs_url', async () => {
    // A concurrent dispatch with another sha: a time window alone would pick the wrong run.
    const other = await fetch(`${sim.apiUrl}/repos/my-repo-owner/my-target-repo/dispatches`, {
      method: 'POST',
      headers: { authorization: 'token other', 'content-type': 'application/json' },
      body: JSON.stringify({ event_type: 'unrelated', client_payload: { sha: hex(40, 'other') } }),
    });
    expect(other.status).toBe(204);

    const step = (parse(README_STEP.replace(/\t/g, '  ')) as Array<{ with: Record<string, unknown> }>)[0]!;
    const context = {
      secrets: { SHIPA_GITHUB_TOKEN: PAT, SHIPA_GITHUB_USERNAME: 'shipa-bot' },
      github: { sha: SHA, event: { head_commit: { message: 'Fix the parser' } } },
    };
    const withInputs = Object.fromEntries(
      Object.entries(step.with).map(([k, v]) => [k, interpolate(String(v), context)]),
    );
    const vars = { repository: 'my-repo-owner/my-source-repo', sha: SHA, eventName: 'push' };

    const main = await runStep({
      phase: 'main',
      with: withInputs,
      env: githubRunner(sim, vars),
      jobToken: 'job-token',
    });
    expect(main.stderr).toBe('');
    expect(main.code).toBe(0);

    const all = await runs(sim);
    const mine = all.filter((r) => (r.clientPayload as Record<string, unknown> | null)?.sha === SHA);
    expect(mine).toHaveLength(1);
    const run = mine[0]!;
    expect(run).toMatchObject({
      event: 'repository_dispatch',
      eventType: 'Fix the parser',
      status: 'completed',
      conclusion: 'success',
      clientPayload: { misc_key: 'misc_value', sha: SHA },
    });
    expect(all).toHaveLength(2);

    expect(main.outputs.status).toBe('completed');
    expect(main.outputs.jobs_url).toBe(
      `${sim.apiUrl}/repos/my-repo-owner/my-target-repo/actions/runs/${run.id}/jobs`,
    );
    expect(main.outputs['run-id']).toBe(String(run.id));
    expect(main.outputs.conclusion).toBe('success');
    expect(main.outputs['correlation-id']).toBe(SHA);
    expect(main.summary).toContain(`[#${run.id}](${main.outputs['html-url']})`);
    expect(main.summary).toContain('| identify-run | ✅ success |');
    expectNoSecret(main, PAT);

    // Were the job cancelled afterwards, post would find the run settled and leave it alone.
    const post = await runStep({
      phase: 'post',
      with: withInputs,
      env: githubRunner(sim, vars),
      jobToken: 'job-token',
      state: main.state,
    });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain('no remote run is left to cancel');
    expect((await runs(sim)).find((r) => r.id === run.id)?.conclusion).toBe('success');
  });
});
