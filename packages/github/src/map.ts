// GitHub shapes → the core model. Field names follow the OpenAPI description
// (packages/forge-sim/specs/github-actions-subset.json: `workflow-run`, `job`).
import type { Job, Run, RunConclusion, RunStatus, Step } from '@xrd/core';
import { RUN_CONCLUSIONS } from '@xrd/core';

export interface GitHubStep {
  name: string;
  number: number;
  status: string;
  conclusion?: string | null;
}

export interface GitHubJob {
  id: number;
  run_id: number;
  name: string;
  status: string;
  conclusion?: string | null;
  run_attempt?: number;
  started_at?: string | null;
  completed_at?: string | null;
  html_url?: string | null;
  steps?: GitHubStep[];
}

export interface GitHubRun {
  id: number;
  run_number?: number;
  run_attempt?: number;
  workflow_id?: number;
  path?: string;
  name?: string | null;
  display_title?: string;
  event?: string;
  head_branch?: string | null;
  head_sha?: string;
  status?: string | null;
  conclusion?: string | null;
  created_at: string;
  run_started_at?: string;
  updated_at?: string;
  url: string;
  html_url: string;
  jobs_url?: string;
}

/**
 * GitHub's run and job statuses: `requested`, `waiting`, `pending` and `queued` all mean "not started
 * yet"; only `in_progress` and `completed` are taken as they are.
 */
export function mapStatus(raw: string | null | undefined): RunStatus {
  if (raw === 'completed') return 'completed';
  if (raw === 'in_progress') return 'in_progress';
  return 'queued';
}

export function mapConclusion(raw: string | null | undefined): RunConclusion | null {
  if (!raw) return null;
  return (RUN_CONCLUSIONS as readonly string[]).includes(raw) ? (raw as RunConclusion) : null;
}

export function mapRun(raw: GitHubRun): Run {
  const status = mapStatus(raw.status);
  // A run's `path` may carry the ref (`.github/workflows/x.yml@refs/heads/main` for reusable runs).
  const workflowPath = raw.path?.split('@')[0];
  return {
    id: raw.id,
    ...(raw.run_number !== undefined ? { runNumber: raw.run_number } : {}),
    ...(raw.run_attempt !== undefined ? { runAttempt: raw.run_attempt } : {}),
    ...(raw.workflow_id !== undefined ? { workflowId: raw.workflow_id } : {}),
    ...(workflowPath ? { workflowPath } : {}),
    ...(raw.name ? { name: raw.name } : {}),
    ...(raw.display_title !== undefined ? { displayTitle: raw.display_title } : {}),
    ...(raw.event ? { event: raw.event } : {}),
    ...(raw.head_branch ? { headBranch: raw.head_branch } : {}),
    ...(raw.head_sha ? { headSha: raw.head_sha } : {}),
    status,
    conclusion: status === 'completed' ? mapConclusion(raw.conclusion) : null,
    ...(raw.status ? { rawStatus: raw.status } : {}),
    createdAt: raw.created_at,
    ...(raw.run_started_at ? { startedAt: raw.run_started_at } : {}),
    ...(raw.updated_at ? { updatedAt: raw.updated_at } : {}),
    // GitHub has no completed_at on runs; the last update of a completed run is its completion.
    ...(status === 'completed' && raw.updated_at ? { completedAt: raw.updated_at } : {}),
    url: raw.url,
    htmlUrl: raw.html_url,
    ...(raw.jobs_url ? { jobsUrl: raw.jobs_url } : {}),
  };
}

export function mapStep(raw: GitHubStep): Step {
  const status = mapStatus(raw.status);
  return {
    name: raw.name,
    number: raw.number,
    status,
    conclusion: status === 'completed' ? mapConclusion(raw.conclusion) : null,
  };
}

export function mapJob(raw: GitHubJob): Job {
  const status = mapStatus(raw.status);
  return {
    id: raw.id,
    runId: raw.run_id,
    name: raw.name,
    status,
    conclusion: status === 'completed' ? mapConclusion(raw.conclusion) : null,
    rawStatus: raw.status,
    ...(raw.run_attempt !== undefined ? { runAttempt: raw.run_attempt } : {}),
    ...(raw.started_at ? { startedAt: raw.started_at } : {}),
    ...(raw.completed_at ? { completedAt: raw.completed_at } : {}),
    ...(raw.html_url ? { htmlUrl: raw.html_url } : {}),
    steps: (raw.steps ?? []).map(mapStep),
  };
}
