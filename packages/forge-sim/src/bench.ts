// `pnpm --filter @xrd/forge-sim bench`: the simulator's own request throughput on loopback, with the
// sim in a child process (as bench/ runs it) so the load driver does not share its event loop.
// Prints numbers; passes or fails nothing. Every load loop is bounded in count and time.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { measureThroughput } from './throughput.js';

const cli = fileURLToPath(new URL('./cli.js', import.meta.url));

async function startChild(dialect: string) {
  const child = spawn(
    process.execPath,
    [cli, '--dialect', dialect, '--rate-limit', '1000000000', '--secondary-limit', '0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => resolve(l));
    child.once('exit', () => reject(new Error('sim exited early')));
  });
  return { apiUrl: line.trim(), url: new URL(line.trim()).origin, stop: () => child.kill('SIGTERM') };
}

const H = { authorization: 'token bench', 'content-type': 'application/json' };

async function row(name: string, r: Awaited<ReturnType<typeof measureThroughput>>) {
  console.log(
    `${name.padEnd(58)} ${Math.round(r.perSecond).toString().padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  ${JSON.stringify(r.byStatus)}${r.errors ? ` errors ${r.errors}` : ''}`,
  );
}

async function main() {
  const gh = await startChild('github');
  try {
    // The first run lasts an hour, so its ETag holds through the conditional row.
    await fetch(`${gh.url}/_sim/repos/acme/target/workflows/build.yml/script`, {
      method: 'POST',
      body: JSON.stringify({ runs: [{ durationMs: 3_600_000 }] }),
    });
    const d = await fetch(`${gh.apiUrl}/repos/acme/target/actions/workflows/build.yml/dispatches`, {
      method: 'POST',
      headers: H,
      body: JSON.stringify({ ref: 'main', inputs: { correlation_id: 'bench' }, return_run_details: true }),
    });
    const { workflow_run_id: id } = (await d.json()) as { workflow_run_id: number };
    for (let i = 0; i < 99; i++) {
      await fetch(`${gh.apiUrl}/repos/acme/target/actions/workflows/build.yml/dispatches`, {
        method: 'POST',
        headers: H,
        body: JSON.stringify({ ref: 'main' }),
      });
    }
    const runUrl = `${gh.apiUrl}/repos/acme/target/actions/runs/${id}`;
    await new Promise((r) => setTimeout(r, 1200));
    const etag = (await fetch(runUrl, { headers: H })).headers.get('etag') ?? '';
    const limits = { concurrency: 16, maxRequests: 30_000, maxMs: 3_000 };
    await row('github GET run (200)', await measureThroughput({ url: runUrl, headers: H, ...limits }));
    await row(
      'github GET run, If-None-Match (304)',
      await measureThroughput({ url: runUrl, headers: { ...H, 'if-none-match': etag }, ...limits }),
    );
    await row(
      'github GET runs?per_page=100 (100 runs)',
      await measureThroughput({
        url: `${gh.apiUrl}/repos/acme/target/actions/runs?per_page=100`,
        headers: H,
        ...limits,
        maxRequests: 5_000,
      }),
    );
    await row(
      'github GET run jobs',
      await measureThroughput({ url: `${runUrl}/jobs`, headers: H, ...limits }),
    );
    await row(
      'github POST dispatch (204)',
      await measureThroughput({
        url: `${gh.apiUrl}/repos/acme/target/actions/workflows/build.yml/dispatches`,
        method: 'POST',
        headers: H,
        body: JSON.stringify({ ref: 'main' }),
        ...limits,
        maxRequests: 5_000,
      }),
    );
  } finally {
    gh.stop();
  }
  const gt = await startChild('gitea-1.25');
  try {
    await fetch(`${gt.apiUrl}/repos/acme/target/actions/workflows/build.yml/dispatches`, {
      method: 'POST',
      headers: H,
      body: JSON.stringify({ ref: 'main' }),
    });
    const run = (await (
      await fetch(`${gt.apiUrl}/repos/acme/target/actions/runs`, { headers: H })
    ).json()) as { workflow_runs: { id: number }[] };
    const url = `${gt.apiUrl}/repos/acme/target/actions/runs/${run.workflow_runs[0]!.id}`;
    await row(
      'gitea-1.25 GET run (200)',
      await measureThroughput({ url, headers: H, concurrency: 16, maxRequests: 30_000, maxMs: 3_000 }),
    );
  } finally {
    gt.stop();
  }
}

await main();
