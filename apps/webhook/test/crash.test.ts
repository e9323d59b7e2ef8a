// kill -9 at random moments while 200 bridged PRs are in flight; restart on the same port. Deliveries
// that failed while the service was down are redelivered, as an operator (or GitHub's "redeliver
// failed deliveries" script) would. In the end every PR holds exactly one final status and one
// comment, and was dispatched exactly once.
import { afterAll, expect, it } from 'vitest';
import {
  comments,
  deliveries,
  finalOf,
  freePort,
  json,
  newSha,
  openPull,
  post,
  type RouteSpec,
  registerHooks,
  runs,
  type ServiceProcess,
  type Setup,
  type SimForge,
  type SimStatus,
  startForge,
  startService,
  until,
  writeConfig,
} from './harness.js';

const PRS = Number(process.env.XRD_CRASH_PRS ?? 200);
const KILLS = Number(process.env.XRD_CRASH_KILLS ?? 6);
const trace = (m: string) => process.env.XRD_CRASH_TRACE && process.stderr.write(`[crash] ${m}\n`);

let forge: SimForge | undefined;
let setup: Setup | undefined;
let service: ServiceProcess | undefined;

afterAll(async () => {
  service?.child.kill('SIGKILL');
  await service?.exited;
  await forge?.sim.close();
  setup?.cleanup();
});

/** Random in [min, max) from a seeded generator, so a failure can be replayed with XRD_CRASH_SEED. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (min: number, max: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return min + ((x >>> 0) % 10_000) * ((max - min) / 10_000);
  };
}

async function redeliverFailed(f: SimForge): Promise<number> {
  const failed = (await deliveries(f)).filter(
    (d) => d.status === 0 || (typeof d.status === 'number' && d.status >= 500),
  );
  for (const d of failed)
    await post(`${f.sim.url}/_sim/deliveries/${d.id}/redeliver`, {}).catch(() => undefined);
  return failed.length;
}

it(`SIGKILL at random moments with ${PRS} PRs in flight: one dispatch, one final status, one comment each`, async () => {
  const seed = Number(process.env.XRD_CRASH_SEED ?? Date.now() % 100_000);
  const random = rng(seed);
  forge = await startForge('github', 'github', 10);
  const routes: RouteSpec[] = [
    { name: 'build', source: forge, target: forge, workflow: 'build-from-pr.yml' },
  ];
  setup = writeConfig([forge], routes, {
    reconcile: { interval: '200ms', 'safety-interval': '500ms', 'correlation-timeout': '5s' },
  });
  const port = await freePort();
  const env = { XRD_LISTEN_PORT: String(port) };
  service = await startService(setup.configFile, env);
  await registerHooks(service.url, routes);

  // Open the PRs in the background while the service is being killed.
  const shas: string[] = [];
  const numbers: number[] = [];
  const opening = (async () => {
    for (let i = 0; i < PRS; i += 10) {
      const batch = Array.from({ length: Math.min(10, PRS - i) }, () => newSha());
      const opened = await Promise.all(batch.map((sha) => openPull(forge!, sha)));
      shas.push(...batch);
      numbers.push(...opened);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  for (let k = 0; k < KILLS; k++) {
    await new Promise((r) => setTimeout(r, random(100, 600)));
    service.child.kill('SIGKILL');
    trace(`kill ${k}: ${await service.exited}`);
    service = await startService(setup.configFile, env);
    trace(`restarted; redelivered ${await redeliverFailed(forge)}`);
  }
  await opening;

  const done = async () => {
    for (let i = 0; i < shas.length; i++) {
      const list = await json<SimStatus[]>(`${forge!.sim.url}/_sim/repos/acme/source/statuses/${shas[i]}`);
      if (finalOf(list).length === 0) return false;
      if ((await comments(forge!, numbers[i]!)).length === 0) return false;
    }
    return true;
  };
  await until(
    'every PR bridged',
    async () => {
      if (await done()) return true;
      trace(`not done; redelivered ${await redeliverFailed(forge!)}`);
      return false;
    },
    90_000,
    500,
  );
  // Anything duplicated would surface within a few reconcile intervals.
  await new Promise((r) => setTimeout(r, 1500));

  const allRuns = await runs(forge);
  const problems: string[] = [];
  for (let i = 0; i < shas.length; i++) {
    const sha = shas[i]!;
    const pr = numbers[i]!;
    const dispatched = allRuns.filter((r) => r.inputs?.pr_head_sha === sha).length;
    const finals = finalOf(
      await json<SimStatus[]>(`${forge.sim.url}/_sim/repos/acme/source/statuses/${sha}`),
    );
    const notes = await comments(forge, pr);
    if (dispatched !== 1 || finals.length !== 1 || notes.length !== 1) {
      problems.push(
        `PR #${pr}: ${dispatched} runs, ${finals.length} final statuses (${finals.map((f) => `${f.state}: ${f.description}`).join('; ')}), ${notes.length} comments`,
      );
    }
  }
  expect(problems, `seed ${seed}`).toEqual([]);
  expect(allRuns.filter((r) => r.workflow === 'build-from-pr.yml')).toHaveLength(PRS);
}, 150_000);
