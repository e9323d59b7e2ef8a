// What the runner tells a step about where it runs: the forge and its URLs (detected by
// @xrd/connect), this repository, and — for the status and the comment — the source commit and
// pull request from the event payload (`GITHUB_EVENT_PATH`, same file on GitHub and act_runner).

import { detectForgeFromEnv } from '@xrd/connect';
import type { RawRunOptions } from '@xrd/core';

export type Env = Readonly<Record<string, string | undefined>>;

export interface RunnerContext {
  /** Options the user left empty take these (the runner's own forge, this repository). */
  readonly defaults: RawRunOptions;
  /** The commit a status belongs on: the PR head for pull_request events, else GITHUB_SHA. */
  readonly sha?: string;
  /** The pull request this job runs for, if any. */
  readonly pr?: number;
}

interface EventPayload {
  readonly pull_request?: { readonly number?: number; readonly head?: { readonly sha?: string } };
  readonly issue?: { readonly number?: number; readonly pull_request?: unknown };
}

export function readRunnerContext(
  env: Env,
  raw: RawRunOptions,
  readEvent: (path: string) => string | undefined,
): RunnerContext {
  const defaults: Record<string, string> = {};
  const detected = detectForgeFromEnv(env);
  if (detected) {
    defaults.forge = detected.kind;
    // The runner's URLs only make sense with its own forge: when the workflow names a server, or a
    // forge of another family (a Gitea target from a GitHub runner), they are not defaults.
    const family = (kind: string | undefined) => (kind === 'forgejo' ? 'gitea' : kind);
    const forge = raw.forge?.trim().toLowerCase();
    const sameFamily = forge === undefined || forge === '' || family(forge) === family(detected.kind);
    if (sameFamily && raw['server-url'] === undefined && raw['api-url'] === undefined) {
      defaults['api-url'] = detected.apiUrl;
      defaults['server-url'] = detected.serverUrl;
    }
  }
  if (env.GITHUB_REPOSITORY) defaults['source-repo'] = env.GITHUB_REPOSITORY;

  let payload: EventPayload = {};
  const path = env.GITHUB_EVENT_PATH;
  if (path) {
    try {
      payload = JSON.parse(readEvent(path) ?? '{}') as EventPayload;
    } catch {
      payload = {};
    }
  }
  // On pull_request events GITHUB_SHA is the test merge commit, which the PR page never shows a
  // status for; the head commit is the one reviewers see (GitHub docs, "Events that trigger
  // workflows" → pull_request; act_runner sets the same payload).
  const sha = payload.pull_request?.head?.sha ?? env.GITHUB_SHA;
  const pr =
    payload.pull_request?.number ??
    (payload.issue?.pull_request !== undefined ? payload.issue.number : undefined);

  return {
    defaults,
    ...(sha ? { sha } : {}),
    ...(typeof pr === 'number' ? { pr } : {}),
  };
}
