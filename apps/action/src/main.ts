// The `main` phase: inputs → options (core's one validation) → Forge → core's runFlow (dispatch →
// run → pending status → wait → report), with hooks that write outputs, state, the job summary and
// annotations. Everything that decides *what* happens lives in core; this file only connects it to
// the runner.
import { readFileSync } from 'node:fs';
import { createForge } from '@xrd/connect';
import {
  AbortedError,
  describeRunSettings,
  type FanOutOptions,
  type Forge,
  InvalidInputError,
  isFailingConclusion,
  type ParseFanOutContext,
  parseFanOutOptions,
  parseRunOptions,
  type ReportOptions,
  readOption,
  type RunOptionsWithRef,
  type RunResult,
  RunTimeoutError,
  redact,
  reportResult,
  runFlow,
  type TargetLocation,
  targetTokens,
  waitForRun,
} from '@xrd/core';
import { errorMessage } from './errors.js';
import { runFanOutStep } from './fan-out.js';
import { type ActionInputs, readActionInputs, SECRET_INPUTS } from './inputs.js';
import { setResultOutputs, setRunOutputs } from './outputs.js';
import { createProgressLogger } from './progress.js';
import type { Runner } from './runner.js';
import { type Env, readRunnerContext } from './runner-context.js';
import { STATE } from './state.js';
import { renderSummary } from './summary.js';

/**
 * Masks every secret input before anything can print it — the targets' own tokens too, read from
 * `targets` before it is validated. Returns the secrets for `redact`.
 */
export function maskSecrets(actions: Runner): string[] {
  const secrets: string[] = [];
  const values = [
    ...SECRET_INPUTS.map((name) => actions.getInput(name)),
    ...targetTokens(actions.getInput('targets')),
  ];
  for (const value of values) {
    if (value !== '' && !secrets.includes(value)) {
      actions.setSecret(value);
      secrets.push(value);
    }
  }
  return secrets;
}

export interface Prepared {
  readonly kind: 'single';
  readonly inputs: ActionInputs;
  // The action keeps `ref` required (as the reference action does): parsed without `refOptional`.
  readonly options: RunOptionsWithRef;
  readonly report: ReportOptions | undefined;
  readonly forge: Forge;
}

/** A step with `targets`: the validated targets, and how to reach their forges and the source's. */
export interface PreparedFanOut {
  readonly kind: 'fan-out';
  readonly inputs: ActionInputs;
  readonly options: FanOutOptions;
  /** Builds a target's Forge (its own token, else the step's). */
  readonly connect: (location: TargetLocation) => Forge;
  /** The source's forge, where the statuses and the comment go (with a report). */
  readonly reportForge?: Forge;
}

/**
 * Reads and validates every input and builds the Forge — no request is sent. Both phases call it,
 * so the post step acts on exactly the options the main step used.
 */
export function prepare(actions: Runner, env: Env): Prepared | PreparedFanOut {
  const inputs = readActionInputs((name) => actions.getInput(name));
  const runner = readRunnerContext(env, inputs.raw, (path) => readFileSync(path, 'utf8'));
  const ctx = {
    label: inputs.label,
    defaults: runner.defaults,
    // `report-status: true` / `report-comment: true` mean this job's commit and pull request, which
    // only the runner's event knows.
    ...(runner.sha !== undefined ? { sourceSha: runner.sha } : {}),
    ...(runner.pr !== undefined ? { sourcePr: runner.pr } : {}),
  };
  if (inputs.raw.targets !== undefined) return prepareFanOut(inputs, ctx);
  const options = parseRunOptions(inputs.raw, ctx);
  if (inputs.user !== undefined) readOption('user', inputs.user, { label: 'user', forge: options.forge });
  if (inputs.token === '') throw emptyToken(inputs, `${options.repo.owner}/${options.repo.repo}`);
  const forge = createForge({
    kind: options.forge,
    apiUrl: options.apiUrl,
    token: inputs.token,
    ...(inputs.user !== undefined ? { user: inputs.user } : {}),
  });
  return { kind: 'single', inputs, options, report: options.report, forge };
}

function emptyToken(inputs: ActionInputs, where: string): InvalidInputError {
  return new InvalidInputError(
    `Input \`${inputs.tokenInput}\` is empty; pass a token that may dispatch workflows in ${where}, e.g. \`token: \${{ secrets.DISPATCH_TOKEN }}\`.`,
    { input: inputs.tokenInput },
  );
}

function prepareFanOut(inputs: ActionInputs, ctx: Omit<ParseFanOutContext, 'targetToken'>): PreparedFanOut {
  const options = parseFanOutOptions(inputs.raw, { ...ctx, targetToken: 'token' });
  if (inputs.user !== undefined) readOption('user', inputs.user, { label: 'user' });
  // The step's token reaches every target without its own token, and the source.
  const needsStepToken = options.targets.filter((t) => t.token === undefined);
  if (inputs.token === '' && (needsStepToken.length > 0 || options.report !== undefined)) {
    throw emptyToken(
      inputs,
      needsStepToken.map((t) => `${t.repo.owner}/${t.repo.repo}`).join(', ') || 'the source',
    );
  }
  const connect = (location: TargetLocation): Forge =>
    createForge({
      kind: location.forge,
      apiUrl: location.apiUrl,
      token: location.token ?? inputs.token,
      ...(location.token === undefined && inputs.user !== undefined ? { user: inputs.user } : {}),
    });
  const reportForge = options.source
    ? createForge({ kind: options.source.forge, apiUrl: options.source.apiUrl, token: inputs.token })
    : undefined;
  return { kind: 'fan-out', inputs, options, connect, ...(reportForge ? { reportForge } : {}) };
}

export async function runMain(actions: Runner, env: Env = process.env): Promise<void> {
  // The same bundle runs `post`; this tells it which phase it is in (the actions/checkout way).
  actions.saveState(STATE.isPost, 'true');
  const secrets = maskSecrets(actions);
  const startedAt = Date.now();

  // The runner sends SIGINT when the job is cancelled, and SIGTERM 7.5 s later (GitHub docs,
  // "Workflow cancellation reference"): abort the wait so core can cancel the remote run in time.
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(1);
    controller.abort(new AbortedError('The job was cancelled.'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let any: Prepared | PreparedFanOut;
  try {
    any = prepare(actions, env);
  } catch (error) {
    // Validation failed: nothing was sent; the post step has nothing to undo.
    actions.saveState(STATE.settled, 'true');
    actions.setFailed(errorMessage(error, secrets));
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    return;
  }
  if (any.kind === 'fan-out') {
    try {
      await runFanOutStep(actions, any, secrets, controller.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return;
  }
  const prepared = any;
  const { options, report, forge } = prepared;
  const target = `${options.repo.owner}/${options.repo.repo}`;
  const what =
    options.workflow !== undefined
      ? `workflow ${options.workflow}`
      : `repository_dispatch ${options.eventType}`;
  // Every log line goes through `redact`, like the error messages: a forge's answer or a URL
  // quoted in a debug line must not carry a token or a password either.
  const log = createProgressLogger(
    {
      info: (line) => actions.info(redact(line, secrets)),
      debug: (line) => actions.debug(redact(line, secrets)),
      warning: (message) => actions.warning(redact(message, secrets)),
    },
    Date.now,
    startedAt,
  );
  const setOutput = (name: string, value: string) => actions.setOutput(name, value);
  const groups = logGroups(actions);
  const warn = (message: string) => actions.warning(message);
  let runId: number | undefined;
  let dispatched = false;
  let waiting = false;
  let result: RunResult | undefined;
  let finalReportError: unknown;
  let closingReportFailed = false;

  groups.open(`Dispatch ${what} to ${target}@${options.ref}`);
  // The settings the run is followed with, so a default (cross-repo-dispatch's with `sha`) is seen.
  actions.info(describeRunSettings(options));
  try {
    await runFlow(forge, options, {
      signal: controller.signal,
      ...(prepared.inputs.commentTitle !== undefined ? { title: prepared.inputs.commentTitle } : {}),
      onProgress: (event) => {
        // Waiting starts with the run's first status, after the pending status went out: the group
        // (which the cancel tests wait for) opens only then.
        if (waiting && event.type === 'status') {
          waiting = false;
          groups.open(`Wait for run ${event.run.id}`);
        }
        log(event);
      },
      onReceipt: (receipt) => {
        dispatched = true;
        setOutput('correlation-id', receipt.correlationId);
        groups.close();
        if (receipt.runId === undefined) {
          groups.open(`Find the run (correlation id ${receipt.correlationId})`);
        }
      },
      onRun: (run) => {
        groups.close();
        // First of all: the post step cancels this run if the job is cancelled from now on.
        runId = run.id;
        actions.saveState(STATE.runId, String(run.id));
        setRunOutputs(setOutput, run);
        actions.info(redact(`Remote run: ${run.htmlUrl || run.url || `#${run.id}`}`, secrets));
        if (options.wait) waiting = true;
        else actions.saveState(STATE.settled, 'true');
      },
      // Outputs, annotations and the summary come before core reports, so a status the token may
      // not write still leaves them.
      onResult: async (finished) => {
        groups.close();
        result = finished;
        actions.saveState(STATE.settled, 'true');
        setResultOutputs(setOutput, finished);
        annotateFailedJobs(actions, target, finished);
        writeSummary(actions, renderSummary({ repo: target, ref: options.ref, what }, finished));
      },
      onReportError: (error, phase) => {
        const text = errorMessage(error, secrets);
        if (phase === 'result') finalReportError ??= error;
        else if (phase === 'error') {
          closingReportFailed = true;
          warn(`xrd: could not close the report on the source: ${text}`);
        } else warn(`xrd: could not set the pending status: ${text}`);
      },
    });
  } catch (error) {
    groups.close();
    if (error instanceof RunTimeoutError) {
      if (error.lastStatus !== undefined) setOutput('status', error.lastStatus);
      // With cancel-on-timeout core cancelled the run and closed the report: nothing is left for
      // post. Otherwise the run keeps running by choice (and a cancelled job's post step would
      // still cancel it).
      if (options.cancelOnTimeout && runId !== undefined) actions.saveState(STATE.settled, 'true');
    }
    if (error instanceof AbortedError && options.cancelOnAbort && runId !== undefined) {
      // core asked the forge to cancel the run (cancelOnAbort); the runner's SIGTERM may follow
      // within seconds, so post checks how it ended.
      actions.saveState(STATE.cancelRequested, 'true');
    }
    // core closed the report after the dispatch went out (an error status, the comment): post
    // must not report the run a second time.
    if (report && dispatched && !closingReportFailed) actions.saveState(STATE.reported, 'true');
    actions.setFailed(errorMessage(error, secrets));
    return;
  } finally {
    groups.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  if (result !== undefined) {
    if (isFailingConclusion(result.conclusion, options.failOn)) {
      actions.setFailed(`The run ${result.htmlUrl} concluded ${result.conclusion}.`);
    } else {
      actions.info(`The run ${result.htmlUrl} concluded ${result.conclusion ?? result.status}.`);
    }
  }
  if (finalReportError !== undefined) actions.setFailed(errorMessage(finalReportError, secrets));
}

/** One error annotation per failed remote job. */
export function annotateFailedJobs(actions: Runner, target: string, result: RunResult): void {
  for (const job of result.failedJobs) {
    const steps = job.failedSteps.length > 0 ? ` at ${job.failedSteps.map((s) => `"${s}"`).join(', ')}` : '';
    actions.error(
      `Job "${job.name}" of ${target} run ${result.runId} ended ${job.conclusion ?? 'unknown'}${steps}.`,
      { title: `${target}: ${job.name}` },
    );
  }
}

/** How the final status and the comment are judged and titled (same `fail-on` as the step). */
export function reportOptions(prepared: Prepared) {
  return {
    failOn: prepared.options.failOn,
    ...(prepared.inputs.commentTitle !== undefined ? { title: prepared.inputs.commentTitle } : {}),
  };
}

/** How long to wait for a cancelled run to settle before reporting it. */
const SETTLE_MS = 60_000;

/**
 * After a cancel: waits (bounded) for the run to settle and reports it, so the commit status does
 * not stay pending. Failures only warn: the step's outcome is already decided.
 */
export async function settleAndReport(
  prepared: Prepared,
  runId: number,
  warn: (message: string) => void,
  secrets: readonly string[],
): Promise<void> {
  const { options, report, forge } = prepared;
  if (!report) return;
  try {
    const result = await waitForRun(forge, options.repo, runId, {
      timeoutMs: SETTLE_MS,
      intervalMs: options.intervalMs,
      learnDuration: false,
      logTailLines: 0,
    });
    await reportResult(forge, report, result, reportOptions(prepared));
  } catch (error) {
    warn(`xrd: could not report the end of run ${runId}: ${errorMessage(error, secrets)}`);
  }
}

/** Log groups opened and closed from the flow's hooks: at most one open at a time. */
function logGroups(actions: Runner): { open: (name: string) => void; close: () => void } {
  let open = false;
  const close = (): void => {
    if (open) actions.endGroup();
    open = false;
  };
  return {
    open: (name) => {
      close();
      actions.startGroup(name);
      open = true;
    },
    close,
  };
}

function writeSummary(actions: Runner, markdown: string): void {
  // act_runner and older runners may not provide a summary file; the summary is a bonus there.
  actions.appendSummary(markdown);
}
