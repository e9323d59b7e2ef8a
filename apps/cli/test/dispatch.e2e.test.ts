// `xrd dispatch` end to end: the built binary against forge-sim over HTTP, every dialect, every
// outcome and its exit code.
import { type Dialect, type Sim, startSim } from '@xrd/forge-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { at, control, dispatchArgs, interruptWhen, json, resetStats, Sims, xrd } from './harness.js';

const sims = new Sims(20);
afterAll(() => sims.closeAll());

const TOKEN = { XRD_TOKEN: 'e2e-token-0123456789' };
const FAST = ['--interval', '1s'];

interface Case {
  readonly dialect: Dialect;
  readonly path: string;
  readonly correlation: string;
}

const CASES: readonly Case[] = [
  { dialect: 'github', path: 'run-details', correlation: 'run-id' },
  { dialect: 'ghes-3.19', path: 'none', correlation: 'run-name' },
  { dialect: 'gitea-1.25', path: 'none', correlation: 'run-name' },
  { dialect: 'gitea-1.26', path: 'run-details', correlation: 'run-id' },
  { dialect: 'forgejo', path: 'run-info', correlation: 'run-id' },
];

// These two groups run side by side (one test per dialect; each finds its run by id and its repository):
describe.concurrent.each(CASES)('xrd dispatch on $dialect', ({ dialect, path, correlation }) => {
  it(`dispatches, finds the run (${path} → ${correlation}), waits, exits 0 with one JSON document`, async () => {
    const sim = await sims.get(dialect);
    const r = await xrd(dispatchArgs(sim, 'build.yml', ...FAST, '--json'), { env: TOKEN });
    expect(r.stderr).not.toContain(TOKEN.XRD_TOKEN);
    expect(r.code).toBe(0);
    const doc = json(r);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      command: 'dispatch',
      ok: true,
      exitCode: 0,
      dispatch: { repo: 'acme/target', ref: 'main', workflow: 'build.yml', path },
      run: {
        repo: 'acme/target',
        status: 'completed',
        conclusion: 'success',
        correlationMethod: correlation,
      },
      failedJobs: [],
    });
    const run = doc.run as { id: number; htmlUrl: string; correlationId: string; title?: string };
    expect(run.htmlUrl).toContain(`/acme/target/actions/runs/`);
    expect(run.correlationId).toMatch(/^xrd-[0-9a-f]{16}$/);
    // The sim saw the dispatch carry the correlation id the CLI reports.
    const runs = (await control(sim, 'GET', 'runs')) as { id: number; inputs: Record<string, string> }[];
    expect(runs.find((x) => x.id === run.id)?.inputs.correlation_id).toBe(run.correlationId);
    expect((doc.apiCost as { requests: number }).requests).toBeGreaterThan(1);
  });
});

describe.concurrent.each(['github', 'gitea-1.25', 'forgejo'] as Dialect[])(
  'xrd dispatch without --ref on %s',
  (dialect) => {
    it("dispatches on the target's default branch (develop), said in a verbose line", async () => {
      const sim = await sims.get(dialect);
      await control(sim, 'POST', 'repos', { owner: 'acme', repo: 'legacy', defaultBranch: 'develop' });
      await control(sim, 'POST', 'repos/acme/legacy/workflows', {
        file: 'build.yml',
        name: 'build',
        on: { workflow_dispatch: { inputs: { correlation_id: { required: false } } } },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression.
        runName: 'Build ${{ inputs.correlation_id }} on ${{ github.ref_name }}',
        jobs: [{ name: 'build', steps: ['Compile'] }],
      });
      const r = await xrd(
        ['dispatch', ...at(sim), '--repo', 'acme/legacy', '--workflow', 'build.yml', ...FAST, '-v'],
        {
          env: TOKEN,
        },
      );
      expect(r.stderr).toContain('ref not given: using the default branch develop');
      expect(r.stderr).toMatch(/dispatched workflow build\.yml on acme\/legacy@develop /);
      expect(r.code).toBe(0);
      const runs = (await control(sim, 'GET', 'runs')) as {
        repo: string;
        headBranch: string;
        displayTitle: string;
      }[];
      const legacy = runs.filter((x) => x.repo === 'legacy');
      expect(legacy).toHaveLength(1);
      expect(legacy[0]).toMatchObject({
        headBranch: 'develop',
        displayTitle: expect.stringMatching(/ on develop$/),
      });
    });
  },
);

/** A repository_dispatch of type build with `--client-payload` and `--sha`. */
const eventWithSha = (sim: Sim, payload: string, sha: string, ...extra: string[]): string[] => [
  ...['dispatch', ...at(sim), '--repo', 'acme/target', '--event-type', 'build'],
  ...['--client-payload', payload, '--sha', sha, ...extra],
];

// The outcomes below change their simulators (scripts, a spent rate limit, refused tokens, stats), so
// they run one after the other, on simulators of their own, alongside the groups above and the
// searches after them.
const outcomeSims = new Sims(20);
afterAll(() => outcomeSims.closeAll());

describe.concurrent('xrd dispatch outcomes (github)', () => {
  const github = () => outcomeSims.get('github');

  it.sequential('prints progress lines on stderr and the result on stdout when not on a TTY', async () => {
    const sim = await github();
    const r = await xrd(dispatchArgs(sim, 'build.yml', ...FAST), {
      env: TOKEN,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^\[\d+\.\ds\] dispatched workflow build\.yml on acme\/target@main \(path run-details/m,
    );
    expect(r.stderr).toMatch(/status .*completed \(success\)/);
    expect(r.stderr).toMatch(/job build success/);
    expect(r.stderr).not.toContain('\x1b[');
    expect(r.stdout).toMatch(/^acme\/target run \d+ \(#\d+\) "Build xrd-[0-9a-f]{16}": success/);
    expect(r.stdout).toContain('job build: success');
  });

  it.sequential('exits 1 when the run fails, naming the failed job and step', async () => {
    const sim = await github();
    const r = await xrd(dispatchArgs(sim, 'fail.yml', ...FAST, '--json'), { env: TOKEN });
    expect(r.code).toBe(1);
    const doc = json(r);
    expect(doc).toMatchObject({ ok: false, exitCode: 1, run: { conclusion: 'failure' } });
    expect(doc.failedJobs).toEqual([
      expect.objectContaining({ name: 'test', conclusion: 'failure', failedSteps: ['Run tests'] }),
    ]);
    expect(r.stderr).toContain('concluded failure, which --fail-on counts as a failure');
  });

  it.sequential('exits 0 for a failed run when --fail-on does not list failure', async () => {
    const sim = await github();
    const r = await xrd(dispatchArgs(sim, 'fail.yml', ...FAST, '--fail-on', 'cancelled'), { env: TOKEN });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('failure');
  });

  it.sequential('with --no-wait returns right after the dispatch', async () => {
    const sim = await github();
    const r = await xrd(dispatchArgs(sim, 'build.yml', '--no-wait', '--json'), { env: TOKEN });
    expect(r.code).toBe(0);
    const doc = json(r);
    expect(doc).toMatchObject({ ok: true, dispatch: { path: 'run-details' } });
    expect(doc.run).toBeUndefined();
    expect((doc.dispatch as { runId: number }).runId).toBeGreaterThan(0);
  });

  it.sequential('closes the pending status with an error when --timeout passes', async () => {
    const sim = await github();
    await control(sim, 'POST', 'repos/acme/target/workflows/build.yml/script', {
      runs: [{ durationMs: 600_000 }],
    });
    const sha = 'b'.repeat(40);
    const r = await xrd(
      dispatchArgs(
        sim,
        'build.yml',
        ...FAST,
        '--timeout',
        '2s',
        '--cancel-on-timeout',
        '--report-status',
        sha,
        '--source-repo',
        'acme/source',
      ),
      { env: TOKEN },
    );
    expect(r.code).toBe(3);
    const statuses = (await control(sim, 'GET', `repos/acme/source/statuses/${sha}`)) as {
      state: string;
      description: string;
    }[];
    expect(statuses.map((st) => st.state)).toEqual(['error', 'pending']);
    expect(statuses[0]!.description).toBe('acme/target build: timed out after 2s; run cancelled');
  });

  it.sequential('exits 3 when --timeout passes, and --cancel-on-timeout cancels the run', async () => {
    const sim = await github();
    await control(sim, 'POST', 'repos/acme/target/workflows/build.yml/script', {
      runs: [{ durationMs: 600_000 }],
    });
    const r = await xrd(
      dispatchArgs(sim, 'build.yml', ...FAST, '--timeout', '2s', '--cancel-on-timeout', '--json'),
      { env: TOKEN },
    );
    expect(r.code).toBe(3);
    const doc = json(r);
    expect(doc).toMatchObject({ ok: false, exitCode: 3, error: { code: 'RUN_TIMEOUT' } });
    expect(r.stderr).toMatch(/^xrd: Run \d+ in acme\/target did not complete within 2s/m);
    const runId = (doc.dispatch as { runId: number }).runId;
    const runs = (await control(sim, 'GET', 'runs')) as { id: number; conclusion: string | null }[];
    expect(runs.find((x) => x.id === runId)?.conclusion).toBe('cancelled');
  });

  it.sequential('exits 4 when the workflow does not exist', async () => {
    const sim = await github();
    const r = await xrd(dispatchArgs(sim, 'missing.yml', '--json'), {
      env: TOKEN,
    });
    expect(r.code).toBe(4);
    expect(json(r)).toMatchObject({ exitCode: 4, error: { code: 'DISPATCH_REJECTED' } });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.sequential('exits 4 when the token is refused, and never prints it', async () => {
    const sim = await outcomeSims.get('ghes-3.19');
    await control(sim, 'POST', 'auth', { tokens: ['the-only-good-token'] });
    try {
      const bad = 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB';
      const r = await xrd(dispatchArgs(sim, 'build.yml', '--json'), {
        env: { GH_TOKEN: bad },
      });
      expect(r.code).toBe(4);
      expect(json(r)).toMatchObject({ error: { code: 'AUTH' } });
      expect(r.stdout + r.stderr).not.toContain(bad);
    } finally {
      await control(sim, 'POST', 'auth', { tokens: null });
    }
  });

  it.sequential('exits 6 when the forge keeps failing', async () => {
    const sim = await github();
    await control(sim, 'POST', 'rate-limit', { limit: 5000, remaining: 0, resetInSeconds: 3600 });
    try {
      const r = await xrd(dispatchArgs(sim, 'build.yml', '--json'), {
        env: TOKEN,
      });
      expect(r.code).toBe(6);
      expect(json(r)).toMatchObject({ exitCode: 6, error: { code: 'RATE_LIMITED' } });
    } finally {
      await control(sim, 'POST', 'rate-limit', { limit: 5000, remaining: 5000, resetInSeconds: 3600 });
    }
  });

  it.sequential('on SIGINT exits 130, cancelling the remote run with --cancel-on-interrupt', async () => {
    const sim = await github();
    await control(sim, 'POST', 'repos/acme/target/workflows/build.yml/script', {
      runs: [{ durationMs: 600_000 }],
    });
    const r = await xrd(dispatchArgs(sim, 'build.yml', '--cancel-on-interrupt', '--json'), {
      env: TOKEN,
      onSpawn: interruptWhen(/status /),
    });
    expect(r.code).toBe(130);
    const doc = json(r);
    expect(doc).toMatchObject({ exitCode: 130, error: { code: 'ABORTED' } });
    const runId = (doc.dispatch as { runId: number }).runId;
    const runs = (await control(sim, 'GET', 'runs')) as { id: number; conclusion: string | null }[];
    expect(runs.find((x) => x.id === runId)?.conclusion).toBe('cancelled');
    expect(r.stderr).toMatch(/cancelled run \d+ \(abort\)/);
  });

  it.sequential('on SIGINT without --cancel-on-interrupt leaves the remote run alone', async () => {
    const sim = await github();
    await control(sim, 'POST', 'repos/acme/target/workflows/build.yml/script', {
      runs: [{ durationMs: 600_000 }],
    });
    const r = await xrd(dispatchArgs(sim, 'build.yml', '--json'), {
      env: TOKEN,
      onSpawn: interruptWhen(/status /),
    });
    expect(r.code).toBe(130);
    const runId = (json(r).dispatch as { runId: number }).runId;
    const runs = (await control(sim, 'GET', 'runs')) as { id: number; status: string }[];
    expect(runs.find((x) => x.id === runId)?.status).not.toBe('completed');
    await control(sim, 'POST', `runs/${runId}/finish`, { conclusion: 'success' });
  });

  it.sequential('reports a pending then final commit status and a PR comment on the source', async () => {
    const sim: Sim = await github();
    await resetStats(sim);
    const sha = 'a'.repeat(40);
    const r = await xrd(
      dispatchArgs(
        sim,
        'build.yml',
        ...FAST,
        '--report-status',
        sha,
        '--report-comment',
        '1',
        '--source-repo',
        'acme/source',
        '--json',
      ),
      { env: TOKEN },
    );
    expect(r.code).toBe(0);
    const stats = (await control(sim, 'GET', 'stats')) as { byRoute: Record<string, { total: number }> };
    const routes = Object.keys(stats.byRoute);
    expect(routes.find((k) => k.startsWith('POST') && k.includes('/statuses/'))).toBeDefined();
    expect(
      stats.byRoute[routes.find((k) => k.startsWith('POST') && k.includes('/statuses/')) ?? '']?.total,
    ).toBe(2);
    expect(routes.some((k) => k.includes('/comments'))).toBe(true);
    // Each write is said on stderr and listed in the JSON document.
    expect(r.stderr).toMatch(
      /\] commit status "xrd\/acme\/target\/build" pending on acme\/source@aaaaaaaaaaaa → http:\/\/\S+\/actions\/runs\/\d+\n/,
    );
    expect(r.stderr).toMatch(
      /\] commit status "xrd\/acme\/target\/build" success on acme\/source@aaaaaaaaaaaa → /,
    );
    expect(r.stderr).toMatch(
      /\] comment (posted|updated) on acme\/source#1: http:\/\/\S+#issuecomment-\d+\n/,
    );
    const reports = json(r).reports as { kind: string; state?: string; context?: string; pr?: number }[];
    expect(reports.map((w) => [w.kind, w.state ?? w.pr])).toEqual([
      ['status', 'pending'],
      ['status', 'success'],
      ['comment', 1],
    ]);
    expect(reports[0]).toMatchObject({ repo: 'acme/source', sha, context: 'xrd/acme/target/build' });
  });

  it.sequential('--sha with a payload that would exceed 10 keys: one sentence naming --client-payload, nothing sent', async () => {
    const sim = await github();
    await resetStats(sim);
    const ten = JSON.stringify(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i])));
    const r = await xrd(eventWithSha(sim, ten, 'abc1234'), { env: TOKEN });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'xrd: `--client-payload` has 10 top-level keys and xrd adds "sha" to find the run, which makes 11, but GitHub accepts at most 10; nest 2 of your keys under one key.\n',
    );
    expect(((await control(sim, 'GET', 'stats')) as { requests: { total: number } }).requests.total).toBe(0);
  });
});

// Searches that wait for a run to show in a list (GitHub's listing delay, --sha's 10 s poll interval)
// or for a search to end: side by side, on simulators of their own that nothing here reconfigures
// but silent.yml, which only its own test dispatches. Each finds its run by its own correlation id.
const searchSims = new Sims(20);
afterAll(() => searchSims.closeAll());

describe.concurrent('xrd dispatch searches (github, ghes-3.19)', () => {
  it('finds a repository_dispatch run by its run-name', async () => {
    const sim = await searchSims.get('github');
    const r = await xrd(
      ['dispatch', ...at(sim), '--repo', 'acme/target', '--event-type', 'build', ...FAST, '--json'],
      { env: TOKEN },
    );
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({
      dispatch: { eventType: 'build', path: 'none' },
      run: { conclusion: 'success', correlationMethod: 'run-name', event: 'repository_dispatch' },
    });
  });

  it('with --no-wait still names the run when the server returns no id (found by correlation)', async () => {
    const sim = await searchSims.get('ghes-3.19');
    const r = await xrd(dispatchArgs(sim, 'build.yml', ...FAST, '--no-wait', '--json'), { env: TOKEN });
    expect(r.code).toBe(0);
    const doc = json(r);
    expect(doc.run).toBeUndefined();
    const dispatch = doc.dispatch as { path: string; runId: number; htmlUrl: string; correlationId: string };
    expect(dispatch.path).toBe('none');
    const runs = (await control(sim, 'GET', 'runs')) as { id: number; inputs: Record<string, string> }[];
    expect(runs.find((x) => x.id === dispatch.runId)?.inputs.correlation_id).toBe(dispatch.correlationId);
    expect(dispatch.htmlUrl).toContain(`/acme/target/actions/runs/${dispatch.runId}`);
  });

  it('exits 5 when the run cannot be correlated', async () => {
    // ghes-3.19 returns no run id; this workflow's runs never show the correlation id.
    const sim = await searchSims.get('ghes-3.19');
    await control(sim, 'POST', 'repos/acme/target/workflows', {
      file: 'silent.yml',
      on: { workflow_dispatch: { inputs: { correlation_id: { required: false } } } },
      jobs: [{ name: 'build', steps: ['Build'] }],
    });
    const r = await xrd(
      dispatchArgs(sim, 'silent.yml', '--correlation', 'run-name', ...FAST, '--timeout', '3s', '--json'),
      { env: TOKEN },
    );
    expect(r.code).toBe(5);
    expect(json(r)).toMatchObject({
      exitCode: 5,
      error: { code: 'RUN_NOT_FOUND' },
      dispatch: { path: 'none' },
    });
  });

  it('--sha: the cross-repo-dispatch correlation, its payload (sha alone) and its timing, said in one line', async () => {
    const sim = await searchSims.get('github');
    const commit = 'b'.repeat(40);
    const r = await xrd(eventWithSha(sim, '{"env":"staging"}', commit, '--json'), { env: TOKEN });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `cross-repo-dispatch mode (sha given): timeout 10m, poll interval 10s, the run is the one with a step named "${commit}"`,
    );
    const doc = json(r);
    expect(doc.run).toMatchObject({
      correlationId: commit,
      correlationMethod: 'step-name',
      conclusion: 'success',
    });
    const runs = (await control(sim, 'GET', 'runs')) as {
      id: number;
      workflow: string;
      clientPayload: Record<string, unknown> | null;
    }[];
    const run = runs.find((x) => x.id === (doc.run as { id: number }).id);
    // The step-marker workflow names a step after client_payload.sha; nothing but sha was added.
    expect(run?.workflow).toBe('step-marker.yml');
    expect(run?.clientPayload).toEqual({ env: 'staging', sha: commit });
  });
});

describe('xrd dispatch on Gitea', () => {
  it('warns, labelled and even with -q, about an input the workflow does not declare; JSON lists it', async () => {
    const sim = await sims.get('gitea-1.25');
    const r = await xrd(dispatchArgs(sim, 'build.yml', ...FAST, '--input', 'typo_input=1', '-q', '--json'), {
      env: TOKEN,
    });
    expect(r.code).toBe(0);
    const warning =
      '.gitea/workflows/build.yml on "main" does not declare the input "typo_input"; Gitea drops undeclared inputs silently, so declare it under on.workflow_dispatch.inputs.';
    expect(r.stderr).toBe(`warning: ${warning}\n`);
    expect((json(r).dispatch as { warnings: string[] }).warnings).toEqual([warning]);
  });

  it('names the run by its id and the number its page shows, and counts requests without a rate limit', async () => {
    const sim = await sims.get('gitea-1.25');
    const r = await xrd(dispatchArgs(sim, 'build.yml', ...FAST), { env: TOKEN });
    expect(r.code).toBe(0);
    const [head, url] = r.stdout.split('\n');
    const [, id, number] = /^acme\/target run (\d+) \(#(\d+)\) /.exec(head ?? '') ?? [];
    expect(Number(id)).toBeGreaterThan(Number(number));
    expect(url).toMatch(new RegExp(`/acme/target/actions/runs/${number}$`));
    expect(r.stdout).toMatch(/^ {2}api: \d+ requests$/m);
    expect(r.stdout).not.toContain('rate limit');
  });

  it('--expected-duration replaces the read of recent runs (one request fewer) and is said with -v', async () => {
    // A sim of its own: the route counters are the sim's, and other tests run beside this one.
    const sim = await startSim({ dialect: 'gitea-1.26', port: 0, timeScale: 20 });
    try {
      const historyReads = async (): Promise<number> => {
        const stats = (await control(sim, 'GET', 'stats')) as { byRoute: Record<string, { total: number }> };
        return stats.byRoute['GET /repos/{owner}/{repo}/actions/runs']?.total ?? 0;
      };
      // Gitea 1.26 returns the run id: the only run list read is the history's.
      const learned = await xrd(dispatchArgs(sim, 'build.yml', ...FAST, '--json'), { env: TOKEN });
      expect(learned.code).toBe(0);
      expect(await historyReads()).toBe(1);
      await resetStats(sim);
      const stated = await xrd(dispatchArgs(sim, 'build.yml', ...FAST, '--expected-duration', '3s', '-v'), {
        env: TOKEN,
      });
      expect(stated.code).toBe(0);
      expect(stated.stderr).toContain('expected duration 3s');
      expect(await historyReads()).toBe(0);
    } finally {
      await sim.close();
    }
  });
});
