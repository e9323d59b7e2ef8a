// A fan-out route (`dispatch.targets`) in the service: each target is a dispatch row of its own,
// dispatched, correlated and followed exactly as a single route's (so a crash at any moment is
// recovered as there: never a second dispatch), and the rows of one event form a group, keyed by
// the route, the source repository, the PR or branch and the sha. The group's one answer — the
// status (context `report.context`, default `xrd/targets`) and the one PR comment with a row per
// target — is written by this reporter from the rows, with core's own pieces (`reportFanOutStart`,
// `fanOutStatus`, `renderFanOutComment`), the ones the action and the CLI write through `runFanOut`.
//
// Durable and idempotent: a group is a row of its own (`fan_outs`) claimed under a lease, looked at
// whenever a row of it changes (`touch`) and at least every `reconcile.interval` until it is done;
// what was written last is recorded, so nothing is written twice (a final status is first looked
// for on the commit after a crash, as a single route's is) and the comment is found again by its
// marker and edited. The group is closed only once its final answer is written, so no pending
// status is left behind.
//
// Fail-fast: once a row failed, the others are marked superseded by `fail-fast` (the store's
// supersede path: a row not sent yet is never sent, a started run is cancelled). Concurrency: a
// row is let into `sending` only while fewer than `concurrency` rows of its group are there
// (`Store.enterSending`, counted under a lock of the group).
import {
  AbortedError,
  type CallContext,
  type CommitStatusInput,
  DEFAULT_FAIL_ON,
  DispatchRejectedError,
  type FanOutOutcome,
  type Forge,
  failFastMessage,
  fanOutStatus,
  isFailingConclusion,
  type RepoRef,
  type Run,
  type RunConclusion,
  RunNotFoundError,
  RunTimeoutError,
  renderFanOutComment,
  reportFanOutStart,
  statusFor,
  type TargetOptions,
  type TargetOutcome,
  waitForRun,
  XrdError,
} from '@xrd/core';
import type { Logger } from './log.js';
import { writeComment } from './report-comment.js';
import { withRunResults } from './run-results.js';
import type { DispatchRow, FanOutGroup, FanOutSpec, Store } from './store/types.js';
import { sameStatus } from './worker.js';

/** `superseded_by` of the rows fail-fast stopped. */
export const FAIL_FAST = 'fail-fast';
/** `superseded_by` of the rows the group's deadline stopped. */
export const DEADLINE = 'deadline';

/**
 * How a row the group stopped (fail-fast, deadline) is closed by the worker's supersede step:
 * whether its run is cancelled, and its own status's description. Undefined for other rows.
 */
export function stoppedBy(row: DispatchRow): { cancel: boolean; description: string } | undefined {
  if (row.supersededBy === FAIL_FAST)
    return { cancel: true, description: 'Cancelled: another target failed (fail-fast)' };
  if (row.supersededBy === DEADLINE) {
    return {
      cancel: row.fanOut?.cancelOnTimeout === true,
      description: "Timed out: the route's deadline passed",
    };
  }
  return undefined;
}

/** What a group's reporter recorded last. */
const PENDING = 'pending';
const FINAL = 'final';
const SUPERSEDED = 'superseded';

export interface FanOutsOptions {
  readonly store: Store;
  readonly forges: ReadonlyMap<string, Forge>;
  readonly logger: Logger;
  readonly owner: string;
  readonly now: () => number;
  /** How often an open group is looked at without a change of its rows (`reconcile.interval`). */
  readonly intervalMs: number;
  readonly leaseMs: number;
  /** The call context (meter, signal) for a forge's requests. */
  readonly ctx: (forge: string) => CallContext;
}

const repoRef = (full: string): RepoRef => {
  const [owner = '', repo = ''] = full.split('/');
  return { owner, repo };
};

/** A row that judged the change, or could not: what fail-fast stops the others for. */
function failed(row: DispatchRow): boolean {
  if (row.state !== 'done' && row.state !== 'completing') return false;
  if (row.supersededBy !== null) return false;
  if (row.outcome === 'rejected' || row.outcome === 'not-found' || row.outcome === 'unprocessable')
    return true;
  return isFailingConclusion(row.runConclusion as RunConclusion | null);
}

export class FanOuts {
  readonly #o: FanOutsOptions;
  constructor(options: FanOutsOptions) {
    this.#o = options;
  }

  /** A row of a group changed: its group is looked at now. */
  async touch(row: DispatchRow): Promise<void> {
    if (row.fanOut) await this.#o.store.touchFanOut(row.fanOut.key, this.#o.now());
  }

  /** Looks at the due groups; true when there were some. */
  async tick(): Promise<boolean> {
    const { store, owner, leaseMs, now, logger } = this.#o;
    const groups = await store.claimFanOuts(owner, 16, leaseMs, now());
    for (const group of groups) {
      try {
        await this.#look(group);
      } catch (error) {
        logger.warn('fan-out report failed; retrying later', { fanOut: group.key, error });
        await store
          .settleFanOut(group.key, owner, { nextAt: now() + Math.max(1000, this.#o.intervalMs) })
          .catch(() => undefined);
      }
    }
    return groups.length > 0;
  }

  async #look(group: FanOutGroup): Promise<void> {
    const { store, owner, now, intervalMs } = this.#o;
    const rows = await store.fanOutRows(group.key);
    const spec = rows[0]?.fanOut;
    const first = rows[0];
    if (!spec || !first) {
      await store.settleFanOut(group.key, owner, { done: true, nextAt: now() });
      return;
    }
    const later = now() + intervalMs;

    // A newer push superseded the group: its status says so (if it had one); the comment is the
    // newer group's.
    if (
      rows.some((r) => r.supersededBy !== null && r.supersededBy !== FAIL_FAST && r.supersededBy !== DEADLINE)
    ) {
      if (spec.status && group.reported === PENDING) {
        const states = (await this.#source(first).capabilities(this.#ctx(first))).commitStates;
        await this.#setStatus(first, {
          state: states.includes('skipped') ? 'skipped' : 'error',
          context: spec.context,
          description: 'Superseded by a newer push',
        });
      }
      await store.settleFanOut(group.key, owner, { reported: SUPERSEDED, done: true, nextAt: later });
      this.#o.logger.info('fan-out superseded', { fanOut: group.key });
      return;
    }

    if (spec.failFast && rows.some(failed)) {
      const stopped = await store.stopFanOut(group.key, FAIL_FAST, now());
      if (stopped > 0) {
        this.#o.logger.info('fan-out: a target failed; stopping the others (fail-fast)', {
          fanOut: group.key,
          stopped,
        });
      }
    }

    // One deadline for the group, from the event (the rows' creation).
    const deadline =
      spec.timeoutMs !== undefined ? Math.min(...rows.map((r) => r.createdAt)) + spec.timeoutMs : undefined;
    if (deadline !== undefined && now() >= deadline && rows.some((r) => r.state !== 'done')) {
      const stopped = await store.stopFanOut(group.key, DEADLINE, now());
      if (stopped > 0) this.#o.logger.info('fan-out: the deadline passed', { fanOut: group.key, stopped });
    }

    // Every row of a group is inserted with the event (a replay inserts none), so `count` are there.
    const done = rows.length >= spec.count && rows.every((r) => r.state === 'done');
    if (!done) {
      // The pending status once the first run is known (as core's runFanOut sets it).
      let reported: string | undefined;
      if (spec.status && group.reported === null && rows.some((r) => r.runId !== null)) {
        await reportFanOutStart(
          this.#source(first),
          this.#report(first, spec, false),
          this.#targets(rows),
          this.#ctx(first),
        );
        reported = PENDING;
      }
      await store.settleFanOut(group.key, owner, {
        ...(reported !== undefined ? { reported } : {}),
        nextAt: deadline !== undefined && deadline > now() ? Math.min(later, deadline) : later,
      });
      return;
    }

    // The comment is the newest push's: a group that ends after a newer one began leaves it alone.
    const report = this.#report(first, spec, true);
    const outcome = await this.#outcome(rows, report.pr !== undefined);
    if (spec.status) {
      const status = fanOutStatus(outcome.targets, spec.context);
      // Recorded before the POST: after a crash the commit's statuses are read first.
      const already = group.reported === FINAL && (await this.#posted(first, status));
      if (!already) {
        if (!(await store.settleFanOut(group.key, owner, { reported: FINAL, nextAt: later }, true))) return;
        await this.#setStatus(first, status);
      }
    }
    if (report.pr !== undefined && !(await store.hasNewerEvent(first.subjectKey, first.id))) {
      await writeComment(
        store,
        {
          forgeName: first.sourceForge,
          forge: this.#source(first),
          repo: report.repo,
          pr: report.pr,
          context: spec.context,
        },
        (marker) => renderFanOutComment(outcome, { marker }),
        this.#ctx(first),
        this.#o.now,
      );
    }
    await store.settleFanOut(group.key, owner, { reported: FINAL, done: true, nextAt: later });
    this.#o.logger.info('fan-out reported', {
      fanOut: group.key,
      conclusion: outcome.conclusion,
      targets: rows.length,
    });
  }

  #source(row: DispatchRow): Forge {
    const forge = this.#o.forges.get(row.sourceForge);
    if (!forge) throw new Error(`forge ${row.sourceForge} is not configured any more`);
    return forge;
  }

  #ctx(row: DispatchRow): CallContext {
    return this.#o.ctx(row.sourceForge);
  }

  #report(row: DispatchRow, spec: FanOutSpec, withComment: boolean) {
    return {
      repo: repoRef(row.sourceRepo),
      context: spec.context,
      ...(spec.status ? { sha: row.headSha } : {}),
      ...(withComment && spec.comment && row.prNumber !== null ? { pr: row.prNumber } : {}),
    };
  }

  async #setStatus(row: DispatchRow, status: CommitStatusInput): Promise<void> {
    await this.#source(row).setCommitStatus(repoRef(row.sourceRepo), row.headSha, status, this.#ctx(row));
  }

  /** Whether the newest status of the context on the commit is `status` already. */
  async #posted(row: DispatchRow, status: CommitStatusInput): Promise<boolean> {
    const seen = await this.#source(row)
      .listCommitStatuses(repoRef(row.sourceRepo), row.headSha, this.#ctx(row))
      .catch(() => undefined);
    const newest = seen?.find((s) => s.context === status.context);
    return newest !== undefined && sameStatus(newest, status);
  }

  /** Each row as the TargetOptions core's report pieces name it by. */
  #targets(rows: readonly DispatchRow[]): TargetOptions[] {
    return rows.map((row) => {
      const forge = this.#o.forges.get(row.targetForge);
      const inputs = JSON.parse(row.inputs) as Record<string, string>;
      return {
        forge: forge?.kind ?? 'github',
        apiUrl: '',
        repo: repoRef(row.targetRepo),
        ...(row.workflow !== null
          ? { workflow: /^\d+$/.test(row.workflow) ? Number(row.workflow) : row.workflow, inputs }
          : { eventType: row.eventType ?? '', inputs: {}, clientPayload: inputs }),
        ref: row.targetRef,
        correlation: row.correlation as TargetOptions['correlation'],
        correlationId: row.correlationId,
        correlationInput: row.correlationInput,
        wait: true,
        maxRuns: 0,
        timeoutMs: row.fanOut?.timeoutMs ?? 0,
        intervalMs: 0,
        failOn: DEFAULT_FAIL_ON,
        cancelOnTimeout: false,
        cancelOnAbort: false,
        reference: false,
        index: row.fanOut?.index ?? 0,
        name: row.fanOut?.name ?? row.targetRepo,
        ownLocation: false,
      };
    });
  }

  /**
   * How each target ended, from its row (a completed run is read once more, with its failed jobs;
   * with `results`, also its artifacts and remote outputs, for the comment).
   */
  async #outcome(rows: readonly DispatchRow[], results: boolean): Promise<FanOutOutcome> {
    const targets = this.#targets(rows);
    const outcomes: TargetOutcome[] = [];
    for (const [i, row] of rows.entries()) {
      const target = targets[i] as TargetOptions;
      const run: Run | undefined =
        row.runId !== null
          ? {
              id: row.runId,
              status: 'completed',
              conclusion: (row.runConclusion as RunConclusion | null) ?? null,
              createdAt: new Date(row.dispatchedAt ?? row.createdAt).toISOString(),
              url: row.runUrl ?? '',
              htmlUrl: row.runHtmlUrl ?? '',
            }
          : undefined;
      if (row.supersededBy === FAIL_FAST) {
        outcomes.push({
          target,
          verdict: 'cancelled',
          ...(run ? { run } : {}),
          error: new AbortedError(
            failFastMessage(
              row.dispatchedAt === null
                ? { stage: 'not-dispatched' }
                : row.runId !== null && row.error !== null
                  ? { stage: 'goes-on', runId: row.runId }
                  : { stage: 'cancelled' },
            ),
          ),
        });
        continue;
      }
      if (row.supersededBy === DEADLINE) {
        // As core's runFanOut says it (fan-out.ts).
        outcomes.push({
          target,
          verdict: 'error',
          ...(run ? { run: { ...run, status: 'in_progress', conclusion: null } } : {}),
          // The worker's supersede step cancelled it when the route says so and the forge could.
          ...(run && stoppedBy(row)?.cancel && row.error === null ? { runCancelled: true } : {}),
          error: new RunTimeoutError(
            row.dispatchedAt === null
              ? `${target.name} was not dispatched: the deadline passed before its turn to be dispatched.`
              : `${target.name} did not complete before the deadline.`,
          ),
        });
        continue;
      }
      if (row.outcome !== 'completed' || row.runId === null) {
        const message = row.error ?? 'The dispatch failed.';
        outcomes.push({
          target,
          verdict: 'error',
          error:
            row.outcome === 'rejected'
              ? new DispatchRejectedError(message)
              : row.outcome === 'not-found'
                ? new RunNotFoundError(message)
                : new XrdError('INVALID_INPUT', message),
        });
        continue;
      }
      const forge = this.#o.forges.get(row.targetForge);
      if (!forge) throw new Error(`forge ${row.targetForge} is not configured any more`);
      const ctx = this.#o.ctx(row.targetForge);
      const result = await waitForRun(forge, repoRef(row.targetRepo), row.runId, {
        withJobs: isFailingConclusion(row.runConclusion as RunConclusion | null),
        learnDuration: false,
        logTailLines: 30,
        timeoutMs: 60_000,
        correlationId: row.correlationId,
        ...(ctx.meter ? { meter: ctx.meter } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(row.dispatchedAt !== null ? { dispatchedAt: row.dispatchedAt } : {}),
      });
      const state = statusFor(result, 'x').state;
      outcomes.push({
        target,
        verdict: state === 'success' ? 'success' : state === 'failure' ? 'failure' : 'error',
        run: result.run,
        result: results
          ? await withRunResults(forge, ctx, result, this.#o.logger, {
              fanOut: row.fanOut?.key,
              dispatch: row.id,
            })
          : result,
      });
    }
    return {
      targets: outcomes,
      conclusion: outcomes.every((o) => o.verdict === 'success') ? 'success' : 'failure',
      apiCost: { requests: 0, counted: 0, notModified: 0 },
    };
  }
}
