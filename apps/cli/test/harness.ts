// Runs the built `xrd` as a child process (the node that runs vitest, i.e. pnpm's Node 24) against
// forge-sim started in the test process on 127.0.0.1.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Dialect, type Sim, startSim } from '@xrd/forge-sim';

export const XRD = fileURLToPath(new URL('../dist/xrd.js', import.meta.url));

export interface XrdRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** An executable to run instead of `node dist/xrd.js`, e.g. the `xrd` bin of an installed package. */
  readonly bin?: string;
  /** The working directory (default: this process's). */
  readonly cwd?: string;
  /** Extra environment; the child gets only PATH, HOME, NO_COLOR and these. */
  readonly env?: Record<string, string>;
  /** Called once with the child, e.g. to send SIGINT when some output appears. */
  readonly onSpawn?: (child: ChildProcess, output: { stderr: () => string; stdout: () => string }) => void;
  readonly timeoutMs?: number;
}

export function xrd(args: readonly string[], options: RunOptions = {}): Promise<XrdRun> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NO_COLOR: '1',
    ...options.env,
  };
  const [command, argv] = options.bin ? [options.bin, args] : [process.execPath, [XRD, ...args]];
  const child = spawn(command, argv, {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  options.onSpawn?.(child, { stderr: () => stderr, stdout: () => stdout });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A simulator per dialect, started lazily and shared by the tests of one file. */
export class Sims {
  private readonly sims = new Map<Dialect, Promise<Sim>>();
  constructor(private readonly timeScale: number) {}

  get(dialect: Dialect): Promise<Sim> {
    let sim = this.sims.get(dialect);
    if (!sim) {
      sim = startSim({ dialect, port: 0, timeScale: this.timeScale });
      this.sims.set(dialect, sim);
    }
    return sim;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sims.values()].map(async (s) => (await s).close()));
    this.sims.clear();
  }
}

export async function control(sim: Sim, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}/_sim/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} /_sim/${path} answered ${res.status}: ${await res.text()}`);
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

export async function resetStats(sim: Sim): Promise<void> {
  await control(sim, 'POST', 'stats/reset');
}

/** Location flags that point xrd at the simulator (the sim's API root is not derivable from a server URL for github). */
export function at(sim: Sim): string[] {
  const forge = sim.dialect === 'forgejo' ? 'forgejo' : sim.dialect.startsWith('gitea') ? 'gitea' : 'github';
  return ['--forge', forge, '--api-url', sim.apiUrl];
}

/** Parses stdout as exactly one JSON document (fails if anything else is there). */
export function json(run: XrdRun): Record<string, unknown> & { ok: boolean; exitCode: number } {
  return JSON.parse(run.stdout) as Record<string, unknown> & { ok: boolean; exitCode: number };
}

/** `xrd dispatch` of `workflow` in the simulator's acme/target, then `extra` flags. */
export function dispatchArgs(sim: Sim, workflow: string, ...extra: string[]): string[] {
  return ['dispatch', ...at(sim), '--repo', 'acme/target', '--workflow', workflow, ...extra];
}

/** An `onSpawn` that sends SIGINT (a Ctrl-C) once stderr matches `pattern`. */
export function interruptWhen(pattern: RegExp): NonNullable<RunOptions['onSpawn']> {
  return (child, out) => {
    const timer = setInterval(() => {
      if (pattern.test(out.stderr())) {
        clearInterval(timer);
        child.kill('SIGINT');
      }
    }, 50);
    child.on('close', () => clearInterval(timer));
  };
}
