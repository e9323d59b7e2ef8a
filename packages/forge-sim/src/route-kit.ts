// What the GitHub and the Gitea/Forgejo routes do the same way: finding the repo, run, job or comment
// a path names, the dispatch's ref and inputs, commit statuses, the artifact routes,
// and the issue-comment routes. Each forge keeps its own paths, shapes, error answers and paging
// (GitHub `per_page` + a Link with prev/next/last/first; Gitea `limit` ≤ 50 + X-Total-Count), which
// differ on purpose: they are what a client of that forge sees.
import { createHmac } from 'node:crypto';
import { SIM_USER } from './github-shapes.js';
import type { Reply, RequestContext, Router } from './router.js';
import type { SimCore } from './sim.js';
import type { Artifact, Comment, CommitStatus, Job, Repo, Run, Workflow } from './store.js';
import type { WorkflowInputSpec } from './types.js';

export interface Lookups {
  repoOf(ctx: RequestContext): Repo | undefined;
  /** The run the path names (brought up to date), if it belongs to the path's repo. */
  runOf(ctx: RequestContext): { repo: Repo; run: Run } | undefined;
  /** The job `{job_id}` names (its run brought up to date), if it belongs to the path's repo. */
  jobOf(ctx: RequestContext): { run: Run; job: Job } | undefined;
  /** The issue comment the path names, if it belongs to the path's repo. */
  commentOf(ctx: RequestContext): { repo: Repo; comment: Comment } | undefined;
  /** Brings every run up to date at one instant (a listing shows one moment). */
  advanceAll(runs: Run[]): void;
}

/** `params` names the path parameters, which the forges spell differently (`run_id` vs `run`). */
export function lookups(sim: SimCore, params: { run: string; comment: string }): Lookups {
  const repoOf = (ctx: RequestContext) => sim.store.getRepo(ctx.params.owner!, ctx.params.repo!);
  return {
    repoOf,
    runOf(ctx) {
      const repo = repoOf(ctx);
      if (!repo) return undefined;
      const run = sim.store.runsById.get(Number(ctx.params[params.run]));
      if (!run || run.repo !== repo) return undefined;
      sim.store.advance(run);
      return { repo, run };
    },
    jobOf(ctx) {
      const repo = repoOf(ctx);
      const hit = sim.store.jobsById.get(Number(ctx.params.job_id));
      if (!repo || !hit || hit.run.repo !== repo) return undefined;
      sim.store.advance(hit.run);
      return hit;
    },
    commentOf(ctx) {
      const repo = repoOf(ctx);
      const hit = sim.store.commentsById.get(Number(ctx.params[params.comment]));
      if (!repo || !hit || hit.repo !== repo) return undefined;
      return { repo, comment: hit.comment };
    },
    advanceAll(runs) {
      const now = sim.store.now();
      for (const run of runs) sim.store.advance(run, now);
    },
  };
}

// ---- run lists --------------------------------------------------------------------------------

export interface RunListRoutes {
  lookups: Lookups;
  notFound(): Reply;
  /** The forge's filters, order, paging and shapes over these runs. */
  list(ctx: RequestContext, runs: Run[]): Reply;
  /** How `{workflow_id}` names a workflow; absent where the forge has no per-workflow list (Forgejo). */
  findWorkflow?: ((repo: Repo, id: string) => Workflow | undefined) | undefined;
}

/**
 * `GET …/actions/runs` and `GET …/actions/workflows/{workflow_id}/runs`: one list, two scopes. A run
 * shows only from its `listedAt` (GitHub lists a new run some seconds after the dispatch; see
 * SimOptions.listingDelayMs); `GET` of the run by its id finds it at once.
 */
export function addRunListRoutes(r: Router, sim: SimCore, c: RunListRoutes): void {
  const listed = (runs: Run[]) => {
    const now = sim.store.now();
    return runs.filter((run) => run.listedAt <= now);
  };
  r.add('GET', '/repos/{owner}/{repo}/actions/runs', (ctx) => {
    const repo = c.lookups.repoOf(ctx);
    if (!repo) return c.notFound();
    return c.list(ctx, listed(repo.runs));
  });
  const find = c.findWorkflow;
  if (!find) return;
  r.add('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', (ctx) => {
    const repo = c.lookups.repoOf(ctx);
    const wf = repo && find(repo, ctx.params.workflow_id!);
    if (!repo || !wf) return c.notFound();
    return c.list(
      ctx,
      listed(repo.runs).filter((run) => run.workflow === wf),
    );
  });
}

// ---- dispatch ---------------------------------------------------------------------------------

/** Both forges dispatch on a branch or tag name and take it with or without `refs/heads/`/`refs/tags/`. */
export function refName(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The inputs a run gets: the declared ones, as strings (a non-string value as its JSON), defaults
 * filled in. An empty value counts as missing. Without a value or default, GitHub leaves the input
 * out and Gitea sets it to "" (`unset`). `missing` names the first required input with neither.
 */
export function dispatchInputs(
  declared: Record<string, WorkflowInputSpec>,
  given: Record<string, unknown>,
  unset: 'omit' | 'empty',
): { inputs: Record<string, string>; missing?: undefined } | { missing: string } {
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const v = given[name];
    if (v === undefined || v === null || v === '') {
      if (spec.required && spec.default === undefined) return { missing: name };
      if (spec.default !== undefined) inputs[name] = spec.default;
      else if (unset === 'empty') inputs[name] = '';
    } else inputs[name] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return { inputs };
}

/**
 * Starts the run a workflow_dispatch asked for, as the sim's user. `defaultTitle` is its title when
 * the workflow has no run-name: each forge chooses it (see Store.createRun).
 */
export function startDispatchedRun(
  sim: SimCore,
  repo: Repo,
  wf: Workflow,
  branch: string,
  inputs: Record<string, string>,
  defaultTitle: string,
): Run {
  return sim.store.createRun(repo, wf, {
    event: 'workflow_dispatch',
    branch,
    inputs,
    defaultTitle,
    actor: SIM_USER.login,
  });
}

// ---- commit statuses --------------------------------------------------------------------------

/** A branch's head, or the sha itself (7 to `maxHex` hex digits, lower-cased). */
export function shaOfRef(repo: Repo, ref: string, maxHex: number): string | undefined {
  const branch = ref.replace(/^refs\/heads\//, '');
  if (repo.branches.has(branch)) return repo.branches.get(branch);
  return new RegExp(`^[0-9a-f]{7,${maxHex}}$`, 'i').test(ref) ? ref.toLowerCase() : undefined;
}

/** Records a status from a create-status body whose `state` the forge has already checked. */
export function addStatus(
  sim: SimCore,
  repo: Repo,
  sha: string,
  state: string,
  body: Record<string, unknown>,
) {
  return sim.store.addStatus(repo, sha.toLowerCase(), {
    state,
    context: typeof body.context === 'string' && body.context ? body.context : 'default',
    description: typeof body.description === 'string' ? body.description : null,
    targetUrl: typeof body.target_url === 'string' ? body.target_url : null,
  });
}

/** The latest status of each context (the store keeps them newest first), for the combined status. */
export function latestPerContext(repo: Repo, sha: string): CommitStatus[] {
  const latest = new Map<string, CommitStatus>();
  for (const s of repo.statuses.get(sha) ?? []) if (!latest.has(s.context)) latest.set(s.context, s);
  return [...latest.values()];
}

// ---- artifacts --------------------------------------------------------------------------------

/** How one forge shows and serves artifacts; the routes below are the same on every forge. */
export interface ArtifactRoutes {
  lookups: Lookups;
  /** The path parameter naming the run (`run_id` on GitHub, `run` on Gitea/Forgejo). */
  runParam: string;
  notFound(): Reply;
  /** One artifact in the forge's shape. */
  shape(artifact: Artifact): Record<string, unknown>;
  /** The run's list, paged the forge's way. */
  list(ctx: RequestContext, artifacts: Artifact[]): Reply;
  /** `GET …/actions/artifacts/{artifact_id}/zip` (GitHub: `/{archive_format}`) for a stored artifact. */
  download(ctx: RequestContext, artifact: Artifact): Reply;
}

/** `name` filters by exact name on every forge (GitHub `artifact-name`, Gitea and Forgejo `name`). */
export function addArtifactRoutes(r: Router, sim: SimCore, c: ArtifactRoutes, downloadPath: string): void {
  const artifactOf = (ctx: RequestContext): Artifact | undefined => {
    const repo = c.lookups.repoOf(ctx);
    const artifact = sim.store.artifactsById.get(Number(ctx.params.artifact_id));
    return repo && artifact?.run.repo === repo ? artifact : undefined;
  };
  r.add('GET', `/repos/{owner}/{repo}/actions/runs/{${c.runParam}}/artifacts`, (ctx) => {
    const found = c.lookups.runOf(ctx);
    if (!found) return c.notFound();
    const name = ctx.query.get('name');
    return c.list(
      ctx,
      found.run.artifacts.filter((a) => !name || a.name === name),
    );
  });
  r.add('GET', '/repos/{owner}/{repo}/actions/artifacts/{artifact_id}', (ctx) => {
    const artifact = artifactOf(ctx);
    return artifact ? { status: 200, body: c.shape(artifact) } : c.notFound();
  });
  r.add('GET', `/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/${downloadPath}`, (ctx) => {
    const artifact = artifactOf(ctx);
    return artifact ? c.download(ctx, artifact) : c.notFound();
  });
}

/** The fields every forge's artifact has, in its time format. */
export function artifactFields(artifact: Artifact, time: (ms: number) => string) {
  return {
    id: artifact.id,
    name: artifact.name,
    size_in_bytes: artifact.zip.length,
    expired: artifact.expired,
    created_at: time(artifact.createdAt),
    updated_at: time(artifact.createdAt),
    expires_at: time(artifact.expiresAt),
  };
}

/** The zip itself, as storage (GitHub) or the forge (Gitea's raw route, Forgejo) sends it. */
export function zipReply(artifact: Artifact): Reply {
  return {
    status: 200,
    bytes: artifact.zip,
    contentType: 'application/zip',
    headers: { 'content-disposition': `attachment; filename="${artifact.name}.zip"` },
  };
}

/**
 * A signature over a download URL, as Gitea's buildSignature (an HMAC of the endpoint, the expiry and
 * the artifact id): the raw route checks it instead of a token.
 */
export function signature(sim: SimCore, endpoint: string, expires: number, id: number): string {
  return createHmac('sha256', sim.secret).update(`${endpoint}${expires}${id}`).digest('base64url');
}

// ---- issue comments ---------------------------------------------------------------------------

export interface CommentRoutes {
  /** The path parameters: GitHub `{issue_number}` / `{comment_id}`, Gitea `{index}` / `{id}`. */
  issueParam: string;
  commentParam: string;
  lookups: Lookups;
  shape(repo: Repo, comment: Comment): unknown;
  notFound(): Reply;
  /** A create without a non-empty `body`, or an edit without a string `body`. */
  noBody(): Reply;
  /** A forge's own limit on a new comment (GitHub: 65536 characters). */
  refuse?(body: string): Reply | undefined;
  /** Pages the list where the forge does (GitHub); Gitea answers every comment at once. */
  page?(ctx: RequestContext, comments: Comment[]): { page: Comment[]; headers: Record<string, string> };
}

/** Create, list, get and edit issue (and pull request) comments: the report-back routes. */
export function addCommentRoutes(r: Router, sim: SimCore, c: CommentRoutes): void {
  const issueOf = (ctx: RequestContext) => {
    const repo = c.lookups.repoOf(ctx);
    const n = Number(ctx.params[c.issueParam]);
    // An issue number is a pull request or an issue the repo has had.
    if (!repo || !(repo.pulls.has(n) || (n >= 1 && n <= repo.issueCounter))) return undefined;
    return { repo, n };
  };
  const bodyOf = (ctx: RequestContext) => (ctx.body ?? {}) as Record<string, unknown>;
  const issuePath = `/repos/{owner}/{repo}/issues/{${c.issueParam}}/comments`;
  const commentPath = `/repos/{owner}/{repo}/issues/comments/{${c.commentParam}}`;

  r.add('POST', issuePath, (ctx) => {
    const issue = issueOf(ctx);
    if (!issue) return c.notFound();
    const text = bodyOf(ctx).body;
    if (typeof text !== 'string' || text === '') return c.noBody();
    const refused = c.refuse?.(text);
    if (refused) return refused;
    return { status: 201, body: c.shape(issue.repo, sim.store.addComment(issue.repo, issue.n, text)) };
  });
  r.add('GET', issuePath, (ctx) => {
    const issue = issueOf(ctx);
    if (!issue) return c.notFound();
    const all = issue.repo.comments.filter((x) => x.issue === issue.n);
    const { page, headers } = c.page ? c.page(ctx, all) : { page: all, headers: undefined };
    return {
      status: 200,
      ...(headers ? { headers } : {}),
      body: page.map((x) => c.shape(issue.repo, x)),
    };
  });
  r.add('GET', commentPath, (ctx) => {
    const hit = c.lookups.commentOf(ctx);
    if (!hit) return c.notFound();
    return { status: 200, body: c.shape(hit.repo, hit.comment) };
  });
  r.add('PATCH', commentPath, (ctx) => {
    const hit = c.lookups.commentOf(ctx);
    if (!hit) return c.notFound();
    const text = bodyOf(ctx).body;
    if (typeof text !== 'string') return c.noBody();
    hit.comment.body = text;
    hit.comment.updatedAt = sim.store.now();
    return { status: 200, body: c.shape(hit.repo, hit.comment) };
  });
}
