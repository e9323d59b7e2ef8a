// The job summary (`GITHUB_STEP_SUMMARY`): one table for the run, one for its jobs, and for each
// failed job its failed steps and the tail of its log. Markdown, so GitHub renders it; act_runner
// writes the same file.
import {
  countVerdicts,
  type FailedJob,
  type FanOutOutcome,
  type RunConclusion,
  type RunResult,
  renderFanOutTable,
  runName,
} from '@xrd/core';
import { formatElapsed } from './progress.js';

export interface SummaryTarget {
  readonly repo: string;
  readonly ref: string;
  /** `workflow build.yml` or `repository_dispatch build`. */
  readonly what: string;
}

const ICONS: Partial<Record<RunConclusion, string>> = {
  success: '✅',
  failure: '❌',
  cancelled: '⛔',
  timed_out: '⏱️',
  skipped: '⏭️',
  neutral: '⚪',
  startup_failure: '❌',
  action_required: '⚠️',
  stale: '⚪',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function conclusionCell(conclusion: RunConclusion | null, status: string): string {
  if (conclusion === null) return status;
  return `${ICONS[conclusion] ?? ''} ${conclusion}`.trim();
}

/** A code fence longer than any run of backticks in `text`, so a log cannot close it early. */
function fence(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

export function renderSummary(target: SummaryTarget, result: RunResult): string {
  const out: string[] = [];
  const title = result.conclusion ?? result.status;
  out.push(`### xrd: ${cell(target.repo)} — ${title}`, '');
  out.push('| Target | Run | Conclusion | Duration |', '|---|---|---|---|');
  out.push(
    `| ${cell(`${target.repo}@${target.ref}`)} (${cell(target.what)}) | [${runName(result.run)}](${result.htmlUrl}) | ${conclusionCell(result.conclusion, result.status)} | ${formatElapsed(result.durationMs)} |`,
  );
  if (result.jobs.length > 0) {
    out.push('', '| Job | Conclusion | Duration | Link |', '|---|---|---|---|');
    for (const job of result.jobs) {
      const took =
        job.startedAt && job.completedAt
          ? formatElapsed(Date.parse(job.completedAt) - Date.parse(job.startedAt))
          : '';
      const link = job.htmlUrl ? `[log](${job.htmlUrl})` : '';
      out.push(`| ${cell(job.name)} | ${conclusionCell(job.conclusion, job.status)} | ${took} | ${link} |`);
    }
  }
  out.push(...failedJobSections(result.failedJobs));
  out.push('');
  return out.join('\n');
}

/**
 * The job summary of a step with `targets`: one table with a row per target (core's, as in the
 * comment), then each failed job with its failed steps and log tail, under its target's name.
 */
export function renderFanOutSummary(outcome: FanOutOutcome): string {
  const n = outcome.targets.length;
  const out = [
    `### xrd: ${n} target${n === 1 ? '' : 's'} — ${outcome.conclusion}`,
    '',
    countVerdicts(outcome.targets),
    '',
    ...renderFanOutTable(outcome.targets),
  ];
  for (const o of outcome.targets) {
    out.push(...failedJobSections(o.result?.failedJobs ?? [], `${o.target.name} — `));
  }
  out.push('');
  return out.join('\n');
}

/** Each failed job: a heading, its failed steps and the tail of its log. */
function failedJobSections(failedJobs: readonly FailedJob[], prefix = ''): string[] {
  const out: string[] = [];
  for (const failed of failedJobs) {
    out.push('', `#### ${ICONS[failed.conclusion ?? 'failure'] ?? '❌'} ${cell(`${prefix}${failed.name}`)}`);
    if (failed.failedSteps.length > 0) {
      out.push(
        '',
        `Failed step${failed.failedSteps.length > 1 ? 's' : ''}: ${failed.failedSteps.map((s) => `\`${s}\``).join(', ')}`,
      );
    }
    if (failed.logTail) {
      const f = fence(failed.logTail);
      out.push(
        '',
        '<details open><summary>Log tail</summary>',
        '',
        `${f}text`,
        failed.logTail.replace(/\s+$/, ''),
        f,
        '',
        '</details>',
      );
    }
  }
  return out;
}
