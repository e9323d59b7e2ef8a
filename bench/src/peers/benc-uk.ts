// benc-uk/workflow-dispatch v1.3 (src/main.ts at tag v1.3, 7a02764), with `wait-for-completion: true`:
//   1. list the repository's workflows (Octokit paginate of `GET /actions/workflows`) to find the one
//      named by file, name or id;
//   2. POST its dispatch with `return_run_details: true` in the body (200 with `workflow_run_id`;
//      a GHES ≤ 3.20 answers 400, Gitea ignores the body key and answers 204: github.com only);
//   3. every 5 s (the first after 5 s) GET the run, while its status is in_progress, queued or
//      waiting, for at most `wait-timeout-seconds` (default 900). No conditional requests (a plain
//      Octokit), no jobs read.
import * as peer from './http.ts';

export interface BencUkOptions extends peer.PeerOptions {
  readonly workflow: string;
}

const POLL_MS = 5_000;
const WAITING = new Set(['in_progress', 'queued', 'waiting']);

export async function runBencUk(options: BencUkOptions): Promise<peer.PeerOutcome> {
  const base = peer.repoBase(options);
  const http = new peer.PeerHttp({ token: options.token, auth: 'token', signal: options.signal });
  // octokit.paginate: pages until no `rel="next"` link.
  let url: string | undefined = `${base}/actions/workflows`;
  let found = false;
  while (url !== undefined) {
    const page = await http.call('GET', url);
    const workflows = (page.json as { workflows?: Array<{ path?: string }> } | undefined)?.workflows ?? [];
    found ||= workflows.some((w) => w.path?.endsWith(`/${options.workflow}`));
    url = /<([^>]+)>;\s*rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
  }
  if (!found) throw new Error(`benc-uk: unable to find workflow '${options.workflow}'`);
  const answer = await http.call('POST', `${base}/actions/workflows/${options.workflow}/dispatches`, {
    ref: options.ref,
    inputs: {},
    return_run_details: true,
  });
  const runId = (answer.json as { workflow_run_id?: unknown } | undefined)?.workflow_run_id;
  if (answer.status !== 200 || typeof runId !== 'number') {
    throw new Error(`benc-uk: the dispatch answered ${answer.status} without run details`);
  }
  const start = options.now();
  let run: peer.RunSummary = { id: runId, status: 'in_progress' };
  while (WAITING.has(run.status ?? '')) {
    if (options.now() - start > options.timeoutMs)
      return peer.outcomeOf([http], { found: true, timedOut: true, runId });
    await options.sleep(POLL_MS, options.signal);
    run = (await http.call('GET', `${base}/actions/runs/${runId}`)).json as peer.RunSummary;
  }
  return peer.outcomeOf([http], { found: true, timedOut: false, runId, conclusion: run.conclusion ?? null });
}
