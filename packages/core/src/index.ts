// Public API of @xrd/core. Each export is named explicitly.

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
export type { AmbiguousDispatchOutcome } from './dispatch.js';
export {
  DEFAULT_AMBIGUOUS_SEARCH_MS,
  DEFAULT_CORRELATION_INPUT,
  dispatch,
  prepareDispatch,
  resolveAmbiguousDispatch,
  unresolvedDispatchError,
  validateDispatchRequest,
} from './dispatch.js';
export { dispatchAndWait, provisionalRun } from './dispatch-and-wait.js';
export type {
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
  RunResult,
  Sleep,
  WaitOptions,
} from './engine-types.js';
export type { ErrorCode, XrdErrorOptions } from './errors.js';
export {
  AbortedError,
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
  errorStatusFor,
  MAX_DESCRIPTION,
  renderComment,
  reportError,
  reportResult,
  reportStart,
  statusFor,
  truncate,
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
  parseBoolean,
  parseClientPayload,
  parseDuration,
  parseInputs,
  parseLocationOptions,
  parseRunOptions,
  RUN_OPTION_DEFAULTS,
} from './run-options.js';
export type { PollDecision, PollState, ScheduleSettings, WaitReason } from './schedule.js';
export {
  correlationDelay,
  durationSpread,
  endWindow,
  expectedDuration,
  median,
  nextPollDelay,
  rateLimitFloor,
  retryDelay,
  runDurationMs,
  scheduledDelay,
} from './schedule.js';
export { abortError, sleep, throwIfAborted } from './sleep.js';
export { isTransientError, retryAtOf } from './transient.js';
export type {
  ApiCost,
  CallContext,
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
export { tailLines, WAIT_DEFAULTS, waitForRun } from './wait.js';
