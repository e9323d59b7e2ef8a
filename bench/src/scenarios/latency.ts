// Detection latency: from the run's completion (forge-sim's own schedule) to the tool knowing it,
// polling versus a webhook, with the requests the polling took.
//
// This section runs at timeScale 1 on purpose: the forges stamp times to the second (forge-sim too,
// as GitHub does), and at 60× that second would read as a minute on the client's clock, enough to
// put the learned end of the run off by more than the schedule's dense window. Real time keeps the
// timestamps' error what it is on a real forge.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DispatchReceipt, RunResult } from '@xrd/core';
import { runReference } from '../baseline-reference.ts';
import { BENCH_TOKEN, engine, forgeFor, realSleep } from '../engine.ts';
import {
  completionInstant,
  correlationId,
  EVENT_STEP_NAME,
  OWNER,
  REF,
  REPO,
  setUpTarget,
  WF_RUN_NAME,
} from '../fixtures.ts';
import { type RowBody, type Section, settle } from '../harness.ts';
import { type Sim, type SimRun, withSim } from '../sim.ts';
import { fmtMs, median, percentile } from '../stats.ts';

const RUN_MS = 60_000;
const SAMPLES = 20;
const HISTORY_RUNS = 3;
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

async function dispatchHistory(sim: Sim): Promise<void> {
  const url = `${sim.apiUrl}/repos/${OWNER}/${REPO}/actions/workflows/${WF_RUN_NAME}/dispatches`;
  for (let i = 0; i < HISTORY_RUNS; i += 1) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: 'token bench', 'content-type': 'application/json' },
      body: JSON.stringify({ ref: REF, inputs: { correlation_id: correlationId('history') } }),
    });
    if (response.status >= 300) throw new Error(`history dispatch answered ${response.status}`);
  }
}

async function polling(signal: AbortSignal): Promise<RowBody> {
  const { dispatchAndWait } = await engine();
  return withSim('github', 1, async (sim) => {
    await setUpTarget(sim, RUN_MS);
    // Earlier runs of the workflow, so xrd can learn when this one will likely end.
    await dispatchHistory(sim);
    await realSleep(completionInstant(0, RUN_MS, 1) + 500, signal);
    const forge = await forgeFor(sim);
    const ids = Array.from({ length: SAMPLES }, () => correlationId('lat'));
    const done = await Promise.all(
      ids.map(async (id, index) => {
        await realSleep(index * STAGGER_MS, signal);
        // A fresh Forge per sample: a new process in real life, with an empty ETag cache.
        const own = index === 0 ? forge : await forgeFor(sim);
        const result: RunResult = await dispatchAndWait(
          own,
          { repo: { owner: OWNER, repo: REPO }, ref: REF, workflow: WF_RUN_NAME, correlationId: id },
          { signal },
        );
        return { result, returnedAt: Date.now() };
      }),
    );
    const completed = await completions(sim);
    const latencies = done.map(({ result, returnedAt }) => returnedAt - completed(result.runId));
    const requests = done.map(({ result }) => result.apiCost.requests);
    const notModified = done.map(({ result }) => result.apiCost.notModified);
    return {
      xrd: `p50 ${fmtMs(median(latencies))}, p95 ${fmtMs(percentile(latencies, 95))}; ${median(requests)} requests per run (median; ${median(notModified)} of them 304)`,
      status: 'ok',
      metrics: {
        p50Ms: median(latencies),
        p95Ms: percentile(latencies, 95),
        maxMs: Math.max(...latencies),
        requestsMedian: median(requests),
        requestsMax: Math.max(...requests),
        notModifiedMedian: median(notModified),
        samples: latencies.length,
      },
    };
  });
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

/**
 * The same runs followed the reference way (repository_dispatch, step name, 10 s ticker). Only
 * REFERENCE_SAMPLES at once: with more runs in flight than its `max_runs` (10), the reference never
 * finds some of them (see the concurrency rows), and there would be no latency to measure.
 */
const REFERENCE_SAMPLES = 8;

async function reference(signal: AbortSignal): Promise<RowBody> {
  return withSim('github', 1, async (sim) => {
    await setUpTarget(sim, RUN_MS);
    const shas = Array.from({ length: REFERENCE_SAMPLES }, () => correlationId('reflat'));
    const done = await Promise.all(
      shas.map(async (sha, index) => {
        await realSleep(index * STAGGER_MS, signal);
        const result = await runReference({
          apiUrl: sim.apiUrl,
          kind: 'github',
          owner: OWNER,
          repo: REPO,
          ref: REF,
          sha,
          eventType: EVENT_STEP_NAME,
          timeoutMs: 120_000,
          now: Date.now,
          sleep: realSleep,
          signal,
          token: BENCH_TOKEN,
        });
        return { result, returnedAt: Date.now() };
      }),
    );
    const completed = await completions(sim);
    const found = done.filter(({ result }) => result.runId !== undefined && !result.timedOut);
    const latencies = found.map(({ result, returnedAt }) => returnedAt - completed(result.runId));
    const requests = done.map(({ result }) => result.requests);
    return {
      xrd: `p50 ${fmtMs(median(latencies))}, p95 ${fmtMs(percentile(latencies, 95))} (${REFERENCE_SAMPLES} runs); ${median(requests)} requests per run (median, none conditional)${found.length < done.length ? `; ${done.length - found.length} never found` : ''}`,
      status: 'ok',
      metrics: {
        p50Ms: median(latencies),
        p95Ms: percentile(latencies, 95),
        requestsMedian: median(requests),
        found: found.length,
        samples: done.length,
      },
    };
  });
}

export const latency: Section = {
  area: 'detection latency',
  budgetMs: 150_000,
  async run(ctx) {
    const base = `github, run id returned, 1-min runs in real time (timeScale 1), ${SAMPLES} runs started ${STAGGER_MS} ms apart`;
    // Both at once, each on its own sim: the polling one first waits for its history to complete.
    const webhookRow = ctx.scenario(
      `${base}: webhook — a workflow_run receiver in the bench, completion = first \`completed\` delivery`,
      (signal) => webhook(signal),
    );
    const referenceRow = settle(() => reference(ctx.signal));
    await ctx.scenario(
      `${base}, ${HISTORY_RUNS} earlier 1-min runs in history: polling — dispatchAndWait with default settings, fresh Forge each (reference: repository_dispatch + step name, every 10 s)`,
      async (signal) => {
        const body = await polling(signal);
        return { ...body, reference: (await referenceRow).xrd };
      },
    );
    await webhookRow;
  },
};
