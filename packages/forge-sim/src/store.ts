// The simulator's state and the life of a run. A run moves queued → in_progress → completed on the
// real clock (durations divided by timeScale). Transitions are applied by `advance()` — on every read
// and by one timer per run at its next transition — and always stamped with the planned instant, so a
// late timer never changes what a client sees, only when a webhook leaves.
import { createHash } from 'node:crypto';
import { renderTemplate, type TemplateContext } from './template.js';
import type { ArtifactSpec, JobSpec, RunConclusion, RunScript, SeedPull, WorkflowSpec } from './types.js';
import { createZip } from './zip.js';

/** An artifact a run uploaded: its zip, as the forge stores and serves it. */
export interface Artifact {
  id: number;
  run: Run;
  name: string;
  zip: Buffer;
  /** sha256 hex of the zip (github.com's `digest`, unless the spec overrides it). */
  sha256: string;
  spec: ArtifactSpec;
  expired: boolean;
  createdAt: number;
  expiresAt: number;
}

/** GitHub's default retention (docs "Storing and sharing data from a workflow": 90 days). */
const RETENTION_MS = 90 * 86_400_000;

export interface Workflow {
  id: number;
  spec: WorkflowSpec;
  name: string;
  /** `.github/workflows/build.yml` or `.gitea/workflows/build.yml`. */
  path: string;
  createdAt: number;
  script: RunScript[];
}

export interface Pull {
  id: number;
  number: number;
  title: string;
  headRef: string;
  headSha: string;
  base: string;
  state: 'open' | 'closed';
  createdAt: number;
  updatedAt: number;
}

export interface CommitStatus {
  id: number;
  sha: string;
  state: string;
  context: string;
  description: string | null;
  targetUrl: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface Comment {
  id: number;
  issue: number;
  body: string;
  createdAt: number;
  updatedAt: number;
}

export interface StepPlan {
  name: string;
  number: number;
}

export interface Job {
  id: number;
  runId: number;
  attempt: number;
  name: string;
  spec: JobSpec;
  steps: StepPlan[];
  /** Index in `steps` of the step that fails (failure conclusion), else -1. */
  failIndex: number;
  conclusion: RunConclusion;
  createdAt: number;
  startedAt: number;
  /** Planned end (the failing step ends the job early). */
  endAt: number;
  /** queued from the run's creation until a runner takes it (the run's start). */
  status: 'queued' | 'in_progress' | 'completed';
  completedAt: number | null;
  /** Final conclusion once completed (cancel may override the planned one). */
  finalConclusion: RunConclusion | null;
  log: string[];
}

export interface Attempt {
  attempt: number;
  jobs: Job[];
  runStartedAt: number;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: RunConclusion | null;
  updatedAt: number;
}

export interface Run {
  id: number;
  repo: Repo;
  workflow: Workflow;
  runNumber: number;
  attempt: number;
  event: string;
  headBranch: string;
  headSha: string;
  /**
   * GitHub's `name`: the rendered run-name when the workflow has one that is not blank, else the
   * workflow's name (docs "Workflow syntax", run-name; @octokit/webhooks-examples workflow_run with
   * `name` = `display_title` = "Build pull_request 3 by @ilmax"; actions/runner#4141).
   */
  name: string;
  /** The rendered run-name, else the event's own title (see Store.createRun). */
  displayTitle: string;
  inputs: Record<string, string>;
  clientPayload: Record<string, unknown> | undefined;
  eventType: string | undefined;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: RunConclusion | null;
  createdAt: number;
  /** When the run shows in run lists (GitHub lists a new run after a delay; see SimOptions.listingDelayMs). */
  listedAt: number;
  updatedAt: number;
  runStartedAt: number;
  /** Planned queued → in_progress instant of the current attempt. */
  startAt: number;
  script: Required<Pick<RunScript, 'conclusion'>> & RunScript;
  hasScript: boolean;
  jobs: Job[];
  previousAttempts: Attempt[];
  /** What the run uploaded (on completion), every attempt's. */
  artifacts: Artifact[];
  templateCtx: TemplateContext;
  timer: NodeJS.Timeout | undefined;
  /** Serialised API shape of the run, valid while `key` matches (see runJsonKey). */
  jsonCache?: { key: string; json: string } | undefined;
}

export interface Repo {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  branches: Map<string, string>;
  workflows: Workflow[];
  runs: Run[];
  runCounter: number;
  pulls: Map<number, Pull>;
  issueCounter: number;
  statuses: Map<string, CommitStatus[]>;
  comments: Comment[];
  createdAt: number;
}

export type SimEvent =
  | { kind: 'workflow_run'; action: 'requested' | 'in_progress' | 'completed'; run: Run }
  | { kind: 'workflow_job'; action: 'queued' | 'in_progress' | 'completed'; run: Run; job: Job }
  | { kind: 'pull_request'; action: 'opened' | 'synchronize' | 'reopened'; repo: Repo; pull: Pull };

/** Changes whenever anything a run's API shape shows changes. */
export function runJsonKey(run: Run, base: string): string {
  return `${base}|${run.status}|${run.conclusion}|${run.attempt}|${run.updatedAt}|${run.runStartedAt}`;
}

/** The message of a branch's head commit (the sim has no history: one per branch). */
export function commitMessage(branch: string): string {
  return `Commit on ${branch}`;
}

export function fakeSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

const DEFAULT_DURATION_MS = 3000;
const DEFAULT_START_DELAY_MS = 1000;

export interface StoreOptions {
  timeScale: number;
  workflowDir: '.github/workflows' | '.gitea/workflows';
  /** Run ids: GitHub's are large; Gitea's global ids differ from per-repo run numbers. */
  runIdBase: number;
  jobIdBase: number;
  /** Artifact ids (GitHub's are large too). Default 1. */
  artifactIdBase?: number;
  /** Runs show in lists this long after their creation (real ms, divided by timeScale). */
  listingDelayMs?: number;
  /** The name of a workflow without `name:` (GitHub and Forgejo: its path). */
  unnamedWorkflow?: (file: string, path: string) => string;
  onEvent: (event: SimEvent) => void;
  now?: () => number;
}

export class Store {
  readonly repos = new Map<string, Repo>();
  readonly runsById = new Map<number, Run>();
  readonly jobsById = new Map<number, { run: Run; job: Job }>();
  readonly commentsById = new Map<number, { repo: Repo; comment: Comment }>();
  readonly artifactsById = new Map<number, Artifact>();
  private nextArtifactId: number;
  private nextRunId: number;
  private nextJobId: number;
  private nextRepoId = 1296269;
  private nextWorkflowId = 161335;
  private nextStatusId = 1;
  private nextCommentId = 1;
  private nextPullId = 1;
  private closed = false;
  readonly now: () => number;

  constructor(readonly options: StoreOptions) {
    this.nextRunId = options.runIdBase;
    this.nextJobId = options.jobIdBase;
    this.nextArtifactId = options.artifactIdBase ?? 1;
    this.now = options.now ?? Date.now;
  }

  scaled(ms: number): number {
    return ms / this.options.timeScale;
  }

  // ---- repos, workflows, pulls -------------------------------------------------------------

  addRepo(owner: string, name: string, defaultBranch = 'main', branches: string[] = []): Repo {
    const key = `${owner}/${name}`.toLowerCase();
    let repo = this.repos.get(key);
    if (!repo) {
      repo = {
        id: this.nextRepoId++,
        owner,
        name,
        defaultBranch,
        branches: new Map(),
        workflows: [],
        runs: [],
        runCounter: 0,
        pulls: new Map(),
        issueCounter: 0,
        statuses: new Map(),
        comments: [],
        createdAt: this.now(),
      };
      this.repos.set(key, repo);
    }
    for (const b of [defaultBranch, ...branches]) {
      if (!repo.branches.has(b)) repo.branches.set(b, fakeSha(`${owner}/${name}@${b}`));
    }
    return repo;
  }

  getRepo(owner: string, name: string): Repo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  addWorkflow(repo: Repo, spec: WorkflowSpec): Workflow {
    const existing = repo.workflows.findIndex((w) => w.spec.file === spec.file);
    const wf: Workflow = {
      id: spec.id ?? (existing >= 0 ? repo.workflows[existing]!.id : this.nextWorkflowId++),
      spec,
      name:
        spec.name ??
        (this.options.unnamedWorkflow ?? ((file: string) => file.replace(/\.ya?ml$/, '')))(
          spec.file,
          `${this.options.workflowDir}/${spec.file}`,
        ),
      path: `${this.options.workflowDir}/${spec.file}`,
      createdAt: existing >= 0 ? repo.workflows[existing]!.createdAt : this.now(),
      script: existing >= 0 ? repo.workflows[existing]!.script : [],
    };
    if (existing >= 0) repo.workflows[existing] = wf;
    else repo.workflows.push(wf);
    return wf;
  }

  /** By file name (`build.yml`), path, or numeric id. */
  findWorkflow(repo: Repo, idOrFile: string): Workflow | undefined {
    const decoded = decodeURIComponent(idOrFile);
    if (/^\d+$/.test(decoded)) {
      const n = Number(decoded);
      const byId = repo.workflows.find((w) => w.id === n);
      if (byId) return byId;
    }
    return repo.workflows.find((w) => w.spec.file === decoded || w.path === decoded);
  }

  addPull(repo: Repo, p: SeedPull): Pull {
    const number = p.number ?? Math.max(repo.issueCounter, ...repo.pulls.keys()) + 1;
    repo.issueCounter = Math.max(repo.issueCounter, number);
    const headSha = p.head.sha ?? fakeSha(`${repo.owner}/${repo.name}#${number}@${p.head.ref}`);
    if (!repo.branches.has(p.head.ref)) repo.branches.set(p.head.ref, headSha);
    else repo.branches.set(p.head.ref, headSha);
    const pull: Pull = {
      id: 100000 + this.nextPullId++,
      number,
      title: p.title ?? `Change from ${p.head.ref}`,
      headRef: p.head.ref,
      headSha,
      base: p.base ?? repo.defaultBranch,
      state: 'open',
      createdAt: this.now(),
      updatedAt: this.now(),
    };
    repo.pulls.set(number, pull);
    this.options.onEvent({ kind: 'pull_request', action: 'opened', repo, pull });
    return pull;
  }

  pushPull(repo: Repo, pull: Pull, sha: string): void {
    pull.headSha = sha;
    pull.updatedAt = this.now();
    repo.branches.set(pull.headRef, sha);
    this.options.onEvent({ kind: 'pull_request', action: 'synchronize', repo, pull });
  }

  reopenPull(repo: Repo, pull: Pull): void {
    pull.state = 'open';
    pull.updatedAt = this.now();
    this.options.onEvent({ kind: 'pull_request', action: 'reopened', repo, pull });
  }

  // ---- statuses and comments ---------------------------------------------------------------

  addStatus(repo: Repo, sha: string, s: Omit<CommitStatus, 'id' | 'createdAt' | 'updatedAt' | 'sha'>) {
    const now = this.now();
    const status: CommitStatus = { ...s, sha, id: this.nextStatusId++, createdAt: now, updatedAt: now };
    const list = repo.statuses.get(sha) ?? [];
    list.unshift(status); // newest first, as both forges list them
    repo.statuses.set(sha, list);
    return status;
  }

  addComment(repo: Repo, issue: number, body: string): Comment {
    const now = this.now();
    const comment: Comment = { id: this.nextCommentId++, issue, body, createdAt: now, updatedAt: now };
    repo.comments.push(comment);
    this.commentsById.set(comment.id, { repo, comment });
    return comment;
  }

  /** Deletes a comment (as a user may, in the forge's UI); false when there was none with that id. */
  deleteComment(repo: Repo, id: number): boolean {
    const at = repo.comments.findIndex((c) => c.id === id);
    if (at < 0) return false;
    repo.comments.splice(at, 1);
    this.commentsById.delete(id);
    return true;
  }

  // ---- runs --------------------------------------------------------------------------------

  createRun(
    repo: Repo,
    workflow: Workflow,
    init: {
      event: string;
      branch: string;
      inputs?: Record<string, string>;
      clientPayload?: Record<string, unknown>;
      eventType?: string;
      /**
       * The title the run gets when its workflow has no run-name (or it renders blank): the event's own
       * title, which each forge chooses (GitHub: the workflow's name for workflow_dispatch, the head
       * commit's message for push and repository_dispatch; Gitea: the head commit's subject; Forgejo:
       * the workflow's name).
       */
      defaultTitle: string;
      actor: string;
      sha?: string;
    },
  ): Run {
    const now = this.now();
    const scripted = workflow.script.shift();
    const script = { conclusion: 'success' as RunConclusion, ...scripted };
    const headSha = init.sha ?? repo.branches.get(init.branch) ?? fakeSha(`${repo.name}@${init.branch}`);
    const runNumber = ++repo.runCounter;
    const templateCtx: TemplateContext = {
      inputs: init.inputs ?? {},
      clientPayload: init.clientPayload,
      eventName: init.event,
      ref: `refs/heads/${init.branch}`,
      refName: init.branch,
      sha: headSha,
      runNumber,
      actor: init.actor,
      runId: this.nextRunId,
      repository: `${repo.owner}/${repo.name}`,
      workflow: workflow.path,
      eventType: init.eventType,
    };
    // "If run-name is omitted or is only whitespace, then the run name is set to event-specific
    // information" (docs "Workflow syntax for GitHub Actions", run-name); Forgejo keeps its default
    // title when run-name renders "" (services/actions/workflows.go ConfigureActionRunTitle).
    const rendered = workflow.spec.runName ? renderTemplate(workflow.spec.runName, templateCtx) : '';
    const hasRunName = rendered.trim() !== '';
    const startDelay = scripted?.startDelayMs ?? workflow.spec.startDelayMs ?? DEFAULT_START_DELAY_MS;
    const run: Run = {
      id: this.nextRunId++,
      repo,
      workflow,
      runNumber,
      attempt: 1,
      event: init.event,
      headBranch: init.branch,
      headSha,
      name: hasRunName ? rendered : workflow.name,
      displayTitle: hasRunName ? rendered : init.defaultTitle,
      inputs: init.inputs ?? {},
      clientPayload: init.clientPayload,
      eventType: init.eventType,
      status: 'queued',
      conclusion: null,
      createdAt: now,
      listedAt: now + this.scaled(this.options.listingDelayMs ?? 0),
      updatedAt: now,
      runStartedAt: now,
      startAt: now + this.scaled(startDelay),
      script,
      hasScript: scripted !== undefined,
      jobs: [],
      previousAttempts: [],
      artifacts: [],
      templateCtx,
      timer: undefined,
    };
    repo.runs.push(run);
    this.runsById.set(run.id, run);
    this.queueJobs(run, now);
    this.options.onEvent({ kind: 'workflow_run', action: 'requested', run });
    for (const job of run.jobs) this.options.onEvent({ kind: 'workflow_job', action: 'queued', run, job });
    this.schedule(run);
    return run;
  }

  /**
   * The jobs of a new attempt, queued: every forge creates a run's jobs with the run (GitHub's
   * `workflow_job` "queued" comes before any runner takes the job, with `steps: []` and
   * `started_at` = `created_at` — @octokit/webhooks-examples; Gitea/Forgejo insert the jobs with the
   * run, status waiting — Forgejo services/actions/workflows.go InsertRun). They start with the run.
   */
  private queueJobs(run: Run, at: number): void {
    run.jobs = this.planJobs(run, run.startAt, at);
    for (const job of run.jobs) this.jobsById.set(job.id, { run, job });
  }

  private planJobs(run: Run, startAt: number, createdAt: number): Job[] {
    const specs = run.workflow.spec.jobs;
    const failJobName = run.script.failJob ?? (run.hasScript ? specs[0]?.name : undefined);
    return specs.map((spec) => {
      const stepNames = spec.steps.map((s) => renderTemplate(s, run.templateCtx));
      // GitHub reports the runner's own "Set up job" / "Complete job" steps around the user's.
      const names = ['Set up job', ...stepNames, 'Complete job'];
      const steps = names.map((name, i) => ({ name, number: i + 1 }));
      let conclusion: RunConclusion = spec.conclusion ?? 'success';
      let duration = spec.durationMs ?? DEFAULT_DURATION_MS;
      if (run.hasScript) {
        if (run.script.durationMs !== undefined) duration = run.script.durationMs;
        if (spec.name === failJobName) conclusion = run.script.conclusion;
        else if (run.script.conclusion === 'success') conclusion = 'success';
      }
      let failIndex = -1;
      if (conclusion === 'failure') {
        const named = spec.failStep ? stepNames.indexOf(renderTemplate(spec.failStep, run.templateCtx)) : -1;
        failIndex = (named >= 0 ? named : stepNames.length - 1) + 1;
      }
      const d = this.scaled(duration);
      const endAt = failIndex >= 0 ? startAt + (d * (failIndex + 1)) / steps.length : startAt + d;
      const jobLog = spec.log ?? stepNames.map((n) => `Run ${n}`);
      const job: Job = {
        id: this.nextJobId++,
        runId: run.id,
        attempt: run.attempt,
        name: spec.name,
        spec,
        steps,
        failIndex,
        conclusion,
        createdAt,
        startedAt: startAt,
        endAt,
        status: 'queued',
        completedAt: null,
        finalConclusion: null,
        log: jobLog,
      };
      return job;
    });
  }

  /** Brings a run up to `now`, firing the events of every transition it crossed, in order. */
  advance(run: Run, now = this.now()): void {
    if (run.status === 'completed') return;
    if (run.status === 'queued') {
      if (now < run.startAt) return;
      run.status = 'in_progress';
      run.runStartedAt = run.startAt;
      run.updatedAt = run.startAt;
      this.options.onEvent({ kind: 'workflow_run', action: 'in_progress', run });
      for (const job of run.jobs) {
        job.status = 'in_progress';
        job.startedAt = run.startAt;
        this.options.onEvent({ kind: 'workflow_job', action: 'in_progress', run, job });
      }
    }
    const pending = run.jobs
      .filter((j) => j.status === 'in_progress' && j.endAt <= now)
      .sort((a, b) => a.endAt - b.endAt);
    for (const job of pending) this.completeJob(run, job, job.endAt, job.conclusion);
    if (run.jobs.every((j) => j.status === 'completed')) this.completeRun(run);
  }

  private completeJob(run: Run, job: Job, at: number, conclusion: RunConclusion): void {
    job.status = 'completed';
    job.completedAt = at;
    job.finalConclusion = conclusion;
    run.updatedAt = Math.max(run.updatedAt, at);
    this.options.onEvent({ kind: 'workflow_job', action: 'completed', run, job });
  }

  private completeRun(run: Run): void {
    const order: RunConclusion[] = [
      'cancelled',
      'startup_failure',
      'failure',
      'timed_out',
      'action_required',
      'stale',
      'neutral',
      'skipped',
      'success',
    ];
    const conclusions = run.jobs.map((j) => j.finalConclusion ?? 'success');
    run.conclusion = order.find((c) => conclusions.includes(c)) ?? 'success';
    run.status = 'completed';
    run.updatedAt = Math.max(run.updatedAt, ...run.jobs.map((j) => j.completedAt ?? 0));
    if (run.timer) clearTimeout(run.timer);
    run.timer = undefined;
    this.upload(run);
    this.options.onEvent({ kind: 'workflow_run', action: 'completed', run });
  }

  /**
   * The run's uploads, stored as it completes (before its `completed` event: a client that reacts to
   * the event finds them). Uploaded on the conclusions each artifact names (default success).
   */
  private upload(run: Run): void {
    const specs = run.script.artifacts ?? run.workflow.spec.artifacts ?? [];
    for (const spec of specs) {
      if (!(spec.when ?? ['success']).includes(run.conclusion ?? 'success')) continue;
      const zip = createZip(
        spec.entries ?? Object.entries(spec.files ?? {}).map(([name, content]) => ({ name, content })),
      );
      const artifact: Artifact = {
        id: this.nextArtifactId++,
        run,
        name: spec.name,
        zip,
        sha256: createHash('sha256').update(zip).digest('hex'),
        spec,
        expired: spec.expired ?? false,
        createdAt: run.updatedAt,
        expiresAt: run.updatedAt + RETENTION_MS,
      };
      run.artifacts.push(artifact);
      this.artifactsById.set(artifact.id, artifact);
    }
  }

  private schedule(run: Run): void {
    if (this.closed) return;
    if (run.timer) clearTimeout(run.timer);
    run.timer = undefined;
    if (run.status === 'completed') return;
    const next =
      run.status === 'queued'
        ? run.startAt
        : Math.min(...run.jobs.filter((j) => j.status === 'in_progress').map((j) => j.endAt));
    if (!Number.isFinite(next)) return;
    const delay = Math.max(0, next - this.now());
    run.timer = setTimeout(() => {
      run.timer = undefined;
      this.advance(run);
      this.schedule(run);
    }, delay);
    run.timer.unref?.();
  }

  /** Cancels a queued or running run now. Returns false when it had already completed. */
  cancel(run: Run): boolean {
    this.advance(run);
    if (run.status === 'completed') return false;
    const now = this.now();
    if (run.status === 'queued') {
      // Queued jobs are cancelled without ever starting (no steps, started_at stays created_at).
      for (const job of run.jobs) {
        job.startedAt = job.createdAt;
        job.steps = [];
        this.completeJob(run, job, now, 'cancelled');
      }
      run.status = 'completed';
      run.conclusion = 'cancelled';
      run.updatedAt = now;
      if (run.timer) clearTimeout(run.timer);
      run.timer = undefined;
      this.options.onEvent({ kind: 'workflow_run', action: 'completed', run });
      return true;
    }
    for (const job of run.jobs)
      if (job.status === 'in_progress') this.completeJob(run, job, now, 'cancelled');
    this.completeRun(run);
    return true;
  }

  /** Forces completion now with a conclusion (control API). */
  finish(run: Run, conclusion: RunConclusion): void {
    this.advance(run);
    if (run.status === 'completed') return;
    const now = this.now();
    if (run.status === 'queued') {
      run.startAt = now;
      this.advance(run, now);
    }
    for (const job of run.jobs) if (job.status === 'in_progress') this.completeJob(run, job, now, conclusion);
    this.completeRun(run);
    run.conclusion = conclusion;
  }

  /** Re-runs a completed run: a new attempt, queued again, with new jobs. */
  rerun(run: Run): boolean {
    this.advance(run);
    if (run.status !== 'completed') return false;
    run.previousAttempts.push({
      attempt: run.attempt,
      jobs: run.jobs,
      runStartedAt: run.runStartedAt,
      status: run.status,
      conclusion: run.conclusion,
      updatedAt: run.updatedAt,
    });
    const now = this.now();
    run.attempt += 1;
    run.status = 'queued';
    run.conclusion = null;
    run.updatedAt = now;
    run.runStartedAt = now;
    const startDelay = run.script.startDelayMs ?? run.workflow.spec.startDelayMs ?? DEFAULT_START_DELAY_MS;
    run.startAt = now + this.scaled(startDelay);
    this.queueJobs(run, now);
    this.options.onEvent({ kind: 'workflow_run', action: 'requested', run });
    for (const job of run.jobs) this.options.onEvent({ kind: 'workflow_job', action: 'queued', run, job });
    this.schedule(run);
    return true;
  }

  /** The jobs of one attempt (current or previous), or undefined when it never existed. */
  jobsOfAttempt(run: Run, attempt: number): Job[] | undefined {
    if (attempt === run.attempt) return run.jobs;
    return run.previousAttempts.find((a) => a.attempt === attempt)?.jobs;
  }

  close(): void {
    this.closed = true;
    for (const run of this.runsById.values()) {
      if (run.timer) clearTimeout(run.timer);
      run.timer = undefined;
    }
  }
}

/** Step state at `now`, derived from the job's plan (steps split the job's time evenly). */
export function stepState(
  job: Job,
  index: number,
  now: number,
): {
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: RunConclusion | null;
  startedAt: number | null;
  completedAt: number | null;
} {
  const n = job.steps.length;
  const fullEnd =
    job.failIndex >= 0 ? job.startedAt + ((job.endAt - job.startedAt) * n) / (job.failIndex + 1) : job.endAt;
  const slice = (fullEnd - job.startedAt) / n;
  const start = job.startedAt + slice * index;
  const end = start + slice;
  const last = job.steps.length - 1;
  if (job.status === 'completed') {
    const doneAt = job.completedAt ?? job.endAt;
    if (job.finalConclusion === 'cancelled' && end > doneAt) {
      if (start >= doneAt)
        return { status: 'completed', conclusion: 'skipped', startedAt: null, completedAt: null };
      return { status: 'completed', conclusion: 'cancelled', startedAt: start, completedAt: doneAt };
    }
    if (job.failIndex >= 0) {
      if (index < job.failIndex)
        return { status: 'completed', conclusion: 'success', startedAt: start, completedAt: end };
      if (index === job.failIndex)
        return { status: 'completed', conclusion: 'failure', startedAt: start, completedAt: doneAt };
      // "Complete job" always runs; the user's steps after a failure are skipped.
      if (index === last)
        return { status: 'completed', conclusion: 'success', startedAt: doneAt, completedAt: doneAt };
      return { status: 'completed', conclusion: 'skipped', startedAt: null, completedAt: null };
    }
    const c =
      job.finalConclusion === 'success' || index === 0 || index === last
        ? 'success'
        : (job.finalConclusion ?? 'success');
    return { status: 'completed', conclusion: c, startedAt: start, completedAt: Math.min(end, doneAt) };
  }
  if (now >= end) return { status: 'completed', conclusion: 'success', startedAt: start, completedAt: end };
  if (now >= start) return { status: 'in_progress', conclusion: null, startedAt: start, completedAt: null };
  return { status: 'queued', conclusion: null, startedAt: null, completedAt: null };
}
