// Core's progress events → log lines with the elapsed time, so the step's log shows the remote run
// live: status changes, job starts and ends. Chatty events (each wait) go to the debug log only.
import { describeReportWrite, type ProgressEvent, runName } from '@xrd/core';

export interface ProgressLog {
  readonly info: (line: string) => void;
  readonly debug: (line: string) => void;
  /** A `::warning::` (an annotation on the run's page, not only a log line). */
  readonly warning: (message: string) => void;
}

const CANCEL_REASON = {
  timeout: 'timeout passed',
  abort: 'job cancelled',
  'fail-fast': 'another target failed, fail-fast',
} as const;

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function createProgressLogger(
  log: ProgressLog,
  now: () => number,
  startedAt: number,
  /** Whose progress it is, when a step follows several targets: `acme/app build.yml`. */
  label?: string,
): (event: ProgressEvent) => void {
  const who = label === undefined ? '' : `${label}: `;
  const line = (text: string) => log.info(`[${formatElapsed(now() - startedAt)}] ${who}${text}`);
  return (event) => {
    switch (event.type) {
      case 'dispatched': {
        const r = event.receipt;
        const target = r.workflow !== undefined ? `workflow ${r.workflow}` : `event ${r.eventType}`;
        line(
          r.runId !== undefined
            ? `dispatched ${target} on ${r.ref}; the server answered with run ${r.runId}`
            : `dispatched ${target} on ${r.ref}; correlation id ${r.correlationId}`,
        );
        for (const note of r.notes) log.debug(note);
        return;
      }
      case 'correlating':
        log.debug(`search round ${event.round}: ${event.candidates} candidate run(s)`);
        return;
      case 'correlated':
        line(`found ${runName(event.run)} (by ${event.method}): ${event.run.htmlUrl}`);
        return;
      case 'status': {
        const run = event.run;
        const state = run.status === 'completed' ? `completed: ${run.conclusion ?? 'unknown'}` : run.status;
        line(`run ${run.id} ${event.previous ? `${event.previous} → ` : ''}${state}`);
        return;
      }
      case 'job': {
        const job = event.job;
        line(
          event.change === 'started'
            ? `job "${job.name}" started`
            : `job "${job.name}" ${job.conclusion ?? 'completed'}`,
        );
        return;
      }
      case 'waiting':
        log.debug(`next poll in ${formatElapsed(event.delayMs)} (${event.reason})`);
        return;
      case 'cancelled':
        line(`cancel requested for run ${event.runId} (${CANCEL_REASON[event.reason]})`);
        return;
      case 'artifact': {
        const a = event.artifact;
        line(`downloaded artifact "${a.name}" (${a.files ?? 0} files) to ${a.path}`);
        return;
      }
      case 'notice':
        line(event.message);
        return;
      case 'warning':
        log.warning(event.message);
        return;
      case 'reported':
        line(describeReportWrite(event.write));
        return;
      case 'debug':
        log.debug(event.message);
        return;
    }
  };
}
