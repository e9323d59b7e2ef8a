// Scale-out on PostgreSQL (127.0.0.1:5432, its own schema): 3 replicas share the database; every
// webhook goes to all three (three hooks, so each event arrives three times under different
// delivery ids), some are redelivered, one replica is SIGKILLed midway. Each PR still ends with one
// dispatch, one final status and one comment. Skipped when PostgreSQL is not reachable.
import { afterAll, expect, it } from 'vitest';
import {
  comments,
  deliveries,
  dropSchema,
  finalOf,
  json,
  newSha,
  openPull,
  PG_URL,
  pgReachable,
  post,
  runs,
  SECRET,
  type ServiceProcess,
  type Setup,
  type SimForge,
  type SimStatus,
  startForge,
  startService,
  until,
  writeConfig,
} from './harness.js';

const PRS = Number(process.env.XRD_REPLICA_PRS ?? 500);
const schema = `xrd_replicas_${process.pid}`;

let forge: SimForge | undefined;
let setup: Setup | undefined;
const replicas: ServiceProcess[] = [];

afterAll(async () => {
  for (const r of replicas) r.child.kill('SIGKILL');
  await Promise.all(replicas.map((r) => r.exited));
  await forge?.sim.close();
  setup?.cleanup();
  await dropSchema(schema);
});

it(`3 replicas on PostgreSQL, ${PRS} PRs, duplicate deliveries, one replica killed: exactly once each`, async (ctx) => {
  if (!(await pgReachable())) return ctx.skip();
  forge = await startForge('github', 'github', 10);
  setup = writeConfig(
    [forge],
    [{ name: 'build', source: forge, target: forge, workflow: 'build-from-pr.yml' }],
    {
      log: { level: 'info' },
      worker: { 'poll-interval': '50ms', lease: '2s', concurrency: 16, 'drain-timeout': '5s' },
      reconcile: { interval: '200ms', 'safety-interval': '1s', 'correlation-timeout': '5s' },
    },
  );
  const env = { DATABASE_URL: PG_URL, XRD_STORE_SCHEMA: schema };
  // Started together: migrations must not collide.
  replicas.push(...(await Promise.all([0, 1, 2].map(() => startService(setup!.configFile, env)))));
  for (const r of replicas) {
    for (const [repo, event] of [
      ['source', 'pull_request'],
      ['target', 'workflow_run'],
    ] as const) {
      await post(`${forge.sim.url}/_sim/hooks`, {
        owner: 'acme',
        repo,
        url: `${r.url}/hooks/github`,
        secret: SECRET,
        events: [event],
      });
    }
  }

  const shas: string[] = [];
  const numbers: number[] = [];
  for (let i = 0; i < PRS; i += 25) {
    const batch = Array.from({ length: Math.min(25, PRS - i) }, () => newSha());
    numbers.push(...(await Promise.all(batch.map((sha) => openPull(forge!, sha)))));
    shas.push(...batch);
    if (i === Math.floor(PRS / 2 / 25) * 25) {
      replicas[1]!.child.kill('SIGKILL');
      await replicas[1]!.exited;
    }
  }
  // Redeliveries of some accepted deliveries: one effect.
  const accepted = (await deliveries(forge)).filter((d) => d.event === 'pull_request' && d.status === 202);
  for (const d of accepted.slice(0, 50)) await post(`${forge.sim.url}/_sim/deliveries/${d.id}/redeliver`, {});

  const bridged = until(
    'every PR bridged',
    async () => {
      for (let i = 0; i < shas.length; i++) {
        const list = await json<SimStatus[]>(`${forge!.sim.url}/_sim/repos/acme/source/statuses/${shas[i]}`);
        if (finalOf(list).length === 0) return false;
        if ((await comments(forge!, numbers[i]!)).length === 0) return false;
      }
      return true;
    },
    120_000,
    500,
  );
  await bridged.catch((error) => {
    const seen = replicas.flatMap((r) => r.logs.filter((l) => l.level === 'warn' || l.level === 'error'));
    throw new Error(`${error}\n${JSON.stringify(seen.slice(0, 8), null, 1)}`);
  });
  await new Promise((r) => setTimeout(r, 1500));
  const allRuns = await runs(forge);
  const problems: string[] = [];
  for (let i = 0; i < shas.length; i++) {
    const dispatched = allRuns.filter((r) => r.inputs?.pr_head_sha === shas[i]).length;
    const finals = finalOf(
      await json<SimStatus[]>(`${forge.sim.url}/_sim/repos/acme/source/statuses/${shas[i]}`),
    );
    const notes = await comments(forge, numbers[i]!);
    if (dispatched !== 1 || finals.length !== 1 || notes.length !== 1) {
      problems.push(
        `PR #${numbers[i]}: ${dispatched} runs, ${finals.length} final statuses, ${notes.length} comments`,
      );
    }
  }
  expect(problems).toEqual([]);
  // Work was shared: the surviving replicas both dispatched.
  const byReplica = replicas.map((r) => r.logs.filter((l) => l.msg === 'dispatched').length);
  expect(byReplica.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
}, 170_000);
