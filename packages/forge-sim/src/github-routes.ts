// GitHub / GHES REST routes (paths and answers as in ../specs/github-actions-subset.json).
import { contentsHandler } from './contents.js';
import {
  ghContent,
  ghJob,
  ghRepo,
  ghRun,
  ghUser,
  ghWorkflow,
  iso,
  SIM_USER,
  type Urls,
} from './github-shapes.js';
import {
  addArtifactRoutes,
  addCommentRoutes,
  addRunListRoutes,
  artifactFields,
  addStatus,
  dispatchInputs,
  isPlainObject,
  latestPerContext,
  lookups,
  refName,
  shaOfRef,
  signature,
  startDispatchedRun,
} from './route-kit.js';
import { type Reply, type RequestContext, Router } from './router.js';
import { ghesVersion, type SimCore } from './sim.js';
import {
  type Artifact,
  type Comment,
  type CommitStatus,
  commitMessage,
  type Repo,
  type Run,
  runJsonKey,
} from './store.js';
import { ghFullRepo } from './webhook-payloads.js';

const DOCS = 'https://docs.github.com/rest';
const CONTENTS_DOCS = 'https://docs.github.com/rest/repos/contents#get-repository-content';

/** GitHub's dispatch-response change: this API version always answers 200 with the run. */
export const API_VERSION_RUN_DETAILS = '2026-03-10';
const SUPPORTED_VERSIONS = new Set(['2022-11-28', API_VERSION_RUN_DETAILS]);

export function paginate<T>(
  sim: SimCore,
  ctx: RequestContext,
  items: T[],
  maxPerPage = 100,
): { page: T[]; headers: Record<string, string> } {
  const perPage = clampInt(ctx.query.get('per_page'), 30, 1, maxPerPage);
  const page = clampInt(ctx.query.get('page'), 1, 1, Number.MAX_SAFE_INTEGER);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const links: string[] = [];
  const link = (p: number, rel: string) => {
    const q = new URLSearchParams(ctx.query);
    q.set('per_page', String(perPage));
    q.set('page', String(p));
    links.push(`<${sim.apiUrl}${ctx.path}?${q.toString()}>; rel="${rel}"`);
  };
  if (page > 1) link(page - 1, 'prev');
  if (page < last) link(page + 1, 'next');
  if (page < last || page > last) link(last, 'last');
  if (page > 1) link(1, 'first');
  return { page: slice, headers: links.length ? { link: links.join(', ') } : {} };
}

function clampInt(raw: string | null, dflt: number, min: number, max: number): number {
  if (raw === null || raw === '') return dflt;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n)) return dflt;
  return Math.min(max, Math.max(min, n));
}

/** `created` filter: `>=2024-01-01T00:00:00Z`, `<=…`, `>…`, `<…`, `a..b`, or a date. */
export function createdFilter(raw: string | null): ((ms: number) => boolean) | undefined {
  if (!raw) return undefined;
  const parse = (s: string) => {
    const t = Date.parse(s);
    return Number.isNaN(t) ? undefined : t;
  };
  const range = raw.split('..');
  if (range.length === 2) {
    const a = range[0] === '*' ? -Infinity : parse(range[0]!);
    const b = range[1] === '*' ? Infinity : parse(range[1]!);
    if (a === undefined || b === undefined) return undefined;
    return (ms) => ms >= a && ms <= b;
  }
  const m = /^(>=|<=|>|<)?(.+)$/.exec(raw);
  if (!m) return undefined;
  const t = parse(m[2]!);
  if (t === undefined) return undefined;
  const secs = (ms: number) => Math.floor(ms / 1000) * 1000;
  switch (m[1]) {
    case '>=':
      return (ms) => secs(ms) >= t;
    case '<=':
      return (ms) => secs(ms) <= t;
    case '>':
      return (ms) => secs(ms) > t;
    case '<':
      return (ms) => secs(ms) < t;
    default: {
      // A bare date means that whole day.
      const day = /^\d{4}-\d{2}-\d{2}$/.test(m[2]!);
      return day ? (ms) => ms >= t && ms < t + 86_400_000 : (ms) => secs(ms) === t;
    }
  }
}

const STATUS_FILTERS = new Set(['queued', 'in_progress', 'completed', 'requested', 'waiting', 'pending']);

export function filterRuns(runs: Run[], q: URLSearchParams): Run[] {
  const event = q.get('event');
  const branch = q.get('branch');
  const status = q.get('status');
  const headSha = q.get('head_sha');
  const created = createdFilter(q.get('created'));
  return runs.filter(
    (r) =>
      (!event || r.event === event) &&
      (!branch || r.headBranch === branch) &&
      (!headSha || r.headSha === headSha) &&
      (!status || (STATUS_FILTERS.has(status) ? r.status === status : r.conclusion === status)) &&
      (!created || created(r.createdAt)),
  );
}

function bool(v: unknown): boolean {
  return v === true || v === 'true';
}

export function buildGitHubRouter(sim: SimCore): Router {
  const r = new Router();
  const u = (): Urls => sim.urls;
  // A run's JSON is rebuilt only when the run changes: polls of an unchanged run cost no rebuild.
  const runJson = (run: Run): string => {
    const key = runJsonKey(run, 'gh');
    if (run.jsonCache?.key === key) return run.jsonCache.json;
    const json = JSON.stringify(ghRun(u(), run));
    run.jsonCache = { key, json };
    return json;
  };
  const notFound = (): Reply => sim.error(404, 'Not Found');
  const look = lookups(sim, { run: 'run_id', comment: 'comment_id' });
  const { repoOf, runOf, jobOf, advanceAll } = look;
  const validation = (message: string, errors?: unknown[]): Reply => ({
    status: 422,
    body: { message, documentation_url: DOCS, status: '422', ...(errors ? { errors } : {}) },
  });

  r.add('GET', '/rate_limit', (ctx) => {
    const b = sim.limits.bucket(ctx.identity?.key ?? 'anonymous');
    const core = {
      limit: b.limit,
      remaining: b.remaining,
      reset: Math.ceil(b.resetAt / 1000),
      used: b.limit - b.remaining,
    };
    const other = (limit: number) => ({ limit, remaining: limit, reset: core.reset, used: 0 });
    return {
      status: 200,
      body: {
        resources: {
          core,
          search: other(30),
          graphql: other(5000),
          integration_manifest: other(5000),
          code_search: other(10),
        },
        rate: core,
      },
    };
  });

  // "Get GitHub meta information" (GET /meta). GHES adds `installed_version` (GHES description
  // `api-overview` in @octokit/openapi generated/ghes-3.19.json, example "3.19.0"): clients read the
  // server's version from it. `verifiable_password_authentication` is the one required field.
  r.add('GET', '/meta', () => {
    const installed = ghesVersion(sim.dialect);
    return {
      status: 200,
      body: {
        verifiable_password_authentication: installed !== undefined,
        ...(installed ? { installed_version: installed } : {}),
      },
    };
  });

  // ---- repository ---------------------------------------------------------------------------

  // "Get a repository": adapters read `default_branch` from it when the user gives no ref.
  r.add('GET', '/repos/{owner}/{repo}', (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    return { status: 200, body: ghFullRepo(u(), repo) };
  });

  // ---- workflows ----------------------------------------------------------------------------

  r.add('GET', '/repos/{owner}/{repo}/actions/workflows', (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const { page, headers } = paginate(sim, ctx, repo.workflows);
    return {
      status: 200,
      headers,
      body: { total_count: repo.workflows.length, workflows: page.map((w) => ghWorkflow(u(), repo, w)) },
    };
  });

  r.add('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}', (ctx) => {
    const repo = repoOf(ctx);
    const wf = repo && sim.store.findWorkflow(repo, ctx.params.workflow_id!);
    if (!repo || !wf) return notFound();
    return { status: 200, body: ghWorkflow(u(), repo, wf) };
  });

  r.add('POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', (ctx) => {
    const repo = repoOf(ctx);
    const wf = repo && sim.store.findWorkflow(repo, ctx.params.workflow_id!);
    if (!repo || !wf) return notFound();
    const apiVersion = headerOf(ctx, 'x-github-api-version');
    if (apiVersion && !SUPPORTED_VERSIONS.has(apiVersion)) {
      return sim.error(400, `API version '${apiVersion}' is not supported.`);
    }
    if (apiVersion === API_VERSION_RUN_DETAILS && sim.dialect !== 'github') {
      // GHES 3.19/3.20 know only 2022-11-28.
      return sim.error(400, `API version '${apiVersion}' is not supported.`);
    }
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) return sim.error(400, 'Problems parsing JSON');
    const wantsDetails = 'return_run_details' in body;
    if (wantsDetails && sim.dialect !== 'github') {
      // GHES ≤ 3.20 validates the body against a schema without the key.
      return sim.error(400, 'Invalid request.\n\n"return_run_details" is not a permitted key.');
    }
    const ref = body.ref;
    if (typeof ref !== 'string' || ref === '')
      return validation('Invalid request.\n\n"ref" wasn\'t supplied.');
    const branch = refName(ref);
    if (!repo.branches.has(branch)) return validation(`No ref found for: ${ref}`);
    if (!wf.spec.on.workflow_dispatch)
      return validation("Workflow does not have 'workflow_dispatch' trigger");
    const inputsIn = body.inputs ?? {};
    if (!isPlainObject(inputsIn)) {
      return validation('Invalid request.\n\nFor \'properties/inputs\', "not an object" is not an object.');
    }
    const keys = Object.keys(inputsIn);
    if (keys.length > 25) {
      return validation(
        `Invalid request.\n\nFor 'properties/inputs', {…} has ${keys.length} properties; no more than 25 are allowed.`,
      );
    }
    const declared = wf.spec.on.workflow_dispatch.inputs ?? {};
    const unexpected = keys.filter((k) => !(k in declared));
    if (unexpected.length) return validation(`Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
    const filled = dispatchInputs(declared, inputsIn, 'omit');
    if (filled.missing !== undefined) return validation(`Required input '${filled.missing}' not provided`);
    // Without run-name, GitHub titles a manually dispatched run with the workflow's name (as the
    // Actions UI and `gh run list` show it); see Store.createRun.
    const run = startDispatchedRun(sim, repo, wf, branch, filled.inputs, wf.name);
    if ((wantsDetails && bool(body.return_run_details)) || apiVersion === API_VERSION_RUN_DETAILS) {
      const api = `${sim.apiUrl}/repos/${repo.owner}/${repo.name}/actions/runs/${run.id}`;
      return {
        status: 200,
        body: {
          workflow_run_id: run.id,
          run_url: api,
          html_url: `${sim.url}/${repo.owner}/${repo.name}/actions/runs/${run.id}`,
        },
      };
    }
    return { status: 204 };
  });

  r.add('POST', '/repos/{owner}/{repo}/dispatches', (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const eventType = body.event_type;
    if (typeof eventType !== 'string' || eventType.length === 0) {
      return validation('Invalid request.\n\n"event_type" wasn\'t supplied.');
    }
    if (eventType.length > 100) {
      return validation("Invalid request.\n\nFor 'properties/event_type', it is longer than 100 characters.");
    }
    const cp = body.client_payload;
    if (cp !== undefined && (typeof cp !== 'object' || cp === null || Array.isArray(cp))) {
      return validation("Invalid request.\n\nFor 'properties/client_payload', it is not an object.");
    }
    const payload = (cp ?? {}) as Record<string, unknown>;
    const n = Object.keys(payload).length;
    if (n > 10)
      return validation(`Invalid request.\n\nNo more than 10 properties are allowed; ${n} were supplied.`);
    if (Buffer.byteLength(JSON.stringify(payload)) >= 65536) {
      return validation('client_payload must be less than 64KB.');
    }
    for (const wf of repo.workflows) {
      const rd = wf.spec.on.repository_dispatch;
      if (!rd) continue;
      if (rd.types && rd.types.length > 0 && !rd.types.includes(eventType)) continue;
      sim.store.createRun(repo, wf, {
        event: 'repository_dispatch',
        branch: repo.defaultBranch,
        clientPayload: payload,
        eventType,
        // Without run-name: the head commit's message ("event-specific information", docs run-name;
        // @octokit/webhooks-examples repository_dispatch workflow_run: display_title is a commit message).
        defaultTitle: commitMessage(repo.defaultBranch),
        actor: SIM_USER.login,
      });
    }
    return { status: 204 };
  });

  // ---- repository contents (the workflow files) ---------------------------------------------

  r.add(
    'GET',
    '/repos/{owner}/{repo}/contents/{path+}',
    contentsHandler(repoOf, {
      param: 'path',
      rules: { fullRefsAndShortShas: true },
      repoNotFound: notFound,
      refNotFound: (ref) =>
        sim.error(404, `No commit found for the ref ${ref}`, { documentation_url: CONTENTS_DOCS }),
      pathNotFound: () => sim.error(404, 'Not Found', { documentation_url: CONTENTS_DOCS }),
      file: (repo, e, ref) => ghContent(u(), repo, e, ref, true),
      listed: (repo, e, ref) => ghContent(u(), repo, e, ref, false),
    }),
  );

  // ---- runs ---------------------------------------------------------------------------------

  const listRuns = (ctx: RequestContext, runs: Run[]): Reply => {
    advanceAll(runs);
    const filtered = filterRuns(runs, ctx.query).reverse(); // newest first
    const { page, headers } = paginate(sim, ctx, filtered);
    return {
      status: 200,
      headers,
      json: `{"total_count":${filtered.length},"workflow_runs":[${page.map(runJson).join(',')}]}`,
    };
  };

  addRunListRoutes(r, sim, {
    lookups: look,
    notFound,
    list: listRuns,
    findWorkflow: (repo, id) => sim.store.findWorkflow(repo, id),
  });

  r.add('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}', (ctx) => {
    const found = runOf(ctx);
    if (!found) return notFound();
    return { status: 200, json: runJson(found.run) };
  });

  r.add('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}', (ctx) => {
    const found = runOf(ctx);
    if (!found) return notFound();
    const n = Number(ctx.params.attempt_number);
    if (n === found.run.attempt) return { status: 200, body: ghRun(u(), found.run) };
    const prev = found.run.previousAttempts.find((a) => a.attempt === n);
    if (!prev) return notFound();
    const body = ghRun(u(), found.run);
    return {
      status: 200,
      body: {
        ...body,
        run_attempt: prev.attempt,
        status: prev.status,
        conclusion: prev.conclusion,
        run_started_at: iso(prev.runStartedAt),
        updated_at: iso(prev.updatedAt),
        previous_attempt_url: prev.attempt > 1 ? `${body.url}/attempts/${prev.attempt - 1}` : null,
      },
    };
  });

  const listJobs = (ctx: RequestContext, run: Run, attempt: number | 'all'): Reply => {
    const now = sim.store.now();
    let jobs =
      attempt === 'all'
        ? [...run.previousAttempts.flatMap((a) => a.jobs), ...run.jobs]
        : (sim.store.jobsOfAttempt(run, attempt) ?? []);
    jobs = [...jobs];
    const { page, headers } = paginate(sim, ctx, jobs);
    return {
      status: 200,
      headers,
      body: { total_count: jobs.length, jobs: page.map((j) => ghJob(u(), run, j, now)) },
    };
  };

  r.add('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/jobs', (ctx) => {
    const found = runOf(ctx);
    if (!found) return notFound();
    return listJobs(ctx, found.run, ctx.query.get('filter') === 'all' ? 'all' : found.run.attempt);
  });

  r.add('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs', (ctx) => {
    const found = runOf(ctx);
    if (!found) return notFound();
    const n = Number(ctx.params.attempt_number);
    if (!sim.store.jobsOfAttempt(found.run, n)) return notFound();
    return listJobs(ctx, found.run, n);
  });

  r.add('GET', '/repos/{owner}/{repo}/actions/jobs/{job_id}', (ctx) => {
    const hit = jobOf(ctx);
    if (!hit) return notFound();
    return { status: 200, body: ghJob(u(), hit.run, hit.job, sim.store.now()) };
  });

  r.add('GET', '/repos/{owner}/{repo}/actions/jobs/{job_id}/logs', (ctx) => {
    const hit = jobOf(ctx);
    if (!hit) return notFound();
    // GitHub answers 302 to a short-lived blob-storage URL; the sim serves that URL itself.
    return { status: 302, headers: { location: `${sim.url}/_sim/logs/jobs/${hit.job.id}?sig=sim` } };
  });

  r.add('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel', (ctx) => {
    const found = runOf(ctx);
    if (!found) return notFound();
    if (!sim.store.cancel(found.run)) {
      return {
        status: 409,
        body: {
          message: 'Cannot cancel a workflow run that is completed.',
          documentation_url: DOCS,
          status: '409',
        },
      };
    }
    return { status: 202, body: {} };
  });

  r.add('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/rerun', (ctx) => {
    const found = runOf(ctx);
    if (!found) return notFound();
    if (!sim.store.rerun(found.run)) return sim.error(403, 'This workflow is already running');
    return { status: 201, body: {} };
  });

  // "List workflow run artifacts" / "Get an artifact" / "Download an artifact": `{ total_count,
  // artifacts }` paged by per_page ≤ 100 with a Link; the download answers 302 to a storage URL that
  // "expires after 1 minute" (spec `actions/download-artifact`), or 410 Gone once the artifact expired.
  // `digest` (sha256 of the zip) is on github.com only: GHES 3.19's description has no such field.
  const ghes = ghesVersion(sim.dialect) !== undefined;
  const artifactShape = (a: Artifact) => {
    const repo = a.run.repo;
    const url = `${sim.apiUrl}/repos/${repo.owner}/${repo.name}/actions/artifacts/${a.id}`;
    const { id, name, size_in_bytes, expired, created_at, updated_at, expires_at } = artifactFields(a, iso);
    return {
      id,
      node_id: Buffer.from(`Artifact${a.id}`).toString('base64'),
      name,
      size_in_bytes,
      url,
      archive_download_url: `${url}/zip`,
      expired,
      created_at,
      expires_at,
      updated_at,
      ...(ghes ? {} : { digest: `sha256:${a.spec.digest?.replace(/^sha256:/, '') ?? a.sha256}` }),
      workflow_run: {
        id: a.run.id,
        repository_id: repo.id,
        head_repository_id: repo.id,
        head_branch: a.run.headBranch,
        head_sha: a.run.headSha,
      },
    };
  };
  addArtifactRoutes(
    r,
    sim,
    {
      lookups: look,
      runParam: 'run_id',
      notFound,
      shape: artifactShape,
      list(ctx, artifacts) {
        const ordered = ctx.query.get('direction') === 'asc' ? artifacts : [...artifacts].reverse();
        const { page, headers } = paginate(sim, ctx, ordered);
        return {
          status: 200,
          headers,
          body: { total_count: artifacts.length, artifacts: page.map(artifactShape) },
        };
      },
      download(ctx, artifact) {
        if (ctx.params.archive_format !== 'zip') return notFound();
        if (artifact.expired) return sim.error(410, 'Artifact has expired');
        const expires = Math.floor(Date.now() / 1000) + 60;
        const endpoint = `/_sim/blobs/artifacts/${artifact.id}`;
        const sig = signature(sim, endpoint, expires, artifact.id);
        return { status: 302, headers: { location: `${sim.url}${endpoint}?se=${expires}&sig=${sig}` } };
      },
    },
    '{archive_format}',
  );

  // ---- commit statuses ----------------------------------------------------------------------

  const statusBody = (repo: Repo, s: CommitStatus) => {
    const creator = ghUser(u(), SIM_USER.login, SIM_USER.id);
    return {
      url: `${sim.apiUrl}/repos/${repo.owner}/${repo.name}/statuses/${s.sha}`,
      avatar_url: creator.avatar_url,
      id: s.id,
      node_id: Buffer.from(`StatusContext${s.id}`).toString('base64'),
      state: s.state,
      description: s.description,
      target_url: s.targetUrl,
      context: s.context,
      created_at: iso(s.createdAt),
      updated_at: iso(s.updatedAt),
      creator,
    };
  };
  const resolveSha = (repo: Repo, ref: string) => shaOfRef(repo, ref, 40);

  r.add('POST', '/repos/{owner}/{repo}/statuses/{sha}', (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const sha = ctx.params.sha!;
    if (!/^[0-9a-f]{40}$/i.test(sha)) return validation(`No commit found for SHA: ${sha}`);
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const state = body.state;
    if (typeof state !== 'string' || !['error', 'failure', 'pending', 'success'].includes(state)) {
      return validation('Validation Failed', [
        { resource: 'Status', field: 'state', code: 'custom', message: 'state is not included in the list' },
      ]);
    }
    return { status: 201, body: statusBody(repo, addStatus(sim, repo, sha, state, body)) };
  });

  r.add('GET', '/repos/{owner}/{repo}/commits/{ref}/statuses', (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const sha = resolveSha(repo, ctx.params.ref!);
    if (!sha) return validation(`No commit found for SHA: ${ctx.params.ref}`);
    const list = repo.statuses.get(sha) ?? [];
    const { page, headers } = paginate(sim, ctx, list);
    return { status: 200, headers, body: page.map((s) => statusBody(repo, s)) };
  });

  r.add('GET', '/repos/{owner}/{repo}/commits/{ref}/status', (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const sha = resolveSha(repo, ctx.params.ref!);
    if (!sha) return notFound();
    const statuses = latestPerContext(repo, sha);
    const states = statuses.map((s) => s.state);
    // "failure if any of the contexts report as error or failure; pending if there are no statuses
    // or a context is pending; success if the latest status for all contexts is success".
    const state = states.some((s) => s === 'error' || s === 'failure')
      ? 'failure'
      : states.length === 0 || states.includes('pending')
        ? 'pending'
        : 'success';
    const repoApi = `${sim.apiUrl}/repos/${repo.owner}/${repo.name}`;
    return {
      status: 200,
      body: {
        state,
        statuses: statuses.map((s) => {
          const full = statusBody(repo, s);
          return {
            url: full.url,
            avatar_url: full.avatar_url,
            id: full.id,
            node_id: full.node_id,
            state: full.state,
            description: full.description,
            target_url: full.target_url,
            context: full.context,
            created_at: full.created_at,
            updated_at: full.updated_at,
          };
        }),
        sha,
        total_count: statuses.length,
        repository: ghRepo(u(), repo),
        commit_url: `${repoApi}/commits/${sha}`,
        url: `${repoApi}/commits/${sha}/status`,
      },
    };
  });

  // ---- issue comments -----------------------------------------------------------------------

  const commentBody = (repo: Repo, c: Comment) => {
    const full = `${repo.owner}/${repo.name}`;
    return {
      id: c.id,
      node_id: Buffer.from(`IssueComment${c.id}`).toString('base64'),
      url: `${sim.apiUrl}/repos/${full}/issues/comments/${c.id}`,
      html_url: `${sim.url}/${full}/pull/${c.issue}#issuecomment-${c.id}`,
      body: c.body,
      user: ghUser(u(), SIM_USER.login, SIM_USER.id, 'Bot'),
      created_at: iso(c.createdAt),
      updated_at: iso(c.updatedAt),
      issue_url: `${sim.apiUrl}/repos/${full}/issues/${c.issue}`,
      author_association: 'NONE',
      performed_via_github_app: null,
      reactions: {
        url: `${sim.apiUrl}/repos/${full}/issues/comments/${c.id}/reactions`,
        total_count: 0,
        '+1': 0,
        '-1': 0,
        laugh: 0,
        confused: 0,
        heart: 0,
        hooray: 0,
        eyes: 0,
        rocket: 0,
      },
    };
  };
  addCommentRoutes(r, sim, {
    issueParam: 'issue_number',
    commentParam: 'comment_id',
    lookups: look,
    shape: commentBody,
    notFound,
    noBody: () => validation('Invalid request.\n\n"body" wasn\'t supplied.'),
    refuse: (body) =>
      body.length > 65536
        ? validation('Validation Failed', [
            {
              resource: 'IssueComment',
              code: 'custom',
              field: 'body',
              message: 'body is too long (maximum is 65536 characters)',
            },
          ])
        : undefined,
    page: (ctx, comments) => paginate(sim, ctx, comments),
  });

  return r;
}

export function headerOf(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
