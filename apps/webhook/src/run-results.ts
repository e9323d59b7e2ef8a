// What a finished run brought back, for the PR comment: its artifacts (linked) and its remote
// outputs (a table), read the way the action and CLI read them (core's collectRunResults; nothing
// is downloaded to disk). Used by single-target routes (worker.ts) and fan-out groups (fan-out.ts).
// Reading them never fails the report: on a problem the comment goes out without them.
import { type CallContext, collectRunResults, type Forge, type RunResult } from '@xrd/core';
import type { Logger } from './log.js';

export async function withRunResults(
  forge: Forge,
  ctx: CallContext,
  result: RunResult,
  logger: Logger,
  fields: Readonly<Record<string, unknown>>,
): Promise<RunResult> {
  try {
    if (!(await forge.capabilities(ctx)).artifacts) return result;
    const got = await collectRunResults(forge, result, { download: [], dir: '.', outputs: true }, ctx);
    if (got.error) logger.warn('the remote outputs could not be read', { ...fields, error: got.error });
    return { ...result, artifacts: got.artifacts, ...(got.outputs ? { remoteOutputs: got.outputs } : {}) };
  } catch (error) {
    logger.warn("the run's artifacts could not be listed", { ...fields, error });
    return result;
  }
}
