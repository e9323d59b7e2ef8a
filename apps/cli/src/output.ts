// The two shapes of a result: lines for a person on stdout, or the one --json document (schema in
// README.md; `schemaVersion` changes only when a field changes meaning or disappears).
import type {
  ApiCost,
  ArtifactResult,
  DispatchReceipt,
  FailedJob,
  FanOutRow,
  Job,
  RepoRef,
  ReportWrite,
  Run,
  RunResult,
} from '@xrd/core';
import { redact, runName } from '@xrd/core';
import { formatBytes } from '@xrd/core/kit';
import { formatDuration, type Palette, paintConclusion } from './ui.js';

export interface JsonError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

export interface JsonRun {
  readonly id: number;
  readonly repo: string;
  readonly status: string;
  readonly conclusion: string | null;
  readonly url: string;
  readonly htmlUrl: string;
  readonly jobsUrl?: string;
  readonly runNumber?: number;
  readonly title?: string;
  readonly event?: string;
  readonly headBranch?: string;
  readonly headSha?: string;
  readonly createdAt: string;
  readonly completedAt?: string;
  readonly durationMs?: number;
  readonly correlationId?: string;
  readonly correlationMethod?: string;
}

export interface JsonJob {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly conclusion: string | null;
  readonly htmlUrl?: string;
  readonly failedSteps: readonly string[];
}

export interface JsonFailedJob extends JsonJob {
  readonly logTail?: string;
}

export interface JsonDispatch {
  readonly repo: string;
  readonly ref: string;
  readonly workflow?: string | number;
  readonly eventType?: string;
  readonly correlationId: string;
  readonly path: string;
  readonly runId?: number;
  readonly htmlUrl?: string;
  readonly notes: readonly string[];
  /** What the user should fix although the dispatch went out (also printed as warnings). */
  readonly warnings: readonly string[];
}

/** A commit status or the comment written to the source repository. */
export type JsonReport =
  | {
      readonly kind: 'status';
      readonly repo: string;
      readonly sha: string;
      readonly state: string;
      readonly context: string;
      readonly targetUrl?: string;
    }
  | {
      readonly kind: 'comment';
      readonly repo: string;
      readonly pr: number;
      readonly created: boolean;
      readonly htmlUrl?: string;
    };

export interface JsonLog {
  readonly jobId: number;
  readonly name: string;
  readonly conclusion: string | null;
  readonly log: string;
}

/** An artifact of the run as core reports it; `path` and `files` when it was downloaded. */
export type JsonArtifact = ArtifactResult;

export interface JsonDemoRow {
  readonly dialect: string;
  readonly path: string;
  readonly correlation: string;
  readonly runId: number | null;
  readonly conclusion: string | null;
  readonly durationMs: number;
  readonly requests: number;
  readonly counted: number;
  readonly ok: boolean;
  readonly error?: string;
}

export interface JsonDocument {
  readonly schemaVersion: 1;
  readonly command: string;
  readonly ok: boolean;
  readonly exitCode: number;
  readonly error?: JsonError;
  readonly dispatch?: JsonDispatch;
  readonly run?: JsonRun;
  readonly jobs?: readonly JsonJob[];
  readonly failedJobs?: readonly JsonFailedJob[];
  readonly cancelled?: boolean;
  /** `xrd cancel`: the run had already finished, so nothing was cancelled (exit 7). */
  readonly alreadyFinished?: boolean;
  readonly logs?: readonly JsonLog[];
  readonly demo?: readonly JsonDemoRow[];
  /** `--download-artifacts` / `--remote-outputs`, `xrd artifacts`: every artifact of the run. */
  readonly artifacts?: readonly JsonArtifact[];
  /** `--remote-outputs`: the JSON object the run published in its xrd-outputs artifact. */
  readonly remoteOutputs?: Readonly<Record<string, unknown>>;
  /** dispatch: every status and comment written to the source, in order. */
  readonly reports?: readonly JsonReport[];
  /** dispatch with several targets: a row per target, in the order given (core's FanOutRow). */
  readonly targets?: readonly FanOutRow[];
  /** dispatch with several targets: `success` when every target passed --fail-on, else `failure`. */
  readonly conclusion?: 'success' | 'failure';
  readonly apiCost?: ApiCost;
}

export const repoName = (repo: RepoRef): string => `${repo.owner}/${repo.repo}`;

const failedSteps = (job: Job): string[] =>
  job.steps.filter((s) => s.conclusion === 'failure').map((s) => s.name);

export function jsonJob(job: Job): JsonJob {
  return {
    id: job.id,
    name: job.name,
    status: job.status,
    conclusion: job.conclusion,
    ...(job.htmlUrl ? { htmlUrl: job.htmlUrl } : {}),
    failedSteps: failedSteps(job),
  };
}

export function jsonFailedJob(job: FailedJob): JsonFailedJob {
  return {
    id: job.id,
    name: job.name,
    status: 'completed',
    conclusion: job.conclusion,
    ...(job.htmlUrl ? { htmlUrl: job.htmlUrl } : {}),
    failedSteps: job.failedSteps,
    ...(job.logTail !== undefined ? { logTail: job.logTail } : {}),
  };
}

export function jsonRun(run: Run, repo: RepoRef, extra: Partial<JsonRun> = {}): JsonRun {
  return {
    id: run.id,
    repo: repoName(repo),
    status: run.status,
    conclusion: run.conclusion,
    url: run.url,
    htmlUrl: run.htmlUrl,
    ...(run.jobsUrl ? { jobsUrl: run.jobsUrl } : {}),
    ...(run.runNumber !== undefined ? { runNumber: run.runNumber } : {}),
    ...(run.displayTitle !== undefined ? { title: run.displayTitle } : {}),
    ...(run.event !== undefined ? { event: run.event } : {}),
    ...(run.headBranch !== undefined ? { headBranch: run.headBranch } : {}),
    ...(run.headSha !== undefined ? { headSha: run.headSha } : {}),
    createdAt: run.createdAt,
    ...(run.completedAt !== undefined ? { completedAt: run.completedAt } : {}),
    ...extra,
  };
}

export function jsonArtifact(artifact: ArtifactResult): JsonArtifact {
  return { ...artifact };
}

export function jsonResult(
  result: RunResult,
): Pick<JsonDocument, 'run' | 'jobs' | 'failedJobs' | 'apiCost' | 'artifacts' | 'remoteOutputs'> {
  return {
    ...(result.artifacts ? { artifacts: result.artifacts.map(jsonArtifact) } : {}),
    ...(result.remoteOutputs ? { remoteOutputs: result.remoteOutputs } : {}),
    run: jsonRun(result.run, result.repo, {
      status: result.status,
      conclusion: result.conclusion,
      durationMs: result.durationMs,
      ...(result.correlationId !== undefined ? { correlationId: result.correlationId } : {}),
      ...(result.correlationMethod !== undefined ? { correlationMethod: result.correlationMethod } : {}),
    }),
    jobs: result.jobs.map(jsonJob),
    failedJobs: result.failedJobs.map(jsonFailedJob),
    apiCost: result.apiCost,
  };
}

export function jsonDispatch(receipt: DispatchReceipt): JsonDispatch {
  return {
    repo: repoName(receipt.repo),
    ref: receipt.ref,
    ...(receipt.workflow !== undefined ? { workflow: receipt.workflow } : {}),
    ...(receipt.eventType !== undefined ? { eventType: receipt.eventType } : {}),
    correlationId: receipt.correlationId,
    path: receipt.path,
    ...(receipt.runId !== undefined ? { runId: receipt.runId } : {}),
    ...(receipt.htmlUrl !== undefined ? { htmlUrl: receipt.htmlUrl } : {}),
    notes: receipt.notes,
    warnings: receipt.warnings ?? [],
  };
}

export function jsonReport(write: ReportWrite): JsonReport {
  return { ...write, repo: repoName(write.repo) };
}

/** Serialises the document, scrubbing any secret that might have slipped into a message. */
export function renderJson(doc: JsonDocument, secrets: readonly (string | undefined)[]): string {
  return `${redact(JSON.stringify(doc, null, 2), secrets)}\n`;
}

/**
 * The requests a command sent. The rate-limit part only where the forge has one: GitHub reports it
 * on every answer; Gitea and Forgejo have no API rate limit (and no conditional requests).
 */
export function costLine(cost: ApiCost): string {
  const requests = `${cost.requests} request${cost.requests === 1 ? '' : 's'}`;
  if (cost.rateLimit === undefined) return requests;
  return `${requests} (${cost.counted} counted against the rate limit, ${cost.notModified} not modified)`;
}

/** The human summary of a finished (or observed) run. */
export function humanRun(
  p: Palette,
  run: Run,
  repo: RepoRef,
  jobs: readonly Job[],
  extra: {
    durationMs?: number;
    failedJobs?: readonly FailedJob[];
    apiCost?: ApiCost;
    artifacts?: readonly ArtifactResult[];
    remoteOutputs?: Readonly<Record<string, unknown>>;
  } = {},
): string {
  const out: string[] = [];
  const state = run.status === 'completed' ? paintConclusion(p, run.conclusion) : p.cyan(run.status);
  const title = run.displayTitle ? ` "${run.displayTitle}"` : '';
  const took = extra.durationMs !== undefined ? ` in ${formatDuration(extra.durationMs)}` : '';
  out.push(`${p.bold(`${repoName(repo)} ${runName(run)}`)}${title}: ${state}${took}`);
  out.push(`  ${run.htmlUrl}`);
  for (const job of jobs) {
    const s = job.status === 'completed' ? paintConclusion(p, job.conclusion) : p.cyan(job.status);
    const steps = failedSteps(job);
    out.push(`  job ${job.name}: ${s}${steps.length ? ` (failed step: ${steps.join(', ')})` : ''}`);
  }
  for (const failed of extra.failedJobs ?? []) {
    if (!failed.logTail) continue;
    out.push(p.dim(`  --- tail of ${failed.name} ---`));
    for (const l of failed.logTail.split('\n')) out.push(p.dim(`  ${l}`));
  }
  out.push(...humanArtifacts(p, extra.artifacts ?? []));
  out.push(...humanOutputs(extra.remoteOutputs ?? {}));
  if (extra.apiCost) out.push(p.dim(`  api: ${costLine(extra.apiCost)}`));
  return `${out.join('\n')}\n`;
}

/** One line per artifact: name, size or expired, where it went, its page. */
export function humanArtifacts(p: Palette, artifacts: readonly ArtifactResult[]): string[] {
  return artifacts.map((a) => {
    const state = a.expired ? p.yellow('expired') : formatBytes(a.size);
    const where = a.path ? ` → ${a.path}` : '';
    return `  artifact ${p.bold(a.name)} (${state})${where} ${p.dim(a.htmlUrl)}`;
  });
}

/** The remote outputs, one `  output KEY=value` line each. */
export function humanOutputs(outputs: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(outputs).map(
    ([key, value]) => `  output ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Remote outputs as `KEY=value` lines (for `>> $GITHUB_ENV`, `eval`, a .env file): a string as it is
 * when it is one line, anything else as JSON. Keys that are no variable name are left out (`skipped`).
 */
export function envLines(outputs: Readonly<Record<string, unknown>>): { lines: string[]; skipped: string[] } {
  const lines: string[] = [];
  const skipped: string[] = [];
  for (const [key, value] of Object.entries(outputs)) {
    if (!ENV_NAME.test(key)) {
      skipped.push(key);
      continue;
    }
    const text = typeof value === 'string' && !/[\r\n]/.test(value) ? value : JSON.stringify(value);
    lines.push(`${key}=${text}`);
  }
  return { lines, skipped };
}
