// The service in-process against core's in-memory forge: the whole flow over real HTTP and a real
// embedded store, fast enough to run on every change. The end-to-end tests in test/ run the built
// binary against forge-sim.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Forge, ForgeHttpError } from '@xrd/core';
import { createMemoryForge, expr, type MemoryForge } from '@xrd/core/testing';
import { createZip } from '@xrd/forge-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type ServiceConfig } from './config.js';
import { createLogger } from './log.js';
import type { MemoryPolicy } from './memory.js';
import { type RunningService, startService } from './service.js';
import { signBody } from './signature.js';
import { createSqliteStore } from './store/sqlite.js';
import type { Store } from './store/types.js';

const SECRET = 'test-secret';
const dirs: string[] = [];
const services: RunningService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function memForge(): MemoryForge {
  return createMemoryForge({
    now: Date.now,
    returnsRunId: false,
    workflows: [
      {
        repo: 'acme/target',
        file: 'build.yml',
        runName: `Build ${expr('inputs.correlation_id')}`,
        appearAfterMs: 20,
        startAfterMs: 20,
        durationMs: 150,
      },
    ],
  });
}

function config(path: string, over: Record<string, unknown> = {}): ServiceConfig {
  return parseConfig({
    listen: { port: 0 },
    store: { path },
    worker: { 'poll-interval': '20ms', lease: '5s', concurrency: 8 },
    reconcile: { interval: '50ms', 'safety-interval': '50ms', 'correlation-timeout': '3s' },
    forges: [
      { name: 'mem', kind: 'github', 'api-url': 'https://forge.test', token: 't', 'webhook-secret': SECRET },
    ],
    routes: [
      {
        name: 'build',
        when: { forge: 'mem', repo: 'acme/source', pull_request: true },
        dispatch: {
          forge: 'mem',
          repo: 'acme/target',
          workflow: 'build.yml',
          inputs: { pr_number: '{{ pr.number }}', pr_head_sha: '{{ pr.head.sha }}' },
        },
        report: { context: 'dispatch-target/build' },
      },
    ],
    ...over,
  });
}

/**
 * The embedded store with a failed step's backoff (seconds, growing with the claims a dispatch has
 * seen) cut to 50 ms, so a test sees the retry of a step without waiting for it.
 */
function quickRetries(store: Store): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'release') {
        return (id: string, owner: string, nextAt?: number) =>
          target.release(id, owner, nextAt === undefined ? undefined : Math.min(nextAt, Date.now() + 50));
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function start(
  forge: Forge,
  path?: string,
  options: { quickRetries?: boolean; logs?: Record<string, unknown>[]; memory?: MemoryPolicy } = {},
): Promise<RunningService> {
  const dir = mkdtempSync(join(tmpdir(), 'xrd-svc-'));
  dirs.push(dir);
  const file = path ?? join(dir, 'db.sqlite');
  const cfg = config(file);
  const logs = options.logs;
  const service = await startService(cfg, {
    createForge: () => forge,
    logger: logs
      ? createLogger('debug', [SECRET], (line) => logs.push(JSON.parse(line) as Record<string, unknown>))
      : createLogger('error', [SECRET]),
    ...(options.quickRetries ? { store: quickRetries(createSqliteStore(file)) } : {}),
    ...(options.memory ? { memory: options.memory } : {}),
  });
  services.push(service);
  return service;
}

function prPayload(number: number, sha: string, action = 'opened') {
  return {
    action,
    number,
    pull_request: {
      number,
      title: 't',
      html_url: '',
      head: { sha, ref: 'feature/x' },
      base: { ref: 'main' },
    },
    repository: { full_name: 'acme/source' },
  };
}

async function post(url: string, event: string, payload: unknown, id = randomUUID(), secret = SECRET) {
  const body = JSON.stringify(payload);
  const res = await fetch(`${url}/hooks/mem`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-hub-signature-256': `sha256=${signBody(secret, body)}`,
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const finalStatuses = (forge: MemoryForge, sha: string) =>
  forge.statuses.filter((s) => s.sha === sha && s.status.state !== 'pending');

describe('service (in-memory forge)', () => {
  it('bridges a PR: one dispatch, pending then final status, one comment; a replay does nothing', async () => {
    const forge = memForge();
    const svc = await start(forge);
    const sha = 'a'.repeat(40);
    const id = randomUUID();
    expect(await post(svc.url, 'pull_request', prPayload(1, sha), id)).toEqual({
      status: 202,
      body: { status: 'accepted', delivery: id },
    });
    expect((await post(svc.url, 'pull_request', prPayload(1, sha), id)).body.status).toBe('duplicate');
    await until('final status', () => finalStatuses(forge, sha).length > 0);
    expect(forge.callCount('dispatch')).toBe(1);
    const states = forge.statuses.filter((s) => s.sha === sha).map((s) => s.status.state);
    expect(states).toEqual(['pending', 'success']);
    expect(forge.statuses[0]?.status.targetUrl).toMatch(/^https:\/\/forge\.test\//);
    expect(forge.comments).toHaveLength(1);
    expect(forge.comments[0]?.body).toContain('<!-- xrd:dispatch-target/build -->');
    const dispatched = forge.calls.find((c) => c.method === 'dispatch')?.args[0] as {
      inputs: Record<string, string>;
    };
    expect(dispatched.inputs).toMatchObject({ pr_number: '1', pr_head_sha: sha });
  });

  it('a newer push supersedes the older dispatch: its status is replaced, one comment for the newer', async () => {
    const forge = memForge();
    forge.script('acme/target', 'build.yml', [{ durationMs: 2_000 }, { durationMs: 100 }]);
    const svc = await start(forge);
    const [s1, s2] = ['1'.repeat(40), '2'.repeat(40)];
    await post(svc.url, 'pull_request', prPayload(5, s1));
    await until('first pending', () => forge.statuses.some((s) => s.sha === s1));
    await post(svc.url, 'pull_request', prPayload(5, s2, 'synchronize'));
    await until('second final', () => finalStatuses(forge, s2).length > 0);
    await until('first replaced', () => finalStatuses(forge, s1).length > 0);
    expect(finalStatuses(forge, s1).map((s) => [s.status.state, s.status.description])).toEqual([
      ['error', 'Superseded by a newer push'],
    ]);
    expect(forge.callCount('dispatch')).toBe(2);
    expect(forge.comments).toHaveLength(1);
    expect(forge.comments[0]?.body).toContain('success');
  });

  it('a final status whose answer was lost is read back from the forge, not posted twice', async () => {
    const forge = memForge();
    let lost = 0;
    // The POST lands, then its answer is lost: the worker cannot know, so it retries the step.
    const lossy: Forge = {
      ...forge,
      async setCommitStatus(repo, sha, status, ctx) {
        await forge.setCommitStatus(repo, sha, status, ctx);
        if (status.state !== 'pending' && lost++ === 0) {
          throw new ForgeHttpError('The forge answered 502.', { status: 502, ambiguous: true });
        }
      },
    };
    const svc = await start(lossy, undefined, { quickRetries: true });
    const sha = 'c'.repeat(40);
    await post(svc.url, 'pull_request', prPayload(3, sha));
    await until('the retry read the statuses', () => forge.callCount('listCommitStatuses') > 0);
    await until('the comment', () => forge.comments.length > 0);
    expect(finalStatuses(forge, sha).map((s) => s.status.state)).toEqual(['success']);
    expect(lost).toBe(1);
  });

  it('a final status that never landed is posted again, even when an earlier run left the same one', async () => {
    const forge = memForge();
    const svc = await start(forge, undefined, { quickRetries: true });
    const sha = 'd'.repeat(40);
    // Two PRs from one commit: the same context on the same sha, bridged one after the other.
    await post(svc.url, 'pull_request', prPayload(6, sha));
    await until('first final', () => finalStatuses(forge, sha).length === 1);
    // The second PR's pending status goes through; its final status is refused once (nothing lands).
    forge.fail('setCommitStatus', { kind: '5xx' }, { skip: 1 });
    await post(svc.url, 'pull_request', prPayload(7, sha));
    await until('second final', () => finalStatuses(forge, sha).length === 2);
    expect(forge.callCount('listCommitStatuses')).toBe(1);
    expect(forge.statuses.filter((s) => s.sha === sha).map((s) => s.status.state)).toEqual([
      'pending',
      'success',
      'pending',
      'success',
    ]);
  });

  it('after a crash mid-send, finds the run by correlation id instead of dispatching again', async () => {
    const forge = memForge();
    const dir = mkdtempSync(join(tmpdir(), 'xrd-svc-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    // A previous process recorded the intent, sent the dispatch, and died before recording the answer.
    const store = createSqliteStore(path);
    await store.migrate();
    const sha = 'c'.repeat(40);
    const plan = {
      id: randomUUID(),
      dedupeKey: `build|mem|acme/source|pr:9|${sha}`,
      subjectKey: 'build|mem|acme/source|pr:9',
      eventAt: Date.now(),
      route: 'build',
      supersede: true,
      cancelSuperseded: false,
      sourceForge: 'mem',
      sourceRepo: 'acme/source',
      prNumber: 9,
      headSha: sha,
      headRef: 'feature/x',
      targetForge: 'mem',
      targetRepo: 'acme/target',
      workflow: 'build.yml',
      eventType: null,
      targetRef: 'main',
      inputs: '{}',
      correlationId: 'xrd-00112233445566ff',
      correlationInput: 'correlation_id',
      correlation: 'auto',
      reportContext: 'dispatch-target/build',
      reportStatus: true,
      reportComment: true,
    };
    await store.insertDelivery({
      id: 'mem:x',
      forge: 'mem',
      event: 'pull_request',
      payload: '{}',
      receivedAt: 1,
    });
    await store.claimDeliveries('dead', 1, 60_000, Date.now());
    await store.applySourceEvent('mem:x', 'dead', [plan], Date.now());
    await store.claimDispatches('dead', 1, 60_000, Date.now());
    await store.transition(plan.id, 'dead', 'new', { state: 'sending', dispatchedAt: Date.now() }, true);
    await forge.dispatch({
      repo: { owner: 'acme', repo: 'target' },
      ref: 'main',
      workflow: 'build.yml',
      inputs: { correlation_id: plan.correlationId },
    });
    await store.close();

    await start(forge, path);
    await until('final status', () => finalStatuses(forge, sha).length > 0);
    expect(forge.callCount('dispatch')).toBe(1);
    expect(forge.comments).toHaveLength(1);
  });

  it('a lost dispatch answer whose run searches keep failing past the verdict is never sent again', async () => {
    const forge = memForge();
    let outage = true;
    let failedSearches = 0;
    // The run list answers 503 for as long as the outage lasts (no adapter here: core sees it at once).
    const failing: Forge = {
      ...forge,
      async listRuns(repo, filter, ctx) {
        if (outage) {
          failedSearches += 1;
          throw new ForgeHttpError('The forge answered 503.', { status: 503 });
        }
        return forge.listRuns(repo, filter, ctx);
      },
    };
    forge.fail('dispatch', { kind: 'lose-answer' });
    const logs: Record<string, unknown>[] = [];
    const svc = await start(failing, undefined, { logs });
    const sha = 'f'.repeat(40);
    await post(svc.url, 'pull_request', prPayload(11, sha));
    // Past the 3 s correlation timeout, searches still failing: the verdict is "unknown", so the
    // dispatch stays unresolved and is looked for again and again.
    await until(
      'failed searches at the verdict',
      () =>
        logs.filter(
          (l) => l.msg === 'run search failed; the dispatch stays unresolved and is looked for again',
        ).length >= 3,
      15_000,
    );
    expect(forge.callCount('dispatch')).toBe(1);
    expect(finalStatuses(forge, sha)).toEqual([]);
    outage = false;
    await until('final status', () => finalStatuses(forge, sha).length > 0);
    await until('the comment', () => forge.comments.length > 0);
    expect(forge.callCount('dispatch')).toBe(1);
    expect(forge.runs()).toHaveLength(1);
    expect(finalStatuses(forge, sha).map((s) => s.status.state)).toEqual(['success']);
    expect(failedSearches).toBeGreaterThan(3);
    const said = logs.map((l) => l.msg);
    expect(said).toContain('dispatch outcome unknown; correlating');
    expect(said).not.toContain('interrupted dispatch certainly absent; sending it again');
  }, 30_000);

  it('where queued runs are not listed (no run API), a lost answer is reported, never sent again', async () => {
    const forge = memForge();
    forge.script('acme/target', 'build.yml', [{ startAfterMs: 600_000 }]);
    // Gitea 1.24 knows runs only through /actions/tasks: a run no runner took yet is not listed.
    const tasksOnly: Forge = {
      ...forge,
      capabilities: async () => ({ ...(await forge.capabilities()), runApi: false, jobsApi: false }),
      listRuns: async (repo, filter, ctx) => {
        const page = await forge.listRuns(repo, filter, ctx);
        return { ...page, runs: page.runs.filter((run) => run.status !== 'queued') };
      },
    };
    forge.fail('dispatch', { kind: 'lose-answer' });
    const svc = await start(tasksOnly);
    const sha = '9'.repeat(40);
    await post(svc.url, 'pull_request', prPayload(12, sha));
    await until('the error status', () => finalStatuses(forge, sha).length > 0, 15_000);
    await until('the comment', () => forge.comments.length > 0);
    expect(forge.callCount('dispatch')).toBe(1);
    expect(forge.runs()).toHaveLength(1);
    const [final] = finalStatuses(forge, sha);
    expect(final?.status.state).toBe('error');
    expect(final?.status.description).toMatch(/^The answer to the dispatch was lost and no run showed up/);
    expect(forge.comments[0]?.body).toMatch(
      /the run may exist — look in acme\/target for a run of build\.yml on main carrying correlation id xrd-[0-9a-f]{16}/,
    );
  }, 30_000);

  it('gives memory back once a burst of work is over, and not while idle without new work', async () => {
    const forge = memForge();
    let reductions = 0;
    const logs: Record<string, unknown>[] = [];
    const svc = await start(forge, undefined, {
      logs,
      memory: { minWork: 3, idleMs: 100, minIntervalMs: 0, reduce: () => reductions++ },
    });
    const sha = '8'.repeat(40);
    await post(svc.url, 'pull_request', prPayload(13, sha));
    await until('final status', () => finalStatuses(forge, sha).length > 0);
    await until('memory given back', () => reductions > 0);
    const after = reductions;
    await new Promise((r) => setTimeout(r, 400));
    expect(reductions).toBe(after);
    expect(logs.find((l) => l.msg === 'memory given back after a burst of work')).toMatchObject({
      level: 'info',
      rssBytes: expect.any(Number),
    });
  });

  it('answers 401 to a bad signature and stores nothing; 400 to malformed JSON; 202-ignores other events', async () => {
    const forge = memForge();
    const svc = await start(forge);
    expect(
      (await post(svc.url, 'pull_request', prPayload(1, 'd'.repeat(40)), randomUUID(), 'wrong')).status,
    ).toBe(401);
    const res = await fetch(`${svc.url}/hooks/mem`, {
      method: 'POST',
      headers: {
        'x-github-event': 'pull_request',
        'x-github-delivery': 'x',
        'x-hub-signature-256': `sha256=${signBody(SECRET, '{nope')}`,
      },
      body: '{nope',
    });
    expect(res.status).toBe(400);
    expect((await post(svc.url, 'issues', { repository: { full_name: 'acme/source' } })).body).toEqual({
      status: 'ignored',
      reason: 'event issues',
    });
    expect(
      (
        await post(svc.url, 'pull_request', {
          ...prPayload(1, 'e'.repeat(40)),
          repository: { full_name: 'x/y' },
        })
      ).body.status,
    ).toBe('ignored');
    const counts = await svc.store.counts();
    expect(counts.deliveriesPending + counts.dispatches.done + counts.dispatches.new).toBe(0);
    expect(forge.callCount('dispatch')).toBe(0);
  });
});

describe('the PR comment shows what the run brought back', () => {
  it('links the artifacts and tables the remote outputs', async () => {
    const forge = memForge();
    forge.script('acme/target', 'build.yml', [
      {
        artifacts: [
          { name: 'dist', zip: createZip([{ name: 'app.js', content: 'x' }]) },
          { name: 'old-logs', zip: createZip([{ name: 'a.log', content: 'x' }]), expired: true },
          { name: 'xrd-outputs', zip: createZip([{ name: 'outputs.json', content: '{"version":"2.0.1"}' }]) },
        ],
      },
    ]);
    const svc = await start(forge);
    await post(svc.url, 'pull_request', prPayload(8, 'e'.repeat(40)));
    const comment = (await until('the comment', () => forge.comments[0])) as { body: string };
    expect(comment.body).toContain('| version | `2.0.1` |');
    expect(comment.body).toMatch(
      /\*\*Artifacts:\*\* \[dist\]\(https:\/\/forge\.test\/acme\/target\/actions\/runs\/\d+\/artifacts\/\d+\) \(\d+ B\) · \[old-logs\]\(.*\) \(expired\)/,
    );
    // Listed and the outputs read: no artifact was downloaded to disk by the service.
    expect(forge.callCount('listArtifacts')).toBe(1);
    expect(forge.callCount('downloadArtifact')).toBe(1);
  });
});
