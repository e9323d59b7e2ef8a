// Bringing results home: what listing a finished run's artifacts, downloading them and reading its
// remote outputs costs, per dialect — requests per artifact, how many of them the forge counts
// (GitHub counts the API's 302, not the storage download), and the time it takes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { collectRunResults as CollectRunResults, createMeter as CreateMeter, Forge } from '@xrd/core';
import { forgeFor } from '../engine.ts';
import { type RowBody, type Section, settle } from '../harness.ts';
import { benchDialects, type Dialect, isGitHubDialect, withSim } from '../sim.ts';
import { fmtMs } from '../stats.ts';
import { requireExport } from '../workspace.ts';

const TIME_SCALE = 200;
const ARTIFACTS = 5;
/** Each artifact holds one file of this size (build output, roughly: incompressible text). */
const FILE_BYTES = 256 * 1024;
const OWNER = 'bench';
const REPO = 'results';

/** Text that deflate cannot shrink much, so the zips are about as large as their content. */
function noise(bytes: number, seed: number): string {
  let x = seed * 2654435761;
  let out = '';
  while (out.length < bytes) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += x.toString(36);
  }
  return out.slice(0, bytes);
}

async function measure(dialect: Dialect, signal: AbortSignal): Promise<RowBody> {
  if (dialect === 'gitea-1.24') {
    return { xrd: "n/a (Gitea 1.24's artifacts API wants a run id its API never shows)", status: 'n/a' };
  }
  const collect = await requireExport<typeof CollectRunResults>('@xrd/core', 'collectRunResults');
  const meterOf = await requireExport<typeof CreateMeter>('@xrd/core', 'createMeter');
  return withSim(dialect, TIME_SCALE, async (sim) => {
    await sim.createRepo(OWNER, REPO);
    await sim.addWorkflow(OWNER, REPO, {
      file: 'results.yml',
      on: { workflow_dispatch: {} },
      jobs: [{ name: 'build', steps: ['Build', 'Upload'], durationMs: 200 }],
      artifacts: [
        ...Array.from({ length: ARTIFACTS }, (_, i) => ({
          name: `dist-${i + 1}`,
          files: { [`part-${i + 1}.txt`]: noise(FILE_BYTES, i + 1) },
        })),
        { name: 'xrd-outputs', files: { 'outputs.json': '{"version":"1.0.0"}' } },
      ],
    });
    const forge: Forge = await forgeFor(sim);
    await fetch(`${sim.apiUrl}/repos/${OWNER}/${REPO}/actions/workflows/results.yml/dispatches`, {
      method: 'POST',
      headers: { authorization: 'token bench', 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'main' }),
    });
    const deadline = Date.now() + 20_000;
    let run = (await sim.runs())[0];
    while (run?.status !== 'completed' && Date.now() < deadline && !signal.aborted) {
      await new Promise((r) => setTimeout(r, 20));
      run = (await sim.runs())[0];
    }
    if (run?.status !== 'completed') throw new Error('the run did not complete');
    const dir = await mkdtemp(join(tmpdir(), 'xrd-bench-artifacts-'));
    try {
      // Server detection (Gitea and Forgejo's GET /version) happens once per forge, not per artifact.
      await forge.capabilities();
      await sim.resetStats();
      const meter = meterOf();
      const t0 = performance.now();
      const got = await collect(
        forge,
        { repo: { owner: OWNER, repo: REPO }, runId: run.id, htmlUrl: `${sim.url}/${OWNER}/${REPO}` },
        { download: ['dist-*'], dir, outputs: true },
        { meter, signal },
      );
      const ms = performance.now() - t0;
      if (got.error) throw got.error;
      const client = meter.cost();
      const counted = (await sim.stats()).requests.counted;
      // Storage requests are the client's requests the forge's API never saw.
      const storage = client.requests - (await sim.stats()).requests.total;
      const downloads = ARTIFACTS + 1;
      const perArtifact = (client.requests - 1) / downloads;
      return {
        xrd: `${client.requests} req (${isGitHubDialect(dialect) ? `${counted} counted` : 'no rate limit'}): 1 list + ${perArtifact} per artifact${storage > 0 ? ` (${storage / downloads} of them to storage)` : ''}; ${downloads} artifacts, ${((ARTIFACTS * FILE_BYTES) / 1024 / 1024).toFixed(2)} MiB in ${fmtMs(ms)}`,
        status: 'ok',
        metrics: {
          requests: client.requests,
          counted,
          storageRequests: storage,
          requestsPerArtifact: perArtifact,
          ms,
          artifacts: downloads,
        },
        notes: `${ARTIFACTS} artifacts of ${FILE_BYTES / 1024} KiB and the xrd-outputs artifact, listed and downloaded once (collectRunResults, as the action and the CLI run it)`,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

export const artifacts: Section = {
  area: 'artifacts',
  budgetMs: 60_000,
  async run(ctx) {
    for (const dialect of await benchDialects()) {
      if (ctx.signal.aborted) break;
      await ctx.scenario(
        `${dialect}: a finished run's ${ARTIFACTS} artifacts and its remote outputs brought home`,
        (signal) => settle(() => measure(dialect, signal)),
      );
    }
  },
};
