import type { RequestRecord } from '@xrd/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFetchMock, type FetchMock, jsonResponse, networkError } from '../test/fetch-mock.js';
import { createGitHubForge, forgetServerCapabilities, withDeadline } from './github-forge.js';
import type { GitHubForgeOptions } from './options.js';

const repo = { owner: 'acme', repo: 'target' };
const API = 'https://api.github.com';
const GHES = 'https://ghe.example.com/api/v3';
const TOKEN = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

function forgeWith(mock: FetchMock, extra: Partial<GitHubForgeOptions> = {}) {
  return createGitHubForge({
    baseUrl: API,
    token: TOKEN,
    fetch: mock.fetch,
    minWriteIntervalMs: 0,
    retry: { retries: 3, baseDelayMs: 1, maxWaitMs: 5_000 },
    ...extra,
  });
}

function recordingMeter() {
  const records: RequestRecord[] = [];
  return { records, meter: { record: (r: RequestRecord) => records.push(r) } };
}

const runJson = (over: Record<string, unknown> = {}) => ({
  id: 42,
  run_number: 7,
  run_attempt: 1,
  workflow_id: 99,
  path: '.github/workflows/build.yml',
  name: 'Build',
  display_title: 'Build xrd-0123456789abcdef',
  event: 'workflow_dispatch',
  head_branch: 'main',
  head_sha: 'a'.repeat(40),
  status: 'in_progress',
  conclusion: null,
  created_at: '2026-01-01T00:00:00Z',
  run_started_at: '2026-01-01T00:00:01Z',
  updated_at: '2026-01-01T00:00:05Z',
  url: `${API}/repos/acme/target/actions/runs/42`,
  html_url: 'https://github.com/acme/target/actions/runs/42',
  jobs_url: `${API}/repos/acme/target/actions/runs/42/jobs`,
  ...over,
});

const DISPATCH = 'POST /repos/acme/target/actions/workflows/build.yml/dispatches';
const GHES_DISPATCH = 'POST /api/v3/repos/acme/target/actions/workflows/build.yml/dispatches';

beforeEach(() => forgetServerCapabilities());

describe('workflow_dispatch', () => {
  it('asks for run details and takes the run id from a 200', async () => {
    const mock = createFetchMock().on(DISPATCH, {
      status: 200,
      body: {
        workflow_run_id: 42,
        run_url: `${API}/repos/acme/target/actions/runs/42`,
        html_url: 'https://github.com/x',
      },
    });
    const result = await forgeWith(mock).dispatch({
      repo,
      ref: 'main',
      workflow: 'build.yml',
      inputs: { correlation_id: 'xrd-1' },
    });
    expect(result).toMatchObject({ path: 'run-details', runId: 42, htmlUrl: 'https://github.com/x' });
    const [sent] = mock.seen(DISPATCH);
    expect(sent?.body).toEqual({
      ref: 'main',
      inputs: { correlation_id: 'xrd-1' },
      return_run_details: true,
    });
    expect(sent?.headers.get('authorization')).toBe(`token ${TOKEN}`);
    expect(sent?.headers.has('x-github-api-version')).toBe(false);
  });

  it('accepts a numeric workflow id and a workflow path', async () => {
    const mock = createFetchMock()
      .on('POST /repos/acme/target/actions/workflows/1234/dispatches', { status: 204 })
      .on(DISPATCH, { status: 204 });
    const forge = forgeWith(mock);
    await forge.dispatch({ repo, ref: 'main', workflow: 1234 });
    await forge.dispatch({ repo, ref: 'main', workflow: '.github/workflows/build.yml' });
    expect(mock.requests.map((r) => r.url.pathname)).toEqual([
      '/repos/acme/target/actions/workflows/1234/dispatches',
      '/repos/acme/target/actions/workflows/build.yml/dispatches',
    ]);
  });

  it('takes path none from a 204', async () => {
    const mock = createFetchMock().on(DISPATCH, { status: 204 });
    const result = await forgeWith(mock).dispatch({ repo, ref: 'main', workflow: 'build.yml' });
    expect(result.path).toBe('none');
    expect(result.runId).toBeUndefined();
  });

  it('falls back once on GHES ≤ 3.20 that rejects return_run_details, and remembers it', async () => {
    const mock = createFetchMock().on(
      GHES_DISPATCH,
      {
        status: 400,
        body: {
          message: 'Invalid request.\n\n"return_run_details" is not a permitted key.',
          documentation_url: 'https://docs.github.com/enterprise-server@3.19/rest',
        },
      },
      { status: 204 },
    );
    const debug: string[] = [];
    const forge = forgeWith(mock, { baseUrl: GHES });
    const result = await forge.dispatch(
      { repo, ref: 'main', workflow: 'build.yml' },
      { debug: (m) => debug.push(m) },
    );
    expect(result.path).toBe('none');
    expect(result.notes).toMatchInlineSnapshot(`
      [
        "https://ghe.example.com/api/v3 rejected return_run_details (400: Invalid request. "return_run_details" is not a permitted key.); dispatched again without it, the run will be correlated.",
      ]
    `);
    expect(debug).toHaveLength(1);
    const bodies = mock.seen(GHES_DISPATCH).map((r) => r.body);
    expect(bodies).toEqual([
      { ref: 'main', inputs: {}, return_run_details: true },
      { ref: 'main', inputs: {} },
    ]);

    // Remembered for the process, per base URL: another forge for the same server does not ask again.
    const again = forgeWith(mock, { baseUrl: GHES });
    const second = await again.dispatch({ repo, ref: 'main', workflow: 'build.yml' });
    expect(second.path).toBe('none');
    expect(mock.seen(GHES_DISPATCH)).toHaveLength(3);
    expect(mock.seen(GHES_DISPATCH)[2]?.body).toEqual({ ref: 'main', inputs: {} });
    expect((await again.capabilities()).returnsRunId).toBe(false);
  });

  it('lets one of many concurrent dispatches learn the capability, so only one is rejected', async () => {
    const mock = createFetchMock().on(GHES_DISPATCH, (req) =>
      (req.body as Record<string, unknown>).return_run_details === undefined
        ? jsonResponse(204)
        : jsonResponse(400, { message: 'Invalid request.\n\n"return_run_details" is not a permitted key.' }),
    );
    const forge = forgeWith(mock, { baseUrl: GHES });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => forge.dispatch({ repo, ref: 'main', workflow: 'build.yml' })),
    );
    expect(results.map((r) => r.path)).toEqual(['none', 'none', 'none', 'none', 'none']);
    const withKey = mock
      .seen(GHES_DISPATCH)
      .filter((r) => (r.body as Record<string, unknown>).return_run_details);
    expect(withKey).toHaveLength(1);
    expect(mock.seen(GHES_DISPATCH)).toHaveLength(6);
  });

  it('does not resend after any other 400', async () => {
    const mock = createFetchMock().on(DISPATCH, { status: 400, body: { message: 'Problems parsing JSON' } });
    await expect(
      forgeWith(mock).dispatch({ repo, ref: 'main', workflow: 'build.yml' }),
    ).rejects.toMatchObject({
      code: 'DISPATCH_REJECTED',
      status: 400,
    });
    expect(mock.seen(DISPATCH)).toHaveLength(1);
  });

  it('sends X-GitHub-Api-Version 2026-03-10 without the removed key', async () => {
    const mock = createFetchMock().on(DISPATCH, {
      status: 200,
      body: { workflow_run_id: 9, run_url: `${API}/r/9`, html_url: 'https://github.com/r/9' },
    });
    const result = await forgeWith(mock, { apiVersion: '2026-03-10' }).dispatch({
      repo,
      ref: 'main',
      workflow: 'build.yml',
    });
    expect(result).toMatchObject({ path: 'run-details', runId: 9 });
    const [sent] = mock.seen(DISPATCH);
    expect(sent?.headers.get('x-github-api-version')).toBe('2026-03-10');
    expect(sent?.body).toEqual({ ref: 'main', inputs: {} });
  });

  it('is never retried: a 502 or a lost answer is ambiguous', async () => {
    const mock = createFetchMock().on(DISPATCH, { status: 502, body: { message: 'Server Error' } });
    const error = await forgeWith(mock)
      .dispatch({ repo, ref: 'main', workflow: 'build.yml' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FORGE_HTTP', ambiguous: true, status: 502 });
    expect(mock.seen(DISPATCH)).toHaveLength(1);

    const lost = createFetchMock().on(DISPATCH, networkError('ECONNRESET'));
    const lostError = await forgeWith(lost)
      .dispatch({ repo, ref: 'main', workflow: 'build.yml' })
      .catch((e: unknown) => e);
    expect(lostError).toMatchObject({ code: 'FORGE_HTTP', ambiguous: true });
    expect((lostError as Error).message).toMatchInlineSnapshot(
      `"Could not reach GitHub to dispatch workflow build.yml in acme/target at main (connect ECONNRESET 127.0.0.1:1); the request may have reached GitHub, so look for its effect before repeating it."`,
    );
    expect(lost.seen(DISPATCH)).toHaveLength(1);
  });

  it('a refused connection is certainly not a dispatch', async () => {
    const mock = createFetchMock().on(DISPATCH, networkError('ECONNREFUSED'));
    const error = await forgeWith(mock)
      .dispatch({ repo, ref: 'main', workflow: 'build.yml' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FORGE_HTTP', ambiguous: false });
    expect(mock.seen(DISPATCH)).toHaveLength(1);
  });

  it('is not retried after a secondary rate limit either', async () => {
    const mock = createFetchMock().on(DISPATCH, {
      status: 403,
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      },
      headers: { 'retry-after': '0' },
    });
    await expect(
      forgeWith(mock).dispatch({ repo, ref: 'main', workflow: 'build.yml' }),
    ).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    expect(mock.seen(DISPATCH)).toHaveLength(1);
  });

  it('checks the number of inputs before sending', async () => {
    const mock = createFetchMock();
    const inputs = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`i${i}`, 'x']));
    await expect(
      forgeWith(mock).dispatch({ repo, ref: 'main', workflow: 'build.yml', inputs }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(mock.requests).toHaveLength(0);
  });

  it('needs exactly one of workflow and event type', async () => {
    const forge = forgeWith(createFetchMock());
    await expect(forge.dispatch({ repo, ref: 'main' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(
      forge.dispatch({ repo, ref: 'main', workflow: 'a.yml', eventType: 'x' }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});

describe('repository_dispatch', () => {
  const ROUTE = 'POST /repos/acme/target/dispatches';

  it('sends event_type and client_payload and returns path none', async () => {
    const mock = createFetchMock().on(ROUTE, { status: 204 });
    const result = await forgeWith(mock).dispatch({
      repo,
      ref: 'main',
      eventType: 'build',
      clientPayload: { correlation_id: 'xrd-1', nested: { a: 1 } },
    });
    expect(result.path).toBe('none');
    expect(mock.seen(ROUTE)[0]?.body).toEqual({
      event_type: 'build',
      client_payload: { correlation_id: 'xrd-1', nested: { a: 1 } },
    });
  });

  it('rejects more than 10 top-level keys before sending', async () => {
    const mock = createFetchMock().on(ROUTE, { status: 204 });
    const clientPayload = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i]));
    const error = await forgeWith(mock)
      .dispatch({ repo, ref: 'main', eventType: 'build', clientPayload })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', input: 'client_payload' });
    expect((error as Error).message).toMatchInlineSnapshot(
      `"GitHub accepts at most 10 top-level client_payload keys, got 11 (k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, k10); nest the others under one key."`,
    );
    expect(mock.requests).toHaveLength(0);
  });

  it('rejects a payload of 64 KB or more before sending', async () => {
    const mock = createFetchMock().on(ROUTE, { status: 204 });
    const forge = forgeWith(mock);
    // {"big":"…"} is 10 bytes of JSON around the string.
    const fits = { big: 'x'.repeat(64 * 1024 - 11) };
    await forge.dispatch({ repo, ref: 'main', eventType: 'build', clientPayload: fits });
    const tooBig = { big: 'x'.repeat(64 * 1024 - 10) };
    await expect(
      forge.dispatch({ repo, ref: 'main', eventType: 'build', clientPayload: tooBig }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', input: 'client_payload' });
    expect(mock.seen(ROUTE)).toHaveLength(1);
  });

  it('rejects an event type over 100 characters', async () => {
    const mock = createFetchMock();
    await expect(
      forgeWith(mock).dispatch({ repo, ref: 'main', eventType: 'e'.repeat(101) }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', input: 'event_type' });
    expect(mock.requests).toHaveLength(0);
  });
});

describe('base URL', () => {
  const saved = process.env.GITHUB_API_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.GITHUB_API_URL;
    else process.env.GITHUB_API_URL = saved;
  });

  it('defaults to GITHUB_API_URL, then api.github.com; GHES under /api/v3', async () => {
    const mock = createFetchMock().on('GET /api/v3/repos/acme/target/actions/runs/42', {
      status: 200,
      body: runJson(),
    });
    mock.on('GET /repos/acme/target/actions/runs/42', { status: 200, body: runJson() });
    process.env.GITHUB_API_URL = 'https://ghe.example.com/api/v3/';
    await createGitHubForge({ token: TOKEN, fetch: mock.fetch }).getRun(repo, 42);
    delete process.env.GITHUB_API_URL;
    await createGitHubForge({ token: TOKEN, fetch: mock.fetch }).getRun(repo, 42);
    expect(mock.requests.map((r) => r.url.href)).toEqual([
      'https://ghe.example.com/api/v3/repos/acme/target/actions/runs/42',
      'https://api.github.com/repos/acme/target/actions/runs/42',
    ]);
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => createGitHubForge({ baseUrl: 'ghe.example.com' })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: The GitHub API URL "ghe.example.com" is not an http(s) URL; pass e.g. https://api.github.com or https://HOST/api/v3.]`,
    );
  });
});

describe('reads', () => {
  const RUN = 'GET /repos/acme/target/actions/runs/42';

  it('are conditional: a 304 answers from the cache and is recorded as not counted', async () => {
    const rate = {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': '1767225600',
    };
    const mock = createFetchMock().on(
      RUN,
      { status: 200, body: runJson(), headers: { etag: 'W/"abc"', ...rate } },
      (req) =>
        req.headers.get('if-none-match') === 'W/"abc"'
          ? jsonResponse(304, undefined, { etag: 'W/"abc"', ...rate, 'x-ratelimit-remaining': '4998' })
          : jsonResponse(500, { message: 'expected a conditional request' }),
    );
    const { records, meter } = recordingMeter();
    const forge = forgeWith(mock);
    const first = await forge.getRun(repo, 42, { meter });
    const second = await forge.getRun(repo, 42, { meter });
    expect(second).toEqual(first);
    expect(records).toEqual([
      {
        method: 'GET',
        route: 'GET /repos/{owner}/{repo}/actions/runs/{run_id}',
        status: 200,
        counted: true,
        notModified: false,
        rateLimit: { limit: 5000, remaining: 4999, resetAt: 1767225600000 },
      },
      {
        method: 'GET',
        route: 'GET /repos/{owner}/{repo}/actions/runs/{run_id}',
        status: 304,
        counted: false,
        notModified: true,
        rateLimit: { limit: 5000, remaining: 4998, resetAt: 1767225600000 },
      },
    ]);
  });

  it('survive 5xx and network errors, recording each response', async () => {
    const mock = createFetchMock().on(
      RUN,
      { status: 502, body: { message: 'Bad gateway' } },
      networkError('ECONNRESET'),
      { status: 200, body: runJson() },
    );
    const { records, meter } = recordingMeter();
    const debug: string[] = [];
    const run = await forgeWith(mock).getRun(repo, 42, { meter, debug: (m) => debug.push(m) });
    expect(run.id).toBe(42);
    expect(records.map((r) => r.status)).toEqual([502, 200]);
    expect(mock.seen(RUN)).toHaveLength(3);
    expect(debug).toHaveLength(2);
  });

  it('give up after the bounded retries with a FORGE_HTTP error', async () => {
    const mock = createFetchMock().on(RUN, { status: 503, body: { message: 'Unavailable' } });
    const error = await forgeWith(mock)
      .getRun(repo, 42)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FORGE_HTTP', status: 503, ambiguous: false });
    expect(mock.seen(RUN)).toHaveLength(4);
  });

  it('honour retry-after on a 429', async () => {
    const mock = createFetchMock().on(
      RUN,
      { status: 429, body: { message: 'Too many requests' }, headers: { 'retry-after': '0' } },
      { status: 200, body: runJson() },
    );
    expect((await forgeWith(mock).getRun(repo, 42)).id).toBe(42);
    expect(mock.seen(RUN)).toHaveLength(2);
  });

  it('wait out a secondary rate limit (403 with retry-after)', async () => {
    const mock = createFetchMock().on(
      RUN,
      {
        status: 403,
        body: { message: 'You have exceeded a secondary rate limit.' },
        // plugin-throttling reads "0" as absent (falls back to 60 s), so the shortest real wait is 1 s.
        headers: { 'retry-after': '1' },
      },
      { status: 200, body: runJson() },
    );
    expect((await forgeWith(mock).getRun(repo, 42)).id).toBe(42);
    expect(mock.seen(RUN)).toHaveLength(2);
  });

  it('wait for a primary rate limit reset that is near', async () => {
    const pastReset = String(Math.floor(Date.now() / 1000) - 5);
    const mock = createFetchMock().on(
      RUN,
      {
        status: 403,
        body: { message: 'API rate limit exceeded for user.' },
        headers: {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-limit': '5000',
          'x-ratelimit-reset': pastReset,
        },
      },
      { status: 200, body: runJson() },
    );
    expect((await forgeWith(mock).getRun(repo, 42)).id).toBe(42);
    expect(mock.seen(RUN)).toHaveLength(2);
  });

  it('prefer retry-after over a far x-ratelimit-reset on a primary limit', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    const mock = createFetchMock().on(
      RUN,
      {
        status: 403,
        body: { message: 'API rate limit exceeded for user.' },
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset, 'retry-after': '0' },
      },
      { status: 200, body: runJson() },
    );
    expect((await forgeWith(mock).getRun(repo, 42)).id).toBe(42);
    expect(mock.seen(RUN)).toHaveLength(2);
  });

  it('reject with RATE_LIMITED and the reset time when the reset is beyond a reasonable wait', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600;
    const mock = createFetchMock().on(RUN, {
      status: 403,
      body: { message: 'API rate limit exceeded for user.' },
      headers: {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-reset': String(reset),
      },
    });
    const error = await forgeWith(mock)
      .getRun(repo, 42)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAt: reset * 1000 });
    expect((error as Error).message.replace(/after \S+ or/, 'after <reset> or')).toMatchInlineSnapshot(
      `"GitHub's API rate limit is exhausted, so xrd could not read run 42 in acme/target; retry after <reset> or use a token with its own limit."`,
    );
    expect((error as Error).message).toContain(new Date(reset * 1000).toISOString());
    expect(mock.seen(RUN)).toHaveLength(1);
  });

  it('stop waiting when the signal aborts', async () => {
    const mock = createFetchMock().on(RUN, {
      status: 403,
      body: { message: 'You have exceeded a secondary rate limit.' },
      headers: { 'retry-after': '4' },
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    const error = await forgeWith(mock)
      .getRun(repo, 42, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('default branch', () => {
  const REPO = 'GET /repos/acme/target';

  it('reads default_branch with a conditional, metered GET of the repository', async () => {
    const mock = createFetchMock().on(
      REPO,
      {
        status: 200,
        body: { id: 1, full_name: 'acme/target', default_branch: 'develop' },
        headers: { etag: '"r1"' },
      },
      (req) =>
        req.headers.get('if-none-match') === '"r1"'
          ? jsonResponse(304, undefined, { etag: '"r1"' })
          : jsonResponse(500, { message: 'expected a conditional request' }),
    );
    const { records, meter } = recordingMeter();
    const forge = forgeWith(mock);
    expect(await forge.getDefaultBranch(repo, { meter })).toBe('develop');
    expect(await forge.getDefaultBranch(repo, { meter })).toBe('develop');
    expect(records.map((r) => [r.route, r.status, r.counted])).toEqual([
      ['GET /repos/{owner}/{repo}', 200, true],
      ['GET /repos/{owner}/{repo}', 304, false],
    ]);
  });

  it('names the repository when it cannot be seen, and refuses an answer without a branch', async () => {
    const missing = await forgeWith(
      createFetchMock().on(REPO, { status: 404, body: { message: 'Not Found' } }),
    )
      .getDefaultBranch(repo)
      .catch((e: Error) => e);
    expect((missing as Error).message).toMatchInlineSnapshot(
      `"Repository not found, or the token cannot see it: could not read the default branch of acme/target (404); check the name and the token's repository access."`,
    );
    const empty = await forgeWith(createFetchMock().on(REPO, { status: 200, body: { id: 1 } }))
      .getDefaultBranch(repo)
      .catch((e: Error) => e);
    expect((empty as Error).message).toMatchInlineSnapshot(
      `"GitHub answered without a default branch for acme/target; give the ref to dispatch on explicitly."`,
    );
  });
});

describe('runs, jobs and logs', () => {
  it('maps a run', async () => {
    const mock = createFetchMock().on('GET /repos/acme/target/actions/runs/42', {
      status: 200,
      body: runJson({
        status: 'completed',
        conclusion: 'failure',
        path: '.github/workflows/build.yml@refs/heads/main',
      }),
    });
    expect(await forgeWith(mock).getRun(repo, 42)).toMatchInlineSnapshot(`
      {
        "completedAt": "2026-01-01T00:00:05Z",
        "conclusion": "failure",
        "createdAt": "2026-01-01T00:00:00Z",
        "displayTitle": "Build xrd-0123456789abcdef",
        "event": "workflow_dispatch",
        "headBranch": "main",
        "headSha": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "htmlUrl": "https://github.com/acme/target/actions/runs/42",
        "id": 42,
        "jobsUrl": "https://api.github.com/repos/acme/target/actions/runs/42/jobs",
        "name": "Build",
        "rawStatus": "completed",
        "runAttempt": 1,
        "runNumber": 7,
        "startedAt": "2026-01-01T00:00:01Z",
        "status": "completed",
        "updatedAt": "2026-01-01T00:00:05Z",
        "url": "https://api.github.com/repos/acme/target/actions/runs/42",
        "workflowId": 99,
        "workflowPath": ".github/workflows/build.yml",
      }
    `);
  });

  it('lists runs of a workflow with filters, newest first', async () => {
    const mock = createFetchMock().on('GET /repos/acme/target/actions/workflows/build.yml/runs', {
      status: 200,
      body: { total_count: 3, workflow_runs: [runJson({ id: 3, status: 'waiting' }), runJson({ id: 2 })] },
    });
    const page = await forgeWith(mock).listRuns(repo, {
      workflow: 'build.yml',
      event: 'workflow_dispatch',
      branch: 'main',
      createdAfter: '2026-01-01T00:00:00Z',
      perPage: 2,
    });
    expect(page.runs.map((r) => [r.id, r.status])).toEqual([
      [3, 'queued'],
      [2, 'in_progress'],
    ]);
    expect(page.hasMore).toBe(true);
    const query = Object.fromEntries(mock.requests[0]!.url.searchParams);
    expect(query).toEqual({
      per_page: '2',
      page: '1',
      exclude_pull_requests: 'true',
      event: 'workflow_dispatch',
      branch: 'main',
      created: '>=2026-01-01T00:00:00Z',
    });
  });

  it('lists the jobs of the latest attempt or of a given attempt, across pages', async () => {
    const job = (id: number, attempt: number) => ({
      id,
      run_id: 42,
      name: `job ${id}`,
      status: 'completed',
      conclusion: id === 1 ? 'failure' : 'success',
      run_attempt: attempt,
      started_at: '2026-01-01T00:00:01Z',
      completed_at: '2026-01-01T00:00:04Z',
      html_url: `https://github.com/acme/target/actions/runs/42/job/${id}`,
      steps: [
        { name: 'Set up job', number: 1, status: 'completed', conclusion: 'success' },
        { name: 'Run tests', number: 2, status: 'completed', conclusion: id === 1 ? 'failure' : 'success' },
        { name: 'Later', number: 3, status: 'queued', conclusion: null },
      ],
    });
    const page1 = Array.from({ length: 100 }, (_, i) => job(i + 1, 2));
    const mock = createFetchMock()
      .on(
        'GET /repos/acme/target/actions/runs/42/jobs',
        { status: 200, body: { total_count: 101, jobs: page1 } },
        { status: 200, body: { total_count: 101, jobs: [job(101, 2)] } },
      )
      .on('GET /repos/acme/target/actions/runs/42/attempts/1/jobs', {
        status: 200,
        body: { total_count: 1, jobs: [job(500, 1)] },
      });
    const forge = forgeWith(mock);
    const latest = await forge.listJobs(repo, 42);
    expect(latest).toHaveLength(101);
    expect(latest[0]).toMatchObject({
      id: 1,
      runId: 42,
      status: 'completed',
      conclusion: 'failure',
      runAttempt: 2,
      steps: [
        { name: 'Set up job', number: 1, status: 'completed', conclusion: 'success' },
        { name: 'Run tests', number: 2, status: 'completed', conclusion: 'failure' },
        { name: 'Later', number: 3, status: 'queued', conclusion: null },
      ],
    });
    const first = await forge.listJobs(repo, 42, undefined, 1);
    expect(first.map((j) => [j.id, j.runAttempt])).toEqual([[500, 1]]);
    expect(mock.requests.map((r) => r.url.searchParams.get('page'))).toEqual(['1', '2', '1']);
  });

  it('follows the 302 of a job log without credentials and keeps the tail', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n');
    const mock = createFetchMock()
      .on('GET /repos/acme/target/actions/jobs/7/logs', {
        status: 302,
        headers: { location: 'https://blob.example.net/logs/7?sig=abc' },
      })
      .on(
        'GET /logs/7',
        () => new Response(lines, { status: 200, headers: { 'content-type': 'text/plain' } }),
      );
    const { records, meter } = recordingMeter();
    const tail = await forgeWith(mock).getJobLog(repo, 7, { meter }, 100);
    expect(tail.endsWith('line 1999')).toBe(true);
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(100);
    expect(tail.startsWith('line ')).toBe(true);
    const download = mock.seen('GET /logs/7')[0]!;
    expect(download.headers.has('authorization')).toBe(false);
    expect(records.map((r) => [r.status, r.counted])).toEqual([
      [302, true],
      [200, false],
    ]);
  });

  it('cancels a run, and a completed run is not an error', async () => {
    const CANCEL = 'POST /repos/acme/target/actions/runs/42/cancel';
    const mock = createFetchMock().on(
      CANCEL,
      { status: 202, body: {} },
      { status: 409, body: { message: 'Cannot cancel a workflow run that is completed.' } },
    );
    const forge = forgeWith(mock);
    await forge.cancelRun(repo, 42);
    await forge.cancelRun(repo, 42);
    expect(mock.seen(CANCEL)).toHaveLength(2);
  });
});

describe('commit statuses and comments', () => {
  it('sets a commit status with the description cut to 140 characters', async () => {
    const ROUTE = `POST /repos/acme/source/statuses/${'b'.repeat(40)}`;
    const mock = createFetchMock().on(ROUTE, { status: 201, body: { id: 1 } });
    const forge = forgeWith(mock);
    await forge.setCommitStatus({ owner: 'acme', repo: 'source' }, 'b'.repeat(40), {
      state: 'pending',
      context: 'xrd/build',
      description: 'd'.repeat(200),
      targetUrl: 'https://github.com/acme/target/actions/runs/42',
    });
    await forge.setCommitStatus({ owner: 'acme', repo: 'source' }, 'b'.repeat(40), {
      state: 'warning',
      context: 'xrd/build',
    });
    const [first, second] = mock.seen(ROUTE).map((r) => r.body as Record<string, string>);
    expect(first?.description).toHaveLength(140);
    expect(first).toMatchObject({
      state: 'pending',
      context: 'xrd/build',
      target_url: 'https://github.com/acme/target/actions/runs/42',
    });
    expect(second).toEqual({ state: 'failure', context: 'xrd/build' });
  });

  const SHA = 'b'.repeat(40);
  const STATUSES = `GET /repos/acme/source/commits/${SHA}/statuses`;
  const statusJson = (id: number, over: Record<string, unknown> = {}) => ({
    id,
    url: `${API}/repos/acme/source/statuses/${SHA}`,
    state: 'success',
    description: null,
    target_url: null,
    context: 'xrd/build',
    created_at: `2026-01-01T00:00:${String(id % 60).padStart(2, '0')}Z`,
    ...over,
  });

  it('lists the commit statuses of a sha across pages, newest first as GitHub sends them', async () => {
    const page1 = Array.from({ length: 100 }, (_, i) => statusJson(200 - i, { context: `ctx-${i}` }));
    const mock = createFetchMock().on(
      STATUSES,
      { status: 200, body: page1 },
      {
        status: 200,
        body: [
          statusJson(3, { state: 'failure', description: 'Tests failed', target_url: 'https://r/3' }),
          statusJson(2, { state: 'pending', context: undefined }),
        ],
      },
    );
    const statuses = await forgeWith(mock).listCommitStatuses({ owner: 'acme', repo: 'source' }, SHA);
    expect(statuses).toHaveLength(102);
    expect(statuses[0]).toEqual({
      state: 'success',
      context: 'ctx-0',
      createdAt: '2026-01-01T00:00:20Z',
      id: 200,
    });
    expect(statuses.slice(100)).toEqual([
      {
        state: 'failure',
        context: 'xrd/build',
        description: 'Tests failed',
        targetUrl: 'https://r/3',
        createdAt: '2026-01-01T00:00:03Z',
        id: 3,
      },
      // A status posted without a context is GitHub's `default` context.
      { state: 'pending', context: 'default', createdAt: '2026-01-01T00:00:02Z', id: 2 },
    ]);
    expect(mock.seen(STATUSES).map((r) => Object.fromEntries(r.url.searchParams))).toEqual([
      { per_page: '100', page: '1' },
      { per_page: '100', page: '2' },
    ]);
  });

  it('re-reads the statuses of an unchanged commit conditionally (a 304 is not counted)', async () => {
    const mock = createFetchMock().on(
      STATUSES,
      { status: 200, body: [statusJson(1)], headers: { etag: 'W/"s1"' } },
      (req) =>
        req.headers.get('if-none-match') === 'W/"s1"'
          ? jsonResponse(304, undefined, { etag: 'W/"s1"' })
          : jsonResponse(500, { message: 'expected a conditional request' }),
    );
    const { records, meter } = recordingMeter();
    const forge = forgeWith(mock);
    const first = await forge.listCommitStatuses({ owner: 'acme', repo: 'source' }, SHA, { meter });
    const second = await forge.listCommitStatuses({ owner: 'acme', repo: 'source' }, SHA, { meter });
    expect(second).toEqual(first);
    expect(first.map((s) => s.id)).toEqual([1]);
    expect(records.map((r) => [r.route, r.status, r.counted])).toEqual([
      ['GET /repos/{owner}/{repo}/commits/{ref}/statuses', 200, true],
      ['GET /repos/{owner}/{repo}/commits/{ref}/statuses', 304, false],
    ]);
  });

  it('survives a 502 when listing statuses and maps an unknown sha to a clear error', async () => {
    const mock = createFetchMock().on(
      STATUSES,
      { status: 502, body: { message: 'Bad gateway' } },
      { status: 200, body: [statusJson(1)] },
    );
    const forge = forgeWith(mock);
    expect(await forge.listCommitStatuses({ owner: 'acme', repo: 'source' }, SHA)).toHaveLength(1);
    const missing = createFetchMock().on(STATUSES, {
      status: 422,
      body: { message: `No commit found for SHA: ${SHA}` },
    });
    const error = (await forgeWith(missing)
      .listCommitStatuses({ owner: 'acme', repo: 'source' }, SHA)
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as Error & { code: string };
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatchInlineSnapshot(
      `"GitHub rejected the request to list the commit statuses of bbbbbbbbbbbb in acme/source (422: No commit found for SHA: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb); correct the value it names."`,
    );
  });

  const LIST = 'GET /repos/acme/source/issues/1/comments';
  const marker = '<!-- xrd:acme/target:build.yml -->';

  it('creates the comment when no comment carries the marker', async () => {
    const mock = createFetchMock()
      .on(LIST, { status: 200, body: [{ id: 1, body: 'LGTM' }] })
      .on('POST /repos/acme/source/issues/1/comments', {
        status: 201,
        body: { id: 77, html_url: 'https://github.com/acme/source/pull/1#issuecomment-77' },
      });
    const result = await forgeWith(mock).upsertComment(
      { owner: 'acme', repo: 'source' },
      1,
      marker,
      `${marker}\nhi`,
    );
    expect(result).toEqual({
      id: 77,
      created: true,
      htmlUrl: 'https://github.com/acme/source/pull/1#issuecomment-77',
    });
  });

  it('edits the comment with the marker, found on a later page', async () => {
    const page1 = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, body: `comment ${i}` }));
    const mock = createFetchMock()
      .on(LIST, { status: 200, body: page1 }, { status: 200, body: [{ id: 150, body: `${marker}\nold` }] })
      .on('PATCH /repos/acme/source/issues/comments/150', {
        status: 200,
        body: { id: 150, html_url: 'https://github.com/c/150' },
      });
    const result = await forgeWith(mock).upsertComment(
      { owner: 'acme', repo: 'source' },
      1,
      marker,
      `${marker}\nnew`,
    );
    expect(result).toEqual({ id: 150, created: false, htmlUrl: 'https://github.com/c/150' });
    expect(mock.seen(LIST).map((r) => r.url.searchParams.get('page'))).toEqual(['1', '2']);
    expect(mock.seen('PATCH /repos/acme/source/issues/comments/150')[0]?.body).toEqual({
      body: `${marker}\nnew`,
    });
    expect(mock.seen('POST /repos/acme/source/issues/1/comments')).toHaveLength(0);
  });

  it('posts a comment again only after a certain rejection (primary rate limit)', async () => {
    const POST = 'POST /repos/acme/source/issues/1/comments';
    const mock = createFetchMock()
      .on(LIST, { status: 200, body: [] })
      .on(
        POST,
        {
          status: 403,
          body: { message: 'API rate limit exceeded for user.' },
          headers: { 'x-ratelimit-remaining': '0', 'retry-after': '0' },
        },
        { status: 201, body: { id: 8 } },
      );
    const result = await forgeWith(mock).upsertComment({ owner: 'acme', repo: 'source' }, 1, marker, 'hi');
    expect(result).toEqual({ id: 8, created: true });
    expect(mock.seen(POST)).toHaveLength(2);
    // The marker is appended when the body lacks it, so the next update finds the comment.
    expect(mock.seen(POST)[1]?.body).toEqual({ body: `hi\n\n${marker}` });
  });

  it('does not write when the comment already says the same', async () => {
    const mock = createFetchMock().on(LIST, { status: 200, body: [{ id: 5, body: `${marker}\nsame` }] });
    const result = await forgeWith(mock).upsertComment(
      { owner: 'acme', repo: 'source' },
      1,
      marker,
      `${marker}\nsame`,
    );
    expect(result).toEqual({ id: 5, created: false });
    expect(mock.requests).toHaveLength(1);
  });
});

describe('capabilities', () => {
  it('github.com returns the run id; a GHES tells its version in /meta', async () => {
    const mock = createFetchMock().on('GET /api/v3/meta', {
      status: 200,
      body: { installed_version: '3.19.4' },
    });
    const github = await forgeWith(mock).capabilities();
    expect(github).toMatchObject({
      kind: 'github',
      server: 'GitHub',
      returnsRunId: true,
      repositoryDispatch: true,
      conditionalRequests: true,
      commitStates: ['pending', 'success', 'failure', 'error'],
    });
    expect(mock.requests).toHaveLength(0);
    const ghes = await forgeWith(mock, { baseUrl: GHES }).capabilities();
    expect(ghes).toMatchObject({ server: 'GHES 3.19.4', returnsRunId: false });
    expect(ghes.limitations[0]).toMatch(/does not return the run/);
  });

  it('a GHES of unknown version is tried, then known', async () => {
    const mock = createFetchMock()
      .on('GET /api/v3/meta', { status: 404, body: { message: 'Not Found' } })
      .on(GHES_DISPATCH, {
        status: 200,
        body: { workflow_run_id: 5, run_url: `${GHES}/repos/acme/target/actions/runs/5`, html_url: 'h' },
      });
    const forge = forgeWith(mock, { baseUrl: GHES });
    expect((await forge.capabilities()).returnsRunId).toBe('unknown');
    await forge.dispatch({ repo, ref: 'main', workflow: 'build.yml' });
    expect((await forge.capabilities()).returnsRunId).toBe(true);
  });
});

describe('request deadline', () => {
  /** A server that accepts the request and never answers: only an abort ends it. */
  function hangingFetch() {
    const state = { calls: 0 };
    const fetch: typeof globalThis.fetch = (_input, init) => {
      state.calls += 1;
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
      });
    };
    return { state, fetch };
  }

  it('bounds every request: a read is retried, then fails; a dispatch fails once, as ambiguous', async () => {
    const { state, fetch } = hangingFetch();
    const forge = createGitHubForge({
      baseUrl: API,
      token: TOKEN,
      fetch,
      minWriteIntervalMs: 0,
      retry: { retries: 1, baseDelayMs: 1, maxWaitMs: 1_000 },
      requestTimeoutMs: 50,
    });
    const read = await forge.getRun(repo, 42).catch((e: unknown) => e);
    expect(read).toMatchObject({ code: 'FORGE_HTTP' });
    expect(state.calls).toBe(2);

    state.calls = 0;
    const sent = await forge.dispatch({ repo, ref: 'main', workflow: 'build.yml' }).catch((e: unknown) => e);
    expect(sent).toMatchObject({ ambiguous: true });
    expect(state.calls).toBe(1);
  });

  it('ends with the request: no timer and no abort listener outlive a request that was read', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const caller = new AbortController();
      const seen: AbortSignal[] = [];
      const bounded = withDeadline(async (_input, init) => {
        if (init?.signal) seen.push(init.signal);
        return new Response('{"ok":true}', { status: 200, headers: { etag: 'W/"1"' } });
      }, 60_000);
      const response = await bounded('https://api.test/x', { signal: caller.signal });
      expect(vi.getTimerCount()).toBe(1);
      expect(await response.json()).toEqual({ ok: true });
      expect(response.headers.get('etag')).toBe('W/"1"');
      expect(vi.getTimerCount()).toBe(0);
      // The caller's signal no longer reaches the finished request.
      caller.abort();
      expect(seen[0]?.aborted).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('still cuts a body that stalls, and still follows the caller’s signal', async () => {
    const stalling = withDeadline(
      async (_input, init) =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"partial":'));
              init?.signal?.addEventListener('abort', () => controller.error(init.signal?.reason));
            },
          }),
        ),
      50,
    );
    const read = await (await stalling('https://api.test/x')).text().catch((e: unknown) => e);
    expect(read).toMatchObject({ name: 'TimeoutError' });
    const caller = new AbortController();
    const { fetch } = hangingFetch();
    const pending = withDeadline(fetch, 60_000)('https://api.test/x', { signal: caller.signal });
    caller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
