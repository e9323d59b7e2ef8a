// glibc's allocator settings for the service, applied by the launcher (src/bin.ts) before the
// service's bundle is loaded. Most of the service's resident memory after a burst is glibc's (freed
// memory kept in per-thread arenas and at the top of its heap); MALLOC_ARENA_MAX=2 and
// MALLOC_TRIM_THRESHOLD_=1048576 bound it, but glibc reads them only when a process starts. So the
// launcher replaces its own process image once (execve(2): same PID, same stdio, so signals and
// supervisors see nothing) with the same Node, flags and arguments, and these two variables added.
import { accessSync, constants } from 'node:fs';

export const MALLOC_SETTINGS = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '1048576' } as const;

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
}

export type MallocPlan =
  | { readonly exec: false; readonly error?: string }
  | { readonly exec: true; readonly env: Record<string, string | undefined> };

/**
 * Whether to restart with the settings, and with which environment. Not when the operator chose
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
  return { exec: true, env: { ...env, ...MALLOC_SETTINGS } };
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
      [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
      plan.env as NodeJS.ProcessEnv,
    );
  } catch {
    // Refused: the service runs with glibc's defaults, as it would have before.
  } finally {
    process.emitWarning = emitWarning;
  }
}
