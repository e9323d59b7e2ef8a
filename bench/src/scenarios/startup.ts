// Start-up and size: how long the CLI takes to answer `--version`, how long the action's bundle
// takes from process start to its first request, and how big that bundle is.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_TOKEN } from '../engine.ts';
import { OWNER, REF, REPO, WF_RUN_NAME } from '../fixtures.ts';
import type { Section } from '../harness.ts';
import { stopChild } from '../sim.ts';
import { fmtBytes, fmtInt, fmtMs, median, percentile } from '../stats.ts';
import { requireFile } from '../workspace.ts';

const VERSION_RUNS = 15;
const ACTION_RUNS = 7;

/** `INPUT_<NAME>` the way the runner sets it: upper-cased, spaces to `_`, hyphens kept. */
function inputEnv(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * The action's declared inputs and their literal defaults, read from action.yml (the runner applies
 * defaults, `node dist/index.js` does not). Expression defaults (`${{ … }}`) are skipped.
 */
function actionDefaults(actionYml: string): Record<string, string> {
  const defaults: Record<string, string> = {};
  const block = actionYml.split(/^inputs:\s*$/m)[1]?.split(/^\S/m)[0] ?? '';
  let current: string | undefined;
  for (const line of block.split('\n')) {
    const name = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
    if (name) {
      current = name[1];
      continue;
    }
    const value = /^ {4}default:\s*(.*)$/.exec(line);
    if (value && current) {
      const raw = (value[1] ?? '').trim().replace(/^(['"])(.*)\1$/, '$2');
      if (!raw.includes('${{')) defaults[current] = raw;
    }
  }
  return defaults;
}

export const startup: Section = {
  area: 'start-up and size',
  budgetMs: 60_000,
  async run(ctx) {
    await ctx.scenario(
      `\`node apps/cli/dist/xrd.js --version\`, wall time, median of ${VERSION_RUNS} runs (after 1 warm-up)`,
      async () => {
        const cli = requireFile('apps/cli/dist/xrd.js', 'the CLI bundle');
        const times: number[] = [];
        let output = '';
        for (let i = 0; i <= VERSION_RUNS && !ctx.signal.aborted; i += 1) {
          const t0 = performance.now();
          const result = spawnSync(process.execPath, [cli, '--version'], {
            encoding: 'utf8',
            timeout: 10_000,
          });
          const elapsed = performance.now() - t0;
          if (result.status !== 0)
            throw new Error(`xrd --version exited ${result.status}: ${result.stderr.slice(0, 200)}`);
          output = result.stdout.trim();
          if (i > 0) times.push(elapsed);
        }
        // Node itself, for scale: the part of the time that is not xrd's.
        const bare: number[] = [];
        for (let i = 0; i < 5; i += 1) {
          const t0 = performance.now();
          spawnSync(process.execPath, ['-e', '0'], { timeout: 10_000 });
          bare.push(performance.now() - t0);
        }
        return {
          xrd: `median ${fmtMs(median(times))}, p90 ${fmtMs(percentile(times, 90))} (bare \`node -e 0\`: ${fmtMs(median(bare))}); prints "${output.slice(0, 40)}"`,
          status: 'ok',
          metrics: {
            medianMs: median(times),
            p90Ms: percentile(times, 90),
            bareNodeMedianMs: median(bare),
            runs: times.length,
          },
        };
      },
    );

    await ctx.scenario(
      `action bundle: spawn \`node apps/action/dist/index.js\` (runner env, INPUT_* for a workflow_dispatch) until its first HTTP request reaches a 127.0.0.1 listener; median of ${ACTION_RUNS}`,
      async () => {
        const bundle = requireFile('apps/action/dist/index.js', 'the action bundle');
        const actionYml = readFileSync(requireFile('apps/action/action.yml', 'action.yml'), 'utf8');
        const times: number[] = [];
        const firstRoutes = new Set<string>();
        for (let i = 0; i < ACTION_RUNS && !ctx.signal.aborted; i += 1) {
          const { ms, route } = await timeToFirstRequest(bundle, actionYml);
          times.push(ms);
          firstRoutes.add(route);
        }
        return {
          xrd: `median ${fmtMs(median(times))}, max ${fmtMs(Math.max(...times))} (first request: ${[...firstRoutes].join(', ')})`,
          status: 'ok',
          metrics: { medianMs: median(times), maxMs: Math.max(...times), runs: times.length },
        };
      },
    );

    await ctx.scenario(
      'action bundle size: apps/action/dist/index.js (everything the step loads, one file)',
      async () => {
        const bundle = requireFile('apps/action/dist/index.js', 'the action bundle');
        const bytes = statSync(bundle).size;
        return { xrd: `${fmtInt(bytes)} bytes (${fmtBytes(bytes)})`, status: 'ok', metrics: { bytes } };
      },
    );
  },
};

async function timeToFirstRequest(bundle: string, actionYml: string): Promise<{ ms: number; route: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'xrd-bench-action-'));
  let resolveFirst: (value: { at: number; route: string }) => void = () => undefined;
  const first = new Promise<{ at: number; route: string }>((resolve) => {
    resolveFirst = resolve;
  });
  // Answers 503 to everything: only the arrival of the first request matters here.
  const server = createServer((req, res) => {
    resolveFirst({
      at: performance.now(),
      route: `${req.method} ${req.url?.split('?')[0]?.replace(/\d{3,}/g, '{id}')}`,
    });
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '60' });
    res.end('{"message":"bench listener"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const name of ['output', 'summary', 'state', 'env', 'path']) writeFileSync(join(dir, name), '');
  const inputs: Record<string, string> = {
    ...actionDefaults(actionYml),
    forge: 'github',
    'api-url': url,
    'server-url': url,
    repo: `${OWNER}/${REPO}`,
    workflow: WF_RUN_NAME,
    ref: REF,
    token: BENCH_TOKEN,
    wait: 'false',
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_API_URL: url,
    GITHUB_SERVER_URL: url,
    GITHUB_REPOSITORY: 'bench/source',
    GITHUB_SHA: '0000000000000000000000000000000000000000',
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: dir,
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_PATH: join(dir, 'path'),
  };
  for (const [name, value] of Object.entries(inputs)) env[inputEnv(name)] = value;
  const t0 = performance.now();
  const child = spawn(process.execPath, [bundle], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-1000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000).unref());
  try {
    const winner = await Promise.race([first, exited, timeout]);
    if (winner === 'timeout') throw new Error('no request within 15 s');
    if (typeof winner === 'number' || winner === null) {
      throw new Error(
        `the action exited (${winner}) before any request: ${output.replace(/\s+/g, ' ').slice(-200)}`,
      );
    }
    return { ms: winner.at - t0, route: winner.route };
  } finally {
    await stopChild(child, 2000);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}
