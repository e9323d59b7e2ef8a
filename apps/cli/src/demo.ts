// `xrd demo`: the real flow — connect → dispatch → correlate → wait — over HTTP against the forge
// simulator started in this process, once per dialect, live, ending with a table. Nothing here is
// special-cased for the demo: the same core calls and adapters as `xrd dispatch`.
import {
  type DispatchReceipt,
  dispatchAndWait,
  type ForgeKind,
  InvalidInputError,
  type RunResult,
} from '@xrd/core';
import { startSim } from '@xrd/forge-sim';
import { DEMO_TIME_SCALE, type DemoDialect } from './demo-dialects.js';
import { EXIT, exitCodeForError } from './exit-codes.js';
import { loadConnect } from './lazy.js';
import type { JsonDemoRow } from './output.js';
import type { CommonFlags, Session } from './session.js';
import { formatDuration, ProgressReporter, paintConclusion } from './ui.js';

interface DemoCase {
  readonly dialect: DemoDialect;
  readonly label: string;
  readonly kind: ForgeKind;
  readonly workflow?: string;
  readonly eventType?: string;
}

const CASES: readonly DemoCase[] = [
  { dialect: 'github', label: 'github', kind: 'github', workflow: 'build.yml' },
  // repository_dispatch never returns a run id: the run is found by the id echoed in its run-name.
  { dialect: 'github', label: 'github (repository_dispatch)', kind: 'github', eventType: 'build' },
  { dialect: 'ghes-3.19', label: 'ghes-3.19', kind: 'github', workflow: 'build.yml' },
  { dialect: 'gitea-1.24', label: 'gitea-1.24', kind: 'gitea', workflow: 'build.yml' },
  { dialect: 'gitea-1.25', label: 'gitea-1.25', kind: 'gitea', workflow: 'build.yml' },
  { dialect: 'gitea-1.26', label: 'gitea-1.26', kind: 'gitea', workflow: 'build.yml' },
  { dialect: 'forgejo', label: 'forgejo', kind: 'forgejo', workflow: 'build.yml' },
];

// Polls are real time (the engine does not know it talks to a simulator), so keep them short.
const DEMO_INTERVAL_MS = 250;
const DEMO_TIMEOUT_MS = 60_000;

export interface DemoFlags extends CommonFlags {
  readonly dialect?: string;
  readonly timeScale?: string;
}

function parseTimeScale(text: string | undefined): number {
  if (text === undefined) return DEMO_TIME_SCALE;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 10_000) {
    throw new InvalidInputError(
      `--time-scale "${text}" must be a number above 0 and at most 10000, e.g. --time-scale 10.`,
      { input: '--time-scale' },
    );
  }
  return n;
}

export async function runDemo(s: Session, flags: DemoFlags): Promise<number> {
  const timeScale = parseTimeScale(flags.timeScale);
  const cases = CASES.filter((c) => flags.dialect === undefined || c.dialect === flags.dialect);
  const p = s.palette;
  s.progress.line(
    `${p.bold('xrd demo')}: forge-sim in this process, simulated time ×${timeScale}; each row is a real dispatch → correlate → wait over HTTP`,
  );
  // Each flow gets its own status line (below); the session's own would fight with them.
  s.progress.stop();

  const rows: JsonDemoRow[] = [];
  let exitCode: number = EXIT.ok;
  for (const c of cases) {
    const row = await runCase(s, c, timeScale, flags);
    rows.push(row.row);
    if (exitCode === EXIT.ok && row.exitCode !== EXIT.ok) exitCode = row.exitCode;
  }
  s.progress.stop();
  s.doc = { demo: rows };
  s.out(renderTable(s, rows));
  return s.finish(exitCode);
}

async function runCase(
  s: Session,
  c: DemoCase,
  timeScale: number,
  flags: DemoFlags,
): Promise<{ row: JsonDemoRow; exitCode: number }> {
  const sim = await startSim({ dialect: c.dialect, port: 0, timeScale });
  const progress = new ProgressReporter({
    stream: { write: (text) => s.io.stderr.write(text) },
    tty: s.io.stderr.isTTY === true,
    palette: s.palette,
    verbose: flags.verbose === true,
    quiet: flags.quiet === true,
    prefix: s.palette.cyan(c.label.padEnd(28)),
  });
  const startedAt = Date.now();
  let receipt: DispatchReceipt | undefined;
  try {
    // Any token is accepted by the simulator; a real forge would get the user's.
    const { createForge } = await loadConnect();
    const forge = createForge({ kind: c.kind, apiUrl: sim.apiUrl, token: 'xrd-demo-token' });
    progress.line(`${sim.dialect} at ${sim.apiUrl}`);
    progress.setPhase('dispatching');
    const result: RunResult = await dispatchAndWait(
      forge,
      {
        repo: { owner: 'acme', repo: 'target' },
        ref: 'main',
        ...(c.workflow !== undefined ? { workflow: c.workflow } : {}),
        ...(c.eventType !== undefined ? { eventType: c.eventType } : {}),
      },
      {
        signal: s.io.signal,
        onProgress: (event) => {
          if (event.type === 'dispatched') receipt = event.receipt;
          progress.onProgress(event);
        },
        intervalMs: DEMO_INTERVAL_MS,
        timeoutMs: DEMO_TIMEOUT_MS,
        correlate: { intervalMs: DEMO_INTERVAL_MS, timeoutMs: DEMO_TIMEOUT_MS },
        cancelOnAbort: true,
      },
    );
    progress.stop();
    const stats = sim.stats();
    const ok = result.conclusion === 'success';
    return {
      row: {
        dialect: c.label,
        path: pathLabel(receipt, result),
        correlation: result.correlationMethod ?? 'run-id',
        runId: result.runId,
        conclusion: result.conclusion,
        durationMs: Date.now() - startedAt,
        requests: stats.requests.total,
        counted: stats.requests.counted,
        ok,
      },
      exitCode: ok ? EXIT.ok : EXIT.runFailed,
    };
  } catch (error) {
    progress.stop();
    const message = error instanceof Error ? error.message : String(error);
    s.progress.line(s.palette.red(`${c.label}: ${message}`));
    const stats = sim.stats();
    return {
      row: {
        dialect: c.label,
        path: receipt?.path ?? '-',
        correlation: '-',
        runId: receipt?.runId ?? null,
        conclusion: null,
        durationMs: Date.now() - startedAt,
        requests: stats.requests.total,
        counted: stats.requests.counted,
        ok: false,
        error: message,
      },
      exitCode: exitCodeForError(error),
    };
  } finally {
    await sim.close();
  }
}

/** Which way the run was identified, e.g. `run-details`, `run-info`, `none → run-name`. */
function pathLabel(receipt: DispatchReceipt | undefined, result: RunResult): string {
  const path = receipt?.path ?? 'none';
  return path === 'none' ? `none → ${result.correlationMethod ?? '?'}` : path;
}

function renderTable(s: Session, rows: readonly JsonDemoRow[]): string {
  const p = s.palette;
  const header = ['dialect', 'path', 'run', 'conclusion', 'duration', 'requests/counted'];
  const cells = rows.map((r) => [
    r.dialect,
    r.path,
    r.runId === null ? '-' : String(r.runId),
    r.conclusion ?? (r.error ? 'error' : '-'),
    formatDuration(r.durationMs),
    `${r.requests}/${r.counted}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[], paint?: (i: number, text: string) => string) =>
    row
      .map((cell, i) => (paint ? paint(i, cell.padEnd(widths[i] ?? 0)) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [p.bold(line(header)), p.dim(widths.map((w) => '─'.repeat(w)).join('  '))];
  for (const row of cells) {
    out.push(
      line(row, (i, text) =>
        i === 3 ? paintConclusion(p, text.trim()) + ' '.repeat(text.length - text.trim().length) : text,
      ),
    );
  }
  const failed = rows.filter((r) => !r.ok);
  out.push('');
  const flows = (n: number) => `${n} flow${n === 1 ? '' : 's'}`;
  out.push(
    failed.length === 0
      ? p.green(rows.length === 1 ? 'the flow succeeded' : `all ${flows(rows.length)} succeeded`)
      : p.red(`${failed.length} of ${flows(rows.length)} failed: ${failed.map((r) => r.dialect).join(', ')}`),
  );
  return `${out.join('\n')}\n`;
}
