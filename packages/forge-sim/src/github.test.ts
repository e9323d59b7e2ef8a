// biome-ignore-all lint/suspicious/noExplicitAny: test answers are untyped JSON.
import { afterEach, describe, expect, it } from 'vitest';
import { type Sim, startSim } from './sim.js';
import { call, waitFor } from './test-support/http.js';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const T = '/repos/acme/target';

describe('github dialect: dispatch and run lifecycle', () => {
  it('returns run details when asked, and the run goes queued → in_progress → completed', async () => {
    sim = await startSim({ dialect: 'github', timeScale: 20 });
    // A start latency long enough (1 s scaled) that a loaded machine still sees the run queued.
    const scripted = await call(sim.url, 'POST', '/_sim/repos/acme/target/workflows/build.yml/script', {
      runs: [{ startDelayMs: 20_000 }],
    });
    expect(scripted.status).toBeLessThan(300);
    const d = await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, {
      ref: 'main',
      inputs: { correlation_id: 'xrd-0001' },
      return_run_details: true,
    });
    expect(d.status).toBe(200);
    const id = d.body.workflow_run_id;
    expect(d.body.html_url).toBe(`${sim.url}/acme/target/actions/runs/${id}`);
    expect(d.body.run_url).toBe(`${sim.apiUrl}${T}/actions/runs/${id}`);

    const first = await call(sim.apiUrl, 'GET', `${T}/actions/runs/${id}`);
    expect(first.body).toMatchObject({ status: 'queued', conclusion: null, display_title: 'Build xrd-0001' });
    // A queued run's jobs exist, queued, with no runner and no steps yet, started_at = created_at
    // (OpenAPI `job`: started_at is required; @octokit/webhooks-examples workflow_job "queued").
    const jobsWhileQueued = await call(sim.apiUrl, 'GET', `${T}/actions/runs/${id}/jobs`);
    expect(jobsWhileQueued.body.total_count).toBe(1);
    const queuedJob = jobsWhileQueued.body.jobs[0];
    expect(queuedJob).toMatchObject({ status: 'queued', conclusion: null, steps: [], runner_name: null });
    expect(queuedJob.started_at).toBe(queuedJob.created_at);

    const seen = new Set<string>();
    const done = await waitFor(async () => {
      const r = await call(sim!.apiUrl, 'GET', `${T}/actions/runs/${id}`);
      seen.add(r.body.status);
      return r.body.status === 'completed' ? r.body : undefined;
    });
    expect(done.conclusion).toBe('success');
    expect(seen.has('in_progress') || seen.has('queued')).toBe(true);
    const jobs = await call(sim.apiUrl, 'GET', `${T}/actions/runs/${id}/jobs`);
    expect(jobs.body.jobs[0].steps.map((s: { name: string }) => s.name)).toEqual([
      'Set up job',
      'Checkout',
      'Build',
      'Upload',
      'Complete job',
    ]);
  });

  it('answers 204 without return_run_details and 200 with API version 2026-03-10', async () => {
    sim = await startSim({ dialect: 'github', timeScale: 100 });
    const plain = await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, {
      ref: 'main',
    });
    expect(plain.status).toBe(204);
    const versioned = await call(
      sim.apiUrl,
      'POST',
      `${T}/actions/workflows/build.yml/dispatches`,
      { ref: 'main' },
      { 'x-github-api-version': '2026-03-10' },
    );
    expect(versioned.status).toBe(200);
    expect(typeof versioned.body.workflow_run_id).toBe('number');
  });

  it('GHES rejects return_run_details with 400 "not a permitted key"', async () => {
    sim = await startSim({ dialect: 'ghes-3.19' });
    expect(sim.apiUrl).toBe(`${sim.url}/api/v3`);
    const r = await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, {
      ref: 'main',
      return_run_details: true,
    });
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('not a permitted key');
  });
});
