// `pnpm bench`: runs every section against forge-sim, prints ONE table, writes bench/results.json.
// Numbers are reported, never asserted. Usage: node --experimental-strip-types src/run.ts [area…]
// (arguments pick sections whose area contains a word, e.g. `run.ts startup`).
import { writeFileSync } from 'node:fs';
import { renderPeerTable, renderTable, runSections, type Section } from './harness.ts';
import { describeMachine, machineInfo } from './machine.ts';
import { artifacts } from './scenarios/artifacts.ts';
import { concurrency } from './scenarios/concurrency.ts';
import { fanOut } from './scenarios/fan-out.ts';
import { latency } from './scenarios/latency.ts';
import { PEER_COLUMNS, peers } from './scenarios/peers.ts';
import { rateLimitCost } from './scenarios/rate-limit-cost.ts';
import { simThroughput } from './scenarios/sim-throughput.ts';
import { startup } from './scenarios/startup.ts';
import { webhookService } from './scenarios/webhook-service.ts';
import { repoPath } from './workspace.ts';

/**
 * The whole suite takes ≈ 13 minutes on a 2-core machine (the peers rows ≈ 4 of them, at 10×);
 * sections share this budget.
 */
const SUITE_BUDGET_MS = 16 * 60_000;

const sections: readonly Section[] = [
  startup,
  simThroughput,
  rateLimitCost,
  concurrency,
  peers,
  latency,
  fanOut,
  webhookService,
  artifacts,
];

async function main(): Promise<void> {
  const started = Date.now();
  const only = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const machine = machineInfo();
  process.stderr.write(`xrd bench on ${describeMachine(machine)}\n`);
  const result = await runSections(sections, {
    deadline: started + SUITE_BUDGET_MS,
    ...(only.length > 0 ? { only } : {}),
  });
  const date = new Date().toISOString();
  const table = renderTable(result.rows.filter((row) => row.peers === undefined));
  const peerRows = result.rows.filter((row) => row.peers !== undefined);
  const peerTable =
    peerRows.length > 0
      ? [
          '## xrd versus its peers',
          '',
          "The same 10-minute workflow, whose runs spread like real ones, driven by xrd and by each peer tool's",
          'algorithm where the peer supports the forge; each figure is the median (requests) or the percentile',
          "(latency) over the samples, and `xrd ×r` is xrd's figure divided by the peer's (below 1: xrd is",
          'cheaper or faster). Latency is on the client clock (real-world seconds). How the peers are modelled:',
          '[README.md](README.md#peers).',
          '',
          renderPeerTable(peerRows, PEER_COLUMNS),
          '',
          ...[...new Set(peerRows.flatMap((row) => (row.notes ? [row.notes] : [])))].map(
            (note) => `- ${note}`,
          ),
          '',
        ].join('\n')
      : '';
  const report = {
    date,
    machine,
    durationMs: Date.now() - started,
    sections: result.sections,
    rows: result.rows,
  };
  const out = only.length > 0 ? 'bench/results.partial.json' : 'bench/results.json';
  writeFileSync(repoPath(out), `${JSON.stringify(report, null, 2)}\n`);
  if (only.length === 0) {
    // The latest full table, for the root README to link.
    writeFileSync(
      repoPath('bench/RESULTS.md'),
      [
        '# Benchmarks',
        '',
        `Latest \`pnpm bench\`: ${date}, on ${describeMachine(machine)}; the suite took ${(report.durationMs / 1000).toFixed(0)} s.`,
        'What each row means, and how to run it: [README.md](README.md). Raw numbers: [results.json](results.json).',
        '',
        table,
        '',
        peerTable,
      ].join('\n'),
    );
  }
  process.stdout.write(`\nxrd bench — ${date} — ${describeMachine(machine)}\n\n${table}\n\n${peerTable}\n`);
  process.stderr.write(`wrote ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
