// GitHub REST shapes (components/schemas in ../specs/github-actions-subset.json): workflow-run,
// job, workflow, status, combined-commit-status, issue-comment, minimal-repository, simple-user.
// Every field the schema requires is present; fidelity tests validate these with ajv.
import { type ContentsEntry, type ContentsRef, escapePath } from './contents.js';
import { commitMessage, type Job, type Repo, type Run, stepState, type Workflow } from './store.js';

export interface Urls {
  /** API base, e.g. http://127.0.0.1:PORT or …/api/v3 */
  api: string;
  /** Web root, e.g. http://127.0.0.1:PORT */
  web: string;
}

export function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function nodeId(kind: string, id: number): string {
  return Buffer.from(`0${kind.length}:${kind}${id}`).toString('base64');
}

export const SIM_USER = { login: 'xrd-bot', id: 4242 };

export function ghUser(u: Urls, login: string, id: number, type = 'User') {
  const api = `${u.api}/users/${login}`;
  return {
    login,
    id,
    node_id: nodeId('User', id),
    avatar_url: `${u.web}/avatars/${id}`,
    gravatar_id: '',
    url: api,
    html_url: `${u.web}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export function ownerId(owner: string): number {
  let h = 7;
  for (const ch of owner) h = (h * 31 + ch.charCodeAt(0)) % 1_000_000;
  return 1000 + h;
}

const repoCache = new WeakMap<Repo, { key: string; value: ReturnType<typeof buildRepo> }>();

export function ghRepo(u: Urls, repo: Repo) {
  const key = `${u.api}`;
  const hit = repoCache.get(repo);
  if (hit && hit.key === key) return hit.value;
  const value = buildRepo(u, repo);
  repoCache.set(repo, { key, value });
  return value;
}

function buildRepo(u: Urls, repo: Repo) {
  const full = `${repo.owner}/${repo.name}`;
  const api = `${u.api}/repos/${full}`;
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: full,
    owner: ghUser(u, repo.owner, ownerId(repo.owner), 'Organization'),
    private: false,
    html_url: `${u.web}/${full}`,
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    hooks_url: `${api}/hooks`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
  };
}

export function runUrls(u: Urls, run: Run) {
  const full = `${run.repo.owner}/${run.repo.name}`;
  const api = `${u.api}/repos/${full}/actions/runs/${run.id}`;
  return {
    api,
    html: `${u.web}/${full}/actions/runs/${run.id}`,
  };
}

export function ghRun(u: Urls, run: Run) {
  const full = `${run.repo.owner}/${run.repo.name}`;
  const repoApi = `${u.api}/repos/${full}`;
  const { api, html } = runUrls(u, run);
  const repo = ghRepo(u, run.repo);
  const actor = ghUser(u, SIM_USER.login, SIM_USER.id);
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId('WorkflowRun', run.id),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.workflow.path,
    display_title: run.displayTitle,
    run_number: run.runNumber,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflow.id,
    check_suite_id: run.id + 7,
    check_suite_node_id: nodeId('CheckSuite', run.id + 7),
    url: api,
    html_url: html,
    pull_requests: [],
    created_at: iso(run.createdAt),
    updated_at: iso(run.updatedAt),
    actor,
    run_attempt: run.attempt,
    referenced_workflows: [],
    run_started_at: iso(run.runStartedAt),
    triggering_actor: actor,
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    check_suite_url: `${repoApi}/check-suites/${run.id + 7}`,
    artifacts_url: `${api}/artifacts`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    previous_attempt_url: run.attempt > 1 ? `${api}/attempts/${run.attempt - 1}` : null,
    workflow_url: `${repoApi}/actions/workflows/${run.workflow.id}`,
    head_commit: {
      id: run.headSha,
      tree_id: run.headSha.split('').reverse().join(''),
      message: commitMessage(run.headBranch),
      timestamp: iso(run.repo.createdAt),
      author: { name: 'Sim Author', email: 'author@example.com' },
      committer: { name: 'Sim Committer', email: 'committer@example.com' },
    },
    repository: repo,
    head_repository: repo,
  };
}

export function ghJob(u: Urls, run: Run, job: Job, now: number) {
  const full = `${run.repo.owner}/${run.repo.name}`;
  const repoApi = `${u.api}/repos/${full}`;
  // A queued job (OpenAPI `job`; @octokit/webhooks-examples workflow_job "queued"): no runner, no
  // steps yet, and `started_at` (required, not nullable) equal to `created_at`.
  const queued = job.status === 'queued';
  const ran = !queued && job.steps.length > 0;
  return {
    id: job.id,
    run_id: run.id,
    workflow_name: run.workflow.name,
    head_branch: run.headBranch,
    run_url: `${repoApi}/actions/runs/${run.id}`,
    run_attempt: job.attempt,
    node_id: nodeId('CheckRun', job.id),
    head_sha: run.headSha,
    url: `${repoApi}/actions/jobs/${job.id}`,
    html_url: `${u.web}/${full}/actions/runs/${run.id}/job/${job.id}`,
    status: job.status,
    conclusion: job.status === 'completed' ? job.finalConclusion : null,
    created_at: iso(job.createdAt),
    started_at: iso(queued ? job.createdAt : job.startedAt),
    completed_at: job.completedAt === null ? null : iso(job.completedAt),
    name: job.name,
    steps: (queued ? [] : job.steps).map((s, i) => {
      const st = stepState(job, i, now);
      return {
        name: s.name,
        status: st.status,
        conclusion: st.conclusion,
        number: s.number,
        started_at: st.startedAt === null ? null : iso(st.startedAt),
        completed_at: st.completedAt === null ? null : iso(st.completedAt),
      };
    }),
    check_run_url: `${repoApi}/check-runs/${job.id}`,
    labels: ['ubuntu-latest'],
    runner_id: ran ? 1 : null,
    runner_name: ran ? 'GitHub Actions 1' : null,
    runner_group_id: ran ? 1 : null,
    runner_group_name: ran ? 'GitHub Actions' : null,
  };
}

export function ghWorkflow(u: Urls, repo: Repo, wf: Workflow) {
  const full = `${repo.owner}/${repo.name}`;
  return {
    id: wf.id,
    node_id: nodeId('Workflow', wf.id),
    name: wf.name,
    path: wf.path,
    state: 'active',
    created_at: iso(wf.createdAt),
    updated_at: iso(wf.createdAt),
    url: `${u.api}/repos/${full}/actions/workflows/${wf.id}`,
    html_url: `${u.web}/${full}/blob/${repo.defaultBranch}/${wf.path}`,
    badge_url: `${u.web}/${full}/workflows/${encodeURIComponent(wf.name)}/badge.svg`,
  };
}

/**
 * `content-file` (a file asked for directly) or one item of `content-directory` (a listing, no
 * content). GitHub wraps the base64 content at 60 characters with a newline after each line.
 * Real download URLs are on raw.githubusercontent.com; the sim serves them itself under
 * `<web>/<owner>/<repo>/raw/<ref>/<path>`, as github.com's own /raw/ links do.
 */
export function ghContent(u: Urls, repo: Repo, e: ContentsEntry, ref: ContentsRef, withContent: boolean) {
  const full = `${repo.owner}/${repo.name}`;
  const file = e.type === 'file';
  const url = `${u.api}/repos/${full}/contents/${escapePath(e.path)}?ref=${encodeURIComponent(ref.input)}`;
  const gitUrl = `${u.api}/repos/${full}/git/${file ? 'blobs' : 'trees'}/${e.sha}`;
  const htmlUrl = `${u.web}/${full}/${file ? 'blob' : 'tree'}/${escapePath(ref.input)}/${escapePath(e.path)}`;
  const head = withContent && file ? { type: e.type, encoding: 'base64' } : { type: e.type };
  return {
    ...head,
    size: e.size,
    name: e.name,
    path: e.path,
    ...(withContent && file ? { content: base64Lines(e.text) } : {}),
    sha: e.sha,
    url,
    git_url: gitUrl,
    html_url: htmlUrl,
    download_url: file ? `${u.web}/${full}/raw/${escapePath(ref.input)}/${escapePath(e.path)}` : null,
    _links: { self: url, git: gitUrl, html: htmlUrl },
  };
}

function base64Lines(text: string): string {
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 60) out += `${b64.slice(i, i + 60)}\n`;
  return out;
}
