// The same fault, the same exit code, on every dialect (issue 13): the built `xrd dispatch` against
// forge-sim answering a missing repository, workflow or ref, a refused token, a spent rate limit, a
// server that answers 502 forever — and against real network failures on 127.0.0.1 (a closed port,
// TLS spoken to a plain-HTTP server, a server slower than XRD_REQUEST_TIMEOUT).
import type { Dialect, Sim } from '@xrd/forge-sim';
import { startSim, unusedPort } from '@xrd/forge-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { control, json, xrd } from './harness.js';

const TOKEN = 'e2e-token-0123456789';
const DIALECTS: readonly Dialect[] = [
  'github',
  'ghes-3.19',
  'gitea-1.24',
  'gitea-1.25',
  'gitea-1.26',
  'forgejo',
];
const opened: Sim[] = [];
afterAll(() => Promise.all(opened.map((sim) => sim.close())));

async function freshSim(dialect: Dialect): Promise<Sim> {
  const sim = await startSim({ dialect, port: 0, timeScale: 20 });
  opened.push(sim);
  return sim;
}

const forgeOf = (dialect: Dialect) =>
  dialect === 'forgejo' ? 'forgejo' : dialect.startsWith('gitea') ? 'gitea' : 'github';

interface Case {
  readonly name: string;
  readonly exit: number;
  readonly code: string;
  /** Prepares the simulator; returns extra flags and environment. */
  readonly setup?: (sim: Sim) => Promise<{ flags?: string[]; env?: Record<string, string>; apiUrl?: string }>;
  readonly flags?: readonly string[];
}

const CASES: readonly Case[] = [
  {
    name: 'missing repository',
    exit: 4,
    code: 'DISPATCH_REJECTED',
    flags: ['--repo', 'acme/nope', '--ref', 'main'],
  },
  {
    name: 'missing repository, no --ref (default branch read)',
    exit: 4,
    code: 'DISPATCH_REJECTED',
    flags: ['--repo', 'acme/nope'],
  },
  { name: 'missing workflow', exit: 4, code: 'DISPATCH_REJECTED', flags: ['--workflow', 'nope.yml'] },
  { name: 'missing ref', exit: 4, code: 'DISPATCH_REJECTED', flags: ['--ref', 'no-such-branch'] },
  {
    name: 'a token the server refuses (401)',
    exit: 4,
    code: 'AUTH',
    setup: async (sim) => {
      await control(sim, 'POST', 'auth', { tokens: ['some-other-token-000000'] });
      return {};
    },
  },
  {
    name: 'a token without write access (403 without scope)',
    exit: 4,
    code: 'AUTH',
    setup: async (sim) => {
      await control(sim, 'POST', 'auth', { readOnly: [TOKEN] });
      return {};
    },
  },
  {
    name: 'primary rate limit (403), reset in an hour',
    exit: 6,
    code: 'RATE_LIMITED',
    setup: async (sim) => {
      await control(sim, 'POST', 'faults', {
        kind: 'rate-limit',
        count: 100,
        status: 403,
        delayMs: 3_600_000,
      });
      return {};
    },
  },
  {
    name: 'secondary rate limit (429) on the dispatch',
    exit: 6,
    code: 'RATE_LIMITED',
    setup: async (sim) => {
      await control(sim, 'POST', 'faults', {
        kind: 'secondary-limit',
        count: 100,
        path: '/dispatches',
        status: 429,
      });
      return {};
    },
  },
  {
    name: 'persistent 502 on every read',
    exit: 6,
    code: 'FORGE_HTTP',
    setup: async (sim) => {
      await control(sim, 'POST', 'faults', { kind: '5xx', count: 10_000, method: 'GET', status: 502 });
      return {};
    },
  },
  {
    name: 'connection refused',
    exit: 6,
    code: 'FORGE_HTTP',
    setup: async (sim) => ({ apiUrl: sim.apiUrl.replace(/:\d+/, `:${await unusedPort()}`) }),
  },
  {
    name: 'TLS failure',
    exit: 6,
    code: 'FORGE_HTTP',
    setup: async (sim) => ({ apiUrl: sim.apiUrl.replace(/^http:/, 'https:') }),
  },
  {
    // On reads, so every dialect meets it on the same kind of request (a Gitea's first request is
    // the version read; a dispatch that times out is ambiguous, and its run is then looked for).
    name: 'request timeout on the reads',
    exit: 6,
    code: 'FORGE_HTTP',
    setup: async (sim) => {
      // Only the reads are slow; 600 ms leaves the dispatch's POST room on a loaded machine (a POST
      // answered after the timeout counts as "maybe sent" and turns the case into a search).
      await control(sim, 'POST', 'faults', { kind: 'slow', count: 100, method: 'GET', delayMs: 3_000 });
      return { env: { XRD_REQUEST_TIMEOUT: '600ms' } };
    },
  },
];

describe.concurrent.each(DIALECTS)('xrd dispatch on %s: one fault, one exit code', (dialect) => {
  it.each(CASES.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      const sim = await freshSim(dialect);
      const extra = (await c.setup?.(sim)) ?? {};
      const flags = ['--repo', 'acme/target', '--workflow', 'build.yml', '--ref', 'main', ...(c.flags ?? [])];
      const r = await xrd(
        [
          'dispatch',
          '--forge',
          forgeOf(dialect),
          '--api-url',
          extra.apiUrl ?? sim.apiUrl,
          ...flags,
          '--json',
        ],
        { env: { XRD_TOKEN: TOKEN, ...extra.env } },
      );
      expect({ exit: r.code, code: (json(r).error as { code?: string } | undefined)?.code }).toEqual({
        exit: c.exit,
        code: c.code,
      });
      expect(r.stdout + r.stderr).not.toContain(TOKEN);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
    40_000,
  );

  it('lost dispatch answer: found by its correlation id, one run, exit 0', async () => {
    const sim = await freshSim(dialect);
    await control(sim, 'POST', 'faults', { kind: 'lose-dispatch-answer', count: 1 });
    const r = await xrd(
      [
        'dispatch',
        '--forge',
        forgeOf(dialect),
        '--api-url',
        sim.apiUrl,
        '--repo',
        'acme/target',
        '--workflow',
        'build.yml',
        '--ref',
        'main',
        '--interval',
        '1s',
        '--json',
      ],
      { env: { XRD_TOKEN: TOKEN } },
    );
    expect(r.code).toBe(0);
    const runs = (await control(sim, 'GET', 'runs')) as unknown[];
    expect(runs).toHaveLength(1);
  }, 40_000);
});

describe('a Gitea server given as GitHub', () => {
  it('names the URL it asked and says to give the forge as gitea (exit 4)', async () => {
    const sim = await freshSim('gitea-1.25');
    const args = ['dispatch', '--forge', 'github', '--server', sim.url, '--repo', 'acme/target'];
    const r = await xrd([...args, '--workflow', 'build.yml'], { env: { XRD_TOKEN: TOKEN } });
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${sim.url}/api/v3 answered 404`);
    expect(r.stderr).toContain(
      `${sim.url}/api/v3 does not answer like GitHub (no X-GitHub-Request-Id header): if it is a Gitea or Forgejo server, give the forge as gitea or forgejo instead of github.`,
    );
  });
});
