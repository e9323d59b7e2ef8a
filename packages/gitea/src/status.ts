// Status normalisation. Three vocabularies reach this adapter:
// - Gitea ≥ 1.25 run/job API: GitHub-like `status` (`queued`, `in_progress`, `completed`, and
//   `waiting` for a blocked run) plus `conclusion` (services/convert ToActionsStatus). Gitea's
//   internal `unknown` status converts to an empty string.
// - Gitea 1.24 `/actions/tasks` and Forgejo's run API: the raw internal status
//   (`unknown/waiting/running/success/failure/cancelled/skipped/blocked`), where the terminal
//   states double as conclusions (Forgejo ListActionRuns `status` enum).
// - The webhook-ish names `pending` and `requested`.
// Every state that is not certainly finished maps to an unfinished status: a tool that stops waiting
// on `waiting` or `blocked` reports a result for a run that has not run.
import type { RunConclusion, RunStatus } from '@xrd/core';

export interface NormalizedStatus {
  readonly status: RunStatus;
  readonly conclusion: RunConclusion | null;
  /** False when the raw value was not one we know; it is then treated as unfinished. */
  readonly known: boolean;
}

const QUEUED = new Set(['', 'unknown', 'pending', 'requested', 'waiting', 'blocked', 'queued']);
const RUNNING = new Set(['running', 'in_progress']);
/** Raw terminal states that are their own conclusion (Forgejo, Gitea tasks). */
const TERMINAL: Readonly<Record<string, RunConclusion>> = {
  success: 'success',
  failure: 'failure',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  skipped: 'skipped',
};
const CONCLUSIONS: Readonly<Record<string, RunConclusion>> = {
  ...TERMINAL,
  timed_out: 'timed_out',
  action_required: 'action_required',
  neutral: 'neutral',
  stale: 'stale',
  startup_failure: 'startup_failure',
};

export function normalizeStatus(
  rawStatus: string | null | undefined,
  rawConclusion?: string | null,
): NormalizedStatus {
  const status = (rawStatus ?? '').trim().toLowerCase();
  if (QUEUED.has(status)) return { status: 'queued', conclusion: null, known: true };
  if (RUNNING.has(status)) return { status: 'in_progress', conclusion: null, known: true };
  const terminal = TERMINAL[status];
  if (terminal) return { status: 'completed', conclusion: terminal, known: true };
  if (status === 'completed') {
    const conclusion = CONCLUSIONS[(rawConclusion ?? '').trim().toLowerCase()] ?? null;
    return { status: 'completed', conclusion, known: conclusion !== null };
  }
  // An unknown word: never treat it as finished (a new unfinished state would otherwise end the wait).
  return { status: 'queued', conclusion: null, known: false };
}
