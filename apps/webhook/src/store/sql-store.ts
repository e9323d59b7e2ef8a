// The Store over SQL, shared by the embedded (node:sqlite) and the PostgreSQL driver: the same
// statements, the same transitions. The drivers differ only in placeholders, in how they serialise
// transactions, and in the claim: PostgreSQL adds `FOR UPDATE SKIP LOCKED` so replicas never claim
// the same row (https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE).
import { GroupCommit } from './group-commit.js';
import { MIGRATIONS } from './schema.js';
import type {
  DeliveryEffect,
  DeliveryOutcome,
  DispatchPatch,
  DispatchPlan,
  DispatchRow,
  DispatchState,
  FanOutGroup,
  FanOutSpec,
  NewDelivery,
  RunCompletion,
  Store,
  StoreCounts,
  StoredDelivery,
} from './types.js';
import { ACTIVE_STATES } from './types.js';

export type SqlValue = string | number | null;

/** Runs statements written with `?` placeholders. */
export interface SqlExec {
  all(sql: string, params?: readonly SqlValue[]): Promise<Record<string, unknown>[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDriver extends SqlExec {
  readonly dialect: 'sqlite' | 'postgres';
  transaction<T>(fn: (tx: SqlExec) => Promise<T>): Promise<T>;
  /** Runs `fn` while holding the migration lock (PostgreSQL: an advisory lock). */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A stored row the service cannot read without loss; the claim sets it aside instead of failing. */
class UnreadableRow extends Error {}

/**
 * An integer column, read strictly: the drivers hand over a number when it is a safe integer and the
 * exact decimal text otherwise (SQLite as BigInt → text, PostgreSQL BIGINT as text), so a value
 * beyond 2^53-1 is never silently rounded — it makes the row unreadable.
 */
function int(v: unknown, column: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw new UnreadableRow(
      `column ${column} holds ${String(v).slice(0, 40)}, not an integer of at most 2^53-1`,
    );
  }
  return n;
}
const intOrNull = (v: unknown, column: string): number | null =>
  v === null || v === undefined ? null : int(v, column);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** What a claim set aside: a row it could not read (kept, with its reason, never claimed again). */
export interface SetAside {
  readonly table: 'deliveries' | 'dispatches';
  readonly id: string;
  readonly reason: string;
}

export interface SqlStoreOptions {
  /** Told about each row a claim sets aside (the service logs it). */
  readonly onSetAside?: (row: SetAside) => void;
  /** When a group commit of deliveries runs (default: `setImmediate`; tests pass their own). */
  readonly schedule?: (fn: () => void) => void;
}

function toDispatch(r: Record<string, unknown>): DispatchRow {
  return {
    id: String(r.id),
    dedupeKey: String(r.dedupe_key),
    subjectKey: String(r.subject_key),
    eventAt: int(r.event_at, 'event_at'),
    route: String(r.route),
    supersede: int(r.supersede, 'supersede') === 1,
    cancelSuperseded: int(r.cancel_superseded, 'cancel_superseded') === 1,
    sourceForge: String(r.source_forge),
    sourceRepo: String(r.source_repo),
    prNumber: intOrNull(r.pr_number, 'pr_number'),
    headSha: String(r.head_sha),
    headRef: String(r.head_ref),
    targetForge: String(r.target_forge),
    targetRepo: String(r.target_repo),
    workflow: strOrNull(r.workflow),
    eventType: strOrNull(r.event_type),
    targetRef: String(r.target_ref),
    inputs: String(r.inputs),
    correlationId: String(r.correlation_id),
    correlationInput: String(r.correlation_input),
    correlation: String(r.correlation),
    reportContext: String(r.report_context),
    reportStatus: int(r.report_status, 'report_status') === 1,
    reportComment: int(r.report_comment, 'report_comment') === 1,
    state: String(r.state) as DispatchState,
    runId: intOrNull(r.run_id, 'run_id'),
    runUrl: strOrNull(r.run_url),
    runHtmlUrl: strOrNull(r.run_html_url),
    dispatchPath: strOrNull(r.dispatch_path),
    dispatchedAt: intOrNull(r.dispatched_at, 'dispatched_at'),
    clockOffsetMs: intOrNull(r.clock_offset_ms, 'clock_offset_ms'),
    runConclusion: strOrNull(r.run_conclusion),
    startReported: int(r.start_reported, 'start_reported') === 1,
    outcome: strOrNull(r.outcome) as DispatchRow['outcome'],
    error: strOrNull(r.error),
    supersededBy: strOrNull(r.superseded_by),
    createdAt: int(r.created_at, 'created_at'),
    completedAt: intOrNull(r.completed_at, 'completed_at'),
    nextAt: int(r.next_at, 'next_at'),
    attempts: int(r.attempts, 'attempts'),
    statusPosts: int(r.status_posts ?? 0, 'status_posts'),
    ...(r.fan_out !== null && r.fan_out !== undefined ? { fanOut: fanOutSpec(r.fan_out) } : {}),
  };
}

function fanOutSpec(v: unknown): FanOutSpec {
  try {
    const spec = JSON.parse(String(v)) as FanOutSpec;
    if (typeof spec.key === 'string' && Number.isInteger(spec.index) && Number.isInteger(spec.count))
      return spec;
  } catch {
    // below
  }
  throw new UnreadableRow(`column fan_out holds ${String(v).slice(0, 40)}, not a fan-out target`);
}

/**
 * Rows per multi-row statement: 29 parameters a dispatch row × 500 stays below SQLite's 32,766 and
 * PostgreSQL's 65,535.
 */
const ROWS_PER_STATEMENT = 500;

function* chunks<T>(items: readonly T[], size: number): Generator<readonly T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** `?, ?, …` for an IN list of n values. */
const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

const DISPATCH_COLUMNS = `id, dedupe_key, subject_key, event_at, route, supersede, cancel_superseded,
  source_forge, source_repo, pr_number, head_sha, head_ref, target_forge, target_repo, workflow,
  event_type, target_ref, inputs, correlation_id, correlation_input, correlation, report_context,
  report_status, report_comment, state, superseded_by, created_at, next_at, fan_out, fan_out_key`;
const DISPATCH_ROW =
  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?)";

/** A plan's values in DISPATCH_COLUMNS order (29: `state` is the literal 'new'). */
function dispatchValues(p: DispatchPlan, supersededBy: string | null, now: number): SqlValue[] {
  return [
    p.id,
    p.dedupeKey,
    p.subjectKey,
    p.eventAt,
    p.route,
    p.supersede ? 1 : 0,
    p.cancelSuperseded ? 1 : 0,
    p.sourceForge,
    p.sourceRepo,
    p.prNumber,
    p.headSha,
    p.headRef,
    p.targetForge,
    p.targetRepo,
    p.workflow,
    p.eventType,
    p.targetRef,
    p.inputs,
    p.correlationId,
    p.correlationInput,
    p.correlation,
    p.reportContext,
    p.reportStatus ? 1 : 0,
    p.reportComment ? 1 : 0,
    supersededBy,
    now,
    now,
    p.fanOut ? JSON.stringify(p.fanOut) : null,
    p.fanOut ? p.fanOut.key : null,
  ];
}

const PATCH_COLUMNS: Readonly<Record<keyof DispatchPatch, string>> = {
  state: 'state',
  runId: 'run_id',
  runUrl: 'run_url',
  runHtmlUrl: 'run_html_url',
  dispatchPath: 'dispatch_path',
  dispatchedAt: 'dispatched_at',
  clockOffsetMs: 'clock_offset_ms',
  runConclusion: 'run_conclusion',
  startReported: 'start_reported',
  outcome: 'outcome',
  error: 'error',
  completedAt: 'completed_at',
  nextAt: 'next_at',
  statusPosts: 'status_posts',
};

export class SqlStore implements Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly #db: SqlDriver;
  readonly #skipLocked: string;
  readonly #onSetAside: ((row: SetAside) => void) | undefined;
  /** Deliveries that arrive together are stored by one INSERT (see group-commit.ts). */
  readonly #intake: GroupCommit<NewDelivery, boolean>;

  constructor(driver: SqlDriver, options: SqlStoreOptions = {}) {
    this.#db = driver;
    this.#onSetAside = options.onSetAside;
    this.kind = driver.dialect;
    this.#skipLocked = driver.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    // 6 parameters a row: 200 rows stay far below SQLite's 32,766 and PostgreSQL's 65,535.
    this.#intake = new GroupCommit((batch) => this.#insertDeliveries(batch), {
      maxBatch: 200,
      ...(options.schedule ? { schedule: options.schedule } : {}),
    });
  }

  /** Statements that stored deliveries so far: fewer than the deliveries under a burst. */
  get deliveryCommits(): number {
    return this.#intake.commits;
  }

  async migrate(): Promise<void> {
    await this.#db.withMigrationLock(async () => {
      await this.#db.run(
        'CREATE TABLE IF NOT EXISTS xrd_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      const done = new Set(
        (await this.#db.all('SELECT version FROM xrd_migrations')).map((r) => int(r.version, 'version')),
      );
      for (const migration of MIGRATIONS) {
        if (done.has(migration.version)) continue;
        await this.#db.transaction(async (tx) => {
          const own = this.#db.dialect === 'postgres' ? migration.postgres : migration.sqlite;
          for (const statement of [...migration.statements, ...(own ?? [])]) await tx.run(statement);
          await tx.run('INSERT INTO xrd_migrations (version, applied_at) VALUES (?, ?)', [
            migration.version,
            Date.now(),
          ]);
        });
      }
    });
  }

  async ping(): Promise<void> {
    await this.#db.all('SELECT 1 AS ok');
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  insertDelivery(d: NewDelivery): Promise<boolean> {
    return this.#intake.add(d);
  }

  /**
   * One INSERT (one transaction) for a batch of deliveries; true for each one stored now, false
   * for a replay (stored before, or earlier in the same batch).
   */
  async #insertDeliveries(batch: readonly NewDelivery[]): Promise<boolean[]> {
    const rows = await this.#db.all(
      `INSERT INTO deliveries (id, forge, event, payload, state, received_at, next_at)
       VALUES ${batch.map(() => "(?, ?, ?, ?, 'pending', ?, ?)").join(', ')}
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      batch.flatMap((d) => [d.id, d.forge, d.event, d.payload, d.receivedAt, d.receivedAt]),
    );
    const inserted = new Set(rows.map((r) => String(r.id)));
    // `delete` answers true once per id: a second copy in the same batch is a replay.
    return batch.map((d) => inserted.delete(d.id));
  }

  async claimDeliveries(
    owner: string,
    limit: number,
    leaseMs: number,
    now: number,
  ): Promise<StoredDelivery[]> {
    const rows = await this.#db.all(
      `UPDATE deliveries SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
       WHERE id IN (SELECT id FROM deliveries WHERE state = 'pending' AND next_at <= ?
                    AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_at LIMIT ?${this.#skipLocked})
       RETURNING id, forge, event, payload, received_at, attempts`,
      [owner, now + leaseMs, now, now, limit],
    );
    const claimed: StoredDelivery[] = [];
    for (const r of rows) {
      try {
        claimed.push({
          id: String(r.id),
          forge: String(r.forge),
          event: String(r.event),
          payload: String(r.payload),
          receivedAt: int(r.received_at, 'received_at'),
          attempts: int(r.attempts, 'attempts'),
        });
      } catch (error) {
        if (!(error instanceof UnreadableRow)) throw error;
        await this.#setAside('deliveries', String(r.id), error.message, now);
      }
    }
    return claimed.sort((a, b) => a.receivedAt - b.receivedAt);
  }

  /**
   * A row that cannot be read is taken out of the queue, with its reason, in its own statement: it
   * never makes a claim fail, so the other rows of the batch are processed (and, after a restart,
   * it is not claimed again).
   */
  async #setAside(table: SetAside['table'], id: string, reason: string, now: number): Promise<void> {
    if (table === 'deliveries') {
      await this.#db.run(
        `UPDATE deliveries SET state = 'failed', error = ?, done_at = ?, lease_owner = NULL, lease_until = NULL
         WHERE id = ?`,
        [reason, now, id],
      );
    } else {
      await this.#db.run(
        `UPDATE dispatches SET state = 'done', outcome = 'unprocessable', error = ?, completed_at = ?,
           lease_owner = NULL, lease_until = NULL WHERE id = ?`,
        [reason, now, id],
      );
    }
    this.#onSetAside?.({ table, id, reason });
  }

  async #finishDelivery(tx: SqlExec, id: string, owner: string, now: number): Promise<boolean> {
    return (await this.#finishDeliveries(tx, [id], owner, now)).has(id);
  }

  /** Marks claimed deliveries done; answers the ids this owner still held (a lost lease: not). */
  async #finishDeliveries(
    tx: SqlExec,
    ids: readonly string[],
    owner: string,
    now: number,
  ): Promise<Set<string>> {
    const done = new Set<string>();
    for (const chunk of chunks(ids, ROWS_PER_STATEMENT)) {
      const rows = await tx.all(
        `UPDATE deliveries SET state = 'done', done_at = ?, lease_owner = NULL, lease_until = NULL
         WHERE id IN (${marks(chunk.length)}) AND state = 'pending' AND lease_owner = ? RETURNING id`,
        [now, ...chunk, owner],
      );
      for (const r of rows) done.add(String(r.id));
    }
    return done;
  }

  async applySourceEvent(
    deliveryId: string,
    owner: string,
    plans: readonly DispatchPlan[],
    now: number,
  ): Promise<string[]> {
    const [created] = await this.#db.transaction((tx) =>
      this.#applySources(tx, owner, [{ deliveryId, plans }], now),
    );
    return created ?? [];
  }

  applyRunCompletion(deliveryId: string, owner: string, c: RunCompletion, now: number): Promise<boolean> {
    return this.#db.transaction((tx) => this.#applyCompletion(tx, deliveryId, owner, c, now));
  }

  async applyDeliveries(
    owner: string,
    effects: readonly DeliveryEffect[],
    now: number,
  ): Promise<DeliveryOutcome[]> {
    if (effects.length > 1) {
      try {
        return await this.#db.transaction((tx) => this.#applyEffects(tx, owner, effects, now));
      } catch {
        // One of them failed and the whole batch rolled back: each again in its own transaction,
        // so the others are not held back by it and only the failing one is retried later.
      }
    }
    const outcomes: DeliveryOutcome[] = [];
    for (const e of effects) {
      try {
        const [outcome] = await this.#db.transaction((tx) => this.#applyEffects(tx, owner, [e], now));
        outcomes.push(outcome as DeliveryOutcome);
      } catch (error) {
        outcomes.push({ applied: false, error });
      }
    }
    return outcomes;
  }

  /**
   * A batch of effects in the caller's transaction: the source events together (a handful of
   * statements for the whole batch, see #applySources), then each completion (two index lookups).
   * Sources only create dispatches and completions only touch dispatches that already have a run,
   * so the order between the two kinds does not change the result.
   */
  async #applyEffects(
    tx: SqlExec,
    owner: string,
    effects: readonly DeliveryEffect[],
    now: number,
  ): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = new Array(effects.length);
    const sources: { index: number; deliveryId: string; plans: readonly DispatchPlan[] }[] = [];
    for (const [index, e] of effects.entries()) {
      if (e.kind === 'source') sources.push({ index, deliveryId: e.deliveryId, plans: e.plans });
    }
    const created = await this.#applySources(tx, owner, sources, now);
    for (const [i, source] of sources.entries()) {
      outcomes[source.index] = { applied: true, created: created[i] ?? [], matched: false };
    }
    for (const [index, e] of effects.entries()) {
      if (e.kind !== 'completion') continue;
      const matched = await this.#applyCompletion(tx, e.deliveryId, owner, e.completion, now);
      outcomes[index] = { applied: true, created: [], matched };
    }
    return outcomes;
  }

  /**
   * Source events' dispatch records, for a whole batch in a few statements (not five per plan: on
   * PostgreSQL each statement is a round trip, and the batch's were most of the service's time).
   * The result is the one of applying the events one after another: plans are taken in rounds
   * where no two share a subject (a PR or branch of a route), so a later push of the same PR in the
   * batch sees the earlier one as the latest and supersedes it, exactly as it would one by one.
   * Returns, per source, the ids of the dispatches it created.
   */
  async #applySources(
    tx: SqlExec,
    owner: string,
    sources: readonly { readonly deliveryId: string; readonly plans: readonly DispatchPlan[] }[],
    now: number,
  ): Promise<string[][]> {
    const created: string[][] = sources.map(() => []);
    if (sources.length === 0) return created;
    // The delivery is claimed under a lease; if the lease was lost (another worker has it), this
    // worker's effects are dropped so they happen exactly once.
    const finished = await this.#finishDeliveries(
      tx,
      sources.map((src) => src.deliveryId),
      owner,
      now,
    );
    const rounds: { source: number; plan: DispatchPlan }[][] = [];
    const seen = new Map<string, number>();
    for (const [source, src] of sources.entries()) {
      if (!finished.has(src.deliveryId)) continue;
      for (const plan of src.plans) {
        const round = seen.get(plan.subjectKey) ?? 0;
        seen.set(plan.subjectKey, round + 1);
        if (round === rounds.length) rounds.push([]);
        rounds[round]?.push({ source, plan });
      }
    }
    for (const round of rounds) {
      for (const part of chunks(round, ROWS_PER_STATEMENT)) {
        const inserted = await this.#insertPlans(tx, part, now);
        for (const e of part) if (inserted.has(e.plan.id)) created[e.source]?.push(e.plan.id);
      }
    }
    return created;
  }

  /** One round of plans (no two with the same subject): dispatches, fan-out groups, subjects. */
  async #insertPlans(
    tx: SqlExec,
    part: readonly { readonly plan: DispatchPlan }[],
    now: number,
  ): Promise<Set<string>> {
    const plans = part.map((e) => e.plan);
    const latest = new Map<string, { dispatchId: string; eventAt: number }>();
    for (const r of await tx.all(
      `SELECT subject_key, dispatch_id, event_at FROM subjects WHERE subject_key IN (${marks(plans.length)})`,
      plans.map((p) => p.subjectKey),
    )) {
      latest.set(String(r.subject_key), {
        dispatchId: String(r.dispatch_id),
        eventAt: int(r.event_at, 'event_at'),
      });
    }
    // An event older than the latest one seen for this PR/branch (a late redelivery) still gets its
    // dispatch record, born superseded, so it is never sent.
    const outdatedBy = (p: DispatchPlan): string | null => {
      const l = latest.get(p.subjectKey);
      return p.supersede && l !== undefined && l.eventAt > p.eventAt ? l.dispatchId : null;
    };
    const rows = await tx.all(
      `INSERT INTO dispatches (${DISPATCH_COLUMNS})
       VALUES ${plans.map(() => DISPATCH_ROW).join(', ')}
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      plans.flatMap((p) => dispatchValues(p, outdatedBy(p), now)),
    );
    const ids = new Set(rows.map((r) => String(r.id)));
    const inserted = plans.filter((p) => ids.has(p.id));
    const groups = [...new Set(inserted.flatMap((p) => (p.fanOut ? [p.fanOut.key] : [])))];
    if (groups.length > 0) {
      await tx.run(
        `INSERT INTO fan_outs (group_key, state, next_at, created_at)
         VALUES ${groups.map(() => "(?, 'open', ?, ?)").join(', ')} ON CONFLICT (group_key) DO NOTHING`,
        groups.flatMap((key) => [key, now, now]),
      );
    }
    const newest = inserted.filter((p) => p.supersede && outdatedBy(p) === null);
    if (newest.length > 0) {
      await tx.run(
        `INSERT INTO subjects (subject_key, dispatch_id, event_at) VALUES ${newest.map(() => '(?, ?, ?)').join(', ')}
         ON CONFLICT (subject_key) DO UPDATE SET dispatch_id = excluded.dispatch_id, event_at = excluded.event_at`,
        newest.flatMap((p) => [p.subjectKey, p.id, p.eventAt]),
      );
      // `state <> 'done'` (every active state) is the partial index's own condition, so this is
      // an index lookup by subject; written as `state IN (…active…)` SQLite scanned the table. The
      // round's subjects are distinct, so each older row gets its own subject's new dispatch.
      await tx.run(
        `UPDATE dispatches SET superseded_by = CASE subject_key ${newest.map(() => 'WHEN ? THEN ?').join(' ')} END,
           next_at = ?
         WHERE subject_key IN (${marks(newest.length)}) AND id NOT IN (${marks(newest.length)})
           AND state <> 'done' AND superseded_by IS NULL`,
        [
          ...newest.flatMap((p) => [p.subjectKey, p.id]),
          now,
          ...newest.map((p) => p.subjectKey),
          ...newest.map((p) => p.id),
        ],
      );
    }
    return ids;
  }

  async #applyCompletion(
    tx: SqlExec,
    deliveryId: string,
    owner: string,
    c: RunCompletion,
    now: number,
  ): Promise<boolean> {
    if (!(await this.#finishDelivery(tx, deliveryId, owner, now))) return false;
    // Matched by run id, or by a correlation id in the run's title when the run id is not known
    // yet (a 204 dispatch still being correlated). A run in `running` moves on at once; in earlier
    // states the worker picks the recorded conclusion up when it gets there.
    // Two statements, each a lookup by a whole index key (repository + run id; the unique
    // correlation id). As one statement with the two in an OR, the repository was the only key the
    // planners used (PostgreSQL pulls the terms common to both out of the OR), and each completion
    // read every dispatch of the repository.
    const update = `UPDATE dispatches SET
         run_conclusion = ?,
         run_id = COALESCE(run_id, ?),
         run_html_url = COALESCE(run_html_url, ?),
         state = CASE WHEN state = 'running' THEN 'completing' ELSE state END,
         next_at = ?
       WHERE state <> 'done' AND run_conclusion IS NULL AND target_forge = ? AND target_repo = ?`;
    const values = [c.conclusion, c.runId, c.htmlUrl || null, now, c.targetForge, c.targetRepo];
    let changed = await tx.run(`${update} AND run_id = ?`, [...values, c.runId]);
    if (c.correlationIds.length > 0) {
      changed += await tx.run(
        `${update} AND run_id IS NULL AND correlation_id IN (${c.correlationIds.map(() => '?').join(', ')})`,
        [...values, ...c.correlationIds],
      );
    }
    return changed > 0;
  }

  async failDelivery(id: string, owner: string, error: string, retryAt: number | undefined): Promise<void> {
    await this.#db.run(
      `UPDATE deliveries SET error = ?, lease_owner = NULL, lease_until = NULL,
         state = ?, next_at = ?, done_at = ?
       WHERE id = ? AND lease_owner = ?`,
      [
        error.slice(0, 2000),
        retryAt === undefined ? 'failed' : 'pending',
        retryAt ?? 0,
        retryAt === undefined ? Date.now() : null,
        id,
        owner,
      ],
    );
  }

  async claimDispatches(owner: string, limit: number, leaseMs: number, now: number): Promise<DispatchRow[]> {
    const rows = await this.#db.all(
      `UPDATE dispatches SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
       WHERE id IN (SELECT id FROM dispatches WHERE state <> 'done' AND next_at <= ?
                    AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_at LIMIT ?${this.#skipLocked})
       RETURNING *`,
      [owner, now + leaseMs, now, now, limit],
    );
    const claimed: DispatchRow[] = [];
    for (const r of rows) {
      try {
        claimed.push(toDispatch(r));
      } catch (error) {
        if (!(error instanceof UnreadableRow)) throw error;
        await this.#setAside('dispatches', String(r.id), error.message, now);
      }
    }
    return claimed;
  }

  async renewLease(id: string, owner: string, until: number): Promise<boolean> {
    return (
      (await this.#db.run('UPDATE dispatches SET lease_until = ? WHERE id = ? AND lease_owner = ?', [
        until,
        id,
        owner,
      ])) === 1
    );
  }

  async transition(
    id: string,
    owner: string,
    from: DispatchState,
    patch: DispatchPatch,
    keepLease = false,
  ): Promise<boolean> {
    const sets: string[] = [];
    const params: SqlValue[] = [];
    for (const [key, value] of Object.entries(patch) as [keyof DispatchPatch, unknown][]) {
      if (value === undefined) continue;
      const column = PATCH_COLUMNS[key];
      if (key === 'state' && value === 'running') {
        // A completion recorded while the worker was busy wins over "keep waiting".
        sets.push("state = CASE WHEN run_conclusion IS NULL THEN 'running' ELSE 'completing' END");
        continue;
      }
      if (key === 'nextAt' && patch.state === 'running') {
        sets.push('next_at = CASE WHEN run_conclusion IS NULL THEN CAST(? AS BIGINT) ELSE 0 END');
        params.push(value as number);
        continue;
      }
      sets.push(`${column} = ?`);
      params.push(typeof value === 'boolean' ? (value ? 1 : 0) : (value as SqlValue));
    }
    if (!keepLease) sets.push('lease_owner = NULL', 'lease_until = NULL');
    if (sets.length === 0) sets.push('state = state');
    const changed = await this.#db.run(
      `UPDATE dispatches SET ${sets.join(', ')} WHERE id = ? AND state = ? AND lease_owner = ?`,
      [...params, id, from, owner],
    );
    return changed === 1;
  }

  async release(id: string, owner: string, nextAt?: number): Promise<void> {
    if (nextAt === undefined) {
      await this.#db.run(
        'UPDATE dispatches SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?',
        [id, owner],
      );
      return;
    }
    await this.#db.run(
      'UPDATE dispatches SET lease_owner = NULL, lease_until = NULL, next_at = ? WHERE id = ? AND lease_owner = ?',
      [nextAt, id, owner],
    );
  }

  async getDispatch(id: string): Promise<DispatchRow | undefined> {
    const rows = await this.#db.all('SELECT * FROM dispatches WHERE id = ?', [id]);
    return rows[0] ? toDispatch(rows[0]) : undefined;
  }

  async listDispatches(): Promise<DispatchRow[]> {
    return (await this.#db.all('SELECT * FROM dispatches ORDER BY created_at, id')).map(toDispatch);
  }

  async counts(): Promise<StoreCounts> {
    const pending = await this.#db.all("SELECT COUNT(*) AS n FROM deliveries WHERE state = 'pending'");
    const states = await this.#db.all('SELECT state, COUNT(*) AS n FROM dispatches GROUP BY state');
    const dispatches = Object.fromEntries([...ACTIVE_STATES, 'done'].map((s) => [s, 0])) as Record<
      DispatchState,
      number
    >;
    for (const r of states) dispatches[String(r.state) as DispatchState] = int(r.n, 'count');
    return { deliveriesPending: int(pending[0]?.n ?? 0, 'count'), dispatches };
  }

  async pruneDeliveries(before: number): Promise<number> {
    return this.#db.run("DELETE FROM deliveries WHERE state <> 'pending' AND done_at < ?", [before]);
  }

  async commentId(key: string): Promise<number | undefined> {
    const rows = await this.#db.all('SELECT comment_id FROM comments WHERE comment_key = ?', [key]);
    // An id the store cannot read exactly is no shortcut: the marker finds the comment.
    const id = rows[0] === undefined ? undefined : Number(rows[0].comment_id);
    return id !== undefined && Number.isSafeInteger(id) && id > 0 ? id : undefined;
  }

  async recordComment(key: string, id: number, now: number): Promise<void> {
    await this.#db.run(
      `INSERT INTO comments (comment_key, comment_id, written_at) VALUES (?, ?, ?)
       ON CONFLICT (comment_key) DO UPDATE SET comment_id = excluded.comment_id, written_at = excluded.written_at`,
      [key, id, now],
    );
  }

  async pruneComments(before: number): Promise<number> {
    return this.#db.run('DELETE FROM comments WHERE written_at < ?', [before]);
  }

  async releaseMemory(): Promise<void> {
    // https://www.sqlite.org/pragma.html#pragma_shrink_memory: the connection frees the heap
    // memory it can (its page cache); PostgreSQL caches on the server.
    // SQLite: the WAL a burst grew is checkpointed now, while nothing waits on it (see sqlite.ts),
    // and truncated (`TRUNCATE` waits for no reader: the one connection is the only one).
    if (this.kind === 'sqlite') {
      await this.#db.all('PRAGMA wal_checkpoint(TRUNCATE)');
      await this.#db.run('PRAGMA shrink_memory');
    }
  }

  async releaseAllLeases(): Promise<void> {
    await this.#db.run(
      'UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL',
    );
    await this.#db.run(
      'UPDATE dispatches SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL',
    );
  }

  // ---------------------------------------------------------------- fan-out groups

  async claimFanOuts(owner: string, limit: number, leaseMs: number, now: number): Promise<FanOutGroup[]> {
    const rows = await this.#db.all(
      `UPDATE fan_outs SET lease_owner = ?, lease_until = ?
       WHERE group_key IN (SELECT group_key FROM fan_outs WHERE state <> 'done' AND next_at <= ?
                     AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_at LIMIT ?${this.#skipLocked})
       RETURNING group_key, reported`,
      [owner, now + leaseMs, now, now, limit],
    );
    return rows.map((r) => ({ key: String(r.group_key), reported: strOrNull(r.reported) }));
  }

  async fanOutRows(key: string): Promise<DispatchRow[]> {
    return (await this.#db.all('SELECT * FROM dispatches WHERE fan_out_key = ?', [key]))
      .map(toDispatch)
      .sort((a, b) => (a.fanOut?.index ?? 0) - (b.fanOut?.index ?? 0));
  }

  async settleFanOut(
    key: string,
    owner: string,
    patch: { readonly reported?: string; readonly done?: boolean; readonly nextAt: number },
    keepLease = false,
  ): Promise<boolean> {
    const sets = ['next_at = ?'];
    const params: SqlValue[] = [patch.nextAt];
    if (patch.reported !== undefined) {
      sets.push('reported = ?');
      params.push(patch.reported);
    }
    if (patch.done) sets.push("state = 'done'");
    if (!keepLease) sets.push('lease_owner = NULL', 'lease_until = NULL');
    const changed = await this.#db.run(
      `UPDATE fan_outs SET ${sets.join(', ')} WHERE group_key = ? AND lease_owner = ?`,
      [...params, key, owner],
    );
    return changed === 1;
  }

  async touchFanOut(key: string, now: number): Promise<void> {
    await this.#db.run(
      "UPDATE fan_outs SET next_at = ? WHERE group_key = ? AND state <> 'done' AND next_at > ?",
      [now, key, now],
    );
  }

  async deferDispatch(id: string, owner: string, nextAt: number): Promise<void> {
    await this.#db.run(
      `UPDATE dispatches SET lease_owner = NULL, lease_until = NULL, next_at = ?,
         attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
       WHERE id = ? AND lease_owner = ?`,
      [nextAt, id, owner],
    );
  }

  enterSending(
    id: string,
    owner: string,
    key: string,
    limit: number,
    dispatchedAt: number,
  ): Promise<'sending' | 'wait' | 'lost'> {
    return this.#db.transaction(async (tx) => {
      // PostgreSQL: the group's row is locked first, so two replicas count one after the other
      // (each statement then sees what the other committed). SQLite: one writer at a time already.
      if (this.#db.dialect === 'postgres') {
        await tx.all('SELECT group_key FROM fan_outs WHERE group_key = ? FOR UPDATE', [key]);
      }
      const counted = await tx.all(
        "SELECT COUNT(*) AS n FROM dispatches WHERE fan_out_key = ? AND state = 'sending'",
        [key],
      );
      if (int(counted[0]?.n ?? 0, 'count') >= limit) return 'wait';
      const changed = await tx.run(
        "UPDATE dispatches SET state = 'sending', dispatched_at = ? WHERE id = ? AND state = 'new' AND lease_owner = ?",
        [dispatchedAt, id, owner],
      );
      return changed === 1 ? 'sending' : 'lost';
    });
  }

  async hasNewerEvent(subjectKey: string, id: string): Promise<boolean> {
    const rows = await this.#db.all('SELECT dispatch_id FROM subjects WHERE subject_key = ?', [subjectKey]);
    return rows[0] !== undefined && String(rows[0].dispatch_id) !== id;
  }

  async stopFanOut(key: string, by: string, now: number): Promise<number> {
    // Also brings forward a row marked before whose step then put its next look later.
    return this.#db.run(
      `UPDATE dispatches SET superseded_by = COALESCE(superseded_by, ?), next_at = ?
       WHERE fan_out_key = ? AND state IN ('new', 'sending', 'correlating', 'started', 'running')
         AND (superseded_by IS NULL OR (superseded_by = ? AND next_at > ?))`,
      [by, now, key, by, now],
    );
  }
}
