// Which request each correlation path sends, on which dialect, and whether the bench must hide a
// returned run id to force the fallback.
import type { DispatchRequest } from '@xrd/core';
import {
  EVENT_RUN_NAME,
  EVENT_STEP_NAME,
  OWNER,
  type PathName,
  REF,
  REPO,
  WF_RUN_NAME,
  WF_STEP_NAME,
} from './fixtures.ts';
import { NotAvailable } from './harness.ts';
import { type Dialect, isGitHubDialect, type SimRun } from './sim.ts';

/** Dialects whose workflow dispatch answers with the run id. */
export function returnsRunId(dialect: Dialect): boolean {
  return dialect === 'github' || dialect === 'gitea-1.26' || dialect === 'forgejo';
}

export interface Plan {
  readonly request: (correlationId: string) => DispatchRequest;
  /** Hide the returned run id (the server would return one; the row measures the fallback). */
  readonly withhold: boolean;
  readonly describe: string;
}

export function planFor(dialect: Dialect, path: PathName): Plan {
  const repo = { owner: OWNER, repo: REPO };
  const withhold = returnsRunId(dialect);
  const hidden = withhold ? ' (run id returned by the server, hidden by the bench)' : '';
  switch (path) {
    case 'run-id':
      if (!returnsRunId(dialect)) {
        throw new NotAvailable(
          dialect.startsWith('ghes')
            ? `${dialect} rejects return_run_details; see its run-name row`
            : `${dialect} answers the dispatch with 204; see its run-name row`,
        );
      }
      return {
        request: (correlationId) => ({ repo, ref: REF, workflow: WF_RUN_NAME, correlationId }),
        withhold: false,
        describe: `workflow_dispatch ${WF_RUN_NAME}`,
      };
    case 'run-name':
      return {
        request: (correlationId) => ({
          repo,
          ref: REF,
          workflow: WF_RUN_NAME,
          correlationId,
          correlation: 'run-name',
        }),
        withhold,
        describe: `workflow_dispatch ${WF_RUN_NAME}, run-name correlation${hidden}`,
      };
    case 'step-name':
      return {
        request: (correlationId) => ({
          repo,
          ref: REF,
          workflow: WF_STEP_NAME,
          correlationId,
          correlation: 'step-name',
        }),
        withhold,
        describe: `workflow_dispatch ${WF_STEP_NAME}, step-name correlation${hidden}`,
      };
    case 'repo-dispatch-run-name':
    case 'repo-dispatch-step-name': {
      if (!isGitHubDialect(dialect)) throw new NotAvailable(`${dialect} has no repository_dispatch`);
      const byStep = path === 'repo-dispatch-step-name';
      return {
        request: (correlationId) => ({
          repo,
          ref: REF,
          eventType: byStep ? EVENT_STEP_NAME : EVENT_RUN_NAME,
          correlationId,
          correlation: byStep ? 'step-name' : 'run-name',
        }),
        withhold: false,
        describe: `repository_dispatch ${byStep ? EVENT_STEP_NAME : EVENT_RUN_NAME}`,
      };
    }
  }
}

/** True when the sim's run carries this correlation id (input, client_payload or title). */
export function runCarries(run: SimRun | undefined, correlationId: string): boolean {
  if (!run) return false;
  const values = [
    run.inputs?.correlation_id,
    run.inputs?.sha,
    run.clientPayload?.correlation_id,
    run.clientPayload?.sha,
  ];
  if (values.some((value) => value === correlationId)) return true;
  return typeof run.displayTitle === 'string' && run.displayTitle.includes(correlationId);
}

/**
 * The sim's run behind the id xrd returned. Gitea 1.24 has no run API: xrd follows the run through
 * `/actions/tasks`, where the run is known by its number, so there the id is the run number.
 */
export function simRunFor(runs: readonly SimRun[], dialect: Dialect, runId: number): SimRun | undefined {
  if (dialect === 'gitea-1.24') {
    return runs.find((run) => run.runNumber === runId && run.owner === OWNER && run.repo === REPO);
  }
  return runs.find((run) => run.id === runId);
}
