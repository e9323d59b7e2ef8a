// One schema for both stores. The SQL is the common subset of SQLite ≥ 3.35 and PostgreSQL ≥ 12
// (UPSERT, RETURNING, partial indexes); BIGINT holds epoch milliseconds in both. A migration is
// appended, never edited, so a store created by an older version upgrades in order.

export interface Migration {
  readonly version: number;
  readonly statements: readonly string[];
  /** Statements only one dialect needs (run after the common ones). */
  readonly postgres?: readonly string[];
  readonly sqlite?: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE IF NOT EXISTS deliveries (
        id TEXT PRIMARY KEY,
        forge TEXT NOT NULL,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        next_at BIGINT NOT NULL,
        lease_owner TEXT,
        lease_until BIGINT,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        done_at BIGINT
      )`,
      `CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at) WHERE state = 'pending'`,
      `CREATE INDEX IF NOT EXISTS deliveries_done ON deliveries (done_at) WHERE state <> 'pending'`,
      `CREATE TABLE IF NOT EXISTS dispatches (
        id TEXT PRIMARY KEY,
        dedupe_key TEXT NOT NULL UNIQUE,
        subject_key TEXT NOT NULL,
        event_at BIGINT NOT NULL,
        route TEXT NOT NULL,
        supersede INTEGER NOT NULL,
        cancel_superseded INTEGER NOT NULL,
        source_forge TEXT NOT NULL,
        source_repo TEXT NOT NULL,
        pr_number INTEGER,
        head_sha TEXT NOT NULL,
        head_ref TEXT NOT NULL,
        target_forge TEXT NOT NULL,
        target_repo TEXT NOT NULL,
        workflow TEXT,
        event_type TEXT,
        target_ref TEXT NOT NULL,
        inputs TEXT NOT NULL,
        correlation_id TEXT NOT NULL UNIQUE,
        correlation_input TEXT NOT NULL,
        correlation TEXT NOT NULL,
        report_context TEXT NOT NULL,
        report_status INTEGER NOT NULL,
        report_comment INTEGER NOT NULL,
        state TEXT NOT NULL,
        run_id BIGINT,
        run_url TEXT,
        run_html_url TEXT,
        dispatch_path TEXT,
        dispatched_at BIGINT,
        run_conclusion TEXT,
        start_reported INTEGER NOT NULL DEFAULT 0,
        outcome TEXT,
        error TEXT,
        superseded_by TEXT,
        created_at BIGINT NOT NULL,
        completed_at BIGINT,
        next_at BIGINT NOT NULL,
        lease_owner TEXT,
        lease_until BIGINT,
        attempts INTEGER NOT NULL DEFAULT 0
      )`,
      `CREATE INDEX IF NOT EXISTS dispatches_due ON dispatches (next_at) WHERE state <> 'done'`,
      `CREATE INDEX IF NOT EXISTS dispatches_run ON dispatches (target_forge, target_repo, run_id)`,
      `CREATE INDEX IF NOT EXISTS dispatches_subject ON dispatches (subject_key) WHERE state <> 'done'`,
      // PR (or branch) → its latest dispatch: a late, older event must not supersede a newer one.
      `CREATE TABLE IF NOT EXISTS subjects (
        subject_key TEXT PRIMARY KEY,
        dispatch_id TEXT NOT NULL,
        event_at BIGINT NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    statements: [
      // How many times a final status POST was started: above zero on a retry, the statuses already
      // on the commit are read first, so a crash right after the POST does not post it twice.
      'ALTER TABLE dispatches ADD COLUMN status_posts INTEGER NOT NULL DEFAULT 0',
    ],
  },
  {
    version: 3,
    statements: [],
    // PR numbers are positive integers of up to 2^53-1 (intake refuses more); PostgreSQL's INTEGER
    // stops at 2^31-1 and refused PR 2147483648 after its delivery had been acknowledged. SQLite's
    // INTEGER is 64-bit already (https://www.sqlite.org/datatype3.html).
    postgres: ['ALTER TABLE dispatches ALTER COLUMN pr_number TYPE BIGINT'],
  },
  {
    version: 4,
    statements: [
      // A target of a fan-out route (several targets answered together): its group and the group's
      // settings (JSON, see FanOutSpec). Additive: a single-target row leaves them NULL.
      'ALTER TABLE dispatches ADD COLUMN fan_out TEXT',
      'ALTER TABLE dispatches ADD COLUMN fan_out_key TEXT',
      'CREATE INDEX IF NOT EXISTS dispatches_fan_out ON dispatches (fan_out_key) WHERE fan_out_key IS NOT NULL',
      // One row per group: its reporter's lease and what it last wrote (fan-out.ts).
      `CREATE TABLE IF NOT EXISTS fan_outs (
        group_key TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        reported TEXT,
        next_at BIGINT NOT NULL,
        lease_owner TEXT,
        lease_until BIGINT,
        created_at BIGINT NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS fan_outs_due ON fan_outs (next_at) WHERE state <> 'done'`,
    ],
  },
  {
    version: 5,
    statements: [
      // The PR comment each report key (forge, repository, PR, marker) last wrote: a later update
      // edits it by id instead of listing the PR's comments to find the marker
      // (report-comment.ts). Only a shortcut: without a row (a crash between posting and recording, a
      // pruned row) the marker finds the comment as before.
      `CREATE TABLE IF NOT EXISTS comments (
        comment_key TEXT PRIMARY KEY,
        comment_id BIGINT NOT NULL,
        written_at BIGINT NOT NULL
      )`,
      'CREATE INDEX IF NOT EXISTS comments_written ON comments (written_at)',
    ],
  },
  {
    version: 6,
    statements: [
      // The target forge's clock minus the service's when it answered the dispatch (its Date
      // header): the run is looked for on the forge's clock (core clock.ts). NULL: not known.
      'ALTER TABLE dispatches ADD COLUMN clock_offset_ms BIGINT',
    ],
  },
];
