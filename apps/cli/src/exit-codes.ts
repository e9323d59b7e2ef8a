// The ONE place where outcomes become exit codes (docs/architecture.md, "Exit codes (CLI)").
import type { ErrorCode } from '@xrd/core';
import { isXrdError } from '@xrd/core';

export const EXIT = {
  ok: 0,
  runFailed: 1,
  usage: 2,
  timeout: 3,
  rejected: 4,
  notCorrelated: 5,
  forge: 6,
  /** `xrd cancel` on a run that had already finished: nothing was cancelled. */
  alreadyFinished: 7,
  /** An artifact asked for is missing, expired, too large or unsafe (the run's result stands). */
  artifact: 8,
  /** 128 + the signal's number, as shells report it: SIGINT (Ctrl-C) 130, SIGTERM 143. */
  interrupted: 130,
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const BY_CODE: Readonly<Record<ErrorCode, ExitCode>> = {
  RUN_FAILED: EXIT.runFailed,
  INVALID_INPUT: EXIT.usage,
  RUN_TIMEOUT: EXIT.timeout,
  DISPATCH_REJECTED: EXIT.rejected,
  AUTH: EXIT.rejected,
  UNSUPPORTED_BY_SERVER: EXIT.rejected,
  RUN_NOT_FOUND: EXIT.notCorrelated,
  FORGE_HTTP: EXIT.forge,
  RATE_LIMITED: EXIT.forge,
  ABORTED: EXIT.interrupted,
  ARTIFACT: EXIT.artifact,
};

/** What the process was stopped with: the reason `main.ts` aborts the command's signal with. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * The exit code of a command that failed with `error`. An interruption exits 130 for SIGINT and 143
 * for SIGTERM (how Jenkins, GitLab and Buildkite cancel a job): `signal` is the command's
 * AbortSignal, whose reason names the signal.
 */
export function exitCodeForError(error: unknown, signal?: AbortSignal): ExitCode {
  if (isXrdError(error) && error.code === 'ABORTED' && signal?.reason === 'SIGTERM') return EXIT.terminated;
  if (isXrdError(error)) return BY_CODE[error.code];
  // Anything that is not an XrdError escaped an adapter (a network failure, a bug): report it as a
  // forge error rather than as the run's own failure.
  return EXIT.forge;
}

export function exitCodeForErrorCode(code: ErrorCode): ExitCode {
  return BY_CODE[code];
}
