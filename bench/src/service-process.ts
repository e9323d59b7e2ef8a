// The webhook service (apps/webhook/dist/server.js) as the bench runs it: child processes on
// 127.0.0.1, a YAML config written to a temp dir, signed deliveries built from a real one.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BENCH_TOKEN } from './engine.ts';
import { OWNER, REF, REPO, WF_RUN_NAME } from './fixtures.ts';
import { type Sim, startSimInProcess, stopChild } from './sim.ts';
import { requireFile } from './workspace.ts';

export const HOOK_SECRET = 'bench-webhook-secret';
export const FORGE_NAME = 'gh';
export const SOURCE = { owner: 'acme', repo: 'source' };

export interface ServiceSetup {
  readonly dir: string;
  readonly configFile: string;
  cleanup(): void;
}

export interface ServiceConfigOptions {
  /** The SQLite file (default: state.db in the config's temp dir). */
  readonly sqlitePath?: string;
  /** The forge's kind as the service's config names it (default `github`). */
  readonly kind?: 'github' | 'gitea' | 'forgejo';
  /** The service's `reconcile` section (its defaults when absent). */
  readonly reconcile?: { readonly interval?: string; readonly 'safety-interval'?: string };
}

/** A JSON config in YAML clothing (JSON is YAML), so the bench needs no YAML library. */
export function writeServiceConfig(sim: Sim, options: ServiceConfigOptions): ServiceSetup {
  const dir = mkdtempSync(join(tmpdir(), 'xrd-bench-webhook-'));
  const configFile = join(dir, 'config.yml');
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    store: { path: options.sqlitePath ?? join(dir, 'state.db') },
    // `info`: the service announces its URL at that level; per-delivery lines are `debug`.
    log: { level: 'info' },
    ...(options.reconcile ? { reconcile: options.reconcile } : {}),
    forges: [
      {
        name: FORGE_NAME,
        kind: options.kind ?? 'github',
        'api-url': sim.apiUrl,
        token: BENCH_TOKEN,
        'webhook-secret': HOOK_SECRET,
        // GitHub's advice is 1 s between writes (secondary limits); forge-sim has none worth it,
        // and 10,000 dispatches at 1/s would measure the spacing, not the service.
        ...((options.kind ?? 'github') === 'github' ? { 'min-write-interval': 0 } : {}),
      },
    ],
    routes: [
      {
        name: 'bench',
        when: { forge: FORGE_NAME, repo: `${SOURCE.owner}/${SOURCE.repo}`, pull_request: true },
        dispatch: {
          forge: FORGE_NAME,
          repo: `${OWNER}/${REPO}`,
          workflow: WF_RUN_NAME,
          ref: REF,
          inputs: { sha: '{{ pr.head.sha }}' },
        },
        report: { context: 'bench/xrd' },
      },
    ],
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  return { dir, configFile, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ServiceProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Log lines with this `msg` the service has written so far. */
  logged(msg: string): number;
  stop(): Promise<void>;
}

export async function startService(
  configFile: string,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const server = requireFile('apps/webhook/dist/server.js', 'the webhook service');
  const child = spawn(process.execPath, [server, '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  // Every log line's `msg` is counted (the service logs one JSON object per line on stdout), which
  // also keeps reading stdout, so a chatty service never blocks on a full pipe; "listening" carries
  // the service's URL.
  const counts = new Map<string, number>();
  let announced: (url: string) => void = () => undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let entry: { msg?: unknown; url?: unknown };
    try {
      entry = JSON.parse(line) as { msg?: unknown; url?: unknown };
    } catch {
      return; // not a log line
    }
    if (typeof entry.msg !== 'string') return;
    counts.set(entry.msg, (counts.get(entry.msg) ?? 0) + 1);
    if (entry.msg === 'listening' && typeof entry.url === 'string') announced(entry.url);
  });
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the service did not log "listening" within 20 s: ${stderr.slice(-300)}`)),
      20_000,
    );
    announced = (url) => {
      clearTimeout(timer);
      resolve(url);
    };
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${code}) before listening: ${stderr.slice(-300)}`));
    });
  });
  let url: string;
  try {
    url = await listening;
  } catch (error) {
    await stopChild(child, 1000);
    throw error;
  }
  return { url, child, logged: (msg) => counts.get(msg) ?? 0, stop: () => stopChild(child, 10_000) };
}

/** Resident set size of a process we started (Linux /proc). */
export function rssBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The samples of a Prometheus text exposition: metric name, label text (`{…}` or ''), value. */
function* metricSamples(text: string): Generator<{ name: string; labels: string; value: number }> {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+([0-9.eE+-]+)/.exec(line);
    if (match) yield { name: match[1] as string, labels: match[2] ?? '', value: Number(match[3]) };
  }
}

/** Sums a Prometheus metric's samples, optionally only those whose labels match. */
export async function metricSum(
  url: string,
  name: string,
  filter?: (labels: string) => boolean,
): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const sample of metricSamples(text)) {
    if (sample.name === name && (!filter || filter(sample.labels))) sum += sample.value;
  }
  return sum;
}

/**
 * A Prometheus histogram's cumulative bucket counts by upper bound (`le`, `+Inf` as Infinity),
 * summed over its series.
 */
export function histogramBuckets(text: string, name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const sample of metricSamples(text)) {
    const le = /le="([^"]+)"/.exec(sample.labels)?.[1];
    if (sample.name !== `${name}_bucket` || le === undefined) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + sample.value);
  }
  return buckets;
}

/** A pull_request `opened` delivery as forge-sim sends it, to re-sign for other PR numbers. */
export interface DeliveryTemplate {
  readonly payload: Record<string, unknown>;
  readonly headers: Record<string, string>;
}

/** Captures one real delivery from a throwaway sim (github dialect), to use as a template. */
export async function captureDelivery(): Promise<DeliveryTemplate> {
  const sim = await startSimInProcess('github', 1);
  let resolveCaptured: (value: DeliveryTemplate) => void = () => undefined;
  const captured = new Promise<DeliveryTemplate>((resolve) => {
    resolveCaptured = resolve;
  });
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(202).end();
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers[key] = value;
      resolveCaptured({
        payload: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        headers,
      });
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
    await sim.control('POST', '/hooks', { ...SOURCE, url, secret: HOOK_SECRET, events: ['pull_request'] });
    await sim.control('POST', `/repos/${SOURCE.owner}/${SOURCE.repo}/pulls`, {
      number: 999_999,
      title: 'template',
      head: { ref: 'feature/template', sha: 'a'.repeat(40) },
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error('forge-sim sent no pull_request delivery within 5 s')),
        5_000,
      ).unref(),
    );
    return await Promise.race([captured, timeout]);
  } finally {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await sim.close();
  }
}

export function headSha(n: number): string {
  return n.toString(16).padStart(40, '0');
}

const NUMBER_MARK = '@@xrd-number@@';
const SHA_MARK = '@@xrd-sha@@';

/** The template re-aimed at a marked PR number and head sha, serialized once, cut at the marks. */
const skeletons = new WeakMap<DeliveryTemplate, readonly string[]>();

function skeleton(template: DeliveryTemplate): readonly string[] {
  let pieces = skeletons.get(template);
  if (pieces) return pieces;
  const payload = structuredClone(template.payload) as Record<string, unknown> & {
    pull_request?: Record<string, unknown> & { head?: Record<string, unknown> };
  };
  payload.number = NUMBER_MARK;
  if (payload.pull_request) {
    payload.pull_request.number = NUMBER_MARK;
    if (payload.pull_request.head) {
      payload.pull_request.head.sha = SHA_MARK;
      payload.pull_request.head.ref = `feature/pr-${NUMBER_MARK}`;
    }
    for (const key of ['url', 'html_url', 'issue_url', 'comments_url']) {
      const value = payload.pull_request[key];
      if (typeof value === 'string') payload.pull_request[key] = value.replace(/\/\d+$/, `/${NUMBER_MARK}`);
    }
  }
  // Odd pieces are the marks: a quoted number mark (a JSON number), a number mark inside a string, a sha.
  pieces = JSON.stringify(payload).split(new RegExp(`("${NUMBER_MARK}"|${NUMBER_MARK}|${SHA_MARK})`));
  skeletons.set(template, pieces);
  return pieces;
}

/**
 * The template re-aimed at PR `number` (head sha derived from it), signed, with a fresh delivery id.
 * The payload is serialized once per template and filled in per delivery, so that a load generator
 * sending 1,000 a second spends little of the cores it shares with the service on building them.
 */
export function signedDelivery(
  template: DeliveryTemplate,
  number: number,
  deliveryId: string,
): { body: string; headers: Record<string, string> } {
  const pieces = skeleton(template);
  const sha = headSha(number);
  let body = '';
  for (let i = 0; i < pieces.length; i += 1) {
    const piece = pieces[i]!;
    body += i % 2 === 0 ? piece : piece === SHA_MARK ? sha : String(number);
  }
  const signature = createHmac('sha256', HOOK_SECRET).update(body).digest('hex');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': template.headers['user-agent'] ?? 'GitHub-Hookshot/bench',
    'x-github-event': template.headers['x-github-event'] ?? 'pull_request',
    'x-github-delivery': deliveryId,
    'x-hub-signature-256': `sha256=${signature}`,
  };
  return { body, headers };
}

/** Creates PRs #first … #first+count-1 in acme/source on the sim (head sha as signedDelivery sets). */
export async function createPulls(sim: Sim, first: number, count: number): Promise<void> {
  const numbers = Array.from({ length: count }, (_, i) => first + i);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < numbers.length) {
      const number = numbers[next]!;
      next += 1;
      await sim.control('POST', `/repos/${SOURCE.owner}/${SOURCE.repo}/pulls`, {
        number,
        title: `bench ${number}`,
        head: { ref: `feature/pr-${number}`, sha: headSha(number) },
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** psql against the local PostgreSQL (trust auth), for creating and dropping bench schemas. */
export function psql(databaseUrl: string, sql: string): void {
  const result = spawnSync('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-qc', sql], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`psql: ${result.stderr.trim().slice(0, 200)}`);
}
