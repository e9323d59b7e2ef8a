// Public API of @xrd/core. Each export is named explicitly.

export type { ArtifactLimits, ResultsRequest, ResultsRun, RunResults } from './artifacts.js';
export {
  ARTIFACT_LIMITS,
  artifactPattern,
  collectRunResults,
  extractArchive,
  MAX_OUTPUTS_BYTES,
  OUTPUTS_ARTIFACT,
  OUTPUTS_FILE,
  parseOutputs,
  selectArtifacts,
  wantsResults,
} from './artifacts.js';
export { DEFAULT_FAIL_ON, isFailingConclusion, isRunConclusion, parseFailOn } from './conclusions.js';
export type { FoundRun, SearchOutcome } from './correlate.js';
export {
  branchOf,
  CORRELATE_DEFAULTS,
  correlate,
  correlateRun,
  echoHint,
  searchRun,
  stepMatches,
  workflowMatches,
} from './correlate.js';
export {
  CORRELATION_ID_PATTERN,
  containsCorrelationId,
  generateCorrelationId,
  isValidCorrelationId,
} from './correlation-id.js';
export {
  DEFAULT_AMBIGUOUS_SEARCH_MS,
  DEFAULT_CORRELATION_INPUT,
  dispatch,
  prepareDispatch,
  validateDispatchRequest,
} from './dispatch.js';
export { dispatchAndWait, provisionalRun } from './dispatch-and-wait.js';
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
export { runFanOut, targetContext } from './fan-out.js';
export type { FanOutOptions, ParseFanOutContext, TargetOptions } from './fan-out-options.js';
export { FAN_OUT_CONTEXT, parseFanOutOptions } from './fan-out-options.js';
export type { FanOutRow, FanOutVerdict, RenderFanOutOptions } from './fan-out-report.js';
export {
  countVerdicts,
  fanOutRow,
  fanOutState,
  fanOutStatus,
  renderFanOutComment,
  renderFanOutTable,
  reportFanOutError,
  reportFanOutResult,
  reportFanOutStart,
} from './fan-out-report.js';
export type { FlowHooks, FlowOutcome, ReportPhase } from './flow.js';
export { dispatchRequestOf, runFlow } from './flow.js';
export { formatDuration } from './internal.js';
export type { Meter } from './meter.js';
export { createMeter } from './meter.js';
export type {
  RenderCommentOptions,
  ReportErrorInfo,
  ReportResultOutcome,
  ReportStartInfo,
} from './report.js';
export {
  commentMarker,
  commitStateFor,
  defaultStatusContext,
  describeReportWrite,
  errorStatusFor,
  formatBytes,
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
  parseBoolean,
  parseClientPayload,
  parseDuration,
  parseInputs,
  parseLocationOptions,
  parseRunOptions,
  RUN_OPTION_DEFAULTS,
} from './run-options.js';
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
  MAX_TARGETS,
  NAME_LIMITS,
  OPTION_LIST,
  OPTIONS,
  parseInputsObject,
  parseSwitch,
  parseTargetsValue,
  readOption,
  readValue,
  TARGET_KEYS,
  targetTokens,
} from './options.js';
export type {
  DurationEstimate,
  EndWindow,
  PollDecision,
  PollState,
  ScheduleSettings,
  WaitReason,
} from './schedule.js';
export {
  correlationDelay,
  endWindow,
  estimateDuration,
  expectedDuration,
  median,
  nextPollDelay,
  rateLimitFloor,
  retryDelay,
  runDurationMs,
  scheduledDelay,
} from './schedule.js';
export { abortError, sleep, throwIfAborted } from './sleep.js';
export type {
  ApiCost,
  Artifact,
  CallContext,
  CancelOutcome,
  CommentResult,
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
export { MAX_DESCRIPTION, tailLines, truncate } from './text.js';
export { WAIT_DEFAULTS, waitForRun } from './wait.js';
