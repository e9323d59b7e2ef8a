// The durable state of the service, behind one interface so the embedded store (node:sqlite, one
// file) and PostgreSQL (several replicas) are interchangeable. Every method is one atomic step;
// work is claimed with leases so a crashed worker's work is picked up again once its lease expires.

/** A delivery as the HTTP layer stores it before answering 202. */
export interface NewDelivery {
  /** `<forge name>:<delivery id>`: the dedupe key. */
  readonly id: string;
  readonly forge: string;
  readonly event: string;
  /** The normalised event, JSON. */
  readonly payload: string;
  readonly receivedAt: number;
}

export interface StoredDelivery extends NewDelivery {
  readonly attempts: number;
}

/**
 * Where a dispatch is in its life. Worker-driven: new → sending → (correlating) → started → running
 * → completing → done; `superseded_by` set on an active dispatch diverts it to `superseding` → done.
 * - `sending`: the intent (with its correlation id) is recorded and the POST may have been sent;
 *   claimed again after a crash it is never re-sent blindly but resolved by correlation.
 */
export type DispatchState =
  | 'new'
  | 'sending'
  | 'correlating'
  | 'started'
  | 'running'
  | 'completing'
  | 'superseding'
  | 'done';

export const ACTIVE_STATES: readonly DispatchState[] = [
  'new',
  'sending',
  'correlating',
  'started',
  'running',
  'completing',
  'superseding',
];

/**
 * How a finished dispatch ended. `unprocessable`: the stored row could not be read without loss (a
 * row from an older version); it was set aside with the reason in `error`, never sent.
 */
export type DispatchOutcome = 'completed' | 'superseded' | 'rejected' | 'not-found' | 'unprocessable';

/**
 * A dispatch that is one target of a fan-out route: the target's place in the group and what the
 * group reports (fan-out.ts). Every row of the group holds the same group settings.
 */
export interface FanOutSpec {
  /** The group: route, source repository, PR or branch, and head sha. */
  readonly key: string;
  readonly index: number;
  /** How many targets the group has. */
  readonly count: number;
  /** The target's row in the comment: `acme/app build.yml`. */
  readonly name: string;
  /** The one status's context (and the comment's key). */
  readonly context: string;
  readonly status: boolean;
  readonly comment: boolean;
  readonly failFast: boolean;
  readonly concurrency: number;
  /** The group's deadline, from its rows' creation. */
  readonly timeoutMs?: number;
  readonly cancelOnTimeout?: boolean;
}

/** A fan-out group as its reporter claims it. */
export interface FanOutGroup {
  readonly key: string;
  /** What was last written for it (see fan-out.ts), or null. */
  readonly reported: string | null;
}

/** What a processed source event asks for: one dispatch per matching route (per target of a fan-out route). */
export interface DispatchPlan {
  readonly id: string;
  /** Same route, repo, PR/branch and head sha → the same dispatch (replays do nothing). */
  readonly dedupeKey: string;
  /** Same route and PR/branch: a newer dispatch supersedes older ones. */
  readonly subjectKey: string;
  /** When the source event happened (epoch ms), to tell a late old event from a newer one. */
  readonly eventAt: number;
  readonly route: string;
  readonly supersede: boolean;
  readonly cancelSuperseded: boolean;
  readonly sourceForge: string;
  readonly sourceRepo: string;
  readonly prNumber: number | null;
  readonly headSha: string;
  readonly headRef: string;
  readonly targetForge: string;
  readonly targetRepo: string;
  readonly workflow: string | null;
  readonly eventType: string | null;
  readonly targetRef: string;
  /** JSON object of string inputs (rendered). */
  readonly inputs: string;
  readonly correlationId: string;
  readonly correlationInput: string;
  readonly correlation: string;
  readonly reportContext: string;
  readonly reportStatus: boolean;
  readonly reportComment: boolean;
  /** Set on each target of a fan-out route. */
  readonly fanOut?: FanOutSpec;
}

export interface DispatchRow extends DispatchPlan {
  readonly state: DispatchState;
  readonly runId: number | null;
  readonly runUrl: string | null;
  readonly runHtmlUrl: string | null;
  readonly dispatchPath: string | null;
  readonly dispatchedAt: number | null;
  /** The target forge's clock minus the service's at the dispatch's answer (`DispatchReceipt`). */
  readonly clockOffsetMs: number | null;
  readonly runConclusion: string | null;
  readonly startReported: boolean;
  readonly outcome: DispatchOutcome | null;
  readonly error: string | null;
  readonly supersededBy: string | null;
  readonly createdAt: number;
  readonly completedAt: number | null;
  readonly nextAt: number;
  readonly attempts: number;
  readonly statusPosts: number;
}

/** Fields a worker step may change. */
export interface DispatchPatch {
  readonly state?: DispatchState;
  readonly runId?: number;
  readonly runUrl?: string;
  readonly runHtmlUrl?: string;
  readonly dispatchPath?: string;
  readonly dispatchedAt?: number;
  readonly clockOffsetMs?: number;
  readonly runConclusion?: string;
  readonly startReported?: boolean;
  readonly outcome?: DispatchOutcome;
  readonly error?: string | null;
  readonly completedAt?: number;
  readonly nextAt?: number;
  readonly statusPosts?: number;
}

/** A target's `workflow_run` completed event, as the store matches it to a dispatch. */
export interface RunCompletion {
  readonly targetForge: string;
  readonly targetRepo: string;
  readonly runId: number;
  /** Correlation ids found in the run's title. */
  readonly correlationIds: readonly string[];
  readonly conclusion: string;
  readonly htmlUrl: string;
}

/** What processing a claimed delivery asks of the store. */
export type DeliveryEffect =
  | { readonly kind: 'source'; readonly deliveryId: string; readonly plans: readonly DispatchPlan[] }
  | { readonly kind: 'completion'; readonly deliveryId: string; readonly completion: RunCompletion };

/**
 * What applying one effect did: the dispatches created (a source event), whether a completion
 * matched a dispatch; or the error that stopped it (the delivery stays claimed, to be failed).
 */
export type DeliveryOutcome =
  | { readonly applied: true; readonly created: readonly string[]; readonly matched: boolean }
  | { readonly applied: false; readonly error: unknown };

export interface StoreCounts {
  readonly deliveriesPending: number;
  readonly dispatches: Readonly<Record<DispatchState, number>>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema; safe when several replicas start at once. */
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Stores a delivery; false when a delivery with this id was stored before (a replay). */
  insertDelivery(delivery: NewDelivery): Promise<boolean>;
  claimDeliveries(owner: string, limit: number, leaseMs: number, now: number): Promise<StoredDelivery[]>;
  /**
   * Records the dispatches a source event asks for (each at most once), marks older dispatches of
   * the same subject superseded, and marks the delivery done — in one transaction. Returns the ids of
   * the dispatches created.
   */
  applySourceEvent(
    deliveryId: string,
    owner: string,
    plans: readonly DispatchPlan[],
    now: number,
  ): Promise<string[]>;
  /** Records a run's completion on its dispatch and marks the delivery done. True when it matched. */
  applyRunCompletion(
    deliveryId: string,
    owner: string,
    completion: RunCompletion,
    now: number,
  ): Promise<boolean>;
  /**
   * Applies the effects of a claimed batch of deliveries (as `applySourceEvent` and
   * `applyRunCompletion` do, in order) in ONE transaction. If one of them fails, the batch is
   * rolled back and each is applied in its own transaction, so only the failing one reports its
   * error. One outcome per effect, in order.
   */
  applyDeliveries(owner: string, effects: readonly DeliveryEffect[], now: number): Promise<DeliveryOutcome[]>;
  /**
   * Marks a delivery that could not be processed; it is retried at `retryAt`, or set aside for good
   * (state `failed`, with its reason) if undefined.
   */
  failDelivery(deliveryId: string, owner: string, error: string, retryAt: number | undefined): Promise<void>;

  /**
   * Leases up to `limit` due dispatches. A row that cannot be read without loss is set aside
   * (`done`, outcome `unprocessable`, the reason in `error`) instead of failing the claim; the same
   * for deliveries in `claimDeliveries` (`failed`).
   */
  claimDispatches(owner: string, limit: number, leaseMs: number, now: number): Promise<DispatchRow[]>;
  /** Extends the lease of a dispatch this owner holds. */
  renewLease(id: string, owner: string, until: number): Promise<boolean>;
  /**
   * Applies `patch` and releases the lease, only if `owner` still holds the lease and the dispatch is
   * still in state `from`. Moving to `running` goes to `completing` instead when a completion was
   * recorded meanwhile. Returns false when the dispatch changed under the worker. With `keepLease`
   * the owner keeps working on the dispatch (e.g. `sending` is recorded, then the POST goes out).
   */
  transition(
    id: string,
    owner: string,
    from: DispatchState,
    patch: DispatchPatch,
    keepLease?: boolean,
  ): Promise<boolean>;
  /** Releases the lease (and reschedules the dispatch to `nextAt`, if given). */
  release(id: string, owner: string, nextAt?: number): Promise<void>;
  getDispatch(id: string): Promise<DispatchRow | undefined>;
  listDispatches(): Promise<DispatchRow[]>;
  counts(): Promise<StoreCounts>;
  /** Deletes done deliveries older than `before` (dedupe keeps them until then). */
  pruneDeliveries(before: number): Promise<number>;
  /**
   * The id of the PR comment last written under `key` (report-comment.ts `commentKey`), if one was
   * recorded: a later update edits it by id, without listing the PR's comments.
   */
  commentId(key: string): Promise<number | undefined>;
  /** Records the comment written under `key` (replacing the one recorded before). */
  recordComment(key: string, id: number, now: number): Promise<void>;
  /** Forgets comments not written since `before` (their next update finds them by the marker). */
  pruneComments(before: number): Promise<number>;
  /** Frees what the store caches in this process (after a burst; SQLite: its page cache). */
  releaseMemory?(): Promise<void>;
  /** Releases every lease (embedded store at start: it is the only instance). */
  releaseAllLeases(): Promise<void>;

  // Fan-out groups (fan-out.ts): created with their rows by `applySourceEvent`.
  /** Leases up to `limit` due groups that are not done. */
  claimFanOuts(owner: string, limit: number, leaseMs: number, now: number): Promise<FanOutGroup[]>;
  /** The rows of a group, by target index. */
  fanOutRows(key: string): Promise<DispatchRow[]>;
  /**
   * Records what was written (`reported`), closes the group (`done`) and releases its lease, only if
   * `owner` holds it; `nextAt` is when to look again. With `keepLease` the owner keeps it.
   */
  settleFanOut(
    key: string,
    owner: string,
    patch: { readonly reported?: string; readonly done?: boolean; readonly nextAt: number },
    keepLease?: boolean,
  ): Promise<boolean>;
  /** A row of the group changed: look at the group now. */
  touchFanOut(key: string, now: number): Promise<void>;
  /**
   * Releases a dispatch that waits its turn (fan-out `concurrency`) until `nextAt`, without counting
   * the claim as an attempt (attempts drive the retry backoff).
   */
  deferDispatch(id: string, owner: string, nextAt: number): Promise<void>;
  /**
   * Moves a target of a group from `new` to `sending` (recording `dispatchedAt`), keeping the lease,
   * only while fewer than `limit` rows of its group are in `sending` — counted under a lock of the
   * group, so replicas count one after the other. `wait`: its turn has not come; `lost`: the row is
   * no longer this owner's or no longer `new`.
   */
  enterSending(
    id: string,
    owner: string,
    key: string,
    limit: number,
    dispatchedAt: number,
  ): Promise<'sending' | 'wait' | 'lost'>;
  /** Whether a newer event of the row's subject (PR or branch) was recorded since (`supersede` on). */
  hasNewerEvent(subjectKey: string, id: string): Promise<boolean>;
  /**
   * Fail-fast: every row of the group not past its run (`new` … `running`) is marked superseded by
   * `by`, so it is never sent, or its run is cancelled. Returns how many were marked.
   */
  stopFanOut(key: string, by: string, now: number): Promise<number>;
}
