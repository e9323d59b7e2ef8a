// Translation of Gitea and Forgejo shapes into the core model. The mappers accept both families'
// field names (Gitea ActionWorkflowRun `display_title`/`run_number`/`created_at`…, Forgejo ActionRun
// `title`/`index_in_repo`/`created`…) so a server in between (or a future rename) still maps.
import type { Job, RepoRef, Run, Step } from '@xrd/core';
import { normalizeStatus } from './status.js';
import type { GiteaUrls } from './urls.js';

type Raw = Readonly<Record<string, unknown>>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/**
 * A time, or undefined for Go's zero time (`0001-01-01T00:00:00Z`) and the Unix epoch, which Gitea
 * sends for "not yet" (e.g. `started_at` of a queued run).
 */
function time(value: unknown): string | undefined {
  const text = str(value);
  if (!text) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return text;
}

function first<T>(...values: (T | undefined)[]): T | undefined {
  for (const value of values) if (value !== undefined) return value;
  return undefined;
}

/** Optional fields may be given as undefined; `defined` drops them. */
type Loose<T> = { [K in keyof T]: T[K] | undefined };

/** Drops undefined values, so objects satisfy `exactOptionalPropertyTypes`. */
function defined<T extends object>(value: Loose<T>): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function repoPath(repo: RepoRef): string {
  return `/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.repo)}`;
}

export function runApiUrl(urls: GiteaUrls, repo: RepoRef, runId: number): string {
  return `${urls.apiRoot}${repoPath(repo)}/actions/runs/${runId}`;
}

/** Gitea's run `path` is `<file>@<ref>` (convert.ToActionWorkflowRun); Forgejo sends `workflow_id`. */
function workflowFile(raw: Raw): string | undefined {
  const path = str(raw.path);
  if (path) return path.split('@')[0];
  return str(raw.workflow_id);
}

/** The file name of a workflow path (`.gitea/workflows/build.yml` → `build.yml`). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function mapRun(raw: Raw, urls: GiteaUrls, repo: RepoRef): Run {
  const id = num(raw.id) ?? 0;
  const normalized = normalizeStatus(str(raw.status), str(raw.conclusion));
  const file = workflowFile(raw);
  const url = str(raw.url) ?? runApiUrl(urls, repo, id);
  const runNumber = first(num(raw.run_number), num(raw.index_in_repo));
  const createdAt =
    first(
      time(raw.created_at),
      time(raw.created),
      time(raw.started_at),
      time(raw.started),
      time(raw.updated_at),
    ) ?? '';
  return defined<Run>({
    id,
    runNumber,
    runAttempt: num(raw.run_attempt),
    workflowId: file,
    workflowPath: file,
    name: str(raw.name),
    displayTitle: first(str(raw.display_title), str(raw.title)),
    event: first(str(raw.event), str(raw.trigger_event)),
    headBranch: first(str(raw.head_branch), str(raw.prettyref)),
    headSha: first(str(raw.head_sha), str(raw.commit_sha)),
    status: normalized.status,
    conclusion: normalized.conclusion,
    rawStatus: str(raw.conclusion)
      ? `${str(raw.status) ?? ''}/${str(raw.conclusion)}`
      : (str(raw.status) ?? ''),
    createdAt,
    startedAt: first(time(raw.started_at), time(raw.started), time(raw.run_started_at)),
    updatedAt: first(time(raw.updated_at), time(raw.updated)),
    completedAt:
      normalized.status === 'completed' ? first(time(raw.completed_at), time(raw.stopped)) : undefined,
    url,
    htmlUrl:
      str(raw.html_url) ?? `${urls.webRoot}/${repo.owner}/${repo.repo}/actions/runs/${runNumber ?? id}`,
    jobsUrl: `${url}/jobs`,
  });
}

function mapStep(raw: Raw, index: number): Step {
  const normalized = normalizeStatus(str(raw.status), str(raw.conclusion));
  return {
    name: str(raw.name) ?? '',
    number: num(raw.number) ?? index + 1,
    status: normalized.status,
    conclusion: normalized.conclusion,
  };
}

export function mapJob(raw: Raw, runId: number): Job {
  const normalized = normalizeStatus(str(raw.status), str(raw.conclusion));
  const steps = Array.isArray(raw.steps) ? (raw.steps as Raw[]).map(mapStep) : [];
  return defined<Job>({
    id: num(raw.id) ?? 0,
    runId: num(raw.run_id) ?? runId,
    name: str(raw.name) ?? '',
    status: normalized.status,
    conclusion: normalized.conclusion,
    rawStatus: str(raw.status),
    runAttempt: first(num(raw.run_attempt), num(raw.attempt)),
    startedAt: time(raw.started_at),
    completedAt: normalized.status === 'completed' ? time(raw.completed_at) : undefined,
    htmlUrl: str(raw.html_url),
    steps,
  });
}

/**
 * Gitea 1.24 has only `/actions/tasks`: one entry per job attempt (convert.ToActionTask: `id` is the
 * task, `name` the job, `run_number` the run's index, `url` the run's web page). A run is the group
 * of its tasks; its id here is the run number, since that is all a task tells about its run.
 */
export interface TaskGroup {
  readonly runNumber: number;
  /** Newest attempt of each job, newest first. */
  readonly tasks: readonly Raw[];
}

export function groupTasks(tasks: readonly Raw[]): TaskGroup[] {
  const groups = new Map<number, Map<string, Raw>>();
  const sorted = [...tasks].sort((a, b) => (num(b.id) ?? 0) - (num(a.id) ?? 0));
  for (const task of sorted) {
    const runNumber = num(task.run_number);
    if (runNumber === undefined) continue;
    let jobs = groups.get(runNumber);
    if (!jobs) {
      jobs = new Map();
      groups.set(runNumber, jobs);
    }
    const jobName = str(task.name) ?? String(num(task.id));
    // Sorted newest first, so the first task of a job is its latest attempt.
    if (!jobs.has(jobName)) jobs.set(jobName, task);
  }
  return [...groups.entries()]
    .map(([runNumber, jobs]) => ({ runNumber, tasks: [...jobs.values()] }))
    .sort((a, b) => b.runNumber - a.runNumber);
}

export function runFromTasks(group: TaskGroup, urls: GiteaUrls, repo: RepoRef): Run {
  const jobs = group.tasks.map((task) => normalizeStatus(str(task.status)));
  let status: Run['status'] = 'completed';
  if (jobs.some((job) => job.status === 'in_progress')) status = 'in_progress';
  else if (jobs.some((job) => job.status === 'queued')) status = 'queued';
  let conclusion: Run['conclusion'] = null;
  if (status === 'completed') {
    const all = jobs.map((job) => job.conclusion);
    conclusion = all.includes('failure')
      ? 'failure'
      : all.includes('cancelled')
        ? 'cancelled'
        : all.includes('success')
          ? 'success'
          : 'skipped';
  }
  const head = group.tasks[0] ?? {};
  const times = (key: string) =>
    group.tasks
      .map((task) => time(task[key]))
      .filter((value): value is string => value !== undefined)
      .sort();
  const created = times('created_at');
  const started = times('run_started_at');
  const updated = times('updated_at');
  const webUrl =
    str(head.url) ?? `${urls.webRoot}/${repo.owner}/${repo.repo}/actions/runs/${group.runNumber}`;
  return defined<Run>({
    id: group.runNumber,
    runNumber: group.runNumber,
    workflowId: str(head.workflow_id),
    workflowPath: str(head.workflow_id),
    displayTitle: str(head.display_title),
    event: str(head.event),
    headBranch: str(head.head_branch),
    headSha: str(head.head_sha),
    status,
    conclusion,
    rawStatus: group.tasks.map((task) => `${str(task.name) ?? '?'}:${str(task.status) ?? ''}`).join(','),
    createdAt: created[0] ?? updated[0] ?? '',
    startedAt: started[0],
    updatedAt: updated.at(-1),
    completedAt: status === 'completed' ? updated.at(-1) : undefined,
    // Gitea 1.24 has no API URL for a run; the task's `url` is the run's web page.
    url: webUrl,
    htmlUrl: webUrl,
  });
}

export function jobsFromTasks(group: TaskGroup): Job[] {
  return group.tasks
    .map((task) => {
      const normalized = normalizeStatus(str(task.status));
      return defined<Job>({
        id: num(task.id) ?? 0,
        runId: group.runNumber,
        name: str(task.name) ?? '',
        status: normalized.status,
        conclusion: normalized.conclusion,
        rawStatus: str(task.status),
        startedAt: time(task.run_started_at),
        completedAt: normalized.status === 'completed' ? time(task.updated_at) : undefined,
        htmlUrl: str(task.url),
        // /actions/tasks carries no steps.
        steps: [],
      });
    })
    .sort((a, b) => a.id - b.id);
}
