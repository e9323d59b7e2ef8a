// Codex-/return-dispatch v4 followed by Codex-/await-remote-run v3, as their action.yml and source
// describe them (read at return-dispatch v4.0.1 85e564d and await-remote-run v3.0.0 bb04140):
//
// return-dispatch (src/api.ts dispatchWorkflow): one POST of the workflow dispatch with
//   `X-GitHub-Api-Version: 2026-03-10`, whose 200 answer carries `workflow_run_id`; no polling.
//   github.com or GHES ≥ 3.21 only (a GHES ≤ 3.20 answers 400 and the action fails).
// await-remote-run (a new process, its own Octokit with an ETag cache: src/etag/fetch.ts, every GET
//   conditional, a 304 replayed from the cache):
//   1. src/api.ts fetchWorkflowRunActiveJobUrlRetry: the first page of the run's jobs
//      (`?filter=latest&per_page=100`) every second (WORKFLOW_RUN_ACTIVE_JOB_POLL_INTERVAL_MS) until a
//      job is in_progress or completed, for at most 30 s (only for the log line's URL);
//   2. src/await-remote-run.ts pollRun: GET the run at once, then every `poll_interval_ms` (default
//      5000), until `status` is completed or `run_timeout_seconds` passes;
//   3. on a conclusion other than success, handleActionFail lists the jobs again for the failed ones.
import * as peer from './http.ts';

export interface ReturnDispatchOptions extends peer.PeerOptions {
  readonly workflow: string;
  /** `poll_interval_ms`, default 5 000. */
  readonly pollIntervalMs?: number;
}

const ACTIVE_JOB_INTERVAL_MS = 1_000;
const ACTIVE_JOB_TIMEOUT_MS = 30_000;

export async function runReturnDispatchAwaitRemoteRun(
  options: ReturnDispatchOptions,
): Promise<peer.PeerOutcome> {
  const base = peer.repoBase(options);
  const dispatcher = new peer.PeerHttp({ token: options.token, auth: 'token', signal: options.signal });
  const answer = await dispatcher.call(
    'POST',
    `${base}/actions/workflows/${options.workflow}/dispatches`,
    { ref: options.ref, inputs: {} },
    { 'x-github-api-version': '2026-03-10' },
  );
  const runId = (answer.json as { workflow_run_id?: unknown } | undefined)?.workflow_run_id;
  if (answer.status !== 200 || typeof runId !== 'number') {
    throw new Error(`return-dispatch: the dispatch answered ${answer.status} without run details`);
  }

  const awaiter = new peer.PeerHttp({
    token: options.token,
    auth: 'token',
    conditional: true,
    signal: options.signal,
  });
  const http = [dispatcher, awaiter];
  const jobsUrl = `${base}/actions/runs/${runId}/jobs?filter=latest&per_page=100`;
  const startTime = options.now();
  while (options.now() - startTime < ACTIVE_JOB_TIMEOUT_MS) {
    const jobs = await awaiter.call('GET', jobsUrl);
    if (peer.jobsOf(jobs.json).some((job) => job.status === 'in_progress' || job.status === 'completed'))
      break;
    await options.sleep(ACTIVE_JOB_INTERVAL_MS, options.signal);
  }
  while (options.now() - startTime < options.timeoutMs) {
    const run = (await awaiter.call('GET', `${base}/actions/runs/${runId}`)).json as peer.RunSummary;
    if (run.status === 'completed') {
      if (run.conclusion !== 'success') await awaiter.call('GET', jobsUrl);
      return peer.outcomeOf(http, {
        found: true,
        timedOut: false,
        runId,
        conclusion: run.conclusion ?? null,
      });
    }
    await options.sleep(options.pollIntervalMs ?? 5_000, options.signal);
  }
  return peer.outcomeOf(http, { found: true, timedOut: true, runId });
}
