// biome-ignore-all lint/suspicious/noExplicitAny: test answers are untyped JSON.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these are GitHub Actions expressions, not JS templates.
// What clients of GitHub rely on when they look for their run: its `name` and `display_title`, in the
// REST answers and the workflow_run webhook; and when a new run shows in the lists.
import { afterEach, describe, expect, it } from 'vitest';
import { type Sim, startSim } from './sim.js';
import { call, waitFor } from './test-support/http.js';
import { addHook, closeReceiver, startReceiver } from './test-support/receiver.js';
import type { WorkflowSpec } from './types.js';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await closeReceiver();
});

const T = '/repos/acme/target';

const conditional: WorkflowSpec = {
  file: 'deploy.yml',
  name: 'Deploy',
  on: { workflow_dispatch: { inputs: { id: { required: false } } } },
  // lasith-kg/dispatch-workflow's convention, with the expression of issue 17.
  runName: "Deploy ${{ inputs.id && inputs.id || 'N/A' }}",
  jobs: [{ name: 'deploy', steps: ['Deploy'], durationMs: 1000 }],
};
const unnamed: WorkflowSpec = {
  file: 'plain.yml',
  on: { workflow_dispatch: {}, repository_dispatch: {} },
  jobs: [{ name: 'build', steps: ['Build'], durationMs: 1000 }],
};

async function seeded(listingDelayMs = 0): Promise<Sim> {
  const s = await startSim({ dialect: 'github', timeScale: 100, listingDelayMs });
  for (const wf of [conditional, unnamed])
    expect((await call(s.url, 'POST', '/_sim/repos/acme/target/workflows', wf)).status).toBe(201);
  return s;
}

async function dispatch(s: Sim, file: string, inputs: Record<string, string> = {}): Promise<number> {
  const d = await call(s.apiUrl, 'POST', `${T}/actions/workflows/${file}/dispatches`, {
    ref: 'main',
    inputs,
    return_run_details: true,
  });
  expect(d.status).toBe(200);
  return d.body.workflow_run_id;
}

describe('a run’s name and display_title (GitHub)', () => {
  it('with run-name: both are the rendered run-name, in the run, the lists and the workflow_run webhook', async () => {
    const { url, got } = await startReceiver(204);
    sim = await seeded();
    await addHook(sim.url, 'target', url, ['workflow_run']);
    const id = await dispatch(sim, 'deploy.yml', { id: 'xrd-7' });
    const other = await dispatch(sim, 'deploy.yml');
    const run = (await call(sim.apiUrl, 'GET', `${T}/actions/runs/${id}`)).body;
    expect([run.name, run.display_title]).toEqual(['Deploy xrd-7', 'Deploy xrd-7']);
    expect((await call(sim.apiUrl, 'GET', `${T}/actions/runs/${other}`)).body.name).toBe('Deploy N/A');
    for (const path of [`${T}/actions/runs`, `${T}/actions/workflows/deploy.yml/runs`]) {
      const listed = (await call(sim.apiUrl, 'GET', path)).body.workflow_runs.find((r: any) => r.id === id);
      expect([listed.name, listed.display_title], path).toEqual(['Deploy xrd-7', 'Deploy xrd-7']);
    }
    // A client that finds its run with `name.includes(id)` (lasith-kg/dispatch-workflow) finds it.
    const all = (await call(sim.apiUrl, 'GET', `${T}/actions/runs`)).body.workflow_runs;
    expect(all.filter((r: any) => r.name.includes('xrd-7')).map((r: any) => r.id)).toEqual([id]);
    await call(sim.url, 'POST', '/_sim/deliveries/flush');
    const hook = got.map((g) => g.body).find((p) => p.workflow_run.id === id);
    expect([hook.workflow_run.name, hook.workflow_run.display_title]).toEqual([
      'Deploy xrd-7',
      'Deploy xrd-7',
    ]);
    // The workflow itself keeps its own name.
    expect(hook.workflow.name).toBe('Deploy');
  });

  it('without run-name: name is the workflow name (its path when unnamed); display_title follows the event', async () => {
    sim = await seeded();
    // workflow_dispatch: the workflow's name (here the path: the file has no `name:`).
    const id = await dispatch(sim, 'plain.yml');
    const run = (await call(sim.apiUrl, 'GET', `${T}/actions/runs/${id}`)).body;
    expect([run.name, run.display_title]).toEqual([
      '.github/workflows/plain.yml',
      '.github/workflows/plain.yml',
    ]);
    await call(sim.url, 'POST', '/_sim/repos/acme/target/workflows', {
      ...unnamed,
      file: 'named.yml',
      name: 'Named',
    });
    const named = await dispatch(sim, 'named.yml');
    expect((await call(sim.apiUrl, 'GET', `${T}/actions/runs/${named}`)).body).toMatchObject({
      name: 'Named',
      display_title: 'Named',
    });
    // repository_dispatch: the head commit's message.
    await call(sim.apiUrl, 'POST', `${T}/dispatches`, { event_type: 'other' });
    const runs = (await call(sim.apiUrl, 'GET', `${T}/actions/runs?event=repository_dispatch`)).body
      .workflow_runs;
    const viaRepoDispatch = runs.find((r: any) => r.path === '.github/workflows/plain.yml');
    expect(viaRepoDispatch.name).toBe('.github/workflows/plain.yml');
    expect(viaRepoDispatch.display_title).toBe(viaRepoDispatch.head_commit.message);
  });

  it('a run-name that renders blank counts as none', async () => {
    sim = await seeded();
    await call(sim.url, 'POST', '/_sim/repos/acme/target/workflows', {
      ...conditional,
      file: 'blank.yml',
      runName: '${{ inputs.id }}  ',
    });
    const id = await dispatch(sim, 'blank.yml');
    expect((await call(sim.apiUrl, 'GET', `${T}/actions/runs/${id}`)).body).toMatchObject({
      name: 'Deploy',
      display_title: 'Deploy',
    });
  });
});

describe('the listing delay', () => {
  it('GitHub lists a new run only after the delay; GET by the returned id finds it at once', async () => {
    // 3 s of forge time at timeScale 100 = 30 ms; 20 s = 200 ms, long enough to look before it ends.
    sim = await seeded(20_000);
    const id = await dispatch(sim, 'deploy.yml', { id: 'xrd-8' });
    expect((await call(sim.apiUrl, 'GET', `${T}/actions/runs/${id}`)).status).toBe(200);
    const early = (await call(sim.apiUrl, 'GET', `${T}/actions/runs`)).body;
    expect(early).toEqual({ total_count: 0, workflow_runs: [] });
    expect((await call(sim.apiUrl, 'GET', `${T}/actions/workflows/deploy.yml/runs`)).body.total_count).toBe(
      0,
    );
    const listed = await waitFor(async () => {
      const b = (await call(sim!.apiUrl, 'GET', `${T}/actions/runs`)).body;
      return b.total_count > 0 ? b : undefined;
    });
    expect(listed.workflow_runs[0].id).toBe(id);
  });

  it('is on by default on GitHub dialects and off on Gitea and Forgejo', async () => {
    sim = await startSim({ dialect: 'github', timeScale: 1 });
    await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, { ref: 'main' });
    expect((await call(sim.apiUrl, 'GET', `${T}/actions/runs`)).body.total_count).toBe(0);
    await sim.close();
    sim = await startSim({ dialect: 'forgejo', timeScale: 1 });
    await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, { ref: 'main' });
    expect((await call(sim.apiUrl, 'GET', `${T}/actions/runs`)).body.total_count).toBe(1);
  });
});

describe("the forge's clock (clockOffsetMs)", () => {
  it.each(['github', 'gitea-1.26'] as const)(
    '%s: every answer’s Date and every run’s created_at are on it, ten minutes behind this machine',
    async (dialect) => {
      sim = await startSim({ dialect, timeScale: 100, clockOffsetMs: -600_000 });
      const api = sim.apiUrl.slice(sim.url.length);
      const before = Date.now();
      const sent = await call(sim.url, 'POST', `${api}${T}/actions/workflows/build.yml/dispatches`, {
        ref: 'main',
        inputs: { correlation_id: 'xrd-clock' },
      });
      expect(sent.status).toBeLessThan(300);
      const date = Date.parse(sent.headers.get('date') ?? '');
      // RFC 9110 §6.6.1: whole seconds.
      expect(date).toBeGreaterThanOrEqual(Math.floor((before - 600_000) / 1000) * 1000);
      expect(date).toBeLessThanOrEqual(Date.now() - 600_000);
      const runs = (await call(sim.url, 'GET', '/_sim/runs')).body as Array<{ createdAt: number | string }>;
      const created = new Date(runs[0]?.createdAt ?? Number.NaN).getTime();
      expect(created).toBeGreaterThanOrEqual(before - 600_000);
      expect(created).toBeLessThanOrEqual(Date.now() - 600_000);
    },
  );
});
