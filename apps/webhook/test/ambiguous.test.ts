// A dispatch whose answer is lost, then run searches that fail with 5xx for longer than the
// reconcile interval, the correlation timeout and the dispatch's own search: a failed search never
// proves a run absent, so the service must not dispatch again. Exactly one dispatch POST, one run,
// one final status, one comment — on the embedded store and on PostgreSQL, on GitHub and Gitea 1.26.
import { afterAll, describe, it } from 'vitest';
import {
  comments,
  dropSchema,
  finalOf,
  json,
  newSha,
  openPull,
  PG_URL,
  pgReachable,
  post,
  type RouteSpec,
  registerHooks,
  routeCount,
  runs,
  type ServiceProcess,
  type Setup,
  type SimForge,
  startForge,
  startService,
  statuses,
  until,
  writeConfig,
} from './harness.js';

const RECONCILE_MS = 200;
const CORRELATION_TIMEOUT_MS = 1_500;
/** The outage on the run list: well past the reconcile interval and every search window. */
// The service's forge adapter retries a failed read itself (3 retries, 1 s doubling: ~7 s), so the
// dispatch's own search after the lost answer outlasts its 1.5 s window by that much; the outage
// covers it, and the first searches of the correlating state after it.
const OUTAGE_MS = 10_000;
const DISPATCH_POST = /^POST .*\/dispatches$/;

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('lost dispatch answer, then 5xx on every run search', () => {
  // Concurrent: each case has its own simulator, service and store, and mostly waits.
  const cases: ReadonlyArray<readonly ['sqlite' | 'postgres', 'github' | 'gitea-1.26']> = [
    ['sqlite', 'github'],
    ['sqlite', 'gitea-1.26'],
    ['postgres', 'github'],
    ['postgres', 'gitea-1.26'],
  ];
  it.concurrent.for(cases)(
    'on %s, %s: 1 dispatch POST, 1 run, 1 final status, 1 comment',
    { timeout: 60_000 },
    async ([store, dialect], ctx) => {
      const { expect } = ctx;
      if (store === 'postgres' && !(await pgReachable())) return ctx.skip();
      const name = dialect === 'github' ? 'github' : 'gitea';
      const forge: SimForge = await startForge(name, dialect, 20);
      const routes: RouteSpec[] = [
        { name: 'build', source: forge, target: forge, workflow: 'build-from-pr.yml' },
      ];
      const setup: Setup = writeConfig([forge], routes, {
        reconcile: {
          interval: `${RECONCILE_MS}ms`,
          'safety-interval': '1s',
          'correlation-timeout': `${CORRELATION_TIMEOUT_MS}ms`,
        },
      });
      const schema = `xrd_ambiguous_${process.pid}_${name.replace(/\W/g, '_')}`;
      const env: Record<string, string> =
        store === 'postgres' ? { DATABASE_URL: PG_URL, XRD_STORE_SCHEMA: schema } : {};
      const service: ServiceProcess = await startService(setup.configFile, env);
      cleanups.push(async () => {
        service.child.kill('SIGTERM');
        await service.exited;
        await forge.sim.close();
        setup.cleanup();
        if (store === 'postgres') await dropSchema(schema);
      });
      await registerHooks(service.url, routes);

      // No workflow_run deliveries: they would name the run without any search (the forge sends them
      // whatever its run list answers), and this test is about searches that keep failing. The
      // service then learns the run and its end by searching and reconciling only.
      await post(`${forge.sim.url}/_sim/deliveries/drop`, { count: 1_000, event: 'workflow_run' });
      await post(`${forge.sim.url}/_sim/faults`, {
        kind: 'lose-dispatch-answer',
        method: 'POST',
        path: '/dispatches$',
        count: 1,
      });
      await post(`${forge.sim.url}/_sim/faults`, {
        kind: '5xx',
        method: 'GET',
        path: '/actions/(workflows/[^/]+/)?runs$',
        status: 502,
        count: 1_000_000,
      });

      const sha = newSha();
      const pr = await openPull(forge, sha);
      await until('the dispatch POST', async () => (await routeCount(forge, DISPATCH_POST)) >= 1);
      const outageStart = Date.now();
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const [listFault] = await json<Array<{ kind: string; count: number }>>(`${forge.sim.url}/_sim/faults`);
      // The searches did run into the outage (several of them, over more than one reconcile round).
      expect(listFault?.kind).toBe('5xx');
      expect(1_000_000 - (listFault?.count ?? 0)).toBeGreaterThanOrEqual(3);
      expect(Date.now() - outageStart).toBeGreaterThan(RECONCILE_MS + CORRELATION_TIMEOUT_MS);
      // Not sent again while the outage lasted.
      expect(await routeCount(forge, DISPATCH_POST)).toBe(1);
      await json(`${forge.sim.url}/_sim/faults`, { method: 'DELETE' });

      await until('the final status', async () => finalOf(await statuses(forge, sha)).length > 0, 30_000);
      await until('the comment', async () => (await comments(forge, pr)).length > 0, 10_000);
      // Anything duplicated would surface within a few reconcile rounds.
      await new Promise((r) => setTimeout(r, 5 * RECONCILE_MS));

      expect(await routeCount(forge, DISPATCH_POST)).toBe(1);
      const mine = (await runs(forge)).filter((r) => r.inputs?.pr_head_sha === sha);
      expect(mine).toHaveLength(1);
      const finals = finalOf(await statuses(forge, sha));
      expect(finals.map((s) => s.state)).toEqual(['success']);
      expect(finals[0]?.targetUrl).toMatch(/\/acme\/target\/actions\/runs\/\d+$/);
      expect(await comments(forge, pr)).toHaveLength(1);
      // The service said what it did: the dispatch's own search failed, so it stayed unresolved.
      const said = service.logs.map((l) => l.msg);
      expect(said).toContain('dispatch outcome unknown; correlating');
      expect(said).not.toContain('dispatch failed before reaching the forge; will retry');
      expect(said).not.toContain('interrupted dispatch certainly absent; sending it again');
    },
  );
});
