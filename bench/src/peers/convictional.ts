// convictional/trigger-workflow-and-wait (entrypoint.sh at v1.6.5, 224756e), defaults:
//   1. SINCE = two minutes before now; OLD = ids of the workflow's runs
//      (`GET /actions/workflows/{file}/runs?event=workflow_dispatch&created=>=SINCE&per_page=100`);
//   2. POST the workflow dispatch (`{"ref", "inputs": client_payload}`);
//   3. every `wait_interval` (10 s, the first after 10 s) list the runs again until the ids differ;
//      every new id is taken as a run this dispatch started;
//   4. for each: every 10 s (the first after 10 s) GET the run until it is completed.
// curl with `Authorization: Bearer`, no conditional requests. Its list is per workflow, a route
// Forgejo does not have; Gitea has it, but reports `conclusion: ""` while a run is not done, which
// step 4 takes for an end (it then fails the job as "Conclusion is not success").
import * as peer from './http.ts';

export interface ConvictionalOptions extends peer.PeerOptions {
  readonly workflow: string;
  /** The forge's clock for a client instant: SINCE is compared with the forge's own timestamps. */
  readonly serverTime: (clientMs: number) => number;
}

const WAIT_MS = 10_000;

export async function runConvictional(options: ConvictionalOptions): Promise<peer.PeerOutcome> {
  const base = peer.repoBase(options);
  const http = new peer.PeerHttp({ token: options.token, auth: 'bearer', signal: options.signal });
  // `date -u -Iseconds -d "@$((START_TIME - 120))"`
  const since = new Date(Math.floor(options.serverTime(options.now() - 120_000) / 1000) * 1000)
    .toISOString()
    .replace('.000Z', '+00:00');
  const runIds = async (): Promise<number[]> => {
    const list = await http.call(
      'GET',
      `${base}/actions/workflows/${options.workflow}/runs?event=workflow_dispatch&created=>=${since}&per_page=100`,
    );
    if (list.status !== 200) throw new Error(`convictional: listing runs answered ${list.status}`);
    const runs = (list.json as { workflow_runs?: peer.RunSummary[] } | undefined)?.workflow_runs ?? [];
    return runs.map((r) => r.id).sort();
  };
  const deadline = options.now() + options.timeoutMs;
  const old = await runIds();
  const answer = await http.call('POST', `${base}/actions/workflows/${options.workflow}/dispatches`, {
    ref: options.ref,
    inputs: {},
  });
  if (answer.status >= 300) throw new Error(`convictional: the dispatch answered ${answer.status}`);
  let current = old;
  while (current.join() === old.join()) {
    if (options.now() > deadline) return peer.outcomeOf([http], { found: false, timedOut: true });
    await options.sleep(WAIT_MS, options.signal);
    current = await runIds();
  }
  const fresh = current.filter((id) => !old.includes(id));
  let last: peer.RunSummary | undefined;
  for (const id of fresh) {
    // `conclusion=$(… | jq -r '.conclusion')`: a JSON null reads "null", Gitea's "" (its conclusion
    // while a run is not done) reads "", which ends the loop at once.
    let conclusion = 'null';
    let status = '';
    while (conclusion === 'null' && status !== 'completed') {
      if (options.now() > deadline) return peer.outcomeOf([http], { found: true, timedOut: true, runId: id });
      await options.sleep(WAIT_MS, options.signal);
      const run = (await http.call('GET', `${base}/actions/runs/${id}`)).json as peer.RunSummary;
      conclusion = run.conclusion === null || run.conclusion === undefined ? 'null' : String(run.conclusion);
      status = run.status ?? 'null';
      last = run;
    }
  }
  return peer.outcomeOf([http], {
    found: last !== undefined,
    timedOut: false,
    ...(last ? { runId: last.id, conclusion: last.conclusion ?? null } : {}),
  });
}
