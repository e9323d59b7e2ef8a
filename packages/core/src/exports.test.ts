// The public API of @xrd/core is pinned: what the engine, the flow, the options, the errors, the
// reports and the model offer, and nothing else. A change here is a change for every user of the
// package (and belongs in a changeset). Helpers adapters and apps share are in `@xrd/core/kit`, pinned
// too; the schedule's and the correlation's inner functions are not exported at all.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as core from './index.js';
import * as kit from './kit/index.js';

/** Every name `export type { … }` / `export { … }` lists in a module's source. */
function declaredNames(file: string): { values: string[]; types: string[] } {
  const text = readFileSync(new URL(file, import.meta.url), 'utf8');
  const values: string[] = [];
  const types: string[] = [];
  for (const match of text.matchAll(/export (type )?\{([^}]*)\}/g)) {
    const names = (match[2] ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    (match[1] ? types : values).push(...names);
  }
  return { values: values.sort(), types: types.sort() };
}

describe('@xrd/core exports', () => {
  it('offers exactly these values', () => {
    expect(Object.keys(core).sort()).toMatchInlineSnapshot(`
      [
        "ARTIFACT_LIMITS",
        "AbortedError",
        "ArtifactError",
        "AuthError",
        "CORRELATE_DEFAULTS",
        "DEFAULT_CORRELATION_INPUT",
        "DEFAULT_FAIL_ON",
        "DispatchRejectedError",
        "FAN_OUT_CONTEXT",
        "ForgeHttpError",
        "InvalidInputError",
        "MAX_OUTPUTS_BYTES",
        "NAME_LIMITS",
        "OPTIONS",
        "OPTION_LIST",
        "OUTPUTS_ARTIFACT",
        "OUTPUTS_FILE",
        "PASSING_CONCLUSIONS",
        "RUN_CONCLUSIONS",
        "RUN_OPTION_DEFAULTS",
        "RUN_STATUSES",
        "RateLimitedError",
        "RunFailedError",
        "RunNotFoundError",
        "RunTimeoutError",
        "UnsupportedByServerError",
        "WAIT_DEFAULTS",
        "XrdError",
        "collectRunResults",
        "commentMarker",
        "correlate",
        "correlateRun",
        "countVerdicts",
        "createMeter",
        "defaultStatusContext",
        "describeReportWrite",
        "describeRunSettings",
        "dispatch",
        "dispatchAndWait",
        "dispatchRequestOf",
        "durationParser",
        "errorStatusFor",
        "failFastMessage",
        "fanOutRow",
        "fanOutStatus",
        "generateCorrelationId",
        "isFailingConclusion",
        "isXrdError",
        "parseDuration",
        "parseFanOutOptions",
        "parseInputsObject",
        "parseLocationOptions",
        "parseRunOptions",
        "parseSwitch",
        "readOption",
        "readValue",
        "redact",
        "renderComment",
        "renderFanOutComment",
        "renderFanOutTable",
        "reportError",
        "reportFanOutError",
        "reportFanOutStart",
        "reportResult",
        "reportStart",
        "resolveAmbiguousDispatch",
        "runFanOut",
        "runFlow",
        "runName",
        "searchRun",
        "statusFor",
        "targetContext",
        "targetTokens",
        "unresolvedDispatchError",
        "waitForRun",
      ]
    `);
  });

  it('offers exactly these types', () => {
    expect(declaredNames('./index.ts').types).toMatchInlineSnapshot(`
      [
        "ActionInputSpec",
        "AmbiguousDispatchOutcome",
        "ApiCost",
        "Artifact",
        "ArtifactLimits",
        "ArtifactProblem",
        "ArtifactResult",
        "CallContext",
        "CancelOutcome",
        "CliFlagSpec",
        "CliGroup",
        "CommentResult",
        "CommitState",
        "CommitStatus",
        "CommitStatusInput",
        "ConfigKeySpec",
        "CorrelateOptions",
        "CorrelationMethod",
        "CorrelationMode",
        "DispatchAndWaitOptions",
        "DispatchOptions",
        "DispatchPath",
        "DispatchReceipt",
        "DispatchRequest",
        "EngineOptions",
        "ErrorCode",
        "FailedJob",
        "FanOutHooks",
        "FanOutOptions",
        "FanOutOutcome",
        "FanOutRow",
        "FanOutVerdict",
        "FlowHooks",
        "FlowOutcome",
        "Forge",
        "ForgeCapabilities",
        "ForgeDispatchRequest",
        "ForgeDispatchResult",
        "ForgeKind",
        "FoundRun",
        "Job",
        "ListRunsFilter",
        "LocationOptions",
        "Meter",
        "OptionContext",
        "OptionName",
        "OptionParser",
        "OptionSpec",
        "OptionValue",
        "ParseFanOutContext",
        "ParseRunOptionsContext",
        "ProgressEvent",
        "RateLimitInfo",
        "RawRunOptionName",
        "RawRunOptions",
        "RawTarget",
        "RenderCommentOptions",
        "RenderFanOutOptions",
        "RepoRef",
        "ReportErrorInfo",
        "ReportOptions",
        "ReportPhase",
        "ReportResultOutcome",
        "ReportStartInfo",
        "ReportWrite",
        "RequestMeter",
        "RequestRecord",
        "ResultsRequest",
        "ResultsRun",
        "Run",
        "RunConclusion",
        "RunLocation",
        "RunOptions",
        "RunOptionsWithRef",
        "RunPage",
        "RunResult",
        "RunResults",
        "RunStatus",
        "SearchOutcome",
        "Sleep",
        "Step",
        "TargetKey",
        "TargetLocation",
        "TargetOptions",
        "TargetOutcome",
        "UpsertCommentOptions",
        "WaitOptions",
        "WaitSettings",
        "XrdErrorOptions",
      ]
    `);
  });

  it('every value the source declares is really exported, and no helper leaks in', () => {
    expect(Object.keys(core).sort()).toEqual(declaredNames('./index.ts').values);
    for (const helper of ['sleep', 'truncate', 'nextPollDelay', 'stepMatches', 'prepareDispatch', 'LruMap']) {
      expect(Object.keys(core)).not.toContain(helper);
    }
  });

  it('@xrd/core/kit offers exactly the shared helpers', () => {
    expect(Object.keys(kit).sort()).toMatchInlineSnapshot(`
      [
        "LruMap",
        "MAX_DESCRIPTION",
        "abortError",
        "editKnownComment",
        "formatBytes",
        "formatDuration",
        "serverTimeOf",
        "sleep",
        "tailBytes",
        "tailLines",
        "throwIfAborted",
        "truncate",
      ]
    `);
  });
});
