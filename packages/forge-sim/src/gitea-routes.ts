// Gitea (1.24, 1.25, 1.26) and Forgejo routes under /api/v1, each only in the versions that have it:
// - 1.24: dispatch (204), /actions/tasks, workflows; no run or job API (404), no workflow_run hooks.
// - 1.25: /actions/runs, /runs/{run}, /runs/{run}/jobs ({jobs, total_count}), /jobs/{id}, job logs.
// - 1.26: the dispatch's query `return_run_details=true` answers 200 RunDetails (go-gitea/gitea#36706).
// - Forgejo: body `return_run_info: true` answers 201 {id, run_number, jobs}; its own run shapes
//   (raw status), /runs/{id}/jobs as a bare array, cancel (204), /api/forgejo/v1/version.
// Paging is `page` + `limit` (default 30, at most 50: setting.API.MaxResponseItems), with
// X-Total-Count and Link headers.

import { contentsHandler } from './contents.js';
import { jobLogText } from './control.js';
import {
  forgejoJob,
  forgejoRun,
  giteaContent,
  giteaJob,
  giteaRepo,
  giteaRun,
  giteaRunUrls,
  giteaTask,
  giteaWorkflow,
  gtime,
  simUser,
} from './gitea-shapes.js';
import {
  addArtifactRoutes,
  addCommentRoutes,
  addRunListRoutes,
  addStatus,
  artifactFields,
  dispatchInputs,
  isPlainObject,
  latestPerContext,
  lookups,
  refName,
  signature,
  zipReply,
  shaOfRef,
  startDispatchedRun,
} from './route-kit.js';
import { type Reply, type RequestContext, Router } from './router.js';
import type { SimCore } from './sim.js';
import { jobIds } from './workflow-yaml.js';
import {
  type Artifact,
  type Comment,
  type CommitStatus,
  commitMessage,
  type Repo,
  type Run,
} from './store.js';

export const GITEA_VERSIONS = {
  'gitea-1.24': '1.24.7',
  'gitea-1.25': '1.25.3',
  'gitea-1.26': '1.26.1',
  // Forgejo's /api/v1/version carries the Gitea compatibility marker.
  forgejo: '16.0.0+gitea-1.22.0',
} as const;

export function giteaPaginate<T>(sim: SimCore, ctx: RequestContext, items: T[]) {
  const limit = clamp(ctx.query.get('limit') ?? ctx.query.get('page_size'), 30, 1, 50);
  const page = clamp(ctx.query.get('page'), 1, 1, Number.MAX_SAFE_INTEGER);
  const last = Math.max(1, Math.ceil(items.length / limit));
  const links: string[] = [];
  const link = (p: number, rel: string) => {
    const q = new URLSearchParams(ctx.query);
    q.set('page', String(p));
    q.set('limit', String(limit));
    links.push(`<${sim.apiUrl}${ctx.path}?${q.toString()}>; rel="${rel}"`);
  };
  if (page < last) {
    link(page + 1, 'next');
    link(last, 'last');
  }
  if (page > 1) {
    link(1, 'first');
    link(page - 1, 'prev');
  }
  const headers: Record<string, string> = { 'x-total-count': String(items.length) };
  if (links.length) headers.link = links.join(',');
  return { page: items.slice((page - 1) * limit, page * limit), headers };
}

function clamp(raw: string | null, dflt: number, min: number, max: number): number {
  if (raw === null || raw === '') return dflt;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n <= 0) return dflt;
  return Math.min(max, Math.max(min, n));
}

const STATE_PRIORITY = ['error', 'failure', 'warning', 'pending', 'success', 'skipped'];

export function buildGiteaRouter(sim: SimCore): Router {
  const r = new Router();
  const d = sim.dialect;
  const forgejo = d === 'forgejo';
  const hasRunApi = d !== 'gitea-1.24';
  const u = () => sim.urls;
  const notFound = (): Reply => ({
    status: 404,
    body: { errors: null, message: 'not found', url: `${sim.url}/api/swagger` },
  });
  const err = (status: number, message: string): Reply => ({
    status,
    body: { message, url: `${sim.url}/api/swagger` },
  });
  const look = lookups(sim, { run: 'run', comment: 'id' });
  const { repoOf, runOf, jobOf, advanceAll } = look;

  r.add('GET', '/version', () => ({
    status: 200,
    body: { version: GITEA_VERSIONS[d as keyof typeof GITEA_VERSIONS] },
  }));
  if (forgejo) r.add('GET', '/_forgejo/version', () => ({ status: 200, body: { version: '16.0.0' } }));

  // ---- repository ---------------------------------------------------------------------------

  // Swagger `repoGet` (Gitea and Forgejo alike): adapters read `default_branch` when no ref is given.
  r.add('GET', '/repos/{owner}/{repo}', (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    return { status: 200, body: giteaRepo(u(), repo) };
  });

  // ---- workflows ----------------------------------------------------------------------------

  if (!forgejo) {
    r.add('GET', '/repos/{owner}/{repo}/actions/workflows', (ctx) => {
      const repo = repoOf(ctx);
      if (!repo) return notFound();
      return {
        status: 200,
        body: {
          total_count: repo.workflows.length,
          workflows: repo.workflows.map((w) => giteaWorkflow(u(), repo, w)),
        },
      };
    });
    r.add('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}', (ctx) => {
      const repo = repoOf(ctx);
      const wf = repo && findByFile(repo, ctx.params.workflow_id!);
      if (!repo || !wf) return notFound();
      return { status: 200, body: giteaWorkflow(u(), repo, wf) };
    });
  }

  r.add('POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    if (forgejo) return forgejoDispatch(ctx, repo);
    // Gitea and Forgejo address a workflow by its file name only (ActionWorkflow.id is the file name).
    const wf = findByFile(repo, ctx.params.workflow_id!);
    if (!wf) return err(404, `workflow "${ctx.params.workflow_id}" not found`);
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const ref = body.ref;
    if (typeof ref !== 'string' || ref === '') return err(422, 'ref is required parameter');
    const branch = refName(ref);
    if (!repo.branches.has(branch)) return err(404, `ref "${ref}" not found`);
    if (!wf.spec.on.workflow_dispatch) {
      return err(422, `workflow "${wf.spec.file}" has no workflow_dispatch trigger`);
    }
    const inputsIn = body.inputs ?? {};
    if (!isPlainObject(inputsIn)) return err(422, 'inputs must be an object of strings');
    // Gitea keeps only the inputs the workflow declares, fills in their defaults, and sets the
    // others to "".
    const filled = dispatchInputs(wf.spec.on.workflow_dispatch.inputs ?? {}, inputsIn, 'empty');
    if (filled.missing !== undefined) return err(422, `input "${filled.missing}" is required`);
    // Without run-name, Gitea titles a dispatched run with the head commit's subject
    // (services/actions/workflow.go DispatchActionWorkflow: the first line of the commit message).
    const run = startDispatchedRun(sim, repo, wf, branch, filled.inputs, commitMessage(branch));
    if (d === 'gitea-1.26' && ctx.query.get('return_run_details') === 'true') {
      const urls = giteaRunUrls(u(), run);
      return { status: 200, body: { workflow_run_id: run.id, run_url: urls.api, html_url: urls.html } };
    }
    return { status: 204 };
  });

  /**
   * Forgejo's dispatch (routers/api/v1/repo/action.go DispatchWorkflow and services/actions/workflows.go
   * GetWorkflowFromCommit / Workflow.Dispatch, Forgejo 16): an empty ref is 400 "ref is empty"; a ref
   * that does not exist 400 (an invalid argument); a file not in the workflow folder 404 "workflow not
   * found"; a required input without value or default 400 "input required for '<description or
   * name>'". Only declared inputs are kept; one without value or default is left out. The file need not
   * declare `workflow_dispatch` (Dispatch reads its inputs only when it does). The answer is 201
   * DispatchWorkflowRun {id, run_number, jobs: the job ids} with `return_run_info: true`, else 204.
   */
  function forgejoDispatch(ctx: RequestContext, repo: Repo): Reply {
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const ref = typeof body.ref === 'string' ? body.ref : '';
    if (ref === '') return err(400, 'ref is empty');
    const branch = refName(ref);
    if (!repo.branches.has(branch)) return err(400, `reference '${ref}' does not exist`);
    const wf = findByFile(repo, ctx.params.workflow_id!);
    if (!wf) return err(404, 'workflow not found');
    const inputsIn = isPlainObject(body.inputs) ? body.inputs : {};
    const declared = wf.spec.on.workflow_dispatch?.inputs ?? {};
    const filled = dispatchInputs(declared, inputsIn, 'omit');
    if (filled.missing !== undefined) {
      return err(400, `input required for '${declared[filled.missing]?.description || filled.missing}'`);
    }
    // Without run-name: the workflow's name, else its path (Workflow.Dispatch: `title := wf.Name`).
    const run = startDispatchedRun(sim, repo, wf, branch, filled.inputs, wf.name);
    if (body.return_run_info !== true) return { status: 204 };
    return { status: 201, body: { id: run.id, run_number: run.runNumber, jobs: jobIds(wf.spec) } };
  }

  // ---- repository contents (the workflow files; every version) ---------------------------------

  // routers/api/v1/repo/file.go GetContents: an unknown ref is utils.ResolveRefCommit's ErrNotExist
  // (APIErrorNotFound with the default message), a missing path GetContentsOrList's.
  const notExist = (message: string, id: string, relPath: string): Reply => ({
    status: 404,
    body: {
      message,
      url: `${sim.url}/api/swagger`,
      errors: [`object does not exist [id: ${id}, rel_path: ${relPath}]`],
    },
  });
  r.add(
    'GET',
    '/repos/{owner}/{repo}/contents/{filepath+}',
    contentsHandler(repoOf, {
      param: 'filepath',
      rules: { fullRefsAndShortShas: false },
      repoNotFound: notFound,
      refNotFound: (ref) => notExist("The target couldn't be found.", ref, ''),
      pathNotFound: (path) => notExist('GetContentsOrList', '', path),
      file: (repo, e, ref) => giteaContent(u(), repo, e, ref, { withContent: true, forgejo }),
      listed: (repo, e, ref) => giteaContent(u(), repo, e, ref, { withContent: false, forgejo }),
    }),
  );

  // ---- tasks (every version; the only listing on 1.24) ---------------------------------------

  r.add('GET', '/repos/{owner}/{repo}/actions/tasks', (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    advanceAll(repo.runs);
    // A task exists once a runner picked up a job: queued jobs are not listed. Newest first.
    const tasks = repo.runs
      .flatMap((run) =>
        [...run.previousAttempts.flatMap((a) => a.jobs), ...run.jobs]
          .filter((job) => job.status !== 'queued' && job.steps.length > 0)
          .map((job) => ({ run, job })),
      )
      .sort((a, b) => b.job.id - a.job.id);
    const { page, headers } = giteaPaginate(sim, ctx, tasks);
    return {
      status: 200,
      headers,
      body: {
        total_count: tasks.length,
        workflow_runs: page.map(({ run, job }) => giteaTask(u(), run, job)),
      },
    };
  });

  // ---- runs and jobs (1.25+, Forgejo) --------------------------------------------------------

  if (hasRunApi) {
    const filter = (runs: Run[], q: URLSearchParams): Run[] => {
      const event = q.get('event');
      const branch = q.get('branch') ?? (forgejo ? q.get('ref') : null);
      const status = q.get('status');
      const headSha = q.get('head_sha');
      const runNumber = forgejo ? q.get('run_number') : null;
      const workflowId = forgejo ? q.get('workflow_id') : null;
      return runs.filter((run) => {
        if (event && run.event !== event) return false;
        if (branch && run.headBranch !== branch.replace(/^refs\/heads\//, '')) return false;
        if (headSha && run.headSha !== headSha) return false;
        if (runNumber && String(run.runNumber) !== runNumber) return false;
        if (workflowId && run.workflow.spec.file !== workflowId) return false;
        if (status) {
          const raw = forgejoRun(u(), run, sim.store.now()).status;
          const gh = run.status;
          const ok =
            status === gh ||
            status === raw ||
            status === run.conclusion ||
            (status === 'pending' && gh === 'queued');
          if (!ok) return false;
        }
        return true;
      });
    };
    const listRuns = (ctx: RequestContext, runs: Run[]): Reply => {
      advanceAll(runs);
      const filtered = filter(runs, ctx.query).reverse();
      const { page, headers } = giteaPaginate(sim, ctx, filtered);
      const shape = (run: Run): unknown =>
        forgejo ? forgejoRun(u(), run, sim.store.now()) : giteaRun(u(), run);
      return { status: 200, headers, body: { total_count: filtered.length, workflow_runs: page.map(shape) } };
    };

    // Forgejo v16 has no per-workflow run list.
    addRunListRoutes(r, sim, {
      lookups: look,
      notFound,
      list: listRuns,
      findWorkflow: forgejo ? undefined : findByFile,
    });

    r.add('GET', '/repos/{owner}/{repo}/actions/runs/{run}', (ctx) => {
      const found = runOf(ctx);
      if (!found) return notFound();
      return {
        status: 200,
        body: forgejo ? forgejoRun(u(), found.run, sim.store.now()) : giteaRun(u(), found.run),
      };
    });

    r.add('GET', '/repos/{owner}/{repo}/actions/runs/{run}/jobs', (ctx) => {
      const found = runOf(ctx);
      if (!found) return notFound();
      const now = sim.store.now();
      if (forgejo) {
        // Forgejo answers a bare array, unpaged, without steps (routers/api/v1/repo/action.go).
        return { status: 200, body: found.run.jobs.map((j) => forgejoJob(u(), found.run, j, now, false)) };
      }
      const { page, headers } = giteaPaginate(sim, ctx, found.run.jobs);
      return {
        status: 200,
        headers,
        body: { jobs: page.map((j) => giteaJob(u(), found.run, j, now)), total_count: found.run.jobs.length },
      };
    });

    r.add('GET', '/repos/{owner}/{repo}/actions/jobs/{job_id}', (ctx) => {
      const hit = jobOf(ctx);
      if (!hit) return notFound();
      const now = sim.store.now();
      return {
        status: 200,
        body: forgejo ? forgejoJob(u(), hit.run, hit.job, now, true) : giteaJob(u(), hit.run, hit.job, now),
      };
    });

    r.add('GET', '/repos/{owner}/{repo}/actions/jobs/{job_id}/logs', (ctx) => {
      const hit = jobOf(ctx);
      if (!hit) return notFound();
      // Forgejo: a job no runner took has no log (GetActionJobLogs: ErrJobNotExecuted → 404).
      if (forgejo && hit.job.status === 'queued') return err(404, 'job has not been executed yet');
      // Gitea and Forgejo serve the log text directly (no redirect).
      return {
        status: 200,
        text: jobLogText(sim, hit.run, hit.job),
        contentType: 'text/plain; charset=utf-8',
      };
    });

    if (forgejo) {
      // Forgejo v16: POST …/runs/{id}/cancel answers 204, also for a run that already finished.
      r.add('POST', '/repos/{owner}/{repo}/actions/runs/{run}/cancel', (ctx) => {
        const found = runOf(ctx);
        if (!found) return notFound();
        sim.store.cancel(found.run);
        return { status: 204 };
      });
      // Forgejo 16 RerunActionRun: 204, or 400 while the run is not done (ErrRerunWorkflowStillRunning).
      r.add('POST', '/repos/{owner}/{repo}/actions/runs/{run}/rerun', (ctx) => {
        const found = runOf(ctx);
        if (!found) return notFound();
        if (!sim.store.rerun(found.run)) return err(400, 'workflow is still running');
        return { status: 204 };
      });
    }
    if (d === 'gitea-1.26') {
      r.add('POST', '/repos/{owner}/{repo}/actions/runs/{run}/rerun', (ctx) => {
        const found = runOf(ctx);
        if (!found) return notFound();
        if (!sim.store.rerun(found.run)) return err(409, 'this workflow run is not done');
        return { status: 201, body: giteaRun(u(), found.run) };
      });
    }
  }

  // ---- artifacts -------------------------------------------------------------------------------
  // Gitea (routers/api/v1/repo/action.go, from 1.24): GetArtifactsOfRun answers
  // ActionArtifactsResponse `{ total_count, artifacts }` paged by page/limit (no Link header);
  // convert.ToActionArtifact gives `url` and a `workflow_run` of only id, repository_id and head_sha.
  // DownloadArtifact answers 302 to `<app url>api/v1/repos/{o}/{r}/actions/artifacts/{id}/zip/raw
  // ?sig=…&expires=…` (signed, valid an hour, served without the token), or 404 "Artifact has
  // expired". Forgejo 16 (ListActionRunArtifacts, DownloadActionArtifact): a bare array with
  // X-Total-Count and Link, `run_id` instead of `url`/`workflow_run`, and the zip itself (200), or 404
  // "artifact not confirmed" once the artifact is no longer upload-confirmed (expired).
  const artifactShape = (a: Artifact) => {
    const repo = a.run.repo;
    const url = `${sim.apiUrl}/repos/${repo.owner}/${repo.name}/actions/artifacts/${a.id}`;
    const fields = artifactFields(a, gtime);
    if (forgejo) return { ...fields, archive_download_url: `${url}/zip`, run_id: a.run.id };
    return {
      ...fields,
      url,
      archive_download_url: `${url}/zip`,
      workflow_run: { id: a.run.id, repository_id: repo.id, head_sha: a.run.headSha },
    };
  };
  addArtifactRoutes(
    r,
    sim,
    {
      lookups: look,
      runParam: 'run',
      notFound,
      shape: artifactShape,
      list(ctx, artifacts) {
        const { page, headers } = giteaPaginate(sim, ctx, artifacts);
        if (forgejo) return { status: 200, headers, body: page.map(artifactShape) };
        return { status: 200, body: { total_count: artifacts.length, artifacts: page.map(artifactShape) } };
      },
      download(_ctx, artifact) {
        if (forgejo) return artifact.expired ? err(404, 'artifact not confirmed') : zipReply(artifact);
        if (artifact.expired) return err(404, 'Artifact has expired');
        const repo = artifact.run.repo;
        const endpoint = `api/v1/repos/${repo.owner}/${repo.name}/actions/artifacts/${artifact.id}/zip/raw`;
        const expires = Math.floor(Date.now() / 1000) + 3600;
        const sig = signature(sim, endpoint, expires, artifact.id);
        return { status: 302, headers: { location: `${sim.url}/${endpoint}?sig=${sig}&expires=${expires}` } };
      },
    },
    'zip',
  );

  // ---- commit statuses ----------------------------------------------------------------------

  const statusBody = (repo: Repo, s: CommitStatus) => ({
    id: s.id,
    status: s.state,
    target_url: s.targetUrl ?? '',
    description: s.description ?? '',
    url: `${sim.apiUrl}/repos/${repo.owner}/${repo.name}/statuses/${s.sha}`,
    context: s.context,
    creator: simUser(u()),
    created_at: gtime(s.createdAt),
    updated_at: gtime(s.updatedAt),
  });
  // Gitea also knows SHA-256 repositories: commit ids of up to 64 hex digits.
  const resolveSha = (repo: Repo, ref: string) => shaOfRef(repo, ref, 64);
  const allowedStates = ['pending', 'success', 'error', 'failure', 'warning', 'skipped'];

  r.add('POST', '/repos/{owner}/{repo}/statuses/{sha}', (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const sha = ctx.params.sha!;
    if (!/^[0-9a-f]{7,64}$/i.test(sha)) return err(400, `invalid commit sha "${sha}"`);
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const state = body.state;
    if (typeof state !== 'string' || !allowedStates.includes(state)) {
      return err(422, `state must be one of ${allowedStates.join(', ')}`);
    }
    return { status: 201, body: statusBody(repo, addStatus(sim, repo, sha, state, body)) };
  });

  const listStatuses = (ctx: RequestContext, ref: string): Reply => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const sha = resolveSha(repo, ref);
    if (!sha) return notFound();
    let list = [...(repo.statuses.get(sha) ?? [])];
    const state = ctx.query.get('state');
    if (state) list = list.filter((s) => s.state === state);
    if (ctx.query.get('sort') === 'oldest') list.reverse();
    const { page, headers } = giteaPaginate(sim, ctx, list);
    return { status: 200, headers, body: page.map((s) => statusBody(repo, s)) };
  };
  r.add('GET', '/repos/{owner}/{repo}/statuses/{sha}', (ctx) => listStatuses(ctx, ctx.params.sha!));
  r.add('GET', '/repos/{owner}/{repo}/commits/{ref}/statuses', (ctx) => listStatuses(ctx, ctx.params.ref!));

  r.add('GET', '/repos/{owner}/{repo}/commits/{ref}/status', (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const sha = resolveSha(repo, ctx.params.ref!);
    if (!sha) return notFound();
    const statuses = latestPerContext(repo, sha);
    // models/git CalcCommitStatus: the worst state wins (error > failure > warning > pending > success > skipped).
    let state = 'pending';
    if (statuses.length) {
      state = STATE_PRIORITY.find((p) => statuses.some((s) => s.state === p)) ?? 'pending';
    }
    const repoApi = `${sim.apiUrl}/repos/${repo.owner}/${repo.name}`;
    return {
      status: 200,
      body: {
        state,
        sha,
        total_count: statuses.length,
        statuses: statuses.map((s) => statusBody(repo, s)),
        repository: giteaRepo(u(), repo),
        commit_url: `${repoApi}/commits/${sha}`,
        url: `${repoApi}/commits/${sha}/status`,
      },
    };
  });

  // ---- issue comments -----------------------------------------------------------------------

  const commentBody = (repo: Repo, c: Comment) => {
    const full = `${repo.owner}/${repo.name}`;
    const isPull = repo.pulls.has(c.issue);
    return {
      id: c.id,
      html_url: `${sim.url}/${full}/${isPull ? 'pulls' : 'issues'}/${c.issue}#issuecomment-${c.id}`,
      pull_request_url: isPull ? `${sim.url}/${full}/pulls/${c.issue}` : '',
      issue_url: isPull ? '' : `${sim.url}/${full}/issues/${c.issue}`,
      user: simUser(u()),
      original_author: '',
      original_author_id: 0,
      body: c.body,
      assets: [],
      created_at: gtime(c.createdAt),
      updated_at: gtime(c.updatedAt),
    };
  };
  addCommentRoutes(r, sim, {
    issueParam: 'index',
    commentParam: 'id',
    lookups: look,
    shape: commentBody,
    notFound,
    noBody: () => err(422, 'body is required'),
  });

  return r;
}

function findByFile(repo: Repo, id: string) {
  const file = decodeURIComponent(id);
  return repo.workflows.find((w) => w.spec.file === file);
}
