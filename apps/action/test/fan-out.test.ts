// examples/github/fan-out.yml: one step, three targets — acme/app and acme/lib on GitHub, acme/mirror
// on a Gitea 1.26 server with its own token — run by the bundled action from a pull request. One
// answer: the step's conclusion, a `results` row per target, one summary table, one status, one
// comment; with fail-fast the first failure cancels the others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecret, githubRunner, hex, TIME_WARP } from './env.js';
import { runStep } from './runner.js';
import { commentsOn, control, runs, type Sim, start, statusesOf } from './sim.js';
import { workflowSpec, xrdStepWith } from './workflow.js';

const TOKEN = `github_pat_${hex(60, 'fan-out-github')}`;
const GITEA_TOKEN = hex(40, 'fan-out-gitea');
const HEAD = hex(40, 'fan-out-head');
const MERGE = hex(40, 'fan-out-merge');

let github: Sim;
let gitea: Sim;

beforeAll(async () => {
  const target = await workflowSpec('github/target.yml', 'target.yml');
  const [g, t] = await Promise.all([
    start({
      dialect: 'github',
      seed: {
        repos: [
          { owner: 'acme', repo: 'app', workflows: [target] },
          { owner: 'acme', repo: 'lib', workflows: [target] },
          { owner: 'acme', repo: 'source', pulls: [{ number: 7, head: { ref: 'feature/x', sha: HEAD } }] },
        ],
      },
    }),
    // The mirror keeps the same workflow (Gitea runs .github/workflows too).
    start({
      dialect: 'gitea-1.26',
      seed: { repos: [{ owner: 'acme', repo: 'mirror', workflows: [target] }] },
    }),
  ]);
  github = g;
  gitea = t;
});
afterAll(async () => {
  await Promise.all([github?.close(), gitea?.close()]);
});

/** fan-out.yml's xrd step on a pull_request event of PR #7, its `with:` changed by `change`. */
async function fanOutStep(change: (withInputs: Record<string, string>) => Record<string, string> = (w) => w) {
  const event = {
    action: 'synchronize',
    number: 7,
    pull_request: { number: 7, head: { sha: HEAD, ref: 'feature/x' } },
  };
  const context = {
    secrets: { DISPATCH_TOKEN: TOKEN, GITEA_TOKEN },
    github: { repository: 'acme/source', sha: MERGE, event_name: 'pull_request', event },
  };
  const example = await xrdStepWith('github/fan-out.yml', context);
  // The Gitea server the example names is the simulator here.
  const targets = example.targets!.replace('https://gitea.example.com/api/v1', gitea.apiUrl);
  expect(targets).toContain(gitea.apiUrl);
  const withInputs = change({ ...example, targets });
  const env = {
    ...githubRunner(github, { repository: 'acme/source', sha: MERGE, eventName: 'pull_request' }),
    ...TIME_WARP,
  };
  return runStep({ phase: 'main', with: withInputs, env, event, jobToken: 'ghs_jobtoken' });
}

interface Row {
  name: string;
  forge: string;
  verdict: string;
  conclusion: string | null;
  runId?: number;
  htmlUrl?: string;
  failedJobs: { name: string; failedSteps: string[] }[];
  error?: { code: string; message: string };
}

describe('examples/github/fan-out.yml: three targets on GitHub and Gitea 1.26', () => {
  it('answers once: failure with the one failing target, a row each, one table, one status, one comment', async () => {
    await control(github, 'POST', '/repos/acme/lib/workflows/target.yml/script', {
      runs: [{ conclusion: 'failure' }],
    });
    const main = await fanOutStep();
    expect(main.stderr).toBe('');
    expect(main.code).toBe(1);
    expect(main.outputs.conclusion).toBe('failure');

    const rows = JSON.parse(main.outputs.results!) as Row[];
    expect(rows.map((r) => [r.name, r.forge, r.verdict, r.conclusion])).toEqual([
      ['acme/app target.yml', 'github', 'success', 'success'],
      ['acme/lib target.yml', 'github', 'failure', 'failure'],
      ['acme/mirror target.yml', 'gitea', 'success', 'success'],
    ]);
    const [app, lib, mirror] = rows as [Row, Row, Row];
    expect(lib.failedJobs).toEqual([expect.objectContaining({ name: 'build' })]);
    // Each row names its own run, on its own forge, with the inputs every target took.
    const githubRuns = await runs(github);
    const giteaRuns = await runs(gitea);
    expect(githubRuns.map((r) => r.id).sort()).toEqual([app.runId, lib.runId].sort());
    expect(giteaRuns.map((r) => r.id)).toEqual([mirror.runId]);
    for (const run of [...githubRuns, ...giteaRuns]) {
      expect(run.inputs).toMatchObject({ source_repo: 'acme/source', source_sha: HEAD });
    }
    expect(mirror.htmlUrl).toMatch(new RegExp(`^${gitea.url}/acme/mirror/actions/runs/\\d+$`));

    // One summary table, one row per target.
    expect(main.summary.match(/\| target \| run \| result \|/g)).toHaveLength(1);
    expect(main.summary).toContain('### xrd: 3 targets — failure');
    expect(main.summary).toContain(`| acme/lib target.yml | [run ${lib.runId}`);
    expect(main.summary).toContain('#### ❌ acme/lib target.yml — build');

    // One status for all of them on the PR head, pending then failure; one comment with the rows.
    const statuses = await statusesOf(github, 'acme/source', HEAD);
    expect(statuses.map((s) => [s.state, s.context])).toEqual([
      ['failure', 'xrd/targets'],
      ['pending', 'xrd/targets'],
    ]);
    const comments = await commentsOn(github, 'acme/source', 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('**3 targets failure** — 2 success, 1 failure');
    for (const row of rows) expect(comments[0]!.body).toContain(`| ${row.name} | [run ${row.runId}`);

    expect(main.errors.at(-1)).toBe('1 of 3 targets did not pass: acme/lib target.yml (failure).');
    expectNoSecret(main, TOKEN);
    expectNoSecret(main, GITEA_TOKEN);

    // The next push: the same comment, edited.
    const again = await fanOutStep();
    expect(again.code).toBe(0);
    expect(again.outputs.conclusion).toBe('success');
    const after = await commentsOn(github, 'acme/source', 7);
    expect(after.map((c) => c.id)).toEqual(comments.map((c) => c.id));
    expect(after[0]!.body).toContain('**3 targets success** — 3 success');
  });

  it('with fail-fast, the first failure cancels the others', async () => {
    // acme/lib fails within seconds; the others would run for an hour.
    const hour = 3_600_000;
    await control(github, 'POST', '/repos/acme/app/workflows/target.yml/script', {
      runs: [{ durationMs: hour }],
    });
    await control(github, 'POST', '/repos/acme/lib/workflows/target.yml/script', {
      runs: [{ conclusion: 'failure', durationMs: 20_000 }],
    });
    await control(gitea, 'POST', '/repos/acme/mirror/workflows/target.yml/script', {
      runs: [{ durationMs: hour }],
    });
    const started = Date.now();
    const main = await fanOutStep((w) => ({ ...w, 'fail-fast': 'true' }));
    expect(main.code).toBe(1);
    // Well before the hour (36 s of the sims' time) the others would take.
    expect(Date.now() - started).toBeLessThan(20_000);

    const rows = JSON.parse(main.outputs.results!) as Row[];
    expect(rows.map((r) => [r.name, r.verdict])).toEqual([
      ['acme/app target.yml', 'cancelled'],
      ['acme/lib target.yml', 'failure'],
      ['acme/mirror target.yml', 'cancelled'],
    ]);
    const [app, , mirror] = rows as [Row, Row, Row];
    // GitHub cancels the run; Gitea has no API to cancel one, which the row says.
    expect(app.error?.message).toBe('Cancelled: another target failed (fail-fast).');
    expect((await runs(github)).find((r) => r.id === app.runId)?.conclusion).toBe('cancelled');
    expect(mirror.error?.message).toMatch(/could not be cancelled/);
    expect(main.stdout).toContain('acme/app target.yml: cancel requested for run');
  });
});
