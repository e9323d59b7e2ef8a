// Step outputs. Both the xrd names and the cross-repo-dispatch names are set: `status`,
// `conclusion` and `html_url` (what its code sets) and `jobs_url` (what its README documents).
import type { Run, RunResult } from '@xrd/core';

export type SetOutput = (name: string, value: string) => void;

/**
 * Outputs known as soon as the run is found. A run known only from the dispatch's answer may lack
 * a URL (''): that output is then left for the result to set.
 */
export function setRunOutputs(
  set: SetOutput,
  run: Pick<Run, 'id' | 'url' | 'htmlUrl' | 'status' | 'jobsUrl'>,
) {
  set('run-id', String(run.id));
  if (run.url) set('run-url', run.url);
  if (run.htmlUrl) {
    set('html-url', run.htmlUrl);
    set('html_url', run.htmlUrl);
  }
  set('status', run.status);
  if (run.jobsUrl !== undefined) {
    set('jobs-url', run.jobsUrl);
    set('jobs_url', run.jobsUrl);
  }
}

/** Outputs of a run that was waited for. */
export function setResultOutputs(set: SetOutput, result: RunResult) {
  setRunOutputs(set, {
    id: result.runId,
    url: result.url,
    htmlUrl: result.htmlUrl,
    status: result.status,
    ...(result.jobsUrl !== undefined ? { jobsUrl: result.jobsUrl } : {}),
  });
  set('conclusion', result.conclusion ?? '');
  set(
    'failed-jobs',
    JSON.stringify(
      result.failedJobs.map((job) => ({
        id: job.id,
        name: job.name,
        conclusion: job.conclusion,
        ...(job.htmlUrl !== undefined ? { htmlUrl: job.htmlUrl } : {}),
        failedSteps: job.failedSteps,
      })),
    ),
  );
  set('duration-seconds', String(Math.round(result.durationMs / 1000)));
  if (result.artifacts?.some((a) => a.path !== undefined)) {
    set(
      'artifacts',
      JSON.stringify(
        result.artifacts
          .filter((a) => a.path !== undefined)
          .map((a) => ({ name: a.name, size: a.size, path: a.path, files: a.files })),
      ),
    );
  }
  if (result.remoteOutputs !== undefined) set('remote-outputs', JSON.stringify(result.remoteOutputs));
}
