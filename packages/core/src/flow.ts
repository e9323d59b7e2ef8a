// The one flow the action and the CLI run: validated RunOptions → dispatch → the run → pending
// status → wait → final report, with hooks where each app connects its own output. Everything that
// decides what happens, and in which order, lives here; the apps only print and save.
import { collectRunResults, wantsResults } from './artifacts.js';
import { dispatchAndFollow } from './dispatch-and-wait.js';
import type {
  DispatchReceipt,
  DispatchRequest,
  EngineOptions,
  ProgressEvent,
  ReportWrite,
  RunResult,
} from './engine-types.js';
import { AbortedError, type XrdError } from './errors.js';
import { createMeter } from './meter.js';
import { reportError, reportResult, reportStart } from './report.js';
import type { RunOptions, RunOptionsWithRef } from './run-options.js';
import type { ApiCost, CallContext, Forge, Run } from './types.js';

/** Which report-back request failed: the pending status, the final one, or the error one. */
export type ReportPhase = 'start' | 'result' | 'error';

export interface FlowHooks extends EngineOptions {
  /** The dispatch went out (before the run is looked for): the correlation id is known. */
  readonly onReceipt?: (receipt: DispatchReceipt) => void | Promise<void>;
  /**
   * The run is known — from the dispatch's answer (a provisional, queued run: no extra read) or
   * found by correlation. Called before the pending status and before waiting, so a caller can save
   * what it needs to cancel the run later.
   */
  readonly onRun?: (run: Run, receipt: DispatchReceipt) => void | Promise<void>;
  /**
   * The run completed (with its artifacts and remote outputs when `options.results` asked for them).
   * Called BEFORE the final report, so outputs exist even if reporting fails.
   */
  readonly onResult?: (result: RunResult) => void | Promise<void>;
  /**
   * A report-back request (commit status or comment) failed. Reporting never changes what the flow
   * does: it goes on (a failed pending status still waits and still tries the final one).
   * Default, without this hook: the first report error is thrown once the flow has otherwise
   * finished (after `onResult`), so a report that could not be written is never silent; on a flow
   * that fails anyway its own error is thrown and the report error goes to `onProgress` as `debug`.
   */
  readonly onReportError?: (error: unknown, phase: ReportPhase) => void;
  /** Heading of the PR comment (default `<owner>/<repo> <workflow>`). */
  readonly title?: string;
}

export interface FlowOutcome {
  readonly receipt: DispatchReceipt;
  /** The run: as read when it completed (`result.run`), else as first known. */
  readonly run: Run;
  /** Absent when `options.wait` is false. */
  readonly result?: RunResult;
  /**
   * Requests of the default-branch lookup (when no ref was given), the dispatch, the correlation, the
   * wait and the artifacts (not of the report-back).
   */
  readonly apiCost: ApiCost;
}

/** The dispatch a set of run options asks for (a missing ref is resolved first: see runFlow). */
export function dispatchRequestOf(options: RunOptionsWithRef): DispatchRequest {
  return {
    repo: options.repo,
    ref: options.ref,
    ...(options.workflow !== undefined ? { workflow: options.workflow } : {}),
    ...(options.eventType !== undefined ? { eventType: options.eventType } : {}),
    inputs: options.inputs,
    ...(options.clientPayload !== undefined ? { clientPayload: options.clientPayload } : {}),
    ...(options.correlationId !== undefined ? { correlationId: options.correlationId } : {}),
    correlationInput: options.correlationInput,
    correlation: options.correlation,
  };
}

/**
 * [no `options.ref`: one `forge.getDefaultBranch` request, said in a `debug` progress line] →
 * dispatch → the run (the dispatch's answer when it carries the run id, else correlation with
 * `maxRuns` / `intervalMs`) → `onRun` → pending status (with `options.report`) → unless
 * `options.wait` is false: wait (one `timeoutMs` deadline from the dispatch; `cancelOnTimeout`,
 * `cancelOnAbort`) → `onResult` → final status and comment.
 *
 * When the flow fails after its dispatch went out (run not found, timeout, interruption, forge
 * error) and reporting is on, `reportError` closes the report (an `error` status naming what
 * happened, and the comment) before the error is rethrown: no pending status is left behind.
 * Report requests do not take `signal`: after an interruption the closing status must still go out.
 */
export async function runFlow(
  forge: Forge,
  options: RunOptions,
  hooks: FlowHooks = {},
): Promise<FlowOutcome> {
  const report = options.report;
  let receipt: DispatchReceipt | undefined;
  let run: Run | undefined;
  let cancelled = false;
  let firstReportError: { error: unknown } | undefined;
  let resultsError: XrdError | undefined;
  const debug = (message: string): void => {
    try {
      hooks.onProgress?.({ type: 'debug', message });
    } catch {
      // as the engine: a failing progress callback breaks nothing
    }
  };
  const reportCtx: CallContext = { debug };
  const reportFailed = (error: unknown, phase: ReportPhase): void => {
    if (hooks.onReportError) hooks.onReportError(error, phase);
    else firstReportError ??= { error };
  };
  const onProgress = (event: ProgressEvent): void => {
    // Whether the run was cancelled on timeout / abort is said in the closing status.
    if (event.type === 'cancelled') cancelled = true;
    hooks.onProgress?.(event);
  };
  // Every status and comment written is said, so a user sees what changed on the source.
  const onWrite = (write: ReportWrite): void => {
    try {
      hooks.onProgress?.({ type: 'reported', write });
    } catch {
      // as the engine: a failing progress callback breaks nothing
    }
  };

  // One meter over the default-branch lookup and everything dispatchAndFollow sends, so apiCost
  // says what the whole flow cost; it forwards to the caller's meter.
  const meter = createMeter(hooks.meter);
  let ref = options.ref;
  if (ref === undefined) {
    ref = await forge.getDefaultBranch(options.repo, {
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      meter,
      debug,
    });
    debug(`ref not given: using the default branch ${ref}`);
  }

  let outcome: FlowOutcome;
  try {
    const followed = await dispatchAndFollow(
      forge,
      dispatchRequestOf({ ...options, ref }),
      {
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        ...(hooks.now ? { now: hooks.now } : {}),
        ...(hooks.sleep ? { sleep: hooks.sleep } : {}),
        meter,
        onProgress,
        timeoutMs: options.timeoutMs,
        intervalMs: options.intervalMs,
        expectedDurationMs: options.expectedDurationMs,
        cancelOnTimeout: options.cancelOnTimeout,
        cancelOnAbort: options.cancelOnAbort,
        correlate: { maxRuns: options.maxRuns, intervalMs: options.intervalMs },
      },
      {
        wait: options.wait,
        onReceipt: async (r) => {
          receipt = r;
          await hooks.onReceipt?.(r);
        },
        onRun: async (found, r) => {
          run = found;
          await hooks.onRun?.(found, r);
          // As soon as the run's page is known, and once: the status links to the run.
          if (report) {
            await reportStart(forge, report, { receipt: r, run: found }, reportCtx, onWrite).catch(
              (error: unknown) => reportFailed(error, 'start'),
            );
          }
        },
      },
    );
    let finished = followed.result;
    if (finished && wantsResults(options.results)) {
      // The run's artifacts and outputs, before onResult and the report (which show them). What went
      // wrong with them is thrown once the run has been reported: the run's verdict stands.
      const got = await collectRunResults(forge, finished, options.results, {
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        meter,
        debug,
        ...(hooks.now ? { now: hooks.now } : {}),
        ...(hooks.sleep ? { sleep: hooks.sleep } : {}),
      }).catch((error: unknown) => {
        if (error instanceof AbortedError) throw error;
        resultsError = error as XrdError;
        return undefined;
      });
      if (got) {
        for (const artifact of got.artifacts) if (artifact.path) onProgress({ type: 'artifact', artifact });
        for (const message of got.notes) onProgress({ type: 'notice', message });
        resultsError = got.error;
        finished = {
          ...finished,
          artifacts: got.artifacts,
          ...(got.outputs !== undefined ? { remoteOutputs: got.outputs } : {}),
        };
      }
    }
    const apiCost = meter.cost();
    const result = finished ? { ...finished, apiCost } : undefined;
    outcome = result
      ? { receipt: followed.receipt, run: result.run, result, apiCost }
      : { receipt: followed.receipt, run: followed.run, apiCost };
    if (result) {
      await hooks.onResult?.(result);
      if (report) {
        await reportResult(forge, report, result, {
          failOn: options.failOn,
          ...(hooks.title !== undefined ? { title: hooks.title } : {}),
          ctx: reportCtx,
          onWrite,
        }).catch((error: unknown) => reportFailed(error, 'result'));
      }
    }
  } catch (error) {
    if (report && receipt) {
      await reportError(forge, report, error, {
        receipt,
        ...(run ? { run } : {}),
        timeoutMs: options.timeoutMs,
        cancelled,
        ...(hooks.title !== undefined ? { title: hooks.title } : {}),
        ctx: reportCtx,
        onWrite,
      }).catch((reportFailure: unknown) => {
        if (hooks.onReportError) hooks.onReportError(reportFailure, 'error');
        else debug(`Could not report the failure: ${(reportFailure as Error).message}`);
      });
    }
    throw error;
  }
  if (firstReportError) throw firstReportError.error;
  if (resultsError) throw resultsError;
  return outcome;
}
