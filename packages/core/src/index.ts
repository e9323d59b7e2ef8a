// Public API of @xrd/core: the engine (dispatch → correlate → wait, dispatchAndWait, the ambiguous-
// dispatch rule), the flow the apps share, the options, the errors, reports and results, and the
// model. Each export is named explicitly, and `exports.test.ts` pins the list. Helpers that adapters
// and apps share (a bounded cache, an abortable sleep, text cutting) are in `@xrd/core/kit`; the
// schedule's and the correlation's inner functions are not exported.

export type { ArtifactLimits, ResultsRequest, ResultsRun, RunResults } from './artifacts.js';
export {
  ARTIFACT_LIMITS,
  collectRunResults,
  MAX_OUTPUTS_BYTES,
  OUTPUTS_ARTIFACT,
  OUTPUTS_FILE,
} from './artifacts.js';
export { DEFAULT_FAIL_ON, isFailingConclusion } from './conclusions.js';
export type { FoundRun, SearchOutcome } from './correlate.js';
export {
  CORRELATE_DEFAULTS,
  correlate,
  correlateRun,
  searchRun,
} from './correlate.js';
export { generateCorrelationId } from './correlation-id.js';
export type { AmbiguousDispatchOutcome } from './dispatch.js';
export {
  DEFAULT_CORRELATION_INPUT,
  dispatch,
  resolveAmbiguousDispatch,
  unresolvedDispatchError,
} from './dispatch.js';
export { dispatchAndWait } from './dispatch-and-wait.js';
export type {
  ArtifactResult,
  CorrelateOptions,
  CorrelationMethod,
  CorrelationMode,
  DispatchAndWaitOptions,
  DispatchOptions,
  DispatchReceipt,
  DispatchRequest,
  EngineOptions,
  FailedJob,
  ProgressEvent,
  ReportWrite,
  RunResult,
  Sleep,
  WaitOptions,
} from './engine-types.js';
export type { ArtifactProblem, ErrorCode, XrdErrorOptions } from './errors.js';
export {
  AbortedError,
  ArtifactError,
  AuthError,
  DispatchRejectedError,
  ForgeHttpError,
  InvalidInputError,
  isXrdError,
  RateLimitedError,
  RunFailedError,
  RunNotFoundError,
  RunTimeoutError,
  redact,
  UnsupportedByServerError,
  XrdError,
} from './errors.js';
export type { FanOutHooks, FanOutOutcome, TargetLocation, TargetOutcome } from './fan-out.js';
export { failFastMessage, runFanOut, targetContext } from './fan-out.js';
export type { FanOutOptions, ParseFanOutContext, TargetOptions } from './fan-out-options.js';
export { FAN_OUT_CONTEXT, parseFanOutOptions } from './fan-out-options.js';
export type { FanOutRow, FanOutVerdict, RenderFanOutOptions } from './fan-out-report.js';
export {
  countVerdicts,
  fanOutRow,
  fanOutStatus,
  renderFanOutComment,
  renderFanOutTable,
  reportFanOutError,
  reportFanOutStart,
} from './fan-out-report.js';
export type { FlowHooks, FlowOutcome, ReportPhase } from './flow.js';
export { dispatchRequestOf, runFlow } from './flow.js';
export type { Meter } from './meter.js';
export { createMeter } from './meter.js';
export type {
  ActionInputSpec,
  CliFlagSpec,
  CliGroup,
  ConfigKeySpec,
  OptionContext,
  OptionName,
  OptionParser,
  OptionSpec,
  OptionValue,
  RawTarget,
  TargetKey,
} from './options.js';
export {
  durationParser,
  NAME_LIMITS,
  OPTION_LIST,
  OPTIONS,
  parseInputsObject,
  parseSwitch,
  readOption,
  readValue,
  targetTokens,
} from './options.js';
export type {
  RenderCommentOptions,
  ReportErrorInfo,
  ReportResultOutcome,
  ReportStartInfo,
} from './report.js';
export {
  commentMarker,
  defaultStatusContext,
  describeReportWrite,
  errorStatusFor,
  renderComment,
  reportError,
  reportResult,
  reportStart,
  runName,
  statusFor,
} from './report.js';
export type {
  LocationOptions,
  ParseRunOptionsContext,
  RawRunOptionName,
  RawRunOptions,
  ReportOptions,
  RunLocation,
  RunOptions,
  RunOptionsWithRef,
  WaitSettings,
} from './run-options.js';
export {
  describeRunSettings,
  parseDuration,
  parseLocationOptions,
  parseRunOptions,
  RUN_OPTION_DEFAULTS,
} from './run-options.js';
export type {
  ApiCost,
  Artifact,
  CallContext,
  CancelOutcome,
  CommentResult,
  UpsertCommentOptions,
  CommitState,
  CommitStatus,
  CommitStatusInput,
  DispatchPath,
  Forge,
  ForgeCapabilities,
  ForgeDispatchRequest,
  ForgeDispatchResult,
  ForgeKind,
  Job,
  ListRunsFilter,
  RateLimitInfo,
  RepoRef,
  RequestMeter,
  RequestRecord,
  Run,
  RunConclusion,
  RunPage,
  RunStatus,
  Step,
} from './types.js';
export { PASSING_CONCLUSIONS, RUN_CONCLUSIONS, RUN_STATUSES } from './types.js';
export { WAIT_DEFAULTS, waitForRun } from './wait.js';
