// A route with several targets (`dispatch.targets`), through the running service over HTTP: a PR on
// a GitHub forge-sim dispatches to two repositories there and to one on a Gitea 1.26 forge-sim,
// and is answered once: one aggregated status, one comment with a row per target (edited in place
// on the next push), a status per target when asked; fail-fast cancels the others.
import { sampleWorkflows } from '@xrd/forge-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  comments,
  newSha,
  openPull,
  post,
  type RouteSpec,
  registerHooks,
  runs,
  type ServiceProcess,
  type Setup,
  type SimForge,
  startForge,
  startService,
  statuses,
  until,
  writeConfig,
} from './harness.js';

const TIME_SCALE = 20; // a 3 s sample run lasts 150 ms
const INPUTS = {
  pr_number: '{{ pr.number }}',
  pr_head_sha: '{{ pr.head.sha }}',
  pr_head_ref: '{{ pr.head.ref }}',
  source_repo: '{{ source.repo }}',
};

let gh: SimForge;
let gitea: SimForge;
let service: ServiceProcess;
let setup: Setup;

beforeAll(async () => {
  gh = await startForge('gh', 'github', TIME_SCALE);
  gitea = await startForge('gitea', 'gitea-1.26', TIME_SCALE);
  // A second target repository, and a second source (for the fail-fast route).
  gh.sim.core.seed({
    repos: [
      { owner: 'acme', repo: 'lib', defaultBranch: 'main', workflows: sampleWorkflows('github') },
      { owner: 'acme', repo: 'other', defaultBranch: 'main' },
    ],
  });
  const targets = [{ repo: 'acme/target' }, { repo: 'acme/lib' }, { repo: 'acme/target', forge: 'gitea' }];
  const route = (name: string, source: string, extra: Record<string, unknown>) => ({
    name,
    when: { forge: 'gh', repo: source, pull_request: true },
    dispatch: {
      forge: 'gh',
      workflow: 'build-from-pr.yml',
      ref: 'main',
      inputs: INPUTS,
      targets,
      ...extra,
    },
    report: { 'status-per-target': true },
  });
  setup = writeConfig([gh, gitea], [], {
    routes: [
      route('all', 'acme/source', {}),
      route('fast', 'acme/other', { 'fail-fast': true, concurrency: 1 }),
    ],
  });
  service = await startService(setup.configFile);
  const hooks: RouteSpec[] = [
    { name: 'a', source: gh, target: gh, workflow: 'build-from-pr.yml' },
    { name: 'b', source: gh, sourceRepo: 'acme/other', target: gh, targetRepo: 'acme/lib', workflow: '' },
    { name: 'c', source: gh, target: gitea, workflow: '' },
  ];
  await registerHooks(service.url, hooks);
});

afterAll(async () => {
  if (process.env.XRD_TEST_LOGS) console.log(service?.logs.map((l) => JSON.stringify(l)).join('\n'));
  const problems = service?.logs.filter((l) => l.level === 'error') ?? [];
  if (problems.length > 0) console.log(JSON.stringify(problems.slice(0, 10), null, 1));
  service?.child.kill('SIGTERM');
  expect(await service?.exited).toBe(0);
  await gh?.sim.close();
  await gitea?.sim.close();
  setup?.cleanup();
});

const script = (forge: SimForge, repo: string, runsList: unknown[]) =>
  post(`${forge.sim.url}/_sim/repos/${repo}/workflows/build-from-pr.yml/script`, { runs: runsList });

/** The final statuses on `sha`, newest first, by context. */
async function finals(sha: string, repo = 'acme/source') {
  const all = await statuses(gh, sha, repo);
  return all.filter((s) => s.state !== 'pending');
}

const rowsOf = (body: string) => body.split('\n').filter((l) => /^\| acme\//.test(l));

async function answered(sha: string, pr: number, repo = 'acme/source') {
  await until('the aggregated final status', async () =>
    (await finals(sha, repo)).some((s) => s.context === 'xrd/targets'),
  );
  await until('the comment', async () => (await comments(gh, pr, repo)).length > 0, 5_000);
  await new Promise((r) => setTimeout(r, 300)); // a duplicate would surface by now
  return {
    finals: await finals(sha, repo),
    all: await statuses(gh, sha, repo),
    comments: await comments(gh, pr, repo),
  };
}

describe('a route with three targets on two forges', () => {
  it('one aggregated status, a status per target, one comment with a row per target; the next push edits it', {
    timeout: 40_000,
  }, async () => {
    await script(gh, 'acme/lib', [{ conclusion: 'failure' }]);
    const sha = newSha();
    const pr = await openPull(gh, sha);
    const r = await answered(sha, pr);

    const aggregated = r.finals.filter((s) => s.context === 'xrd/targets');
    expect(aggregated).toHaveLength(1);
    expect(aggregated[0]?.state).toBe('failure');
    expect(aggregated[0]?.description).toMatch(/2 success, 1 failure \(acme\/lib build-from-pr\.yml\)/);
    // One pending aggregated status before it, naming the targets.
    expect(r.all.filter((s) => s.context === 'xrd/targets' && s.state === 'pending')).toHaveLength(1);

    // A status per target, each context its own (two targets share repository and workflow).
    await until(
      'three per-target statuses',
      async () => (await finals(sha)).filter((s) => s.context.startsWith('xrd/acme/')).length === 3,
    );
    const own = (await finals(sha)).filter((s) => s.context.startsWith('xrd/acme/'));
    expect(Object.fromEntries(own.map((s) => [s.context, s.state]))).toEqual({
      'xrd/acme/target/build-from-pr#0': 'success',
      'xrd/acme/lib/build-from-pr': 'failure',
      'xrd/acme/target/build-from-pr#2': 'success',
    });

    // Each target dispatched once, with the rendered inputs.
    const ghRuns = (await runs(gh)).filter((x) => x.inputs?.pr_head_sha === sha);
    const giteaRuns = (await runs(gitea)).filter((x) => x.inputs?.pr_head_sha === sha);
    expect(ghRuns.map((x) => x.repo).sort()).toEqual(['lib', 'target']);
    expect(giteaRuns).toHaveLength(1);
    expect(giteaRuns[0]?.inputs).toMatchObject({ pr_number: String(pr), source_repo: 'acme/source' });

    expect(r.comments).toHaveLength(1);
    const body = r.comments[0]?.body ?? '';
    expect(body).toContain('<!-- xrd:xrd/targets -->');
    expect(body).toMatch(/\*\*3 targets failure\*\* — 2 success, 1 failure/);
    const rows = rowsOf(body);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^\| acme\/target build-from-pr\.yml #0 \| \[run \d+.*✅ success/);
    expect(rows[1]).toMatch(/^\| acme\/lib build-from-pr\.yml \| .*❌ failure/);
    expect(rows[2]).toMatch(/^\| acme\/target build-from-pr\.yml #2 \| .*✅ success/);

    // The next push: a new group, answered in the same comment.
    const sha2 = newSha();
    await post(`${gh.sim.url}/_sim/repos/acme/source/pulls/${pr}/push`, { sha: sha2 });
    const r2 = await answered(sha2, pr);
    expect(r2.finals.filter((s) => s.context === 'xrd/targets').map((s) => s.state)).toEqual(['success']);
    await until('the comment edited', async () =>
      (await comments(gh, pr)).some((c) => c.body.includes('**3 targets success**')),
    );
    const edited = await comments(gh, pr);
    expect(edited).toHaveLength(1);
    expect(edited[0]?.id).toBe(r.comments[0]?.id);
    expect(rowsOf(edited[0]?.body ?? '')).toHaveLength(3);
    // The first push's answer stays as it was.
    expect((await finals(sha)).filter((s) => s.context === 'xrd/targets').map((s) => s.state)).toEqual([
      'failure',
    ]);
  });

  it('fail-fast: the first failure cancels the runs of the others', { timeout: 40_000 }, async () => {
    // The failure comes after every target was dispatched (one at a time: concurrency 1).
    await script(gh, 'acme/lib', [{ conclusion: 'failure', durationMs: 20_000 }]);
    await script(gh, 'acme/target', [{ durationMs: 120_000 }]);
    await script(gitea, 'acme/target', [{ durationMs: 120_000 }]);
    const sha = newSha();
    const pr = await openPull(gh, sha, 'acme/other');
    const r = await answered(sha, pr, 'acme/other');
    const aggregated = r.finals.filter((s) => s.context === 'xrd/targets');
    expect(aggregated.map((s) => s.state)).toEqual(['failure']);
    expect(aggregated[0]?.description).toMatch(/1 failure, 2 cancelled/);
    const rows = rowsOf(r.comments[0]?.body ?? '');
    expect(rows).toHaveLength(3);
    expect(rows.filter((l) => l.includes('⛔ cancelled'))).toHaveLength(2);
    // The long run on GitHub was cancelled; Gitea has no API to cancel a run, and the row says so.
    await until('the GitHub run cancelled', async () => {
      const mine = (await runs(gh)).filter((x) => x.inputs?.pr_head_sha === sha && x.repo === 'target');
      return mine.length === 1 && mine[0]?.conclusion === 'cancelled';
    });
    expect(rows[0]).toContain('Cancelled: another target failed (fail-fast).');
    expect(rows[2]).toMatch(
      /No longer waited for: another target failed \(fail-fast\); run \d+ could not be cancelled and goes on\./,
    );
    expect((await runs(gitea)).filter((x) => x.inputs?.pr_head_sha === sha)).toHaveLength(1);
    // A status per target: the failure, and the two stopped ones.
    const own = (await finals(sha, 'acme/other')).filter((s) => s.context.startsWith('xrd/acme/'));
    expect(own.find((s) => s.context === 'xrd/acme/lib/build-from-pr')?.state).toBe('failure');
    expect(
      own
        .filter((s) => s.description === 'Cancelled: another target failed (fail-fast)')
        .map((s) => s.context)
        .sort(),
    ).toEqual(['xrd/acme/target/build-from-pr#0', 'xrd/acme/target/build-from-pr#2']);
  });
});
