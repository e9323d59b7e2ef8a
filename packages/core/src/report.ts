// Report-back shared by the action, the CLI and the webhook service: a commit status on the source
// commit and ONE comment on the source pull request, edited in place on later updates.
import { OUTPUTS_ARTIFACT } from './artifacts.js';
import { isFailingConclusion } from './conclusions.js';
import type { DispatchReceipt, FailedJob, ReportWrite, RunResult } from './engine-types.js';
import { AbortedError, isXrdError, RunNotFoundError, RunTimeoutError, redact } from './errors.js';
import { formatDuration, repoName } from './internal.js';
import type { ReportOptions } from './run-options.js';
import { formatBytes, truncate } from './text.js';
import type {
  CallContext,
  CommentResult,
  CommitState,
  CommitStatusInput,
  Forge,
  Job,
  Run,
  RunConclusion,
} from './types.js';

/**
 * The default commit status context (and so the comment's marker) of a dispatch:
 * `xrd/<owner>/<repo>/<workflow>` — the workflow's file name without `.yml` / `.yaml`, its numeric
 * id, or the repository_dispatch event type. Per target workflow, so that two workflows dispatched
 * into one repository from one pull request each keep their own status and their own comment.
 */
export function defaultStatusContext(
  repo: { readonly owner: string; readonly repo: string },
  target: { readonly workflow?: string | number; readonly eventType?: string },
): string {
  const what =
    target.workflow !== undefined
      ? String(target.workflow).replace(/\.ya?ml$/, '')
      : (target.eventType ?? '');
  return `xrd/${repoName(repo)}${what === '' ? '' : `/${what}`}`;
}

/**
 * How a run is named to a person: `run 301 (#1)`. The id is what the API and xrd's commands take;
 * the number is what the forge's web page shows (Gitea and Forgejo even put it in the run's URL),
 * so both are said when they differ.
 */
export function runName(run: { readonly id: number; readonly runNumber?: number }): string {
  return run.runNumber !== undefined && run.runNumber !== run.id
    ? `run ${run.id} (#${run.runNumber})`
    : `run ${run.id}`;
}

/**
 * One line for the log saying what was written to the source:
 * `commit status "xrd/acme/target/build" pending on acme/source@0123456789ab → <run page>`, or
 * `comment posted on acme/source#7: <comment URL>` (`updated` when edited in place).
 */
export function describeReportWrite(write: ReportWrite): string {
  const repo = repoName(write.repo);
  if (write.kind === 'status') {
    const link = write.targetUrl ? ` → ${write.targetUrl}` : '';
    return `commit status "${write.context}" ${write.state} on ${repo}@${write.sha.slice(0, 12)}${link}`;
  }
  return `comment ${write.created ? 'posted on' : 'updated on'} ${repo}#${write.pr}${write.htmlUrl ? `: ${write.htmlUrl}` : ''}`;
}

/** The hidden marker that finds our comment again: `<!-- xrd:KEY -->`. */
export function commentMarker(key: string): string {
  // `--` would end the HTML comment early.
  return `<!-- xrd:${key.replace(/-{2,}/g, '-').replace(/>/g, '')} -->`;
}

/**
 * An adapter's `upsertComment` with `knownId` (types.ts `UpsertCommentOptions`): `edit` it in place
 * (one request); when the forge answers 404 (someone deleted it) do what is done without an id,
 * `otherwise` (list the comments, edit the one with the marker or create it). Any other error is
 * the caller's.
 */
export async function editKnownComment(
  knownId: number | undefined,
  edit: (id: number) => Promise<CommentResult>,
  otherwise: () => Promise<CommentResult>,
  ctx?: CallContext,
): Promise<CommentResult> {
  if (knownId === undefined) return otherwise();
  try {
    return await edit(knownId);
  } catch (error) {
    if (!isXrdError(error) || error.status !== 404) throw error;
    ctx?.debug?.(`Comment ${knownId} is gone (404); looking for the comment by its marker.`);
    return otherwise();
  }
}

/** The commit state for a finished run (or `pending` while it runs). */
export function commitStateFor(
  result: Pick<RunResult, 'conclusion'> | 'pending',
  failOn?: readonly RunConclusion[],
): CommitState {
  if (result === 'pending') return 'pending';
  const { conclusion } = result;
  if (conclusion === null) return 'error';
  if (isFailingConclusion(conclusion, failOn)) {
    // A run that did not get to judge the code (cancelled, stale, waiting for approval) is an error,
    // not a failure of the change.
    return conclusion === 'cancelled' || conclusion === 'stale' || conclusion === 'action_required'
      ? 'error'
      : 'failure';
  }
  return 'success';
}

export function workflowLabel(run: Run | undefined, fallback?: string | number): string {
  const fromPath = run?.workflowPath
    ?.split('/')
    .pop()
    ?.replace(/\.ya?ml$/, '');
  return run?.name ?? fromPath ?? (fallback !== undefined ? String(fallback).replace(/\.ya?ml$/, '') : 'run');
}

/** The commit status for a finished run. */
export function statusFor(
  result: RunResult,
  context: string,
  failOn?: readonly RunConclusion[],
): CommitStatusInput {
  const state = commitStateFor(result, failOn);
  const description = truncate(
    `${repoName(result.repo)} ${workflowLabel(result.run)}: ${result.conclusion ?? result.status} in ${formatDuration(result.durationMs)}` +
      (result.failedJobs.length > 0 ? ` (failed: ${result.failedJobs.map((j) => j.name).join(', ')})` : ''),
  );
  return { state, context, description, targetUrl: result.htmlUrl };
}

export const ICON: Partial<Record<RunConclusion, string>> = {
  success: '✅',
  failure: '❌',
  cancelled: '⛔',
  skipped: '⏭️',
  timed_out: '⏱️',
  startup_failure: '❌',
};

export const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function jobDuration(job: Job): string {
  const start = Date.parse(job.startedAt ?? '');
  const end = Date.parse(job.completedAt ?? '');
  return Number.isNaN(start) || Number.isNaN(end) ? '' : formatDuration(end - start);
}

export interface RenderCommentOptions {
  /** Heading text. Default `<owner>/<repo> <workflow>`. */
  readonly title?: string;
  /** Marker to embed (see commentMarker); omitted when undefined. */
  readonly marker?: string;
}

/** The PR comment: a headline with the run link, a jobs table and the failed steps. */
export function renderComment(result: RunResult, options: RenderCommentOptions = {}): string {
  const title = options.title ?? `${repoName(result.repo)} ${workflowLabel(result.run)}`;
  const outcome = result.conclusion ?? result.status;
  const lines: string[] = [];
  if (options.marker) lines.push(options.marker);
  lines.push(`**${title} ${outcome}** — [run log](${result.htmlUrl})`, '');
  if (result.jobs.length > 0) {
    lines.push('| job | result | duration |', '|---|---|---|');
    for (const job of result.jobs) {
      const conclusion = job.conclusion ?? job.status;
      const icon = job.conclusion ? (ICON[job.conclusion] ?? '') : '⏳';
      const name = job.htmlUrl ? `[${cell(job.name)}](${job.htmlUrl})` : cell(job.name);
      lines.push(`| ${name} | ${icon} ${conclusion} | ${jobDuration(job)} |`.replace(/ {2,}/g, ' '));
    }
    lines.push('');
  }
  lines.push(...failedStepLines(result.failedJobs.map((job) => ({ job }))));
  lines.push(...outputsTable(result.remoteOutputs), ...artifactLinks(result.artifacts));
  lines.push(`<sub>${formatDuration(result.durationMs)} · ${runName(result.run)} · xrd</sub>`);
  return lines.join('\n');
}

/**
 * The comment's "Failed steps": one line per failed job (`- <name>: <steps>`, the name prefixed
 * with its target's where there are several) and its log tail, folded; nothing without failures.
 */
export function failedStepLines(
  failed: readonly { readonly job: FailedJob; readonly target?: string }[],
): string[] {
  if (failed.length === 0) return [];
  const lines = ['**Failed steps**', ''];
  for (const { job, target } of failed) {
    const steps = job.failedSteps.length > 0 ? job.failedSteps.join(', ') : '(no step reported)';
    lines.push(`- ${target !== undefined ? `${cell(target)} — ` : ''}${job.name}: ${steps}`);
    if (job.logTail) {
      lines.push(
        '',
        '  <details><summary>log tail</summary>',
        '',
        '  ```',
        ...job.logTail.split('\n').map((l) => `  ${l}`),
        '  ```',
        '  </details>',
        '',
      );
    }
  }
  if (lines.at(-1) !== '') lines.push('');
  return lines;
}

/** Rows of the outputs table, and how long a value may be in it: a comment is a summary, not a dump. */
const MAX_OUTPUT_ROWS = 20;
const MAX_OUTPUT_VALUE = 80;

/** The run's outputs as a short table (values as inline code, long ones cut). */
export function outputsTable(outputs: RunResult['remoteOutputs']): string[] {
  const entries = Object.entries(outputs ?? {});
  if (entries.length === 0) return [];
  const code = (text: string) => {
    const value = cell(text.length > MAX_OUTPUT_VALUE ? `${text.slice(0, MAX_OUTPUT_VALUE - 1)}…` : text);
    // A backtick inside inline code needs a longer fence (CommonMark "Code spans").
    return value.includes('`') ? `\`\` ${value} \`\`` : `\`${value}\``;
  };
  const lines = ['**Outputs**', '', '| output | value |', '|---|---|'];
  for (const [key, value] of entries.slice(0, MAX_OUTPUT_ROWS)) {
    lines.push(`| ${cell(key)} | ${code(typeof value === 'string' ? value : JSON.stringify(value))} |`);
  }
  if (entries.length > MAX_OUTPUT_ROWS) lines.push(`| … | ${entries.length - MAX_OUTPUT_ROWS} more |`);
  lines.push('');
  return lines;
}

/** One line linking each artifact (its download page), the outputs artifact left out. */
function artifactLinks(artifacts: RunResult['artifacts']): string[] {
  const shown = (artifacts ?? []).filter((a) => a.name !== OUTPUTS_ARTIFACT);
  if (shown.length === 0) return [];
  const items = shown.map((a) => {
    const name = `[${cell(a.name).replace(/[[\]]/g, '\\$&')}](${a.htmlUrl})`;
    return a.expired ? `${name} (expired)` : `${name} (${formatBytes(a.size)})`;
  });
  return [`**Artifacts:** ${items.join(' · ')}`, ''];
}

export interface ReportStartInfo {
  readonly receipt?: DispatchReceipt;
  readonly run?: Run;
  readonly htmlUrl?: string;
}

/** Told of each report-back request that succeeded (flows turn it into a `reported` event). */
export type OnReportWrite = (write: ReportWrite) => void;

function statusWrite(report: ReportOptions, sha: string, status: CommitStatusInput): ReportWrite {
  return {
    kind: 'status',
    repo: report.repo,
    sha,
    state: status.state,
    context: status.context,
    ...(status.targetUrl !== undefined ? { targetUrl: status.targetUrl } : {}),
  };
}

/** The pending status when the run starts (target_url = the run's page when known). */
export async function reportStart(
  forge: Forge,
  report: ReportOptions,
  infoOrReceipt: ReportStartInfo | DispatchReceipt = {},
  ctx?: CallContext,
  onWrite?: OnReportWrite,
): Promise<void> {
  if (report.sha === undefined) return;
  // A bare receipt is accepted too (docs/architecture.md: `reportStart(forge, report, receipt)`).
  const info: ReportStartInfo = 'correlationId' in infoOrReceipt ? { receipt: infoOrReceipt } : infoOrReceipt;
  // '' = unknown: a run built from a dispatch answer without a page URL (provisionalRun).
  const htmlUrl = info.htmlUrl || info.run?.htmlUrl || info.receipt?.htmlUrl || undefined;
  const target = info.receipt
    ? `${repoName(info.receipt.repo)} ${info.receipt.workflow ?? info.receipt.eventType ?? ''}`.trim()
    : info.run
      ? `${workflowLabel(info.run)}`
      : 'the target workflow';
  const status: CommitStatusInput = {
    state: 'pending',
    context: report.context,
    description: truncate(`Running ${target}`),
    ...(htmlUrl !== undefined ? { targetUrl: htmlUrl } : {}),
  };
  await forge.setCommitStatus(report.repo, report.sha, status, ctx);
  onWrite?.(statusWrite(report, report.sha, status));
}

export interface ReportResultOutcome {
  readonly status?: CommitStatusInput;
  readonly comment?: CommentResult;
}

/**
 * The final status and the one comment. Both are attempted even if the first fails; the first error
 * is then thrown.
 */
export async function reportResult(
  forge: Forge,
  report: ReportOptions,
  result: RunResult,
  options: {
    readonly failOn?: readonly RunConclusion[];
    readonly title?: string;
    readonly ctx?: CallContext;
    readonly onWrite?: OnReportWrite;
  } = {},
): Promise<ReportResultOutcome> {
  return writeReport(
    forge,
    report,
    (context) => statusFor(result, context, options.failOn),
    (marker) =>
      renderComment(result, { marker, ...(options.title !== undefined ? { title: options.title } : {}) }),
    options.ctx,
    options.onWrite,
  );
}

/**
 * The one way a final report is written: the status (with `report.sha`) and the one comment (with
 * `report.pr`). Both are attempted even if the first fails; the first error is then thrown.
 */
export async function writeReport(
  forge: Forge,
  report: ReportOptions,
  statusOf: (context: string) => CommitStatusInput,
  bodyOf: (marker: string) => string,
  ctx: CallContext | undefined,
  onWrite: OnReportWrite | undefined,
): Promise<ReportResultOutcome> {
  let firstError: unknown;
  let status: CommitStatusInput | undefined;
  let comment: CommentResult | undefined;
  if (report.sha !== undefined) {
    status = statusOf(report.context);
    try {
      await forge.setCommitStatus(report.repo, report.sha, status, ctx);
      onWrite?.(statusWrite(report, report.sha, status));
    } catch (error) {
      firstError = error;
    }
  }
  if (report.pr !== undefined) {
    const marker = commentMarker(report.context);
    try {
      comment = await forge.upsertComment(report.repo, report.pr, marker, bodyOf(marker), ctx);
      onWrite?.({
        kind: 'comment',
        repo: report.repo,
        pr: report.pr,
        created: comment.created,
        ...(comment.htmlUrl !== undefined ? { htmlUrl: comment.htmlUrl } : {}),
      });
    } catch (error) {
      firstError ??= error;
    }
  }
  if (firstError !== undefined) throw firstError;
  return { ...(status ? { status } : {}), ...(comment ? { comment } : {}) };
}

export interface ReportErrorInfo {
  /** The dispatch, when it went out: names the target. */
  readonly receipt?: DispatchReceipt;
  /** The run, when it was known: the status and the comment link to it. */
  readonly run?: Run;
  /**
   * The whole flow's timeout, for "timed out after …" (a RunTimeoutError's own message names only
   * what was left of it for waiting).
   */
  readonly timeoutMs?: number;
  /** True when the remote run was cancelled because of the error (cancel-on-timeout / -abort). */
  readonly cancelled?: boolean;
  /** Heading of the comment (as for reportResult). */
  readonly title?: string;
  readonly ctx?: CallContext;
  readonly onWrite?: OnReportWrite;
}

/**
 * One line saying how the flow ended without a result, e.g. `acme/target build: timed out after
 * 10m; run cancelled`. Never carries a token (the message of an unexpected error is redacted).
 */
export function describeFlowError(error: unknown, info: ReportErrorInfo = {}): string {
  const target = info.receipt !== undefined || info.run !== undefined ? `${flowTarget(info)}: ` : '';
  return `${target}${flowOutcome(error, info)}`;
}

/** `acme/target build` (the run's name when known, else the dispatched workflow or event type). */
function flowTarget(info: ReportErrorInfo): string {
  const label = workflowLabel(info.run, info.receipt?.workflow ?? info.receipt?.eventType);
  return info.receipt !== undefined ? `${repoName(info.receipt.repo)} ${label}` : label;
}

/** What happened, without the target: `timed out after 10m; run cancelled`. */
export function flowOutcome(error: unknown, info: ReportErrorInfo): string {
  const runFate = info.run === undefined ? '' : info.cancelled ? '; run cancelled' : '; run left running';
  if (error instanceof RunTimeoutError) {
    const after = info.timeoutMs !== undefined ? ` after ${formatDuration(info.timeoutMs)}` : '';
    return `timed out${after}${runFate}`;
  }
  if (error instanceof AbortedError) {
    return `interrupted${info.run === undefined ? ' before its run was found' : runFate}`;
  }
  if (error instanceof RunNotFoundError && info.receipt !== undefined) {
    return `dispatched, but no run carrying ${info.receipt.correlationId} was found`;
  }
  return `failed: ${redact(error instanceof Error ? error.message : String(error))}`;
}

/**
 * The final commit status of a flow that ended without a result. Always `error`, never `failure`:
 * GitHub and Gitea both define `failure` as the check judging the change bad, and `error` as the
 * check not getting to a verdict — which is what a timeout, an interruption, a run that could not
 * be found or a forge error are. (`timed_out` as a run's OWN conclusion stays a failure: there the
 * target workflow ran and exceeded its limit.) A required check in `error` blocks a merge just as
 * `failure` does, so nothing slips through.
 */
export function errorStatusFor(
  error: unknown,
  context: string,
  info: ReportErrorInfo = {},
): CommitStatusInput {
  const htmlUrl = info.run?.htmlUrl || info.receipt?.htmlUrl || undefined;
  return {
    state: 'error',
    context,
    description: truncate(describeFlowError(error, info)),
    ...(htmlUrl !== undefined ? { targetUrl: htmlUrl } : {}),
  };
}

/**
 * Closes the report of a flow that failed after its dispatch went out, so no pending status is left
 * behind: an `error` status (see errorStatusFor) and, with `report.pr`, the one comment saying so.
 * Both are attempted; the first error is then thrown (as reportResult).
 */
export async function reportError(
  forge: Forge,
  report: ReportOptions,
  error: unknown,
  info: ReportErrorInfo = {},
): Promise<ReportResultOutcome> {
  const htmlUrl = info.run?.htmlUrl || info.receipt?.htmlUrl;
  return writeReport(
    forge,
    report,
    (context) => errorStatusFor(error, context, info),
    (marker) =>
      [
        marker,
        `**${info.title ?? flowTarget(info)} error** — ${htmlUrl ? `[run log](${htmlUrl})` : 'no run page'}`,
        '',
        cell(flowOutcome(error, info)),
        '',
        '<sub>xrd</sub>',
      ].join('\n'),
    info.ctx,
    info.onWrite,
  );
}
