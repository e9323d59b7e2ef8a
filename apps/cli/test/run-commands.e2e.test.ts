// `xrd wait|status|cancel|logs RUN` end to end, RUN given as an id with --repo, a web URL or an API URL.
import type { Sim } from '@xrd/forge-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, control, dispatchArgs, interruptWhen, json, Sims, xrd } from './harness.js';

const sims = new Sims(20);
afterAll(() => sims.closeAll());

const TOKEN = { XRD_TOKEN: 'e2e-token-0123456789' };

interface SimRun {
  id: number;
  workflow: string;
  status: string;
  conclusion: string | null;
}

/** Dispatches through the CLI itself (no wait) and returns the run id the server gave. */
async function startRun(sim: Sim, workflow: string, durationMs?: number): Promise<number> {
  if (durationMs !== undefined) {
    await control(sim, 'POST', `repos/acme/target/workflows/${workflow}/script`, { runs: [{ durationMs }] });
  }
  const r = await xrd(dispatchArgs(sim, workflow, '--no-wait', '--json'), {
    env: TOKEN,
  });
  expect(r.code).toBe(0);
  return (json(r).dispatch as { runId: number }).runId;
}

async function simRun(sim: Sim, id: number): Promise<SimRun | undefined> {
  return ((await control(sim, 'GET', 'runs')) as SimRun[]).find((r) => r.id === id);
}

describe('on GitHub (forge-sim github)', () => {
  let sim: Sim;
  let failedRun: number;
  beforeAll(async () => {
    sim = await sims.get('github');
    // A run that fails the way fail.yml does (lint passes, test fails), followed to its end.
    const r = await xrd(dispatchArgs(sim, 'fail.yml', '--interval', '1s', '--json'), { env: TOKEN });
    expect(r.code).toBe(1);
    failedRun = (json(r).run as { id: number }).id;
  });

  it('wait RUN-URL (API) follows a run to success and exits 0', async () => {
    const id = await startRun(sim, 'build.yml');
    const r = await xrd(
      ['wait', `${sim.apiUrl}/repos/acme/target/actions/runs/${id}`, '--interval', '1s', '--json'],
      {
        env: TOKEN,
      },
    );
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({
      command: 'wait',
      ok: true,
      run: { id, status: 'completed', conclusion: 'success' },
    });
  });

  it('wait RUN-URL (web page) needs --forge on a self-hosted host, then works', async () => {
    const id = await startRun(sim, 'build.yml');
    const url = `${sim.url}/acme/target/actions/runs/${id}`;
    const ambiguous = await xrd(['wait', url], { env: TOKEN });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatchInlineSnapshot(
      `
      "xrd: The run URL ${sim.url} could be GitHub Enterprise or Gitea/Forgejo; pass --forge github, gitea or forgejo.
      "
    `,
    );
    const r = await xrd(['wait', url, '--forge', 'github', '--api-url', sim.apiUrl, '--interval', '1s'], {
      env: TOKEN,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`acme/target run ${id}`);
  });

  it('wait exits 1 for a failed run, 3 on --timeout', async () => {
    const failed = await xrd(['wait', String(failedRun), ...at(sim), '--repo', 'acme/target', '--json'], {
      env: TOKEN,
    });
    expect(failed.code).toBe(1);
    expect(json(failed)).toMatchObject({ exitCode: 1, run: { conclusion: 'failure' } });

    const slow = await startRun(sim, 'build.yml', 600_000);
    const timedOut = await xrd(
      ['wait', String(slow), ...at(sim), '--repo', 'acme/target', '--timeout', '1s', '--interval', '1s'],
      { env: TOKEN },
    );
    expect(timedOut.code).toBe(3);
    expect((await simRun(sim, slow))?.status).not.toBe('completed');
    await control(sim, 'POST', `runs/${slow}/finish`, { conclusion: 'success' });
  });

  it('wait exits 5 for a run that does not exist', async () => {
    const r = await xrd(['wait', '424242', ...at(sim), '--repo', 'acme/target', '--json'], { env: TOKEN });
    expect(r.code).toBe(5);
    expect(json(r)).toMatchObject({ error: { code: 'RUN_NOT_FOUND' } });
  });

  it('wait with --cancel-on-interrupt cancels the run on SIGINT and exits 130', async () => {
    const id = await startRun(sim, 'build.yml', 600_000);
    const r = await xrd(['wait', String(id), ...at(sim), '--repo', 'acme/target', '--cancel-on-interrupt'], {
      env: TOKEN,
      onSpawn: interruptWhen(/status /),
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('xrd: interrupted.');
    expect((await simRun(sim, id))?.conclusion).toBe('cancelled');
  });

  it('status prints the run and its jobs, in JSON too', async () => {
    const human = await xrd(['status', String(failedRun), ...at(sim), '--repo', 'acme/target'], {
      env: TOKEN,
    });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`acme/target run ${failedRun}`);
    expect(human.stdout).toContain('failure');
    const r = await xrd(['status', `${sim.apiUrl}/repos/acme/target/actions/runs/${failedRun}`, '--json'], {
      env: TOKEN,
    });
    expect(r.code).toBe(0);
    const doc = json(r);
    expect(doc).toMatchObject({ command: 'status', ok: true, run: { id: failedRun, conclusion: 'failure' } });
    expect((doc.jobs as { name: string }[]).map((j) => j.name).sort()).toEqual(['lint', 'test']);
  });

  it('status exits 5 for an unknown run, in one line', async () => {
    const missing = await xrd(['status', '77', ...at(sim), '--repo', 'acme/target'], { env: TOKEN });
    expect(missing.code).toBe(5);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('cancel requests cancellation of a running run', async () => {
    const id = await startRun(sim, 'build.yml', 600_000);
    const r = await xrd(['cancel', String(id), ...at(sim), '--repo', 'acme/target', '--json'], {
      env: TOKEN,
    });
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ command: 'cancel', ok: true, cancelled: true });
    let run = await simRun(sim, id);
    for (let i = 0; i < 40 && run?.conclusion !== 'cancelled'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      run = await simRun(sim, id);
    }
    expect(run?.conclusion).toBe('cancelled');
  });

  it('logs prints every job log, --failed only the failed ones, --job one by name', async () => {
    const all = await xrd(['logs', String(failedRun), ...at(sim), '--repo', 'acme/target'], { env: TOKEN });
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('==> lint (success) <==');
    expect(all.stdout).toContain('==> test (failure) <==');
    expect(all.stdout).toContain('FAIL src/app.test.ts > adds');

    const failed = await xrd(
      ['logs', String(failedRun), ...at(sim), '--repo', 'acme/target', '--failed', '--json'],
      {
        env: TOKEN,
      },
    );
    expect(failed.code).toBe(0);
    const logs = json(failed).logs as { name: string; log: string }[];
    expect(logs.map((l) => l.name)).toEqual(['test']);
    expect(logs[0]?.log).toContain('Tests: 1 failed, 11 passed');

    const one = await xrd(['logs', String(failedRun), ...at(sim), '--repo', 'acme/target', '--job', 'lint'], {
      env: TOKEN,
    });
    expect(one.stdout).toContain('==> lint');
    expect(one.stdout).not.toContain('==> test');

    const none = await xrd(
      ['logs', String(failedRun), ...at(sim), '--repo', 'acme/target', '--job', 'deploy'],
      {
        env: TOKEN,
      },
    );
    expect(none.code).toBe(2);
    expect(none.stderr).toMatchInlineSnapshot(`
      "xrd: --job "deploy" names no job of run ${failedRun}; its jobs are: lint, test.
      "
    `);
  });
});

describe('on Gitea (forge-sim gitea-1.25)', () => {
  it('status and logs take a Gitea API URL with no other flag', async () => {
    const sim = await sims.get('gitea-1.25');
    const r = await xrd(dispatchArgs(sim, 'fail.yml', '--interval', '1s', '--json'), { env: TOKEN });
    expect(r.code).toBe(1);
    const id = (json(r).run as { id: number }).id;
    const url = `${sim.apiUrl}/repos/acme/target/actions/runs/${id}`;
    const status = await xrd(['status', url, '--json'], { env: { GITEA_TOKEN: 'gitea-token-1234' } });
    expect(status.code).toBe(0);
    expect(json(status)).toMatchObject({ run: { id, conclusion: 'failure' } });
    const logs = await xrd(['logs', url, '--failed'], { env: { GITEA_TOKEN: 'gitea-token-1234' } });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('==> test (failure) <==');

    // The web page names the run by its NUMBER (Gitea's run index), not its id.
    const run = json(r).run as { htmlUrl: string; runNumber: number };
    expect(run.htmlUrl).toBe(`${sim.url}/acme/target/actions/runs/${run.runNumber}`);
    expect(run.runNumber).not.toBe(id);
    const web = await xrd(['status', run.htmlUrl, '--forge', 'gitea', '--json'], {
      env: { GITEA_TOKEN: 'gitea-token-1234' },
    });
    expect(web.code).toBe(0);
    expect(json(web)).toMatchObject({ run: { id, runNumber: run.runNumber } });
    // A job page (…/jobs/N) is Gitea's shape, so no --forge is needed.
    const job = await xrd(['status', `${run.htmlUrl}/jobs/0`, '--json'], {
      env: { GITEA_TOKEN: 'gitea-token-1234' },
    });
    expect(job.code).toBe(0);
    expect(json(job)).toMatchObject({ run: { id } });
  });
});

describe('a server that accepts the connection and never answers', () => {
  it('is given up on after XRD_REQUEST_TIMEOUT per request (exit 6), not held for minutes', async () => {
    const { createServer } = await import('node:net');
    const sockets = new Set<import('node:net').Socket>();
    const server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const r = await xrd(['status', '--api-url', `http://127.0.0.1:${port}`, '--repo', 'acme/target', '5'], {
        env: { ...TOKEN, XRD_REQUEST_TIMEOUT: '300ms' },
      });
      expect(r.stderr).toMatchInlineSnapshot(`
        "xrd: Could not reach GitHub to read run 5 in acme/target (no complete answer within 300 ms); check the API URL and the network.
        "
      `);
      expect(r.code).toBe(6);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  }, 30_000);

  it('rejects a malformed XRD_REQUEST_TIMEOUT as an input error', async () => {
    const r = await xrd(['status', '--api-url', 'http://127.0.0.1:9', '--repo', 'acme/target', '5'], {
      env: { ...TOKEN, XRD_REQUEST_TIMEOUT: 'soon' },
    });
    expect(r.stderr).toMatchInlineSnapshot(`
      "xrd: $XRD_REQUEST_TIMEOUT must be a duration such as 30s or 2m, not "soon"; fix it or unset it.
      "
    `);
    expect(r.code).toBe(2);
  });
});
