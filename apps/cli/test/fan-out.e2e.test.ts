// `xrd dispatch --target … --target …`: three targets, two on a GitHub simulator and one on a
// Gitea 1.26 simulator with its own token, one of them failing — one answer (exit code, a --json
// row per target, one status, one comment); with --fail-fast the failure cancels the others.
import type { Sim } from '@xrd/forge-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { control, json, Sims, xrd } from './harness.js';

const GITHUB_TOKEN = 'fan-out-github-token-0123456789';
const GITEA_TOKEN = 'fan-out-gitea-token-9876543210';
const env = { XRD_TOKEN: GITHUB_TOKEN, MIRROR_TOKEN: GITEA_TOKEN };

// Each test has its own two simulators, so they run side by side.
const all: Sims[] = [];
afterAll(() => Promise.all(all.map((sims) => sims.closeAll())));
async function simulators(): Promise<{ github: Sim; gitea: Sim }> {
  const sims = new Sims(20);
  all.push(sims);
  const [github, gitea] = await Promise.all([sims.get('github'), sims.get('gitea-1.26')]);
  return { github, gitea };
}

/** The three targets: build.yml and fail.yml of acme/target on GitHub, build.yml of the Gitea one. */
function args({ github, gitea }: { github: Sim; gitea: Sim }, sha: string, ...extra: string[]): string[] {
  return [
    'dispatch',
    ...['--forge', 'github', '--api-url', github.apiUrl],
    ...['--target', 'acme/target:build.yml'],
    ...['--target', 'acme/target:fail.yml'],
    ...['--target', `acme/target:build.yml,forge=gitea,api-url=${gitea.apiUrl},token-env=MIRROR_TOKEN`],
    ...['--interval', '1s', '--report-status', sha, '--report-comment', '1', '--source-repo', 'acme/source'],
    '--json',
    ...extra,
  ];
}

interface Row {
  name: string;
  forge: string;
  verdict: string;
  conclusion: string | null;
  runId?: number;
  failedJobs: { name: string; failedSteps: string[] }[];
  error?: { message: string };
}

async function runsOf(sim: Sim) {
  return (await control(sim, 'GET', 'runs')) as {
    id: number;
    conclusion: string | null;
    inputs: Record<string, string>;
  }[];
}

describe('xrd dispatch with three targets on GitHub and Gitea 1.26', () => {
  it.concurrent('answers once: exit 1 for the failing one, a row each, one status, one comment', async () => {
    const { github, gitea } = await simulators();
    const sha = 'a1'.repeat(20);
    const r = await xrd(args({ github, gitea }, sha), { env });
    expect(r.code).toBe(1);
    const doc = json(r);
    expect(doc).toMatchObject({ command: 'dispatch', ok: false, exitCode: 1, conclusion: 'failure' });
    const rows = doc.targets as Row[];
    expect(rows.map((row) => [row.name, row.forge, row.verdict, row.conclusion])).toEqual([
      ['acme/target build.yml #0', 'github', 'success', 'success'],
      ['acme/target fail.yml', 'github', 'failure', 'failure'],
      ['acme/target build.yml #2', 'gitea', 'success', 'success'],
    ]);
    expect(rows[1]!.failedJobs).toEqual([
      expect.objectContaining({ name: 'test', failedSteps: ['Run tests'] }),
    ]);
    // Each run is on its own forge, carrying the correlation id its row reports.
    expect((await runsOf(gitea)).map((run) => run.id)).toContain(rows[2]!.runId);
    expect((await runsOf(github)).map((run) => run.id)).toEqual(
      expect.arrayContaining([rows[0]!.runId, rows[1]!.runId]),
    );

    const statuses = (await control(github, 'GET', `repos/acme/source/statuses/${sha}`)) as {
      state: string;
      context: string;
    }[];
    expect(statuses.map((s) => [s.state, s.context])).toEqual([
      ['failure', 'xrd/targets'],
      ['pending', 'xrd/targets'],
    ]);
    const comments = (await control(github, 'GET', 'repos/acme/source/issues/1/comments')) as {
      body: string;
    }[];
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('**3 targets failure** — 2 success, 1 failure');
    for (const row of rows) expect(comments[0]!.body).toContain(`| ${row.name} | [run ${row.runId}`);
    // Neither token is printed anywhere.
    for (const token of [GITHUB_TOKEN, GITEA_TOKEN]) expect(r.stdout + r.stderr).not.toContain(token);
  });

  it.concurrent('with --fail-fast, the failure cancels the others', async () => {
    const { github, gitea } = await simulators();
    // build.yml would run for an hour on both forges; fail.yml fails in seconds.
    const hour = { runs: [{ durationMs: 3_600_000 }] };
    await control(github, 'POST', 'repos/acme/target/workflows/build.yml/script', hour);
    await control(gitea, 'POST', 'repos/acme/target/workflows/build.yml/script', hour);
    const started = Date.now();
    const r = await xrd(args({ github, gitea }, 'b2'.repeat(20), '--fail-fast'), { env });
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(r.code).toBe(1);
    const rows = json(r).targets as Row[];
    expect(rows.map((row) => row.verdict)).toEqual(['cancelled', 'failure', 'cancelled']);
    expect(rows[0]!.error?.message).toBe('Cancelled: another target failed (fail-fast).');
    expect((await runsOf(github)).find((run) => run.id === rows[0]!.runId)?.conclusion).toBe('cancelled');
    // Gitea has no API to cancel a run: the row says so.
    expect(rows[2]!.error?.message).toMatch(/could not be cancelled and goes on/);
  });
});

describe("a target's own expected-duration (Gitea 1.26, where every poll costs)", () => {
  it.concurrent('replaces the read of recent runs for that target only', async () => {
    const { gitea } = await simulators();
    const base = [
      'dispatch',
      '--forge',
      'gitea',
      '--api-url',
      gitea.apiUrl,
      '--interval',
      '1s',
      '--json',
      '-v',
    ];
    const learned = /No completed run of this workflow to learn from|Recent runs of this workflow took/;
    const told = await xrd([...base, '--target', 'acme/target:build.yml,expected-duration=3s'], {
      env: { XRD_TOKEN: GITEA_TOKEN },
    });
    expect(told.code).toBe(0);
    expect((json(told).targets as Row[]).map((row) => row.verdict)).toEqual(['success']);
    // Told how long its runs take, the durations of its workflow's recent runs are never read.
    expect(told.stderr).not.toMatch(learned);
    const untold = await xrd([...base, '--target', 'acme/target:build.yml'], {
      env: { XRD_TOKEN: GITEA_TOKEN },
    });
    expect(untold.code).toBe(0);
    expect(untold.stderr).toMatch(learned);
  });
});
