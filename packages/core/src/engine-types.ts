// Types of the engine's public functions: dispatch → correlate → waitForRun, and dispatchAndWait.
import type {
  ApiCost,
  CommitState,
  DispatchPath,
  ForgeDispatchRequest,
  Job,
  RepoRef,
  RequestMeter,
  Run,
  RunConclusion,
  RunStatus,
  Sleep,
} from './types.js';

export type { Sleep };

/** Time, sleep and cancellation are parameters, so tests run a ten-minute wait in milliseconds. */
export interface EngineOptions {
  readonly signal?: AbortSignal;
  /** Epoch milliseconds. Default `Date.now`. */
  readonly now?: () => number;
  /** Default: a real timer that honours `signal`. */
  readonly sleep?: Sleep;
  /** Progress and debug events (status changes, job starts and ends, waits, fallbacks). */
  readonly onProgress?: (event: ProgressEvent) => void;
  /**
   * Every request is also recorded here (besides the operation's own `apiCost`), so a caller that
   * composes several operations can count them all.
   */
  readonly meter?: RequestMeter;
}

/**
 * How the dispatched run is recognised when the server returns no run id.
 * - `run-name`: the correlation id appears in the run's title (`run-name` → `display_title`).
 * - `step-name`: a step is named after the correlation id (the cross-repo-dispatch convention).
 * - `auto`: title first, then step names.
 */
export type CorrelationMode = 'auto' | 'run-name' | 'step-name';

/**
 * What the caller asks to dispatch: what the adapter sends (repo, ref, workflow or event type,
 * inputs, client payload), and how core makes its run recognisable.
 */
export interface DispatchRequest extends ForgeDispatchRequest {
  /**
   * The unique token the target echoes. Default: generated (`xrd-` + 16 hex). The reference
   * action's `sha` input maps here.
   */
  readonly correlationId?: string;
  /**
   * The input (workflow_dispatch) or client_payload key (repository_dispatch) that carries the
   * correlation id. Default `correlation_id`. With `step-name` on repository_dispatch the id is
   * also sent as `client_payload.sha` (the reference convention).
   */
  readonly correlationInput?: string;
  /** Default `auto`. */
  readonly correlation?: CorrelationMode;
}

/** What a dispatch produced: enough to find and follow the run, now or later (webhook service). */
export interface DispatchReceipt {
  readonly repo: RepoRef;
  readonly ref: string;
  readonly workflow?: string | number;
  readonly eventType?: string;
  readonly correlationId: string;
  readonly correlation: CorrelationMode;
  /** The input / client_payload key that carried the id (for messages). Default `correlation_id`. */
  readonly correlationInput?: string;
  /** Client clock, epoch ms, just before the dispatch was sent. */
  readonly dispatchedAt: number;
  /**
   * The forge's clock minus the client's when the dispatch was answered (from its `Date` header,
   * whole seconds): negative when the client's clock is ahead. Absent when the answer had no date
   * (or was lost). Runs are looked for from `dispatchedAt + min(0, clockOffsetMs)` (clock.ts).
   */
  readonly clockOffsetMs?: number;
  readonly path: DispatchPath;
  readonly runId?: number;
  readonly runUrl?: string;
  readonly htmlUrl?: string;
  /** Which path was taken and why (capability fallbacks, recovery after a lost answer). */
  readonly notes: readonly string[];
  /** What the user should fix although the dispatch went out (see ForgeDispatchResult.warnings). */
  readonly warnings?: readonly string[];
  readonly apiCost: ApiCost;
}

export interface CorrelateOptions extends EngineOptions {
  /** Give up after this many ms (RunNotFoundError). Default 120 000. */
  readonly timeoutMs?: number;
  /**
   * Shortest time between two searches, in ms. Default 2 000. The first search also waits for the
   * forge's listing delay (`ForgeCapabilities.listingDelayMs`); later ones back off to 15 s.
   */
  readonly intervalMs?: number;
  /** At most this many candidate runs inspected (jobs fetched) per round. Default 10. */
  readonly maxRuns?: number;
  /** Tolerated difference between the client's and the server's clocks. Default 120 000. */
  readonly clockSkewMs?: number;
  /** At most this many pages of runs listed per round when pages are full of candidates. Default 3. */
  readonly maxPages?: number;
}

export interface DispatchOptions extends EngineOptions {
  /**
   * After an ambiguous dispatch failure (lost answer, 5xx), how long to look for the run by its
   * correlation id before dispatching again (once). Default 60 000.
   */
  readonly ambiguousSearchMs?: number;
  /** Correlation settings for that search. */
  readonly correlate?: Omit<CorrelateOptions, keyof EngineOptions | 'timeoutMs'>;
}

export interface WaitOptions extends EngineOptions {
  /** Deadline for the run to complete, from `timeoutFrom`. Default 3 600 000 (1 h). */
  readonly timeoutMs?: number;
  /**
   * Epoch ms the timeout counts from. Default: the start of waiting. `dispatchAndWait` and
   * `runFlow` pass the start of their dispatch, so ONE timeout (the one the user gave, and the one
   * the timeout error names) covers correlation and waiting.
   */
  readonly timeoutFrom?: number;
  /**
   * Shortest time between two polls, in ms. Default 2 000. Where reading an unchanged run is free
   * (conditional requests, GitHub) every poll comes after exactly this long; elsewhere polls are
   * sparser, and this long apart only around the expected end.
   */
  readonly intervalMs?: number;
  /**
   * Longest interval of the backoff used where polls cost requests and the end cannot be predicted
   * (no history) or has passed. Default 60 000.
   */
  readonly maxIntervalMs?: number;
  /**
   * Expected duration of the run (creation → completion), where polls cost requests. Default:
   * learned from the workflow's recent completed runs, unless `learnDuration` is false.
   */
  readonly expectedDurationMs?: number | undefined;
  /**
   * Read the durations of the workflow's recent completed runs (one request) to predict the end,
   * where polls cost requests. Never where polls are free (GitHub): there it would cost a counted
   * request and save none. Default true.
   */
  readonly learnDuration?: boolean;
  /** Fetch jobs to report job starts/ends and failed steps. Default true. */
  readonly withJobs?: boolean;
  /**
   * Fetch jobs while the run is in progress, for live `job` events: one more counted request each
   * time the run changes. Default false: the jobs are read once, at the end, and their events come
   * then.
   */
  readonly liveJobs?: boolean;
  /** Lines of log tail fetched for each failed job. Default 30; 0 disables. */
  readonly logTailLines?: number;
  /** Cancel the remote run when the deadline passes. Default false. */
  readonly cancelOnTimeout?: boolean;
  /** Cancel the remote run when `signal` aborts. Default false. */
  readonly cancelOnAbort?: boolean;
  /**
   * Client time (epoch ms) at which the run was dispatched; the schedule counts elapsed time from it.
   * Default: the run's `createdAt`, or the start of waiting.
   */
  readonly dispatchedAt?: number;
  /** Carried into the result. */
  readonly correlationId?: string;
  /** Carried into the result. */
  readonly correlationMethod?: CorrelationMethod;
}

export interface DispatchAndWaitOptions extends WaitOptions {
  readonly correlate?: Omit<CorrelateOptions, keyof EngineOptions>;
  /** See DispatchOptions.ambiguousSearchMs. */
  readonly ambiguousSearchMs?: number;
}

export interface FailedJob {
  readonly id: number;
  readonly name: string;
  readonly conclusion: RunConclusion | null;
  readonly htmlUrl?: string;
  readonly failedSteps: readonly string[];
  /** Tail of the job's log, when it could be read. */
  readonly logTail?: string;
}

export type CorrelationMethod = 'run-id' | 'run-name' | 'step-name';

/** An artifact of a finished run, as xrd reports it (and, when it was downloaded, where it went). */
export interface ArtifactResult {
  readonly id: number;
  readonly name: string;
  /** Size of its zip archive, in bytes, as the forge reports it. */
  readonly size: number;
  readonly expired: boolean;
  /** `sha256:<hex>` of the zip, where the forge gives one (checked on download). */
  readonly digest?: string;
  /** The web page where a person downloads it (the run's page where the forge has no page of its own). */
  readonly htmlUrl: string;
  /** The folder it was extracted to (absolute), when it was downloaded. */
  readonly path?: string;
  /** How many files were extracted, when it was downloaded. */
  readonly files?: number;
}

/** The result of waiting for a run. */
export interface RunResult {
  readonly repo: RepoRef;
  readonly runId: number;
  readonly status: RunStatus;
  readonly conclusion: RunConclusion | null;
  /** API URL of the run. */
  readonly url: string;
  readonly htmlUrl: string;
  readonly jobsUrl?: string;
  readonly run: Run;
  readonly jobs: readonly Job[];
  readonly failedJobs: readonly FailedJob[];
  /** From the run's creation (or start of waiting, if unknown) to completion, in ms. */
  readonly durationMs: number;
  readonly correlationId?: string;
  readonly correlationMethod?: CorrelationMethod;
  /** Requests made by the whole operation (dispatch, correlation and waiting). */
  readonly apiCost: ApiCost;
  /** The run's artifacts, when they were asked for (downloads or remote outputs). */
  readonly artifacts?: readonly ArtifactResult[];
  /**
   * The run's outputs: the JSON object its `xrd-outputs` artifact holds (`{}` when it published
   * none), when they were asked for.
   */
  readonly remoteOutputs?: Readonly<Record<string, unknown>>;
}

export type ProgressEvent =
  | { readonly type: 'dispatched'; readonly receipt: DispatchReceipt }
  | { readonly type: 'correlating'; readonly round: number; readonly candidates: number }
  | { readonly type: 'correlated'; readonly run: Run; readonly method: CorrelationMethod }
  | { readonly type: 'status'; readonly run: Run; readonly previous: RunStatus | undefined }
  | { readonly type: 'job'; readonly job: Job; readonly change: 'started' | 'completed' }
  | {
      readonly type: 'waiting';
      readonly delayMs: number;
      readonly reason: 'schedule' | 'rate-limit' | 'retry';
    }
  | { readonly type: 'cancelled'; readonly runId: number; readonly reason: 'timeout' | 'abort' | 'fail-fast' }
  /** An artifact of the finished run was downloaded and extracted (`path`, `files` set). */
  | { readonly type: 'artifact'; readonly artifact: ArtifactResult }
  /** Worth a user's attention, failing nothing (a glob that matched no artifact, no remote outputs). */
  | { readonly type: 'notice'; readonly message: string }
  /** Something the user should fix; the flow goes on. Front ends show it even when quiet. */
  | { readonly type: 'warning'; readonly message: string }
  /** A commit status or the comment was written to the source repository. */
  | { readonly type: 'reported'; readonly write: ReportWrite }
  | { readonly type: 'debug'; readonly message: string };

/** One report-back request that succeeded. */
export type ReportWrite =
  | {
      readonly kind: 'status';
      readonly repo: RepoRef;
      readonly sha: string;
      readonly state: CommitState;
      readonly context: string;
      readonly targetUrl?: string;
    }
  | {
      readonly kind: 'comment';
      readonly repo: RepoRef;
      readonly pr: number;
      /** False when the one comment of this context was edited in place. */
      readonly created: boolean;
      readonly htmlUrl?: string;
    };
