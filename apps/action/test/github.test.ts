// examples/github/source.yml → examples/github/target.yml, on github.com (the dispatch returns the
// run id) and on GHES 3.19 (it rejects `return_run_details`: fall back, then find the run by its
// run-name), from a pull request: pending status, final status and one PR comment.
import { afterEach, describe, expect, it } from 'vitest';
import { expectNoSecret, githubRunner, hex, TIME_WARP } from './env.js';
import { runStep } from './runner.js';
import { commentsOn, control, runs, type Sim, start, statusesOf } from './sim.js';
import { workflowSpec, xrdStepWith } from './workflow.js';

const TOKEN = `github_pat_${hex(60, 'github-token')}`;
const HEAD = hex(40, 'pr-head');
const MERGE = hex(40, 'merge-commit');

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function startWith(dialect: 'github' | 'ghes-3.19') {
  const target = await workflowSpec('github/target.yml', 'target.yml');
  sim = await start({
    dialect,
    seed: {
      repos: [
        { owner: 'acme', repo: 'target', workflows: [target] },
        { owner: 'acme', repo: 'source', pulls: [{ number: 7, head: { ref: 'feature/x', sha: HEAD } }] },
      ],
    },
  });
  return sim;
}

/** source.yml's xrd step on a `pull_request` event of PR #7, changed by `change`. */
async function sourceExampleStep(
  s: Sim,
  change: (withInputs: Record<string, string>) => Record<string, string>,
) {
  const event = {
    action: 'opened',
    number: 7,
    pull_request: { number: 7, head: { sha: HEAD, ref: 'feature/x' } },
  };
  const context = {
    secrets: { DISPATCH_TOKEN: TOKEN },
    github: { repository: 'acme/source', sha: MERGE, event_name: 'pull_request', event },
  };
  const withInputs = change(await xrdStepWith('github/source.yml', context));
  const env = {
    ...githubRunner(s, { repository: 'acme/source', sha: MERGE, eventName: 'pull_request' }),
    // Its 2-second polls in the simulator's time.
    ...TIME_WARP,
  };
  return runStep({ phase: 'main', with: withInputs, env, event, jobToken: 'ghs_jobtoken' });
}

const runSourceExample = (s: Sim) => sourceExampleStep(s, (withInputs) => withInputs);

describe('examples/github on github.com', () => {
  it('takes the run id from the dispatch, waits, and reports status and comment on the PR head', async () => {
    const s = await startWith('github');
    const main = await runSourceExample(s);
    expect(main.stderr).toBe('');
    expect(main.code).toBe(0);

    const all = await runs(s);
    expect(all).toHaveLength(1);
    const run = all[0]!;
    expect(run).toMatchObject({
      event: 'workflow_dispatch',
      conclusion: 'success',
      inputs: {
        source_repo: 'acme/source',
        source_sha: HEAD,
        correlation_id: main.outputs['correlation-id'],
      },
    });
    expect(main.outputs).toMatchObject({
      'run-id': String(run.id),
      status: 'completed',
      conclusion: 'success',
      'failed-jobs': '[]',
    });
    expect(main.outputs['html-url']).toMatch(new RegExp(`/acme/target/actions/runs/${run.id}$`));
    expect(main.outputs['jobs-url']).toBe(main.outputs.jobs_url);
    expect(Number(main.outputs['duration-seconds'])).toBeGreaterThanOrEqual(0);

    // The run id came back with the dispatch: no listing of runs was needed to find it.
    const stats = await control<{ byRoute: Record<string, { total: number }> }>(s, 'GET', '/stats');
    expect(Object.keys(stats.byRoute).filter((route) => route.endsWith('/actions/runs'))).toEqual([]);

    // Pending (linking to the run) at dispatch, then success — on the PR head, not the merge commit.
    const statuses = await statusesOf(s, 'acme/source', HEAD);
    expect(statuses.map((st) => [st.state, st.context, st.targetUrl])).toEqual([
      ['success', 'acme/target build', main.outputs['html-url']],
      ['pending', 'acme/target build', main.outputs['html-url']],
    ]);
    expect(await statusesOf(s, 'acme/source', MERGE)).toEqual([]);
    const comments = await commentsOn(s, 'acme/source', 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(`success** — [run log](${main.outputs['html-url']})`);

    expect(main.stdout).toMatch(/::group::Dispatch workflow target\.yml to acme\/target@main/);
    expect(main.stdout).toContain('::endgroup::');
    expect(main.summary).toContain('| acme/target@main (workflow target.yml) |');
    expectNoSecret(main, TOKEN);
  });
});

describe('two workflows dispatched into one target from one pull request', () => {
  it('keep a status and a comment each under the default context, edited in place on the next run', async () => {
    const target = await workflowSpec('github/target.yml', 'target.yml');
    const s = await start({
      dialect: 'github',
      seed: {
        repos: [
          {
            owner: 'acme',
            repo: 'target',
            workflows: [target, { ...target, file: 'lint.yml', name: 'Lint for another repository' }],
          },
          { owner: 'acme', repo: 'source', pulls: [{ number: 7, head: { ref: 'feature/x', sha: HEAD } }] },
        ],
      },
    });
    sim = s;
    // The example's step without its own status-context (the default applies), for each workflow.
    const step = (workflow: string) =>
      sourceExampleStep(s, ({ 'status-context': _, ...example }) => ({ ...example, workflow }));

    for (let round = 1; round <= 2; round++) {
      const [build, lint] = [await step('target.yml'), await step('lint.yml')];
      expect([build.code, lint.code]).toEqual([0, 0]);
      expect(build.stdout).toContain('commit status "xrd/acme/target/target" success on acme/source@');
      expect(lint.stdout).toContain('commit status "xrd/acme/target/lint" success on acme/source@');
      expect(lint.stdout).toMatch(
        round === 1 ? /comment posted on acme\/source#7/ : /comment updated on acme\/source#7/,
      );

      const statuses = await statusesOf(s, 'acme/source', HEAD);
      const newest = (ctx: string) => statuses.find((st) => st.context === ctx);
      expect([newest('xrd/acme/target/target'), newest('xrd/acme/target/lint')]).toEqual([
        expect.objectContaining({ state: 'success', targetUrl: build.outputs['html-url'] }),
        expect.objectContaining({ state: 'success', targetUrl: lint.outputs['html-url'] }),
      ]);
      const comments = await commentsOn(s, 'acme/source', 7);
      expect(comments).toHaveLength(2);
      expect(comments[0]!.body).toContain(`success** — [run log](${build.outputs['html-url']})`);
      expect(comments[1]!.body).toContain(`success** — [run log](${lint.outputs['html-url']})`);
    }
  });
});

describe('a failing remote run on github.com', () => {
  it('fails the step, annotates the failed job, and lists it with its failed step and log tail', async () => {
    const s = await startWith('github');
    await control(s, 'POST', '/repos/acme/target/workflows/target.yml/script', {
      runs: [{ conclusion: 'failure' }],
    });
    const main = await runSourceExample(s);
    expect(main.code).toBe(1);
    expect(main.outputs.conclusion).toBe('failure');
    const failed = JSON.parse(main.outputs['failed-jobs']!) as Array<{ name: string; failedSteps: string[] }>;
    expect(failed).toEqual([expect.objectContaining({ name: 'build', conclusion: 'failure' })]);
    expect(failed[0]!.failedSteps).toHaveLength(1);
    const step = failed[0]!.failedSteps[0]!;
    // One annotation per failed remote job, then the step's own failure.
    expect(main.errors).toEqual([
      `Job "build" of acme/target run ${main.outputs['run-id']} ended failure at "${step}".`,
      `The run ${main.outputs['html-url']} concluded failure.`,
    ]);
    // Annotation properties are escaped by @actions/core (`:` → `%3A`).
    expect(main.stdout).toMatch(/^::error title=acme\/target%3A build::Job "build"/m);
    expect(main.summary).toContain('#### ❌ build');
    expect(main.summary).toContain(`Failed step: \`${step}\``);
    expect(main.summary).toContain('<details open><summary>Log tail</summary>');
    const statuses = await statusesOf(s, 'acme/source', HEAD);
    expect(statuses.map((st) => st.state)).toEqual(['failure', 'pending']);
    const [comment] = await commentsOn(s, 'acme/source', 7);
    expect(comment!.body).toContain(`failure** — [run log](${main.outputs['html-url']})`);
    expectNoSecret(main, TOKEN);
  });
});

describe('a source repository the token may not write statuses to', () => {
  it('still waits, sets the outputs and the summary, writes the comment, then fails the step naming it', async () => {
    const s = await startWith('github');
    await control(s, 'POST', '/faults', {
      kind: '5xx',
      status: 403,
      method: 'POST',
      path: '/repos/acme/source/statuses/',
      count: 10,
    });
    const main = await runSourceExample(s);
    expect(main.code).toBe(1);
    expect(main.outputs).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(main.summary).toContain('| acme/target@main (workflow target.yml) |');
    // The pending status failed: a warning, and the run is still followed to its end.
    expect(main.stdout).toMatch(/^::warning::xrd: could not set the pending status: /m);
    const [comment] = await commentsOn(s, 'acme/source', 7);
    expect(comment!.body).toContain(`success** — [run log](${main.outputs['html-url']})`);
    expect(main.errors).toEqual([
      `GitHub refused to set the commit status "acme/target build" on ${HEAD.slice(0, 12)} in acme/source (403: Server Error); check the token's scopes or permissions and its SSO authorisation.`,
    ]);
    expect(await statusesOf(s, 'acme/source', HEAD)).toEqual([]);
    expectNoSecret(main, TOKEN);
  });
});

describe('examples/github on GHES 3.19', () => {
  it('falls back from return_run_details, dispatches once, and finds the run by its run-name', async () => {
    const s = await startWith('ghes-3.19');
    const main = await runSourceExample(s);
    expect(main.stderr).toBe('');
    expect(main.code).toBe(0);

    const all = await runs(s);
    expect(all).toHaveLength(1);
    const run = all[0]!;
    expect(run.displayTitle).toBe(`Build ${main.outputs['correlation-id']}`);
    expect(main.outputs).toMatchObject({
      'run-id': String(run.id),
      status: 'completed',
      conclusion: 'success',
    });
    expect(main.outputs.jobs_url).toBe(`${s.url}/api/v3/repos/acme/target/actions/runs/${run.id}/jobs`);

    const statuses = await statusesOf(s, 'acme/source', HEAD);
    expect(statuses.map((st) => st.state)).toEqual(['success', 'pending']);
    expectNoSecret(main, TOKEN);
  });
});
