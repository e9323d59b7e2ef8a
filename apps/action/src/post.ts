// The `post` phase. action.yml runs it only when the job was cancelled (`post-if: cancelled()`):
// the main step may have been killed before it could cancel the remote run itself, so post cancels
// the run main saved in its state (with `targets`: every run main saved), when `cancel-on-cancel`
// allows, and reports how it ended.
import { AbortedError, reportError, reportFanOutError, type TargetOutcome, targetContext } from '@xrd/core';
import { errorMessage } from './errors.js';
import { maskSecrets, type PreparedFanOut, prepare, settleAndReport } from './main.js';
import type { Runner } from './runner.js';
import type { Env } from './runner-context.js';
import { STATE } from './state.js';

export async function runPost(actions: Runner, env: Env = process.env): Promise<void> {
  const secrets = maskSecrets(actions);
  const runId = Number(actions.getState(STATE.runId));
  const targetRuns = savedTargetRuns(actions.getState(STATE.targetRuns));
  const single = Number.isSafeInteger(runId) && runId > 0;
  if (actions.getState(STATE.settled) === 'true' || (!single && targetRuns.length === 0)) {
    actions.info('xrd: no remote run is left to cancel.');
    return;
  }
  const warn = (message: string) => actions.warning(message);
  try {
    const prepared = prepare(actions, env);
    if (prepared.kind === 'fan-out') {
      await cancelTargets(actions, prepared, targetRuns, secrets);
      return;
    }
    const { options, forge } = prepared;
    const target = `${options.repo.owner}/${options.repo.repo}`;
    if (actions.getState(STATE.cancelRequested) === 'true') {
      actions.info(`xrd: run ${runId} of ${target} was cancelled by the main step.`);
      // main's flow already replaced the pending status with its final one.
      if (actions.getState(STATE.reported) === 'true') return;
    } else if (!options.cancelOnAbort) {
      actions.info(`xrd: cancel-on-cancel is off; run ${runId} of ${target} keeps running.`);
      return;
    } else {
      const outcome = await forge.cancelRun(options.repo, runId);
      actions.info(
        outcome === 'requested'
          ? `xrd: cancelled run ${runId} of ${target} because this job was cancelled.`
          : `xrd: run ${runId} of ${target} had already finished; nothing to cancel.`,
      );
    }
    await settleAndReport(prepared, runId, warn, secrets);
  } catch (error) {
    // A failing post step cannot un-cancel anything: warn, so the job's own result stays readable.
    warn(`xrd: could not cancel run ${runId}: ${errorMessage(error, secrets)}`);
  }
}

/** `{ "0": 123, "2": 456 }` → `[[0, 123], [2, 456]]`; anything unreadable is nothing to cancel. */
function savedTargetRuns(text: string): [number, number][] {
  try {
    const value = JSON.parse(text || '{}') as Record<string, unknown>;
    return Object.entries(value).flatMap(([index, id]) =>
      Number.isSafeInteger(Number(index)) && typeof id === 'number' && Number.isSafeInteger(id) && id > 0
        ? [[Number(index), id] as [number, number]]
        : [],
    );
  } catch {
    return [];
  }
}

/**
 * With `targets`: cancels each run main saved (unless main did, or cancel-on-cancel is off), then
 * closes the one status and comment (and each target's status) that main left pending.
 */
async function cancelTargets(
  actions: Runner,
  prepared: PreparedFanOut,
  runs: readonly [number, number][],
  secrets: readonly string[],
): Promise<void> {
  const { options } = prepared;
  if (actions.getState(STATE.cancelRequested) === 'true') {
    actions.info(`xrd: the runs of ${runs.length} targets were cancelled by the main step.`);
    if (actions.getState(STATE.reported) === 'true') return;
  } else if (!options.cancelOnAbort) {
    actions.info(`xrd: cancel-on-cancel is off; the runs of ${runs.length} targets keep running.`);
    return;
  }
  const outcomes: TargetOutcome[] = [];
  for (const [index, runId] of runs) {
    const target = options.targets[index];
    if (target === undefined) continue;
    const where = `run ${runId} of ${target.name}`;
    try {
      if (actions.getState(STATE.cancelRequested) !== 'true') {
        const forge = prepared.connect({
          forge: target.forge,
          apiUrl: target.apiUrl,
          ...(target.token !== undefined ? { token: target.token } : {}),
        });
        const outcome = await forge.cancelRun(target.repo, runId);
        actions.info(
          outcome === 'requested'
            ? `xrd: cancelled ${where} because this job was cancelled.`
            : `xrd: ${where} had already finished; nothing to cancel.`,
        );
      }
    } catch (error) {
      actions.warning(`xrd: could not cancel ${where}: ${errorMessage(error, secrets)}`);
    }
    outcomes.push({
      target,
      verdict: 'cancelled',
      error: new AbortedError(`Cancelled: the job was cancelled (${where}).`),
    });
  }
  const { report, statusPerTarget } = options;
  if (!report || !prepared.reportForge) return;
  const cancelled = new AbortedError('The job was cancelled.');
  try {
    await reportFanOutError(prepared.reportForge, report, cancelled, outcomes);
    if (statusPerTarget && report.sha !== undefined) {
      for (const outcome of outcomes) {
        const context = targetContext(outcome.target, options.targets);
        await reportError(prepared.reportForge, { repo: report.repo, sha: report.sha, context }, cancelled, {
          cancelled: true,
        });
      }
    }
  } catch (error) {
    actions.warning(`xrd: could not close the report on the source: ${errorMessage(error, secrets)}`);
  }
}
