// Pull requests bridged through the running service, on forge-sim, on both forges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  comments,
  deliveries,
  finalOf,
  json,
  newSha,
  openPull,
  post,
  type RouteSpec,
  registerHooks,
  runs,
  SECRET,
  type ServiceProcess,
  type Setup,
  type SimForge,
  startForge,
  startService,
  statuses,
  until,
  writeConfig,
} from './harness.js';

async function metric(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

const TIME_SCALE = 20; // a 3 s sample run lasts 150 ms

interface World {
  forge: SimForge;
  service: ServiceProcess;
  setup: Setup;
}

async function world(dialect: Parameters<typeof startForge>[1], name: string): Promise<World> {
  const forge = await startForge(name, dialect, TIME_SCALE);
  const routes: RouteSpec[] = [
    { name: 'build', source: forge, target: forge, workflow: 'build-from-pr.yml' },
  ];
  const setup = writeConfig([forge], routes);
  const service = await startService(setup.configFile);
  await registerHooks(service.url, routes);
  return { forge, service, setup };
}

async function stop(w: World | undefined) {
  if (!w) return;
  const problems = w.service.logs.filter((l) => l.level === 'warn' || l.level === 'error');
  if (problems.length > 0) console.log(JSON.stringify(problems.slice(0, 10), null, 1));
  w.service.child.kill('SIGTERM');
  expect(await w.service.exited).toBe(0);
  await w.forge.sim.close();
  w.setup.cleanup();
}

async function bridged(w: World, sha: string, pr: number) {
  await until(
    `final status on ${sha.slice(0, 7)}`,
    async () => finalOf(await statuses(w.forge, sha)).length > 0,
  );
  // The comment follows the status.
  await until(`comment on #${pr}`, async () => (await comments(w.forge, pr)).length > 0, 5_000).catch(
    () => undefined,
  );
  // Let anything extra (a duplicate) surface before counting.
  await new Promise((r) => setTimeout(r, 150));
  const all = await statuses(w.forge, sha);
  const mine = (await runs(w.forge)).filter((r) => r.inputs?.pr_head_sha === sha);
  return { final: finalOf(all), all, runs: mine, comments: await comments(w.forge, pr) };
}

describe.each([
  ['github', 'github'],
  ['gitea-1.26', 'gitea'],
] as const)('bridging on %s', (dialect, name) => {
  let w: World | undefined;
  beforeAll(async () => {
    w = await world(dialect, name);
  });
  afterAll(() => stop(w));

  it('success: one dispatch, pending then success with the run link, one comment', async () => {
    const sha = newSha();
    const pr = await openPull(w!.forge, sha);
    const r = await bridged(w!, sha, pr);
    expect(r.runs).toHaveLength(1);
    expect(r.runs[0]?.inputs).toMatchObject({
      pr_number: String(pr),
      pr_head_ref: `feature/${sha.slice(0, 8)}`,
      source_repo: 'acme/source',
    });
    expect(r.final.map((s) => s.state)).toEqual(['success']);
    const pending = r.all.find((s) => s.state === 'pending');
    expect(pending?.targetUrl).toMatch(/\/acme\/target\/actions\/runs\/\d+$/);
    expect(r.comments).toHaveLength(1);
    expect(r.comments[0]?.body).toContain('success');
  });

  it('failure: the final status fails and the comment names the failed job', async () => {
    await post(`${w!.forge.sim.url}/_sim/repos/acme/target/workflows/build-from-pr.yml/script`, {
      runs: [{ conclusion: 'failure' }],
    });
    const sha = newSha();
    const pr = await openPull(w!.forge, sha);
    const r = await bridged(w!, sha, pr);
    expect(r.runs).toHaveLength(1);
    expect(r.final.map((s) => s.state)).toEqual(['failure']);
    expect(r.comments).toHaveLength(1);
    expect(r.comments[0]?.body).toMatch(/failure/);
  });

  it('supersede: a newer push replaces the older status; one comment, for the newer run', async () => {
    await post(`${w!.forge.sim.url}/_sim/repos/acme/target/workflows/build-from-pr.yml/script`, {
      // The first run must still be running when the push is handled: 200 s at ×20 is 10 s here, so a
      // loaded machine cannot let it finish first (20 s, 1 s here, did once: nothing to supersede).
      runs: [{ durationMs: 200_000 }, { durationMs: 2_000 }],
    });
    const sha1 = newSha();
    const pr = await openPull(w!.forge, sha1);
    await until('first pending', async () =>
      (await statuses(w!.forge, sha1)).some((s) => s.state === 'pending'),
    );
    const sha2 = newSha();
    await post(`${w!.forge.sim.url}/_sim/repos/acme/source/pulls/${pr}/push`, { sha: sha2 });
    const r2 = await bridged(w!, sha2, pr);
    expect(r2.final.map((s) => s.state)).toEqual(['success']);
    await until('older status replaced', async () => finalOf(await statuses(w!.forge, sha1)).length > 0);
    const old = finalOf(await statuses(w!.forge, sha1));
    expect(old.map((s) => s.description)).toEqual(['Superseded by a newer push']);
    expect(old[0]?.state).toBe(name === 'github' ? 'error' : 'skipped');
    expect(r2.comments).toHaveLength(1);
    expect(r2.comments[0]?.body).toContain('success');
  });

  it("a PR's next runs edit its comment by the id the store kept (no list of the PR's comments); once deleted, it is posted again, once", async () => {
    const sim = w!.forge.sim;
    const routeCount = (method: string, pattern: RegExp) =>
      Object.entries(sim.stats().byRoute)
        .filter(([route]) => route.startsWith(`${method} `) && pattern.test(route))
        .reduce((sum, [, counts]) => sum + counts.total, 0);
    const lists = () => routeCount('GET', /\/issues\/\{[a-z_]+\}\/comments$/);
    const edits = () => routeCount('PATCH', /\/issues\/comments\/\{[a-z_]+\}$/);
    const sha1 = newSha();
    const pr = await openPull(w!.forge, sha1);
    const first = await bridged(w!, sha1, pr);
    expect(first.comments).toHaveLength(1);
    const [listsBefore, editsBefore] = [lists(), edits()];

    // The next push: its run's comment edits the one posted, by its id.
    const sha2 = newSha();
    await post(`${sim.url}/_sim/repos/acme/source/pulls/${pr}/push`, { sha: sha2 });
    expect((await bridged(w!, sha2, pr)).final.map((s) => s.state)).toEqual(['success']);
    await until('the comment edited', async () => edits() > editsBefore, 5_000);
    const second = await comments(w!.forge, pr);
    expect(second.map((c) => c.id)).toEqual([first.comments[0]?.id]);
    expect(lists()).toBe(listsBefore);

    // Someone deletes it: the edit answers 404, the marker is looked for and a new comment posted.
    await json(`${sim.url}/_sim/repos/acme/source/issues/comments/${first.comments[0]?.id}`, {
      method: 'DELETE',
    });
    const sha3 = newSha();
    await post(`${sim.url}/_sim/repos/acme/source/pulls/${pr}/push`, { sha: sha3 });
    const third = await bridged(w!, sha3, pr);
    expect(third.final.map((s) => s.state)).toEqual(['success']);
    expect(third.comments).toHaveLength(1);
    expect(third.comments[0]?.id).not.toBe(first.comments[0]?.id);
    expect(lists()).toBe(listsBefore + 1);
  });

  it('a missed workflow_run delivery is caught by the reconciler', async () => {
    // requested, in_progress, completed: all three of the next run's deliveries are lost.
    await post(`${w!.forge.sim.url}/_sim/deliveries/drop`, { count: 3, event: 'workflow_run' });
    const before = await metric(w!.service.url, 'xrd_webhook_reconcile_checks_total{result="completed"}');
    const sha = newSha();
    const pr = await openPull(w!.forge, sha);
    const r = await bridged(w!, sha, pr);
    expect(r.final.map((s) => s.state)).toEqual(['success']);
    expect(r.runs).toHaveLength(1);
    const dropped = (await deliveries(w!.forge)).filter((d) => d.status === 'dropped');
    expect(dropped.map((d) => d.action)).toContain('completed');
    expect(await metric(w!.service.url, 'xrd_webhook_reconcile_checks_total{result="completed"}')).toBe(
      before + 1,
    );
  });

  it('a redelivered pull_request event has one effect', async () => {
    const sha = newSha();
    const pr = await openPull(w!.forge, sha);
    const d = await until('delivery', async () =>
      (await deliveries(w!.forge)).find(
        (x) => x.event === 'pull_request' && x.status === 202 && x.action === 'opened',
      ),
    );
    await post(`${w!.forge.sim.url}/_sim/deliveries/${d?.id}/redeliver`, {});
    await post(`${w!.forge.sim.url}/_sim/deliveries/${d?.id}/redeliver`, {});
    const r = await bridged(w!, sha, pr);
    expect(r.runs).toHaveLength(1);
    expect(r.final).toHaveLength(1);
    expect(r.comments).toHaveLength(1);
  });
});

describe('Gitea 1.24 (no workflow_run hooks, no run API)', () => {
  let w: World | undefined;
  beforeAll(async () => {
    w = await world('gitea-1.24', 'gitea');
  });
  afterAll(() => stop(w));

  it('learns completion from the reconciler alone', async () => {
    const sha = newSha();
    const pr = await openPull(w!.forge, sha);
    const r = await bridged(w!, sha, pr);
    expect(r.runs).toHaveLength(1);
    expect(r.final.map((s) => s.state)).toEqual(['success']);
    expect(r.comments).toHaveLength(1);
    expect((await deliveries(w!.forge)).filter((d) => d.event === 'workflow_run')).toEqual([]);
  });
});

describe('a target forge whose clock is 10 minutes behind the service', () => {
  let w: World | undefined;
  beforeAll(async () => {
    // Gitea 1.25 answers a dispatch without the run: the service looks for it by its correlation id.
    const forge = await startForge('gitea', 'gitea-1.25', TIME_SCALE, { clockOffsetMs: -600_000 });
    const routes: RouteSpec[] = [
      { name: 'build', source: forge, target: forge, workflow: 'build-from-pr.yml' },
    ];
    const setup = writeConfig([forge], routes);
    const service = await startService(setup.configFile);
    await registerHooks(service.url, routes);
    w = { forge, service, setup };
  });
  afterAll(() => stop(w));

  it("finds the run on the forge's clock (the dispatch answer's Date), with no workflow_run hook to name it", async () => {
    // requested, in_progress, completed: none reaches the service, so only its search can find the run.
    await post(`${w!.forge.sim.url}/_sim/deliveries/drop`, { count: 3, event: 'workflow_run' });
    const sha = newSha();
    const pr = await openPull(w!.forge, sha);
    const r = await bridged(w!, sha, pr);
    expect(r.final.map((s) => s.state)).toEqual(['success']);
    expect(r.runs).toHaveLength(1);
    expect(r.comments).toHaveLength(1);
  });
});

/** A Forgejo sim bridged to itself, its source and target hooks registered, with these reconcile settings. */
async function forgejoWorld(reconcile: Record<string, string>): Promise<World> {
  const forge = await startForge('forgejo', 'forgejo', TIME_SCALE);
  const routes: RouteSpec[] = [
    { name: 'build', source: forge, target: forge, workflow: 'build-from-pr.yml' },
  ];
  const setup = writeConfig([forge], routes, { reconcile: { 'correlation-timeout': '10s', ...reconcile } });
  const service = await startService(setup.configFile);
  const url = `${service.url}/hooks/forgejo`;
  await post(`${forge.sim.url}/_sim/hooks`, {
    owner: 'acme',
    repo: 'source',
    url,
    secret: SECRET,
    events: ['pull_request'],
  });
  await post(`${forge.sim.url}/_sim/hooks`, {
    owner: 'acme',
    repo: 'target',
    url,
    secret: SECRET,
    events: ['action_run_success', 'action_run_failure', 'action_run_recover'],
  });
  return { forge, service, setup };
}

describe('Forgejo (action_run_* hooks instead of workflow_run)', () => {
  let w: World | undefined;
  beforeAll(async () => {
    // The reconciler looks only once an hour here: the completion must come from the hooks.
    w = await forgejoWorld({ interval: '1h', 'safety-interval': '1h' });
  });
  afterAll(() => stop(w));

  it('a success and then a failure, each learned from its action_run delivery', async () => {
    for (const conclusion of ['success', 'failure'] as const) {
      await post(`${w!.forge.sim.url}/_sim/repos/acme/target/workflows/build-from-pr.yml/script`, {
        runs: [{ conclusion }],
      });
      const sha = newSha();
      const pr = await openPull(w!.forge, sha);
      const r = await bridged(w!, sha, pr);
      expect(r.runs).toHaveLength(1);
      expect(r.final.map((s) => s.state)).toEqual([conclusion]);
      expect(r.comments).toHaveLength(1);
    }
    const runHooks = (await deliveries(w!.forge)).filter((d) => d.event.startsWith('action_run_'));
    expect(runHooks.map((d) => `${d.event} ${d.status}`)).toEqual([
      'action_run_success 202',
      'action_run_failure 202',
    ]);
    expect(await metric(w!.service.url, 'xrd_webhook_reconcile_checks_total{result="completed"}')).toBe(0);
    // Labelled by their own names (a closed set), not `other`.
    const metrics = await (await fetch(`${w!.service.url}/metrics`)).text();
    expect(metrics).toMatch(/xrd_webhook_deliveries_total\{[^}]*event="action_run_success"[^}]*\} 1\b/);
    expect(metrics).toMatch(/xrd_webhook_deliveries_total\{[^}]*event="action_run_failure"[^}]*\} 1\b/);
  });

  it('a recover delivery (success after a failure) is acknowledged and changes nothing', async () => {
    const sha = newSha();
    const pr = await openPull(w!.forge, sha);
    const r = await bridged(w!, sha, pr);
    expect(r.final.map((s) => s.state)).toEqual(['success']);
    expect(r.comments).toHaveLength(1);
    const recover = (await deliveries(w!.forge)).filter((d) => d.event === 'action_run_recover');
    expect(recover.map((d) => d.status)).toEqual([202]);
  });
});

describe('Forgejo ≥ 13 as a target: its action_run hooks stand in for polling', () => {
  let w: World | undefined;
  beforeAll(async () => {
    // A run check every 100 ms where no hook tells the end; the safety net only after an hour.
    w = await forgejoWorld({ interval: '100ms', 'safety-interval': '1h' });
  });
  afterAll(() => stop(w));

  it('a 60-s run (3 s here) is read once, at its end, not every reconcile.interval', async () => {
    await post(`${w!.forge.sim.url}/_sim/repos/acme/target/workflows/build-from-pr.yml/script`, {
      runs: [{ durationMs: 60_000 }],
    });
    const runReads = () =>
      w!.forge.sim.stats().byRoute['GET /repos/{owner}/{repo}/actions/runs/{run}']?.total ?? 0;
    // Every request but the reports on the source (statuses, comments) and what the service reads
    // once per forge and workflow (the version, the workflow file: 1 + 2 here).
    const following = () =>
      Object.entries(w!.forge.sim.stats().byRoute)
        .filter(([route]) => !/\/statuses\/|\/comments|\/version$|\/contents\//.test(route))
        .reduce((sum, [, counts]) => sum + counts.total, 0);
    const before = runReads();
    const followingBefore = following();
    const sha = newSha();
    const pr = await openPull(w!.forge, sha);
    const r = await bridged(w!, sha, pr);
    expect(r.final.map((s) => s.state)).toEqual(['success']);
    // Forge-sim's Forgejo is 16: the worker waits for the hook (at most the safety interval), then
    // reads the finished run once. Polling every 100 ms would have read it about 30 times.
    expect(runReads() - before).toBe(1);
    // The dispatch, that read, the jobs and each job's steps, the artifacts: 5 however long it ran.
    expect(following() - followingBefore).toBeLessThanOrEqual(5);
    expect(await metric(w!.service.url, 'xrd_webhook_reconcile_checks_total{result="pending"}')).toBe(0);
  });
});
