// An in-memory Forge for tests, demos and benchmarks. Runs are functions of time (the `now` you
// give it): a run appears some time after its dispatch, starts later, ends later still. It can stage
// what real forges do to a client: late runs, noise runs of other workflows, events and refs, many
// concurrent dispatches, failing and cancelled runs, 5xx and rate-limit answers, a lost answer to a
// dispatch; and it records every call, so tests can assert "dispatched exactly once".
import {
  AbortedError,
  ArtifactError,
  DispatchRejectedError,
  ForgeHttpError,
  RateLimitedError,
  RunNotFoundError,
  UnsupportedByServerError,
} from '../errors.js';
import type {
  Artifact,
  CallContext,
  CommentResult,
  CommitStatus,
  CommitStatusInput,
  Forge,
  ForgeCapabilities,
  ForgeDispatchRequest,
  ForgeDispatchResult,
  ForgeKind,
  Job,
  ListRunsFilter,
  RepoRef,
  Run,
  RunConclusion,
  RunPage,
  RunStatus,
  Step,
} from '../types.js';

export interface MemoryJobSpec {
  readonly name: string;
  /** Step names; `${{ … }}` templates are rendered (step-name correlation). Default `['Run']`. */
  readonly steps?: readonly string[];
  /** Default: the run's duration. */
  readonly durationMs?: number;
  /** Default: the run's conclusion (a failing run fails its first job unless `failJob` says). */
  readonly conclusion?: RunConclusion;
  /** The step that fails when the job fails. Default: the last step. */
  readonly failStep?: string;
  readonly log?: readonly string[];
}

/** An artifact a run uploads when it completes: a zip archive (tests build one). */
export interface MemoryArtifactSpec {
  readonly name: string;
  readonly zip: Uint8Array;
  /** Listed as expired: downloading it fails as the forges' 410 / 404 do. */
  readonly expired?: boolean;
  /** `sha256:<hex>`, as github.com lists it; default none. */
  readonly digest?: string;
}

export interface MemoryWorkflowSpec {
  /** `owner/name`. */
  readonly repo: string;
  /** `build.yml`. */
  readonly file: string;
  readonly id?: number;
  readonly name?: string;
  /** Triggers. Default: workflow_dispatch only. `repository_dispatch: true` accepts any type. */
  readonly on?: {
    readonly workflow_dispatch?: boolean;
    readonly repository_dispatch?: boolean | { readonly types?: readonly string[] };
  };
  /** `run-name` template: `${{ inputs.x }}`, `${{ github.event.client_payload.x }}`, `${{ github.ref_name }}`. */
  readonly runName?: string;
  readonly jobs?: readonly MemoryJobSpec[];
  /** Dispatch → run listed (queued). Default 1 000. */
  readonly appearAfterMs?: number;
  /** Listed → in_progress. Default 1 000. */
  readonly startAfterMs?: number;
  /** in_progress → completed. Default 3 000. */
  readonly durationMs?: number;
  readonly conclusion?: RunConclusion;
  /** With a failing conclusion: the job that fails. */
  readonly failJob?: string;
  /** What each run uploads; the artifacts appear when the run completes. */
  readonly artifacts?: readonly MemoryArtifactSpec[];
}

/** Per-run overrides for the next dispatches of a workflow, consumed in order. */
export interface MemoryRunScript {
  readonly appearAfterMs?: number;
  readonly startAfterMs?: number;
  readonly durationMs?: number;
  readonly conclusion?: RunConclusion;
  readonly failJob?: string;
  /** Replaces the workflow's artifacts for this run. */
  readonly artifacts?: readonly MemoryArtifactSpec[];
}

/** A run staged directly (noise: other workflows, events, refs; or history to learn from). */
export interface MemoryRunSpec {
  readonly repo: string;
  /** Workflow file; it need not be registered. */
  readonly workflow: string;
  readonly event?: string;
  readonly branch?: string;
  readonly displayTitle?: string;
  /** Epoch ms. Default now. */
  readonly createdAt?: number;
  readonly startAfterMs?: number;
  readonly durationMs?: number;
  readonly conclusion?: RunConclusion;
  /** With a failing conclusion: the job that fails (default the first). */
  readonly failJob?: string;
  readonly jobs?: readonly MemoryJobSpec[];
  readonly inputs?: Readonly<Record<string, string>>;
  readonly clientPayload?: Readonly<Record<string, unknown>>;
  readonly artifacts?: readonly MemoryArtifactSpec[];
}

export type MemoryFault =
  /** Dispatch only: the run is created, then the answer is lost (ForgeHttpError, ambiguous). */
  | { readonly kind: 'lose-answer' }
  /** A 5xx answer; nothing happens on the server. On dispatch it is ambiguous, as on a real forge. */
  | { readonly kind: '5xx'; readonly status?: number }
  /** A rate-limit answer with a retry time `retryAfterMs` from now (default 30 000). */
  | { readonly kind: 'rate-limit'; readonly retryAfterMs?: number }
  /** Any error you like. */
  | { readonly kind: 'error'; readonly error: Error };

export type MemoryMethod =
  | 'capabilities'
  | 'getDefaultBranch'
  | 'dispatch'
  | 'getRun'
  | 'listRuns'
  | 'listJobs'
  | 'cancelRun'
  | 'getJobLog'
  | 'listArtifacts'
  | 'downloadArtifact'
  | 'setCommitStatus'
  | 'listCommitStatuses'
  | 'upsertComment';

export interface MemoryCall {
  readonly method: MemoryMethod;
  /** Virtual time of the call. */
  readonly at: number;
  readonly args: readonly unknown[];
}

export interface MemoryForgeOptions {
  /** The forge lists job steps (false: like Gitea 1.24, no step-name correlation). Default true. */
  readonly jobsApi?: boolean;
  /** The clock the runs live on (use `createVirtualClock().now` in tests). */
  readonly now: () => number;
  readonly kind?: ForgeKind;
  /** Whether a workflow dispatch answers with the run id. Default false. */
  readonly returnsRunId?: boolean;
  readonly workflows?: readonly MemoryWorkflowSpec[];
  /** Behave like an adapter that ignores list filters (core must re-check every field). */
  readonly ignoreFilters?: boolean;
  /** Answer unchanged reads of a run or a list of runs as 304 (free). Default true. */
  readonly conditional?: boolean;
  /** What `capabilities().listingDelayMs` says (how soon after a dispatch correlation looks first). */
  readonly listingDelayMs?: number;
  /** Primary rate limit; when spent, calls fail with RateLimitedError until reset. */
  readonly rateLimit?: { readonly limit: number; readonly remaining: number; readonly resetAt: number };
  /** Largest page size. Default 100 (GitHub), 50 on gitea/forgejo. */
  readonly maxPerPage?: number;
  /** The forge has an artifacts API for runs (false: like Gitea 1.24 or Forgejo 15). Default true. */
  readonly artifacts?: boolean;
  /** Web root for html URLs. Default https://forge.test */
  readonly webUrl?: string;
  /**
   * What `getDefaultBranch` answers: one branch for every repository, or per `owner/repo` (a repo
   * missing from the map rejects with 404, as an unknown repository does). Default `main`.
   */
  readonly defaultBranch?: string | Readonly<Record<string, string>>;
}

interface JobRecord {
  readonly id: number;
  readonly spec: MemoryJobSpec;
  readonly steps: readonly string[];
  readonly durationMs: number;
  readonly conclusion: RunConclusion;
}

interface RunRecord {
  readonly id: number;
  readonly runNumber: number;
  readonly repo: string;
  readonly workflowFile: string;
  readonly workflowId: number;
  readonly name: string;
  readonly event: string;
  readonly branch: string;
  readonly displayTitle: string;
  readonly createdAt: number;
  startAt: number;
  endAt: number;
  conclusion: RunConclusion;
  /** Visible through getRun before it is listed (the dispatch answered with its id). */
  knownById: boolean;
  readonly jobs: JobRecord[];
  readonly artifacts: readonly { readonly id: number; readonly spec: MemoryArtifactSpec }[];
}

export interface MemoryForge extends Forge {
  /** Every call so far, in order. */
  readonly calls: readonly MemoryCall[];
  callCount(method: MemoryMethod): number;
  /** Makes the next `count` calls of `method` (after `skip` successful ones) fail with `fault`. */
  fail(
    method: MemoryMethod,
    fault: MemoryFault,
    options?: { readonly count?: number; readonly skip?: number },
  ): void;
  addWorkflow(spec: MemoryWorkflowSpec): void;
  /** Outcomes for the next runs of a workflow, consumed in order. */
  script(repo: string, file: string, runs: readonly MemoryRunScript[]): void;
  /** Stages a run directly; returns its id. */
  addRun(spec: MemoryRunSpec): number;
  /** Every run (listed or not yet), as the forge would show it now. */
  runs(): readonly Run[];
  /** Completes a run now with `conclusion`. */
  finishRun(runId: number, conclusion: RunConclusion): void;
  readonly statuses: readonly {
    readonly repo: string;
    readonly sha: string;
    readonly status: CommitStatusInput;
  }[];
  readonly comments: readonly {
    readonly repo: string;
    readonly issue: number;
    readonly id: number;
    readonly body: string;
  }[];
  setRateLimit(
    limit: { readonly limit: number; readonly remaining: number; readonly resetAt: number } | undefined,
  ): void;
}

const DEFAULTS = { appearAfterMs: 1_000, startAfterMs: 1_000, durationMs: 3_000 } as const;

const key = (repo: RepoRef): string => `${repo.owner}/${repo.repo}`;
const iso = (ms: number): string => new Date(ms).toISOString();

/** A GitHub Actions expression, `${{ path }}`, for templates in tests (run-name, step names). */
export function expr(path: string): string {
  return `\${{ ${path} }}`;
}

/** Renders `${{ expr }}` templates against inputs, client_payload and the ref. */
export function renderTemplate(
  template: string,
  context: {
    inputs?: Readonly<Record<string, string>>;
    clientPayload?: Readonly<Record<string, unknown>>;
    ref: string;
  },
): string {
  return template.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    const path = expr.trim();
    const inputName = /^(?:github\.event\.)?inputs\.([A-Za-z0-9_-]+)$/.exec(path)?.[1];
    if (inputName !== undefined) return context.inputs?.[inputName] ?? '';
    const payloadName = /^github\.event\.client_payload\.([A-Za-z0-9_-]+)$/.exec(path)?.[1];
    if (payloadName !== undefined) {
      const value = context.clientPayload?.[payloadName];
      return value === undefined || value === null ? '' : String(value);
    }
    if (path === 'github.ref_name') return context.ref.replace(/^refs\/(heads|tags)\//, '');
    return '';
  });
}

export function createMemoryForge(options: MemoryForgeOptions): MemoryForge {
  const now = options.now;
  const kind = options.kind ?? 'github';
  const webUrl = options.webUrl ?? 'https://forge.test';
  const apiUrl = `${webUrl}/api`;
  const maxPerPage = options.maxPerPage ?? (kind === 'github' ? 100 : 50);
  const workflows: MemoryWorkflowSpec[] = [];
  /** `owner/repo`'s default branch, as `getDefaultBranch` answers it (`main` where none is set). */
  const defaultBranchOf = (repoKey: string): string => {
    const configured = options.defaultBranch ?? 'main';
    return typeof configured === 'string' ? configured : (configured[repoKey] ?? 'main');
  };
  const scripts = new Map<string, MemoryRunScript[]>();
  const records: RunRecord[] = [];
  const calls: MemoryCall[] = [];
  const faults: { method: MemoryMethod; fault: MemoryFault; count: number; skip: number }[] = [];
  const lastSeen = new Map<number, string>();
  const statuses: { repo: string; sha: string; status: CommitStatusInput; id: number; at: number }[] = [];
  const lastSeenStatuses = new Map<string, string>();
  const lastSeenLists = new Map<string, string>();
  const comments: { repo: string; issue: number; id: number; body: string }[] = [];
  let rateLimit = options.rateLimit ? { ...options.rateLimit } : undefined;
  let nextRunId = 1000;
  let nextJobId = 5000;
  let nextWorkflowId = 100;
  let nextCommentId = 1;
  let nextStatusId = 1;
  const runNumbers = new Map<string, number>();

  for (const spec of options.workflows ?? []) addWorkflow(spec);

  function addWorkflow(spec: MemoryWorkflowSpec): void {
    workflows.push({ ...spec, id: spec.id ?? nextWorkflowId++ });
  }

  function workflowId(repo: string, file: string): number {
    return workflows.find((w) => w.repo === repo && w.file === file)?.id ?? 0;
  }

  function rateInfo() {
    if (!rateLimit) return undefined;
    if (now() >= rateLimit.resetAt) {
      rateLimit = { ...rateLimit, remaining: rateLimit.limit, resetAt: rateLimit.resetAt + 3_600_000 };
    }
    return { ...rateLimit };
  }

  /** Records the call, applies faults and the rate limit; `route` for the meter. */
  let detected: ForgeCapabilities | undefined;

  function enter(method: MemoryMethod, route: string, args: readonly unknown[], ctx?: CallContext): void {
    calls.push({ method, at: now(), args });
    if (ctx?.signal?.aborted) throw new AbortedError();
    const limit = rateInfo();
    if (limit && limit.remaining <= 0 && method !== 'capabilities') {
      ctx?.meter?.record({
        method: 'GET',
        route,
        status: 403,
        counted: true,
        notModified: false,
        rateLimit: limit,
      });
      throw new RateLimitedError(`The API rate limit is spent until ${iso(limit.resetAt)}.`, {
        status: 403,
        retryAt: limit.resetAt,
      });
    }
    const index = faults.findIndex((f) => f.method === method);
    const entry = index >= 0 ? faults[index] : undefined;
    if (entry && entry.skip > 0) {
      entry.skip -= 1;
      return;
    }
    if (!entry) return;
    entry.count -= 1;
    if (entry.count <= 0) faults.splice(index, 1);
    const fault = entry.fault;
    if (fault.kind === 'lose-answer') throw new LoseAnswer();
    if (fault.kind === 'error') throw fault.error;
    if (fault.kind === '5xx') {
      const status = fault.status ?? 502;
      ctx?.meter?.record({ method, route, status, counted: true, notModified: false });
      throw new ForgeHttpError(`The forge answered ${status} to ${route}.`, {
        status,
        ambiguous: method === 'dispatch',
      });
    }
    const retryAt = now() + (fault.retryAfterMs ?? 30_000);
    ctx?.meter?.record({ method, route, status: 429, counted: true, notModified: false });
    throw new RateLimitedError(`The forge is rate limiting ${route} until ${iso(retryAt)}.`, {
      status: 429,
      retryAt,
    });
  }

  function record(
    ctx: CallContext | undefined,
    method: string,
    route: string,
    status: number,
    notModified = false,
  ): void {
    let info = rateInfo();
    if (rateLimit && info && !notModified) {
      rateLimit.remaining = Math.max(0, rateLimit.remaining - 1);
      info = { ...rateLimit };
    }
    ctx?.meter?.record({
      method,
      route,
      status,
      counted: !notModified,
      notModified,
      ...(info ? { rateLimit: info } : {}),
    });
  }

  function runStatus(r: RunRecord, t: number): RunStatus {
    if (t >= r.endAt) return 'completed';
    if (t >= r.startAt) return 'in_progress';
    return 'queued';
  }

  function toRun(r: RunRecord, t = now()): Run {
    const status = runStatus(r, t);
    const updated = status === 'completed' ? r.endAt : status === 'in_progress' ? r.startAt : r.createdAt;
    const [owner, repo] = r.repo.split('/');
    return {
      id: r.id,
      runNumber: r.runNumber,
      runAttempt: 1,
      workflowId: r.workflowId,
      workflowPath: `.github/workflows/${r.workflowFile}`,
      name: r.name,
      displayTitle: r.displayTitle,
      event: r.event,
      headBranch: r.branch,
      headSha: 'a'.repeat(40),
      status,
      conclusion: status === 'completed' ? r.conclusion : null,
      rawStatus: status,
      createdAt: iso(r.createdAt),
      ...(status !== 'queued' ? { startedAt: iso(r.startAt) } : {}),
      updatedAt: iso(updated),
      ...(status === 'completed' ? { completedAt: iso(r.endAt) } : {}),
      url: `${apiUrl}/repos/${owner}/${repo}/actions/runs/${r.id}`,
      htmlUrl: `${webUrl}/${owner}/${repo}/actions/runs/${r.id}`,
      jobsUrl: `${apiUrl}/repos/${owner}/${repo}/actions/runs/${r.id}/jobs`,
    };
  }

  function toJob(r: RunRecord, j: JobRecord, t: number): Job {
    const [owner, repo] = r.repo.split('/');
    const jobEnd = Math.min(r.endAt, r.startAt + j.durationMs);
    const cancelled = r.conclusion === 'cancelled' && r.endAt < r.startAt + j.durationMs;
    const status: RunStatus = t < r.startAt ? 'queued' : t < jobEnd ? 'in_progress' : 'completed';
    const conclusion = status === 'completed' ? (cancelled ? 'cancelled' : j.conclusion) : null;
    let steps: Step[] = [];
    if (status !== 'queued') {
      const per = j.durationMs / Math.max(1, j.steps.length);
      const failIndex =
        conclusion === 'failure' || conclusion === 'timed_out'
          ? Math.max(0, j.spec.failStep ? j.steps.indexOf(j.spec.failStep) : j.steps.length - 1)
          : -1;
      steps = j.steps.map((name, i) => {
        const stepEnd = r.startAt + per * (i + 1);
        const stepStart = r.startAt + per * i;
        let s: RunStatus =
          t >= stepEnd || status === 'completed' ? 'completed' : t >= stepStart ? 'in_progress' : 'queued';
        let c: RunConclusion | null = s === 'completed' ? 'success' : null;
        if (status === 'completed') {
          s = 'completed';
          if (failIndex >= 0) c = i < failIndex ? 'success' : i === failIndex ? conclusion : 'skipped';
          else if (conclusion === 'cancelled') c = stepEnd <= r.endAt ? 'success' : 'cancelled';
          else if (conclusion === 'skipped') c = 'skipped';
        }
        return { name, number: i + 1, status: s, conclusion: c };
      });
    }
    return {
      id: j.id,
      runId: r.id,
      name: j.spec.name,
      status,
      conclusion,
      rawStatus: status,
      runAttempt: 1,
      ...(status !== 'queued' ? { startedAt: iso(r.startAt) } : {}),
      ...(status === 'completed' ? { completedAt: iso(jobEnd) } : {}),
      htmlUrl: `${webUrl}/${owner}/${repo}/actions/runs/${r.id}/job/${j.id}`,
      steps,
    };
  }

  function createRun(input: {
    repo: string;
    workflowFile: string;
    name: string;
    event: string;
    ref: string;
    displayTitle: string;
    createdAt: number;
    startAfterMs: number;
    durationMs: number;
    conclusion: RunConclusion;
    failJob?: string | undefined;
    jobs: readonly MemoryJobSpec[];
    inputs?: Readonly<Record<string, string>> | undefined;
    clientPayload?: Readonly<Record<string, unknown>> | undefined;
    artifacts?: readonly MemoryArtifactSpec[] | undefined;
  }): RunRecord {
    const number = (runNumbers.get(`${input.repo}/${input.workflowFile}`) ?? 0) + 1;
    runNumbers.set(`${input.repo}/${input.workflowFile}`, number);
    const specs = input.jobs.length > 0 ? input.jobs : [{ name: 'build', steps: ['Run'] }];
    const failing = input.conclusion === 'failure' || input.conclusion === 'timed_out';
    const failJob =
      input.failJob ?? specs.find((s) => s.conclusion === input.conclusion)?.name ?? specs[0]?.name;
    const ctx = {
      ref: input.ref,
      ...(input.inputs ? { inputs: input.inputs } : {}),
      ...(input.clientPayload ? { clientPayload: input.clientPayload } : {}),
    };
    const jobs = specs.map((spec) => ({
      id: nextJobId++,
      spec,
      steps: (spec.steps ?? ['Run']).map((s) => renderTemplate(s, ctx)),
      durationMs: Math.min(spec.durationMs ?? input.durationMs, input.durationMs),
      conclusion:
        spec.conclusion ??
        (failing ? (spec.name === failJob ? input.conclusion : 'success') : input.conclusion),
    }));
    const startAt = input.createdAt + input.startAfterMs;
    const id = nextRunId++;
    const record: RunRecord = {
      id,
      runNumber: number,
      repo: input.repo,
      workflowFile: input.workflowFile,
      workflowId: workflowId(input.repo, input.workflowFile),
      name: input.name,
      event: input.event,
      branch: input.ref.replace(/^refs\/heads\//, ''),
      displayTitle: input.displayTitle,
      createdAt: input.createdAt,
      startAt,
      endAt: startAt + input.durationMs,
      conclusion: input.conclusion,
      knownById: false,
      jobs,
      artifacts: (input.artifacts ?? []).map((spec, i) => ({ id: id * 100 + i + 1, spec })),
    };
    records.push(record);
    return record;
  }

  function find(repo: RepoRef, runId: number): RunRecord | undefined {
    return records.find((r) => r.id === runId && r.repo === key(repo));
  }

  function visible(r: RunRecord, t: number): boolean {
    return r.createdAt <= t;
  }

  /** The run a read of `route` names, recorded as 200, or a recorded 404 (RunNotFoundError). */
  function readable(repo: RepoRef, runId: number, route: string, t: number, ctx?: CallContext): RunRecord {
    const r = find(repo, runId);
    if (!r || (!visible(r, t) && !r.knownById)) {
      record(ctx, 'GET', route, 404);
      throw new RunNotFoundError(`Run ${runId} was not found in ${key(repo)}.`, { status: 404 });
    }
    record(ctx, 'GET', route, 200);
    return r;
  }

  const forge: MemoryForge = {
    kind,
    calls,
    statuses,
    comments,
    callCount: (method) => calls.filter((c) => c.method === method).length,
    fail(method, fault, opts = {}) {
      faults.push({ method, fault, count: opts.count ?? 1, skip: opts.skip ?? 0 });
    },
    addWorkflow,
    script(repo, file, runs) {
      scripts.set(`${repo}/${file}`, [...(scripts.get(`${repo}/${file}`) ?? []), ...runs]);
    },
    addRun(spec) {
      const registered = workflows.find((w) => w.repo === spec.repo && w.file === spec.workflow);
      return createRun({
        repo: spec.repo,
        workflowFile: spec.workflow,
        name: registered?.name ?? spec.workflow,
        event: spec.event ?? 'push',
        ref: spec.branch ?? 'main',
        displayTitle: spec.displayTitle ?? registered?.name ?? spec.workflow,
        createdAt: spec.createdAt ?? now(),
        startAfterMs: spec.startAfterMs ?? DEFAULTS.startAfterMs,
        durationMs: spec.durationMs ?? DEFAULTS.durationMs,
        conclusion: spec.conclusion ?? 'success',
        failJob: spec.failJob,
        jobs: spec.jobs ?? registered?.jobs ?? [],
        inputs: spec.inputs,
        clientPayload: spec.clientPayload,
        artifacts: spec.artifacts ?? registered?.artifacts,
      }).id;
    },
    runs: () => records.map((r) => toRun(r)),
    finishRun(runId, conclusion) {
      const r = records.find((x) => x.id === runId);
      if (!r) throw new Error(`No run ${runId}.`);
      const t = now();
      if (runStatus(r, t) === 'completed') return;
      if (t < r.startAt) r.startAt = t;
      r.endAt = t;
      r.conclusion = conclusion;
    },
    setRateLimit(limit) {
      rateLimit = limit ? { ...limit } : undefined;
    },

    async capabilities(ctx) {
      // Like the adapters: detected once (one request, as Gitea's GET /version), then cached.
      if (detected) return detected;
      enter('capabilities', 'GET /version', [], ctx);
      ctx?.meter?.record({
        method: 'GET',
        route: 'GET /version',
        status: 200,
        counted: true,
        notModified: false,
      });
      const caps: ForgeCapabilities = {
        kind,
        server:
          kind === 'github' ? 'memory (GitHub)' : kind === 'gitea' ? 'memory (Gitea)' : 'memory (Forgejo)',
        returnsRunId: options.returnsRunId ?? false,
        repositoryDispatch: kind === 'github',
        runApi: true,
        jobsApi: options.jobsApi ?? true,
        jobLogs: true,
        cancel: true,
        artifacts: options.artifacts ?? true,
        workflowRunWebhooks: true,
        conditionalRequests: options.conditional ?? true,
        ...(options.listingDelayMs !== undefined ? { listingDelayMs: options.listingDelayMs } : {}),
        commitStates:
          kind === 'github'
            ? ['pending', 'success', 'failure', 'error']
            : ['pending', 'success', 'failure', 'error', 'warning', 'skipped'],
        limitations: kind === 'github' ? [] : ['No repository_dispatch on this forge.'],
      };
      detected = caps;
      return caps;
    },

    async getDefaultBranch(repo, ctx) {
      const route = 'GET /repos/{owner}/{repo}';
      enter('getDefaultBranch', route, [repo], ctx);
      const configured = options.defaultBranch ?? 'main';
      const branch = typeof configured === 'string' ? configured : configured[key(repo)];
      if (branch === undefined) {
        record(ctx, 'GET', route, 404);
        throw new ForgeHttpError(`Repository ${key(repo)} was not found.`, { status: 404 });
      }
      record(ctx, 'GET', route, 200);
      return branch;
    },

    async dispatch(request: ForgeDispatchRequest, ctx?: CallContext): Promise<ForgeDispatchResult> {
      const repo = key(request.repo);
      const route =
        request.eventType !== undefined
          ? 'POST /repos/{owner}/{repo}/dispatches'
          : 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches';
      let lost = false;
      try {
        enter('dispatch', route, [request], ctx);
      } catch (error) {
        if (!(error instanceof LoseAnswer)) throw error;
        lost = true;
      }
      const t = now();
      let targets: MemoryWorkflowSpec[];
      if (request.eventType !== undefined) {
        if (kind !== 'github') {
          record(ctx, 'POST', route, 404);
          throw new UnsupportedByServerError(
            `${kind} has no repository_dispatch; dispatch a workflow instead.`,
          );
        }
        const type = request.eventType;
        targets = workflows.filter((w) => {
          const rd = w.repo === repo ? w.on?.repository_dispatch : undefined;
          if (!rd) return false;
          return rd === true || !rd.types || rd.types.includes(type);
        });
      } else {
        const wanted = String(request.workflow);
        const spec = workflows.find((w) => w.repo === repo && (w.file === wanted || String(w.id) === wanted));
        if (!spec) {
          record(ctx, 'POST', route, 404);
          throw new DispatchRejectedError(`Workflow ${wanted} was not found in ${repo}.`, { status: 404 });
        }
        if (spec.on?.workflow_dispatch === false) {
          record(ctx, 'POST', route, 422);
          throw new DispatchRejectedError(`Workflow ${wanted} in ${repo} has no workflow_dispatch trigger.`, {
            status: 422,
          });
        }
        targets = [spec];
      }
      const created = targets.map((spec) => {
        const queue = scripts.get(`${repo}/${spec.file}`);
        const script = queue?.shift() ?? {};
        const context = {
          ref: request.ref,
          ...(request.inputs ? { inputs: request.inputs } : {}),
          ...(request.clientPayload ? { clientPayload: request.clientPayload } : {}),
        };
        return createRun({
          repo,
          workflowFile: spec.file,
          name: spec.name ?? spec.file,
          event: request.eventType !== undefined ? 'repository_dispatch' : 'workflow_dispatch',
          // A repository_dispatch runs on the default branch, whatever ref the caller gave (GitHub
          // docs, "Events that trigger workflows": repository_dispatch, GITHUB_REF).
          ref: request.eventType !== undefined ? defaultBranchOf(repo) : request.ref,
          displayTitle: spec.runName ? renderTemplate(spec.runName, context) : (spec.name ?? spec.file),
          createdAt: t + (script.appearAfterMs ?? spec.appearAfterMs ?? DEFAULTS.appearAfterMs),
          startAfterMs: script.startAfterMs ?? spec.startAfterMs ?? DEFAULTS.startAfterMs,
          durationMs: script.durationMs ?? spec.durationMs ?? DEFAULTS.durationMs,
          conclusion: script.conclusion ?? spec.conclusion ?? 'success',
          failJob: script.failJob ?? spec.failJob,
          jobs: spec.jobs ?? [],
          inputs: request.inputs,
          clientPayload: request.clientPayload,
          artifacts: script.artifacts ?? spec.artifacts,
        });
      });
      if (lost) {
        // The request went out and counted; no answer came back (status 0).
        record(ctx, 'POST', route, 0);
        throw new ForgeHttpError(`The connection to the forge was lost before it answered ${route}.`, {
          ambiguous: true,
        });
      }
      const first = created[0];
      // The forge's clock in the answer's Date header: whole seconds.
      const serverTime = Math.floor(now() / 1000) * 1000;
      if (options.returnsRunId && request.eventType === undefined && first) {
        first.knownById = true;
        record(ctx, 'POST', route, kind === 'forgejo' ? 201 : 200);
        const run = toRun(first);
        return {
          path: kind === 'forgejo' ? 'run-info' : 'run-details',
          runId: first.id,
          runUrl: run.url,
          htmlUrl: run.htmlUrl,
          serverTime,
        };
      }
      record(ctx, 'POST', route, 204);
      return { path: 'none', serverTime };
    },

    async getRun(repo, runId, ctx) {
      const route = 'GET /repos/{owner}/{repo}/actions/runs/{run_id}';
      enter('getRun', route, [repo, runId], ctx);
      const r = find(repo, runId);
      const t = now();
      if (!r || (!visible(r, t) && !r.knownById)) {
        record(ctx, 'GET', route, 404);
        throw new RunNotFoundError(`Run ${runId} was not found in ${key(repo)}.`, { status: 404 });
      }
      const run = toRun(r, t);
      const snapshot = JSON.stringify(run);
      const unchanged = (options.conditional ?? true) && lastSeen.get(runId) === snapshot;
      lastSeen.set(runId, snapshot);
      record(ctx, 'GET', route, unchanged ? 304 : 200, unchanged);
      return run;
    },

    async listRuns(repo, filter: ListRunsFilter, ctx): Promise<RunPage> {
      const route =
        filter.workflow !== undefined
          ? 'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs'
          : 'GET /repos/{owner}/{repo}/actions/runs';
      enter('listRuns', route, [repo, filter], ctx);
      const t = now();
      const after = filter.createdAfter !== undefined ? Date.parse(filter.createdAfter) : undefined;
      const wanted = filter.workflow !== undefined ? String(filter.workflow) : undefined;
      const matching = records
        .filter((r) => r.repo === key(repo) && visible(r, t))
        .filter(
          (r) =>
            options.ignoreFilters === true ||
            ((wanted === undefined || r.workflowFile === wanted || String(r.workflowId) === wanted) &&
              (filter.event === undefined || r.event === filter.event) &&
              (filter.branch === undefined || r.branch === filter.branch) &&
              (after === undefined || r.createdAt >= after) &&
              (filter.status === undefined || runStatus(r, t) === filter.status)),
        )
        .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
      const perPage = Math.min(Math.max(1, filter.perPage ?? 30), maxPerPage);
      const page = Math.max(1, filter.page ?? 1);
      const slice = matching.slice((page - 1) * perPage, page * perPage);
      const answer = { runs: slice.map((r) => toRun(r, t)), hasMore: matching.length > page * perPage };
      // Conditional like getRun: the same list (same repository and filter: one URL) unchanged
      // answers 304 (not counted), as GitHub does for any GET with the ETag it sent.
      const seenKey = JSON.stringify([key(repo), filter]);
      const snapshot = JSON.stringify(answer);
      const unchanged = (options.conditional ?? true) && lastSeenLists.get(seenKey) === snapshot;
      lastSeenLists.set(seenKey, snapshot);
      record(ctx, 'GET', route, unchanged ? 304 : 200, unchanged);
      return answer;
    },

    async listJobs(repo, runId, ctx) {
      const route = 'GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs';
      enter('listJobs', route, [repo, runId], ctx);
      const t = now();
      const r = readable(repo, runId, route, t, ctx);
      return r.jobs.map((j) => toJob(r, j, t));
    },

    async cancelRun(repo, runId, ctx) {
      const route = 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel';
      enter('cancelRun', route, [repo, runId], ctx);
      const r = find(repo, runId);
      if (!r) {
        record(ctx, 'POST', route, 404);
        throw new RunNotFoundError(`Run ${runId} was not found in ${key(repo)}.`, { status: 404 });
      }
      const t = now();
      if (runStatus(r, t) === 'completed') {
        // GitHub answers 409 "Cannot cancel a workflow run that is completed."; adapters report it.
        record(ctx, 'POST', route, 409);
        return 'already-completed';
      }
      if (t < r.startAt) r.startAt = t;
      r.endAt = t;
      r.conclusion = 'cancelled';
      record(ctx, 'POST', route, 202);
      return 'requested';
    },

    async getJobLog(repo, jobId, ctx, maxBytes) {
      const route = 'GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs';
      enter('getJobLog', route, [repo, jobId, maxBytes], ctx);
      const r = records.find((x) => x.repo === key(repo) && x.jobs.some((j) => j.id === jobId));
      const j = r?.jobs.find((x) => x.id === jobId);
      if (!r || !j) {
        record(ctx, 'GET', route, 404);
        throw new RunNotFoundError(`Job ${jobId} was not found in ${key(repo)}.`, { status: 404 });
      }
      record(ctx, 'GET', route, 200);
      const job = toJob(r, j, now());
      const lines =
        j.spec.log ??
        job.steps.flatMap((s) => [
          `##[group]${s.name}`,
          s.conclusion === 'failure' ? `Error: ${s.name} failed` : 'ok',
          '##[endgroup]',
        ]);
      const text = lines.join('\n');
      return maxBytes !== undefined && text.length > maxBytes ? text.slice(-maxBytes) : text;
    },

    async listArtifacts(repo, runId, ctx): Promise<readonly Artifact[]> {
      const route = 'GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts';
      enter('listArtifacts', route, [repo, runId], ctx);
      if (options.artifacts === false) {
        throw new UnsupportedByServerError(`This forge has no API for the artifacts of run ${runId}.`);
      }
      const t = now();
      const r = readable(repo, runId, route, t, ctx);
      // A run uploads its artifacts while it runs; they are all there once it completed.
      if (runStatus(r, t) !== 'completed') return [];
      return r.artifacts.map(({ id, spec }) => ({
        id,
        name: spec.name,
        sizeInBytes: spec.zip.byteLength,
        expired: spec.expired ?? false,
        ...(spec.digest !== undefined ? { digest: spec.digest } : {}),
        createdAt: iso(r.endAt),
        archiveDownloadUrl: `${apiUrl}/repos/${key(repo)}/actions/artifacts/${id}/zip`,
        runPagePath: `artifacts/${id}`,
      }));
    },

    async downloadArtifact(repo, artifact, ctx, maxBytes) {
      const route = 'GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}';
      enter('downloadArtifact', route, [repo, artifact.id, maxBytes], ctx);
      const hit = records
        .filter((r) => r.repo === key(repo))
        .flatMap((r) => r.artifacts)
        .find((a) => a.id === artifact.id);
      if (!hit) {
        record(ctx, 'GET', route, 404);
        throw new ArtifactError('not-found', `Artifact ${artifact.id} was not found in ${key(repo)}.`, {
          status: 404,
          artifact: artifact.name,
        });
      }
      if (hit.spec.expired) {
        record(ctx, 'GET', route, 410);
        throw new ArtifactError('expired', `Artifact "${hit.spec.name}" has expired.`, {
          status: 410,
          artifact: hit.spec.name,
        });
      }
      // As GitHub: a counted 302, then the storage download, which the rate limit does not count.
      record(ctx, 'GET', route, 302);
      ctx?.meter?.record({
        method: 'GET',
        route: 'GET (blob storage download)',
        status: 200,
        counted: false,
        notModified: false,
      });
      if (maxBytes !== undefined && hit.spec.zip.byteLength > maxBytes) {
        throw new ArtifactError(
          'too-large',
          `Artifact "${hit.spec.name}" is larger than ${maxBytes} bytes; the download stopped there.`,
          { artifact: hit.spec.name },
        );
      }
      return hit.spec.zip;
    },

    async setCommitStatus(repo, sha, status, ctx) {
      const route = 'POST /repos/{owner}/{repo}/statuses/{sha}';
      enter('setCommitStatus', route, [repo, sha, status], ctx);
      record(ctx, 'POST', route, 201);
      statuses.push({ repo: key(repo), sha, status, id: nextStatusId++, at: now() });
    },

    async listCommitStatuses(repo, sha, ctx): Promise<readonly CommitStatus[]> {
      const route = 'GET /repos/{owner}/{repo}/commits/{ref}/statuses';
      enter('listCommitStatuses', route, [repo, sha], ctx);
      const list = statuses
        .filter((s) => s.repo === key(repo) && s.sha === sha)
        .reverse()
        .map(
          (s): CommitStatus => ({
            state: s.status.state,
            context: s.status.context,
            ...(s.status.description !== undefined ? { description: s.status.description } : {}),
            ...(s.status.targetUrl !== undefined ? { targetUrl: s.status.targetUrl } : {}),
            createdAt: iso(s.at),
            id: s.id,
          }),
        );
      // Conditional like getRun: an unchanged list answers 304 (not counted), as on GitHub.
      const snapshot = JSON.stringify(list);
      const seenKey = `${key(repo)}@${sha}`;
      const unchanged = (options.conditional ?? true) && lastSeenStatuses.get(seenKey) === snapshot;
      lastSeenStatuses.set(seenKey, snapshot);
      record(ctx, 'GET', route, unchanged ? 304 : 200, unchanged);
      return list;
    },

    async upsertComment(repo, issueNumber, marker, body, ctx, options): Promise<CommentResult> {
      // One request either way: the comment edited by its known id, or found by its marker (a real
      // forge lists the comments first; see the adapters).
      const known = comments.find(
        (c) => c.id === options?.knownId && c.repo === key(repo) && c.issue === issueNumber,
      );
      const route = known
        ? 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}'
        : 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments';
      enter('upsertComment', route, [repo, issueNumber, marker, body], ctx);
      record(ctx, known ? 'PATCH' : 'POST', route, known ? 200 : 201);
      const existing =
        known ??
        comments.find((c) => c.repo === key(repo) && c.issue === issueNumber && c.body.includes(marker));
      if (existing) {
        existing.body = body;
        return {
          id: existing.id,
          created: false,
          htmlUrl: `${webUrl}/${key(repo)}/pull/${issueNumber}#issuecomment-${existing.id}`,
        };
      }
      const id = nextCommentId++;
      comments.push({ repo: key(repo), issue: issueNumber, id, body });
      return { id, created: true, htmlUrl: `${webUrl}/${key(repo)}/pull/${issueNumber}#issuecomment-${id}` };
    },
  };
  return forge;
}

/** Internal marker: the dispatch fault "lose the answer" (the run is still created). */
class LoseAnswer extends Error {}
