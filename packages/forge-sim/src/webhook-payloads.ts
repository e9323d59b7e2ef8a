// Webhook payloads. GitHub's validate against @octokit/openapi-webhooks (webhook-workflow-run-*,
// webhook-workflow-job-*, webhook-pull-request-*); Gitea's and Forgejo's are Gitea's own payload
// structs (services/webhook: WorkflowRunPayload, WorkflowJobPayload, PullRequestPayload) built from
// the same API shapes as their REST answers.
import { forgejoRun, giteaJob, giteaRepo, giteaRun, giteaWorkflow, gtime, simUser } from './gitea-shapes.js';
import {
  ghJob,
  ghRepo,
  ghRun,
  ghUser,
  ghWorkflow,
  iso,
  ownerId,
  SIM_USER,
  type Urls,
} from './github-shapes.js';
import type { SimCore } from './sim.js';
import type { Job, Pull, Repo, Run, SimEvent } from './store.js';

/**
 * GitHub's `full-repository` ("Get a repository", GET /repos/{owner}/{repo}): the webhook repository
 * plus the counters only this answer carries (required by the schema in @octokit/openapi-webhooks).
 */
export function ghFullRepo(u: Urls, repo: Repo) {
  return { ...ghWebhookRepo(u, repo), network_count: 0, subscribers_count: 0 };
}

/** The full repository object webhooks carry (more than minimal-repository). */
export function ghWebhookRepo(u: Urls, repo: Repo) {
  const base = ghRepo(u, repo);
  return {
    ...base,
    clone_url: `${u.web}/${base.full_name}.git`,
    git_url: `git://127.0.0.1/${base.full_name}.git`,
    ssh_url: `git@127.0.0.1:${base.full_name}.git`,
    svn_url: `${u.web}/${base.full_name}`,
    mirror_url: null,
    homepage: null,
    language: null,
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues_count: repo.pulls.size,
    open_issues: repo.pulls.size,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'public',
    license: null,
    pushed_at: iso(repo.createdAt),
    created_at: iso(repo.createdAt),
    updated_at: iso(repo.createdAt),
    allow_forking: true,
    web_commit_signoff_required: false,
  };
}

function ghWorkflowRunPayload(u: Urls, run: Run) {
  const body = ghRun(u, run);
  return {
    ...body,
    // The webhook's workflow_run omits a few REST-only fields and types others more strictly.
    referenced_workflows: [],
    head_commit: {
      ...body.head_commit,
      author: { ...body.head_commit.author, date: body.head_commit.timestamp },
      committer: { ...body.head_commit.committer, date: body.head_commit.timestamp },
    },
  };
}

function ghWorkflowJobPayload(
  u: Urls,
  run: Run,
  job: Job,
  action: 'queued' | 'in_progress' | 'completed',
  now: number,
) {
  const body = ghJob(u, run, job, now);
  if (action === 'queued') {
    return {
      ...body,
      status: 'queued',
      conclusion: null,
      completed_at: null,
      steps: [],
      runner_id: null,
      runner_name: null,
      runner_group_id: null,
      runner_group_name: null,
    };
  }
  if (action === 'in_progress') {
    return {
      ...body,
      status: 'in_progress',
      conclusion: null,
      completed_at: null,
      // The event fires as the job starts: its steps have not run yet.
      steps: body.steps.map((s, i) => ({
        ...s,
        status: i === 0 ? 'in_progress' : 'queued',
        conclusion: null,
        started_at: i === 0 ? body.started_at : null,
        completed_at: null,
      })),
    };
  }
  return body;
}

export function ghPullRequest(u: Urls, repo: Repo, pull: Pull) {
  const full = `${repo.owner}/${repo.name}`;
  const api = `${u.api}/repos/${full}/pulls/${pull.number}`;
  const issue = `${u.api}/repos/${full}/issues/${pull.number}`;
  const user = ghUser(u, SIM_USER.login, SIM_USER.id);
  const r = ghWebhookRepo(u, repo);
  const side = (ref: string, sha: string) => ({
    label: `${repo.owner}:${ref}`,
    ref,
    sha,
    user: ghUser(u, repo.owner, ownerId(repo.owner), 'Organization'),
    repo: r,
  });
  return {
    url: api,
    id: pull.id,
    node_id: Buffer.from(`PullRequest${pull.id}`).toString('base64'),
    html_url: `${u.web}/${full}/pull/${pull.number}`,
    diff_url: `${u.web}/${full}/pull/${pull.number}.diff`,
    patch_url: `${u.web}/${full}/pull/${pull.number}.patch`,
    issue_url: issue,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user,
    body: null,
    created_at: iso(pull.createdAt),
    updated_at: iso(pull.updatedAt),
    closed_at: null,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    labels: [],
    milestone: null,
    draft: false,
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    review_comment_url: `${u.api}/repos/${full}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: `${u.api}/repos/${full}/statuses/${pull.headSha}`,
    head: side(pull.headRef, pull.headSha),
    base: side(pull.base, repo.branches.get(pull.base) ?? pull.headSha),
    _links: {
      self: { href: api },
      html: { href: `${u.web}/${full}/pull/${pull.number}` },
      issue: { href: issue },
      comments: { href: `${issue}/comments` },
      review_comments: { href: `${api}/comments` },
      review_comment: { href: `${u.api}/repos/${full}/pulls/comments{/number}` },
      commits: { href: `${api}/commits` },
      statuses: { href: `${u.api}/repos/${full}/statuses/${pull.headSha}` },
    },
    author_association: 'MEMBER',
    auto_merge: null,
    active_lock_reason: null,
    merged: false,
    mergeable: null,
    rebaseable: null,
    mergeable_state: 'unknown',
    merged_by: null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 1,
    deletions: 0,
    changed_files: 1,
  };
}

export function githubWebhookPayload(sim: SimCore, e: SimEvent): unknown {
  const u = sim.urls;
  const sender = ghUser(u, SIM_USER.login, SIM_USER.id);
  if (e.kind === 'pull_request') {
    const payload: Record<string, unknown> = {
      action: e.action,
      number: e.pull.number,
      pull_request: ghPullRequest(u, e.repo, e.pull),
      repository: ghWebhookRepo(u, e.repo),
      sender,
    };
    if (e.action === 'synchronize') {
      payload.before = e.pull.headSha.split('').reverse().join('');
      payload.after = e.pull.headSha;
    }
    return payload;
  }
  if (e.kind === 'workflow_run') {
    return {
      action: e.action,
      workflow_run: ghWorkflowRunPayload(u, e.run),
      workflow: ghWorkflow(u, e.run.repo, e.run.workflow),
      repository: ghWebhookRepo(u, e.run.repo),
      sender,
    };
  }
  return {
    action: e.action,
    workflow_job: ghWorkflowJobPayload(u, e.run, e.job, e.action, e.job.completedAt ?? e.job.startedAt),
    repository: ghWebhookRepo(u, e.run.repo),
    sender,
  };
}

/** Gitea's PullRequest (swagger definitions/PullRequest), the fields a receiver reads. */
export function giteaPullRequest(u: Urls, repo: Repo, pull: Pull) {
  const full = `${repo.owner}/${repo.name}`;
  const r = giteaRepo(u, repo);
  const side = (ref: string, sha: string) => ({ label: ref, ref, sha, repo_id: repo.id, repo: r });
  return {
    id: pull.id,
    url: `${u.web}/${full}/pulls/${pull.number}`,
    number: pull.number,
    user: simUser(u),
    title: pull.title,
    body: '',
    labels: [],
    milestone: null,
    assignee: null,
    assignees: null,
    state: pull.state,
    is_locked: false,
    comments: 0,
    html_url: `${u.web}/${full}/pulls/${pull.number}`,
    diff_url: `${u.web}/${full}/pulls/${pull.number}.diff`,
    patch_url: `${u.web}/${full}/pulls/${pull.number}.patch`,
    mergeable: true,
    merged: false,
    merged_at: null,
    merge_commit_sha: null,
    merged_by: null,
    allow_maintainer_edit: false,
    base: side(pull.base, repo.branches.get(pull.base) ?? pull.headSha),
    head: side(pull.headRef, pull.headSha),
    merge_base: repo.branches.get(pull.base) ?? pull.headSha,
    due_date: null,
    created_at: gtime(pull.createdAt),
    updated_at: gtime(pull.updatedAt),
    closed_at: null,
    pin_order: 0,
  };
}

export function giteaWebhookPayload(sim: SimCore, e: SimEvent): unknown {
  const u = sim.urls;
  const sender = simUser(u);
  if (e.kind === 'pull_request') {
    return {
      // Gitea names the push-to-PR action "synchronized" (HookIssueSynchronized).
      action: e.action === 'synchronize' ? 'synchronized' : e.action,
      number: e.pull.number,
      pull_request: giteaPullRequest(u, e.repo, e.pull),
      requested_reviewer: null,
      repository: giteaRepo(u, e.repo),
      sender,
      commit_id: '',
      review: null,
    };
  }
  if (e.kind === 'workflow_run') {
    return {
      action: e.action,
      workflow: giteaWorkflow(u, e.run.repo, e.run.workflow),
      workflow_run: giteaRun(u, e.run),
      repository: giteaRepo(u, e.run.repo),
      sender,
    };
  }
  const job = giteaJob(u, e.run, e.job, e.job.completedAt ?? e.job.startedAt);
  const shaped =
    e.action === 'queued'
      ? { ...job, status: 'queued', conclusion: '', steps: [] }
      : e.action === 'in_progress'
        ? { ...job, status: 'in_progress', conclusion: '', steps: [] }
        : job;
  return { action: e.action, workflow_job: shaped, repository: giteaRepo(u, e.run.repo), sender };
}

/**
 * Forgejo has no `workflow_run` / `workflow_job` webhooks. When a run is done it sends
 * `action_run_success` or `action_run_failure` (any other final status), and `action_run_recover`
 * as well when a success follows a run of the same workflow that did not succeed; nothing while a
 * run is queued or running (services/webhook/notifier.go ActionRunNowDone; modules/webhook/type.go).
 * The payload is ActionPayload {action, run, prior_status, last_run?} (modules/structs/hook.go), with
 * no repository or sender.
 */
export function forgejoActionDeliveries(
  sim: SimCore,
  e: Extract<SimEvent, { kind: 'workflow_run' | 'workflow_job' }>,
): { event: string; eventType: string; payload: unknown }[] {
  if (e.kind !== 'workflow_run' || e.action !== 'completed') return [];
  const run = e.run;
  const last = run.repo.runs
    .filter(
      (r) =>
        r !== run && r.workflow === run.workflow && r.runNumber < run.runNumber && r.status === 'completed',
    )
    .at(-1);
  const payload = (action: string) => ({
    action,
    run: forgejoRun(sim.urls, run, sim.store.now()),
    // The status before it was done: running, or waiting for a run cancelled before any job ran.
    prior_status: run.jobs.some((j) => j.steps.length > 0) ? 'running' : 'waiting',
    ...(last ? { last_run: forgejoRun(sim.urls, last, sim.store.now()) } : {}),
  });
  const event = (name: string, action: string) => ({
    event: name,
    eventType: name,
    payload: payload(action),
  });
  if (run.conclusion !== 'success') return [event('action_run_failure', 'failure')];
  const out = [event('action_run_success', 'success')];
  if (last && last.conclusion !== 'success') out.push(event('action_run_recover', 'recover'));
  return out;
}
