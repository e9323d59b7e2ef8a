// forge-sim from the bench's side: start it (in-process or as a child process, always on
// 127.0.0.1), and drive its control API (`/_sim/*`, see docs/architecture.md).
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { DIALECTS, Dialect, RouteStats, SimStats, startSim, WorkflowSpec } from '@xrd/forge-sim';
import { requireExport, requireFile } from './workspace.ts';

// forge-sim's own types (type-only: erased at run time, so the bench still loads the package lazily
// through requireExport and prints `n/a` rows when it is not built).
export type { Dialect, SimStats, WorkflowSpec };
/** What `GET /_sim/stats` counts, per route and in all. */
export type SimCounters = RouteStats;

/**
 * The dialects the rate-limit rows cover: forge-sim's list, less ghes-3.20, which forge-sim serves
 * exactly like ghes-3.19 for dispatch (both reject `return_run_details`).
 */
export async function benchDialects(): Promise<readonly Dialect[]> {
  const all = await requireExport<typeof DIALECTS>('@xrd/forge-sim', 'DIALECTS');
  return all.filter((dialect) => dialect !== 'ghes-3.20');
}

export function isGitHubDialect(dialect: Dialect): boolean {
  return dialect === 'github' || dialect.startsWith('ghes-');
}

export function forgeKindOf(dialect: Dialect): 'github' | 'gitea' | 'forgejo' {
  if (isGitHubDialect(dialect)) return 'github';
  return dialect === 'forgejo' ? 'forgejo' : 'gitea';
}

/** A run as `/_sim/runs` reports it, normalised to the fields the bench reads. */
export interface SimRun {
  readonly id: number;
  readonly runNumber?: number;
  readonly owner?: string;
  readonly repo?: string;
  readonly status: string;
  readonly conclusion: string | null;
  readonly event?: string;
  readonly workflow?: string;
  readonly displayTitle?: string;
  readonly createdAt?: string;
  readonly completedAt?: string;
  readonly inputs?: Record<string, unknown>;
  readonly clientPayload?: Record<string, unknown>;
  readonly raw: Record<string, unknown>;
}

/** A started sim and its control API. */
export class Sim {
  readonly url: string;
  readonly apiUrl: string;
  readonly dialect: Dialect;
  readonly timeScale: number;
  private readonly closer: () => Promise<void>;

  constructor(init: {
    url: string;
    apiUrl: string;
    dialect: Dialect;
    timeScale: number;
    close: () => Promise<void>;
  }) {
    this.url = init.url.replace(/\/$/, '');
    this.apiUrl = init.apiUrl.replace(/\/$/, '');
    this.dialect = init.dialect;
    this.timeScale = init.timeScale;
    this.closer = init.close;
  }

  close(): Promise<void> {
    return this.closer();
  }

  async control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, headers: { accept: 'application/json' } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { accept: 'application/json', 'content-type': 'application/json' };
    }
    const response = await fetch(`${this.url}/_sim${path}`, init);
    const text = await response.text();
    if (!response.ok)
      throw new Error(`forge-sim ${method} /_sim${path} answered ${response.status}: ${text.slice(0, 200)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  stats(): Promise<SimStats> {
    return this.control<SimStats>('GET', '/stats');
  }

  async resetStats(): Promise<void> {
    await this.control('POST', '/stats/reset', {});
  }

  async createRepo(owner: string, repo: string): Promise<void> {
    await this.control('POST', '/repos', { owner, repo, defaultBranch: 'main' });
  }

  async addWorkflow(owner: string, repo: string, spec: WorkflowSpec): Promise<void> {
    await this.control('POST', `/repos/${owner}/${repo}/workflows`, spec);
  }

  async runs(): Promise<SimRun[]> {
    const answer = await this.control<unknown>('GET', '/runs');
    const list = Array.isArray(answer)
      ? answer
      : ((answer as { runs?: unknown[]; workflow_runs?: unknown[] }).runs ??
        (answer as { workflow_runs?: unknown[] }).workflow_runs ??
        []);
    return list.map((item) => normaliseRun(item as Record<string, unknown>));
  }

  async startNoise(body: {
    owner: string;
    repo: string;
    workflow: string;
    event?: string;
    ref?: string;
    perMinute: number;
  }): Promise<void> {
    await this.control('POST', '/noise', body);
  }

  async stopNoise(): Promise<void> {
    await this.control('DELETE', '/noise');
  }
}

function pick(raw: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) if (raw[key] !== undefined && raw[key] !== null) return raw[key];
  return undefined;
}

function normaliseRun(raw: Record<string, unknown>): SimRun {
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const obj = (v: unknown): Record<string, unknown> | undefined =>
    v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  const run: Record<string, unknown> = { id: Number(raw.id), raw };
  run.status = str(raw.status) ?? 'unknown';
  run.conclusion = str(raw.conclusion) ?? null;
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) run[key] = value;
  };
  set('event', str(raw.event));
  set('owner', str(raw.owner));
  set('repo', str(raw.repo));
  if (typeof pick(raw, 'runNumber', 'run_number') === 'number')
    run.runNumber = pick(raw, 'runNumber', 'run_number');
  set('workflow', str(pick(raw, 'workflow', 'workflowFile', 'workflow_file', 'path')));
  set('displayTitle', str(pick(raw, 'displayTitle', 'display_title', 'title')));
  set('createdAt', str(pick(raw, 'createdAt', 'created_at')));
  set('completedAt', str(pick(raw, 'completedAt', 'completed_at')));
  set('inputs', obj(raw.inputs));
  set('clientPayload', obj(pick(raw, 'clientPayload', 'client_payload')));
  return run as unknown as SimRun;
}

/** Starts forge-sim in this process (loopback, port 0). */
export async function startSimInProcess(dialect: Dialect, timeScale = 1): Promise<Sim> {
  const start = await requireExport<typeof startSim>('@xrd/forge-sim', 'startSim');
  const sim = await start({ dialect, port: 0, timeScale });
  return new Sim({ url: sim.url, apiUrl: sim.apiUrl, dialect, timeScale, close: () => sim.close() });
}

/**
 * The scheduling priority of a forge-sim child (Linux nice value; 0 is the default). forge-sim
 * stands in for a forge that runs on other machines, but here it shares the 2 cores with the
 * service being measured, and at the default priority its bursts (a dispatch handled, a run's
 * hooks sent) took the service's core: at a steady 1,000 deliveries/s the service's event loop
 * waited up to 16 ms at a time in the run queue (`/proc/thread-self/schedstat`, 2026-12-01).
 * At nice 10 it gets a core whenever one is idle — the service's loop is busy about two thirds of
 * the time — and a tenth of one against the service.
 */
export const SIM_CHILD_NICE = 10;

/**
 * Starts forge-sim as a child process (`node packages/forge-sim/dist/cli.js`), so load generated
 * by the bench does not share an event loop with the server it measures; it runs at
 * `SIM_CHILD_NICE`.
 */
export async function startSimChild(dialect: Dialect, timeScale = 1): Promise<Sim> {
  const cli = requireFile('packages/forge-sim/dist/cli.js', 'the forge-sim CLI');
  const argv = [cli, '--port', '0', '--dialect', dialect, '--time-scale', String(timeScale)];
  // Through coreutils' `nice`, so every thread of the child (its garbage collector's too) has it.
  const child = spawn('nice', ['-n', String(SIM_CHILD_NICE), process.execPath, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const apiUrl = await firstLine(child, 15_000).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`forge-sim child did not start: ${String(error)} ${stderr.slice(-300)}`);
  });
  const url = new URL(apiUrl).origin;
  return new Sim({ url, apiUrl, dialect, timeScale, close: () => stopChild(child) });
}

function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`no output within ${timeoutMs} ms`)), timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      const match = /https?:\/\/\S+/.exec(line);
      if (match) resolve(match[0]);
      else reject(new Error(`unexpected first line: ${line.slice(0, 200)}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}`));
    });
  });
}

/** Stops a child we started: SIGTERM, then SIGKILL after a grace period. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Runs `body` with a fresh sim and always closes it. `inChild`: forge-sim as a child process, so the
 * work the measured service sends it does not delay the bench's own timers (an open-loop generator).
 */
export async function withSim<T>(
  dialect: Dialect,
  timeScale: number,
  body: (sim: Sim) => Promise<T>,
  options: { readonly inChild?: boolean } = {},
): Promise<T> {
  const sim = options.inChild
    ? await startSimChild(dialect, timeScale)
    : await startSimInProcess(dialect, timeScale);
  try {
    return await body(sim);
  } finally {
    await sim.close().catch(() => undefined);
  }
}
