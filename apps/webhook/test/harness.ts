// End-to-end harness: forge-sim in-process, the BUILT service (dist/server.js) as a child process,
// everything on 127.0.0.1. The sim sends real signed webhooks to the service.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Dialect, type Sim, startSim } from '@xrd/forge-sim';
import { stringify } from 'yaml';

export const SERVER = fileURLToPath(new URL('../dist/server.js', import.meta.url));
export const SECRET = 'e2e-webhook-secret';
export const TOKEN = 'e2e-token-0123456789';

export async function json<T = unknown>(url: string, init?: RequestInit & { body?: string }): Promise<T> {
  const res = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export const post = <T = unknown>(url: string, body: unknown) =>
  json<T>(url, { method: 'POST', body: JSON.stringify(body) });

export async function until<T>(
  what: string,
  fn: () => Promise<T> | T,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface SimForge {
  readonly name: string;
  readonly sim: Sim;
  readonly kind: 'github' | 'gitea' | 'forgejo';
}

export async function startForge(
  name: string,
  dialect: Dialect,
  timeScale: number,
  options: { readonly clockOffsetMs?: number } = {},
): Promise<SimForge> {
  const sim = await startSim({ dialect, port: 0, timeScale, ...options });
  const kind = dialect === 'forgejo' ? 'forgejo' : dialect.startsWith('gitea') ? 'gitea' : 'github';
  return { name, sim, kind };
}

export interface ServiceProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly logs: Record<string, unknown>[];
  /** Resolves with the exit code (or signal) once the process ends. */
  readonly exited: Promise<number | string>;
}

export interface Setup {
  readonly dir: string;
  readonly configFile: string;
  readonly dbFile: string;
  cleanup(): void;
}

export interface RouteSpec {
  name: string;
  source: SimForge;
  sourceRepo?: string;
  target: SimForge;
  targetRepo?: string;
  workflow: string;
  context?: string;
  cancelSuperseded?: boolean;
}

export function writeConfig(
  forges: SimForge[],
  routes: RouteSpec[],
  extra: Record<string, unknown> = {},
): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'xrd-webhook-e2e-'));
  const configFile = join(dir, 'config.yml');
  const dbFile = join(dir, 'state.db');
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    store: { path: dbFile },
    log: { level: 'info' },
    worker: { 'poll-interval': '50ms', lease: '10s', concurrency: 32, 'drain-timeout': '5s' },
    reconcile: { interval: '200ms', 'safety-interval': '1s', 'correlation-timeout': '10s' },
    forges: forges.map((f) => ({
      name: f.name,
      kind: f.kind,
      'api-url': f.sim.apiUrl,
      token: TOKEN,
      'webhook-secret': SECRET,
      // forge-sim has no secondary rate limit worth spacing writes for.
      ...(f.kind === 'github' ? { 'min-write-interval': 0 } : {}),
    })),
    routes: routes.map((r) => ({
      name: r.name,
      when: { forge: r.source.name, repo: r.sourceRepo ?? 'acme/source', pull_request: true },
      dispatch: {
        forge: r.target.name,
        repo: r.targetRepo ?? 'acme/target',
        workflow: r.workflow,
        ref: 'main',
        inputs: {
          pr_number: '{{ pr.number }}',
          pr_head_sha: '{{ pr.head.sha }}',
          pr_head_ref: '{{ pr.head.ref }}',
          source_repo: '{{ source.repo }}',
        },
      },
      report: { context: r.context ?? 'dispatch-target/build' },
      'cancel-superseded': r.cancelSuperseded ?? false,
    })),
    ...extra,
  };
  writeFileSync(configFile, stringify(config));
  return { dir, configFile, dbFile, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Every child is killed when the test process ends, whatever happened to the test (a timeout
// must not leave a service running).
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/**
 * Starts the built service; resolves once it logs `listening`. `bin`: an executable to run instead
 * of `node dist/server.js`, e.g. the `xrd-webhook` bin of an installed package.
 */
export async function startService(
  configFile: string,
  env: Record<string, string> = {},
  port?: number,
  bin?: string,
): Promise<ServiceProcess> {
  const [command, args] = bin ? [bin, []] : [process.execPath, [SERVER]];
  const child = spawn(command, [...args, '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, ...(port ? { XRD_LISTEN_PORT: String(port) } : {}) },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'listening') resolve(String(entry.url));
      } catch {
        logs.push({ raw: line });
      }
    });
    void exited.then((code) => reject(new Error(`service exited (${code}) before listening: ${stderr}`)));
    setTimeout(
      () => reject(new Error(`service did not log "listening" within 15 s: ${stderr}`)),
      15_000,
    ).unref();
  });
  return { url, child, logs, exited };
}

/** Registers the service as webhook receiver on the sims: source repos for PRs, targets for runs. */
export async function registerHooks(url: string, routes: RouteSpec[]): Promise<void> {
  const seen = new Set<string>();
  for (const r of routes) {
    const hooks: Array<[SimForge, string, string]> = [
      [r.source, r.sourceRepo ?? 'acme/source', 'pull_request'],
      [r.target, r.targetRepo ?? 'acme/target', 'workflow_run'],
    ];
    for (const [forge, repo, event] of hooks) {
      const key = `${forge.name}|${repo}|${event}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const [owner, name] = repo.split('/');
      await post(`${forge.sim.url}/_sim/hooks`, {
        owner,
        repo: name,
        url: `${url}/hooks/${forge.name}`,
        secret: SECRET,
        events: [event],
      });
    }
  }
}

export interface SimStatus {
  state: string;
  context: string;
  description: string | null;
  targetUrl: string | null;
}

export const statuses = (forge: SimForge, sha: string, repo = 'acme/source') =>
  json<SimStatus[]>(`${forge.sim.url}/_sim/repos/${repo}/statuses/${sha}`);

export const comments = (forge: SimForge, pr: number, repo = 'acme/source') =>
  json<Array<{ id: number; body: string }>>(`${forge.sim.url}/_sim/repos/${repo}/issues/${pr}/comments`);

export interface SimRun {
  id: number;
  owner: string;
  repo: string;
  workflow: string;
  status: string;
  conclusion: string | null;
  displayTitle: string;
  inputs: Record<string, string> | null;
}

export const runs = (forge: SimForge) => json<SimRun[]>(`${forge.sim.url}/_sim/runs`);

export interface SimDelivery {
  id: string;
  event: string;
  action: string;
  status: number | 'dropped' | 'pending';
}

export const deliveries = (forge: SimForge) => json<SimDelivery[]>(`${forge.sim.url}/_sim/deliveries`);

let shaCounter = 0;
/** A fresh 40-hex sha. */
export function newSha(): string {
  shaCounter += 1;
  return (Date.now().toString(16) + shaCounter.toString(16).padStart(8, '0')).padEnd(40, 'a').slice(0, 40);
}

export async function openPull(forge: SimForge, sha: string, repo = 'acme/source'): Promise<number> {
  const { number } = await post<{ number: number }>(`${forge.sim.url}/_sim/repos/${repo}/pulls`, {
    title: `change ${sha.slice(0, 7)}`,
    head: { ref: `feature/${sha.slice(0, 8)}`, sha },
  });
  return number;
}

export const finalOf = (list: SimStatus[], context = 'dispatch-target/build') =>
  list.filter((s) => s.context === context && s.state !== 'pending');

// ------------------------------------------------------------------ PostgreSQL (when reachable)

export { dropSchema, PG_URL, pgReachable } from './pg.js';

/** forge-sim's request counters for one route (`METHOD /template`). */
export async function routeCount(forge: SimForge, route: RegExp): Promise<number> {
  const stats = await json<{ byRoute: Record<string, { total: number }> }>(`${forge.sim.url}/_sim/stats`);
  return Object.entries(stats.byRoute)
    .filter(([key]) => route.test(key))
    .reduce((sum, [, v]) => sum + v.total, 0);
}

/** A port free on 127.0.0.1 now (for a service restarted on the same address). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
