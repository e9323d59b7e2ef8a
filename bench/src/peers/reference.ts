// The reference design, stinkyfingers/cross-repo-dispatch (docs/reference/
// cross-repo-dispatch-README.md), re-implemented on plain HTTP so the bench can put its cost beside
// xrd's. Its algorithm, as its README and inputs describe it:
//   1. POST /repos/{owner}/{repo}/dispatches with client_payload.sha = <sha> (expects 204).
//   2. Every `workflow_status_retry_interval` (10 s; the first tick after one interval):
//      while the run is unknown, GET /actions/runs (newest first, no filters) and GET the jobs of
//      each of the first `max_runs` (10) runs until one has a step named <sha>;
//      once known, GET /actions/runs/{id}; stop when its status is `completed`.
//   3. Give up after `workflow_status_timeout` seconds.
// No conditional requests, no backoff, no filters. On Gitea/Forgejo, which have no
// repository_dispatch, step 1 is a workflow_dispatch with the sha as an input (the only way to
// drive the same loop there); everything else is the same.
import * as peer from './http.ts';

export interface ReferenceOptions extends peer.PeerOptions {
  readonly kind: 'github' | 'gitea' | 'forgejo';
  /** The unique step name the target echoes (`sha` input). */
  readonly sha: string;
  /** GitHub: the repository_dispatch event type. */
  readonly eventType?: string;
  /** Gitea/Forgejo: the workflow file dispatched instead (its input `inputName` carries the sha). */
  readonly workflow?: string;
  readonly inputName?: string;
  /** `max_runs`, default 10. */
  readonly maxRuns?: number;
  /** `workflow_status_retry_interval` in ms, default 10 000. */
  readonly intervalMs?: number;
}

export async function runReference(options: ReferenceOptions): Promise<peer.PeerOutcome> {
  const maxRuns = options.maxRuns ?? 10;
  const intervalMs = options.intervalMs ?? 10_000;
  const base = peer.repoBase(options);
  // The reference authenticates with Basic `user:pat` on GitHub; Gitea's own scheme elsewhere.
  const http = new peer.PeerHttp({
    token: options.token,
    auth: options.kind === 'github' ? 'basic' : 'token',
    signal: options.signal,
  });

  // 1. Dispatch.
  if (options.eventType !== undefined) {
    const answer = await http.call('POST', `${base}/dispatches`, {
      event_type: options.eventType,
      client_payload: { sha: options.sha },
    });
    if (answer.status !== 204) throw new Error(`reference dispatch answered ${answer.status}, expected 204`);
  } else {
    const answer = await http.call('POST', `${base}/actions/workflows/${options.workflow}/dispatches`, {
      ref: options.ref,
      inputs: { [options.inputName ?? 'sha']: options.sha },
    });
    if (answer.status >= 300) throw new Error(`reference dispatch answered ${answer.status}`);
  }

  // 2. Poll on a fixed ticker.
  const deadline = options.now() + options.timeoutMs;
  let runId: number | undefined;
  for (let tick = 1; ; tick += 1) {
    await options.sleep(intervalMs, options.signal);
    if (options.now() > deadline) {
      return peer.outcomeOf([http], {
        found: runId !== undefined,
        timedOut: true,
        ...(runId ? { runId } : {}),
      });
    }
    if (runId === undefined) {
      runId = await findRunWithStepName();
      if (runId === undefined) continue;
    }
    const answer = await http.call('GET', `${base}/actions/runs/${runId}`);
    if (answer.status !== 200) throw new Error(`reference GET run answered ${answer.status}`);
    const run = answer.json as peer.RunSummary;
    if (run.status === 'completed') {
      return peer.outcomeOf([http], {
        found: true,
        timedOut: false,
        runId,
        conclusion: run.conclusion ?? null,
      });
    }
    if (tick > 100_000) throw new Error('reference loop bound reached');
  }

  async function findRunWithStepName(): Promise<number | undefined> {
    const list = await http.call('GET', `${base}/actions/runs`);
    if (list.status !== 200) throw new Error(`reference list runs answered ${list.status}`);
    const runs = (
      (list.json as { workflow_runs?: peer.RunSummary[] } | undefined)?.workflow_runs ?? []
    ).slice(0, maxRuns);
    for (const candidate of runs) {
      const jobs = await http.call('GET', `${base}/actions/runs/${candidate.id}/jobs`);
      if (jobs.status !== 200) throw new Error(`reference list jobs answered ${jobs.status}`);
      for (const job of peer.jobsOf(jobs.json)) {
        for (const step of job.steps ?? []) if (step.name === options.sha) return candidate.id;
      }
    }
    return undefined;
  }
}
