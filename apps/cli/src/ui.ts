// What a person sees while xrd works. On a TTY: one live status line on stderr (spinner, status,
// elapsed, jobs done/total) with permanent lines printed above it, in colour unless NO_COLOR
// (https://no-color.org) is set. Off a TTY: plain timestamped progress lines on stderr, so logs of
// Jenkins / GitLab / Buildkite stay readable. stdout is kept for the result (or the --json document).
import { describeReportWrite, type Job, type ProgressEvent, type RunStatus, runName } from '@xrd/core';

export interface Writable {
  write(text: string): unknown;
}

export interface Palette {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
}

function sgr(open: number, close: number): (s: string) => string {
  return (s) => `\x1b[${open}m${s}\x1b[${close}m`;
}

export function createPalette(enabled: boolean): Palette {
  const id = (s: string) => s;
  if (!enabled) return { bold: id, dim: id, red: id, green: id, yellow: id, cyan: id };
  return {
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
  };
}

/** Colour only for a terminal, and never when NO_COLOR is set to anything non-empty. */
export function useColor(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return isTTY && env.TERM !== 'dumb';
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function paintConclusion(p: Palette, conclusion: string | null | undefined): string {
  if (!conclusion) return p.dim('-');
  if (conclusion === 'success') return p.green(conclusion);
  if (conclusion === 'skipped' || conclusion === 'neutral') return p.dim(conclusion);
  if (conclusion === 'cancelled') return p.yellow(conclusion);
  return p.red(conclusion);
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface ProgressOptions {
  readonly stream: Writable;
  readonly tty: boolean;
  readonly palette: Palette;
  /** Print engine debug events (capability detection, fallbacks, poll waits). */
  readonly verbose: boolean;
  /** Print nothing at all (--quiet). */
  readonly quiet: boolean;
  readonly now?: () => number;
  /** A prefix for every line, e.g. the dialect in `xrd demo`. */
  readonly prefix?: string;
}

/** Turns core's ProgressEvents into the status line or progress lines. */
export class ProgressReporter {
  private readonly o: ProgressOptions;
  private readonly now: () => number;
  private readonly startedAt: number;
  private phase = 'starting';
  private readonly jobs = new Map<number, RunStatus>();
  private frame = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lineShown = false;
  /** Whose progress is being told, while one of several targets' events is handled. */
  private label: string | undefined;

  constructor(options: ProgressOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    if (options.tty && !options.quiet) {
      this.timer = setInterval(() => this.render(), 100);
      this.timer.unref?.();
    }
  }

  /** Sets the phase shown on the status line (`dispatching`, `correlating`, a run status). */
  setPhase(phase: string): void {
    // One target's phase is not the phase of several: their caller sets that one.
    if (this.label !== undefined) return;
    this.phase = phase;
    this.render();
  }

  /** The progress of one of several targets: its lines carry its name. */
  readonly onTargetProgress = (label: string, event: ProgressEvent): void => {
    this.label = label;
    try {
      this.onProgress(event);
    } finally {
      this.label = undefined;
    }
  };

  /**
   * A warning: labelled, and printed even with --quiet (which hides progress, not problems the user
   * must fix).
   */
  warn(text: string): void {
    const line = this.o.palette.yellow(`warning: ${text}`);
    if (this.o.quiet) {
      const prefix = this.o.prefix ? `${this.o.prefix} ` : '';
      this.o.stream.write(`${prefix}${line}\n`);
    } else this.line(line);
  }

  /** A permanent line (above the status line on a TTY). */
  line(text: string): void {
    if (this.o.quiet) return;
    const prefix = this.o.prefix ? `${this.o.prefix} ` : '';
    const label = this.label !== undefined ? `${this.label}: ` : '';
    if (this.o.tty) {
      this.clear();
      this.o.stream.write(`${prefix}${label}${text}\n`);
      this.render();
    } else {
      const elapsed = formatDuration(this.now() - this.startedAt);
      this.o.stream.write(`${prefix}[${elapsed}] ${label}${text}\n`);
    }
  }

  readonly onProgress = (event: ProgressEvent): void => {
    const p = this.o.palette;
    switch (event.type) {
      case 'dispatched': {
        const r = event.receipt;
        const what = r.workflow !== undefined ? `workflow ${r.workflow}` : `event ${r.eventType}`;
        const found = r.runId !== undefined ? `run ${r.runId} returned by the server` : 'no run id returned';
        this.line(
          `dispatched ${what} on ${r.repo.owner}/${r.repo.repo}@${r.ref} (path ${p.bold(r.path)}: ${found})`,
        );
        for (const note of r.notes) this.line(p.dim(`  ${note}`));
        this.setPhase(r.runId !== undefined ? 'queued' : 'correlating');
        return;
      }
      case 'correlating':
        this.setPhase(`correlating (round ${event.round}, ${event.candidates} candidates)`);
        if (!this.o.tty && event.round === 1) this.line(`looking for the run by its correlation id`);
        return;
      case 'correlated':
        this.line(`found ${runName(event.run)} by ${p.bold(event.method)}: ${event.run.htmlUrl}`);
        this.setPhase(event.run.status);
        return;
      case 'status':
        this.line(
          `status ${event.previous ? `${event.previous} → ` : ''}${p.cyan(event.run.status)}${
            event.run.status === 'completed' ? ` (${paintConclusion(p, event.run.conclusion)})` : ''
          }`,
        );
        this.setPhase(event.run.status);
        return;
      case 'job':
        this.jobs.set(event.job.id, event.job.status);
        this.line(jobLine(p, event.job, event.change));
        return;
      case 'waiting':
        if (this.o.verbose)
          this.line(p.dim(`next check in ${formatDuration(event.delayMs)} (${event.reason})`));
        return;
      case 'cancelled':
        this.line(p.yellow(`cancelled run ${event.runId} (${event.reason})`));
        return;
      case 'artifact':
        this.line(
          `downloaded artifact ${p.bold(event.artifact.name)} (${event.artifact.files ?? 0} files) to ${event.artifact.path}`,
        );
        return;
      case 'notice':
        this.line(p.yellow(event.message));
        return;
      case 'warning':
        this.warn(event.message);
        return;
      case 'reported':
        this.line(describeReportWrite(event.write));
        return;
      case 'debug':
        if (this.o.verbose) this.line(p.dim(event.message));
        return;
    }
  };

  /** Seeds job counts from a job list (e.g. after `xrd status`). */
  trackJobs(jobs: readonly Job[]): void {
    for (const job of jobs) this.jobs.set(job.id, job.status);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private statusText(): string {
    const p = this.o.palette;
    const elapsed = formatDuration(this.now() - this.startedAt);
    const total = this.jobs.size;
    const done = [...this.jobs.values()].filter((s) => s === 'completed').length;
    const jobs = total > 0 ? ` · jobs ${done}/${total}` : '';
    const spin = p.cyan(SPINNER[this.frame % SPINNER.length] ?? '-');
    const prefix = this.o.prefix ? `${this.o.prefix} ` : '';
    return `${prefix}${spin} ${this.phase} · ${elapsed}${jobs}`;
  }

  private render(): void {
    if (!this.o.tty || this.o.quiet || !this.timer) return;
    this.frame++;
    this.o.stream.write(`\r\x1b[2K${this.statusText()}`);
    this.lineShown = true;
  }

  private clear(): void {
    if (this.lineShown) this.o.stream.write('\r\x1b[2K');
    this.lineShown = false;
  }
}

function jobLine(p: Palette, job: Job, change: 'started' | 'completed'): string {
  if (change === 'started') return `job ${p.bold(job.name)} started`;
  const failed = job.steps.filter((s) => s.conclusion === 'failure').map((s) => s.name);
  const steps = failed.length > 0 ? ` at step ${failed.map((s) => `"${s}"`).join(', ')}` : '';
  return `job ${p.bold(job.name)} ${paintConclusion(p, job.conclusion)}${steps}`;
}
