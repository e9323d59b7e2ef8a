// glibc's allocator settings for the service, applied by the launcher (src/bin.ts) before the
// service's bundle is loaded. Most of the service's resident memory after a burst is glibc's (freed
// memory kept in per-thread arenas and at the top of its heap); MALLOC_ARENA_MAX=2 and
// MALLOC_TRIM_THRESHOLD_=1048576 bound it, but glibc reads them only when a process starts. So the
// launcher replaces its own process image once (execve(2): same PID, same stdio, so signals and
// supervisors see nothing) with the same Node, flags and arguments, and these two variables added.
// The restart also gives V8 a small young generation (YOUNG_GENERATION_FLAG), which V8 too reads
// only at start.
import { accessSync, constants } from 'node:fs';

export const MALLOC_SETTINGS = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '1048576' } as const;

/**
 * Semi-spaces of 4 MiB instead of V8's default (up to 16 MiB on 64-bit): each delivery's payload
 * parse allocates ≈ 100 KB that dies with the request, and smaller, more frequent young collections
 * kept the event loop's stalls shorter — ack p90 −2.5 ms and p99 −2 to −5 ms at a steady 1,000
 * deliveries/s in 7 of 8 back-to-back A/B runs on 2 cores (2026-11-30). Not added when the operator
 * chose a size (`--max-semi-space-size` in the flags or NODE_OPTIONS).
 */
export const YOUNG_GENERATION_FLAG = '--max-semi-space-size=4';

/** `XRD_WEBHOOK_MALLOC=default` keeps glibc's defaults: the launcher does not restart itself. */
export const OPT_OUT = 'XRD_WEBHOOK_MALLOC';

export interface Runtime {
  readonly platform: string;
  /** `process.execve` exists (Node ≥ 22.15 / 23.11). */
  readonly hasExecve: boolean;
  /** The process runs on glibc (musl and others ignore these variables). */
  readonly glibc: boolean;
  /** The process has an IPC channel to its parent (`fork`, cluster, PM2): execve would cut it. */
  readonly ipc: boolean;
  /** Node's own flags of this process (`process.execArgv`). */
  readonly execArgv: readonly string[];
}

export type MallocPlan =
  | { readonly exec: false; readonly error?: string }
  | {
      readonly exec: true;
      readonly env: Record<string, string | undefined>;
      /** Node's flags for the restarted process. */
      readonly execArgv: readonly string[];
    };

/**
 * Whether to restart with the settings, and with which environment and Node flags (theirs, and
 * YOUNG_GENERATION_FLAG unless they set a size). Not when the operator chose
 * (`XRD_WEBHOOK_MALLOC=default`, or any glibc malloc setting of their own: theirs win; this is also
 * what stops the restarted process from restarting again), nor where it would do nothing or cannot
 * be done (not Linux, not glibc, a Node without `process.execve`, a process whose parent talks to it
 * over an IPC channel, which does not survive execve).
 */
export function planMalloc(env: NodeJS.ProcessEnv, runtime: Runtime): MallocPlan {
  const choice = env[OPT_OUT];
  if (choice === 'default') return { exec: false };
  if (choice !== undefined && choice !== '') {
    return {
      exec: false,
      error: `${OPT_OUT} must be "default" (keep glibc's allocator settings) or unset, not "${choice}".`,
    };
  }
  if (env.MALLOC_ARENA_MAX !== undefined || env.MALLOC_TRIM_THRESHOLD_ !== undefined) return { exec: false };
  if (env.GLIBC_TUNABLES?.includes('glibc.malloc.')) return { exec: false };
  if (runtime.platform !== 'linux' || !runtime.hasExecve || runtime.ipc || !runtime.glibc)
    return { exec: false };
  const sized = [...runtime.execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((flag) =>
    flag.startsWith('--max-semi-space-size'),
  );
  return {
    exec: true,
    env: { ...env, ...MALLOC_SETTINGS },
    execArgv: sized ? runtime.execArgv : [...runtime.execArgv, YOUNG_GENERATION_FLAG],
  };
}

function onGlibc(): boolean {
  try {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
      ?.header;
    return typeof header?.glibcVersionRuntime === 'string';
  } catch {
    return false;
  }
}

/**
 * Applies `planMalloc`: returns when there is nothing to do (or the restart was refused), else the
 * process continues as the restarted one. An invalid `XRD_WEBHOOK_MALLOC` is a config error (one
 * sentence, exit code 2).
 */
export function restartWithBoundedMalloc(): void {
  const plan = planMalloc(process.env, {
    platform: process.platform,
    hasExecve: typeof process.execve === 'function',
    ipc: process.channel !== undefined,
    execArgv: process.execArgv,
    // Asked last and only on Linux: the report takes a few milliseconds.
    get glibc() {
      return onGlibc();
    },
  });
  if (!plan.exec) {
    if (plan.error !== undefined) {
      process.stderr.write(`config error: ${plan.error}\n`);
      process.exit(2);
    }
    return;
  }
  // Before Node 26, a failed execve(2) aborts the process instead of throwing: rule out the one
  // failure a running Node can foresee, its own binary gone or not executable.
  try {
    accessSync(process.execPath, constants.X_OK);
  } catch {
    return;
  }
  // `process.execve` announces itself as experimental; on success the warning dies with the old
  // image, but a refusal we go on from (the permission model without --allow-child-process, a Node
  // whose failed execve throws) would print it: drop that one warning, nothing else.
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === 'ExperimentalWarning' && String(warning).includes('process.execve')) return;
    (emitWarning as (...args: unknown[]) => void).apply(process, [warning, ...rest]);
  } as typeof process.emitWarning;
  try {
    process.execve?.(
      process.execPath,
      [process.execPath, ...plan.execArgv, ...process.argv.slice(1)],
      plan.env as NodeJS.ProcessEnv,
    );
  } catch {
    // Refused: the service runs with glibc's defaults, as it would have before.
  } finally {
    process.emitWarning = emitWarning;
  }
}
