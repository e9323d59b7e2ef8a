// Processes stored work: deliveries (database-only: they become dispatch records in one transaction)
// and dispatches (forge calls, one step per claim). Each dispatch step is claimed under a lease and
// ends in a transition guarded by owner and state, so a crash at any moment leaves the work where a
// restarted worker (or, on PostgreSQL, another replica once the lease expires) picks it up.
//
// Exactly once: the `sending` state (with the correlation id) is committed BEFORE the dispatch POST.
// A dispatch whose answer was lost, or found in `sending` by a new claim (interrupted mid-send), is
// never re-sent blindly: core's `resolveAmbiguousDispatch` (the same rule the CLI and the action
// follow) looks for the run by its correlation id, and the dispatch is sent again only when a
// complete search proves the run absent. A failed search proves nothing: the dispatch stays
// `correlating` and is looked for again.
import {
  type CallContext,
  type CommitStatus,
  type CommitStatusInput,
  type DispatchReceipt,
  type DispatchRequest,
  dispatch,
  type Forge,
  isXrdError,
  type RepoRef,
  type ReportOptions,
  type RequestMeter,
  type Run,
  type RunResult,
  renderComment,
  reportStart,
  resolveAmbiguousDispatch,
  searchRun,
  statusFor,
  unresolvedDispatchError,
  waitForRun,
} from '@xrd/core';
import type { ServiceConfig } from './config.js';
import { CORRELATION_ID_PATTERN, type ServiceEvent, storedEventError } from './events.js';
import { FanOuts, stoppedBy } from './fan-out.js';
import type { Logger } from './log.js';
import { DEFAULT_MEMORY_POLICY, type MemoryPolicy, MemoryReducer } from './memory.js';
import type { Metrics } from './metrics.js';
import { planDispatches, type SourceEvent } from './plan.js';
import { writeComment } from './report-comment.js';
import { withRunResults } from './run-results.js';
import type {
  DeliveryEffect,
  DispatchPatch,
  DispatchRow,
  DispatchState,
  Store,
  StoredDelivery,
} from './store/types.js';

/** What the HTTP layer stores as a delivery's payload. */
export interface StoredEvent {
  readonly event: ServiceEvent;
  /** When the delivery arrived (epoch ms): orders pushes to the same PR. */
  readonly eventAt: number;
}

export interface WorkerOptions {
  readonly config: ServiceConfig;
  readonly store: Store;
  readonly forges: ReadonlyMap<string, Forge>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Unique per process: the lease owner. */
  readonly owner: string;
  readonly now?: () => number;
  /** When to give memory back after a burst of work (default: DEFAULT_MEMORY_POLICY). */
  readonly memory?: MemoryPolicy;
  /** The event loop's recent utilization, 0–1 (default: `loopUtilization()`). */
  readonly loopLoad?: () => number;
}

/** Deliveries claimed (and applied in one transaction) per loop round. */
const DELIVERY_BATCH = 64;
/** While intake is busy, deliveries are claimed at most once per this many ms (as one batch). */
export const DELIVERY_WINDOW_MS = 25;
/** Intake counts as busy for this long after the last stored delivery. */
export const INTAKE_QUIET_MS = 500;
/** While intake is busy, dispatch steps run at this fraction of `worker.concurrency` (at least 1). */
export const BUSY_INTAKE_SHARE = 16;
/**
 * While intake is busy and the event loop was busier than this over the last LOOP_WINDOW_MS, no
 * new dispatch step starts (the running ones go on): every step's work (its statements, its forge
 * call, the `workflow_run` deliveries the forge then sends) runs on the loop that acknowledges
 * deliveries, and a loop near saturation queues them. Measured at a steady 1,000 deliveries/s on
 * 2 cores: ack p99 23–26 ms with one step at a time, ≈ 20 ms held at 0.7 (bench, webhook rows).
 */
export const BUSY_LOOP_LIMIT = 0.7;
/** The window the loop's utilization is measured over. */
export const LOOP_WINDOW_MS = 100;
/** However busy the loop, a held-back dispatch step starts at least this often: no starvation. */
export const STEP_FLOOR_MS = 1_000;

/**
 * The event loop's utilization over the last completed window of at least `windowMs` (0 before the
 * first): cheap to call often, the window moves on only when it has elapsed.
 */
export function loopUtilization(windowMs = LOOP_WINDOW_MS): () => number {
  let mark = performance.eventLoopUtilization();
  let last = 0;
  return () => {
    const delta = performance.eventLoopUtilization(mark);
    if (delta.idle + delta.active >= windowMs) {
      last = delta.utilization;
      mark = performance.eventLoopUtilization();
    }
    return last;
  };
}

/** How often the worker logs what it did (one info line, only when it did something). */
export const SUMMARY_INTERVAL_MS = 60_000;

const REJECTING_CODES = new Set(['DISPATCH_REJECTED', 'AUTH', 'INVALID_INPUT', 'UNSUPPORTED_BY_SERVER']);
const MAX_SEND_ATTEMPTS = 8;
const MAX_DELIVERY_ATTEMPTS = 10;

/**
 * Whether the status the forge holds is the one we meant to post. Adapters cut long descriptions
 * (GitHub and Gitea keep 140 characters, ending in `…`), so a cut copy of ours counts as ours.
 */
export function sameStatus(seen: CommitStatus, sent: CommitStatusInput): boolean {
  if (seen.context !== sent.context || seen.state !== sent.state) return false;
  const kept = seen.description ?? '';
  const meant = sent.description ?? '';
  if (kept === meant) return true;
  return kept.endsWith('…') && kept.length < meant.length && meant.startsWith(kept.slice(0, -1));
}

const repoRef = (full: string): RepoRef => {
  const [owner = '', repo = ''] = full.split('/');
  return { owner, repo };
};

/** Exponential backoff with jitter, capped. */
function backoff(attempt: number, baseMs: number, maxMs: number): number {
  const ms = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(ms / 2 + Math.random() * (ms / 2));
}

class LostLease extends Error {}

/** An error's stable code for a metric label: XrdError codes are a closed set; anything else is one. */
function errorCode(error: unknown): string {
  return isXrdError(error) ? error.code : 'INTERNAL';
}

export class Worker {
  readonly #o: WorkerOptions;
  readonly #now: () => number;
  readonly #active = new Map<string, Promise<void>>();
  readonly #abort = new AbortController();
  #stopping = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  readonly #meters = new Map<string, RequestMeter>();
  readonly #hooks = new Map<string, boolean>();

  readonly #memory: MemoryReducer;
  /** The reports of fan-out routes (one status and one comment per group of target rows). */
  readonly #fanOuts: FanOuts;
  #fanOutTask: Promise<void> | undefined;
  /** A fan-out row changed (or groups were due): the next loop looks at the groups. */
  #fanOutDue = true;
  #fanOutAt = 0;
  #intakeAt = Number.NEGATIVE_INFINITY;
  #storedSinceClaim = 0;
  readonly #loopLoad: () => number;
  /** When the last dispatch step started (STEP_FLOOR_MS). */
  #stepAt = Number.NEGATIVE_INFINITY;
  /** What was done since the last summary line. */
  #done = { deliveries: 0, dispatchesCreated: 0, completionsMatched: 0 };
  #summaryAt: number;

  constructor(options: WorkerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#loopLoad = options.loopLoad ?? loopUtilization();
    this.#memory = new MemoryReducer(options.memory ?? DEFAULT_MEMORY_POLICY, this.#now());
    this.#fanOuts = new FanOuts({
      store: options.store,
      forges: options.forges,
      logger: options.logger,
      owner: options.owner,
      now: this.#now,
      intervalMs: options.config.reconcile.intervalMs,
      leaseMs: options.config.worker.leaseMs,
      ctx: (forge) => this.#ctx(forge),
    });
    this.#summaryAt = this.#now();
  }

  /** Wakes the loop now. */
  kick(): void {
    this.#wake?.();
  }

  /** A delivery was just stored: wake the loop, and keep dispatch steps few while they arrive. */
  intake(): void {
    this.#intakeAt = this.#now();
    this.#storedSinceClaim += 1;
    this.kick();
  }

  /**
   * How many dispatch steps may run at once. While deliveries arrive (one was stored within
   * INTAKE_QUIET_MS, or the last claim found some), steps get 1/BUSY_INTAKE_SHARE of
   * `worker.concurrency`, and none while the event loop is busier than BUSY_LOOP_LIMIT (but one at
   * least every STEP_FLOOR_MS): intake and steps share one event loop (and, with SQLite, one
   * connection), and a forge waits at most 10 s for its 202 while a dispatch loses nothing by
   * starting a moment later. Once intake is quiet, steps run at full concurrency again.
   */
  stepLimit(now: number, claimedDeliveries = 0): number {
    const { concurrency } = this.#o.config.worker;
    const busy = claimedDeliveries > 0 || now - this.#intakeAt < INTAKE_QUIET_MS;
    if (!busy) return concurrency;
    if (this.#loopLoad() > BUSY_LOOP_LIMIT && now - this.#stepAt < STEP_FLOOR_MS) return 0;
    return Math.max(1, Math.ceil(concurrency / BUSY_INTAKE_SHARE));
  }

  get activeTasks(): number {
    return this.#active.size;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops claiming, waits up to `drainTimeoutMs` for running steps, then aborts the rest. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.kick();
    await this.#loop;
    const drained = Promise.allSettled([...this.#active.values(), this.#fanOutTask]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#o.config.worker.drainTimeoutMs);
    });
    if ((await Promise.race([drained, timeout])) === 'timeout') {
      this.#o.logger.warn('drain timeout: aborting unfinished steps; they resume on the next start', {
        active: this.#active.size,
      });
      this.#abort.abort();
      await drained;
    }
    clearTimeout(timer);
  }

  async #run(): Promise<void> {
    const { config, store, logger } = this.#o;
    let lastPrune = 0;
    let lastClaim = Number.NEGATIVE_INFINITY;
    let lastFull = false;
    while (!this.#stopping) {
      let busy = false;
      let wait = config.worker.pollIntervalMs;
      try {
        const now = this.#now();
        // Deliveries are claimed when one was stored here since the last claim, when the last claim
        // was full, or once per poll interval (stored by another replica, or due for a retry) —
        // not on every round a finished dispatch step starts. While intake is busy, at most once
        // per DELIVERY_WINDOW_MS, so a claim takes what arrived meanwhile as one batch (one
        // transaction) instead of one delivery at a time.
        const due = this.#storedSinceClaim > 0 || lastFull || now - lastClaim >= config.worker.pollIntervalMs;
        const windowLeft =
          this.stepLimit(now) < config.worker.concurrency ? lastClaim + DELIVERY_WINDOW_MS - now : 0;
        let deliveries: StoredDelivery[] = [];
        if (due && windowLeft <= 0) {
          this.#storedSinceClaim = 0;
          lastClaim = now;
          deliveries = await store.claimDeliveries(this.#o.owner, DELIVERY_BATCH, config.worker.leaseMs, now);
          lastFull = deliveries.length === DELIVERY_BATCH;
          await this.#processDeliveries(deliveries);
        } else if (due) {
          wait = Math.min(wait, windowLeft);
        }
        busy = deliveries.length > 0;
        const limit = this.stepLimit(this.#now(), deliveries.length);
        const free = limit - this.#active.size;
        let claimed = deliveries.length;
        // Held back by a busy loop: look again once its window has moved on.
        if (limit === 0) wait = Math.min(wait, LOOP_WINDOW_MS);
        if (free > 0 && !this.#stopping) {
          const rows = await store.claimDispatches(this.#o.owner, free, config.worker.leaseMs, this.#now());
          for (const row of rows) this.#spawn(row);
          busy ||= rows.length > 0;
          claimed += rows.length;
        }
        // The groups of fan-out routes: when a row of one changed, else once per poll interval.
        const fanOutsDue = this.#fanOutDue || this.#now() - this.#fanOutAt >= config.worker.pollIntervalMs;
        if (!this.#stopping && this.#fanOutTask === undefined && fanOutsDue) this.#spawnFanOuts();
        const reducedMs = this.#memory.tick(claimed, this.#active.size, this.#now());
        if (reducedMs !== undefined) {
          await store.releaseMemory?.();
          logger.info('memory given back after a burst of work', {
            ms: Math.round(reducedMs),
            rssBytes: process.memoryUsage.rss(),
          });
        }
        this.#summarise(now);
        if (now - lastPrune > 3_600_000) {
          lastPrune = now;
          // Replays of a delivery are possible for days (GitHub allows redelivery of recent ones);
          // a week of done deliveries keeps dedupe honest.
          await store.pruneDeliveries(now - 7 * 24 * 3_600_000);
          // A PR quiet for a month finds its comment by the marker again (one request more).
          await store.pruneComments(now - 30 * 24 * 3_600_000);
        }
      } catch (error) {
        logger.error('worker loop error', { error });
        await this.#sleep(config.worker.pollIntervalMs);
        continue;
      }
      if (!busy) await this.#sleep(wait);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  /**
   * The due fan-out groups are looked at in the background, one pass at a time (not counted among
   * the dispatch steps: it takes no slot of `worker.concurrency`).
   */
  #spawnFanOuts(): void {
    this.#fanOutDue = false;
    this.#fanOutAt = this.#now();
    this.#fanOutTask = this.#fanOuts
      .tick()
      .then((some) => {
        if (!some) return;
        this.#fanOutDue = true;
        this.kick();
      })
      .catch((error) => this.#o.logger.error('fan-out reporter error', { error }))
      .finally(() => {
        this.#fanOutTask = undefined;
      });
  }

  #spawn(row: DispatchRow): void {
    const { store, config, logger, owner } = this.#o;
    this.#stepAt = this.#now();
    const renew = setInterval(
      () => {
        store.renewLease(row.id, owner, this.#now() + config.worker.leaseMs).catch(() => undefined);
      },
      Math.max(250, Math.floor(config.worker.leaseMs / 3)),
    );
    const task = this.#step(row)
      .catch(async (error) => {
        if (error instanceof LostLease || this.#abort.signal.aborted) return;
        const code = errorCode(error);
        this.#o.metrics.errors.inc({ step: row.state, code });
        logger.warn('step failed; retrying later', { dispatch: row.id, state: row.state, code, error });
        // Leave the state as it is and retry the same step later.
        await store
          .release(row.id, owner, this.#now() + backoff(row.attempts, 1000, 300_000))
          .catch(() => undefined);
      })
      .finally(async () => {
        clearInterval(renew);
        // A target of a fan-out route: its group's answer is looked at again.
        if (row.fanOut) {
          await this.#fanOuts.touch(row).catch(() => undefined);
          this.#fanOutDue = true;
        }
        this.#active.delete(row.id);
        this.kick();
      });
    this.#active.set(row.id, task);
  }

  // ---------------------------------------------------------------- deliveries

  /**
   * A claimed batch of deliveries: each becomes its effect (dispatch records, or a run's
   * completion), and the store applies them all in one transaction.
   */
  async #processDeliveries(deliveries: readonly StoredDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const { store, logger, metrics, owner } = this.#o;
    const effects: DeliveryEffect[] = [];
    const of: StoredDelivery[] = [];
    for (const d of deliveries) {
      let stored: StoredEvent;
      try {
        const parsed: unknown = JSON.parse(d.payload);
        const problem = storedEventError(parsed);
        if (problem) throw new Error(problem);
        stored = parsed as StoredEvent;
      } catch (error) {
        // Not readable (a row written by an older version, or damaged): retrying cannot help. It is
        // set aside with its reason at once, and the others go on.
        const reason = error instanceof Error ? error.message : String(error);
        logger.warn('delivery set aside: it cannot be processed', { delivery: d.id, reason });
        metrics.setAside.inc({ table: 'deliveries' });
        await store.failDelivery(d.id, owner, reason, undefined);
        continue;
      }
      try {
        effects.push(this.#effect(d, stored));
        of.push(d);
      } catch (error) {
        await this.#deliveryFailed(d, error);
      }
    }
    if (effects.length === 0) return;
    const outcomes = await store.applyDeliveries(owner, effects, this.#now());
    for (const [i, outcome] of outcomes.entries()) {
      const d = of[i] as StoredDelivery;
      if (!outcome.applied) {
        await this.#deliveryFailed(d, outcome.error);
        continue;
      }
      this.#done.deliveries += 1;
      this.#done.dispatchesCreated += outcome.created.length;
      if (outcome.matched) this.#done.completionsMatched += 1;
      // Per delivery: debug only (a burst of thousands must not cost thousands of info lines); the
      // periodic summary says how many there were.
      logger.debug('delivery processed', {
        delivery: d.id,
        event: d.event,
        dispatches: outcome.created,
        matched: outcome.matched,
      });
      metrics.processSeconds.observe((this.#now() - d.receivedAt) / 1000);
    }
  }

  #effect(d: StoredDelivery, stored: StoredEvent): DeliveryEffect {
    const event = stored.event;
    if (event.type === 'workflow_run') {
      const correlationIds = [...event.displayTitle.matchAll(CORRELATION_ID_PATTERN)].map((m) => m[0]);
      return {
        kind: 'completion',
        deliveryId: d.id,
        completion: {
          targetForge: d.forge,
          targetRepo: event.repo,
          runId: event.runId,
          correlationIds,
          conclusion: event.conclusion ?? 'failure',
          htmlUrl: event.htmlUrl,
        },
      };
    }
    const plans = planDispatches(this.#o.config, d.forge, event as SourceEvent, stored.eventAt);
    return { kind: 'source', deliveryId: d.id, plans };
  }

  async #deliveryFailed(d: StoredDelivery, error: unknown): Promise<void> {
    const retry = d.attempts < MAX_DELIVERY_ATTEMPTS;
    this.#o.logger.error('delivery processing failed', { delivery: d.id, retry, error });
    await this.#o.store.failDelivery(
      d.id,
      this.#o.owner,
      String(error instanceof Error ? error.message : error),
      retry ? this.#now() + backoff(d.attempts, 500, 60_000) : undefined,
    );
  }

  /** One info line per SUMMARY_INTERVAL_MS with what was processed, when anything was. */
  #summarise(now: number): void {
    if (now - this.#summaryAt < SUMMARY_INTERVAL_MS) return;
    const done = this.#done;
    const since = this.#summaryAt;
    this.#summaryAt = now;
    if (done.deliveries === 0) return;
    this.#o.logger.info('deliveries processed', {
      ...done,
      seconds: Math.round((now - since) / 1000),
      activeSteps: this.#active.size,
    });
    this.#done = { deliveries: 0, dispatchesCreated: 0, completionsMatched: 0 };
  }

  // ---------------------------------------------------------------- dispatch steps

  #ctx(forgeName: string): CallContext & { meter: RequestMeter; signal: AbortSignal } {
    let meter = this.#meters.get(forgeName);
    if (!meter) {
      const { metrics } = this.#o;
      meter = {
        record(entry) {
          metrics.apiRequests.inc({
            forge: forgeName,
            kind: entry.notModified ? 'not_modified' : entry.counted ? 'counted' : 'free',
          });
          if (entry.rateLimit) {
            metrics.budget.set({ forge: forgeName }, entry.rateLimit.remaining);
            metrics.budgetLimit.set({ forge: forgeName }, entry.rateLimit.limit);
          }
        },
      };
      this.#meters.set(forgeName, meter);
    }
    return { meter, signal: this.#abort.signal };
  }

  #forge(name: string): Forge {
    const forge = this.#o.forges.get(name);
    if (!forge) throw new Error(`forge ${name} is not configured any more`);
    return forge;
  }

  /** Applies a transition; a refused one means the dispatch changed under us (lease lost or event). */
  async #to(row: DispatchRow, from: DispatchState, patch: DispatchPatch, keepLease = false): Promise<void> {
    if (!(await this.#o.store.transition(row.id, this.#o.owner, from, patch, keepLease))) {
      this.#o.logger.debug('transition refused (changed meanwhile)', {
        dispatch: row.id,
        from,
        to: patch.state,
      });
      await this.#o.store.release(row.id, this.#o.owner);
      throw new LostLease();
    }
  }

  /** Moves to `to`, committed, and keeps working on the dispatch under the same lease. */
  async #continue(row: DispatchRow, to: DispatchState, patch: DispatchPatch = {}): Promise<DispatchRow> {
    await this.#to(row, row.state, { ...patch, state: to }, true);
    const fresh = await this.#o.store.getDispatch(row.id);
    if (!fresh) throw new LostLease();
    return fresh;
  }

  /** `#continue` to `sending` for a target of a fan-out route: undefined while it waits its turn. */
  async #enterFanOut(row: DispatchRow, sentAt: number): Promise<DispatchRow | undefined> {
    const { store, owner } = this.#o;
    const spec = row.fanOut as NonNullable<DispatchRow['fanOut']>;
    const entered = await store.enterSending(row.id, owner, spec.key, spec.concurrency, sentAt);
    if (entered === 'wait') return undefined;
    const fresh = entered === 'sending' ? await store.getDispatch(row.id) : undefined;
    if (!fresh) {
      await store.release(row.id, owner);
      throw new LostLease();
    }
    return fresh;
  }

  async #step(row: DispatchRow): Promise<void> {
    switch (row.state) {
      case 'new':
        return this.#send(row);
      case 'sending':
        return this.#recover(row);
      case 'correlating':
        return this.#correlate(row);
      case 'started':
        return this.#reportStart(row);
      case 'running':
        return this.#check(row);
      case 'completing':
        return this.#complete(row);
      case 'superseding':
        return this.#supersede(row);
      case 'done':
        return this.#o.store.release(row.id, this.#o.owner);
    }
  }

  #request(row: DispatchRow): DispatchRequest {
    const inputs = JSON.parse(row.inputs) as Record<string, string>;
    return {
      repo: repoRef(row.targetRepo),
      ref: row.targetRef,
      ...(row.workflow !== null
        ? { workflow: /^\d+$/.test(row.workflow) ? Number(row.workflow) : row.workflow, inputs }
        : { eventType: row.eventType ?? '', clientPayload: inputs }),
      correlationId: row.correlationId,
      correlationInput: row.correlationInput,
      correlation: row.correlation as DispatchRequest['correlation'] & string,
    };
  }

  #receipt(row: DispatchRow): DispatchReceipt {
    return {
      repo: repoRef(row.targetRepo),
      ref: row.targetRef,
      ...(row.workflow !== null
        ? { workflow: /^\d+$/.test(row.workflow) ? Number(row.workflow) : row.workflow }
        : { eventType: row.eventType ?? '' }),
      correlationId: row.correlationId,
      correlation: row.correlation as DispatchReceipt['correlation'],
      correlationInput: row.correlationInput,
      dispatchedAt: row.dispatchedAt ?? row.createdAt,
      ...(row.clockOffsetMs !== null ? { clockOffsetMs: row.clockOffsetMs } : {}),
      path: 'none',
      ...(row.runId !== null ? { runId: row.runId } : {}),
      ...(row.runUrl !== null ? { runUrl: row.runUrl } : {}),
      ...(row.runHtmlUrl !== null ? { htmlUrl: row.runHtmlUrl } : {}),
      notes: [],
      apiCost: { requests: 0, counted: 0, notModified: 0 },
    };
  }

  async #send(row: DispatchRow): Promise<void> {
    const { logger, metrics, config } = this.#o;
    if (row.supersededBy) {
      // Never sent: nothing to cancel, no status was posted.
      metrics.dispatches.inc({ forge: row.targetForge, result: 'superseded_unsent' });
      return this.#to(row, 'new', { state: 'done', outcome: 'superseded', completedAt: this.#now() });
    }
    // The intent, with its correlation id, is durable before the request leaves. A target of a
    // fan-out route waits its turn while `concurrency` dispatches of its group are under way.
    const sentAt = this.#now();
    const current = row.fanOut
      ? await this.#enterFanOut(row, sentAt)
      : await this.#continue(row, 'sending', { dispatchedAt: sentAt });
    if (current === undefined) return this.#o.store.deferDispatch(row.id, this.#o.owner, this.#now() + 200);
    const ctx = this.#ctx(row.targetForge);
    let receipt: DispatchReceipt;
    try {
      receipt = await dispatch(this.#forge(row.targetForge), this.#request(current), {
        ambiguousSearchMs: Math.min(config.reconcile.correlationTimeoutMs, 60_000),
        correlate: { intervalMs: this.#correlationInterval() },
        meter: ctx.meter,
        signal: ctx.signal,
      });
    } catch (error) {
      if (this.#abort.signal.aborted) throw error;
      if (isXrdError(error) && REJECTING_CODES.has(error.code) && !error.ambiguous) {
        metrics.dispatches.inc({ forge: row.targetForge, result: 'rejected' });
        logger.warn('dispatch rejected', { dispatch: row.id, code: error.code, error });
        return this.#to(current, 'sending', {
          state: 'completing',
          outcome: 'rejected',
          error: error.message,
          nextAt: this.#now(),
        });
      }
      if (isXrdError(error) && !error.ambiguous && current.attempts < MAX_SEND_ATTEMPTS) {
        // The forge answered and refused for now (rate limit, 5xx before acceptance): no run exists,
        // so sending again later is safe.
        logger.warn('dispatch failed before reaching the forge; will retry', {
          dispatch: row.id,
          code: error.code,
        });
        return this.#to(current, 'sending', {
          state: 'new',
          nextAt: this.#now() + backoff(current.attempts, 2000, 300_000),
        });
      }
      // Ambiguous, or an unexpected error: the run may exist. Find it before anything else.
      logger.warn('dispatch outcome unknown; correlating', { dispatch: row.id, error });
      return this.#to(current, 'sending', { state: 'correlating', nextAt: this.#now() });
    }
    metrics.dispatches.inc({ forge: row.targetForge, result: 'sent' });
    logger.info('dispatched', {
      dispatch: row.id,
      target: row.targetRepo,
      run: receipt.runId,
      path: receipt.path,
      correlationId: row.correlationId,
    });
    // Kept for the searches of later claims (the run is looked for on the forge's clock).
    const clock =
      receipt.clockOffsetMs !== undefined ? { clockOffsetMs: Math.round(receipt.clockOffsetMs) } : {};
    if (receipt.runId !== undefined) {
      return this.#to(current, 'sending', {
        state: 'started',
        runId: receipt.runId,
        ...(receipt.runUrl ? { runUrl: receipt.runUrl } : {}),
        ...(receipt.htmlUrl ? { runHtmlUrl: receipt.htmlUrl } : {}),
        dispatchPath: receipt.path,
        ...clock,
        nextAt: this.#now(),
      });
    }
    return this.#to(current, 'sending', {
      state: 'correlating',
      dispatchPath: receipt.path,
      ...clock,
      nextAt: this.#now(),
    });
  }

  /** Claimed in `sending`: the process died (or lost its lease) mid-send. Never re-send blindly. */
  async #recover(row: DispatchRow): Promise<void> {
    this.#o.logger.warn('dispatch interrupted mid-send; resolving by correlation id', {
      dispatch: row.id,
      correlationId: row.correlationId,
    });
    this.#o.metrics.dispatches.inc({ forge: row.targetForge, result: 'recovering' });
    return this.#to(row, 'sending', { state: 'correlating', nextAt: this.#now() });
  }

  #correlationInterval(): number {
    return Math.max(50, Math.min(2000, this.#o.config.reconcile.intervalMs));
  }

  async #correlate(row: DispatchRow): Promise<void> {
    const { config, logger } = this.#o;
    if (row.runId !== null) {
      // A workflow_run event carrying our correlation id already named the run.
      return this.#to(row, 'correlating', { state: 'started', nextAt: this.#now() });
    }
    const since = row.dispatchedAt ?? row.createdAt;
    const remaining = since + config.reconcile.correlationTimeoutMs - this.#now();
    const ctx = this.#ctx(row.targetForge);
    const verdict = remaining <= 0;
    const forge = this.#forge(row.targetForge);
    const receipt = this.#receipt(row);
    const options = {
      // One bounded slice per claim: the lease stays short and other work gets its turn. The last
      // slice inspects every candidate, so "certainly absent" can be decided: with `auto`
      // correlation a run whose title lacks the id is ruled out only once its steps are seen.
      timeoutMs: verdict ? Math.max(3 * this.#correlationInterval(), 1000) : Math.min(remaining, 30_000),
      intervalMs: this.#correlationInterval(),
      ...(verdict ? { maxRuns: 150 } : {}),
      meter: ctx.meter,
      signal: ctx.signal,
    };
    if (row.dispatchPath === null) {
      // The POST's fate is unknown (its answer was lost, or the process died mid-send): core's one
      // rule decides — found, proven absent (only then is it sent again), or still unknown.
      const outcome = await resolveAmbiguousDispatch(forge, receipt, options);
      if (outcome.kind === 'found') return this.#correlated(row, outcome.run, outcome.method);
      if (outcome.kind === 'unknown' && outcome.why === 'search-failed') {
        // A failed search proves nothing, at the verdict or before it: the dispatch stays
        // ambiguous and is looked for again, however long the forge keeps failing.
        logger.warn('run search failed; the dispatch stays unresolved and is looked for again', {
          dispatch: row.id,
          correlationId: row.correlationId,
          error: outcome.error,
        });
        this.#o.metrics.errors.inc({ step: 'correlating', code: errorCode(outcome.error) });
        return this.#to(row, 'correlating', { nextAt: this.#now() + this.#searchRetryMs() });
      }
      if (!verdict) {
        return this.#to(row, 'correlating', { nextAt: this.#now() + this.#correlationInterval() });
      }
      if (outcome.kind === 'absent') {
        logger.warn('interrupted dispatch certainly absent; sending it again', { dispatch: row.id });
        return this.#to(row, 'correlating', { state: 'new', nextAt: this.#now() });
      }
      const error = unresolvedDispatchError(receipt, outcome, {
        searchMs: config.reconcile.correlationTimeoutMs,
      });
      logger.warn('dispatch outcome unresolved; not sent again', {
        dispatch: row.id,
        correlationId: row.correlationId,
        why: outcome.why,
      });
      return this.#notFound(row, error.message);
    }
    const outcome = await searchRun(forge, receipt, options);
    if (outcome.found) return this.#correlated(row, outcome.found.run, outcome.found.method);
    if (!verdict) {
      return this.#to(row, 'correlating', { nextAt: this.#now() + this.#correlationInterval() });
    }
    logger.warn('run not found by correlation id', { dispatch: row.id, correlationId: row.correlationId });
    return this.#notFound(
      row,
      `No run of ${row.targetRepo} carries the correlation id ${row.correlationId}: make the target echo it in its run-name.`,
    );
  }

  #correlated(row: DispatchRow, run: Run, method: string): Promise<void> {
    this.#o.logger.info('run correlated', { dispatch: row.id, run: run.id, method });
    if (row.dispatchPath === null) {
      this.#o.metrics.dispatches.inc({ forge: row.targetForge, result: 'recovered' });
    }
    return this.#to(row, 'correlating', {
      state: 'started',
      runId: run.id,
      runUrl: run.url,
      runHtmlUrl: run.htmlUrl,
      ...(run.status === 'completed' && run.conclusion ? { runConclusion: run.conclusion } : {}),
      nextAt: this.#now(),
    });
  }

  #notFound(row: DispatchRow, error: string): Promise<void> {
    return this.#to(row, 'correlating', {
      state: 'completing',
      outcome: 'not-found',
      error,
      nextAt: this.#now(),
    });
  }

  /** How soon a failed run search is tried again: the reconcile interval, at most a minute. */
  #searchRetryMs(): number {
    return Math.min(60_000, Math.max(this.#correlationInterval(), this.#o.config.reconcile.intervalMs));
  }

  async #workflowRunHooks(forgeName: string): Promise<boolean> {
    let hooks = this.#hooks.get(forgeName);
    if (hooks === undefined) {
      hooks = (await this.#forge(forgeName).capabilities(this.#ctx(forgeName))).workflowRunWebhooks;
      this.#hooks.set(forgeName, hooks);
    }
    return hooks;
  }

  async #checkDelay(row: DispatchRow): Promise<number> {
    const { reconcile } = this.#o.config;
    const hooks = await this.#workflowRunHooks(row.targetForge).catch(() => false);
    // With hooks the check is only a safety net for a lost delivery; without (Gitea 1.24) it is
    // how completion is learned.
    return hooks ? reconcile.safetyIntervalMs : reconcile.intervalMs;
  }

  #report(row: DispatchRow, withComment: boolean): ReportOptions {
    return {
      repo: repoRef(row.sourceRepo),
      context: row.reportContext,
      ...(row.reportStatus ? { sha: row.headSha } : {}),
      ...(withComment && row.reportComment && row.prNumber !== null ? { pr: row.prNumber } : {}),
    };
  }

  async #reportStart(row: DispatchRow): Promise<void> {
    if (row.supersededBy) {
      const current = await this.#continue(row, 'superseding');
      return this.#supersede(current);
    }
    const ctx = this.#ctx(row.sourceForge);
    await reportStart(
      this.#forge(row.sourceForge),
      this.#report(row, false),
      { receipt: this.#receipt(row), ...(row.runHtmlUrl ? { htmlUrl: row.runHtmlUrl } : {}) },
      ctx,
    );
    this.#o.metrics.dispatchSeconds.observe((this.#now() - row.createdAt) / 1000);
    return this.#to(row, 'started', {
      state: 'running',
      startReported: true,
      nextAt: this.#now() + (await this.#checkDelay(row)),
    });
  }

  /** The reconciler: a conditional read of an in-flight run. */
  async #check(row: DispatchRow): Promise<void> {
    const { metrics } = this.#o;
    if (row.supersededBy) {
      const current = await this.#continue(row, 'superseding');
      return this.#supersede(current);
    }
    if (row.runId === null) return this.#to(row, 'running', { state: 'correlating', nextAt: this.#now() });
    const ctx = this.#ctx(row.targetForge);
    const run = await this.#forge(row.targetForge).getRun(repoRef(row.targetRepo), row.runId, ctx);
    if (run.status === 'completed') {
      metrics.reconcileChecks.inc({ result: 'completed' });
      this.#o.logger.info('reconciler found the run completed', { dispatch: row.id, run: row.runId });
      return this.#to(row, 'running', {
        state: 'completing',
        runConclusion: run.conclusion ?? 'failure',
        runHtmlUrl: run.htmlUrl,
        nextAt: this.#now(),
      });
    }
    metrics.reconcileChecks.inc({ result: 'pending' });
    return this.#to(row, 'running', {
      state: 'running',
      nextAt: this.#now() + (await this.#checkDelay(row)),
    });
  }

  async #complete(row: DispatchRow): Promise<void> {
    const { metrics, logger } = this.#o;
    if (row.outcome === 'rejected' || row.outcome === 'not-found') {
      const description = (row.error ?? 'The dispatch failed.').slice(0, 139);
      const current = await this.#postStatusOnce(row, {
        state: 'error',
        context: row.reportContext,
        description,
      });
      await this.#comment(
        current,
        (marker) =>
          `${marker}\n**${row.targetRepo} could not be run** — ${row.error ?? 'the dispatch failed'}\n\n<sub>xrd</sub>`,
      );
      metrics.completions.inc({ conclusion: row.outcome });
      return this.#to(row, 'completing', { state: 'done', completedAt: this.#now() });
    }
    if (row.runId === null) return this.#to(row, 'completing', { state: 'correlating', nextAt: this.#now() });
    const target = this.#forge(row.targetForge);
    const result = await waitForRun(target, repoRef(row.targetRepo), row.runId, {
      withJobs: true,
      learnDuration: false,
      logTailLines: 30,
      timeoutMs: 60_000,
      intervalMs: this.#correlationInterval(),
      correlationId: row.correlationId,
      meter: this.#ctx(row.targetForge).meter,
      signal: this.#abort.signal,
      ...(row.dispatchedAt !== null ? { dispatchedAt: row.dispatchedAt } : {}),
    });
    // A superseded dispatch keeps the PR comment for the newer one; its own commit still gets its
    // true final status.
    const current = await this.#postStatusOnce(row, statusFor(result, row.reportContext));
    const shown = await this.#withResults(current, result);
    await this.#comment(current, (marker) => renderComment(shown, { marker }));
    metrics.completions.inc({ conclusion: result.conclusion ?? 'unknown' });
    metrics.bridgeSeconds.observe((this.#now() - row.createdAt) / 1000);
    logger.info('reported', { dispatch: row.id, run: row.runId, conclusion: result.conclusion });
    return this.#to(row, 'completing', {
      state: 'done',
      outcome: row.supersededBy ? 'superseded' : 'completed',
      runConclusion: result.conclusion ?? 'failure',
      completedAt: this.#now(),
    });
  }

  /**
   * Posts a final status at most once across crashes: the attempt is counted (committed) before the
   * POST; a retry first reads the commit's statuses and skips the POST when it already landed.
   */
  async #postStatusOnce(row: DispatchRow, status: CommitStatusInput): Promise<DispatchRow> {
    if (!row.reportStatus) return row;
    if (row.statusPosts > 0) {
      const seen = await this.#forge(row.sourceForge)
        .listCommitStatuses(repoRef(row.sourceRepo), row.headSha, this.#ctx(row.sourceForge))
        .catch((error: unknown) => {
          // Not knowing is no reason to leave the commit without its final status: post it.
          this.#o.logger.warn('could not read the commit statuses; posting the final status', {
            dispatch: row.id,
            error,
          });
          return undefined;
        });
      // The newest status of our context, not any: an earlier dispatch for the same commit may have
      // posted the same final status before ours went pending.
      const newest = seen?.find((s) => s.context === status.context);
      if (newest && sameStatus(newest, status)) {
        this.#o.logger.info('final status already posted before a restart; not posting again', {
          dispatch: row.id,
        });
        return row;
      }
    }
    const current = await this.#continue(row, row.state, { statusPosts: row.statusPosts + 1 });
    const ctx = this.#ctx(row.sourceForge);
    await this.#forge(row.sourceForge).setCommitStatus(repoRef(row.sourceRepo), row.headSha, status, ctx);
    return current;
  }

  /**
   * The run's artifacts (linked in the comment) and remote outputs (a table in it), when the comment
   * is posted and the target forge has an artifacts API. Reading them never fails the completion:
   * the comment then goes out without them.
   */
  async #withResults(row: DispatchRow, result: RunResult): Promise<RunResult> {
    if (this.#report(row, !row.supersededBy).pr === undefined) return result;
    return withRunResults(this.#forge(row.targetForge), this.#ctx(row.targetForge), result, this.#o.logger, {
      dispatch: row.id,
    });
  }

  async #comment(row: DispatchRow, body: (marker: string) => string): Promise<void> {
    const report = this.#report(row, !row.supersededBy);
    if (report.pr === undefined) return;
    await writeComment(
      this.#o.store,
      {
        forgeName: row.sourceForge,
        forge: this.#forge(row.sourceForge),
        repo: report.repo,
        pr: report.pr,
        context: row.reportContext,
      },
      body,
      this.#ctx(row.sourceForge),
      this.#now,
    );
  }

  async #supersede(row: DispatchRow): Promise<void> {
    const { metrics, logger } = this.#o;
    // A target of a fan-out route stopped by its group (fail-fast, deadline) says why.
    const stopped = stoppedBy(row);
    let notCancelled: string | undefined;
    if ((stopped ? stopped.cancel : row.cancelSuperseded) && row.runId !== null) {
      await this.#forge(row.targetForge)
        .cancelRun(repoRef(row.targetRepo), row.runId, this.#ctx(row.targetForge))
        .catch((error) => {
          notCancelled = error instanceof Error ? error.message : String(error);
          logger.warn('cancelling the superseded run failed', { dispatch: row.id, error });
        });
    }
    if (row.startReported && row.reportStatus) {
      const states = (await this.#forge(row.sourceForge).capabilities(this.#ctx(row.sourceForge)))
        .commitStates;
      // GitHub has no neutral state; Gitea/Forgejo have `skipped`, which says exactly this.
      await this.#postStatusOnce(row, {
        state: states.includes('skipped') ? 'skipped' : 'error',
        context: row.reportContext,
        description: stopped?.description ?? 'Superseded by a newer push',
        ...(row.runHtmlUrl ? { targetUrl: row.runHtmlUrl } : {}),
      });
    }
    metrics.dispatches.inc({ forge: row.targetForge, result: 'superseded' });
    logger.info('superseded', { dispatch: row.id, by: row.supersededBy, run: row.runId });
    return this.#to(row, 'superseding', {
      state: 'done',
      outcome: 'superseded',
      completedAt: this.#now(),
      // Stopped by its group: the group's comment says the run goes on.
      ...(stopped && notCancelled !== undefined ? { error: notCancelled } : {}),
    });
  }
}
