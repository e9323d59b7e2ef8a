// `xrd dispatch --target … --target …` (or `--targets FILE`): core's runFanOut, printed. Progress
// lines carry each target's name; the result is a line per target and one for all of them, or one
// --json document with a row per target; the exit code is the worst outcome's.
import {
  countVerdicts,
  type FanOutOptions,
  type FanOutOutcome,
  fanOutRow,
  InvalidInputError,
  runFanOut,
  type TargetLocation,
} from '@xrd/core';
import { EXIT, exitCodeForError } from './exit-codes.js';
import { costLine, jsonReport } from './output.js';
import type { CommonFlags, OutputsFlags, Session } from './session.js';
import { formatDuration, paintConclusion } from './ui.js';

export async function runFanOutCommand(
  s: Session,
  options: FanOutOptions,
  flags: CommonFlags & OutputsFlags,
): Promise<number> {
  if (flags.outputsEnv) {
    throw new InvalidInputError(
      '--outputs-env prints the outputs of one run; with several targets, read each target’s remoteOutputs in --json.',
      { input: '--outputs-env' },
    );
  }
  const locations: TargetLocation[] = options.targets.map((t) => ({
    forge: t.forge,
    apiUrl: t.apiUrl,
    ...(t.tokenEnv !== undefined ? { tokenEnv: t.tokenEnv } : {}),
  }));
  // Every token is found before the first dispatch goes out.
  const connect = await s.connectTargets(locations, flags);
  const reportForge = options.source ? await s.connect(options.source, flags, true) : undefined;
  const n = options.targets.length;
  s.progress.onProgress({
    type: 'debug',
    message: `${n} targets; timeout ${formatDuration(options.timeoutMs)} for all of them, at most ${options.concurrency} dispatches at once, fail-fast ${options.failFast ? 'on' : 'off'}`,
  });
  s.progress.setPhase(`dispatching ${n} targets`);
  let done = 0;
  const outcome = await runFanOut(options, {
    signal: s.io.signal,
    connect,
    ...(reportForge ? { reportForge } : {}),
    onProgress: (event) => {
      if (event.type === 'reported')
        s.doc = { ...s.doc, reports: [...(s.doc.reports ?? []), jsonReport(event.write)] };
      s.progress.onProgress(event);
    },
    onTargetProgress: (target, event) => s.progress.onTargetProgress(target.name, event),
    onTargetRun: () => s.progress.setPhase(`waiting for ${n} targets (${done} done)`),
    onTargetDone: () => {
      done += 1;
      s.progress.setPhase(`waiting for ${n} targets (${done} done)`);
    },
    // The runs' verdicts decide the exit code; a status the token may not write only warns.
    onReportError: (error) =>
      s.warn(
        `could not report to the source repository: ${error instanceof Error ? error.message : String(error)}`,
      ),
  });
  const rows = outcome.targets.map(fanOutRow);
  s.doc = { ...s.doc, targets: rows, conclusion: outcome.conclusion, apiCost: outcome.apiCost };
  s.progress.stop();
  s.out(humanFanOut(s, outcome));
  return s.finish(exitCodeOf(outcome));
}

/** 0 when every target passed; 1 when a run failed; else the code of the first target's error. */
export function exitCodeOf(outcome: FanOutOutcome): number {
  if (outcome.conclusion === 'success') return EXIT.ok;
  if (outcome.targets.some((o) => o.verdict === 'failure')) return EXIT.runFailed;
  const errored = outcome.targets.find((o) => o.verdict === 'error');
  return errored ? exitCodeForError(errored.error) : EXIT.runFailed;
}

function humanFanOut(s: Session, outcome: FanOutOutcome): string {
  const p = s.palette;
  const out: string[] = [];
  for (const o of outcome.targets) {
    const row = fanOutRow(o);
    const state =
      o.verdict === 'success' || o.verdict === 'failure'
        ? paintConclusion(p, row.conclusion)
        : o.verdict === 'pending'
          ? p.cyan(row.status ?? 'dispatched')
          : o.verdict === 'cancelled'
            ? p.yellow('cancelled')
            : p.red('error');
    const took = o.result ? ` in ${formatDuration(o.result.durationMs)}` : '';
    const failed = row.failedJobs.map(
      (j) =>
        `${j.name}${j.failedSteps.length > 0 ? ` at ${j.failedSteps.map((x) => `"${x}"`).join(', ')}` : ''}`,
    );
    const why =
      failed.length > 0 ? ` (failed: ${failed.join('; ')})` : row.error ? ` — ${row.error.message}` : '';
    out.push(`${p.bold(o.target.name)}: ${state}${took}${why}`);
    if (row.htmlUrl) out.push(`  ${row.htmlUrl}`);
  }
  const n = outcome.targets.length;
  out.push(
    `${p.bold(`${n} targets`)}: ${paintConclusion(p, outcome.conclusion)} — ${countVerdicts(outcome.targets)}`,
  );
  out.push(p.dim(`  api: ${costLine(outcome.apiCost)}`));
  return `${out.join('\n')}\n`;
}
