// forge-sim throughput: it must never be what limits the other rows.
import { realSleep } from '../engine.ts';
import { correlationId, OWNER, REF, REPO, setUpTarget, WF_RUN_NAME } from '../fixtures.ts';
import type { Section } from '../harness.ts';
import { runLoad } from '../http-load.ts';
import { startSimChild } from '../sim.ts';
import { fmtInt, fmtMs } from '../stats.ts';

const CONCURRENCY = 16;
const MAX_REQUESTS = 40_000;
const MAX_MS = 4_000;

/** The load both rows put on one run's URL: only the headers differ. */
function loadRun(url: string, headers: Record<string, string>, signal: AbortSignal) {
  return runLoad({
    url,
    headers: () => headers,
    concurrency: CONCURRENCY,
    maxRequests: MAX_REQUESTS,
    maxMs: MAX_MS,
    signal,
  });
}

export const simThroughput: Section = {
  area: 'forge-sim throughput',
  budgetMs: 45_000,
  async run(ctx) {
    let sim: Awaited<ReturnType<typeof startSimChild>> | undefined;
    let conditionalEtag: string | null = null;
    let conditionalUrl: string | undefined;
    const scenario = (conditional: boolean): string =>
      `GET /repos/{o}/{r}/actions/runs/{id} ${conditional ? 'with a matching If-None-Match (304)' : 'without If-None-Match (200)'}; sim in a child process (github dialect), ${CONCURRENCY} keep-alive connections, ≤ ${fmtInt(MAX_REQUESTS)} requests or ${MAX_MS / 1000} s`;
    try {
      await ctx.scenario(scenario(false), async (signal) => {
        sim = await startSimChild('github', 1);
        await setUpTarget(sim, 3_600_000);
        // 40,000 reads would exhaust GitHub's 5,000/h primary limit; this row measures the server.
        await sim.control('POST', '/rate-limit', { limit: 1_000_000_000, remaining: 1_000_000_000 });
        const headers = { authorization: 'token bench', accept: 'application/vnd.github+json' };
        const dispatch = await fetch(
          `${sim.apiUrl}/repos/${OWNER}/${REPO}/actions/workflows/${WF_RUN_NAME}/dispatches`,
          {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({
              ref: REF,
              inputs: { correlation_id: correlationId() },
              return_run_details: true,
            }),
          },
        );
        if (dispatch.status >= 300) throw new Error(`dispatch answered ${dispatch.status}`);
        const runId = (await sim.runs())[0]?.id;
        if (runId === undefined) throw new Error('no run after the dispatch');
        const url = `${sim.apiUrl}/repos/${OWNER}/${REPO}/actions/runs/${runId}`;
        // Past its start (queued → in_progress after 1 s), the run does not change for an hour, so
        // its ETag holds for the whole conditional row.
        await realSleep(1500, signal);
        const first = await fetch(url, { headers });
        const etag = first.headers.get('etag');
        await first.arrayBuffer();
        const plain = await loadRun(url, headers, signal);
        // Kept for the second row.
        conditionalEtag = etag;
        conditionalUrl = url;
        return {
          xrd: `${fmtInt(plain.perSecond)} req/s (p50 ${fmtMs(plain.p50Ms)}, p99 ${fmtMs(plain.p99Ms)}; ${fmtInt(plain.byStatus['200'] ?? 0)} of ${fmtInt(plain.requests)} were 200)`,
          status: plain.errors > 0 || plain.byStatus['200'] !== plain.requests ? 'error' : 'ok',
          metrics: {
            perSecond: plain.perSecond,
            requests: plain.requests,
            errors: plain.errors,
            p50Ms: plain.p50Ms,
            p99Ms: plain.p99Ms,
            statuses: JSON.stringify(plain.byStatus),
          },
        };
      });
      await ctx.scenario(scenario(true), async (signal) => {
        if (!sim || !conditionalUrl) throw new Error('the unconditional row did not set up the sim');
        if (!conditionalEtag) throw new Error('the sim sent no ETag for GET run');
        const headers = {
          authorization: 'token bench',
          accept: 'application/vnd.github+json',
          'if-none-match': conditionalEtag,
        };
        const load = await loadRun(conditionalUrl, headers, signal);
        const notModified = load.byStatus['304'] ?? 0;
        return {
          xrd: `${fmtInt(load.perSecond)} req/s (p50 ${fmtMs(load.p50Ms)}, p99 ${fmtMs(load.p99Ms)}; ${fmtInt(notModified)} of ${fmtInt(load.requests)} were 304)`,
          status: load.errors > 0 || notModified !== load.requests ? 'error' : 'ok',
          metrics: {
            perSecond: load.perSecond,
            requests: load.requests,
            notModified,
            errors: load.errors,
            p50Ms: load.p50Ms,
            p99Ms: load.p99Ms,
          },
        };
      });
    } finally {
      await sim?.close();
    }
  },
};
