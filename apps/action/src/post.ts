// The `post` phase. action.yml runs it only when the job was cancelled (`post-if: cancelled()`):
// the main step may have been killed before it could cancel the remote run itself, so post cancels
// the run main saved in its state, when `cancel-on-cancel` allows, and reports how it ended.
import { errorMessage } from './errors.js';
import { maskSecrets, prepare, settleAndReport } from './main.js';
import type { Runner } from './runner.js';
import type { Env } from './runner-context.js';
import { STATE } from './state.js';

export async function runPost(actions: Runner, env: Env = process.env): Promise<void> {
  const secrets = maskSecrets(actions);
  const runId = Number(actions.getState(STATE.runId));
  if (actions.getState(STATE.settled) === 'true' || !Number.isSafeInteger(runId) || runId <= 0) {
    actions.info('xrd: no remote run is left to cancel.');
    return;
  }
  const warn = (message: string) => actions.warning(message);
  try {
    const prepared = prepare(actions, env);
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
