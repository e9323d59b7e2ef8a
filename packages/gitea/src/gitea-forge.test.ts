import type { CallContext, RequestRecord } from '@xrd/core';
import { describe, expect, test } from 'vitest';
import { type MockGitea, mockGitea } from '../test/mock-gitea.js';
import { createGiteaForge, type GiteaForgeOptions } from './gitea-forge.js';

const repo = { owner: 'acme', repo: 'target' };
const API = '/api/v1/repos/acme/target';
const TOKEN = 'tok-secret-abcdef';

function setup(version: string | undefined, options: Partial<GiteaForgeOptions> = {}) {
  const mock = mockGitea();
  if (version !== undefined) mock.version(version);
  const forge = createGiteaForge({
    baseUrl: 'https://git.example.com',
    token: TOKEN,
    fetch: mock.fetch,
    checkInputs: false,
    retry: { retries: 2, baseDelayMs: 1 },
    ...options,
  });
  const debug: string[] = [];
  const records: RequestRecord[] = [];
  const ctx: CallContext = { debug: (m) => debug.push(m), meter: { record: (r) => records.push(r) } };
  return { mock, forge, debug, records, ctx };
}

const workflowFile = (text: string) => ({
  status: 200,
  body: { type: 'file', encoding: 'base64', content: Buffer.from(text).toString('base64') },
});

const BUILD_YML = `
on:
  workflow_dispatch:
    inputs:
      pr_number: {}
      correlation_id: {}
jobs: {}
`;

describe('detection', () => {
  test('once per forge instance, with the path taken in debug output', async () => {
    const { forge, mock, debug, ctx } = setup('1.25.2');
    const caps = await forge.capabilities(ctx);
    await forge.capabilities(ctx);
    expect(mock.calls()).toEqual(['GET /api/v1/version']);
    expect(caps).toMatchObject({ kind: 'gitea', server: 'Gitea 1.25.2', returnsRunId: false, runApi: true });
    expect(debug).toMatchInlineSnapshot(`
      [
        "Detected Gitea 1.25.2 from the version string: dispatch answers 204 without a run id, so the run is correlated; runs read from /actions/runs.",
      ]
    `);
  });

  test('Forgejo by its version string', async () => {
    const { forge, mock, debug, ctx } = setup('11.0.1+gitea-1.22.0');
    expect(forge.kind).toBe('gitea');
    const caps = await forge.capabilities(ctx);
    expect(forge.kind).toBe('forgejo');
    expect(caps).toMatchObject({
      kind: 'forgejo',
      server: 'Forgejo 11.0.1+gitea-1.22.0',
      returnsRunId: true,
    });
    expect(mock.calls()).toEqual(['GET /api/v1/version']);
    expect(debug[0]).toMatchInlineSnapshot(
      `"Detected Forgejo 11.0.1+gitea-1.22.0 from the version string: dispatch with return_run_info: true in the body (expect 201 with the run id); runs read from /actions/runs."`,
    );
  });

  test('an ambiguous version is settled by /api/forgejo/v1/version', async () => {
    const { forge, mock, ctx } = setup('1.21.11-1');
    mock.on('GET', '/api/forgejo/v1/version', { status: 200, body: { version: '1.21.11-1' } });
    expect((await forge.capabilities(ctx)).kind).toBe('forgejo');
    expect(mock.calls()).toEqual(['GET /api/v1/version', 'GET /api/forgejo/v1/version']);
  });

  test('an ambiguous version without the Forgejo endpoint is Gitea', async () => {
    const { forge, mock, ctx } = setup('development');
    mock.on('GET', '/api/forgejo/v1/version', { status: 404, body: 'not found' });
    expect(await forge.capabilities(ctx)).toMatchObject({ kind: 'gitea', returnsRunId: 'unknown' });
  });

  test('the kind option skips the product guess', async () => {
    const { forge, mock } = setup('1.21.11-1', { kind: 'forgejo' });
    expect((await forge.capabilities()).kind).toBe('forgejo');
    expect(mock.calls()).toEqual(['GET /api/v1/version']);
  });

  test('a base URL that is not a Gitea API names the fix', async () => {
    const { forge, mock } = setup(undefined);
    mock.on('GET', '/api/v1/version', { status: 404, body: 'Not Found' });
    await expect(forge.capabilities()).rejects.toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: https://git.example.com/api/v1/version answered 404, so https://git.example.com is not a Gitea or Forgejo API; give the server's root URL (https://HOST or https://HOST/sub-path).]`,
    );
  });

  test('a failed detection is retried on the next call', async () => {
    const { forge, mock } = setup(undefined);
    mock.on('GET', '/api/v1/version', { status: 401, body: { message: 'token is required' } });
    mock.version('1.26.0');
    await expect(forge.capabilities()).rejects.toMatchObject({ code: 'AUTH' });
    expect((await forge.capabilities()).server).toBe('Gitea 1.26.0');
  });

  test('sub-path installs', async () => {
    const mock = mockGitea();
    mock.on('GET', '/gitea/api/v1/version', { status: 200, body: { version: '1.26.0' } });
    mock.on('GET', '/gitea/api/v1/repos/acme/target/actions/runs/5', {
      status: 200,
      body: { id: 5, status: 'running' },
    });
    const forge = createGiteaForge({ baseUrl: 'https://git.example.com/gitea/', fetch: mock.fetch });
    const run = await forge.getRun(repo, 5);
    expect(run).toMatchObject({
      id: 5,
      status: 'in_progress',
      url: 'https://git.example.com/gitea/api/v1/repos/acme/target/actions/runs/5',
      htmlUrl: 'https://git.example.com/gitea/acme/target/actions/runs/5',
    });
    expect(mock.requests[0]?.headers.authorization).toBeUndefined();
  });
});

describe('dispatch paths', () => {
  const request = {
    repo,
    ref: 'main',
    workflow: 'build.yml',
    inputs: { pr_number: '12', correlation_id: 'xrd-0123456789abcdef' },
  };

  test('Gitea 1.26: ?return_run_details=true → 200 RunDetails → run-details', async () => {
    const { forge, mock, debug, ctx } = setup('1.26.1');
    mock.on('POST', `${API}/actions/workflows/build.yml/dispatches?return_run_details=true`, {
      status: 200,
      body: {
        workflow_run_id: 42,
        run_url: 'https://git.example.com/api/v1/repos/acme/target/actions/runs/42',
        html_url: 'https://git.example.com/acme/target/actions/runs/7',
      },
    });
    const result = await forge.dispatch(request, ctx);
    expect(result).toMatchObject({
      path: 'run-details',
      runId: 42,
      htmlUrl: 'https://git.example.com/acme/target/actions/runs/7',
    });
    expect(mock.requests[1]?.body).toEqual({ ref: 'main', inputs: request.inputs });
    expect(debug.at(-1)).toMatchInlineSnapshot(`"Dispatch answered 200: path "run-details" (run 42)."`);
  });

  test('Gitea 1.25: 204 → none, and the query flag is not sent', async () => {
    const { forge, mock, ctx } = setup('1.25.2');
    mock.on('POST', `${API}/actions/workflows/build.yml/dispatches`, { status: 204 });
    expect(await forge.dispatch(request, ctx)).toMatchObject({ path: 'none' });
    expect(mock.calls()[1]).toBe(`POST ${API}/actions/workflows/build.yml/dispatches`);
  });

  test('Gitea 1.24: 204 → none', async () => {
    const { forge, mock } = setup('1.24.6');
    mock.on('POST', `${API}/actions/workflows/build.yml/dispatches`, { status: 204 });
    expect(await forge.dispatch(request)).toMatchObject({ path: 'none' });
  });

  test('Forgejo: body return_run_info → 201 {id, run_number, jobs} → run-info', async () => {
    const { forge, mock } = setup('11.0.1+gitea-1.22.0');
    mock.on('POST', `${API}/actions/workflows/build.yml/dispatches`, {
      status: 201,
      body: { id: 314, run_number: 9, jobs: ['build'] },
    });
    expect(await forge.dispatch(request)).toMatchObject({
      path: 'run-info',
      runId: 314,
      runUrl: 'https://git.example.com/api/v1/repos/acme/target/actions/runs/314',
      htmlUrl: 'https://git.example.com/acme/target/actions/runs/9',
    });
    expect(mock.requests[1]?.body).toEqual({ ref: 'main', inputs: request.inputs, return_run_info: true });
  });

  test('a server that ignores the run-id request falls back to none and says so', async () => {
    const { forge, mock, debug, ctx } = setup('1.26.0');
    mock.on('POST', /dispatches/, { status: 204 });
    const result = await forge.dispatch(request, ctx);
    expect(result.path).toBe('none');
    expect(result.notes).toContain(debug.find((line) => line.includes('without one')));
  });

  test('input values are sent as strings', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('POST', /dispatches/, { status: 204 });
    const inputs = { n: 12, flag: true } as unknown as Record<string, string>;
    await forge.dispatch({ ...request, inputs });
    expect(mock.requests[1]?.body).toEqual({ ref: 'main', inputs: { n: '12', flag: 'true' } });
  });

  test('a workflow path is reduced to its file name; names are encoded', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('POST', `${API}/actions/workflows/my%20build.yml/dispatches`, { status: 204 });
    await forge.dispatch({ ...request, workflow: '.gitea/workflows/my build.yml' });
    expect(mock.requests).toHaveLength(2);
  });

  test('repository_dispatch is unsupported, before any request', async () => {
    const { forge, mock } = setup('1.26.0');
    await expect(
      forge.dispatch({ repo, ref: 'main', eventType: 'build' }),
    ).rejects.toThrowErrorMatchingInlineSnapshot(
      `[UnsupportedByServerError: repository_dispatch (event type "build") does not exist on Gitea or Forgejo (go-gitea/gitea#24132); dispatch a workflow with workflow_dispatch instead.]`,
    );
    expect(mock.requests).toHaveLength(0);
  });
});

describe('dispatch refusals', () => {
  const request = { repo, ref: 'main', workflow: 'build.yml', inputs: { correlation_id: 'x' } };

  async function refusal(status: number): Promise<string> {
    const { forge, mock } = setup('1.25.2');
    mock.on('POST', /dispatches/, { status, body: { message: `nope ${TOKEN}`, url: 'https://docs' } });
    const error = (await forge.dispatch(request).catch((e: unknown) => e)) as Error & { code: string };
    expect(error.message).not.toContain(TOKEN);
    return `${error.code}: ${error.message}`;
  }

  test('each status names the likely fix', async () => {
    expect(await refusal(404)).toMatchInlineSnapshot(
      `"DISPATCH_REJECTED: Dispatching build.yml in acme/target on ref "main" was refused with 404 (server said: nope ***): the workflow file is not on that ref, the file name is wrong, the token cannot see the repository, or the server does not know the workflow yet. Check that .gitea/workflows/build.yml exists on "main"; a new workflow may need one manual run from the web UI before the API accepts it."`,
    );
    expect(await refusal(422)).toMatchInlineSnapshot(
      `"DISPATCH_REJECTED: Dispatching build.yml in acme/target on ref "main" was refused with 422 (server said: nope ***): the workflow has no workflow_dispatch trigger or the ref does not exist; add "on: workflow_dispatch" to it or pass an existing branch or tag."`,
    );
    expect(await refusal(403)).toMatchInlineSnapshot(
      `"AUTH: Dispatching build.yml in acme/target on ref "main" was refused with 403 (server said: nope ***): the token lacks write:repository on acme/target (or Actions are disabled there); use a token with write:repository."`,
    );
    expect(await refusal(401)).toMatchInlineSnapshot(
      `"AUTH: Dispatching build.yml in acme/target on ref "main" was refused with 401 (server said: nope ***): the token is missing, invalid or expired; pass a valid token with write:repository."`,
    );
    expect(await refusal(400)).toMatchInlineSnapshot(
      `"DISPATCH_REJECTED: Dispatching build.yml in acme/target on ref "main" was refused with 400 (server said: nope ***): check the ref and the inputs."`,
    );
  });

  test('404 with the workflow file missing from every directory says so', async () => {
    const { forge, mock } = setup('1.25.2', { checkInputs: true });
    mock.on('GET', /\/contents\//, { status: 404, body: { message: 'not found' } }, 2);
    mock.on('POST', /dispatches/, { status: 404, body: { message: 'workflow not found' } });
    await expect(forge.dispatch(request)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[DispatchRejectedError: Dispatching build.yml in acme/target on ref "main" was refused with 404 (server said: workflow not found): the workflow file is not on that ref, the file name is wrong, the token cannot see the repository, or the server does not know the workflow yet; build.yml was not found in .gitea/workflows or .github/workflows on "main". Check that .gitea/workflows/build.yml exists on "main"; a new workflow may need one manual run from the web UI before the API accepts it.]`,
    );
  });

  test('5xx is ambiguous and never retried', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('POST', /dispatches/, { status: 502 }, 3);
    await expect(forge.dispatch(request)).rejects.toMatchObject({
      code: 'FORGE_HTTP',
      ambiguous: true,
      status: 502,
    });
    expect(mock.calls().filter((c) => c.startsWith('POST'))).toHaveLength(1);
  });

  test('a connection lost after sending is ambiguous', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.fail(
      'POST',
      /dispatches/,
      Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    );
    await expect(forge.dispatch(request)).rejects.toMatchObject({ code: 'FORGE_HTTP', ambiguous: true });
  });
});

describe('undeclared inputs', () => {
  const request = {
    repo,
    ref: 'refs/heads/main',
    workflow: 'build.yml',
    inputs: { pr_number: '1', correlation_id: 'x', typo_input: 'y' },
  };

  test('warned about, after reading .gitea/workflows then .github/workflows', async () => {
    const { forge, mock, debug, ctx } = setup('1.25.2', { checkInputs: true });
    mock.on('GET', `${API}/contents/.gitea/workflows/build.yml?ref=main`, {
      status: 404,
      body: { message: 'x' },
    });
    mock.on('GET', `${API}/contents/.github/workflows/build.yml?ref=main`, workflowFile(BUILD_YML));
    mock.on('POST', /dispatches/, { status: 204 });
    const result = await forge.dispatch(request, ctx);
    const warning = debug.find((line) => line.includes('typo_input'));
    expect(warning).toMatchInlineSnapshot(
      `".github/workflows/build.yml on "refs/heads/main" does not declare the input "typo_input"; Gitea drops undeclared inputs silently, so declare it under on.workflow_dispatch.inputs."`,
    );
    // A warning of its own (front ends show it even when quiet), not one of the debug notes.
    expect(result.warnings).toEqual([warning]);
    expect(result.notes).not.toContain(warning);
  });

  test('the file is read once per repo, ref and workflow', async () => {
    const { forge, mock } = setup('1.25.2', { checkInputs: true });
    mock.on('GET', /\/contents\/\.gitea\/workflows\/build\.yml/, workflowFile(BUILD_YML));
    mock.on('POST', /dispatches/, { status: 204 }, 3);
    await Promise.all([forge.dispatch(request), forge.dispatch(request), forge.dispatch(request)]);
    expect(mock.calls().filter((c) => c.includes('/contents/'))).toHaveLength(1);
  });

  test('Forgejo looks in .forgejo/workflows first', async () => {
    const { forge, mock } = setup('11.0.0', { checkInputs: true });
    mock.on('GET', /\/contents\/\.forgejo\/workflows\/build\.yml/, workflowFile(BUILD_YML));
    mock.on('POST', /dispatches/, { status: 201, body: { id: 1, run_number: 1, jobs: [] } });
    await forge.dispatch({ ...request, inputs: { correlation_id: 'x' } });
    expect(mock.calls()[1]).toContain('/contents/.forgejo/workflows/build.yml');
  });

  test("the engine's correlation input alone is checked only where the run is looked for by it", async () => {
    const own = { ...request, inputs: { correlation_id: 'x' }, correlationInput: 'correlation_id' };
    // Forgejo returns the run id: nothing to warn about, no file read…
    const forgejo = setup('16.0.0', { checkInputs: true });
    forgejo.mock.on('GET', /\/contents\//, workflowFile(BUILD_YML), 3);
    forgejo.mock.on('POST', /dispatches/, { status: 201, body: { id: 7, run_number: 1, jobs: [] } });
    expect((await forgejo.forge.dispatch(own)).runId).toBe(7);
    expect(forgejo.mock.calls().filter((c) => c.includes('/contents/'))).toEqual([]);
    // …unless the dispatch fails: then the file says whether it exists.
    const failing = setup('16.0.0', { checkInputs: true });
    failing.mock.on('GET', /\/contents\//, { status: 404, body: { message: 'not found' } }, 3);
    failing.mock.on('POST', /dispatches/, { status: 404, body: { message: 'workflow not found' } });
    await expect(failing.forge.dispatch(own)).rejects.toThrow(
      'build.yml was not found in .forgejo/workflows or .gitea/workflows or .github/workflows on "refs/heads/main"',
    );
    // Gitea 1.25 returns no run id: the run is found by that input, so the file is read.
    const gitea = setup('1.25.2', { checkInputs: true });
    gitea.mock.on('GET', /\/contents\/\.gitea\/workflows\/build\.yml/, workflowFile(BUILD_YML));
    gitea.mock.on('POST', /dispatches/, { status: 204 });
    await gitea.forge.dispatch(own);
    expect(gitea.mock.calls().filter((c) => c.includes('/contents/'))).toHaveLength(1);
  });

  test('an unreadable file does not stop the dispatch', async () => {
    const { forge, mock, debug, ctx } = setup('1.25.2', { checkInputs: true });
    mock.on('GET', /\/contents\//, { status: 403, body: { message: 'forbidden' } });
    mock.on('POST', /dispatches/, { status: 204 });
    expect((await forge.dispatch(request, ctx)).path).toBe('none');
    expect(debug.some((line) => line.includes('does not declare'))).toBe(false);
  });

  test('a file without workflow_dispatch is warned about', async () => {
    const { forge, mock, debug, ctx } = setup('1.25.2', { checkInputs: true });
    mock.on('GET', /\/contents\/\.gitea/, workflowFile('on: push\njobs: {}\n'));
    mock.on('POST', /dispatches/, {
      status: 422,
      body: { message: 'workflow does not support workflow_dispatch' },
    });
    await expect(forge.dispatch(request, ctx)).rejects.toMatchObject({ code: 'DISPATCH_REJECTED' });
    expect(debug.find((line) => line.includes('no workflow_dispatch'))).toMatchInlineSnapshot(
      `".gitea/workflows/build.yml on "refs/heads/main" has no workflow_dispatch trigger, so the server will refuse the dispatch."`,
    );
  });
});

const giteaRun = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  run_number: id + 100,
  run_attempt: 1,
  path: 'build.yml@refs/heads/main',
  display_title: `Build xrd-${id}`,
  event: 'workflow_dispatch',
  head_branch: 'main',
  head_sha: 'abc',
  status: 'completed',
  conclusion: 'success',
  started_at: '2026-01-01T00:00:05Z',
  completed_at: '2026-01-01T00:01:00Z',
  url: `https://git.example.com/api/v1/repos/acme/target/actions/runs/${id}`,
  html_url: `https://git.example.com/acme/target/actions/runs/${id + 100}`,
  ...extra,
});

describe('runs on Gitea ≥ 1.25', () => {
  test('getRun maps the Gitea shape', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('GET', `${API}/actions/runs/7`, { status: 200, body: giteaRun(7) });
    expect(await forge.getRun(repo, 7)).toMatchInlineSnapshot(`
      {
        "completedAt": "2026-01-01T00:01:00Z",
        "conclusion": "success",
        "createdAt": "2026-01-01T00:00:05Z",
        "displayTitle": "Build xrd-7",
        "event": "workflow_dispatch",
        "headBranch": "main",
        "headSha": "abc",
        "htmlUrl": "https://git.example.com/acme/target/actions/runs/107",
        "id": 7,
        "jobsUrl": "https://git.example.com/api/v1/repos/acme/target/actions/runs/7/jobs",
        "rawStatus": "completed/success",
        "runAttempt": 1,
        "runNumber": 107,
        "startedAt": "2026-01-01T00:00:05Z",
        "status": "completed",
        "url": "https://git.example.com/api/v1/repos/acme/target/actions/runs/7",
        "workflowId": "build.yml",
        "workflowPath": "build.yml",
      }
    `);
  });

  test('an unfinished run is never completed', async () => {
    const { forge, mock } = setup('1.25.2');
    for (const status of ['queued', 'waiting', 'pending', 'requested', 'blocked', '']) {
      mock.on('GET', `${API}/actions/runs/7`, { status: 200, body: giteaRun(7, { status, conclusion: '' }) });
      const run = await forge.getRun(repo, 7);
      expect([status, run.status, run.conclusion]).toEqual([status, 'queued', null]);
    }
  });

  test('getRun 404 is RunNotFoundError', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('GET', `${API}/actions/runs/7`, { status: 404, body: { message: 'not found' } });
    await expect(forge.getRun(repo, 7)).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  test('listRuns pages with page + limit ≤ 50 and filters what the server cannot', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('GET', `${API}/actions/runs?page=2&limit=50&event=workflow_dispatch&branch=main`, {
      status: 200,
      body: {
        total_count: 120,
        workflow_runs: [
          giteaRun(9),
          giteaRun(8, { path: 'other.yml@refs/heads/main' }),
          giteaRun(7, { status: 'running', conclusion: '' }),
        ],
      },
    });
    const page = await forge.listRuns(repo, {
      workflow: 'build.yml',
      event: 'workflow_dispatch',
      branch: 'main',
      page: 2,
      perPage: 100,
    });
    expect(page.runs.map((r) => [r.id, r.status])).toEqual([
      [9, 'completed'],
      [7, 'in_progress'],
    ]);
    expect(page.hasMore).toBe(true);
  });

  test('createdAfter and status are applied by the adapter', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('GET', /\/actions\/runs\?/, {
      status: 200,
      body: {
        total_count: 2,
        workflow_runs: [
          giteaRun(2, { created_at: '2026-01-02T00:00:00Z', status: 'waiting' }),
          giteaRun(1, { created_at: '2025-12-31T00:00:00Z', status: 'waiting' }),
        ],
      },
    });
    const page = await forge.listRuns(repo, { createdAfter: '2026-01-01T00:00:00Z', status: 'queued' });
    expect(page).toMatchObject({ hasMore: false, runs: [{ id: 2 }] });
  });

  test('listJobs reads `jobs` (swagger) and pages', async () => {
    const { forge, mock } = setup('1.25.2');
    const job = (id: number) => ({
      id,
      run_id: 7,
      name: `job-${id}`,
      status: 'completed',
      conclusion: id === 51 ? 'failure' : 'success',
      steps: [{ name: 'Run tests', number: 1, status: 'completed', conclusion: 'failure' }],
    });
    mock.on('GET', `${API}/actions/runs/7/jobs?page=1&limit=50`, {
      status: 200,
      body: { total_count: 51, jobs: Array.from({ length: 50 }, (_, i) => job(i + 1)) },
    });
    mock.on('GET', `${API}/actions/runs/7/jobs?page=2&limit=50`, {
      status: 200,
      body: { total_count: 51, jobs: [job(51)] },
    });
    const jobs = await forge.listJobs(repo, 7);
    expect(jobs).toHaveLength(51);
    expect(jobs[50]).toMatchObject({
      id: 51,
      runId: 7,
      conclusion: 'failure',
      steps: [{ name: 'Run tests', number: 1, status: 'completed', conclusion: 'failure' }],
    });
  });

  test('listJobs also accepts `workflow_jobs`; attempt 1 is the plain jobs list', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('GET', `${API}/actions/runs/7/jobs?page=1&limit=50`, {
      status: 200,
      body: { workflow_jobs: [{ id: 3, name: 'b', status: 'in_progress', steps: [] }] },
    });
    expect(await forge.listJobs(repo, 7, {}, 1)).toMatchObject([{ id: 3, runId: 7, status: 'in_progress' }]);
  });

  test('a later attempt uses the attempts route, and falls back once when the server lacks it', async () => {
    const { forge, mock } = setup('1.25.2');
    const body = { total_count: 1, jobs: [{ id: 9, name: 'b', status: 'queued', run_attempt: 2 }] };
    mock.on('GET', `${API}/actions/runs/7/attempts/2/jobs?page=1&limit=50`, {
      status: 404,
      body: 'not found',
    });
    mock.on('GET', `${API}/actions/runs/7/jobs?page=1&limit=50`, { status: 200, body }, 2);
    expect(await forge.listJobs(repo, 7, {}, 2)).toMatchObject([{ id: 9, runAttempt: 2 }]);
    expect(await forge.listJobs(repo, 7, {}, 2)).toMatchObject([{ id: 9 }]);
    expect(mock.calls().filter((c) => c.includes('/attempts/'))).toHaveLength(1);
  });

  test('the attempts route where the server has it', async () => {
    const { forge, mock } = setup('1.27.1');
    mock.on('GET', `${API}/actions/runs/7/attempts/2/jobs?page=1&limit=50`, {
      status: 200,
      body: { total_count: 1, jobs: [{ id: 9, name: 'b', status: 'completed', conclusion: 'success' }] },
    });
    expect(await forge.listJobs(repo, 7, {}, 2)).toMatchObject([{ id: 9, conclusion: 'success' }]);
  });

  test('getJobLog returns the tail, cut at a line', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('GET', `${API}/actions/jobs/3/logs`, { status: 200, body: 'line one\nline two\nline three\n' });
    expect(await forge.getJobLog(repo, 3, {}, 15)).toBe('line three\n');
  });

  test('cancel is not offered by Gitea', async () => {
    const { forge, mock } = setup('1.26.0');
    await expect(forge.cancelRun(repo, 7)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[UnsupportedByServerError: Gitea has no API to cancel a run, so run 7 of acme/target was not cancelled; cancel it in the web UI.]`,
    );
    expect(mock.calls()).toEqual(['GET /api/v1/version']);
  });

  test('reads are retried on 5xx', async () => {
    const { forge, mock, records, ctx } = setup('1.25.2');
    mock.on('GET', `${API}/actions/runs/7`, { status: 500 });
    mock.on('GET', `${API}/actions/runs/7`, { status: 200, body: giteaRun(7) });
    expect((await forge.getRun(repo, 7, ctx)).id).toBe(7);
    expect(records.map((r) => `${r.route} ${r.status}`)).toEqual([
      'GET /version 200',
      'GET /repos/{owner}/{repo}/actions/runs/{run_id} 500',
      'GET /repos/{owner}/{repo}/actions/runs/{run_id} 200',
    ]);
  });
});

describe('runs on Forgejo', () => {
  const forgejoRun = {
    id: 314,
    title: 'Build xrd-1',
    status: 'running',
    index_in_repo: 9,
    workflow_id: 'build.yml',
    prettyref: 'main',
    commit_sha: 'abc',
    trigger_event: 'workflow_dispatch',
    event: 'workflow_dispatch',
    created: '2026-01-01T00:00:00Z',
    started: '2026-01-01T00:00:02Z',
    stopped: '0001-01-01T00:00:00Z',
    updated: '2026-01-01T00:00:03Z',
    html_url: 'https://git.example.com/acme/target/actions/runs/9',
  };

  test('getRun maps the Forgejo shape', async () => {
    const { forge, mock } = setup('11.0.1');
    mock.on('GET', `${API}/actions/runs/314`, { status: 200, body: forgejoRun });
    expect(await forge.getRun(repo, 314)).toMatchInlineSnapshot(`
      {
        "conclusion": null,
        "createdAt": "2026-01-01T00:00:00Z",
        "displayTitle": "Build xrd-1",
        "event": "workflow_dispatch",
        "headBranch": "main",
        "headSha": "abc",
        "htmlUrl": "https://git.example.com/acme/target/actions/runs/9",
        "id": 314,
        "jobsUrl": "https://git.example.com/api/v1/repos/acme/target/actions/runs/314/jobs",
        "rawStatus": "running",
        "runNumber": 9,
        "startedAt": "2026-01-01T00:00:02Z",
        "status": "in_progress",
        "updatedAt": "2026-01-01T00:00:03Z",
        "url": "https://git.example.com/api/v1/repos/acme/target/actions/runs/314",
        "workflowId": "build.yml",
        "workflowPath": "build.yml",
      }
    `);
  });

  test.each([
    ['waiting', 'queued', null],
    ['blocked', 'queued', null],
    ['unknown', 'queued', null],
    ['running', 'in_progress', null],
    ['success', 'completed', 'success'],
    ['failure', 'completed', 'failure'],
    ['cancelled', 'completed', 'cancelled'],
    ['skipped', 'completed', 'skipped'],
  ])('raw %s → %s/%s', async (raw, status, conclusion) => {
    const { forge, mock } = setup('11.0.1');
    mock.on('GET', `${API}/actions/runs/314`, { status: 200, body: { ...forgejoRun, status: raw } });
    expect(await forge.getRun(repo, 314)).toMatchObject({ status, conclusion });
  });

  test('listRuns sends workflow_id, which Forgejo filters on', async () => {
    const { forge, mock } = setup('11.0.1');
    mock.on('GET', `${API}/actions/runs?page=1&limit=30&workflow_id=build.yml`, {
      status: 200,
      body: { total_count: 1, workflow_runs: [forgejoRun] },
    });
    expect((await forge.listRuns(repo, { workflow: 'build.yml' })).runs).toHaveLength(1);
  });
});

describe('jobs and cancel on Forgejo 16', () => {
  test('listJobs reads the bare array and the steps of started jobs, finished ones once', async () => {
    const { forge, mock } = setup('16.0.0+gitea-1.22.0');
    const list = [
      { id: 1, run_id: 314, name: 'build', attempt: 1, status: 'success' },
      { id: 2, run_id: 314, name: 'test', attempt: 1, status: 'failure' },
      { id: 3, run_id: 314, name: 'deploy', attempt: 1, status: 'running' },
      { id: 4, run_id: 314, name: 'notify', attempt: 1, status: 'waiting' },
    ];
    const steps = (status: string) => [
      { number: 0, name: 'Set up job', status: 'success' },
      { number: 1, name: 'Run tests', status },
    ];
    mock.on('GET', `${API}/actions/runs/314/jobs?page=1&limit=50`, { status: 200, body: list }, 2);
    mock.on('GET', `${API}/actions/jobs/1`, { status: 200, body: { ...list[0], steps: steps('success') } });
    mock.on('GET', `${API}/actions/jobs/2`, { status: 200, body: { ...list[1], steps: steps('failure') } });
    mock.on(
      'GET',
      `${API}/actions/jobs/3`,
      { status: 200, body: { ...list[2], steps: steps('running') } },
      2,
    );
    const jobs = await forge.listJobs(repo, 314);
    expect(
      jobs.map((j) => [j.name, j.status, j.conclusion, j.steps.map((s) => `${s.name}:${s.status}`)]),
    ).toEqual([
      ['build', 'completed', 'success', ['Set up job:completed', 'Run tests:completed']],
      ['test', 'completed', 'failure', ['Set up job:completed', 'Run tests:completed']],
      ['deploy', 'in_progress', null, ['Set up job:completed', 'Run tests:in_progress']],
      ['notify', 'queued', null, []],
    ]);
    expect(jobs[1]?.steps[1]?.conclusion).toBe('failure');
    await forge.listJobs(repo, 314);
    // Finished jobs were read once; the running one on each listing; the queued one never.
    expect(mock.calls().filter((c) => c.includes('/actions/jobs/'))).toEqual([
      `GET ${API}/actions/jobs/1`,
      `GET ${API}/actions/jobs/2`,
      `GET ${API}/actions/jobs/3`,
      `GET ${API}/actions/jobs/3`,
    ]);
  });

  test('cancelRun posts to /cancel, and is retried like a read', async () => {
    const { forge, mock } = setup('16.0.0+gitea-1.22.0');
    expect((await forge.capabilities()).cancel).toBe(true);
    mock.on('POST', `${API}/actions/runs/314/cancel`, { status: 502 });
    mock.on('POST', `${API}/actions/runs/314/cancel`, { status: 204 });
    await forge.cancelRun(repo, 314);
    expect(mock.calls().filter((c) => c.endsWith('/cancel'))).toHaveLength(2);
    mock.on('POST', `${API}/actions/runs/999/cancel`, { status: 404, body: { message: 'not found' } });
    await expect(forge.cancelRun(repo, 999)).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  test('Forgejo 15 has no job, log or cancel API, and says so', async () => {
    const { forge, mock } = setup('15.0.2+gitea-1.22.0');
    const caps = await forge.capabilities();
    expect(caps).toMatchObject({ jobsApi: false, jobLogs: false, cancel: false });
    expect(caps.limitations[1]).toMatchInlineSnapshot(
      `"Forgejo 15.0.2+gitea-1.22.0 has no API for jobs, job logs, artifacts or cancelling a run (Forgejo 16 has); look at the run in the web UI."`,
    );
    await expect(forge.cancelRun(repo, 1)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[UnsupportedByServerError: Forgejo has no API to cancel a run, so run 1 of acme/target was not cancelled; cancel it in the web UI.]`,
    );
    await expect(forge.getJobLog(repo, 1)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[UnsupportedByServerError: Forgejo 15.0.2+gitea-1.22.0 has no API for job logs (Forgejo 16 has), so the log of job 1 cannot be read; open the run in the web UI.]`,
    );
    expect(mock.calls()).toEqual(['GET /api/v1/version']);
  });
});

describe('Gitea 1.24: runs through /actions/tasks', () => {
  const task = (
    id: number,
    runNumber: number,
    name: string,
    status: string,
    extra: Record<string, unknown> = {},
  ) => ({
    id,
    name,
    head_branch: 'main',
    head_sha: 'abc',
    run_number: runNumber,
    event: 'workflow_dispatch',
    display_title: `Build run ${runNumber}`,
    status,
    workflow_id: 'build.yml',
    url: `https://git.example.com/acme/target/actions/runs/${runNumber}`,
    created_at: `2026-01-01T00:00:0${id % 10}Z`,
    updated_at: `2026-01-01T00:01:0${id % 10}Z`,
    run_started_at: `2026-01-01T00:00:0${id % 10}Z`,
    ...extra,
  });

  function tasks(mock: MockGitea, page: number, list: unknown[], total: number) {
    mock.on('GET', `${API}/actions/tasks?page=${page}&limit=50`, {
      status: 200,
      body: { total_count: total, workflow_runs: list },
    });
  }

  test('getRun aggregates the tasks of a run number', async () => {
    const { forge, mock } = setup('1.24.6');
    tasks(
      mock,
      1,
      [task(13, 6, 'test', 'running'), task(12, 5, 'test', 'success'), task(11, 5, 'build', 'success')],
      3,
    );
    expect(await forge.getRun(repo, 5)).toMatchInlineSnapshot(`
      {
        "completedAt": "2026-01-01T00:01:02Z",
        "conclusion": "success",
        "createdAt": "2026-01-01T00:00:01Z",
        "displayTitle": "Build run 5",
        "event": "workflow_dispatch",
        "headBranch": "main",
        "headSha": "abc",
        "htmlUrl": "https://git.example.com/acme/target/actions/runs/5",
        "id": 5,
        "rawStatus": "test:success,build:success",
        "runNumber": 5,
        "startedAt": "2026-01-01T00:00:01Z",
        "status": "completed",
        "updatedAt": "2026-01-01T00:01:02Z",
        "url": "https://git.example.com/acme/target/actions/runs/5",
        "workflowId": "build.yml",
        "workflowPath": "build.yml",
      }
    `);
    tasks(mock, 1, [task(13, 6, 'test', 'running'), task(12, 5, 'test', 'success')], 2);
    expect(await forge.getRun(repo, 6)).toMatchObject({ id: 6, status: 'in_progress', conclusion: null });
  });

  test('one failed job fails the run; one unfinished job keeps it unfinished', async () => {
    const { forge, mock } = setup('1.24.6');
    tasks(mock, 1, [task(3, 5, 'test', 'failure'), task(2, 5, 'build', 'success')], 2);
    expect(await forge.getRun(repo, 5)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    tasks(mock, 1, [task(3, 5, 'test', 'blocked'), task(2, 5, 'build', 'success')], 2);
    expect(await forge.getRun(repo, 5)).toMatchObject({ status: 'queued', conclusion: null });
  });

  test('a rerun attempt replaces the older task of the same job', async () => {
    const { forge, mock } = setup('1.24.6');
    tasks(mock, 1, [task(9, 5, 'build', 'success'), task(2, 5, 'build', 'failure')], 2);
    expect(await forge.getRun(repo, 5)).toMatchObject({ status: 'completed', conclusion: 'success' });
  });

  test('getRun pages back until the run number is passed', async () => {
    const { forge, mock } = setup('1.24.6');
    tasks(
      mock,
      1,
      Array.from({ length: 50 }, (_, i) => task(200 - i, 60 - Math.floor(i / 5), 'j' + i, 'success')),
      200,
    );
    tasks(mock, 2, [task(100, 40, 'build', 'running'), task(99, 39, 'build', 'success')], 200);
    // Page 3 is never read: page 2 already reached run 39.
    expect(await forge.getRun(repo, 40)).toMatchObject({ id: 40, status: 'in_progress' });
    expect(mock.calls().filter((c) => c.includes('/tasks'))).toHaveLength(2);
  });

  test('a run not (yet) in the task list is RunNotFoundError saying why', async () => {
    const { forge, mock } = setup('1.24.6');
    tasks(mock, 1, [task(1, 3, 'build', 'success')], 1);
    await expect(forge.getRun(repo, 4)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[RunNotFoundError: Run 4 was not found in acme/target (Gitea 1.24 lists a run in /actions/tasks only once a runner has picked up one of its jobs).]`,
    );
  });

  test('listRuns groups tasks into runs and filters by workflow', async () => {
    const { forge, mock } = setup('1.24.6');
    tasks(
      mock,
      1,
      [
        task(4, 6, 'build', 'waiting', { workflow_id: 'other.yml' }),
        task(3, 5, 'test', 'running'),
        task(2, 5, 'build', 'success'),
      ],
      3,
    );
    const page = await forge.listRuns(repo, { workflow: 'build.yml' });
    expect(page.runs.map((r) => [r.id, r.displayTitle, r.status])).toEqual([
      [5, 'Build run 5', 'in_progress'],
    ]);
    expect(page.hasMore).toBe(false);
  });

  test('listJobs gives job-level state without steps', async () => {
    const { forge, mock } = setup('1.24.6');
    tasks(mock, 1, [task(3, 5, 'test', 'running'), task(2, 5, 'build', 'success')], 2);
    expect(await forge.listJobs(repo, 5)).toMatchObject([
      { id: 2, runId: 5, name: 'build', status: 'completed', conclusion: 'success', steps: [] },
      { id: 3, runId: 5, name: 'test', status: 'in_progress', conclusion: null, steps: [] },
    ]);
  });

  test('job logs and cancel say plainly that they are not available', async () => {
    const { forge } = setup('1.24.6');
    await expect(forge.getJobLog(repo, 3)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[UnsupportedByServerError: Gitea 1.24.6 has no API for job logs (Gitea 1.25 has), so the log of job 3 cannot be read; open the run in the web UI.]`,
    );
    await expect(forge.cancelRun(repo, 5)).rejects.toMatchObject({ code: 'UNSUPPORTED_BY_SERVER' });
    expect((await forge.capabilities()).limitations.length).toBeGreaterThan(3);
  });
});

describe('default branch', () => {
  test('reads Repository.default_branch with one metered GET, no server detection', async () => {
    const { forge, mock, records, ctx } = setup(undefined);
    mock.on('GET', API, {
      status: 200,
      body: { id: 1, full_name: 'acme/target', default_branch: 'develop' },
    });
    expect(await forge.getDefaultBranch(repo, ctx)).toBe('develop');
    expect(mock.calls()).toEqual([`GET ${API}`]);
    expect(records.map((r) => [r.route, r.status])).toEqual([['GET /repos/{owner}/{repo}', 200]]);
  });

  test('a missing repository or a missing field is a clear error', async () => {
    const { forge, mock } = setup(undefined);
    mock.on('GET', API, { status: 404, body: { message: 'not found' } });
    await expect(forge.getDefaultBranch(repo)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[DispatchRejectedError: Gitea at https://git.example.com/api/v1 answered 404 (not found) when asked to read the default branch of acme/target: it does not exist there or the token cannot see it; check the names, the API URL and the token's access.]`,
    );
    mock.on('GET', API, { status: 200, body: { id: 1 } });
    await expect(forge.getDefaultBranch(repo)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[ForgeHttpError: The server answered without a default branch for acme/target; give the ref to dispatch on explicitly.]`,
    );
  });
});

describe('reporting', () => {
  test('setCommitStatus sends Gitea states, including warning and skipped', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('POST', `${API}/statuses/abc123`, { status: 201, body: { id: 1 } }, 2);
    await forge.setCommitStatus(repo, 'abc123', {
      state: 'warning',
      context: 'xrd/build',
      description: 'd',
      targetUrl: 'https://x',
    });
    await forge.setCommitStatus(repo, 'abc123', { state: 'skipped', context: 'xrd/build' });
    expect(mock.requests.map((r) => r.body)).toEqual([
      { state: 'warning', context: 'xrd/build', description: 'd', target_url: 'https://x' },
      { state: 'skipped', context: 'xrd/build' },
    ]);
  });

  test('a long description is cut to 140 characters', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('POST', `${API}/statuses/abc123`, { status: 201, body: { id: 1 } });
    await forge.setCommitStatus(repo, 'abc123', {
      state: 'pending',
      context: 'c',
      description: 'x'.repeat(300),
    });
    const sent = (mock.requests[0]!.body as { description: string }).description;
    expect([sent.length, sent.endsWith('…')]).toEqual([140, true]);
  });

  test('setCommitStatus 404 names the commit', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('POST', `${API}/statuses/abc123`, { status: 404, body: { message: 'not found' } });
    await expect(
      forge.setCommitStatus(repo, 'abc123', { state: 'pending', context: 'c' }),
    ).rejects.toThrowErrorMatchingInlineSnapshot(
      `[AuthError: Gitea at https://git.example.com/api/v1 answered 404 (not found) when asked to set the commit status "c" on abc123 in acme/target: it does not exist there or the token cannot see it; check the names, the API URL and the token's access.]`,
    );
  });

  const giteaStatus = (id: number, over: Record<string, unknown> = {}) => ({
    id,
    status: 'success',
    target_url: '',
    description: '',
    url: `https://git.example.com${API}/statuses/abc123`,
    context: 'xrd/build',
    created_at: `2026-01-01T00:00:${String(id % 60).padStart(2, '0')}Z`,
    updated_at: `2026-01-01T00:00:${String(id % 60).padStart(2, '0')}Z`,
    ...over,
  });

  test('listCommitStatuses reads `status`, treats "" as unset, and pages by X-Total-Count', async () => {
    const { forge, mock, records, ctx } = setup('1.25.2');
    const page1 = Array.from({ length: 50 }, (_, i) => giteaStatus(100 - i));
    mock.on(
      'GET',
      /^\/api\/v1\/repos\/acme\/target\/statuses\/abc123\?/,
      (req) =>
        new URL(req.path, 'http://x').searchParams.get('page') === '1'
          ? { status: 200, body: page1, headers: { 'x-total-count': '52' } }
          : {
              status: 200,
              body: [
                giteaStatus(2, { status: 'warning', description: 'Flaky', target_url: 'https://r/2' }),
                giteaStatus(1, { status: 'skipped', context: 'xrd/other' }),
              ],
              headers: { 'x-total-count': '52' },
            },
      2,
    );
    const statuses = await forge.listCommitStatuses(repo, 'abc123', ctx);
    expect(statuses).toHaveLength(52);
    expect(statuses[0]).toEqual({
      state: 'success',
      context: 'xrd/build',
      createdAt: '2026-01-01T00:00:40Z',
      id: 100,
    });
    expect(statuses.slice(50)).toEqual([
      {
        state: 'warning',
        context: 'xrd/build',
        description: 'Flaky',
        targetUrl: 'https://r/2',
        createdAt: '2026-01-01T00:00:02Z',
        id: 2,
      },
      { state: 'skipped', context: 'xrd/other', createdAt: '2026-01-01T00:00:01Z', id: 1 },
    ]);
    expect(mock.calls()).toEqual([
      'GET /api/v1/repos/acme/target/statuses/abc123?page=1&limit=50',
      'GET /api/v1/repos/acme/target/statuses/abc123?page=2&limit=50',
    ]);
    expect(records.map((r) => r.route)).toEqual([
      'GET /repos/{owner}/{repo}/statuses/{sha}',
      'GET /repos/{owner}/{repo}/statuses/{sha}',
    ]);
  });

  test('listCommitStatuses stops at a short page without X-Total-Count, and lists none', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('GET', /\/statuses\/abc123\?/, { status: 200, body: [] });
    expect(await forge.listCommitStatuses(repo, 'abc123')).toEqual([]);
    expect(mock.calls()).toHaveLength(1);
  });

  test('listCommitStatuses retries a 502 and names a missing repository', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('GET', /\/statuses\/abc123\?/, { status: 502, body: 'bad gateway' });
    mock.on('GET', /\/statuses\/abc123\?/, { status: 200, body: [giteaStatus(1)] });
    expect((await forge.listCommitStatuses(repo, 'abc123')).map((s) => s.id)).toEqual([1]);
    mock.on('GET', /\/statuses\/abc123\?/, { status: 404, body: { message: 'not found' } });
    await expect(forge.listCommitStatuses(repo, 'abc123')).rejects.toThrowErrorMatchingInlineSnapshot(
      `[AuthError: Gitea at https://git.example.com/api/v1 answered 404 (not found) when asked to list the commit statuses of abc123 in acme/target: it does not exist there or the token cannot see it; check the names, the API URL and the token's access.]`,
    );
  });

  const MARKER = '<!-- xrd:acme/target:build.yml -->';

  test('upsertComment creates the comment when no comment carries the marker', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('GET', `${API}/issues/1/comments`, { status: 200, body: [{ id: 5, body: 'hello' }] });
    mock.on('POST', `${API}/issues/1/comments`, { status: 201, body: { id: 6, html_url: 'https://c/6' } });
    expect(await forge.upsertComment(repo, 1, MARKER, `Build passed\n${MARKER}`)).toEqual({
      id: 6,
      htmlUrl: 'https://c/6',
      created: true,
    });
    expect(mock.requests.at(-1)?.body).toEqual({ body: `Build passed\n${MARKER}` });
  });

  test('upsertComment edits the comment with the marker in place', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('GET', `${API}/issues/1/comments`, {
      status: 200,
      body: [
        { id: 5, body: `old\n${MARKER}`, html_url: 'https://c/5' },
        { id: 8, body: 'other' },
      ],
    });
    mock.on('PATCH', `${API}/issues/comments/5`, { status: 204 });
    expect(await forge.upsertComment(repo, 1, MARKER, `new\n${MARKER}`)).toEqual({
      id: 5,
      htmlUrl: 'https://c/5',
      created: false,
    });
    expect(mock.requests.at(-1)?.body).toEqual({ body: `new\n${MARKER}` });
  });

  test('concurrent upserts of one marker create one comment', async () => {
    const { forge, mock } = setup('1.25.2');
    let created = false;
    mock.on(
      'GET',
      `${API}/issues/1/comments`,
      () => ({ status: 200, body: created ? [{ id: 6, body: `a\n${MARKER}` }] : [] }),
      2,
    );
    mock.on('POST', `${API}/issues/1/comments`, () => {
      created = true;
      return { status: 201, body: { id: 6 } };
    });
    mock.on('PATCH', `${API}/issues/comments/6`, { status: 200, body: { id: 6 } });
    const results = await Promise.all([
      forge.upsertComment(repo, 1, MARKER, `a\n${MARKER}`),
      forge.upsertComment(repo, 1, MARKER, `b\n${MARKER}`),
    ]);
    expect(results.map((r) => r.created)).toEqual([true, false]);
  });

  test('a body without the marker gets it appended', async () => {
    const { forge, mock } = setup('1.25.2');
    mock.on('GET', `${API}/issues/1/comments`, { status: 200, body: [] });
    mock.on('POST', `${API}/issues/1/comments`, { status: 201, body: { id: 6 } });
    await forge.upsertComment(repo, 1, MARKER, 'Build passed');
    expect(mock.requests.at(-1)?.body).toEqual({ body: `Build passed\n\n${MARKER}` });
  });
});

test('no token in any message or debug line', async () => {
  const { forge, mock, debug, ctx } = setup('1.25.2');
  mock.on('GET', `${API}/actions/runs/1`, { status: 403, body: { message: `token ${TOKEN} lacks scope` } });
  const error = (await forge.getRun(repo, 1, ctx).catch((e: unknown) => e)) as Error;
  expect(error.message).not.toContain(TOKEN);
  expect(debug.join('\n')).not.toContain(TOKEN);
  expect(error.message).toMatchInlineSnapshot(
    `"Gitea refused to read run 1 of acme/target (403: token *** lacks scope); give the token the scope it needs (read:repository to read, write:repository to dispatch, comment or set statuses)."`,
  );
});

describe('in-memory caches stay bounded in a long-running service', () => {
  test('finished Forgejo job details: the oldest is dropped beyond cacheSize', async () => {
    const { forge, mock } = setup('16.0.0+gitea-1.22.0', { cacheSize: 2 });
    const job = (id: number) => ({ id, run_id: 314, name: `j${id}`, attempt: 1, status: 'success' });
    const steps = [{ number: 0, name: 'Set up job', status: 'success' }];
    for (const runId of [314, 315, 316]) {
      mock.on('GET', `${API}/actions/runs/${runId}/jobs?page=1&limit=50`, {
        status: 200,
        body: [job(runId)],
      });
    }
    mock.on('GET', `${API}/actions/runs/314/jobs?page=1&limit=50`, { status: 200, body: [job(314)] });
    for (const id of [314, 315, 316, 314]) {
      mock.on('GET', `${API}/actions/jobs/${id}`, { status: 200, body: { ...job(id), steps } });
    }
    for (const runId of [314, 315, 316, 314]) await forge.listJobs(repo, runId);
    // Job 314 was pushed out by 315 and 316, so it is read again; nothing is kept without bound.
    expect(mock.calls().filter((c) => c.includes('/actions/jobs/'))).toEqual([
      `GET ${API}/actions/jobs/314`,
      `GET ${API}/actions/jobs/315`,
      `GET ${API}/actions/jobs/316`,
      `GET ${API}/actions/jobs/314`,
    ]);
  });

  test('workflow files read for the input check: the oldest ref is dropped beyond cacheSize', async () => {
    const { forge, mock } = setup('1.25.2', { checkInputs: true, cacheSize: 2 });
    for (const ref of ['a', 'b', 'c', 'a']) {
      mock.on('GET', `${API}/contents/.gitea/workflows/build.yml?ref=${ref}`, workflowFile(BUILD_YML));
      mock.on('POST', /dispatches/, { status: 204 });
      await forge.dispatch({ repo, ref, workflow: 'build.yml', inputs: {} });
    }
    expect(mock.calls().filter((c) => c.includes('/contents/'))).toEqual([
      `GET ${API}/contents/.gitea/workflows/build.yml?ref=a`,
      `GET ${API}/contents/.gitea/workflows/build.yml?ref=b`,
      `GET ${API}/contents/.gitea/workflows/build.yml?ref=c`,
      `GET ${API}/contents/.gitea/workflows/build.yml?ref=a`,
    ]);
  });
});
