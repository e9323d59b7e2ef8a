// Signed deliveries of the wrong shape, against the running binary, on the embedded store and on
// PostgreSQL: each is answered 400 with a reason, nothing is stored or dispatched, and deliveries
// sent afterwards are dispatched normally. PR number 2^31 is valid and stored exactly. A stored row
// that cannot be read without loss (as an older version could leave one) is set aside with its
// reason and never holds up the others, also after a restart.
import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { signBody } from '../src/signature.js';
import { createPostgresStore } from '../src/store/postgres.js';
import { createSqliteStore } from '../src/store/sqlite.js';
import type { DispatchPlan } from '../src/store/types.js';
import {
  dropSchema,
  finalOf,
  newSha,
  PG_URL,
  pgReachable,
  type RouteSpec,
  registerHooks,
  runs,
  SECRET,
  type ServiceProcess,
  type Setup,
  type SimForge,
  startForge,
  startService,
  statuses,
  until,
  writeConfig,
} from './harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The PR event as GitHub sends it, as raw JSON text (so `1e400` and 2^53+2 arrive as written). */
const prText = (number: string, sha: string) =>
  `{"action":"opened","number":${number},"pull_request":{"number":${number},"head":{"sha":"${sha}","ref":"feature/h"},"base":{"ref":"main"},"title":"t","html_url":""},"repository":{"full_name":"acme/source"}}`;

async function send(service: ServiceProcess, body: string, id = randomUUID()) {
  const res = await fetch(`${service.url}/hooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': id,
      'x-hub-signature-256': `sha256=${signBody(SECRET, body)}`,
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.each(['sqlite', 'postgres'] as const)('on %s', (store) => {
  let forge: SimForge;
  let setup: Setup;
  let service: ServiceProcess;
  const schema = `xrd_hostile_${process.pid}`;
  const env: Record<string, string> =
    store === 'postgres' ? { DATABASE_URL: PG_URL, XRD_STORE_SCHEMA: schema } : {};
  const routes = (f: SimForge): RouteSpec[] => [
    { name: 'build', source: f, target: f, workflow: 'build-from-pr.yml' },
  ];

  /** Runs one query on the service's own store (read-only on SQLite, beside the running service). */
  async function query(sql: string): Promise<Record<string, unknown>[]> {
    if (store === 'sqlite') {
      const db = new DatabaseSync(setup.dbFile, { readOnly: true });
      try {
        return db.prepare(sql).all() as Record<string, unknown>[];
      } finally {
        db.close();
      }
    }
    const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }
  const stored = async () => Number((await query('SELECT COUNT(*) AS n FROM deliveries'))[0]?.n);
  const runsOf = async (sha: string) => (await runs(forge)).filter((r) => r.inputs?.pr_head_sha === sha);

  async function restart(): Promise<void> {
    service.child.kill('SIGTERM');
    await service.exited;
    service = await startService(setup.configFile, env);
    await registerHooks(service.url, routes(forge));
  }

  it('answers 400 with a reason to each hostile payload, stores and dispatches nothing, then goes on', async (ctx) => {
    if (store === 'postgres' && !(await pgReachable())) return ctx.skip();
    forge = await startForge('github', 'github', 20);
    setup = writeConfig([forge], routes(forge), {
      reconcile: { interval: '200ms', 'safety-interval': '1s', 'correlation-timeout': '5s' },
    });
    service = await startService(setup.configFile, env);
    cleanups.push(async () => {
      service.child.kill('SIGTERM');
      await service.exited;
      await forge.sim.close();
      setup.cleanup();
      if (store === 'postgres') await dropSchema(schema);
    });
    await registerHooks(service.url, routes(forge));
    const { expect } = ctx;

    const sha = newSha();
    const before = await stored();
    const hostile: Array<[string, string]> = [
      ['[]', 'the payload must be a JSON object, not an array'],
      ['null', 'the payload must be a JSON object, not null'],
      [
        '{"action":"opened","number":5,"repository":{"full_name":"acme/source"}}',
        'pull_request: `pull_request` must be an object',
      ],
      [prText('"5"', sha), 'pull_request: `number` must be a number, not a string'],
      [prText('-5', sha), 'pull_request: `number` must be a positive integer of at most 2^53-1, not -5'],
      [prText('1.5', sha), 'pull_request: `number` must be a positive integer of at most 2^53-1, not 1.5'],
      [
        prText('1e400', sha),
        'pull_request: `number` must be a positive integer of at most 2^53-1, not Infinity',
      ],
      [
        prText(String(2n ** 53n + 2n), sha),
        'pull_request: `number` must be a positive integer of at most 2^53-1, not 9007199254740994',
      ],
    ];
    for (const [body, reason] of hostile) {
      expect(await send(service, body), body).toEqual({ status: 400, body: { error: reason } });
    }
    expect(await stored()).toBe(before);

    // 2^31 is a PR number like any other: stored exactly, dispatched with it.
    const big = 2 ** 31;
    expect((await send(service, prText(String(big), sha))).body.status).toBe('accepted');
    await until('the final status', async () => finalOf(await statuses(forge, sha)).length > 0, 30_000);
    expect((await runsOf(sha)).map((r) => r.inputs?.pr_number)).toEqual([String(big)]);
    const rows = await query(`SELECT pr_number FROM dispatches WHERE head_sha = '${sha}'`);
    expect(rows.map((r) => String(r.pr_number))).toEqual([String(big)]);

    // Nothing of the hostile ones was dispatched; the next delivery goes through as usual.
    const next = newSha();
    expect((await send(service, prText('12', next))).body.status).toBe('accepted');
    await until('the next final status', async () => finalOf(await statuses(forge, next)).length > 0, 30_000);
    expect(await runsOf(next)).toHaveLength(1);
    expect((await runs(forge)).filter((r) => r.inputs?.pr_number === '5')).toEqual([]);
    expect(service.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('sets aside a stored row it cannot read, with its reason; the others go on, also after a restart', async (ctx) => {
    if (store === 'postgres' && !(await pgReachable())) return ctx.skip();
    if (!service) return ctx.skip();
    const { expect } = ctx;
    // An older version stored a dispatch for PR 2^53+2 (and, on SQLite, the claim batch holding it
    // then failed as a whole). It is written while the service is down, due at once.
    service.child.kill('SIGTERM');
    await service.exited;
    const raw =
      store === 'sqlite'
        ? createSqliteStore(setup.dbFile)
        : createPostgresStore(PG_URL, { schema, maxConnections: 1 });
    const poison: DispatchPlan = {
      id: randomUUID(),
      dedupeKey: `build|github|acme/source|pr:x|${'e'.repeat(40)}`,
      subjectKey: 'build|github|acme/source|pr:x',
      eventAt: Date.now(),
      route: 'build',
      supersede: true,
      cancelSuperseded: false,
      sourceForge: 'github',
      sourceRepo: 'acme/source',
      prNumber: 2 ** 53 + 2,
      headSha: 'e'.repeat(40),
      headRef: 'feature/p',
      targetForge: 'github',
      targetRepo: 'acme/target',
      workflow: 'build-from-pr.yml',
      eventType: null,
      targetRef: 'main',
      inputs: '{}',
      correlationId: 'xrd-eeeeeeeeeeeeeeee',
      correlationInput: 'correlation_id',
      correlation: 'run-name',
      reportContext: 'dispatch-target/build',
      reportStatus: true,
      reportComment: true,
    };
    await raw.insertDelivery({
      id: 'old:1',
      forge: 'github',
      event: 'pull_request',
      payload: '{}',
      receivedAt: 1,
    });
    await raw.claimDeliveries('old', 1, 60_000, Date.now());
    await raw.applySourceEvent('old:1', 'old', [poison], Date.now());
    await raw.close();

    service = await startService(setup.configFile, env);
    await registerHooks(service.url, routes(forge));
    const sha = newSha();
    expect((await send(service, prText('21', sha))).body.status).toBe('accepted');
    await until('the final status', async () => finalOf(await statuses(forge, sha)).length > 0, 30_000);
    const [row] = await query(`SELECT state, outcome, error FROM dispatches WHERE id = '${poison.id}'`);
    expect(row).toEqual({
      state: 'done',
      outcome: 'unprocessable',
      error: 'column pr_number holds 9007199254740994, not an integer of at most 2^53-1',
    });
    expect(service.logs.filter((l) => l.msg === 'stored row set aside: it cannot be processed')).toHaveLength(
      1,
    );
    expect((await runs(forge)).filter((r) => r.inputs?.correlation_id === poison.correlationId)).toEqual([]);

    // After a restart: the set-aside row stays aside, and work goes on.
    await restart();
    const after = newSha();
    expect((await send(service, prText('22', after))).body.status).toBe('accepted');
    await until(
      'the final status after the restart',
      async () => finalOf(await statuses(forge, after)).length > 0,
      30_000,
    );
    expect(service.logs.filter((l) => l.msg === 'stored row set aside: it cannot be processed')).toEqual([]);
    expect(service.logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});
