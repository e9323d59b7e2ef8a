// kill -9 at random moments while PRs of a fan-out route (three targets each) are in flight; restart
// on the same port, redeliver what failed meanwhile. In the end every PR's targets were each
// dispatched exactly once, and every PR holds exactly one final aggregated status (none left
// pending) and one comment with a row per target: the group's durable rows carry crash-safety over
// from the single-target rows, and its reporter writes nothing twice.
import { sampleWorkflows } from '@xrd/forge-sim';
import { afterAll, expect, it } from 'vitest';
import {
  comments,
  deliveries,
  freePort,
  newSha,
  openPull,
  post,
  type RouteSpec,
  registerHooks,
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

const PRS = Number(process.env.XRD_FAN_OUT_CRASH_PRS ?? 30);
const KILLS = Number(process.env.XRD_FAN_OUT_CRASH_KILLS ?? 4);
const REPOS = ['target', 'lib', 'tools'];

let forge: SimForge | undefined;
let setup: Setup | undefined;
let service: ServiceProcess | undefined;

afterAll(async () => {
  service?.child.kill('SIGKILL');
  await service?.exited;
  await forge?.sim.close();
  setup?.cleanup();
});

async function redeliverFailed(f: SimForge): Promise<void> {
  const failed = (await deliveries(f)).filter(
    (d) => d.status === 0 || (typeof d.status === 'number' && d.status >= 500),
  );
  for (const d of failed)
    await post(`${f.sim.url}/_sim/deliveries/${d.id}/redeliver`, {}).catch(() => undefined);
}

it(`SIGKILL at random moments with ${PRS} fan-out PRs in flight: each target dispatched once, one aggregated status and one comment per PR`, async () => {
  const seed = Number(process.env.XRD_CRASH_SEED ?? Date.now() % 100_000);
  let x = seed || 1;
  const random = (min: number, max: number) => {
    x = (x * 48271) % 2147483647;
    return min + (x % 1000) * ((max - min) / 1000);
  };
  forge = await startForge('github', 'github', 10);
  forge.sim.core.seed({
    repos: ['lib', 'tools'].map((repo) => ({
      owner: 'acme',
      repo,
      defaultBranch: 'main',
      workflows: sampleWorkflows('github'),
    })),
  });
  setup = writeConfig([forge], [], {
    reconcile: { interval: '200ms', 'safety-interval': '500ms', 'correlation-timeout': '5s' },
    routes: [
      {
        name: 'all',
        when: { forge: 'github', repo: 'acme/source', pull_request: true },
        dispatch: {
          forge: 'github',
          workflow: 'build-from-pr.yml',
          inputs: { pr_number: '{{ pr.number }}', pr_head_sha: '{{ pr.head.sha }}' },
          targets: REPOS.map((repo) => ({ repo: `acme/${repo}` })),
          concurrency: 2,
        },
      },
    ],
  });
  const port = await freePort();
  const env = { XRD_LISTEN_PORT: String(port) };
  service = await startService(setup.configFile, env);
  await registerHooks(
    service.url,
    REPOS.map(
      (repo): RouteSpec => ({
        name: repo,
        source: forge!,
        target: forge!,
        targetRepo: `acme/${repo}`,
        workflow: '',
      }),
    ),
  );

  const shas: string[] = [];
  const numbers: number[] = [];
  const opening = (async () => {
    for (let i = 0; i < PRS; i += 5) {
      const batch = Array.from({ length: Math.min(5, PRS - i) }, () => newSha());
      numbers.push(...(await Promise.all(batch.map((sha) => openPull(forge!, sha)))));
      shas.push(...batch);
      await new Promise((r) => setTimeout(r, 30));
    }
  })();
  for (let k = 0; k < KILLS; k++) {
    await new Promise((r) => setTimeout(r, random(100, 600)));
    service.child.kill('SIGKILL');
    await service.exited;
    service = await startService(setup.configFile, env);
    await redeliverFailed(forge);
  }
  await opening;

  const aggregated = async (sha: string) =>
    (await statuses(forge!, sha)).filter((s) => s.context === 'xrd/targets');
  await until(
    'every PR answered',
    async () => {
      for (let i = 0; i < shas.length; i++) {
        // Newest first: the newest aggregated status is final, and the comment is there.
        if ((await aggregated(shas[i]!))[0]?.state !== 'success') return false;
        if ((await comments(forge!, numbers[i]!)).length === 0) return false;
      }
      return true;
    },
    90_000,
    500,
  ).catch(async (error) => {
    await redeliverFailed(forge!);
    throw error;
  });
  await new Promise((r) => setTimeout(r, 1500)); // anything duplicated surfaces by now

  const allRuns = await runs(forge);
  const problems: string[] = [];
  for (let i = 0; i < shas.length; i++) {
    const sha = shas[i]!;
    const pr = numbers[i]!;
    const mine = allRuns.filter((r) => r.inputs?.pr_head_sha === sha).map((r) => r.repo);
    const finals = (await aggregated(sha)).filter((s) => s.state !== 'pending');
    const notes = await comments(forge, pr);
    const rows = (notes[0]?.body ?? '').split('\n').filter((l) => l.startsWith('| acme/'));
    if (
      mine.sort().join() !== [...REPOS].sort().join() ||
      finals.length !== 1 ||
      notes.length !== 1 ||
      rows.length !== 3
    ) {
      problems.push(
        `PR #${pr}: runs in ${mine.join(', ')}; ${finals.length} final aggregated statuses; ${notes.length} comments; ${rows.length} rows`,
      );
    }
  }
  expect(problems, `seed ${seed}`).toEqual([]);
}, 150_000);
