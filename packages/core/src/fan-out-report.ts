// The one answer of a dispatch to several targets: a row per target (for outputs, JSON, the job
// summary and the comment), one commit status for all of them and one comment with a row per
// target, edited in place on later pushes (its marker is the status context). Shared by every front
// end, like report.ts, whose pieces it uses.
import type { DispatchReceipt, ReportWrite } from './engine-types.js';
import { type ErrorCode, isXrdError, redact } from './errors.js';
import type { FanOutOutcome, TargetOutcome } from './fan-out.js';
import type { TargetOptions } from './fan-out-options.js';
import { formatDuration, repoName } from './internal.js';
import {
  cell,
  failedStepLines,
  flowOutcome,
  ICON,
  type OnReportWrite,
  outputsTable,
  type ReportResultOutcome,
  runName,
  writeReport,
} from './report.js';
import type { ReportOptions } from './run-options.js';
import { truncate } from './text.js';
import type {
  CallContext,
  CommitState,
  CommitStatusInput,
  Forge,
  ForgeKind,
  Run,
  RunConclusion,
  RunStatus,
} from './types.js';

/** How one target ended; see `TargetOutcome.verdict`. */
export type FanOutVerdict = 'success' | 'failure' | 'error' | 'cancelled' | 'pending';

/** One target's outcome as data: the `results` output, the CLI's `--json`, the webhook's state. */
export interface FanOutRow {
  /** `acme/app build.yml`. */
  readonly name: string;
  /** `owner/name`. */
  readonly repo: string;
  readonly forge: ForgeKind;
  readonly workflow?: string | number;
  readonly eventType?: string;
  /** The ref dispatched on (the default branch when none was given). */
  readonly ref?: string;
  readonly verdict: FanOutVerdict;
  readonly correlationId?: string;
  readonly runId?: number;
  /** API URL of the run. */
  readonly runUrl?: string;
  /** Web page of the run. */
  readonly htmlUrl?: string;
  readonly status?: RunStatus;
  readonly conclusion: RunConclusion | null;
  readonly failedJobs: readonly {
    readonly id: number;
    readonly name: string;
    readonly conclusion: RunConclusion | null;
    readonly htmlUrl?: string;
    readonly failedSteps: readonly string[];
  }[];
  readonly durationSeconds?: number;
  /** Why the target has no result (or what went wrong with its remote outputs): one sentence. */
  readonly error?: { readonly code: ErrorCode | 'UNEXPECTED'; readonly message: string };
  readonly remoteOutputs?: Readonly<Record<string, unknown>>;
}

/** The outcome of one target as a row (nothing secret: messages are redacted). */
export function fanOutRow(outcome: TargetOutcome): FanOutRow {
  const { target, receipt, result } = outcome;
  const run = result?.run ?? outcome.run;
  const htmlUrl = run?.htmlUrl || receipt?.htmlUrl || undefined;
  const runUrl = run?.url || receipt?.runUrl || undefined;
  const ref = receipt?.ref ?? target.ref;
  return {
    name: target.name,
    repo: repoName(target.repo),
    forge: target.forge,
    ...(target.workflow !== undefined ? { workflow: target.workflow } : {}),
    ...(target.eventType !== undefined ? { eventType: target.eventType } : {}),
    ...(ref !== undefined ? { ref } : {}),
    verdict: outcome.verdict,
    ...(receipt ? { correlationId: receipt.correlationId } : {}),
    ...(run ? { runId: run.id } : {}),
    ...(runUrl !== undefined ? { runUrl } : {}),
    ...(htmlUrl !== undefined ? { htmlUrl } : {}),
    ...(run ? { status: run.status } : {}),
    conclusion: outcome.verdict === 'cancelled' ? 'cancelled' : (run?.conclusion ?? null),
    failedJobs: (result?.failedJobs ?? []).map((job) => ({
      id: job.id,
      name: job.name,
      conclusion: job.conclusion,
      ...(job.htmlUrl !== undefined ? { htmlUrl: job.htmlUrl } : {}),
      failedSteps: job.failedSteps,
    })),
    ...(result ? { durationSeconds: Math.round(result.durationMs / 1000) } : {}),
    ...(outcome.error !== undefined
      ? {
          error: {
            code: isXrdError(outcome.error) ? outcome.error.code : 'UNEXPECTED',
            message: redact(outcome.error.message),
          },
        }
      : {}),
    ...(result?.remoteOutputs !== undefined ? { remoteOutputs: result.remoteOutputs } : {}),
  };
}

/** `2 success, 1 failure`: how many targets ended each way, in a fixed order. */
export function countVerdicts(outcomes: readonly Pick<TargetOutcome, 'verdict'>[]): string {
  const order: readonly FanOutVerdict[] = ['success', 'failure', 'error', 'cancelled', 'pending'];
  return order
    .map((verdict) => [verdict, outcomes.filter((o) => o.verdict === verdict).length] as const)
    .filter(([, n]) => n > 0)
    .map(([verdict, n]) => `${n} ${verdict === 'pending' ? 'not waited for' : verdict}`)
    .join(', ');
}

/**
 * The commit state of all targets: `failure` when a run judged the change bad, else `error` when a
 * target did not get to a verdict (not dispatched, not found, timed out, cancelled), else `success`.
 */
export function fanOutState(outcomes: readonly Pick<TargetOutcome, 'verdict'>[]): CommitState {
  if (outcomes.some((o) => o.verdict === 'failure')) return 'failure';
  if (outcomes.some((o) => o.verdict === 'error' || o.verdict === 'cancelled')) return 'error';
  return 'success';
}

/** What the row says instead of a run's failed jobs: why the target has no result. */
function whyNot(outcome: TargetOutcome): string {
  if (outcome.error === undefined) return '';
  if (outcome.verdict === 'cancelled') return outcome.error.message;
  const info = {
    ...(outcome.receipt ? { receipt: outcome.receipt as DispatchReceipt } : {}),
    ...(outcome.run ? { run: outcome.run as Run } : {}),
    timeoutMs: outcome.target.timeoutMs,
    cancelled: outcome.runCancelled === true,
  };
  return flowOutcome(outcome.error, info);
}

function resultCell(outcome: TargetOutcome): string {
  const run = outcome.result?.run ?? outcome.run;
  switch (outcome.verdict) {
    case 'pending':
      return `⏳ ${run?.status ?? 'dispatched'}`;
    case 'cancelled':
      return '⛔ cancelled';
    case 'error':
      if (run?.status === 'completed') return `${ICON[run.conclusion ?? 'failure'] ?? '⚠️'} ${run.conclusion}`;
      return '⚠️ error';
    default: {
      const conclusion = run?.conclusion ?? outcome.verdict;
      return `${ICON[conclusion as RunConclusion] ?? ''} ${conclusion}`.trim();
    }
  }
}

/** The table of targets, one row each (Markdown): the comment's and the job summary's. */
export function renderFanOutTable(outcomes: readonly TargetOutcome[]): string[] {
  const lines = ['| target | run | result | duration | failed jobs / why |', '|---|---|---|---|---|'];
  for (const outcome of outcomes) {
    const run = outcome.result?.run ?? outcome.run;
    const htmlUrl = run?.htmlUrl || outcome.receipt?.htmlUrl;
    const runCell = run ? (htmlUrl ? `[${runName(run)}](${htmlUrl})` : runName(run)) : '—';
    const failed = (outcome.result?.failedJobs ?? []).map(
      (job) => `${job.name}${job.failedSteps.length > 0 ? `: ${job.failedSteps.join(', ')}` : ''}`,
    );
    const why = failed.length > 0 ? failed.join('; ') : whyNot(outcome);
    const took = outcome.result ? formatDuration(outcome.result.durationMs) : '';
    lines.push(
      `| ${cell(outcome.target.name)} | ${runCell} | ${resultCell(outcome)} | ${took} | ${cell(redact(why))} |`,
    );
  }
  return lines;
}

export interface RenderFanOutOptions {
  /** Heading text. Default `<n> targets`. */
  readonly title?: string;
  readonly marker?: string;
}

/** The one comment: a headline, the table of targets, failed steps with log tails, outputs. */
export function renderFanOutComment(outcome: FanOutOutcome, options: RenderFanOutOptions = {}): string {
  const outcomes = outcome.targets;
  const title = options.title ?? `${outcomes.length} target${outcomes.length === 1 ? '' : 's'}`;
  const lines: string[] = [];
  if (options.marker) lines.push(options.marker);
  lines.push(`**${title} ${outcome.conclusion}** — ${countVerdicts(outcomes)}`, '');
  lines.push(...renderFanOutTable(outcomes), '');
  lines.push(
    ...failedStepLines(
      outcomes.flatMap((o) => (o.result?.failedJobs ?? []).map((job) => ({ job, target: o.target.name }))),
    ),
  );
  for (const o of outcomes) {
    const table = outputsTable(o.result?.remoteOutputs);
    if (table.length > 0)
      lines.push(
        table[0]?.replace('**Outputs**', `**Outputs of ${cell(o.target.name)}**`) ?? '',
        ...table.slice(1),
      );
  }
  lines.push('<sub>xrd</sub>');
  return lines.join('\n');
}

/** The one status for all targets, final. */
export function fanOutStatus(
  outcomes: readonly TargetOutcome[],
  context: string,
  title?: string,
): CommitStatusInput {
  const state = fanOutState(outcomes);
  const first = outcomes.find((o) => o.verdict !== 'success' && o.verdict !== 'pending') ?? undefined;
  const run = first?.result?.run ?? first?.run;
  const targetUrl = run?.htmlUrl || first?.receipt?.htmlUrl || undefined;
  const name = title ?? `${outcomes.length} targets`;
  const problems = outcomes
    .filter((o) => o.verdict === 'failure' || o.verdict === 'error')
    .map((o) => o.target.name);
  return {
    state,
    context,
    description: truncate(
      `${name}: ${countVerdicts(outcomes)}${problems.length > 0 ? ` (${problems.join(', ')})` : ''}`,
    ),
    ...(targetUrl !== undefined ? { targetUrl } : {}),
  };
}

/** The pending status for all targets, once the first run is known. */
export async function reportFanOutStart(
  forge: Forge,
  report: ReportOptions,
  targets: readonly TargetOptions[],
  ctx?: CallContext,
  onWrite?: OnReportWrite,
): Promise<void> {
  if (report.sha === undefined) return;
  const status: CommitStatusInput = {
    state: 'pending',
    context: report.context,
    description: truncate(`Running ${targets.length} targets: ${targets.map((t) => t.name).join(', ')}`),
  };
  await forge.setCommitStatus(report.repo, report.sha, status, ctx);
  onWrite?.({
    kind: 'status',
    repo: report.repo,
    sha: report.sha,
    state: 'pending',
    context: report.context,
  });
}

interface FanOutReportOptions {
  readonly failOn?: readonly RunConclusion[];
  readonly title?: string;
  readonly ctx?: CallContext;
  readonly onWrite?: (write: ReportWrite) => void;
}

/** The final status for all targets and the one comment (both attempted; the first error thrown). */
export function reportFanOutResult(
  forge: Forge,
  report: ReportOptions,
  outcome: FanOutOutcome,
  options: FanOutReportOptions = {},
): Promise<ReportResultOutcome> {
  return writeReport(
    forge,
    report,
    (context) => fanOutStatus(outcome.targets, context, options.title),
    (marker) =>
      renderFanOutComment(outcome, {
        marker,
        ...(options.title !== undefined ? { title: options.title } : {}),
      }),
    options.ctx,
    options.onWrite,
  );
}

/**
 * Closes the report of a fan-out that was interrupted: an `error` status saying so, and the comment
 * with the rows as far as they got. No pending status is left behind.
 */
export function reportFanOutError(
  forge: Forge,
  report: ReportOptions,
  error: unknown,
  outcomes: readonly TargetOutcome[],
  options: FanOutReportOptions = {},
): Promise<ReportResultOutcome> {
  const name = options.title ?? `${outcomes.length} targets`;
  const what = flowOutcome(error, {});
  return writeReport(
    forge,
    report,
    (context) => ({ state: 'error', context, description: truncate(`${name}: ${what}`) }),
    (marker) =>
      [
        marker,
        `**${name} error** — ${cell(what)}`,
        '',
        ...renderFanOutTable(outcomes),
        '',
        '<sub>xrd</sub>',
      ].join('\n'),
    options.ctx,
    options.onWrite,
  );
}
