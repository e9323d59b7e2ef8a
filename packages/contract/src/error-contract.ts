// The one error classification, asserted on every dialect: the same fault gets the same ErrorCode
// (and the same ambiguity) whichever forge answers it (issue 13). The faults are real answers of
// forge-sim — a missing repository, a refused token, a spent rate limit, a server that answers 502
// forever — or real network failures on 127.0.0.1: a closed port, TLS spoken to a plain-HTTP
// server, a server that never answers.
import { dispatchAndWait, type ErrorCode, type Forge, type XrdError } from '@xrd/core';
import { type Dialect, type Sim, startSim, unusedPort } from '@xrd/forge-sim';
import { describe, expect, it } from 'vitest';
import { control } from './contract.js';

export interface ErrorContractForge {
  readonly apiUrl: string;
  readonly token?: string;
  readonly requestTimeoutMs?: number;
}

export interface ErrorContractOptions {
  readonly dialect: string;
  /** Builds the adapter under test with the given API URL, token and request deadline. */
  readonly createForge: (settings: ErrorContractForge) => Forge;
  /** forge-sim's clock speed, to which the adapter's backoff is already scaled. */
  readonly timeScale: number;
}

const TARGET = { owner: 'acme', repo: 'target' };
const TOKEN = 'contract-token-0000000000000000000000';

async function failure(promise: Promise<unknown>): Promise<XrdError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as XrdError,
  );
}

interface Case {
  readonly name: string;
  readonly code: ErrorCode;
  /** The failure may have been applied by the server (only writes can be). */
  readonly ambiguous?: boolean;
  readonly status?: number;
  readonly run: (
    sim: Sim,
    forge: Forge,
    make: (settings?: Partial<ErrorContractForge>) => Forge,
  ) => Promise<unknown>;
}

const dispatchTo = (forge: Forge, over: Record<string, unknown> = {}) =>
  forge.dispatch({ repo: TARGET, ref: 'main', workflow: 'build.yml', inputs: {}, ...over });

/** A read every dialect has (Gitea 1.24 answers it from /actions/tasks). */
const aRead = (forge: Forge) => forge.listRuns(TARGET, { perPage: 5 });

const READS = '/actions/';
const DISPATCHES = '/dispatches';

const CASES: readonly Case[] = [
  {
    name: 'missing repository (dispatch)',
    code: 'DISPATCH_REJECTED',
    status: 404,
    run: (_sim, forge) => dispatchTo(forge, { repo: { owner: 'acme', repo: 'nope' } }),
  },
  {
    name: 'missing repository (default branch, when no ref is given)',
    code: 'DISPATCH_REJECTED',
    status: 404,
    run: (_sim, forge) => forge.getDefaultBranch({ owner: 'acme', repo: 'nope' }),
  },
  {
    name: 'missing workflow',
    code: 'DISPATCH_REJECTED',
    run: (_sim, forge) => dispatchTo(forge, { workflow: 'nope.yml' }),
  },
  {
    name: 'missing ref',
    code: 'DISPATCH_REJECTED',
    run: (_sim, forge) => dispatchTo(forge, { ref: 'no-such-branch' }),
  },
  {
    name: 'a token the server does not accept (401)',
    code: 'AUTH',
    status: 401,
    run: async (sim, _forge, make) => {
      await control(sim, 'POST', '/_sim/auth', { tokens: ['another-token-0000000000'] });
      return aRead(make({ token: TOKEN }));
    },
  },
  {
    name: 'a token without write access (403 without scope) on the dispatch',
    code: 'AUTH',
    status: 403,
    run: async (sim, forge) => {
      await control(sim, 'POST', '/_sim/auth', { readOnly: [TOKEN] });
      return dispatchTo(forge);
    },
  },
  ...(['403', '429'] as const).map(
    (status): Case => ({
      name: `primary rate limit (${status}), reset beyond the longest wait`,
      code: 'RATE_LIMITED',
      status: Number(status),
      run: async (sim, forge) => {
        await control(sim, 'POST', '/_sim/faults', {
          kind: 'rate-limit',
          count: 10,
          path: READS,
          status: Number(status),
          delayMs: 3_600_000,
        });
        return aRead(forge);
      },
    }),
  ),
  ...(['403', '429'] as const).map(
    (status): Case => ({
      name: `secondary rate limit (${status}) on the dispatch`,
      code: 'RATE_LIMITED',
      status: Number(status),
      ambiguous: false,
      run: async (sim, forge) => {
        await control(sim, 'POST', '/_sim/faults', {
          kind: 'secondary-limit',
          count: 10,
          path: DISPATCHES,
          status: Number(status),
        });
        return dispatchTo(forge);
      },
    }),
  ),
  {
    name: 'persistent 5xx on a read',
    code: 'FORGE_HTTP',
    status: 502,
    ambiguous: false,
    run: async (sim, forge) => {
      await control(sim, 'POST', '/_sim/faults', { kind: '5xx', count: 100, path: READS, status: 502 });
      return aRead(forge);
    },
  },
  {
    name: '5xx on the dispatch (it may have been applied)',
    code: 'FORGE_HTTP',
    status: 502,
    ambiguous: true,
    run: async (sim, forge) => {
      await control(sim, 'POST', '/_sim/faults', { kind: '5xx', count: 1, path: DISPATCHES, status: 502 });
      return dispatchTo(forge);
    },
  },
  {
    name: 'connection refused (certainly not sent)',
    code: 'FORGE_HTTP',
    ambiguous: false,
    run: async (sim, _forge, make) => {
      const port = await unusedPort();
      return dispatchTo(make({ apiUrl: sim.apiUrl.replace(/:\d+/, `:${port}`) }));
    },
  },
  {
    name: 'TLS failure (https to a plain-HTTP server: certainly not sent)',
    code: 'FORGE_HTTP',
    ambiguous: false,
    run: (sim, _forge, make) => dispatchTo(make({ apiUrl: sim.apiUrl.replace(/^http:/, 'https:') })),
  },
  {
    name: 'request timeout on the dispatch (it may have been received)',
    code: 'FORGE_HTTP',
    ambiguous: true,
    run: async (sim, _forge, make) => {
      const forge = make({ requestTimeoutMs: 300 });
      await forge.capabilities();
      await control(sim, 'POST', '/_sim/faults', {
        kind: 'slow',
        count: 1,
        path: DISPATCHES,
        delayMs: 1_500,
      });
      return dispatchTo(forge);
    },
  },
  {
    name: 'lost dispatch answer',
    code: 'FORGE_HTTP',
    ambiguous: true,
    run: async (sim, forge) => {
      await control(sim, 'POST', '/_sim/faults', { kind: 'lose-dispatch-answer', count: 1 });
      return dispatchTo(forge);
    },
  },
];

export function describeErrorContract(options: ErrorContractOptions): void {
  const dialect = options.dialect as Dialect;

  async function withSim<T>(
    fn: (sim: Sim, make: (settings?: Partial<ErrorContractForge>) => Forge) => Promise<T>,
  ) {
    const sim = await startSim({ dialect, timeScale: options.timeScale });
    try {
      return await fn(sim, (settings = {}) =>
        options.createForge({ apiUrl: sim.apiUrl, token: TOKEN, ...settings }),
      );
    } finally {
      await sim.close();
    }
  }

  describe(`one error classification on forge-sim (${options.dialect})`, () => {
    it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      await withSim(async (sim, make) => {
        const error = await failure(c.run(sim, make(), make));
        expect({
          code: error.code,
          ...(c.ambiguous !== undefined ? { ambiguous: error.ambiguous } : {}),
        }).toEqual({
          code: c.code,
          ...(c.ambiguous !== undefined ? { ambiguous: c.ambiguous } : {}),
        });
        if (c.status !== undefined) expect(error.status).toBe(c.status);
        // One sentence, no stack, no token.
        expect(error.message).not.toContain(TOKEN);
        expect(error.message).not.toMatch(/\n\s+at /);
      });
    });

    it('one read against a server that answers 502 forever sends 4 requests, then FORGE_HTTP naming 502', async () => {
      await withSim(async (sim, make) => {
        const forge = make();
        await forge.capabilities();
        await control(sim, 'POST', '/_sim/stats/reset');
        await control(sim, 'POST', '/_sim/faults', { kind: '5xx', count: 1_000, path: READS, status: 502 });
        const error = await failure(aRead(forge));
        expect(error).toMatchObject({ code: 'FORGE_HTTP', status: 502 });
        expect(error.message).toContain('502');
        const stats = (await control(sim, 'GET', '/_sim/stats')) as { requests: { total: number } };
        expect(stats.requests.total).toBe(4);
      });
    });

    it('dispatch-and-wait against 5xx on every GET ends with FORGE_HTTP naming 502, not a timeout', async () => {
      await withSim(async (sim, make) => {
        const forge = make();
        await control(sim, 'POST', '/_sim/faults', {
          kind: '5xx',
          count: 10_000,
          method: 'GET',
          status: 502,
        });
        const scale = options.timeScale;
        const t0 = Date.now();
        const error = await failure(
          dispatchAndWait(
            forge,
            { repo: TARGET, ref: 'main', workflow: 'build.yml' },
            {
              now: () => t0 + (Date.now() - t0) * scale,
              sleep: (ms, signal) =>
                new Promise((resolve, reject) => {
                  const timer = setTimeout(resolve, ms / scale);
                  signal?.addEventListener('abort', () => {
                    clearTimeout(timer);
                    reject(signal.reason);
                  });
                }),
              timeoutMs: 600_000,
            },
          ),
        );
        expect(error.code).toBe('FORGE_HTTP');
        expect(error.message).toContain('502');
      });
    });
  });
}
