// The `main` phase of a step with `targets`: core's runFanOut (dispatch every target, watch the runs
// together, one report), with hooks that log each target's progress under its name, save the runs
// for the post phase, and write the outputs, the job summary and the annotations. What happens, and
// in which order, is core's; this file only connects it to the runner.
import { AbortedError, type FanOutOutcome, fanOutRow, redact, runFanOut } from '@xrd/core';
import { formatDuration } from '@xrd/core/kit';
import { errorMessage } from './errors.js';
import { annotateFailedJobs, type PreparedFanOut } from './main.js';
import { createProgressLogger } from './progress.js';
import type { Runner } from './runner.js';
import { STATE } from './state.js';
import { renderFanOutSummary } from './summary.js';

export async function runFanOutStep(
  actions: Runner,
  prepared: PreparedFanOut,
  secrets: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const { options } = prepared;
  const startedAt = Date.now();
  const sink = {
    info: (line: string) => actions.info(redact(line, secrets)),
    debug: (line: string) => actions.debug(redact(line, secrets)),
    warning: (message: string) => actions.warning(redact(message, secrets)),
  };
  const stepLog = createProgressLogger(sink, Date.now, startedAt);
  const targetLogs = options.targets.map((t) => createProgressLogger(sink, Date.now, startedAt, t.name));
  const runs: Record<number, number> = {};
  let finalReportError: unknown;
  let closingReportFailed = false;

  const n = options.targets.length;
  actions.startGroup(`Dispatch ${n} target${n === 1 ? '' : 's'} and wait for their runs`);
  actions.info(
    `${n} targets: ${options.targets.map((t) => t.name).join(', ')}; timeout ${formatDuration(options.timeoutMs)} for all of them, poll interval ${formatDuration(options.intervalMs)}, at most ${options.concurrency} dispatches at once, fail-fast ${options.failFast ? 'on' : 'off'}`,
  );
  let outcome: FanOutOutcome;
  try {
    outcome = await runFanOut(options, {
      signal,
      connect: prepared.connect,
      ...(prepared.reportForge ? { reportForge: prepared.reportForge } : {}),
      ...(prepared.inputs.commentTitle !== undefined ? { title: prepared.inputs.commentTitle } : {}),
      onProgress: stepLog,
      onTargetProgress: (target, event) => targetLogs[target.index]?.(event),
      onTargetRun: (target, run) => {
        // First of all: post cancels these runs if the job is cancelled from now on.
        runs[target.index] = run.id;
        actions.saveState(STATE.targetRuns, JSON.stringify(runs));
      },
      onTargetDone: (done) => {
        if (done.result)
          annotateFailedJobs(actions, `${done.target.repo.owner}/${done.target.repo.repo}`, done.result);
      },
      onReportError: (error, phase) => {
        const text = errorMessage(error, secrets);
        if (phase === 'result') finalReportError ??= error;
        else if (phase === 'error') {
          closingReportFailed = true;
          actions.warning(`xrd: could not close the report on the source: ${text}`);
        } else actions.warning(`xrd: could not set a pending status: ${text}`);
      },
    });
  } catch (error) {
    actions.endGroup();
    if (error instanceof AbortedError) {
      // core asked the forges to cancel the runs (cancel-on-cancel) and closed the report.
      if (options.cancelOnAbort && Object.keys(runs).length > 0)
        actions.saveState(STATE.cancelRequested, 'true');
      if (options.report && !closingReportFailed) actions.saveState(STATE.reported, 'true');
    }
    actions.setFailed(errorMessage(error, secrets));
    return;
  }
  actions.endGroup();
  actions.saveState(STATE.settled, 'true');

  // Outputs and the summary before the verdict, so a failing step still leaves them.
  actions.setOutput('results', JSON.stringify(outcome.targets.map(fanOutRow)));
  actions.setOutput('conclusion', outcome.conclusion);
  actions.appendSummary(renderFanOutSummary(outcome));

  const failing = outcome.targets.filter((o) => o.verdict !== 'success' && o.verdict !== 'pending');
  for (const o of outcome.targets) {
    const row = fanOutRow(o);
    const end = row.error
      ? `${o.verdict}: ${row.error.message}`
      : (row.conclusion ?? row.status ?? o.verdict);
    actions.info(redact(`${o.target.name}: ${end}${row.htmlUrl ? ` — ${row.htmlUrl}` : ''}`, secrets));
  }
  if (failing.length > 0) {
    const list = failing
      .map(
        (o) => `${o.target.name} (${o.verdict === 'failure' ? (o.run?.conclusion ?? 'failure') : o.verdict})`,
      )
      .join(', ');
    actions.setFailed(redact(`${failing.length} of ${n} targets did not pass: ${list}.`, secrets));
  } else {
    actions.info(`All ${n} targets passed.`);
  }
  if (finalReportError !== undefined) actions.setFailed(errorMessage(finalReportError, secrets));
}
