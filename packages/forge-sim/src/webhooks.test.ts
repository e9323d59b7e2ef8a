// biome-ignore-all lint/suspicious/noExplicitAny: test answers are untyped JSON.
import { createHmac } from 'node:crypto';
import { verify } from '@octokit/webhooks-methods';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sim, startSim } from './sim.js';
import { call, waitFor } from './test-support/http.js';
import { addHook, closeReceiver, startReceiver } from './test-support/receiver.js';
import {
  forgejoDefinitionValidator,
  forgejoUndeclaredKeys,
  giteaDefinitionValidator,
  webhookValidator,
} from './test-support/schemas.js';
import type { Dialect } from './types.js';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await closeReceiver();
});

const hook = (s: Sim, repo: string, url: string, events: string[]) =>
  addHook(s.url, repo, url, events, SECRET);

const SECRET = "It's a Secret to Everybody";

async function runOnce(s: Sim, file: string, extra: Record<string, unknown> = {}) {
  const r = await call(s.apiUrl, 'POST', `/repos/acme/target/actions/workflows/${file}/dispatches`, {
    ref: 'main',
    inputs: { correlation_id: 'xrd-hook' },
    ...extra,
  });
  expect(r.status).toBeLessThan(300);
  await waitFor(async () => {
    const runs = (await call(s.url, 'GET', '/_sim/runs')).body as { status: string }[];
    return runs.length > 0 && runs.every((x) => x.status === 'completed') ? true : undefined;
  });
  await call(s.url, 'POST', '/_sim/deliveries/flush');
}

describe('GitHub webhooks', () => {
  it('sends workflow_run, workflow_job and pull_request deliveries with valid signatures and schema-valid payloads', async () => {
    const { url, got } = await startReceiver();
    sim = await startSim({ dialect: 'github', timeScale: 50 });
    for (const repo of ['target', 'source']) {
      const h = await call(sim.url, 'POST', '/_sim/hooks', {
        owner: 'acme',
        repo,
        url,
        secret: SECRET,
        events: ['workflow_run', 'workflow_job', 'pull_request'],
      });
      expect(h.status).toBe(201);
    }
    await runOnce(sim, 'fail.yml');
    await call(sim.url, 'POST', '/_sim/repos/acme/source/pulls', { head: { ref: 'feature/z' }, title: 'Z' });
    await call(sim.url, 'POST', '/_sim/repos/acme/source/pulls/2/push', { sha: 'd'.repeat(40) });
    await call(sim.url, 'POST', '/_sim/repos/acme/source/pulls/2/reopen');
    await call(sim.url, 'POST', '/_sim/deliveries/flush');

    const kinds = got.map((g) => `${g.headers['x-github-event']}.${g.body.action}`);
    for (const k of [
      'workflow_run.requested',
      'workflow_run.in_progress',
      'workflow_run.completed',
      'workflow_job.queued',
      'workflow_job.in_progress',
      'workflow_job.completed',
      'pull_request.opened',
      'pull_request.synchronize',
      'pull_request.reopened',
    ]) {
      expect(kinds).toContain(k);
    }
    // requested comes before completed for the run
    expect(kinds.indexOf('workflow_run.requested')).toBeLessThan(kinds.indexOf('workflow_run.completed'));
    for (const g of got) {
      expect(await verify(SECRET, g.raw, String(g.headers['x-hub-signature-256']))).toBe(true);
      expect(g.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
      expect(g.headers['x-gitea-event']).toBeUndefined();
      const schema = `webhook-${String(g.headers['x-github-event']).replaceAll('_', '-')}-${g.body.action.replaceAll('_', '-')}`;
      const v = webhookValidator(schema);
      if (!v(g.body)) throw new Error(`${schema}: ${JSON.stringify(v.errors?.slice(0, 5))}`);
    }
    const completed = got.find(
      (g) => g.body.action === 'completed' && g.headers['x-github-event'] === 'workflow_run',
    )!;
    expect(completed.body.workflow_run).toMatchObject({
      conclusion: 'failure',
      display_title: 'Fail xrd-hook',
    });
    expect(completed.body.workflow_run.html_url).toBe(
      `${sim.url}/acme/target/actions/runs/${completed.body.workflow_run.id}`,
    );
    // a tampered body does not verify
    expect(await verify(SECRET, `${completed.raw} `, String(completed.headers['x-hub-signature-256']))).toBe(
      false,
    );
  });

  it('records deliveries, redelivers one with the same id, and drops the next matching ones', async () => {
    const { url, got } = await startReceiver(202);
    sim = await startSim({ dialect: 'github', timeScale: 50 });
    await addHook(sim.url, 'target', url, ['workflow_run']);
    await call(sim.url, 'POST', '/_sim/deliveries/drop', { count: 1, event: 'workflow_run' });
    await runOnce(sim, 'build.yml');
    const list = (await call(sim.url, 'GET', '/_sim/deliveries')).body as {
      id: string;
      action: string;
      status: unknown;
    }[];
    expect(list.map((d) => [d.action, d.status])).toEqual([
      ['requested', 'dropped'],
      ['in_progress', 202],
      ['completed', 202],
    ]);
    expect(got.map((g) => g.body.action)).toEqual(['in_progress', 'completed']);
    const dropped = list[0]!;
    const again = await call(sim.url, 'POST', `/_sim/deliveries/${dropped.id}/redeliver`);
    expect(again.body).toEqual({ id: dropped.id, status: 202 });
    expect(got.at(-1)!.headers['x-github-delivery']).toBe(dropped.id);
    expect(got.at(-1)!.body.action).toBe('requested');
  });
});

describe.each(['gitea-1.24', 'gitea-1.25', 'gitea-1.26'] as Dialect[])(
  'Gitea-family webhooks (%s)',
  (dialect) => {
    it('signs with X-Hub-Signature-256 and bare-hex X-Gitea-Signature, with Gitea payload shapes', async () => {
      const { url, got } = await startReceiver();
      sim = await startSim({ dialect, timeScale: 50 });
      await hook(sim, 'target', url, ['workflow_run', 'workflow_job']);
      await hook(sim, 'source', url, ['pull_request']);
      await runOnce(sim, 'build.yml');
      await call(sim.url, 'POST', '/_sim/repos/acme/source/pulls/1/push', { sha: 'e'.repeat(40) });
      await call(sim.url, 'POST', '/_sim/deliveries/flush');
      const events = got.map((g) => `${g.headers['x-gitea-event']}.${g.body.action}`);
      if (dialect === 'gitea-1.24') expect(events.some((e) => e.startsWith('workflow_run'))).toBe(false);
      else
        expect(events).toEqual(expect.arrayContaining(['workflow_run.requested', 'workflow_run.completed']));
      expect(events).toEqual(
        expect.arrayContaining([
          'workflow_job.queued',
          'workflow_job.completed',
          'pull_request.synchronized',
        ]),
      );
      const sync = got.find((g) => g.body.action === 'synchronized')!;
      expect(sync.headers['x-gitea-event-type']).toBe('pull_request_sync');
      const runV = giteaDefinitionValidator('ActionWorkflowRun');
      const jobV = giteaDefinitionValidator('ActionWorkflowJob');
      const prV = giteaDefinitionValidator('PullRequest');
      const repoV = giteaDefinitionValidator('Repository');
      const userV = giteaDefinitionValidator('User');
      for (const g of got) {
        const hex = createHmac('sha256', SECRET).update(g.raw).digest('hex');
        expect(g.headers['x-gitea-signature']).toBe(hex);
        expect(await verify(SECRET, g.raw, String(g.headers['x-hub-signature-256']))).toBe(true);
        expect(g.headers['x-gitea-delivery']).toBe(g.headers['x-github-delivery']);
        for (const [v, value] of [
          [repoV, g.body.repository],
          [userV, g.body.sender],
          ...(g.body.workflow_run ? [[runV, g.body.workflow_run]] : []),
          ...(g.body.workflow_job ? [[jobV, g.body.workflow_job]] : []),
          ...(g.body.pull_request ? [[prV, g.body.pull_request]] : []),
        ] as const) {
          if (!v(value))
            throw new Error(`${g.headers['x-gitea-event']}: ${JSON.stringify(v.errors?.slice(0, 3))}`);
        }
      }
    });
  },
);

describe('Forgejo webhooks', () => {
  it('sends action_run_failure / _success / _recover when runs are done, and no workflow_run or workflow_job', async () => {
    const { url, got } = await startReceiver();
    sim = await startSim({ dialect: 'forgejo', timeScale: 50 });
    await hook(sim, 'target', url, [
      'workflow_run',
      'workflow_job',
      'action_run_success',
      'action_run_failure',
      'action_run_recover',
    ]);
    await hook(sim, 'source', url, ['pull_request']);
    await call(sim.url, 'POST', '/_sim/repos/acme/target/workflows/build.yml/script', {
      runs: [{ conclusion: 'failure' }, { conclusion: 'success' }],
    });
    await runOnce(sim, 'build.yml');
    await runOnce(sim, 'build.yml');
    await call(sim.url, 'POST', '/_sim/repos/acme/source/pulls/1/push', { sha: 'e'.repeat(40) });
    await call(sim.url, 'POST', '/_sim/deliveries/flush');
    expect(got.map((g) => `${g.headers['x-forgejo-event']}.${g.body.action}`)).toEqual([
      'action_run_failure.failure',
      'action_run_success.success',
      'action_run_recover.recover',
      'pull_request.synchronized',
    ]);
    const runV = forgejoDefinitionValidator('ActionRun');
    for (const g of got.slice(0, 3)) {
      expect(g.headers['x-gitea-event']).toBe(g.headers['x-forgejo-event']);
      expect(g.headers['x-forgejo-signature']).toBe(createHmac('sha256', SECRET).update(g.raw).digest('hex'));
      // ActionPayload {action, run, prior_status, last_run?}: no repository, no sender.
      expect(Object.keys(g.body).sort()).toEqual(
        g.body.last_run ? ['action', 'last_run', 'prior_status', 'run'] : ['action', 'prior_status', 'run'],
      );
      expect(g.body.prior_status).toBe('running');
      for (const run of [g.body.run, g.body.last_run].filter(Boolean) as Record<string, unknown>[]) {
        if (!runV(run)) throw new Error(JSON.stringify(runV.errors?.slice(0, 3)));
        expect(forgejoUndeclaredKeys('ActionRun', run)).toEqual([]);
      }
    }
    expect(got[0]!.body.run.status).toBe('failure');
    expect(got[0]!.body.last_run).toBeUndefined();
    expect(got[1]!.body.last_run.id).toBe(got[0]!.body.run.id);
  });
});
