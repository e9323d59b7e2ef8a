// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow expressions, not JS templates.
// biome-ignore-all lint/suspicious/noExplicitAny: test answers are untyped JSON.
import { afterEach, describe, expect, it } from 'vitest';
import { type Sim, startSim } from './sim.js';
import { call, waitFor } from './test-support/http.js';
import type { Dialect } from './types.js';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const T = '/repos/acme/target';
const runs = async (s: Sim) => (await call(s.url, 'GET', '/_sim/runs')).body as any[];

describe('paging', () => {
  it('GitHub: per_page (≤ 100) + page, total_count and a Link header with next/last/prev/first', async () => {
    sim = await startSim({ dialect: 'github', timeScale: 1000, listingDelayMs: 0 });
    for (let i = 0; i < 7; i++) {
      await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, {
        ref: 'main',
        inputs: { correlation_id: `c${i}` },
      });
    }
    const p1 = await call(sim.apiUrl, 'GET', `${T}/actions/runs?per_page=3`);
    expect(p1.body.total_count).toBe(7);
    expect(p1.body.workflow_runs.map((r: any) => r.display_title)).toEqual([
      'Build c6',
      'Build c5',
      'Build c4',
    ]);
    expect(p1.headers.get('link')).toBe(
      `<${sim.apiUrl}${T}/actions/runs?per_page=3&page=2>; rel="next", <${sim.apiUrl}${T}/actions/runs?per_page=3&page=3>; rel="last"`,
    );
    const p3 = await call(sim.apiUrl, 'GET', `${T}/actions/runs?per_page=3&page=3`);
    expect(p3.body.workflow_runs.map((r: any) => r.display_title)).toEqual(['Build c0']);
    expect(p3.headers.get('link')).toContain('rel="prev"');
    expect(p3.headers.get('link')).toContain('rel="first"');
    const big = await call(sim.apiUrl, 'GET', `${T}/actions/runs?per_page=500`);
    expect(big.body.workflow_runs).toHaveLength(7);
  });

  it('GitHub: filters event, branch, status, head_sha and created', async () => {
    // Filters, not the listing delay (runs.test.ts): runs list at once here.
    sim = await startSim({ dialect: 'github', timeScale: 1, listingDelayMs: 0 });
    const since = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, { ref: 'main' });
    await call(sim.apiUrl, 'POST', `${T}/dispatches`, {
      event_type: 'build',
      client_payload: { correlation_id: 'r1', sha: 'x1' },
    });
    const q = async (query: string) =>
      (await call(sim!.apiUrl, 'GET', `${T}/actions/runs?${query}`)).body.total_count;
    expect(await q('event=workflow_dispatch')).toBe(1);
    // one repository_dispatch of type build starts both on-dispatch.yml and step-marker.yml
    expect(await q('event=repository_dispatch')).toBe(2);
    expect(await q('branch=main')).toBe(3);
    expect(await q('branch=other')).toBe(0);
    expect(await q('status=queued')).toBe(3);
    expect(await q('status=completed')).toBe(0);
    expect(await q(`created=${encodeURIComponent(`>=${since}`)}`)).toBe(3);
    expect(await q(`created=${encodeURIComponent('>=2999-01-01T00:00:00Z')}`)).toBe(0);
    const sha = (await runs(sim))[0].headSha;
    expect(await q(`head_sha=${sha}`)).toBe(3);
    expect(await q(`head_sha=${'0'.repeat(40)}`)).toBe(0);
  });

  it('Gitea: page + limit capped at 50, X-Total-Count', async () => {
    sim = await startSim({ dialect: 'gitea-1.25', timeScale: 1000 });
    for (let i = 0; i < 52; i++)
      await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, { ref: 'main' });
    const p = await call(sim.apiUrl, 'GET', `${T}/actions/runs?limit=100`);
    expect(p.body.workflow_runs).toHaveLength(50);
    expect(p.body.total_count).toBe(52);
    expect(p.headers.get('x-total-count')).toBe('52');
    expect(p.headers.get('link')).toMatch(/[?&]limit=50&page=2>; rel="next"/);
    const p2 = await call(sim.apiUrl, 'GET', `${T}/actions/runs?limit=50&page=2`);
    expect(p2.body.workflow_runs.map((r: any) => r.run_number)).toEqual([2, 1]);
  });
});

describe('ETag, 304 and the rate limit', () => {
  it('a matching If-None-Match answers 304, is not counted and does not spend the budget', async () => {
    sim = await startSim({ dialect: 'github', timeScale: 1 });
    const d = await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, {
      ref: 'main',
      return_run_details: true,
    });
    const path = `${T}/actions/runs/${d.body.workflow_run_id}`;
    const a = await call(sim.apiUrl, 'GET', path);
    const etag = a.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    const remaining = Number(a.headers.get('x-ratelimit-remaining'));
    const b = await call(sim.apiUrl, 'GET', path, undefined, { 'if-none-match': etag });
    expect(b.status).toBe(304);
    expect(Number(b.headers.get('x-ratelimit-remaining'))).toBe(remaining);
    const stats = sim.stats();
    expect(stats.requests).toEqual({ total: 3, counted: 2, notModified: 1 });
    expect(stats.byRoute['GET /repos/{owner}/{repo}/actions/runs/{run_id}']).toEqual({
      total: 2,
      counted: 1,
      notModified: 1,
    });
    // the ETag changes when the run changes
    await call(sim.url, 'POST', `/_sim/runs/${d.body.workflow_run_id}/finish`, { conclusion: 'failure' });
    const c = await call(sim.apiUrl, 'GET', path, undefined, { 'if-none-match': etag });
    expect(c.status).toBe(200);
    expect(c.body.conclusion).toBe('failure');
    // control routes are not counted; reset zeroes
    await call(sim.url, 'POST', '/_sim/stats/reset');
    expect((await call(sim.url, 'GET', '/_sim/stats')).body.requests).toEqual({
      total: 0,
      counted: 0,
      notModified: 0,
    });
  });

  it.each(['gitea-1.24', 'gitea-1.25', 'gitea-1.26', 'forgejo'] as const)(
    '%s sends no ETag or Last-Modified on the routes a waiting client polls, and ignores If-None-Match',
    async (dialect) => {
      // Gitea and Forgejo answer these routes with a bare ctx.JSON (source cited in sim.ts).
      sim = await startSim({ dialect, timeScale: 1 });
      await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, { ref: 'main' });
      const [run] = (await call(sim.url, 'GET', '/_sim/runs')).body as Array<{ id: number }>;
      await call(sim.url, 'POST', `/_sim/runs/${run!.id}/finish`, { conclusion: 'success' });
      const paths =
        dialect === 'gitea-1.24'
          ? [`${T}/actions/tasks`]
          : [
              `${T}/actions/tasks`,
              `${T}/actions/runs`,
              `${T}/actions/runs/${run!.id}`,
              `${T}/actions/runs/${run!.id}/jobs`,
            ];
      for (const path of paths) {
        const first = await call(sim.apiUrl, 'GET', path);
        expect(first.status, path).toBe(200);
        expect(first.headers.get('etag'), path).toBeNull();
        expect(first.headers.get('last-modified'), path).toBeNull();
        const again = await call(sim.apiUrl, 'GET', path, undefined, { 'if-none-match': 'W/"anything"' });
        expect(again.status, path).toBe(200);
      }
      expect(sim.stats().requests.notModified).toBe(0);
    },
  );

  it('spends the budget, then answers 403 with x-ratelimit-remaining 0 until the reset', async () => {
    sim = await startSim({ dialect: 'github' });
    await call(sim.url, 'POST', '/_sim/rate-limit', { limit: 5000, remaining: 2, resetInSeconds: 30 });
    const a = await call(sim.apiUrl, 'GET', `${T}/actions/runs`);
    expect(a.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(a.headers.get('x-ratelimit-resource')).toBe('core');
    await call(sim.apiUrl, 'GET', `${T}/actions/runs`);
    const c = await call(sim.apiUrl, 'GET', `${T}/actions/runs`);
    expect(c.status).toBe(403);
    expect(c.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(c.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect(c.body.message).toMatch(/^API rate limit exceeded/);
    const rl = await call(sim.apiUrl, 'GET', '/rate_limit');
    expect(rl.status).toBe(200);
    expect(rl.body.resources.core.remaining).toBe(0);
  });

  it('the secondary limit answers 403 with retry-after when content is created too fast', async () => {
    sim = await startSim({ dialect: 'github', secondaryLimitPerMinute: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await call(sim.apiUrl, 'POST', `/repos/acme/source/issues/1/comments`, { body: `c${i}` });
      statuses.push(r.status);
      if (r.status === 403) {
        expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(r.body.message).toContain('secondary rate limit');
      }
    }
    expect(statuses).toEqual([201, 201, 201, 403]);
    // reads are not content creation
    expect((await call(sim.apiUrl, 'GET', '/repos/acme/source/issues/1/comments')).body).toHaveLength(3);
  });
});

describe('faults', () => {
  it('5xx bursts, then normal answers', async () => {
    sim = await startSim({ dialect: 'github' });
    await call(sim.url, 'POST', '/_sim/faults', {
      kind: '5xx',
      count: 2,
      status: 503,
      path: '/actions/runs$',
    });
    const s = [];
    for (let i = 0; i < 3; i++) s.push((await call(sim.apiUrl, 'GET', `${T}/actions/runs`)).status);
    expect(s).toEqual([503, 503, 200]);
  });

  it('drop destroys the connection', async () => {
    sim = await startSim({ dialect: 'gitea-1.25' });
    await call(sim.url, 'POST', '/_sim/faults', { kind: 'drop', method: 'GET' });
    await expect(call(sim.apiUrl, 'GET', `${T}/actions/runs`)).rejects.toThrow();
    expect((await call(sim.apiUrl, 'GET', `${T}/actions/runs`)).status).toBe(200);
  });

  it('slow delays the answer', async () => {
    sim = await startSim({ dialect: 'github' });
    await call(sim.url, 'POST', '/_sim/faults', { kind: 'slow', delayMs: 300 });
    const t0 = performance.now();
    const r = await call(sim.apiUrl, 'GET', '/rate_limit');
    expect(r.status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('lose-dispatch-answer: the run is created, the answer never arrives', async () => {
    sim = await startSim({ dialect: 'github' });
    await call(sim.url, 'POST', '/_sim/faults', { kind: 'lose-dispatch-answer' });
    await expect(
      call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, {
        ref: 'main',
        inputs: { correlation_id: 'lost-1' },
        return_run_details: true,
      }),
    ).rejects.toThrow();
    const all = await runs(sim);
    expect(all).toHaveLength(1);
    expect(all[0].displayTitle).toBe('Build lost-1');
  });

  it('rate-limit and secondary-limit faults answer like GitHub does', async () => {
    sim = await startSim({ dialect: 'github' });
    await call(sim.url, 'POST', '/_sim/faults', { kind: 'rate-limit', status: 429 });
    const a = await call(sim.apiUrl, 'GET', `${T}/actions/runs`);
    expect(a.status).toBe(429);
    expect(a.headers.get('x-ratelimit-remaining')).toBe('0');
    await call(sim.url, 'POST', '/_sim/faults', { kind: 'secondary-limit', delayMs: 2000 });
    const b = await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, { ref: 'main' });
    expect(b.status).toBe(403);
    expect(b.headers.get('retry-after')).toBe('2');
    expect(await runs(sim)).toHaveLength(0);
  });
});

describe('dispatch validation', () => {
  it('GitHub answers as the real API does for bad dispatches', async () => {
    sim = await startSim({ dialect: 'github' });
    const post = (path: string, body: unknown) => call(sim!.apiUrl, 'POST', path, body);
    expect((await post(`${T}/actions/workflows/nope.yml/dispatches`, { ref: 'main' })).status).toBe(404);
    expect(
      (await post('/repos/acme/nope/actions/workflows/build.yml/dispatches', { ref: 'main' })).status,
    ).toBe(404);
    const noRef = await post(`${T}/actions/workflows/build.yml/dispatches`, {});
    expect(noRef.status).toBe(422);
    expect(noRef.body.message).toMatchInlineSnapshot(`
      "Invalid request.

      "ref" wasn't supplied."
    `);
    expect((await post(`${T}/actions/workflows/build.yml/dispatches`, { ref: 'nope' })).body.message).toBe(
      'No ref found for: nope',
    );
    expect(
      (await post(`${T}/actions/workflows/on-dispatch.yml/dispatches`, { ref: 'main' })).body.message,
    ).toBe("Workflow does not have 'workflow_dispatch' trigger");
    const unexpected = await post(`${T}/actions/workflows/build.yml/dispatches`, {
      ref: 'main',
      inputs: { bogus: '1' },
    });
    expect(unexpected.body.message).toBe('Unexpected inputs provided: ["bogus"]');
    const many = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`i${i}`, 'x']));
    expect(
      (await post(`${T}/actions/workflows/build.yml/dispatches`, { ref: 'main', inputs: many })).status,
    ).toBe(422);
    const big = await post(`${T}/dispatches`, {
      event_type: 'build',
      client_payload: { blob: 'x'.repeat(70_000) },
    });
    expect(big.status).toBe(422);
    // by numeric id and by file name
    const wf = (await call(sim.apiUrl, 'GET', `${T}/actions/workflows/build.yml`)).body;
    expect(
      (await post(`${T}/actions/workflows/${wf.id}/dispatches`, { ref: 'refs/heads/main' })).status,
    ).toBe(204);
    expect(await runs(sim)).toHaveLength(1);
  });

  it('Gitea keeps only declared inputs and fills defaults; addresses workflows by file name only', async () => {
    sim = await startSim({
      dialect: 'gitea-1.25',
      seed: {
        repos: [
          {
            owner: 'o',
            repo: 'r',
            workflows: [
              {
                file: 'w.yml',
                on: { workflow_dispatch: { inputs: { a: { default: 'A' }, b: {} } } },
                runName: 'W ${{ inputs.a }}-${{ inputs.b }}',
                jobs: [{ name: 'j', steps: ['s'] }],
              },
            ],
          },
        ],
      },
    });
    const r = await call(sim.apiUrl, 'POST', '/repos/o/r/actions/workflows/w.yml/dispatches', {
      ref: 'main',
      inputs: { b: 'B', extra: 'x' },
    });
    expect(r.status).toBe(204);
    const [run] = await runs(sim);
    expect(run.inputs).toEqual({ a: 'A', b: 'B' });
    expect(run.displayTitle).toBe('W A-B');
    expect(run.id).not.toBe(run.runNumber);
    const wf = (await call(sim.apiUrl, 'GET', '/repos/o/r/actions/workflows/w.yml')).body;
    expect(wf.id).toBe('w.yml');
    expect(
      (await call(sim.apiUrl, 'POST', '/repos/o/r/actions/workflows/1/dispatches', { ref: 'main' })).status,
    ).toBe(404);
  });
});

describe.each([
  ['github', 'workflow_run_id'],
  ['ghes-3.20', undefined],
  ['gitea-1.24', undefined],
  ['gitea-1.25', undefined],
  ['gitea-1.26', 'workflow_run_id'],
  ['forgejo', 'id'],
] as [Dialect, string | undefined][])('run id from the dispatch (%s)', (dialect, key) => {
  it('returns the id exactly as that server does', async () => {
    sim = await startSim({ dialect, timeScale: 100 });
    const path = `${T}/actions/workflows/build.yml/dispatches`;
    let res: Awaited<ReturnType<typeof call<any>>>;
    if (dialect === 'github')
      res = await call(sim.apiUrl, 'POST', path, { ref: 'main', return_run_details: true });
    else if (dialect === 'gitea-1.26')
      res = await call(sim.apiUrl, 'POST', `${path}?return_run_details=true`, { ref: 'main' });
    else if (dialect === 'forgejo')
      res = await call(sim.apiUrl, 'POST', path, { ref: 'main', return_run_info: true });
    else if (dialect.startsWith('ghes')) res = await call(sim.apiUrl, 'POST', path, { ref: 'main' });
    else res = await call(sim.apiUrl, 'POST', `${path}?return_run_details=true`, { ref: 'main' });
    const [run] = await runs(sim);
    if (key) {
      expect(res.status).toBe(dialect === 'forgejo' ? 201 : 200);
      expect(res.body[key]).toBe(run.id);
    } else {
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
    }
  });
});

describe('lifecycles', () => {
  it('a scripted failure, cancel (202 then 409) and rerun (attempt 2) on GitHub', async () => {
    sim = await startSim({ dialect: 'github', timeScale: 20 });
    await call(sim.url, 'POST', '/_sim/repos/acme/target/workflows/build.yml/script', {
      runs: [{ conclusion: 'failure', durationMs: 500 }, { startDelayMs: 60_000 }],
    });
    const a = await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, {
      ref: 'main',
      return_run_details: true,
    });
    const b = await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, {
      ref: 'main',
      return_run_details: true,
    });
    const idA = a.body.workflow_run_id;
    const idB = b.body.workflow_run_id;
    const doneA = await waitFor(async () => {
      const r = (await call(sim!.apiUrl, 'GET', `${T}/actions/runs/${idA}`)).body;
      return r.status === 'completed' ? r : undefined;
    });
    expect(doneA.conclusion).toBe('failure');
    const jobs = (await call(sim.apiUrl, 'GET', `${T}/actions/runs/${idA}/jobs`)).body.jobs;
    expect(jobs[0].steps.map((s: any) => s.conclusion)).toEqual([
      'success',
      'success',
      'success',
      'failure',
      'success',
    ]);
    const log = await call(sim.apiUrl, 'GET', `${T}/actions/jobs/${jobs[0].id}/logs`);
    expect(log.status).toBe(302);
    const text = await (await fetch(log.headers.get('location')!)).text();
    expect(text).toContain('##[error]Process completed with exit code 1.');

    expect((await call(sim.apiUrl, 'POST', `${T}/actions/runs/${idB}/cancel`)).status).toBe(202);
    expect((await call(sim.apiUrl, 'GET', `${T}/actions/runs/${idB}`)).body).toMatchObject({
      status: 'completed',
      conclusion: 'cancelled',
    });
    expect((await call(sim.apiUrl, 'POST', `${T}/actions/runs/${idB}/cancel`)).status).toBe(409);

    expect((await call(sim.apiUrl, 'POST', `${T}/actions/runs/${idA}/rerun`)).status).toBe(201);
    const again = (await call(sim.apiUrl, 'GET', `${T}/actions/runs/${idA}`)).body;
    expect(again).toMatchObject({ run_attempt: 2, status: 'queued', conclusion: null });
    expect(again.previous_attempt_url).toBe(`${sim.apiUrl}${T}/actions/runs/${idA}/attempts/1`);
    const old = (await call(sim.apiUrl, 'GET', `${T}/actions/runs/${idA}/attempts/1/jobs`)).body;
    expect(old.jobs[0].conclusion).toBe('failure');
  });

  it('repository_dispatch renders run-name and step names from client_payload (step-marker convention)', async () => {
    sim = await startSim({ dialect: 'github', timeScale: 100 });
    // 30 s (0.3 s scaled) before a runner takes the job, so it is seen queued first.
    await call(sim.url, 'POST', '/_sim/repos/acme/target/workflows/step-marker.yml/script', {
      runs: [{ startDelayMs: 30_000 }],
    });
    await call(sim.apiUrl, 'POST', `${T}/dispatches`, {
      event_type: 'deploy',
      client_payload: { sha: 'marker-123' },
    });
    const all = await runs(sim);
    expect(all.map((r) => r.workflow)).toEqual(['step-marker.yml']);
    const id = all[0].id;
    // The step-name marker is visible only once a runner runs the job: a queued job has no steps.
    const queued = (await call(sim.apiUrl, 'GET', `${T}/actions/runs/${id}/jobs`)).body.jobs;
    expect(queued.map((j: any) => [j.name, j.status, j.steps])).toEqual([['identify-run', 'queued', []]]);
    const jobs = await waitFor(async () => {
      const j = (await call(sim!.apiUrl, 'GET', `${T}/actions/runs/${id}/jobs`)).body.jobs;
      return j[0].steps.length ? j : undefined;
    });
    expect(jobs[0].name).toBe('identify-run');
    expect(jobs[0].steps[1].name).toBe('marker-123');
  });

  it('Gitea 1.24 lists a run in /actions/tasks only once its job started, with raw statuses', async () => {
    sim = await startSim({ dialect: 'gitea-1.24', timeScale: 10 });
    await call(sim.apiUrl, 'POST', `${T}/actions/workflows/fail.yml/dispatches`, {
      ref: 'main',
      inputs: { correlation_id: 'g1' },
    });
    expect((await call(sim.apiUrl, 'GET', `${T}/actions/tasks`)).body).toEqual({
      total_count: 0,
      workflow_runs: [],
    });
    const seen = new Set<string>();
    await waitFor(async () => {
      const t = (await call(sim!.apiUrl, 'GET', `${T}/actions/tasks`)).body.workflow_runs;
      for (const x of t) seen.add(x.status);
      return t.length === 2 && t.every((x: any) => ['success', 'failure'].includes(x.status)) ? t : undefined;
    });
    expect(seen.has('running')).toBe(true);
    const t = (await call(sim.apiUrl, 'GET', `${T}/actions/tasks`)).body.workflow_runs;
    expect(t.map((x: any) => [x.name, x.status, x.display_title, x.run_number])).toEqual([
      ['test', 'failure', 'Fail g1', 1],
      ['lint', 'success', 'Fail g1', 1],
    ]);
    expect(t[0].url).toBe(`${sim.url}/acme/target/actions/runs/1`);
  });

  it('noise runs arrive at the asked rate and stop on DELETE', async () => {
    sim = await startSim({ dialect: 'github', timeScale: 100 });
    await call(sim.url, 'POST', '/_sim/noise', {
      owner: 'acme',
      repo: 'target',
      workflow: 'build.yml',
      perMinute: 1200,
    });
    await waitFor(async () => ((await runs(sim!)).length >= 3 ? true : undefined));
    await call(sim.url, 'DELETE', '/_sim/noise');
    const n = (await runs(sim)).length;
    await new Promise((r) => setTimeout(r, 150));
    expect((await runs(sim)).length).toBe(n);
    expect((await runs(sim))[0].event).toBe('push');
  });
});

describe('auth', () => {
  it('accepts any token by default; only listed tokens once set; Basic user:pat and Bearer too', async () => {
    sim = await startSim({ dialect: 'github' });
    expect(
      (await call(sim.apiUrl, 'GET', `${T}/actions/runs`, undefined, { authorization: 'Bearer whatever' }))
        .status,
    ).toBe(200);
    await call(sim.url, 'POST', '/_sim/auth', { tokens: ['good'] });
    expect((await call(sim.apiUrl, 'GET', `${T}/actions/runs`)).status).toBe(401);
    expect(
      (await call(sim.apiUrl, 'GET', `${T}/actions/runs`, undefined, { authorization: 'token good' })).status,
    ).toBe(200);
    const basic = `Basic ${Buffer.from('user:good').toString('base64')}`;
    expect(
      (await call(sim.apiUrl, 'GET', `${T}/actions/runs`, undefined, { authorization: basic })).status,
    ).toBe(200);
    const bad = await call(
      sim.apiUrl,
      'POST',
      `${T}/actions/workflows/build.yml/dispatches`,
      { ref: 'main' },
      { authorization: 'token bad' },
    );
    expect(bad.status).toBe(401);
    expect(bad.body.message).toBe('Bad credentials');
    expect(await runs(sim)).toHaveLength(0);
  });

  it.each(['github', 'gitea-1.26'] as const)(
    'a read-only token reads but is refused writes with 403 (%s)',
    async (dialect) => {
      sim = await startSim({ dialect });
      await call(sim.url, 'POST', '/_sim/auth', { readOnly: ['reader'] });
      const as = { authorization: 'token reader' };
      expect((await call(sim.apiUrl, 'GET', `${T}/actions/runs`, undefined, as)).status).toBe(200);
      const refused = await call(
        sim.apiUrl,
        'POST',
        `${T}/actions/workflows/build.yml/dispatches`,
        { ref: 'main' },
        as,
      );
      expect(refused.status).toBe(403);
      if (dialect === 'github') {
        expect(refused.body.message).toBe('Resource not accessible by personal access token');
        expect(refused.headers.get('x-accepted-github-permissions')).toBe('actions=write');
      } else {
        expect(refused.body.message).toBe(
          'token does not have at least one of required scope(s): [write:repository]',
        );
      }
      expect(await runs(sim)).toHaveLength(0);
    },
  );
});
