// Gitea and Forgejo shapes. Gitea: definitions in ../specs/gitea-swagger.v1.json
// (ActionWorkflowRun, ActionWorkflowJob, ActionTask, ActionWorkflow, CommitStatus, CombinedStatus,
// Comment, User, Repository). Forgejo: modules/structs/action.go (ActionRun, ActionRunJob,
// ActionRunJobStep), whose runs carry the raw status and `index_in_repo`/`prettyref`/`commit_sha`.
import { type ContentsEntry, type ContentsRef, escapePath } from './contents.js';
import type { Urls } from './github-shapes.js';
import { ownerId, SIM_USER } from './github-shapes.js';
import { type Job, type Repo, type Run, stepState, type Workflow } from './store.js';
import type { RunConclusion } from './types.js';

/** Gitea marshals time.Time with the zone offset; the sim runs in UTC. */
export function gtime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
/** Go's zero time.Time, which Gitea sends for a run that has not completed. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
/** Forgejo's timeutil.TimeStamp(0).AsTime(). */
export const UNIX_ZERO_TIME = '1970-01-01T00:00:00Z';

export function giteaUser(u: Urls, login: string, id: number) {
  return {
    id,
    login,
    login_name: '',
    source_id: 0,
    full_name: login,
    email: `${login}@noreply.localhost`,
    avatar_url: `${u.web}/avatars/${id}`,
    html_url: `${u.web}/${login}`,
    language: '',
    is_admin: false,
    last_login: GO_ZERO_TIME,
    created: '2024-01-01T00:00:00Z',
    restricted: false,
    active: true,
    prohibit_login: false,
    location: '',
    website: '',
    description: '',
    visibility: 'public',
    followers_count: 0,
    following_count: 0,
    starred_repos_count: 0,
    username: login,
  };
}

export function simUser(u: Urls) {
  return giteaUser(u, SIM_USER.login, SIM_USER.id);
}

export function giteaRepo(u: Urls, repo: Repo) {
  const full = `${repo.owner}/${repo.name}`;
  return {
    id: repo.id,
    owner: giteaUser(u, repo.owner, ownerId(repo.owner)),
    name: repo.name,
    full_name: full,
    description: '',
    empty: false,
    private: false,
    fork: false,
    template: false,
    mirror: false,
    size: 0,
    language: '',
    languages_url: `${u.api}/repos/${full}/languages`,
    html_url: `${u.web}/${full}`,
    url: `${u.api}/repos/${full}`,
    link: '',
    ssh_url: `git@127.0.0.1:${full}.git`,
    clone_url: `${u.web}/${full}.git`,
    original_url: '',
    website: '',
    stars_count: 0,
    forks_count: 0,
    watchers_count: 0,
    open_issues_count: 0,
    open_pr_counter: repo.pulls.size,
    release_counter: 0,
    default_branch: repo.defaultBranch,
    archived: false,
    created_at: gtime(repo.createdAt),
    updated_at: gtime(repo.createdAt),
    has_issues: true,
    has_wiki: false,
    has_pull_requests: true,
    has_projects: false,
    has_releases: true,
    has_packages: false,
    has_actions: true,
    ignore_whitespace_conflicts: false,
    allow_merge_commits: true,
    allow_rebase: true,
    allow_rebase_explicit: true,
    allow_squash_merge: true,
    default_merge_style: 'merge',
    avatar_url: '',
    internal: false,
    mirror_interval: '',
    object_format_name: 'sha1',
    topics: [],
  };
}

/** Gitea's raw status word for a run/job state (models/actions/status.go). */
export function rawStatus(
  status: 'queued' | 'in_progress' | 'completed',
  conclusion: RunConclusion | null,
): string {
  if (status === 'queued') return 'waiting';
  if (status === 'in_progress') return 'running';
  switch (conclusion) {
    case 'success':
      return 'success';
    case 'cancelled':
      return 'cancelled';
    case 'skipped':
      return 'skipped';
    case 'failure':
    case 'timed_out':
    case 'startup_failure':
      return 'failure';
    default:
      return 'unknown';
  }
}

export function giteaRunUrls(u: Urls, run: Run) {
  const full = `${run.repo.owner}/${run.repo.name}`;
  return {
    api: `${u.api}/repos/${full}/actions/runs/${run.id}`,
    // Gitea and Forgejo link a run's page by its per-repo index (run_number), not by its id.
    html: `${u.web}/${full}/actions/runs/${run.runNumber}`,
  };
}

export function giteaRun(u: Urls, run: Run) {
  const { api, html } = giteaRunUrls(u, run);
  const repo = giteaRepo(u, run.repo);
  const user = simUser(u);
  const completedAt =
    run.status === 'completed' ? gtime(Math.max(run.updatedAt, run.runStartedAt)) : GO_ZERO_TIME;
  return {
    id: run.id,
    url: api,
    html_url: html,
    display_title: run.displayTitle,
    path: `${run.workflow.spec.file}@refs/heads/${run.headBranch}`,
    event: run.event,
    run_attempt: run.attempt,
    run_number: run.runNumber,
    head_sha: run.headSha,
    head_branch: run.headBranch,
    // services/convert ToActionsStatus: GitHub-like status + conclusion.
    status: run.status,
    conclusion: run.conclusion ?? '',
    started_at: run.status === 'queued' ? GO_ZERO_TIME : gtime(run.runStartedAt),
    completed_at: completedAt,
    actor: user,
    trigger_actor: user,
    repository: repo,
    head_repository: repo,
    repository_id: run.repo.id,
    pull_requests: [],
  };
}

/**
 * Gitea lists only the workflow's own steps (the runner's set-up/complete steps are UI-only), and
 * none before a runner took the job (steps come from its task).
 */
function userSteps(job: Job) {
  if (job.status === 'queued') return [];
  return job.steps.slice(1, -1).map((s, i) => ({ s, index: i + 1, number: i }));
}

export function giteaJob(u: Urls, run: Run, job: Job, now: number) {
  const { api, html } = giteaRunUrls(u, run);
  const full = `${run.repo.owner}/${run.repo.name}`;
  const jobIndex = run.jobs.indexOf(job);
  return {
    id: job.id,
    url: `${u.api}/repos/${full}/actions/jobs/${job.id}`,
    html_url: `${html}/jobs/${Math.max(jobIndex, 0)}`,
    run_id: run.id,
    run_url: api,
    name: job.name,
    labels: ['ubuntu-latest'],
    run_attempt: job.attempt,
    head_sha: run.headSha,
    head_branch: run.headBranch,
    status: job.status,
    conclusion: job.status === 'completed' ? (job.finalConclusion ?? '') : '',
    runner_id: 1,
    runner_name: 'sim-runner',
    steps: userSteps(job).map(({ s, index, number }) => {
      const st = stepState(job, index, now);
      return {
        name: s.name,
        number,
        status: st.status,
        conclusion: st.conclusion ?? '',
        started_at: st.startedAt === null ? GO_ZERO_TIME : gtime(st.startedAt),
        completed_at: st.completedAt === null ? GO_ZERO_TIME : gtime(st.completedAt),
      };
    }),
    created_at: gtime(job.createdAt),
    started_at: job.status === 'queued' ? GO_ZERO_TIME : gtime(job.startedAt),
    completed_at: job.completedAt === null ? GO_ZERO_TIME : gtime(job.completedAt),
  };
}

/** Gitea 1.24's /actions/tasks entry: one per job attempt, raw status (convert.ToActionTask). */
export function giteaTask(u: Urls, run: Run, job: Job) {
  const { html } = giteaRunUrls(u, run);
  return {
    id: job.id,
    name: job.name,
    head_branch: run.headBranch,
    head_sha: run.headSha,
    run_number: run.runNumber,
    event: run.event,
    display_title: run.displayTitle,
    status: rawStatus(job.status, job.status === 'completed' ? job.finalConclusion : null),
    workflow_id: run.workflow.spec.file,
    url: html,
    created_at: gtime(job.createdAt),
    updated_at: gtime(job.completedAt ?? job.startedAt),
    run_started_at: gtime(job.startedAt),
  };
}

export function giteaWorkflow(u: Urls, repo: Repo, wf: Workflow) {
  const full = `${repo.owner}/${repo.name}`;
  return {
    id: wf.spec.file,
    name: wf.name,
    path: wf.path,
    state: 'active',
    created_at: gtime(wf.createdAt),
    updated_at: gtime(wf.createdAt),
    url: `${u.api}/repos/${full}/actions/workflows/${wf.spec.file}`,
    html_url: `${u.web}/${full}/actions?workflow=${wf.spec.file}`,
    badge_url: `${u.web}/${full}/actions/workflows/${wf.spec.file}/badge.svg`,
  };
}

/**
 * ContentsResponse (services/repository/files/content.go): a file asked for directly carries
 * `encoding: base64` and `content` (Go's StdEncoding, one line); listing entries carry neither (null).
 * The pointer fields without omitempty (`target`, `submodule_git_url`, …) are null when unset. The
 * `repoGetContents` route asks for commit metadata: `last_commit_sha` everywhere, and on Gitea also
 * `last_committer_date` / `last_author_date` (the sim's workflows have no history: the ref's head
 * commit and the workflow's creation time stand in). Web links name the ref kind:
 * `/src/branch/main/…`, `/raw/commit/<sha>/…`.
 */
export function giteaContent(
  u: Urls,
  repo: Repo,
  e: ContentsEntry,
  ref: ContentsRef,
  opts: { withContent: boolean; forgejo: boolean },
) {
  const full = `${repo.owner}/${repo.name}`;
  const file = e.type === 'file';
  const url = `${u.api}/repos/${full}/contents/${escapePath(e.path)}?ref=${encodeURIComponent(ref.input)}`;
  const web = `${ref.kind}/${escapePath(ref.name)}/${escapePath(e.path)}`;
  const htmlUrl = `${u.web}/${full}/src/${web}`;
  // Gitea links directories to /git/blobs/<id> as well.
  const gitUrl = `${u.api}/repos/${full}/git/blobs/${e.sha}`;
  const when = gtime(file ? e.workflow.createdAt : repo.createdAt);
  const content = opts.withContent && file;
  return {
    name: e.name,
    path: e.path,
    sha: e.sha,
    last_commit_sha: ref.sha,
    ...(opts.forgejo ? {} : { last_committer_date: when, last_author_date: when }),
    type: e.type,
    size: e.size,
    encoding: content ? 'base64' : null,
    content: content ? Buffer.from(e.text, 'utf8').toString('base64') : null,
    target: null,
    url,
    html_url: htmlUrl,
    git_url: gitUrl,
    download_url: file ? `${u.web}/${full}/raw/${web}` : null,
    submodule_git_url: null,
    _links: { self: url, git: gitUrl, html: htmlUrl },
  };
}

// ---- Forgejo --------------------------------------------------------------------------------
// Forgejo 16: modules/structs/action.go (ActionRun, ActionRunJob, ActionRunJobStep),
// services/convert ToActionRun / ToActionRunJob, checked against Forgejo 15.0.9's API description
// (specs/forgejo-api.v15.0.9.json) plus the fields Forgejo 16 added.

/** `now`: the forge's clock (a running run's duration counts up to it). */
export function forgejoRun(u: Urls, run: Run, now: number) {
  const { html } = giteaRunUrls(u, run);
  const started = run.status === 'queued' ? UNIX_ZERO_TIME : gtime(run.runStartedAt);
  const stopped = run.status === 'completed' ? gtime(run.updatedAt) : UNIX_ZERO_TIME;
  const durationNs =
    run.status === 'queued'
      ? 0
      : Math.max(0, (run.status === 'completed' ? run.updatedAt : now) - run.runStartedAt) * 1e6;
  const repository = giteaRepo(u, run.repo);
  const user = simUser(u);
  return {
    id: run.id,
    title: run.displayTitle,
    repository,
    workflow_id: run.workflow.spec.file,
    index_in_repo: run.runNumber,
    trigger_user: user,
    ScheduleID: 0,
    prettyref: run.headBranch,
    is_ref_deleted: false,
    commit_sha: run.headSha,
    is_fork_pull_request: false,
    need_approval: false,
    approved_by: 0,
    event: run.event,
    // The event's payload as JSON text: for a dispatch, WorkflowDispatchPayload {inputs, ref,
    // repository, sender, workflow} (services/actions/workflows.go Dispatch).
    event_payload: JSON.stringify(
      run.event === 'workflow_dispatch'
        ? {
            inputs: run.inputs,
            ref: `refs/heads/${run.headBranch}`,
            repository,
            sender: user,
            workflow: run.workflow.path,
          }
        : {},
    ),
    trigger_event: run.event,
    status: rawStatus(run.status, run.conclusion),
    started,
    stopped,
    created: gtime(run.createdAt),
    updated: gtime(run.updatedAt),
    // `duration,omitempty`: absent while it is 0 (a run not started yet).
    ...(durationNs > 0 ? { duration: Math.round(durationNs) } : {}),
    html_url: html,
  };
}

/**
 * ActionRunJob: `task_id` 0 until a runner took the job; `steps` only on a single job
 * (GET …/actions/jobs/{job_id}) and only once it has a task ("A job that has never been picked up by a
 * runner returns the job metadata with `steps` omitted", routers/api/v1/repo/action.go GetActionJob).
 */
export function forgejoJob(u: Urls, run: Run, job: Job, now: number, withSteps: boolean) {
  const started = job.status !== 'queued' && job.steps.length > 0;
  const base = {
    id: job.id,
    run_id: run.id,
    attempt: job.attempt,
    handle: `job-${job.id}`,
    repo_id: run.repo.id,
    owner_id: ownerId(run.repo.owner),
    name: job.name,
    html_url: `${giteaRunUrls(u, run).html}/jobs/${Math.max(run.jobs.indexOf(job), 0)}`,
    needs: [] as string[],
    runs_on: ['docker'],
    task_id: started ? job.id + 100000 : 0,
    status: rawStatus(job.status, job.status === 'completed' ? job.finalConclusion : null),
  };
  if (!withSteps || !started) return base;
  return {
    ...base,
    // Forgejo numbers steps from 0 ("Set up job") to the last ("Complete job").
    steps: job.steps.map((s, i) => {
      const st = stepState(job, i, now);
      return {
        number: i,
        name: s.name,
        status: rawStatus(st.status, st.conclusion),
        started: st.startedAt === null ? UNIX_ZERO_TIME : gtime(st.startedAt),
        stopped: st.completedAt === null ? UNIX_ZERO_TIME : gtime(st.completedAt),
      };
    }),
  };
}
