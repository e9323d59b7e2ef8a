// How the built `xrd` ends when it is stopped or when a dispatch's fate stays unknown, against
// forge-sim: SIGTERM (how Jenkins, GitLab and Buildkite cancel a job) behaves like Ctrl-C — the
// remote run is cancelled with --cancel-on-interrupt, the commit status is closed with an error,
// and the exit code is 143 (SIGINT: 130). A dispatch whose answer was lost while every run search
// failed is not sent again, and the message says the run may exist and names its correlation id.
import type { Sim } from '@xrd/forge-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { control, dispatchArgs, json, resetStats, Sims, xrd } from './harness.js';

const sims = new Sims(20);
afterAll(() => sims.closeAll());

const TOKEN = { XRD_TOKEN: 'e2e-token-0123456789' };
const FAST = ['--interval', '1s'];

interface SimStatus {
  readonly state: string;
  readonly description: string;
}

/** Sends `signal` to the child once it is waiting for the run (its status line is out). */
const stopWhenWaiting =
  (signal: NodeJS.Signals) =>
  (child: import('node:child_process').ChildProcess, out: { stderr: () => string }) => {
    const timer = setInterval(() => {
      if (/status /.test(out.stderr())) {
        clearInterval(timer);
        child.kill(signal);
      }
    }, 50);
    child.on('close', () => clearInterval(timer));
  };

async function longRun(sim: Sim): Promise<void> {
  await control(sim, 'POST', 'repos/acme/target/workflows/build.yml/script', {
    runs: [{ durationMs: 600_000 }],
  });
}

const runById = async (sim: Sim, id: number) =>
  ((await control(sim, 'GET', 'runs')) as { id: number; status: string; conclusion: string | null }[]).find(
    (r) => r.id === id,
  );

describe.each([
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const)('xrd dispatch stopped by %s', (signal, exitCode) => {
  it(`with --cancel-on-interrupt and --report-status: cancels the run, closes the status, exits ${exitCode}`, async () => {
    const sim = await sims.get('github');
    await longRun(sim);
    const sha = (signal === 'SIGTERM' ? 'c' : 'd').repeat(40);
    const r = await xrd(
      dispatchArgs(
        sim,
        'build.yml',
        ...FAST,
        '--cancel-on-interrupt',
        '--report-status',
        sha,
        '--source-repo',
        'acme/source',
        '--json',
      ),
      { env: TOKEN, onSpawn: stopWhenWaiting(signal) },
    );
    expect(r.signal).toBeNull();
    expect(r.code).toBe(exitCode);
    const doc = json(r);
    expect(doc).toMatchObject({ ok: false, exitCode, error: { code: 'ABORTED' } });
    const runId = (doc.dispatch as { runId: number }).runId;
    expect((await runById(sim, runId))?.conclusion).toBe('cancelled');
    const statuses = (await control(sim, 'GET', `repos/acme/source/statuses/${sha}`)) as SimStatus[];
    expect(statuses.map((s) => s.state)).toEqual(['error', 'pending']);
    expect(statuses[0]?.description).toBe('acme/target build: interrupted; run cancelled');
  });
});

describe('xrd dispatch stopped by SIGTERM without --cancel-on-interrupt', () => {
  it('leaves the remote run alone, still closes the status, exits 143', async () => {
    const sim = await sims.get('github');
    await longRun(sim);
    const sha = 'e'.repeat(40);
    const r = await xrd(
      dispatchArgs(
        sim,
        'build.yml',
        ...FAST,
        '--report-status',
        sha,
        '--source-repo',
        'acme/source',
        '--json',
      ),
      { env: TOKEN, onSpawn: stopWhenWaiting('SIGTERM') },
    );
    expect(r.code).toBe(143);
    const runId = (json(r).dispatch as { runId: number }).runId;
    expect((await runById(sim, runId))?.status).not.toBe('completed');
    const statuses = (await control(sim, 'GET', `repos/acme/source/statuses/${sha}`)) as SimStatus[];
    expect(statuses.map((s) => s.state)).toEqual(['error', 'pending']);
    expect(statuses[0]?.description).toMatch(/^acme\/target build: interrupted/);
    await control(sim, 'POST', `runs/${runId}/finish`, { conclusion: 'success' });
  });
});

describe('xrd dispatch after a lost answer while every run search fails', () => {
  it('sends once, exits 5, and says the run may exist and how to find it', async () => {
    // Gitea 1.25 answers a dispatch with 204 and no run id: only a search could find the run.
    const sim = await sims.get('gitea-1.25');
    await resetStats(sim);
    await control(sim, 'POST', 'faults', {
      kind: 'lose-dispatch-answer',
      method: 'POST',
      path: '/dispatches$',
    });
    await control(sim, 'POST', 'faults', {
      kind: '5xx',
      method: 'GET',
      path: '/actions/(workflows/[^/]+/)?runs$',
      status: 503,
      count: 1000,
    });
    try {
      const id = 'xrd-5ea5c4a11fa11ed0';
      const r = await xrd(
        dispatchArgs(sim, 'build.yml', ...FAST, '--timeout', '2s', '--correlation-id', id, '--json'),
        { env: TOKEN, timeoutMs: 60_000 },
      );
      expect(r.code).toBe(5);
      const doc = json(r);
      expect(doc).toMatchObject({ exitCode: 5, error: { code: 'RUN_NOT_FOUND' } });
      const message = (doc.error as { message: string }).message;
      expect(message).toMatch(/^The answer to the dispatch was lost and the search for its run failed \(/);
      expect(message).toContain(
        `so it was not sent again: the run may exist — look in acme/target for a run of build.yml on main carrying correlation id ${id}`,
      );
      expect(r.stderr).toContain(`correlation id ${id}`);
      expect(r.stderr).not.toMatch(/try again/i);
      const stats = (await control(sim, 'GET', 'stats')) as { byRoute: Record<string, { total: number }> };
      const posts = Object.entries(stats.byRoute)
        .filter(([route]) => /^POST .*\/dispatches$/.test(route))
        .reduce((sum, [, v]) => sum + v.total, 0);
      expect(posts).toBe(1);
      // The run it started exists: the message was right not to invite a second dispatch.
      const runs = (await control(sim, 'GET', 'runs')) as { inputs: Record<string, string> | null }[];
      expect(runs.filter((run) => run.inputs?.correlation_id === id)).toHaveLength(1);
    } finally {
      await control(sim, 'DELETE', 'faults');
    }
  });
});
