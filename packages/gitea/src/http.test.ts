import type { RequestRecord } from '@xrd/core';
import { describe, expect, test } from 'vitest';
import { mockGitea } from '../test/mock-gitea.js';
import { HttpClient, mayHaveBeenSent, type RequestSpec } from './http.js';
import { resolveGiteaUrls } from './urls.js';

function setup(retries = 3) {
  const mock = mockGitea();
  const sleeps: number[] = [];
  const client = new HttpClient({
    urls: resolveGiteaUrls('https://git.example.com'),
    token: 'tok-secret-1234',
    dispatcher: mock.agent,
    userAgent: 'test',
    retry: { retries, baseDelayMs: 100, maxDelayMs: 60_000 },
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw new Error('aborted');
      sleeps.push(ms);
    },
    now: () => 1_000_000,
  });
  const records: RequestRecord[] = [];
  const ctx = { meter: { record: (r: RequestRecord) => records.push(r) } };
  return { mock, client, sleeps, records, ctx };
}

const runSpec: RequestSpec = { method: 'GET', path: '/repos/a/b/actions/runs/1', route: '/runs/{id}' };

describe('reads', () => {
  test('retried on 5xx with exponential backoff, every answer metered', async () => {
    const { mock, client, sleeps, records, ctx } = setup();
    mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', { status: 502, body: 'bad gateway' }, 2);
    mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', { status: 200, body: { id: 1 } });
    const res = await client.read(runSpec, ctx);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 1 });
    expect(sleeps).toEqual([100, 200]);
    expect(records.map((r) => r.status)).toEqual([502, 502, 200]);
    expect(records.every((r) => r.counted && !r.notModified)).toBe(true);
  });

  test('gives up after the retry budget and answers the last response', async () => {
    const { mock, client, sleeps, ctx } = setup(2);
    mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', { status: 503 }, 3);
    const res = await client.read(runSpec, ctx);
    expect(res.status).toBe(503);
    expect(sleeps).toHaveLength(2);
    expect(mock.requests).toHaveLength(3);
  });

  test('429 honours retry-after seconds', async () => {
    const { mock, client, sleeps, ctx } = setup();
    mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', { status: 429, headers: { 'retry-after': '7' } });
    mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', { status: 200, body: { id: 1 } });
    expect((await client.read(runSpec, ctx)).status).toBe(200);
    expect(sleeps).toEqual([7000]);
  });

  test('5xx honours x-ratelimit-reset when the budget is spent', async () => {
    const { mock, client, sleeps, records, ctx } = setup();
    mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', {
      status: 503,
      headers: { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1003' },
    });
    mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', { status: 200, body: {} });
    await client.read(runSpec, ctx);
    expect(sleeps).toEqual([3000]);
    expect(records[0]?.rateLimit).toEqual({ limit: 100, remaining: 0, resetAt: 1_003_000 });
  });

  test('a 429 asking for longer than the policy allows is a RateLimitedError', async () => {
    const { mock, client, sleeps, ctx } = setup();
    mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', { status: 429, headers: { 'retry-after': '3600' } });
    await expect(client.read(runSpec, ctx)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      retryAt: 1_000_000 + 3_600_000,
    });
    expect(sleeps).toEqual([]);
  });

  test('network errors are retried for reads', async () => {
    const { mock, client, ctx } = setup();
    mock.fail(
      'GET',
      '/api/v1/repos/a/b/actions/runs/1',
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    );
    mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', { status: 200, body: { id: 1 } });
    expect((await client.read(runSpec, ctx)).body).toEqual({ id: 1 });
  });

  test('an aborted signal stops before sending', async () => {
    const { client, mock } = setup();
    const controller = new AbortController();
    controller.abort();
    await expect(client.read(runSpec, { signal: controller.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(mock.requests).toHaveLength(0);
  });

  test('conditional: If-None-Match with the stored ETag; a 304 answers from the cache, uncounted', async () => {
    const { mock, client, records, ctx } = setup();
    mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', {
      status: 200,
      body: { id: 1, status: 'running' },
      headers: { etag: '"v1"' },
    });
    mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', (req) =>
      req.headers['if-none-match'] === '"v1"' ? { status: 304 } : { status: 500 },
    );
    const first = await client.read(runSpec, ctx);
    const second = await client.read(runSpec, ctx);
    expect(second).toMatchObject({ status: 200, body: first.body, fromCache: true });
    expect(records.map((r) => [r.status, r.counted, r.notModified])).toEqual([
      [200, true, false],
      [304, false, true],
    ]);
    expect(client.sawEtag).toBe(true);
  });

  test('the token is sent as Authorization: token', async () => {
    const { mock, client } = setup();
    mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', { status: 200, body: {} });
    await client.read(runSpec);
    expect(mock.requests[0]?.headers.authorization).toBe('token tok-secret-1234');
  });
});

describe('writes', () => {
  const post: RequestSpec = { method: 'POST', path: '/repos/a/b/x', route: '/x', body: { a: 1 } };

  test('never retried: a 502 is answered as is after one request', async () => {
    const { mock, client } = setup();
    mock.on('POST', '/api/v1/repos/a/b/x', { status: 502 }, 2);
    expect((await client.write(post)).status).toBe(502);
    expect(mock.requests).toHaveLength(1);
  });

  test('a connection lost after sending is ambiguous', async () => {
    const { mock, client } = setup();
    mock.fail(
      'POST',
      '/api/v1/repos/a/b/x',
      Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    );
    await expect(client.write(post)).rejects.toMatchObject({ code: 'FORGE_HTTP', ambiguous: true });
  });

  test('a refused connection is not ambiguous', async () => {
    const { mock, client } = setup();
    mock.fail(
      'POST',
      '/api/v1/repos/a/b/x',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    const error = await client.write(post).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FORGE_HTTP', ambiguous: false });
    expect((error as Error).message).toMatchInlineSnapshot(
      `"POST https://git.example.com /x got no answer (ECONNREFUSED); check that the server is reachable."`,
    );
  });
});

test('mayHaveBeenSent', () => {
  expect(mayHaveBeenSent(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(false);
  expect(mayHaveBeenSent(Object.assign(new Error('x'), { cause: { code: 'ENOTFOUND' } }))).toBe(false);
  expect(mayHaveBeenSent(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toBe(true);
  expect(mayHaveBeenSent(new Error('no code'))).toBe(true);
});

test('a 403 with retry-after (a rate-limiting proxy) is a wait, not a refusal', async () => {
  const { mock, client, sleeps, ctx } = setup();
  mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', {
    status: 403,
    headers: { 'retry-after': '2' },
    body: { message: 'You have exceeded a secondary rate limit.' },
  });
  mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', {
    status: 403,
    headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1001' },
    body: { message: 'API rate limit exceeded' },
  });
  mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', { status: 200, body: { id: 1 } });
  expect((await client.read(runSpec, ctx)).status).toBe(200);
  expect(sleeps).toEqual([2000, 1000]);
});

test('a plain 403 is answered as is (a permission problem)', async () => {
  const { mock, client, sleeps } = setup();
  mock.on('GET', '/api/v1/repos/a/b/actions/runs/1', { status: 403, body: { message: 'token lacks scope' } });
  expect((await client.read(runSpec)).status).toBe(403);
  expect(sleeps).toEqual([]);
});
