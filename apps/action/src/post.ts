// The `post` phase. action.yml runs it only when the job was cancelled (`post-if: cancelled()`):
// the main step may have been killed before it could cancel the remote run itself, so post cancels
// the run main saved in its state, when `cancel-on-cancel` allows, and reports the final result.
import * as actions from '@actions/core';
import { reportResult, waitForRun } from '@xrd/core';
import { errorMessage } from './errors.js';
import { maskSecrets, prepare, reportOptions } from './main.js';
import type { Env } from './runner-context.js';
import { STATE } from './state.js';

/** How long post waits for the cancelled run to settle before reporting (the runner is waiting). */
const SETTLE_MS = 60_000;

export async function runPost(env: Env = process.env): Promise<void> {
  const secrets = maskSecrets();
  const runId = Number(actions.getState(STATE.runId));
  if (actions.getState(STATE.settled) === 'true' || !Number.isSafeInteger(runId) || runId <= 0) {
    actions.info('xrd: no remote run is left to cancel.');
    return;
  }
  try {
    const prepared = prepare(env);
    const { options, report, forge } = prepared;
    const target = `${options.repo.owner}/${options.repo.repo}`;
    if (!options.cancelOnAbort) {
      actions.info(`xrd: cancel-on-cancel is off; run ${runId} of ${target} keeps running.`);
      return;
    }
    await forge.cancelRun(options.repo, runId);
    actions.info(`xrd: cancelled run ${runId} of ${target} because this job was cancelled.`);
    if (report) {
      const result = await waitForRun(forge, options.repo, runId, {
        timeoutMs: SETTLE_MS,
        intervalMs: options.intervalMs,
        learnDuration: false,
        logTailLines: 0,
      });
      await reportResult(forge, report, result, reportOptions(prepared));
    }
  } catch (error) {
    // A failing post step cannot un-cancel anything: warn, so the job's own result stays readable.
    actions.warning(`xrd: could not cancel run ${runId}: ${errorMessage(error, secrets)}`);
  }
}
