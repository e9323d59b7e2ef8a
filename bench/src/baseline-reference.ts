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

export interface ReferenceOptions {
  readonly apiUrl: string;
  readonly kind: 'github' | 'gitea' | 'forgejo';
  readonly owner: string;
  readonly repo: string;
  readonly ref: string;
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
  /** `workflow_status_timeout` in ms, default 600 000. */
  readonly timeoutMs?: number;
  /** The client's clock and sleep (scaled in the bench, like xrd's). */
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly signal?: AbortSignal;
  readonly token: string;
}

export interface ReferenceResult {
  readonly found: boolean;
  readonly timedOut: boolean;
  readonly runId?: number;
  readonly status?: string;
  readonly conclusion?: string | null;
  /** Requests this client sent (the sim's stats are the authoritative count). */
  readonly requests: number;
}

interface RunSummary {
  id: number;
  status?: string;
  conclusion?: string | null;
}

export async function runReference(options: ReferenceOptions): Promise<ReferenceResult> {
  const maxRuns = options.maxRuns ?? 10;
  const intervalMs = options.intervalMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const base = `${options.apiUrl.replace(/\/$/, '')}/repos/${options.owner}/${options.repo}`;
  let requests = 0;
  const headers: Record<string, string> =
    options.kind === 'github'
      ? {
          // The reference authenticates with Basic `user:pat`.
          authorization: `Basic ${Buffer.from(`bench:${options.token}`).toString('base64')}`,
          accept: 'application/vnd.github.v3+json',
        }
      : { authorization: `token ${options.token}`, accept: 'application/json' };

  const call = async (
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> => {
    requests += 1;
    const init: RequestInit = { method, headers };
    if (options.signal) init.signal = options.signal;
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { ...headers, 'content-type': 'application/json' };
    }
    const response = await fetch(url, init);
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, json };
  };

  // 1. Dispatch.
  if (options.eventType !== undefined) {
    const answer = await call('POST', `${base}/dispatches`, {
      event_type: options.eventType,
      client_payload: { sha: options.sha },
    });
    if (answer.status !== 204) throw new Error(`reference dispatch answered ${answer.status}, expected 204`);
  } else {
    const answer = await call('POST', `${base}/actions/workflows/${options.workflow}/dispatches`, {
      ref: options.ref,
      inputs: { [options.inputName ?? 'sha']: options.sha },
    });
    if (answer.status >= 300) throw new Error(`reference dispatch answered ${answer.status}`);
  }

  // 2. Poll on a fixed ticker.
  const deadline = options.now() + timeoutMs;
  let runId: number | undefined;
  let run: RunSummary | undefined;
  for (let tick = 1; ; tick += 1) {
    await options.sleep(intervalMs, options.signal);
    if (options.now() > deadline)
      return { found: runId !== undefined, timedOut: true, ...idOf(runId), requests };
    if (runId === undefined) {
      runId = await findRunWithStepName();
      if (runId === undefined) continue;
    }
    const answer = await call('GET', `${base}/actions/runs/${runId}`);
    if (answer.status !== 200) throw new Error(`reference GET run answered ${answer.status}`);
    run = answer.json as RunSummary;
    if (run.status === 'completed') {
      return {
        found: true,
        timedOut: false,
        runId,
        status: run.status,
        conclusion: run.conclusion ?? null,
        requests,
      };
    }
    if (tick > 100_000) throw new Error('reference loop bound reached');
  }

  async function findRunWithStepName(): Promise<number | undefined> {
    const list = await call('GET', `${base}/actions/runs`);
    if (list.status !== 200) throw new Error(`reference list runs answered ${list.status}`);
    const runs = ((list.json as { workflow_runs?: RunSummary[] } | undefined)?.workflow_runs ?? []).slice(
      0,
      maxRuns,
    );
    for (const candidate of runs) {
      const jobs = await call('GET', `${base}/actions/runs/${candidate.id}/jobs`);
      if (jobs.status !== 200) throw new Error(`reference list jobs answered ${jobs.status}`);
      // GitHub `{jobs}`, Gitea `{jobs}` / `{workflow_jobs}`, Forgejo a bare array.
      const body = jobs.json as
        | { jobs?: JobSummary[]; workflow_jobs?: JobSummary[] }
        | JobSummary[]
        | undefined;
      const list = Array.isArray(body) ? body : (body?.jobs ?? body?.workflow_jobs ?? []);
      for (const job of list) {
        for (const step of job.steps ?? []) if (step.name === options.sha) return candidate.id;
      }
    }
    return undefined;
  }
}

interface JobSummary {
  steps?: { name?: string }[];
}

function idOf(runId: number | undefined): { runId?: number } {
  return runId === undefined ? {} : { runId };
}
