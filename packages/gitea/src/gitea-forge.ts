// The Forge port for Gitea and Forgejo, on undici. See README.md for the paths taken per server.
import {
  type Artifact,
  ArtifactError,
  type CallContext,
  type CancelOutcome,
  type CommentResult,
  type CommitState,
  type CommitStatus,
  type CommitStatusInput,
  type Forge,
  type ForgeCapabilities,
  type ForgeDispatchRequest,
  type ForgeDispatchResult,
  ForgeHttpError,
  InvalidInputError,
  type Job,
  type ListRunsFilter,
  type RepoRef,
  type Run,
  RunNotFoundError,
  type RunPage,
  redact,
  UnsupportedByServerError,
  type UpsertCommentOptions,
} from '@xrd/core';
import { editKnownComment, LruMap, serverTimeOf, tailBytes, truncate } from '@xrd/core/kit';
import { createTransport, type Operation, type RetrySettings } from '@xrd/transport';
import { dispatchPurpose } from './dispatch-errors.js';
import { GiteaHttp, type HttpResponse, type Purpose, type Query, type RequestSpec } from './http.js';
import {
  baseName,
  groupTasks,
  jobsFromTasks,
  mapJob,
  mapRun,
  repoPath,
  runApiUrl,
  runFromTasks,
  type TaskGroup,
} from './map.js';
import { capabilitiesOf, type GiteaKind, kindFromVersion, profileFor, type ServerProfile } from './server.js';
import { type GiteaUrls, resolveGiteaUrls } from './urls.js';
import { readTriggers, undeclaredInputs, type WorkflowTriggers } from './workflow-file.js';

export interface GiteaForgeOptions {
  /** Web root or API root: `https://HOST`, `https://HOST/gitea/`, `https://HOST/api/v1`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: token …`. */
  readonly token?: string;
  /** Transport; default `globalThis.fetch` (keep-alive connections). Tests pass a mock; nothing is patched globally. */
  readonly fetch?: typeof fetch;
  /** Skip detection of the product (the version is still read). */
  readonly kind?: GiteaKind;
  /**
   * Read the workflow file before a dispatch to warn about inputs it does not declare (Gitea drops
   * them silently). Costs one or two reads per workflow and ref, cached for five minutes. Default true.
   */
  readonly checkInputs?: boolean;
  readonly userAgent?: string;
  /**
   * Most entries each in-memory cache keeps (ETags and bodies, workflow files read for the input
   * check, details of finished Forgejo jobs); the oldest go first. A forge lives as long as the
   * webhook service, so no cache may grow with every run, job or PR branch it sees. Default 500.
   */
  readonly cacheSize?: number;
  /** Retries of reads. Default `{ retries: 3, baseDelayMs: 1000, maxWaitMs: 60000 }`. */
  readonly retry?: Partial<RetrySettings>;
  /** The longest one HTTP request may take, in ms. Default 60 000. */
  readonly requestTimeoutMs?: number;
  /** For tests: epoch milliseconds (the workflow-file cache's clock). */
  readonly now?: () => number;
}

/** Gitea caps `limit` at 50 by default (`[api] MAX_RESPONSE_ITEMS`). */
const MAX_LIMIT = 50;
/** Bound on pages read by one call that has to page (jobs, the 1.24 task scan). */
const MAX_PAGES = 10;
const WORKFLOW_CACHE_MS = 5 * 60_000;
const DEFAULT_CACHE_SIZE = 500;

export function createGiteaForge(options: GiteaForgeOptions): Forge {
  return new GiteaForge(options);
}

interface WorkflowFinding {
  /** Path of the file that was read, or undefined if it is in none of the workflow directories. */
  readonly path?: string;
  readonly triggers?: WorkflowTriggers;
  readonly dirsTried: readonly string[];
}

type Raw = Readonly<Record<string, unknown>>;

class GiteaForge implements Forge {
  #kind: GiteaKind | undefined;
  readonly #options: GiteaForgeOptions;
  readonly #urls: GiteaUrls;
  readonly #http: GiteaHttp;
  #profile: Promise<ServerProfile> | undefined;
  readonly #workflowFiles: LruMap<string, { at: number; finding: Promise<WorkflowFinding | undefined> }>;
  readonly #commentLocks = new Map<string, Promise<unknown>>();
  /** Whether `/actions/runs/{id}/attempts/{n}/jobs` exists here (unknown until asked). */
  #attemptsRoute: boolean | undefined;
  /** Details (with steps) of finished Forgejo jobs, which never change. */
  readonly #finishedJobs: LruMap<string, Job>;
  readonly #now: () => number;

  constructor(options: GiteaForgeOptions) {
    this.#options = options;
    this.#urls = resolveGiteaUrls(options.baseUrl);
    this.#kind = options.kind;
    this.#now = options.now ?? Date.now;
    const cacheSize = Math.max(1, options.cacheSize ?? DEFAULT_CACHE_SIZE);
    this.#workflowFiles = new LruMap(cacheSize);
    this.#finishedJobs = new LruMap(cacheSize);
    this.#http = new GiteaHttp({
      urls: this.#urls,
      token: options.token,
      transport: createTransport({
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
        cacheSize,
      }),
      userAgent: options.userAgent ?? 'xrd-gitea',
      forgeName: () => this.#product(),
    });
  }

  #product(): string {
    return this.kind === 'forgejo' ? 'Forgejo' : 'Gitea';
  }

  /** The detected product; before detection, the kind option or `gitea` (the family name). */
  get kind(): GiteaKind {
    return this.#kind ?? 'gitea';
  }

  // ─── detection ──────────────────────────────────────────────────────────────────────────────

  async capabilities(ctx: CallContext = {}): Promise<ForgeCapabilities> {
    const profile = await this.#ensureProfile(ctx);
    return capabilitiesOf(profile, this.#http.sawEtag);
  }

  async getDefaultBranch(repo: RepoRef, ctx: CallContext = {}): Promise<string> {
    // Swagger `repoGet` (every Gitea and Forgejo version): Repository.default_branch. A read like the
    // others (conditional when the server sends ETags); no server detection needed for it.
    // Read only to dispatch there, so a missing repository is a refused dispatch, as when the ref is given.
    const name = `${repo.owner}/${repo.repo}`;
    const res = await this.#expect(
      { method: 'GET', path: repoPath(repo), route: '/repos/{owner}/{repo}' },
      purpose('dispatch', `read the default branch of ${name}`),
      ctx,
    );
    const branch = stringField(res.body, 'default_branch');
    if (!branch) {
      throw new ForgeHttpError(
        `The server answered without a default branch for ${name}; give the ref to dispatch on explicitly.`,
      );
    }
    return branch;
  }

  #ensureProfile(ctx: CallContext): Promise<ServerProfile> {
    if (!this.#profile) {
      this.#profile = this.#detect(ctx);
      // A failed detection (network, auth) is not remembered: the next call tries again.
      this.#profile.catch(() => {
        this.#profile = undefined;
      });
    }
    return this.#profile;
  }

  async #detect(ctx: CallContext): Promise<ServerProfile> {
    const detection = purpose('other', 'read the server version');
    const res = await this.#http.send({ method: 'GET', path: '/version', route: '/version' }, detection, ctx);
    if (res.status === 404) {
      throw new InvalidInputError(
        `${this.#urls.apiRoot}/version answered 404, so ${this.#options.baseUrl} is not a Gitea or Forgejo API; give the server's root URL (https://HOST or https://HOST/sub-path).`,
        { input: 'baseUrl', status: 404 },
      );
    }
    if (res.status !== 200) throw this.#http.error(res, detection, ctx);
    let version = stringField(res.body, 'version');
    let kind = this.#options.kind;
    let how = kind ? 'given by the kind option' : 'from the version string';
    kind ??= kindFromVersion(version);
    if (!kind) {
      // Ambiguous version (custom build, old Forgejo `1.21.x-y`): only Forgejo serves /api/forgejo/v1.
      const probe = await this.#http.send(
        { method: 'GET', path: '/version', route: '/api/forgejo/v1/version', root: 'forgejo' },
        detection,
        ctx,
      );
      kind = probe.status === 200 ? 'forgejo' : 'gitea';
      if (kind === 'forgejo') version = stringField(probe.body, 'version') ?? version;
      how = `by probing /api/forgejo/v1/version (${probe.status})`;
    }
    const profile = profileFor(kind, version);
    this.#kind = kind;
    const product = kind === 'forgejo' ? 'Forgejo' : 'Gitea';
    const dispatchHow =
      profile.dispatchMode === 'query-return-run-details'
        ? 'dispatch with ?return_run_details=true (expect 200 with the run id)'
        : profile.dispatchMode === 'body-return-run-info'
          ? 'dispatch with return_run_info: true in the body (expect 201 with the run id)'
          : 'dispatch answers 204 without a run id, so the run is correlated';
    const runsHow =
      profile.runsVia === 'tasks' ? 'runs followed through /actions/tasks' : 'runs read from /actions/runs';
    this.#debug(
      ctx,
      `Detected ${product} ${version ?? '(version unknown)'} ${how}: ${dispatchHow}; ${runsHow}.`,
    );
    return profile;
  }

  // ─── dispatch ───────────────────────────────────────────────────────────────────────────────

  async dispatch(request: ForgeDispatchRequest, ctx: CallContext = {}): Promise<ForgeDispatchResult> {
    if (request.eventType !== undefined) {
      throw new UnsupportedByServerError(
        `repository_dispatch (event type "${request.eventType}") does not exist on Gitea or Forgejo (go-gitea/gitea#24132); dispatch a workflow with workflow_dispatch instead.`,
      );
    }
    if (request.workflow === undefined || String(request.workflow).trim() === '') {
      throw new InvalidInputError(
        'No workflow was given to dispatch; name the workflow file, e.g. build.yml.',
        {
          input: 'workflow',
        },
      );
    }
    if (!request.ref) {
      throw new InvalidInputError('No ref was given to dispatch on; pass a branch or tag, e.g. main.', {
        input: 'ref',
      });
    }
    const profile = await this.#ensureProfile(ctx);
    const { repo, ref } = request;
    const workflow = baseName(String(request.workflow).trim());
    // Gitea's CreateActionWorkflowDispatch.inputs is map[string]string: every value goes as a string.
    const inputs: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.inputs ?? {})) inputs[name] = String(value);

    // The workflow file is read beside the dispatch to warn about inputs Gitea would drop without a
    // word. Inputs of the user's own are always checked; the engine's correlation input alone only
    // where the run will be looked for by it (no run id from this server). Otherwise the file is
    // read only if the dispatch fails, to say whether it exists (one request fewer per dispatch:
    // two or three on Forgejo, which looks in .forgejo/workflows first).
    const readable = this.#options.checkInputs !== false && !/^\d+$/.test(workflow);
    const ownInputs = Object.keys(inputs).filter((name) => name !== request.correlationInput);
    const readNow = readable && (ownInputs.length > 0 || profile.expectedPath === 'none');
    const read = () => this.#readWorkflow(repo, workflow, ref, profile, ctx).catch(() => undefined);
    const check = readNow ? read() : Promise.resolve(undefined);

    const query: Query =
      profile.dispatchMode === 'query-return-run-details' ? { return_run_details: true } : {};
    const body: Record<string, unknown> = { ref, inputs };
    if (profile.dispatchMode === 'body-return-run-info') body.return_run_info = true;
    const route = '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches';
    let notes: string[] = [];
    let warnings: string[] = [];
    let finding: WorkflowFinding | undefined;
    const dispatching = dispatchPurpose({
      owner: repo.owner,
      repo: repo.repo,
      workflow,
      ref,
      // Said only when the file was looked for and is in none of the workflow directories.
      fileFinding: () =>
        finding && finding.path === undefined && notes[0]
          ? lowerFirst(notes[0].replace(/\.$/, ''))
          : undefined,
    });
    let res: HttpResponse;
    try {
      res = await this.#http.send(
        {
          method: 'POST',
          path: `${repoPath(repo)}/actions/workflows/${encodeURIComponent(workflow)}/dispatches`,
          route,
          query,
          body,
        },
        dispatching,
        ctx,
      );
    } catch (error) {
      // No answer at all: the file says nothing about that.
      await check;
      throw error;
    }
    const failed = res.status < 200 || res.status >= 300;
    finding = await (readable && !readNow && failed ? read() : check);
    notes = this.#inputNotes(finding, workflow, ref);
    warnings = this.#inputWarnings(finding, Object.keys(inputs), ref);
    for (const note of [...notes, ...warnings]) this.#debug(ctx, note);
    if (failed) throw this.#http.error(res, dispatching, ctx);
    const result = this.#dispatchResult(res, profile, repo, notes, ctx);
    return warnings.length > 0 ? { ...result, warnings } : result;
  }

  #dispatchResult(
    res: HttpResponse,
    profile: ServerProfile,
    repo: RepoRef,
    notes: string[],
    ctx: CallContext,
  ): ForgeDispatchResult {
    const serverTime = serverTimeOf(res.headers.get('date'));
    const out = (result: ForgeDispatchResult): ForgeDispatchResult => {
      const note = `Dispatch answered ${res.status}: path "${result.path}"${result.runId === undefined ? '' : ` (run ${result.runId})`}.`;
      this.#debug(ctx, note);
      return { ...result, notes: [...(result.notes ?? []), note], ...optional('serverTime', serverTime) };
    };
    const body = (res.body ?? {}) as Raw;
    // Gitea ≥ 1.26: 200 RunDetails {workflow_run_id, run_url, html_url}.
    const runDetailsId = numberField(body, 'workflow_run_id');
    if (runDetailsId !== undefined) {
      return out({
        path: 'run-details',
        runId: runDetailsId,
        runUrl: stringField(body, 'run_url') ?? runApiUrl(this.#urls, repo, runDetailsId),
        ...optional('htmlUrl', stringField(body, 'html_url')),
        notes,
      });
    }
    // Forgejo: 201 DispatchWorkflowRun {id, run_number, jobs}.
    const runInfoId = numberField(body, 'id');
    if (runInfoId !== undefined) {
      const runNumber = numberField(body, 'run_number');
      return out({
        path: 'run-info',
        runId: runInfoId,
        runUrl: runApiUrl(this.#urls, repo, runInfoId),
        htmlUrl: `${this.#urls.webRoot}/${repo.owner}/${repo.repo}/actions/runs/${runNumber ?? runInfoId}`,
        notes,
      });
    }
    const extra: string[] = [];
    if (profile.expectedPath !== 'none') {
      extra.push(
        `The server was asked for the run id (${profile.dispatchMode === 'body-return-run-info' ? 'return_run_info' : 'return_run_details'}) but answered ${res.status} without one; the run will be correlated instead.`,
      );
      for (const note of extra) this.#debug(ctx, note);
    }
    return out({ path: 'none', notes: [...notes, ...extra] });
  }

  /** Reads the workflow file from the server's workflow directories, cached per repo, ref and file. */
  #readWorkflow(
    repo: RepoRef,
    workflow: string,
    ref: string,
    profile: ServerProfile,
    ctx: CallContext,
  ): Promise<WorkflowFinding | undefined> {
    const key = `${repo.owner}/${repo.repo}@${ref}:${workflow}`;
    const now = this.#now();
    const hit = this.#workflowFiles.get(key);
    if (hit && now - hit.at < WORKFLOW_CACHE_MS) return hit.finding;
    const finding = (async (): Promise<WorkflowFinding | undefined> => {
      // The contents API takes a branch, tag or commit name, not a full ref.
      const contentsRef = ref.replace(/^refs\/(heads|tags)\//, '');
      const tried: string[] = [];
      for (const dir of profile.workflowDirs) {
        const path = `${dir}/${workflow}`;
        const res = await this.#http.send(
          {
            method: 'GET',
            path: `${repoPath(repo)}/contents/${path.split('/').map(encodeURIComponent).join('/')}`,
            route: '/repos/{owner}/{repo}/contents/{filepath}',
            query: { ref: contentsRef },
          },
          purpose('other', `read ${path} in ${repo.owner}/${repo.repo}`),
          ctx,
        );
        if (res.status === 404) {
          tried.push(dir);
          continue;
        }
        if (res.status !== 200) return undefined;
        const content = stringField(res.body, 'content');
        if (content === undefined) return undefined;
        const text =
          stringField(res.body, 'encoding') === 'base64'
            ? Buffer.from(content, 'base64').toString('utf8')
            : content;
        const triggers = readTriggers(text);
        return { path, dirsTried: tried, ...(triggers ? { triggers } : {}) };
      }
      return { dirsTried: tried };
    })();
    this.#workflowFiles.set(key, { at: now, finding });
    finding.then(
      (value) => {
        if (value === undefined) this.#workflowFiles.delete(key);
      },
      () => this.#workflowFiles.delete(key),
    );
    return finding;
  }

  /** What reading the workflow file said about the dispatch itself (kept as notes). */
  #inputNotes(finding: WorkflowFinding | undefined, workflow: string, ref: string): string[] {
    if (!finding) return [];
    if (finding.path === undefined) {
      return [`${workflow} was not found in ${finding.dirsTried.join(' or ')} on "${ref}".`];
    }
    if (finding.triggers && !finding.triggers.workflowDispatch) {
      return [
        `${finding.path} on "${ref}" has no workflow_dispatch trigger, so the server will refuse the dispatch.`,
      ];
    }
    return [];
  }

  /**
   * Inputs the file does not declare: the dispatch succeeds, but Gitea drops them without a word, so
   * the user must hear it (a warning, which no quiet mode hides), with the fix.
   */
  #inputWarnings(finding: WorkflowFinding | undefined, sent: string[], ref: string): string[] {
    if (!finding?.path || !finding.triggers?.workflowDispatch) return [];
    const extra = undeclaredInputs(sent, finding.triggers);
    if (extra.length === 0) return [];
    const names = extra.map((name) => `"${name}"`).join(', ');
    return [
      `${finding.path} on "${ref}" does not declare the input${extra.length > 1 ? 's' : ''} ${names}; Gitea drops undeclared inputs silently, so declare ${extra.length > 1 ? 'them' : 'it'} under on.workflow_dispatch.inputs.`,
    ];
  }

  // ─── runs ───────────────────────────────────────────────────────────────────────────────────

  async getRun(repo: RepoRef, runId: number, ctx: CallContext = {}): Promise<Run> {
    const profile = await this.#ensureProfile(ctx);
    if (profile.runsVia === 'tasks') {
      const group = await this.#findTaskGroup(repo, runId, ctx);
      return runFromTasks(group, this.#urls, repo);
    }
    const reading = purpose('run', `read run ${runId} of ${repo.owner}/${repo.repo}`);
    const res = await this.#http.send(
      {
        method: 'GET',
        path: `${repoPath(repo)}/actions/runs/${runId}`,
        route: '/repos/{owner}/{repo}/actions/runs/{run_id}',
      },
      reading,
      ctx,
    );
    if (res.status === 404) throw this.#runNotFound(repo, runId);
    if (res.status !== 200) throw this.#http.error(res, reading, ctx);
    return mapRun(asRaw(res.body), this.#urls, repo);
  }

  async listRuns(repo: RepoRef, filter: ListRunsFilter, ctx: CallContext = {}): Promise<RunPage> {
    const profile = await this.#ensureProfile(ctx);
    const limit = Math.max(1, Math.min(MAX_LIMIT, filter.perPage ?? 30));
    const page = Math.max(1, filter.page ?? 1);
    let runs: Run[];
    let hasMore: boolean;
    if (profile.runsVia === 'tasks') {
      // A run spans several tasks, so read task pages at the largest size to see whole runs.
      const res = await this.#readTasks(repo, page, MAX_LIMIT, ctx);
      const tasks = listField(res.body, 'workflow_runs');
      runs = groupTasks(tasks).map((group) => runFromTasks(group, this.#urls, repo));
      hasMore = morePages(res.body, page, MAX_LIMIT, tasks.length);
    } else {
      const query: Record<string, string | number | undefined> = { page, limit, event: filter.event };
      if (profile.kind === 'forgejo') {
        // Forgejo filters by workflow file (ListActionRuns `workflow_id`); Gitea's /actions/runs cannot.
        if (typeof filter.workflow === 'string') query.workflow_id = baseName(filter.workflow);
      } else {
        query.branch = filter.branch;
      }
      const res = await this.#expect(
        {
          method: 'GET',
          path: `${repoPath(repo)}/actions/runs`,
          route: '/repos/{owner}/{repo}/actions/runs',
          query,
        },
        purpose('run', `list the runs of ${repo.owner}/${repo.repo}`),
        ctx,
      );
      const raw = listField(res.body, 'workflow_runs');
      runs = raw.map((item) => mapRun(item, this.#urls, repo));
      hasMore = morePages(res.body, page, limit, raw.length);
    }
    return { runs: runs.filter((run) => matches(run, filter)), hasMore };
  }

  async listJobs(
    repo: RepoRef,
    runId: number,
    ctx: CallContext = {},
    attempt?: number,
  ): Promise<readonly Job[]> {
    const profile = await this.#ensureProfile(ctx);
    if (profile.runsVia === 'tasks') {
      // Jobs without steps, built from the run's tasks (the only source on Gitea 1.24).
      return jobsFromTasks(await this.#findTaskGroup(repo, runId, ctx));
    }
    const base = `${repoPath(repo)}/actions/runs/${runId}`;
    // `/jobs` lists the latest attempt, which is what callers pass almost always (core passes the
    // run's current attempt). The attempts route (Gitea 1.27 swagger; not in 1.25, not on Forgejo)
    // is only asked for attempt > 1, and a 404 there falls back to `/jobs` for this instance.
    const useAttempts =
      attempt !== undefined && attempt > 1 && profile.kind === 'gitea' && this.#attemptsRoute !== false;
    if (useAttempts) {
      const jobs = await this.#readJobs(
        repo,
        runId,
        `${base}/attempts/${attempt}/jobs`,
        '/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt}/jobs',
        ctx,
      ).catch((error: unknown) => {
        if ((error as { code?: string }).code !== 'RUN_NOT_FOUND') throw error;
        this.#attemptsRoute = false;
        return undefined;
      });
      if (jobs) {
        this.#attemptsRoute = true;
        return jobs;
      }
    }
    const jobs = await this.#readJobs(
      repo,
      runId,
      `${base}/jobs`,
      '/repos/{owner}/{repo}/actions/runs/{run_id}/jobs',
      ctx,
    );
    if (profile.kind === 'forgejo') return this.#withSteps(repo, jobs, ctx);
    return jobs;
  }

  async #readJobs(
    repo: RepoRef,
    runId: number,
    path: string,
    route: string,
    ctx: CallContext,
  ): Promise<Job[]> {
    const jobs: Job[] = [];
    const listing = purpose('run', `list the jobs of run ${runId} of ${repo.owner}/${repo.repo}`);
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.#http.send(
        { method: 'GET', path, route, query: { page, limit: MAX_LIMIT } },
        listing,
        ctx,
      );
      if (res.status === 404) throw this.#runNotFound(repo, runId);
      if (res.status !== 200) throw this.#http.error(res, listing, ctx);
      // Forgejo answers a bare, unpaged array. Gitea's swagger names the list `jobs`
      // (ActionWorkflowJobsResponse); GitHub-shaped answers use `workflow_jobs`.
      if (Array.isArray(res.body)) {
        jobs.push(...listItems(res.body).map((item) => mapJob(item, runId)));
        break;
      }
      const raw = listField(res.body, 'jobs', 'workflow_jobs');
      jobs.push(...raw.map((item) => mapJob(item, runId)));
      if (!morePages(res.body, page, MAX_LIMIT, raw.length)) break;
    }
    return jobs;
  }

  /**
   * Forgejo lists jobs without steps. Steps (for step-name correlation and failed-step reports) are
   * read from `/actions/jobs/{id}` for each started job; a finished job's are read once and kept,
   * since it no longer changes. Costs one request per running job per listing.
   */
  async #withSteps(repo: RepoRef, jobs: Job[], ctx: CallContext): Promise<Job[]> {
    return Promise.all(
      jobs.map(async (job) => {
        if (job.status === 'queued' || job.steps.length > 0) return job;
        const key = `${repo.owner}/${repo.repo}:${job.id}`;
        // A read refreshes recency, so the jobs still being listed are the last ones dropped.
        let detail = this.#finishedJobs.get(key);
        if (!detail || job.status !== 'completed') {
          const res = await this.#http.send(
            {
              method: 'GET',
              path: `${repoPath(repo)}/actions/jobs/${job.id}`,
              route: '/repos/{owner}/{repo}/actions/jobs/{job_id}',
            },
            purpose('run', `read job ${job.id} of ${repo.owner}/${repo.repo}`),
            ctx,
          );
          if (res.status !== 200) return job;
          detail = mapJob(asRaw(res.body), job.runId);
          if (detail.status === 'completed') this.#finishedJobs.set(key, detail);
        }
        return { ...job, steps: detail.steps };
      }),
    );
  }

  async cancelRun(repo: RepoRef, runId: number, ctx: CallContext = {}): Promise<CancelOutcome> {
    const profile = await this.#ensureProfile(ctx);
    if (!profile.cancel) {
      const product = profile.kind === 'forgejo' ? 'Forgejo' : 'Gitea';
      throw new UnsupportedByServerError(
        `${product} has no API to cancel a run, so run ${runId} of ${repo.owner}/${repo.repo} was not cancelled; cancel it in the web UI.`,
      );
    }
    const cancelling: Purpose = {
      op: { kind: 'run', write: true },
      action: `cancel run ${runId} of ${repo.owner}/${repo.repo}`,
    };
    // Cancelling is idempotent (a finished run stays as it was), so it is retried like a read.
    const res = await this.#http.send(
      {
        method: 'POST',
        path: `${repoPath(repo)}/actions/runs/${runId}/cancel`,
        route: '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel',
        retry: 'safe',
      },
      cancelling,
      ctx,
    );
    if (res.status === 404) throw this.#runNotFound(repo, runId);
    // A run that has already finished cannot be cancelled (409, as on GitHub): nothing to do.
    if (res.status === 409) return 'already-completed';
    if (res.status >= 300) throw this.#http.error(res, cancelling, ctx);
    return 'requested';
  }

  async getJobLog(repo: RepoRef, jobId: number, ctx: CallContext = {}, maxBytes?: number): Promise<string> {
    const profile = await this.#ensureProfile(ctx);
    if (!profile.jobLogs) {
      const server = `${profile.kind === 'forgejo' ? 'Forgejo' : 'Gitea'} ${profile.version ?? ''}`.trim();
      const since = profile.kind === 'forgejo' ? 'Forgejo 16' : 'Gitea 1.25';
      throw new UnsupportedByServerError(
        `${server} has no API for job logs (${since} has), so the log of job ${jobId} cannot be read; open the run in the web UI.`,
      );
    }
    const res = await this.#expect(
      {
        method: 'GET',
        path: `${repoPath(repo)}/actions/jobs/${jobId}/logs`,
        route: '/repos/{owner}/{repo}/actions/jobs/{job_id}/logs',
        responseType: 'text',
      },
      {
        ...purpose('run', `read the log of job ${jobId} of ${repo.owner}/${repo.repo}`),
        say: (c) =>
          c.situation === 'not-found'
            ? `Job ${jobId} of ${repo.owner}/${repo.repo} has no log (yet), or the job does not exist.`
            : undefined,
      },
      ctx,
    );
    return tailBytes(typeof res.body === 'string' ? res.body : '', maxBytes);
  }

  // ─── artifacts ──────────────────────────────────────────────────────────────────────────────

  async listArtifacts(repo: RepoRef, runId: number, ctx: CallContext = {}): Promise<readonly Artifact[]> {
    const profile = await this.#ensureProfile(ctx);
    if (!profile.artifacts) throw this.#noArtifacts(profile, runId);
    const forgejo = profile.kind === 'forgejo';
    const listing = purpose('run', `list the artifacts of run ${runId} of ${repo.owner}/${repo.repo}`);
    const artifacts: Artifact[] = [];
    // Gitea GetArtifactsOfRun: `{ total_count, artifacts }` (ActionArtifactsResponse), paged by
    // utils.GetListOptions (page, limit ≤ 50); Forgejo ListActionRunArtifacts: a bare array with
    // X-Total-Count and Link.
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.#http.send(
        {
          method: 'GET',
          path: `${repoPath(repo)}/actions/runs/${runId}/artifacts`,
          route: '/repos/{owner}/{repo}/actions/runs/{run}/artifacts',
          query: { page, limit: MAX_LIMIT },
        },
        listing,
        ctx,
      );
      if (res.status === 404) throw this.#runNotFound(repo, runId);
      if (res.status !== 200) throw this.#http.error(res, listing, ctx);
      const raw = Array.isArray(res.body) ? listItems(res.body) : listField(res.body, 'artifacts');
      artifacts.push(...raw.map((item) => mapArtifact(item, forgejo)));
      const total = Number(res.headers.get('x-total-count') ?? Number.NaN);
      const more = Number.isFinite(total)
        ? page * MAX_LIMIT < total
        : morePages(res.body, page, MAX_LIMIT, raw.length);
      if (!more || raw.length === 0) break;
    }
    return artifacts;
  }

  async downloadArtifact(
    repo: RepoRef,
    artifact: Pick<Artifact, 'id' | 'name'>,
    ctx: CallContext = {},
    maxBytes?: number,
  ): Promise<Uint8Array> {
    const profile = await this.#ensureProfile(ctx);
    if (!profile.artifacts) throw this.#noArtifacts(profile);
    const product = this.#product();
    const what = `artifact "${artifact.name}" (${artifact.id}) of ${repo.owner}/${repo.repo}`;
    const downloading = purpose('run', `download ${what}`);
    const limit = {
      ...(maxBytes !== undefined ? { maxBytes } : {}),
      tooLarge: (max: number) =>
        new ArtifactError(
          'too-large',
          `The zip of ${what} is larger than ${max} bytes; the download stopped there.`,
          {
            artifact: artifact.name,
          },
        ),
    };
    // Gitea DownloadArtifact: 302 to a signed `…/zip/raw?sig=…&expires=…` URL (or to object storage
    // with SERVE_DIRECT), fetched here without the token; Forgejo DownloadActionArtifact: 200 with
    // the zip itself.
    let res = await this.#http.send(
      {
        method: 'GET',
        path: `${repoPath(repo)}/actions/artifacts/${artifact.id}/zip`,
        route: '/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/zip',
        responseType: 'bytes',
        redirect: 'manual',
        ...limit,
      },
      downloading,
      ctx,
    );
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      res = await this.#http.download(new URL(location, this.#urls.apiRoot).href, downloading, ctx, limit);
    }
    if (res.status === 404) {
      // Gitea: "Artifact has expired"; Forgejo: "artifact not confirmed" (its status is no longer
      // upload-confirmed, which is what expiry sets).
      const said = stringField(res.body, 'message') ?? '';
      const expired = /expired|not confirmed/i.test(said);
      throw new ArtifactError(
        expired ? 'expired' : 'not-found',
        expired
          ? `${product} no longer keeps ${what} (404: ${said}); run the workflow again to produce it.`
          : `${product} has no ${what} (404), or the token cannot read it.`,
        { status: 404, artifact: artifact.name },
      );
    }
    if (res.status !== 200 || !(res.body instanceof Uint8Array))
      throw this.#http.error(res, downloading, ctx);
    return res.body;
  }

  #noArtifacts(profile: ServerProfile, runId?: number): UnsupportedByServerError {
    const server = `${profile.kind === 'forgejo' ? 'Forgejo' : 'Gitea'} ${profile.version ?? ''}`.trim();
    const since = profile.kind === 'forgejo' ? 'Forgejo 16' : 'Gitea 1.25';
    const of = runId === undefined ? 'its artifacts' : `the artifacts of run ${runId}`;
    return new UnsupportedByServerError(
      `${server} has no API for ${of} that xrd can use (${since} has), so they cannot be listed or downloaded; open the run in the web UI.`,
    );
  }

  // ─── reporting ──────────────────────────────────────────────────────────────────────────────

  async setCommitStatus(
    repo: RepoRef,
    sha: string,
    status: CommitStatusInput,
    ctx: CallContext = {},
  ): Promise<void> {
    // A commit status is idempotent per context (the newest wins), so it is retried like a read.
    await this.#expect(
      {
        method: 'POST',
        path: `${repoPath(repo)}/statuses/${encodeURIComponent(sha)}`,
        route: '/repos/{owner}/{repo}/statuses/{sha}',
        retry: 'safe',
        body: {
          state: status.state,
          context: status.context,
          ...optional(
            'description',
            status.description === undefined ? undefined : truncate(status.description),
          ),
          ...optional('target_url', status.targetUrl),
        },
      },
      {
        op: { kind: 'report', write: true },
        action: `set the commit status "${status.context}" on ${sha.slice(0, 12)} in ${repo.owner}/${repo.repo}`,
      },
      ctx,
      [200, 201],
    );
  }

  async listCommitStatuses(
    repo: RepoRef,
    sha: string,
    ctx: CallContext = {},
  ): Promise<readonly CommitStatus[]> {
    // Swagger `repoListStatuses` (every Gitea and Forgejo version): takes the sha as it is, where
    // `/commits/{ref}/statuses` would first resolve a ref and 404 on a commit the repo lacks. Newest
    // first by default; paged with `page` + `limit` (≤ 50) and `X-Total-Count`.
    const statuses: CommitStatus[] = [];
    const listing = purpose(
      'report',
      `list the commit statuses of ${sha.slice(0, 12)} in ${repo.owner}/${repo.repo}`,
    );
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.#expect(
        {
          method: 'GET',
          path: `${repoPath(repo)}/statuses/${encodeURIComponent(sha)}`,
          route: '/repos/{owner}/{repo}/statuses/{sha}',
          query: { page, limit: MAX_LIMIT },
        },
        listing,
        ctx,
      );
      const raw = Array.isArray(res.body) ? listItems(res.body) : [];
      statuses.push(...raw.map(mapCommitStatus));
      const total = Number(res.headers.get('x-total-count') ?? Number.NaN);
      const more = Number.isFinite(total) ? page * MAX_LIMIT < total : raw.length >= MAX_LIMIT;
      if (!more || raw.length === 0) break;
    }
    return statuses;
  }

  async upsertComment(
    repo: RepoRef,
    issueNumber: number,
    marker: string,
    body: string,
    ctx: CallContext = {},
    options: UpsertCommentOptions = {},
  ): Promise<CommentResult> {
    // One update at a time per issue and marker, so two concurrent updates cannot both create it.
    const key = `${repo.owner}/${repo.repo}#${issueNumber}:${marker}`;
    const previous = this.#commentLocks.get(key) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => this.#upsertComment(repo, issueNumber, marker, body, ctx, options.knownId));
    this.#commentLocks.set(key, next);
    try {
      return await next;
    } finally {
      if (this.#commentLocks.get(key) === next) this.#commentLocks.delete(key);
    }
  }

  async #upsertComment(
    repo: RepoRef,
    issueNumber: number,
    marker: string,
    body: string,
    ctx: CallContext,
    knownId: number | undefined,
  ): Promise<CommentResult> {
    const text = body.includes(marker) ? body : `${body}\n\n${marker}`;
    const where = `#${issueNumber} of ${repo.owner}/${repo.repo}`;
    const edit = async (id: number, htmlUrlBefore?: string): Promise<CommentResult> => {
      // issueEditComment answers 200 with the comment, or 204 (swagger). Editing is idempotent.
      const res = await this.#expect(
        {
          method: 'PATCH',
          path: `${repoPath(repo)}/issues/comments/${id}`,
          route: '/repos/{owner}/{repo}/issues/comments/{id}',
          body: { body: text },
          retry: 'safe',
        },
        { op: { kind: 'report', write: true }, action: `edit comment ${id} on ${where}` },
        ctx,
        [200, 204],
      );
      const htmlUrl = stringField(res.body, 'html_url') ?? htmlUrlBefore;
      return { id, created: false, ...optional('htmlUrl', htmlUrl) };
    };
    const findOrCreate = async (): Promise<CommentResult> => {
      // issueGetComments (swagger) answers every comment at once; it takes no page or limit.
      const list = await this.#expect(
        {
          method: 'GET',
          path: `${repoPath(repo)}/issues/${issueNumber}/comments`,
          route: '/repos/{owner}/{repo}/issues/{index}/comments',
        },
        purpose('report', `list the comments of ${where}`),
        ctx,
      );
      const comments = Array.isArray(list.body) ? (list.body as Raw[]) : [];
      const existing = comments.filter((comment) => stringField(comment, 'body')?.includes(marker)).at(-1);
      const existingId = existing ? numberField(existing, 'id') : undefined;
      if (existingId !== undefined) return edit(existingId, stringField(existing, 'html_url'));
      // Creating is retried only after a certain rejection: a lost answer could leave two comments.
      const res = await this.#expect(
        {
          method: 'POST',
          path: `${repoPath(repo)}/issues/${issueNumber}/comments`,
          route: '/repos/{owner}/{repo}/issues/{index}/comments',
          body: { body: text },
          retry: 'rejections-only',
        },
        { op: { kind: 'report', write: true }, action: `comment on ${where}` },
        ctx,
        [200, 201],
      );
      const id = numberField(res.body, 'id');
      if (id === undefined) throw new ForgeHttpError(`Commenting on ${where} answered without a comment id.`);
      return { id, created: true, ...optional('htmlUrl', stringField(res.body, 'html_url')) };
    };
    return editKnownComment(knownId, (id) => edit(id), findOrCreate, ctx);
  }

  // ─── helpers ────────────────────────────────────────────────────────────────────────────────

  #readTasks(repo: RepoRef, page: number, limit: number, ctx: CallContext): Promise<HttpResponse> {
    return this.#expect(
      {
        method: 'GET',
        path: `${repoPath(repo)}/actions/tasks`,
        route: '/repos/{owner}/{repo}/actions/tasks',
        query: { page, limit },
      },
      purpose('run', `list the action tasks of ${repo.owner}/${repo.repo}`),
      ctx,
    );
  }

  /** Sends, and turns any status but `ok` into the classified error. */
  async #expect(
    spec: RequestSpec,
    purpose: Purpose,
    ctx: CallContext,
    ok: readonly number[] = [200],
  ): Promise<HttpResponse> {
    const res = await this.#http.send(spec, purpose, ctx);
    if (!ok.includes(res.status)) throw this.#http.error(res, purpose, ctx);
    return res;
  }

  /** Gitea 1.24: finds the tasks of run number `runNumber` by paging the newest-first task list. */
  async #findTaskGroup(repo: RepoRef, runNumber: number, ctx: CallContext): Promise<TaskGroup> {
    const tasks: Raw[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.#readTasks(repo, page, MAX_LIMIT, ctx);
      const raw = listField(res.body, 'workflow_runs');
      tasks.push(...raw.filter((task) => numberField(task, 'run_number') === runNumber));
      const numbers = raw.map((task) => numberField(task, 'run_number') ?? 0);
      // Tasks are listed newest first (by task id, i.e. by when a runner took the job). Once a page
      // reaches runs older than ours after we found some of its tasks, or holds only older runs,
      // the rest of our run's tasks are behind us.
      const reachedOlder = numbers.length > 0 && Math.min(...numbers) < runNumber && tasks.length > 0;
      const olderOnly = numbers.length > 0 && Math.max(...numbers) < runNumber;
      if (reachedOlder || olderOnly || !morePages(res.body, page, MAX_LIMIT, raw.length)) break;
    }
    const group = groupTasks(tasks)[0];
    if (!group) throw this.#runNotFound(repo, runNumber, true);
    return group;
  }

  #runNotFound(repo: RepoRef, runId: number, tasks = false): RunNotFoundError {
    const why = tasks
      ? ' (Gitea 1.24 lists a run in /actions/tasks only once a runner has picked up one of its jobs)'
      : '';
    return new RunNotFoundError(`Run ${runId} was not found in ${repo.owner}/${repo.repo}${why}.`, {
      status: 404,
    });
  }

  #debug(ctx: CallContext, message: string): void {
    ctx.debug?.(redact(message, [this.#options.token]));
  }
}

function asRaw(body: unknown): Raw {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Raw) : {};
}

function stringField(body: unknown, key: string): string | undefined {
  const value = asRaw(body)[key];
  return typeof value === 'string' ? value : undefined;
}

function numberField(body: unknown, key: string): number | undefined {
  const value = asRaw(body)[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function listItems(value: unknown[]): Raw[] {
  return value.filter((item): item is Raw => !!item && typeof item === 'object');
}

function listField(body: unknown, ...keys: string[]): Raw[] {
  for (const key of keys) {
    const value = asRaw(body)[key];
    if (Array.isArray(value)) return listItems(value);
  }
  return [];
}

/** Whether a further page exists: `total_count` when the server sends it, else a full page. */
function morePages(body: unknown, page: number, limit: number, received: number): boolean {
  const total = numberField(body, 'total_count');
  if (total !== undefined) return page * limit < total;
  return received >= limit;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Core re-checks every filter; the adapter applies the ones the server could not. */
function matches(run: Run, filter: ListRunsFilter): boolean {
  if (filter.workflow !== undefined && typeof filter.workflow === 'string' && run.workflowId !== undefined) {
    if (baseName(String(run.workflowId)) !== baseName(filter.workflow)) return false;
  }
  if (filter.event !== undefined && run.event !== undefined && run.event !== filter.event) return false;
  if (filter.branch !== undefined && run.headBranch !== undefined) {
    const branch = run.headBranch.replace(/^refs\/heads\//, '');
    if (branch !== filter.branch.replace(/^refs\/heads\//, '')) return false;
  }
  if (filter.status !== undefined && run.status !== filter.status) return false;
  if (filter.createdAfter !== undefined && run.createdAt !== '') {
    if (Date.parse(run.createdAt) < Date.parse(filter.createdAfter)) return false;
  }
  return true;
}

/**
 * Gitea stores descriptions of any length but shows one line; 140 characters keeps parity with
 * GitHub (GHES rejects longer ones), so a report reads the same on every forge.
 */
const COMMIT_STATES: readonly CommitState[] = [
  'pending',
  'success',
  'error',
  'failure',
  'warning',
  'skipped',
];

/** Gitea's CommitStatus names the state `status` (swagger); older answers also carry `state`. */
function mapCommitStatus(raw: Raw): CommitStatus {
  const given = stringField(raw, 'status') ?? stringField(raw, 'state');
  const state = COMMIT_STATES.find((s) => s === given) ?? 'error';
  const description = stringField(raw, 'description');
  const targetUrl = stringField(raw, 'target_url');
  const createdAt = stringField(raw, 'created_at');
  return {
    state,
    context: stringField(raw, 'context') ?? '',
    // Gitea sends "" for an unset description or target URL: the same as none.
    ...optional('description', description === '' ? undefined : description),
    ...optional('targetUrl', targetUrl === '' ? undefined : targetUrl),
    ...optional('createdAt', createdAt),
    ...optional('id', numberField(raw, 'id')),
  };
}

/**
 * Gitea's ActionArtifact (modules/structs: `workflow_run` holds the run's id) or Forgejo 16's
 * (`run_id`, no `url`). Gitea's web route `/{owner}/{repo}/actions/runs/{run}/artifacts/{name}`
 * (routers/web/web.go ArtifactsDownloadView) downloads it in a browser.
 */
function mapArtifact(raw: Raw, forgejo: boolean): Artifact {
  const name = stringField(raw, 'name') ?? '';
  const createdAt = stringField(raw, 'created_at');
  const expiresAt = stringField(raw, 'expires_at');
  return {
    id: numberField(raw, 'id') ?? 0,
    name,
    sizeInBytes: numberField(raw, 'size_in_bytes') ?? 0,
    expired: asRaw(raw).expired === true,
    ...optional('createdAt', createdAt),
    ...optional('expiresAt', expiresAt),
    archiveDownloadUrl: stringField(raw, 'archive_download_url') ?? '',
    ...(forgejo ? {} : { runPagePath: `artifacts/${encodeURIComponent(name)}` }),
  };
}

/** What a read is for: the one classification reads a 404 by it. */
function purpose(kind: Operation['kind'], action: string): Purpose {
  return { op: { kind, write: false }, action };
}
