// biome-ignore-all lint/suspicious/noExplicitAny: test answers are untyped JSON.
// Fidelity: every answer of every route the adapters use validates against the official description
// vendored in specs/ (GitHub OpenAPI subset, Gitea swagger, Forgejo's description), in each dialect,
// in more than one run state.
import type { ValidateFunction } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sim, startSim } from './sim.js';
import { call, waitFor } from './test-support/http.js';
import {
  FORGEJO_STATUSES,
  forgejoDefinitionValidator,
  forgejoResponseValidator,
  forgejoUndeclaredKeys,
  giteaDefinitionValidator,
  giteaResponseValidator,
  giteaUndeclaredKeys,
  githubContentValidator,
  githubContentValidatorFor,
  githubResponseValidator,
  webhookValidator,
} from './test-support/schemas.js';
import type { Dialect } from './types.js';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function expectValid(v: ValidateFunction, body: unknown, what: string): void {
  const ok = v(body);
  if (!ok) throw new Error(`${what} does not match the spec: ${JSON.stringify(v.errors?.slice(0, 5))}`);
}

/** Calls a route, expects the status, and validates a JSON answer against the forge's spec. */
function checker(
  api: string,
  validator: (method: string, template: string, status: number) => ValidateFunction,
) {
  return async (method: string, concrete: string, template: string, status: number, body?: unknown) => {
    const r = await call(api, method, concrete, body);
    expect(r.status, `${method} ${concrete}: ${r.text}`).toBe(status);
    if (r.body !== undefined && r.body !== '')
      expectValid(validator(method, template, status), r.body, `${method} ${template}`);
    return r;
  };
}

const R = '/repos/{owner}/{repo}';
const T = '/repos/acme/target';
const S = '/repos/acme/source';

/**
 * GHES `GET /meta` (`api-overview` in @octokit/openapi generated/ghes-3.19.json, not vendored): the
 * one required field, and `installed_version` as GHES sends it.
 */
const ghesMetaValidator = githubContentValidatorFor({
  type: 'object',
  required: ['verifiable_password_authentication', 'installed_version'],
  properties: {
    verifiable_password_authentication: { type: 'boolean' },
    installed_version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' },
  },
});

describe('the validators catch a wrong shape (so a green fidelity test means something)', () => {
  it('rejects a workflow run without display_title and a Gitea run with a numeric status', () => {
    const gh = githubResponseValidator('GET', `${R}/actions/runs/{run_id}`, 200);
    expect(gh({ id: 1 })).toBe(false);
    const gitea = giteaDefinitionValidator('ActionWorkflowRun');
    expect(gitea({ id: 1, status: 3 })).toBe(false);
    expect(forgejoDefinitionValidator('DispatchWorkflowRun')({ id: '1', run_number: 2 })).toBe(false);
    expect(forgejoDefinitionValidator('ActionRun')({ id: 1, status: 3 })).toBe(false);
    expect(forgejoUndeclaredKeys('ActionRun', { id: 1, invented: true })).toEqual(['invented']);
  });

  it('rejects a full repository without default_branch', () => {
    const full = webhookValidator('full-repository');
    expect(full({ id: 1, name: 'x' })).toBe(false);
    expect(
      full.errors?.some(
        (e) => e.params && (e.params as { missingProperty?: string }).missingProperty === 'default_branch',
      ),
    ).toBe(true);
  });

  it('rejects a content file without content, a numeric Gitea content, and flags invented keys', () => {
    const file = {
      type: 'file',
      encoding: 'base64',
      size: 2,
      name: 'a.yml',
      path: 'a.yml',
      content: 'eDo=',
      sha: 'a'.repeat(40),
      url: 'http://h/a',
      git_url: null,
      html_url: null,
      download_url: null,
      _links: { git: null, html: null, self: 'http://h/a' },
    };
    expect(githubContentValidator('content-file')(file)).toBe(true);
    const { content: _, ...noContent } = file;
    expect(githubContentValidator('content-file')(noContent)).toBe(false);
    expect(githubContentValidator('content-file')({ ...file, type: 'dir' })).toBe(false);
    expect(giteaDefinitionValidator('ContentsResponse')({ content: 5 })).toBe(false);
    expect(giteaUndeclaredKeys('ContentsResponse', { name: 'a', workflow_file: 'a' })).toEqual([
      'workflow_file',
    ]);
  });
});

describe.each([
  'github',
  'ghes-3.19',
  'ghes-3.20',
  'gitea-1.24',
  'gitea-1.25',
  'gitea-1.26',
  'forgejo',
] as Dialect[])('Repository fidelity (%s)', (dialect) => {
  it('answers GET /repos/{owner}/{repo} with the documented repository and its default branch', async () => {
    sim = await startSim({ dialect, timeScale: 40 });
    const github = dialect === 'github' || dialect.startsWith('ghes');
    const seeded = await call(sim.url, 'POST', '/_sim/repos', {
      owner: 'acme',
      repo: 'legacy',
      defaultBranch: 'master',
    });
    expect(seeded.status).toBe(201);
    // GitHub's `full-repository` is not in the specs subset; @octokit/openapi-webhooks carries it.
    const validator = github ? webhookValidator('full-repository') : giteaResponseValidator('GET', R, 200);
    for (const [path, branch] of [
      ['/repos/acme/legacy', 'master'],
      [T, 'main'],
    ] as const) {
      const r = await call(sim.apiUrl, 'GET', path);
      expect(r.status, r.text).toBe(200);
      expectValid(validator, r.body, `GET ${R} (${path})`);
      expect(r.body).toMatchObject({ full_name: path.slice('/repos/'.length), default_branch: branch });
    }
    if (!github)
      expect(giteaUndeclaredKeys('Repository', (await call(sim.apiUrl, 'GET', T)).body)).toEqual([]);
    expect((await call(sim.apiUrl, 'GET', '/repos/acme/nope')).status).toBe(404);
  });
});

describe.each(['github', 'ghes-3.19', 'ghes-3.20'] as Dialect[])('GitHub fidelity (%s)', (dialect) => {
  it('answers every route with the documented shape', async () => {
    sim = await startSim({ dialect, timeScale: 40 });
    const api = sim.apiUrl;
    const check = checker(api, githubResponseValidator);
    // Each attempt waits 8 s (0.2 s scaled) for a runner: the rerun below is still queued when cancelled.
    await call(sim.url, 'POST', '/_sim/repos/acme/target/workflows/build.yml/script', {
      runs: [{ startDelayMs: 8000 }],
    });

    let runId: number;
    if (dialect === 'github') {
      const d = await check(
        'POST',
        `${T}/actions/workflows/build.yml/dispatches`,
        `${R}/actions/workflows/{workflow_id}/dispatches`,
        200,
        {
          ref: 'main',
          inputs: { correlation_id: 'xrd-fid' },
          return_run_details: true,
        },
      );
      runId = d.body.workflow_run_id;
    } else {
      await check(
        'POST',
        `${T}/actions/workflows/build.yml/dispatches`,
        `${R}/actions/workflows/{workflow_id}/dispatches`,
        204,
        {
          ref: 'main',
          inputs: { correlation_id: 'xrd-fid' },
        },
      );
      // Listed only after GitHub's listing delay; GHES tells its version in /meta and a header.
      const list = await waitFor(async () => {
        const r = await call(api, 'GET', `${T}/actions/runs`);
        return r.body.workflow_runs.length > 0 ? r : undefined;
      });
      runId = list.body.workflow_runs[0].id;
      expect(list.headers.get('x-github-enterprise-version')).toBe(`${dialect.slice('ghes-'.length)}.0`);
      const meta = await call(api, 'GET', '/meta');
      expectValid(ghesMetaValidator, meta.body, 'GET /meta');
      expect(meta.body.installed_version).toBe(`${dialect.slice('ghes-'.length)}.0`);
    }
    // queued: nullable fields are null
    await check('GET', `${T}/actions/runs/${runId}`, `${R}/actions/runs/{run_id}`, 200);
    await check('GET', `${T}/actions/runs`, `${R}/actions/runs`, 200);
    await waitFor(async () => {
      const r = await call(api, 'GET', `${T}/actions/runs/${runId}`);
      return r.body.status !== 'queued' ? true : undefined;
    });
    const jobsMid = await check(
      'GET',
      `${T}/actions/runs/${runId}/jobs`,
      `${R}/actions/runs/{run_id}/jobs`,
      200,
    );
    expect(jobsMid.body.jobs.length).toBeGreaterThan(0);
    await waitFor(async () => {
      const r = await call(api, 'GET', `${T}/actions/runs/${runId}`);
      return r.body.status === 'completed' ? true : undefined;
    });
    await check('GET', `${T}/actions/runs/${runId}`, `${R}/actions/runs/{run_id}`, 200);
    await check(
      'GET',
      `${T}/actions/runs/${runId}/attempts/1`,
      `${R}/actions/runs/{run_id}/attempts/{attempt_number}`,
      200,
    );
    const jobs = await check(
      'GET',
      `${T}/actions/runs/${runId}/jobs`,
      `${R}/actions/runs/{run_id}/jobs`,
      200,
    );
    await check(
      'GET',
      `${T}/actions/runs/${runId}/attempts/1/jobs`,
      `${R}/actions/runs/{run_id}/attempts/{attempt_number}/jobs`,
      200,
    );
    const jobId = jobs.body.jobs[0].id;
    await check('GET', `${T}/actions/jobs/${jobId}`, `${R}/actions/jobs/{job_id}`, 200);
    const logs = await call(api, 'GET', `${T}/actions/jobs/${jobId}/logs`);
    expect(logs.status).toBe(302);
    await check('GET', `${T}/actions/runs/${runId}/artifacts`, `${R}/actions/runs/{run_id}/artifacts`, 200);
    await check('GET', `${T}/actions/workflows`, `${R}/actions/workflows`, 200);
    await check('GET', `${T}/actions/workflows/build.yml`, `${R}/actions/workflows/{workflow_id}`, 200);
    await check(
      'GET',
      `${T}/actions/workflows/build.yml/runs`,
      `${R}/actions/workflows/{workflow_id}/runs`,
      200,
    );
    await check('POST', `${T}/actions/runs/${runId}/rerun`, `${R}/actions/runs/{run_id}/rerun`, 201);
    await check('POST', `${T}/actions/runs/${runId}/cancel`, `${R}/actions/runs/{run_id}/cancel`, 202);
    await check(
      'GET',
      `${T}/actions/runs/${runId}/attempts/1`,
      `${R}/actions/runs/{run_id}/attempts/{attempt_number}`,
      200,
    );
    await check('GET', `${T}/actions/runs/${runId}`, `${R}/actions/runs/{run_id}`, 200);
    await check('POST', `${T}/dispatches`, `${R}/dispatches`, 204, {
      event_type: 'build',
      client_payload: { sha: 'abc' },
    });
    const sha = 'a'.repeat(40);
    await check('POST', `${S}/statuses/${sha}`, `${R}/statuses/{sha}`, 201, {
      state: 'pending',
      context: 'xrd/build',
      target_url: 'http://example.test/run',
      description: 'running',
    });
    await check('GET', `${S}/commits/${sha}/statuses`, `${R}/commits/{ref}/statuses`, 200);
    await check('GET', `${S}/commits/${sha}/status`, `${R}/commits/{ref}/status`, 200);
    const c = await check('POST', `${S}/issues/1/comments`, `${R}/issues/{issue_number}/comments`, 201, {
      body: 'hello',
    });
    await check('GET', `${S}/issues/1/comments`, `${R}/issues/{issue_number}/comments`, 200);
    await check('GET', `${S}/issues/comments/${c.body.id}`, `${R}/issues/comments/{comment_id}`, 200);
    await check('PATCH', `${S}/issues/comments/${c.body.id}`, `${R}/issues/comments/{comment_id}`, 200, {
      body: 'edited',
    });
    await check('GET', '/rate_limit', '/rate_limit', 200);
    // The contents route is not in the subset: content-file / content-directory from octokit's types.
    const file = await call(api, 'GET', `${T}/contents/.github/workflows/build.yml?ref=main`);
    expect(file.status).toBe(200);
    expectValid(githubContentValidator('content-file'), file.body, 'GET contents (file)');
    const dir = await call(api, 'GET', `${T}/contents/.github/workflows`);
    expect(dir.status).toBe(200);
    expectValid(githubContentValidator('content-directory'), dir.body, 'GET contents (directory)');
    const noFile = await call(api, 'GET', `${T}/contents/.github/workflows/nope.yml`);
    expect(noFile.status).toBe(404);
    expectValid(githubResponseValidator('GET', '/rate_limit', 404), noFile.body, 'GET contents 404');
    // errors in GitHub's format
    await check('GET', `${T}/actions/runs/1`, '/rate_limit', 404);
    const bad = await check('POST', `${T}/dispatches`, `${R}/dispatches`, 422, {
      event_type: 'x',
      client_payload: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i])),
    });
    expect(bad.body.message).toContain('No more than 10 properties');
  });
});

describe.each(['gitea-1.24', 'gitea-1.25', 'gitea-1.26'] as Dialect[])('Gitea fidelity (%s)', (dialect) => {
  it('answers every route it has with the swagger shape, and 404 for the ones it lacks', async () => {
    sim = await startSim({ dialect, timeScale: 40 });
    const api = sim.apiUrl;
    expect(api).toBe(`${sim.url}/api/v1`);
    const check = checker(api, giteaResponseValidator);
    await check('GET', '/version', '/version', 200);
    const details = dialect === 'gitea-1.26';
    const d = await check(
      'POST',
      `${T}/actions/workflows/build.yml/dispatches${details ? '?return_run_details=true' : ''}`,
      `${R}/actions/workflows/{workflow_id}/dispatches`,
      details ? 200 : 204,
      { ref: 'main', inputs: { correlation_id: 'xrd-g', undeclared: 'dropped' } },
    );
    if (details) expect(d.body.workflow_run_id).toBeGreaterThan(0);
    await check('GET', `${T}/actions/workflows`, `${R}/actions/workflows`, 200);
    await check('GET', `${T}/actions/workflows/build.yml`, `${R}/actions/workflows/{workflow_id}`, 200);
    const tasks = await waitFor(async () => {
      const r = await check('GET', `${T}/actions/tasks`, `${R}/actions/tasks`, 200);
      return r.body.workflow_runs.length > 0 ? r.body : undefined;
    });
    expect(tasks.workflow_runs[0]).toMatchObject({
      display_title: 'Build xrd-g',
      run_number: 1,
      workflow_id: 'build.yml',
    });
    if (dialect === 'gitea-1.24') {
      for (const p of [
        `${T}/actions/runs`,
        `${T}/actions/runs/301`,
        `${T}/actions/runs/301/jobs`,
        `${T}/actions/jobs/701/logs`,
      ]) {
        expect((await call(api, 'GET', p)).status, p).toBe(404);
      }
    } else {
      const list = await check('GET', `${T}/actions/runs`, `${R}/actions/runs`, 200);
      const runId = list.body.workflow_runs[0].id;
      expect(list.body.workflow_runs[0].run_number).toBe(1);
      expect(runId).not.toBe(1);
      await check('GET', `${T}/actions/runs/${runId}`, `${R}/actions/runs/{run}`, 200);
      await waitFor(async () =>
        (await call(api, 'GET', `${T}/actions/runs/${runId}`)).body.status === 'completed' ? true : undefined,
      );
      await check('GET', `${T}/actions/runs/${runId}`, `${R}/actions/runs/{run}`, 200);
      const jobs = await check('GET', `${T}/actions/runs/${runId}/jobs`, `${R}/actions/runs/{run}/jobs`, 200);
      expect(Object.keys(jobs.body).sort()).toEqual(['jobs', 'total_count']);
      const jobId = jobs.body.jobs[0].id;
      await check('GET', `${T}/actions/jobs/${jobId}`, `${R}/actions/jobs/{job_id}`, 200);
      const log = await call(api, 'GET', `${T}/actions/jobs/${jobId}/logs`);
      expect(log.status).toBe(200);
      expect(log.headers.get('content-type')).toContain('text/plain');
      await check('GET', `${T}/actions/runs/${runId}/artifacts`, `${R}/actions/runs/{run}/artifacts`, 200);
      await check(
        'GET',
        `${T}/actions/workflows/build.yml/runs`,
        `${R}/actions/workflows/{workflow_id}/runs`,
        200,
      );
      // No cancel in any Gitea swagger up to 1.27.1.
      expect((await call(api, 'POST', `${T}/actions/runs/${runId}/cancel`)).status).toBe(404);
    }
    expect((await call(api, 'POST', `${T}/dispatches`, { event_type: 'build' })).status).toBe(404);
    await checkContents(api);
    const sha = 'b'.repeat(40);
    await check('POST', `${S}/statuses/${sha}`, `${R}/statuses/{sha}`, 201, {
      state: 'warning',
      context: 'xrd/build',
    });
    await check('GET', `${S}/statuses/${sha}`, `${R}/statuses/{sha}`, 200);
    await check('GET', `${S}/commits/${sha}/statuses`, `${R}/commits/{ref}/statuses`, 200);
    const combined = await check('GET', `${S}/commits/${sha}/status`, `${R}/commits/{ref}/status`, 200);
    expect(combined.body.state).toBe('warning');
    const c = await check('POST', `${S}/issues/1/comments`, `${R}/issues/{index}/comments`, 201, {
      body: 'hi',
    });
    await check('GET', `${S}/issues/1/comments`, `${R}/issues/{index}/comments`, 200);
    await check('GET', `${S}/issues/comments/${c.body.id}`, `${R}/issues/comments/{id}`, 200);
    await check('PATCH', `${S}/issues/comments/${c.body.id}`, `${R}/issues/comments/{id}`, 200, {
      body: 'edited',
    });
  });
});

describe('Forgejo fidelity', () => {
  it("answers with Forgejo shapes, valid against Forgejo's own API description", async () => {
    sim = await startSim({ dialect: 'forgejo', timeScale: 40 });
    const api = sim.apiUrl;
    const check = checker(api, forgejoResponseValidator);
    // The first run waits 120 s (3 s scaled) for a runner, so its queued shapes can be read even on
    // a loaded machine; it then runs and finishes by itself (waitFor allows 10 s).
    await call(sim.url, 'POST', '/_sim/repos/acme/target/workflows/build.yml/script', {
      runs: [{ startDelayMs: 120_000 }],
    });
    /** Valid against the description, and with no key the description (plus Forgejo 16) lacks. */
    const exact = (definition: string, body: Record<string, unknown>) =>
      expect(forgejoUndeclaredKeys(definition, body), definition).toEqual([]);
    await check('GET', '/version', '/version', 200);
    expect((await call(api, 'GET', '/version')).body.version).toMatch(/\+gitea-/);
    expect((await call(sim.url, 'GET', '/api/forgejo/v1/version')).body).toEqual({ version: '16.0.0' });
    await check('GET', T, R, 200);
    const dispatches = `${R}/actions/workflows/{workflowfilename}/dispatches`;
    const d = await check('POST', `${T}/actions/workflows/build.yml/dispatches`, dispatches, 201, {
      ref: 'main',
      inputs: { correlation_id: 'xrd-f', undeclared: 'ignored' },
      return_run_info: true,
    });
    exact('DispatchWorkflowRun', d.body);
    // `jobs` are the workflow's job ids (Dispatch: util.KeysOfMap(wf.Jobs)), not their names.
    expect(d.body.jobs).toEqual(['build']);
    const first = await check('GET', `${T}/actions/runs/${d.body.id}`, `${R}/actions/runs/{run_id}`, 200);
    exact('ActionRun', first.body);
    expect(first.body).toMatchObject({
      status: 'waiting',
      title: 'Build xrd-f',
      index_in_repo: d.body.run_number,
    });
    // duration is omitempty: absent before the run starts.
    expect(first.body.duration).toBeUndefined();
    expect(JSON.parse(first.body.event_payload)).toMatchObject({
      inputs: { correlation_id: 'xrd-f' },
      ref: 'refs/heads/main',
      workflow: '.gitea/workflows/build.yml',
    });
    expect(JSON.parse(first.body.event_payload).inputs.undeclared).toBeUndefined();
    // The jobs exist from the dispatch on, waiting, without a task or steps.
    const queuedJobs = await check(
      'GET',
      `${T}/actions/runs/${d.body.id}/jobs`,
      `${R}/actions/runs/{run_id}/jobs`,
      200,
    );
    expect(queuedJobs.body).toHaveLength(1);
    expect(queuedJobs.body[0]).toMatchObject({ status: 'waiting', task_id: 0 });
    const queuedJob = await check(
      'GET',
      `${T}/actions/jobs/${queuedJobs.body[0].id}`,
      `${R}/actions/jobs/{job_id}`,
      200,
    );
    expect(queuedJob.body.steps).toBeUndefined();
    expect((await call(api, 'GET', `${T}/actions/jobs/${queuedJobs.body[0].id}/logs`)).status).toBe(404);
    const list = await check('GET', `${T}/actions/runs?limit=50`, `${R}/actions/runs`, 200);
    expect(list.body.total_count).toBe(1);
    await waitFor(async () =>
      (await call(api, 'GET', `${T}/actions/runs/${d.body.id}`)).body.status === 'success' ? true : undefined,
    );
    const done = await check('GET', `${T}/actions/runs/${d.body.id}`, `${R}/actions/runs/{run_id}`, 200);
    expect(done.body.duration).toBeGreaterThan(0);
    expect(FORGEJO_STATUSES).toContain(done.body.status);
    const jobs = await check(
      'GET',
      `${T}/actions/runs/${d.body.id}/jobs`,
      `${R}/actions/runs/{run_id}/jobs`,
      200,
    );
    expect(Array.isArray(jobs.body)).toBe(true);
    exact('ActionRunJob', jobs.body[0]);
    expect(jobs.body[0].steps).toBeUndefined();
    const job = await check('GET', `${T}/actions/jobs/${jobs.body[0].id}`, `${R}/actions/jobs/{job_id}`, 200);
    exact('ActionRunJob', job.body);
    expect(job.body.steps[0]).toMatchObject({ number: 0, name: 'Set up job', status: 'success' });
    for (const step of job.body.steps) exact('ActionRunJobStep', step);
    await check('GET', `${T}/actions/tasks`, `${R}/actions/tasks`, 200);
    await checkContents(api, true);
    const sha = 'c'.repeat(40);
    await check('POST', `${S}/statuses/${sha}`, `${R}/statuses/{sha}`, 201, {
      state: 'success',
      context: 'xrd',
    });
    await check('GET', `${S}/statuses/${sha}`, `${R}/statuses/{sha}`, 200);
    await check('GET', `${S}/commits/${sha}/status`, `${R}/commits/{ref}/status`, 200);
    const c = await check('POST', `${S}/issues/1/comments`, `${R}/issues/{index}/comments`, 201, {
      body: 'hi',
    });
    await check('PATCH', `${S}/issues/comments/${c.body.id}`, `${R}/issues/comments/{id}`, 200, {
      body: 'x',
    });
    // Without return_run_info: 204. Cancel answers 204, also for a finished run, which it leaves as is.
    await check('POST', `${T}/actions/workflows/build.yml/dispatches`, dispatches, 204, { ref: 'main' });
    const runs = await call(api, 'GET', `${T}/actions/runs`);
    const queued = runs.body.workflow_runs[0];
    expect((await call(api, 'POST', `${T}/actions/runs/${queued.id}/cancel`)).status).toBe(204);
    expect((await call(api, 'GET', `${T}/actions/runs/${queued.id}`)).body.status).toBe('cancelled');
    expect((await call(api, 'POST', `${T}/actions/runs/${d.body.id}/cancel`)).status).toBe(204);
    expect((await call(api, 'GET', `${T}/actions/runs/${d.body.id}`)).body.status).toBe('success');
    // Forgejo's own errors: a missing ref 400, an unknown ref 400, an unknown file 404.
    // (Forgejo 15's description documents no 400 for the dispatch; Forgejo 16's source answers
    // `#/responses/error`, an ApiError.)
    const apiError = forgejoDefinitionValidator('ApiError');
    for (const [body, status, message] of [
      [{}, 400, 'ref is empty'],
      [{ ref: 'nope' }, 400, "reference 'nope' does not exist"],
    ] as const) {
      const r = await call(api, 'POST', `${T}/actions/workflows/build.yml/dispatches`, body);
      expect(r.status).toBe(status);
      expectValid(apiError, r.body, `dispatch ${status}`);
      expect(r.body.message).toBe(message);
    }
    await check('POST', `${T}/actions/workflows/nope.yml/dispatches`, dispatches, 404, { ref: 'main' });
  });
});

/** Gitea and Forgejo: the contents route answers ContentsResponse, and a directory an array of them. */
async function checkContents(api: string, forgejo = false): Promise<void> {
  const file = await call(api, 'GET', `${T}/contents/.gitea/workflows/build.yml?ref=main`);
  expect(file.status, file.text).toBe(200);
  expectValid(giteaResponseValidator('GET', `${R}/contents/{filepath}`, 200), file.body, 'GET contents');
  // The swagger requires nothing and allows extra keys: check that no key is invented either.
  expect(giteaUndeclaredKeys('ContentsResponse', file.body)).toEqual([]);
  expect(Object.hasOwn(file.body, 'last_committer_date')).toBe(!forgejo);
  const dir = await call(api, 'GET', `${T}/contents/.gitea/workflows`);
  expect(dir.status).toBe(200);
  expectValid(
    giteaDefinitionValidator({ type: 'array', items: { $ref: '#/definitions/ContentsResponse' } }),
    dir.body,
    'GET contents (directory)',
  );
  for (const e of dir.body) expect(giteaUndeclaredKeys('ContentsResponse', e)).toEqual([]);
  const missing = await call(api, 'GET', `${T}/contents/.gitea/workflows/nope.yml`);
  expect(missing.status).toBe(404);
  expect(Object.keys(missing.body).sort()).toEqual(['errors', 'message', 'url']);
}
