// The model every part of xrd shares. Adapters translate each forge's shapes into these types;
// core never sees a forge-specific field. See docs/architecture.md.

/** Which family of forge an adapter talks to. GHES is `github` with another base URL. */
export type ForgeKind = 'github' | 'gitea' | 'forgejo';

/** The one status vocabulary inside xrd. Adapters map raw forge statuses onto it. */
export type RunStatus = 'queued' | 'in_progress' | 'completed';

export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'in_progress', 'completed'];

/** Conclusions of a completed run or job (GitHub's vocabulary; Gitea/Forgejo map onto it). */
export type RunConclusion =
  | 'success'
  | 'failure'
  | 'cancelled'
  | 'skipped'
  | 'timed_out'
  | 'action_required'
  | 'neutral'
  | 'stale'
  | 'startup_failure';

export const RUN_CONCLUSIONS: readonly RunConclusion[] = [
  'success',
  'failure',
  'cancelled',
  'skipped',
  'timed_out',
  'action_required',
  'neutral',
  'stale',
  'startup_failure',
];

/** Conclusions that do not fail a step by default (`fail-on` default: everything else). */
export const PASSING_CONCLUSIONS: readonly RunConclusion[] = ['success', 'skipped', 'neutral'];

/** A repository on a forge. */
export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}

/** A step of a job, as far as the forge reports it. */
export interface Step {
  readonly name: string;
  readonly number: number;
  readonly status: RunStatus;
  readonly conclusion: RunConclusion | null;
}

/** A job of a run. Jobs exist only once the forge has created them (usually when the run starts). */
export interface Job {
  readonly id: number;
  readonly runId: number;
  readonly name: string;
  readonly status: RunStatus;
  readonly conclusion: RunConclusion | null;
  /** The raw status string the forge sent, for diagnostics. */
  readonly rawStatus?: string;
  readonly runAttempt?: number;
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly htmlUrl?: string;
  readonly steps: readonly Step[];
}

/** A workflow run. Times are ISO-8601 strings as the forge sent them. */
export interface Run {
  readonly id: number;
  readonly runNumber?: number;
  readonly runAttempt?: number;
  /** Workflow id or file path, whatever the forge reports. */
  readonly workflowId?: number | string;
  /** Path of the workflow file, e.g. `.github/workflows/build.yml`. */
  readonly workflowPath?: string;
  /** Workflow name. */
  readonly name?: string;
  /** The run's title: `run-name` if the workflow sets one (GitHub `display_title`). */
  readonly displayTitle?: string;
  /** Triggering event: `workflow_dispatch`, `repository_dispatch`, `push`, … */
  readonly event?: string;
  readonly headBranch?: string;
  readonly headSha?: string;
  readonly status: RunStatus;
  readonly conclusion: RunConclusion | null;
  /** The raw status string the forge sent, for diagnostics. */
  readonly rawStatus?: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly updatedAt?: string;
  readonly completedAt?: string;
  /** API URL of the run. */
  readonly url: string;
  /** Web URL of the run. */
  readonly htmlUrl: string;
  /** API URL of the run's jobs, where the forge has one. */
  readonly jobsUrl?: string;
}

/** One page of runs, newest first. */
export interface RunPage {
  readonly runs: readonly Run[];
  /** True when a further page exists. */
  readonly hasMore: boolean;
}

/** Filters for listing runs. Adapters pass what the forge supports; core re-checks every field. */
export interface ListRunsFilter {
  /** Only runs of this workflow (file name or numeric id). */
  readonly workflow?: string | number;
  readonly event?: string;
  readonly branch?: string;
  /** Only runs created at or after this instant (ISO-8601). */
  readonly createdAfter?: string;
  readonly status?: RunStatus;
  /** 1-based page number. */
  readonly page?: number;
  /** Page size; adapters clamp it to what the forge allows (Gitea ≤ 50, GitHub ≤ 100). */
  readonly perPage?: number;
}

/** What the adapter sends for a dispatch. Core has already injected the correlation id. */
export interface ForgeDispatchRequest {
  readonly repo: RepoRef;
  readonly ref: string;
  /** `workflow_dispatch`: the workflow file name or numeric id. Exactly one of workflow/eventType. */
  readonly workflow?: string | number;
  /** `repository_dispatch` (GitHub only): the event type. */
  readonly eventType?: string;
  /** `workflow_dispatch` inputs; adapters send values as strings. */
  readonly inputs?: Readonly<Record<string, string>>;
  /**
   * The input among `inputs` that the engine added to carry the correlation id (not the user's). An
   * adapter that checks the workflow file for undeclared inputs need not, for it alone, when the
   * server returns the run id: the run is then not looked for by it.
   */
  readonly correlationInput?: string;
  /** `repository_dispatch` client payload. */
  readonly clientPayload?: Readonly<Record<string, unknown>>;
}

/** How the run of a dispatch was (or will be) identified. */
export type DispatchPath =
  /** GitHub / Gitea ≥ 1.26: `return_run_details` answered with the run id. */
  | 'run-details'
  /** Forgejo: `return_run_info` answered with the run id. */
  | 'run-info'
  /** The server returned no run id (204); the run must be correlated. */
  | 'none';

/** What an adapter learned from a dispatch. */
export interface ForgeDispatchResult {
  readonly path: DispatchPath;
  readonly runId?: number;
  readonly runUrl?: string;
  readonly htmlUrl?: string;
  /** Human-readable notes on the path taken (capability fallbacks), for debug output. */
  readonly notes?: readonly string[];
  /** The forge's clock when it answered the dispatch (its `Date` header), epoch ms. */
  readonly serverTime?: number;
  /**
   * Things the user should fix although the dispatch went out (an input the workflow does not
   * declare, which Gitea drops silently). Shown as warnings, which no quiet mode hides.
   */
  readonly warnings?: readonly string[];
}

/** The commit status states of all forges (Gitea adds `warning` and `skipped`). */
export type CommitState = 'pending' | 'success' | 'failure' | 'error' | 'warning' | 'skipped';

export interface CommitStatusInput {
  readonly state: CommitState;
  readonly context: string;
  /** Truncated by adapters to what the forge allows (GitHub: 140 characters). */
  readonly description?: string;
  readonly targetUrl?: string;
}

/** A commit status as read back from the forge (newest first in `Forge.listCommitStatuses`). */
export interface CommitStatus {
  /** The forge's state; GitHub only ever answers its four, Gitea/Forgejo may add `warning`/`skipped`. */
  readonly state: CommitState;
  readonly context: string;
  /** As stored by the forge (adapters truncate on the way in, so it may differ from what was sent). */
  readonly description?: string;
  readonly targetUrl?: string;
  /** ISO 8601, when the forge reports it. */
  readonly createdAt?: string;
  readonly id?: number;
}

/** An artifact a run uploaded, as the forge lists it (GitHub, GHES, Gitea ≥ 1.25, Forgejo ≥ 16). */
export interface Artifact {
  readonly id: number;
  readonly name: string;
  /** Size of its zip archive, as the forge reports it. */
  readonly sizeInBytes: number;
  /** The forge no longer keeps its content (its retention passed): it cannot be downloaded. */
  readonly expired: boolean;
  /**
   * `sha256:<hex>` of the zip archive, where the forge reports one (github.com, for artifacts of
   * upload-artifact v4 and later; GHES and Gitea/Forgejo report none).
   */
  readonly digest?: string;
  readonly createdAt?: string;
  readonly expiresAt?: string;
  /** API URL of the zip download (it needs the token). */
  readonly archiveDownloadUrl: string;
  /**
   * Where a person downloads it in the browser, relative to the run's web page (GitHub
   * `artifacts/<id>`, Gitea `artifacts/<name>`); absent where the forge has no such page.
   */
  readonly runPagePath?: string;
}

export interface UpsertCommentOptions {
  /**
   * The id this comment had when the caller last wrote it (one that keeps it, as the webhook
   * service's store does): it is edited in place with one request, without listing the issue's
   * comments. When the forge no longer has it (404: someone deleted it), the comment is found by its
   * marker or created, as without this.
   */
  readonly knownId?: number | undefined;
}

export interface CommentResult {
  readonly id: number;
  readonly htmlUrl?: string;
  /** True when a new comment was created, false when an existing one was edited. */
  readonly created: boolean;
}

/** What a forge can do, detected (not assumed) by the adapter. */
export interface ForgeCapabilities {
  readonly kind: ForgeKind;
  /** Product and version as detected, e.g. `GitHub`, `GHES 3.19`, `Gitea 1.25.2`, `Forgejo 11.0.1`. */
  readonly server: string;
  /** Whether a workflow dispatch returns the run id: true, false, or not known until tried. */
  readonly returnsRunId: boolean | 'unknown';
  readonly repositoryDispatch: boolean;
  /** `/actions/runs` and `/actions/runs/{id}` exist (Gitea ≥ 1.25, GitHub, Forgejo). */
  readonly runApi: boolean;
  /** Jobs with steps can be listed (needed for step-name correlation and failed-step reports). */
  readonly jobsApi: boolean;
  readonly jobLogs: boolean;
  readonly cancel: boolean;
  /** A run's artifacts can be listed and downloaded through the API. */
  readonly artifacts: boolean;
  /** The forge sends a webhook when a run ends (`workflow_run` completed; Forgejo: `action_run_*`). */
  readonly workflowRunWebhooks: boolean;
  /** ETag / If-None-Match reads, with 304s free of the rate limit. */
  readonly conditionalRequests: boolean;
  /**
   * How long after its dispatch a new run typically takes to show in run lists (GitHub lists it a few
   * seconds later; Gitea and Forgejo insert it with the dispatch). Correlation looks first after it.
   * Default 0.
   */
  readonly listingDelayMs?: number;
  readonly commitStates: readonly CommitState[];
  /** Plain statements of what is not available on this server, for users. */
  readonly limitations: readonly string[];
}

/** Rate-limit state as last seen in a response. */
export interface RateLimitInfo {
  readonly limit: number;
  readonly remaining: number;
  /** When the window resets (epoch milliseconds). */
  readonly resetAt: number;
}

/** One HTTP exchange, as an adapter reports it to the meter. */
export interface RequestRecord {
  readonly method: string;
  /** Route template or path, for per-route accounting. */
  readonly route: string;
  readonly status: number;
  /** True when the real forge counts this request against the primary rate limit (not a 304). */
  readonly counted: boolean;
  readonly notModified: boolean;
  readonly rateLimit?: RateLimitInfo;
}

/** Collects the API cost of an operation. Passed by core in every CallContext. */
export interface RequestMeter {
  record(entry: RequestRecord): void;
}

/** Totals of a RequestMeter. */
export interface ApiCost {
  /** All requests sent, 304s included. */
  readonly requests: number;
  /** Requests the forge counts against the primary rate limit. */
  readonly counted: number;
  /** `304 Not Modified` answers (free on GitHub). */
  readonly notModified: number;
  /** The rate-limit state last seen, if the forge reports one. */
  readonly rateLimit?: RateLimitInfo;
}

/** Sleeps `ms` milliseconds; rejects with AbortedError when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * Per-call context: cancellation, cost accounting, debug output, and the clock and deadline the
 * transport retries against (it is the one owner of read retries, so it must know how long the
 * caller can still wait; tests pass a virtual clock instead of waiting).
 */
export interface CallContext {
  readonly signal?: AbortSignal;
  readonly meter?: RequestMeter;
  /** Debug lines (capability detection, fallbacks, retries). Never receives a secret. */
  readonly debug?: (message: string) => void;
  /** Epoch milliseconds. Default `Date.now`. */
  readonly now?: () => number;
  /** Waits between retries. Default: a real timer that honours `signal`. */
  readonly sleep?: Sleep;
  /**
   * Epoch ms after which no retry is started and no single request may run on: the caller's overall
   * deadline. Absent: only the transport's own bounds apply.
   */
  readonly deadline?: number;
}

/** What a request to cancel a run achieved. */
export type CancelOutcome =
  /** The forge accepted the request; the run stops soon. */
  | 'requested'
  /** The run had already completed (GitHub answers 409): nothing to cancel. */
  | 'already-completed';

/**
 * The port. One implementation per forge family (`@xrd/github`, `@xrd/gitea`), plus the in-memory
 * forge in `@xrd/core/testing`. Every method rejects with an `XrdError` subclass.
 */
export interface Forge {
  readonly kind: ForgeKind;
  /** Detects (once, then cached) what the server supports. */
  capabilities(ctx?: CallContext): Promise<ForgeCapabilities>;
  /**
   * The repository's default branch (GitHub `GET /repos/{owner}/{repo}` and Gitea/Forgejo
   * `GET /api/v1/repos/{owner}/{repo}`, field `default_branch`): where a dispatch goes when the user
   * gives no ref. Conditional where the forge supports it.
   */
  getDefaultBranch(repo: RepoRef, ctx?: CallContext): Promise<string>;
  /**
   * Sends one dispatch. Never retried by the adapter. A failure where the request may have reached
   * the server (connection lost after sending, 5xx, timeout) rejects with `ambiguous: true`.
   */
  dispatch(request: ForgeDispatchRequest, ctx?: CallContext): Promise<ForgeDispatchResult>;
  /** Reads one run. Conditional where the forge supports it: a 304 answers from the adapter's cache. */
  getRun(repo: RepoRef, runId: number, ctx?: CallContext): Promise<Run>;
  /** Lists runs, newest first. */
  listRuns(repo: RepoRef, filter: ListRunsFilter, ctx?: CallContext): Promise<RunPage>;
  /** Lists the jobs of a run (the latest attempt unless `attempt` is given). */
  listJobs(repo: RepoRef, runId: number, ctx?: CallContext, attempt?: number): Promise<readonly Job[]>;
  /**
   * Requests cancellation of a run. Resolves once the forge accepted the request, or with
   * `already-completed` when the run had finished (nothing was cancelled).
   */
  cancelRun(repo: RepoRef, runId: number, ctx?: CallContext): Promise<CancelOutcome>;
  /** The job's log as text (possibly only its tail, at most `maxBytes`). */
  getJobLog(repo: RepoRef, jobId: number, ctx?: CallContext, maxBytes?: number): Promise<string>;
  /**
   * The artifacts of a run, every page of them. Rejects with `UnsupportedByServerError` where the
   * server has no artifacts API for runs (see `capabilities().artifacts`).
   */
  listArtifacts(repo: RepoRef, runId: number, ctx?: CallContext): Promise<readonly Artifact[]>;
  /**
   * The zip archive of an artifact, as bytes. A redirect to blob storage is followed without
   * credentials (and is not counted against the rate limit). Rejects with `ArtifactError`:
   * `expired` when the forge no longer keeps it, `too-large` when it exceeds `maxBytes` (nothing
   * beyond the limit is read).
   */
  downloadArtifact(
    repo: RepoRef,
    artifact: Pick<Artifact, 'id' | 'name'>,
    ctx?: CallContext,
    maxBytes?: number,
  ): Promise<Uint8Array>;
  /** Creates a commit status on `sha`. */
  setCommitStatus(repo: RepoRef, sha: string, status: CommitStatusInput, ctx?: CallContext): Promise<void>;
  /**
   * The statuses on commit `sha`, newest first, every context and every update (not only the latest
   * per context). Conditional where the forge supports it. An unknown commit lists nothing or rejects
   * with the forge's error (GitHub answers 422 for a sha it does not have).
   */
  listCommitStatuses(repo: RepoRef, sha: string, ctx?: CallContext): Promise<readonly CommitStatus[]>;
  /**
   * Creates, or edits in place, the one comment on an issue/PR that carries `marker` (an HTML comment
   * embedded by the caller in `body`), so later updates do not post many comments. Found by listing
   * the issue's comments, unless `options.knownId` names it (below).
   */
  upsertComment(
    repo: RepoRef,
    issueNumber: number,
    marker: string,
    body: string,
    ctx?: CallContext,
    options?: UpsertCommentOptions,
  ): Promise<CommentResult>;
}
