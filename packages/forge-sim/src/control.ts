// The control API under /_sim/ (JSON in and out, no auth, never counted): seed repos and workflows,
// script outcomes, open and push PRs, register hooks, inject faults, add noise, read counters.
import { signature, zipReply } from './route-kit.js';
import { type Reply, type RequestContext, Router } from './router.js';
import type { FaultKind, SimCore } from './sim.js';
import type { Run } from './store.js';
import type { ArtifactSpec, RunConclusion, RunScript, WorkflowSpec } from './types.js';
import { TERMINAL_CONCLUSIONS } from './types.js';

const FAULT_KINDS: FaultKind[] = [
  '5xx',
  'drop',
  'slow',
  'lose-dispatch-answer',
  'rate-limit',
  'secondary-limit',
];

function obj(ctx: RequestContext): Record<string, unknown> {
  const b = ctx.body;
  if (b === null || typeof b !== 'object' || Array.isArray(b))
    throw new Error('The body must be a JSON object.');
  return b as Record<string, unknown>;
}

function str(b: Record<string, unknown>, key: string, required = true): string | undefined {
  const v = b[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v === '') throw new Error(`"${key}" must be a non-empty string.`);
  return v;
}

export function runSummary(sim: SimCore, run: Run) {
  sim.store.advance(run);
  return {
    id: run.id,
    owner: run.repo.owner,
    repo: run.repo.name,
    workflow: run.workflow.spec.file,
    workflowId: run.workflow.id,
    runNumber: run.runNumber,
    attempt: run.attempt,
    event: run.event,
    eventType: run.eventType ?? null,
    status: run.status,
    conclusion: run.conclusion,
    displayTitle: run.displayTitle,
    headBranch: run.headBranch,
    headSha: run.headSha,
    inputs: run.inputs,
    clientPayload: run.clientPayload ?? null,
    createdAt: new Date(run.createdAt).toISOString(),
    jobs: run.jobs.map((j) => ({
      id: j.id,
      name: j.name,
      status: j.status,
      steps: j.steps.map((s) => s.name),
    })),
    artifacts: run.artifacts.map((a) => ({ id: a.id, name: a.name, size: a.zip.length, expired: a.expired })),
  };
}

export function validateWorkflowSpec(spec: unknown): WorkflowSpec {
  const s = spec as WorkflowSpec;
  if (!s || typeof s !== 'object') throw new Error('A WorkflowSpec must be an object.');
  if (typeof s.file !== 'string' || !/\.ya?ml$/.test(s.file)) {
    throw new Error('WorkflowSpec "file" must be a file name ending in .yml or .yaml, e.g. "build.yml".');
  }
  if (!s.on || typeof s.on !== 'object')
    throw new Error(`WorkflowSpec "${s.file}" needs "on" (its triggers).`);
  if (!Array.isArray(s.jobs) || s.jobs.length === 0)
    throw new Error(`WorkflowSpec "${s.file}" needs at least one job.`);
  for (const j of s.jobs) {
    if (typeof j.name !== 'string' || !Array.isArray(j.steps)) {
      throw new Error(
        `WorkflowSpec "${s.file}": every job needs a "name" and "steps" (a list of step names).`,
      );
    }
  }
  validateArtifacts(s.artifacts, `WorkflowSpec "${s.file}"`);
  return s;
}

/** Artifacts of a WorkflowSpec or RunScript: a name each, and files (path → text) or zip entries. */
export function validateArtifacts(artifacts: unknown, where: string): void {
  if (artifacts === undefined) return;
  if (!Array.isArray(artifacts)) throw new Error(`${where}: "artifacts" must be a list.`);
  for (const a of artifacts as ArtifactSpec[]) {
    if (!a || typeof a.name !== 'string' || a.name === '') {
      throw new Error(`${where}: every artifact needs a "name".`);
    }
    const files = a.files !== undefined && (typeof a.files !== 'object' || Array.isArray(a.files));
    if (files || (a.entries !== undefined && !Array.isArray(a.entries))) {
      throw new Error(`${where}: artifact "${a.name}" needs "files" (path → text) or "entries" (a list).`);
    }
  }
}

export function buildControlRouter(sim: SimCore): Router {
  const r = new Router();
  const ok = (body: unknown = { ok: true }, status = 200): Reply => ({ status, body });
  const repoOf = (ctx: RequestContext) => {
    const repo = sim.store.getRepo(ctx.params.owner!, ctx.params.repo!);
    if (!repo)
      throw new Error(
        `Unknown repository ${ctx.params.owner}/${ctx.params.repo}: create it with POST /_sim/repos.`,
      );
    return repo;
  };

  r.add('GET', '/_sim/stats', () => ok(sim.getStats()));
  r.add('POST', '/_sim/stats/reset', () => {
    sim.resetStats();
    return ok();
  });
  r.add('GET', '/_sim/info', () =>
    ok({ dialect: sim.dialect, url: sim.url, apiUrl: sim.apiUrl, timeScale: sim.timeScale }),
  );

  r.add('POST', '/_sim/repos', (ctx) => {
    const b = obj(ctx);
    const owner = str(b, 'owner')!;
    const name = str(b, 'repo')!;
    const branches = Array.isArray(b.branches) ? (b.branches as string[]) : [];
    const repo = sim.store.addRepo(owner, name, (b.defaultBranch as string | undefined) ?? 'main', branches);
    return ok(
      { owner: repo.owner, repo: repo.name, id: repo.id, branches: Object.fromEntries(repo.branches) },
      201,
    );
  });

  r.add('POST', '/_sim/repos/{owner}/{repo}/workflows', (ctx) => {
    const repo = repoOf(ctx);
    const wf = sim.store.addWorkflow(repo, validateWorkflowSpec(ctx.body));
    return ok({ id: wf.id, file: wf.spec.file, path: wf.path, name: wf.name }, 201);
  });

  r.add('POST', '/_sim/repos/{owner}/{repo}/workflows/{file}/script', (ctx) => {
    const repo = repoOf(ctx);
    const wf = sim.store.findWorkflow(repo, ctx.params.file!);
    if (!wf) throw new Error(`Unknown workflow ${ctx.params.file} in ${repo.owner}/${repo.name}.`);
    const runs = obj(ctx).runs;
    if (!Array.isArray(runs)) throw new Error('"runs" must be a list of RunScript objects.');
    for (const s of runs as RunScript[]) {
      if (s.conclusion !== undefined && !TERMINAL_CONCLUSIONS.includes(s.conclusion)) {
        throw new Error(
          `Unknown conclusion "${s.conclusion}": use one of ${TERMINAL_CONCLUSIONS.join(', ')}.`,
        );
      }
      validateArtifacts(s.artifacts, 'RunScript');
    }
    wf.script.push(...(runs as RunScript[]));
    return ok({ queued: wf.script.length });
  });

  r.add('POST', '/_sim/repos/{owner}/{repo}/pulls', (ctx) => {
    const repo = repoOf(ctx);
    const b = obj(ctx);
    const head = b.head as { ref?: string; sha?: string } | undefined;
    if (!head || typeof head.ref !== 'string') throw new Error('"head" must be { ref, sha }.');
    const pull = sim.store.addPull(repo, {
      head: { ref: head.ref, ...(head.sha ? { sha: head.sha } : {}) },
      ...(typeof b.number === 'number' ? { number: b.number } : {}),
      ...(typeof b.title === 'string' ? { title: b.title } : {}),
      ...(typeof b.base === 'string' ? { base: b.base } : {}),
    });
    return ok({ number: pull.number, headSha: pull.headSha }, 201);
  });

  r.add('POST', '/_sim/repos/{owner}/{repo}/pulls/{number}/push', (ctx) => {
    const repo = repoOf(ctx);
    const pull = repo.pulls.get(Number(ctx.params.number));
    if (!pull) throw new Error(`Unknown pull request #${ctx.params.number}.`);
    sim.store.pushPull(repo, pull, str(obj(ctx), 'sha')!);
    return ok({ number: pull.number, headSha: pull.headSha });
  });

  r.add('POST', '/_sim/repos/{owner}/{repo}/pulls/{number}/reopen', (ctx) => {
    const repo = repoOf(ctx);
    const pull = repo.pulls.get(Number(ctx.params.number));
    if (!pull) throw new Error(`Unknown pull request #${ctx.params.number}.`);
    sim.store.reopenPull(repo, pull);
    return ok({ number: pull.number });
  });

  r.add('GET', '/_sim/repos/{owner}/{repo}/statuses/{sha}', (ctx) => {
    const repo = repoOf(ctx);
    return ok(repo.statuses.get(ctx.params.sha!.toLowerCase()) ?? []);
  });

  r.add('GET', '/_sim/repos/{owner}/{repo}/issues/{number}/comments', (ctx) => {
    const repo = repoOf(ctx);
    return ok(repo.comments.filter((c) => c.issue === Number(ctx.params.number)));
  });

  // Someone deleted a comment in the forge's UI (a report's comment, say).
  r.add('DELETE', '/_sim/repos/{owner}/{repo}/issues/comments/{id}', (ctx) => {
    const repo = repoOf(ctx);
    const id = Number(ctx.params.id);
    if (!sim.store.deleteComment(repo, id)) throw new Error(`Unknown comment ${ctx.params.id}.`);
    return ok({ id });
  });

  r.add('POST', '/_sim/hooks', (ctx) => {
    const b = obj(ctx);
    const events = b.events;
    if (!Array.isArray(events)) throw new Error('"events" must be a list such as ["workflow_run"].');
    const hook = sim.webhooks.add({
      owner: str(b, 'owner')!,
      repo: str(b, 'repo')!,
      url: str(b, 'url')!,
      secret: typeof b.secret === 'string' ? b.secret : '',
      events: events as string[],
    });
    return ok({ id: hook.id }, 201);
  });

  r.add('GET', '/_sim/deliveries', () => ok(sim.webhooks.list()));
  r.add('POST', '/_sim/deliveries/drop', (ctx) => {
    const b = obj(ctx);
    sim.webhooks.drop(
      typeof b.count === 'number' ? b.count : 1,
      typeof b.event === 'string' ? b.event : undefined,
    );
    return ok();
  });
  r.add('POST', '/_sim/deliveries/{id}/redeliver', async (ctx) => {
    const d = await sim.webhooks.redeliver(ctx.params.id!);
    if (!d) throw new Error(`Unknown delivery ${ctx.params.id}.`);
    return ok({ id: d.id, status: d.status });
  });
  r.add('POST', '/_sim/deliveries/flush', async () => {
    await sim.webhooks.idle();
    return ok();
  });

  r.add('POST', '/_sim/faults', (ctx) => {
    const b = obj(ctx);
    const kind = b.kind as FaultKind;
    if (!FAULT_KINDS.includes(kind))
      throw new Error(`Unknown fault kind "${String(kind)}": use one of ${FAULT_KINDS.join(', ')}.`);
    sim.faults.push({
      kind,
      count: typeof b.count === 'number' ? b.count : 1,
      ...(typeof b.method === 'string' ? { method: b.method.toUpperCase() } : {}),
      ...(typeof b.path === 'string' ? { path: new RegExp(b.path) } : {}),
      ...(typeof b.status === 'number' ? { status: b.status } : {}),
      ...(typeof b.delayMs === 'number' ? { delayMs: b.delayMs } : {}),
    });
    return ok({ pending: sim.faults.length }, 201);
  });
  r.add('DELETE', '/_sim/faults', () => {
    sim.faults.length = 0;
    return ok();
  });
  r.add('GET', '/_sim/faults', () => ok(sim.faults.map((f) => ({ ...f, path: f.path?.source }))));

  r.add('POST', '/_sim/noise', (ctx) => {
    const b = obj(ctx);
    const owner = str(b, 'owner')!;
    const name = str(b, 'repo')!;
    const file = str(b, 'workflow')!;
    const perMinute = Number(b.perMinute);
    if (!(perMinute > 0)) throw new Error('"perMinute" must be a positive number.');
    const repo = sim.store.getRepo(owner, name);
    if (!repo) throw new Error(`Unknown repository ${owner}/${name}.`);
    const wf = sim.store.findWorkflow(repo, file);
    if (!wf) throw new Error(`Unknown workflow ${file} in ${owner}/${name}.`);
    const event = typeof b.event === 'string' ? b.event : 'push';
    const ref = typeof b.ref === 'string' ? b.ref : undefined;
    let n = 0;
    const timer = setInterval(() => {
      n++;
      const branch = ref ?? repo.defaultBranch;
      sim.store.createRun(repo, wf, {
        event,
        branch,
        ...(event === 'workflow_dispatch' ? { inputs: { correlation_id: `noise-${n}` } } : {}),
        ...(event === 'repository_dispatch'
          ? { clientPayload: { correlation_id: `noise-${n}` }, eventType: 'noise' }
          : {}),
        defaultTitle: `Noise commit ${n}`,
        actor: 'noise-bot',
      });
    }, 60_000 / perMinute);
    timer.unref?.();
    sim.noise.push({ owner, repo: name, workflow: file, event, ref, perMinute, timer });
    return ok({ sources: sim.noise.length }, 201);
  });
  r.add('DELETE', '/_sim/noise', () => {
    for (const n of sim.noise) clearInterval(n.timer);
    sim.noise.length = 0;
    return ok();
  });

  r.add('POST', '/_sim/rate-limit', (ctx) => {
    const b = obj(ctx);
    const num = (k: string) => (typeof b[k] === 'number' ? { [k]: b[k] as number } : {});
    sim.limits.configure({
      ...num('limit'),
      ...num('remaining'),
      ...num('resetInSeconds'),
      ...num('secondaryPerMinute'),
    });
    return ok();
  });

  // `{ tokens?: string[] | null, users?: { [token]: login } }`: the accepted tokens (null: any), and who
  // each token belongs to (GitHub's budgets are per user; see SimCore.identify).
  r.add('POST', '/_sim/auth', (ctx) => {
    const b = obj(ctx);
    if (!('tokens' in b) && !('users' in b) && !('readOnly' in b))
      throw new Error('Give "tokens" (a list, or null for any), "users" or "readOnly".');
    if ('readOnly' in b) {
      if (!Array.isArray(b.readOnly))
        throw new Error('"readOnly" must be a list of tokens that may not write.');
      sim.readOnly.clear();
      for (const token of b.readOnly as unknown[]) sim.readOnly.add(String(token));
    }
    if ('users' in b) {
      const users = b.users;
      if (!users || typeof users !== 'object' || Array.isArray(users)) {
        throw new Error('"users" must map each token to a user login, e.g. {"ghp_x": "alice"}.');
      }
      for (const [token, login] of Object.entries(users as Record<string, unknown>)) {
        if (typeof login !== 'string' || login === '') throw new Error(`"users.${token}" must be a login.`);
        sim.users.set(token, login);
      }
    }
    if (!('tokens' in b)) return ok();
    const tokens = b.tokens;
    if (tokens === null) {
      sim.tokens = undefined;
      return ok();
    }
    if (!Array.isArray(tokens))
      throw new Error('"tokens" must be a list of accepted tokens (or null for any).');
    sim.tokens = new Set(tokens as string[]);
    return ok();
  });

  r.add('GET', '/_sim/runs', () => ok([...sim.store.runsById.values()].map((run) => runSummary(sim, run))));

  r.add('POST', '/_sim/runs/{id}/finish', (ctx) => {
    const run = sim.store.runsById.get(Number(ctx.params.id));
    if (!run) throw new Error(`Unknown run ${ctx.params.id}.`);
    const conclusion = (obj(ctx).conclusion ?? 'success') as RunConclusion;
    if (!TERMINAL_CONCLUSIONS.includes(conclusion)) throw new Error(`Unknown conclusion "${conclusion}".`);
    sim.store.finish(run, conclusion);
    return ok(runSummary(sim, run));
  });

  // Retention passed: the artifact stays listed with `expired: true`, its content is gone.
  r.add('POST', '/_sim/artifacts/{id}/expire', (ctx) => {
    const artifact = sim.store.artifactsById.get(Number(ctx.params.id));
    if (!artifact) throw new Error(`Unknown artifact ${ctx.params.id}.`);
    artifact.expired = true;
    return ok({ id: artifact.id, name: artifact.name, expired: true });
  });

  // Where GitHub's artifact download redirects: blob storage with a signed URL valid for a minute
  // (spec `actions/download-artifact`: "This URL expires after 1 minute"). It takes no token: a
  // request carrying an Authorization header is refused (assumed: Azure Blob Storage refuses a
  // second authentication beside the URL's signature; see FIDELITY.md, "Still assumed").
  r.add('GET', '/_sim/blobs/artifacts/{id}', (ctx) => {
    const artifact = sim.store.artifactsById.get(Number(ctx.params.id));
    const expires = Number(ctx.query.get('se'));
    const endpoint = `/_sim/blobs/artifacts/${ctx.params.id}`;
    const signed = artifact && ctx.query.get('sig') === signature(sim, endpoint, expires, artifact.id);
    if (!artifact || !signed || expires * 1000 < Date.now() || ctx.headers.authorization !== undefined) {
      return {
        status: 403,
        contentType: 'application/xml',
        text: '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request.</Message></Error>',
      };
    }
    return zipReply(artifact);
  });

  r.add('GET', '/_sim/logs/jobs/{id}', (ctx) => {
    const hit = sim.store.jobsById.get(Number(ctx.params.id));
    if (!hit) return { status: 404, text: 'Not Found' };
    return { status: 200, text: jobLogText(sim, hit.run, hit.job) };
  });

  return r;
}

export function jobLogText(sim: SimCore, run: Run, job: Run['jobs'][number]): string {
  sim.store.advance(run);
  const lines = [`##[group]Job ${job.name} (run ${run.id}, attempt ${job.attempt})`, ...job.log];
  if (job.status === 'completed') {
    if (job.finalConclusion === 'failure') {
      const failing = job.steps[job.failIndex]?.name ?? 'a step';
      lines.push(`##[error]Process completed with exit code 1. (${failing})`);
    }
    lines.push(`Job completed: ${job.finalConclusion}`);
  }
  const t = new Date(job.startedAt).toISOString();
  return `${lines.map((l) => `${t} ${l}`).join('\n')}\n`;
}
