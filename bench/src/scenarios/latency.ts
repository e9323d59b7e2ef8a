// Detection latency through a webhook: from the run's completion (forge-sim's own schedule) to the
// `workflow_run` `completed` delivery, in real time (timeScale 1). Polling latency, xrd's and its
// peers', is measured on the same runs by the "versus peers" section (scenarios/peers.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DispatchReceipt } from '@xrd/core';
import { engine, forgeFor, realSleep } from '../engine.ts';
import { completionInstant, correlationId, OWNER, REF, REPO, setUpTarget, WF_RUN_NAME } from '../fixtures.ts';
import type { RowBody, Section } from '../harness.ts';
import { type Sim, type SimRun, withSim } from '../sim.ts';
import { fmtMs, median, percentile } from '../stats.ts';

const RUN_MS = 60_000;
const SAMPLES = 20;
const STAGGER_MS = 150;

function completionOf(run: SimRun | undefined): number {
  if (!run?.createdAt) throw new Error('the sim does not report the run');
  // Prefer what the sim says, should it report it; else its schedule, to the millisecond.
  if (run.completedAt) return Date.parse(run.completedAt);
  return completionInstant(Date.parse(run.createdAt), RUN_MS, 1);
}

/** The completion instant of each run the sim knows, by run id (see completionOf). */
async function completions(sim: Sim): Promise<(runId: number | undefined) => number> {
  const runs = new Map((await sim.runs()).map((run) => [run.id, run]));
  return (runId) => completionOf(runId === undefined ? undefined : runs.get(runId));
}

async function webhook(signal: AbortSignal): Promise<RowBody> {
  const { dispatch } = await engine();
  const arrivals = new Map<number, number>();
  const waiters = new Map<number, () => void>();
  let deliveries = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = Date.now();
      res.writeHead(202).end();
      deliveries += 1;
      try {
        const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          action?: string;
          workflow_run?: { id?: number; status?: string };
        };
        const id = payload.workflow_run?.id;
        if (payload.action === 'completed' && typeof id === 'number' && !arrivals.has(id)) {
          arrivals.set(id, at);
          waiters.get(id)?.();
        }
      } catch {
        // not JSON: not ours to judge here
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    return await withSim('github', 1, async (sim) => {
      await setUpTarget(sim, RUN_MS);
      await sim.control('POST', '/hooks', {
        owner: OWNER,
        repo: REPO,
        url,
        secret: 'bench-secret',
        events: ['workflow_run'],
      });
      const forge = await forgeFor(sim);
      const receipts: DispatchReceipt[] = await Promise.all(
        Array.from({ length: SAMPLES }, async (_, index) => {
          await realSleep(index * STAGGER_MS, signal);
          return dispatch(
            forge,
            {
              repo: { owner: OWNER, repo: REPO },
              ref: REF,
              workflow: WF_RUN_NAME,
              correlationId: correlationId('hook'),
            },
            { signal },
          );
        }),
      );
      const limit = Date.now() + completionInstant(0, RUN_MS, 1) + 20_000;
      await Promise.all(
        receipts.map(
          (receipt) =>
            new Promise<void>((resolve, reject) => {
              const id = receipt.runId;
              if (id === undefined) return reject(new Error('the dispatch returned no run id'));
              if (arrivals.has(id)) return resolve();
              waiters.set(id, resolve);
              const timer = setTimeout(
                () => reject(new Error(`no workflow_run completed delivery for run ${id}`)),
                limit - Date.now(),
              );
              timer.unref();
            }),
        ),
      );
      const completed = await completions(sim);
      const latencies = receipts.map(
        (receipt) => (arrivals.get(receipt.runId!) ?? Number.NaN) - completed(receipt.runId),
      );
      const requests = receipts.map((receipt) => receipt.apiCost.requests);
      return {
        xrd: `p50 ${fmtMs(median(latencies))}, p95 ${fmtMs(percentile(latencies, 95))}; ${median(requests)} request(s) per run (the dispatch), ${deliveries} deliveries received`,
        status: 'ok',
        metrics: {
          p50Ms: median(latencies),
          p95Ms: percentile(latencies, 95),
          maxMs: Math.max(...latencies),
          requestsMedian: median(requests),
          deliveries,
          samples: latencies.length,
        },
      };
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export const latency: Section = {
  area: 'detection latency',
  budgetMs: 150_000,
  async run(ctx) {
    await ctx.scenario(
      `github, run id returned, 1-min runs in real time (timeScale 1), ${SAMPLES} runs started ${STAGGER_MS} ms apart: webhook — a workflow_run receiver in the bench, completion = first \`completed\` delivery`,
      (signal) => webhook(signal),
    );
  },
};
