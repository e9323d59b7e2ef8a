// Waits for a run to complete: polls getRun on the schedule (schedule.ts), reports status changes and
// job starts/ends, and returns as soon as the run completes, with its jobs and failed steps.
import type { FailedJob, RunResult, WaitOptions } from './engine-types.js';
import { RunTimeoutError } from './errors.js';
import { type Engine, engine, formatDuration, repoName, resumeAt } from './internal.js';
import { createMeter, type Meter } from './meter.js';
import {
  type DurationEstimate,
  estimateDuration,
  nextPollDelay,
  runDurationMs,
  type ScheduleSettings,
  type WaitReason,
} from './schedule.js';
import { abortError } from './sleep.js';
import { tailLines } from './text.js';
import {
  type Forge,
  type Job,
  PASSING_CONCLUSIONS,
  type RepoRef,
  type Run,
  type RunConclusion,
} from './types.js';

export const WAIT_DEFAULTS = {
  timeoutMs: 3_600_000,
  intervalMs: 2_000,
  maxIntervalMs: 60_000,
  logTailLines: 30,
  /** Logs are read for at most this many failed jobs, to bound the cost of a widely failing run. */
  maxLogJobs: 5,
} as const;

const isFailing = (c: RunConclusion | null): boolean => c !== null && !PASSING_CONCLUSIONS.includes(c);

/** Waits until the run completes; rejects with RunTimeoutError at the deadline, AbortedError on abort. */
export async function waitForRun(
  forge: Forge,
  repo: RepoRef,
  runIdOrRun: number | Run,
  options: WaitOptions = {},
): Promise<RunResult> {
  const meter = createMeter(options.meter);
  const e = engine(options, meter);
  const started = e.now();
  const timeoutMs = options.timeoutMs ?? WAIT_DEFAULTS.timeoutMs;
  const deadline = (options.timeoutFrom ?? started) + timeoutMs;
  const runId = typeof runIdOrRun === 'number' ? runIdOrRun : runIdOrRun.id;
  const tracker = new JobTracker(e);
  let run: Run | undefined = typeof runIdOrRun === 'number' ? undefined : runIdOrRun;

  try {
    if (e.signal?.aborted) throw abortError(e.signal);
    if (run === undefined) {
      run = await forge.getRun(repo, runId, e.until(deadline));
    }
    e.emit({ type: 'status', run, previous: undefined });
    const withJobs = options.withJobs ?? true;
    // Jobs during the run serve live job events only, and cost a counted request per change of the
    // run: read at the end unless asked for.
    const liveJobs = withJobs && options.liveJobs === true;
    if (liveJobs && run.status !== 'queued' && run.status !== 'completed') {
      await refreshJobs(forge, repo, run, e, deadline, tracker);
    }
    if (run.status !== 'completed') {
      const settings = await scheduleFor(forge, repo, run, options, e, deadline);
      // Elapsed counts from the dispatch: that is what recent runs' durations (creation → end) measure.
      const created = Date.parse(run.createdAt);
      const since = options.dispatchedAt ?? (Number.isNaN(created) ? started : Math.min(created, started));
      let retryAt: number | undefined;
      // Polls keep their cadence from one request's start to the next, so the time a request takes
      // does not stretch the interval: an end is noticed within one interval plus one round trip.
      let polledAt = e.now();
      while (run.status !== 'completed') {
        const now = e.now();
        if (now >= deadline) throw new TimeoutSignal();
        const wait = pollWait(settings, polledAt, now, since, deadline, meter, retryAt);
        e.emit({ type: 'waiting', delayMs: wait.delayMs, reason: wait.reason });
        await e.sleep(wait.delayMs, e.signal);
        if (e.signal?.aborted) throw abortError(e.signal);
        if (e.now() >= deadline) throw new TimeoutSignal();
        let next: Run;
        polledAt = e.now();
        try {
          next = await forge.getRun(repo, runId, e.until(deadline));
          retryAt = undefined;
        } catch (error) {
          if (e.signal?.aborted) throw abortError(e.signal);
          // The deadline cut the request short: that is the timeout, not a forge failure.
          if (e.now() >= deadline) throw new TimeoutSignal();
          // The transport retried 5xx and lost connections already; only a rate limit that ends
          // before the deadline is waited out here, by the next poll.
          retryAt = resumeAt(error, deadline);
          if (retryAt === undefined) throw error;
          e.debug(
            `Reading run ${runId} is rate limited (${(error as Error).message}); polling again after it.`,
          );
          continue;
        }
        const previous = run;
        run = next;
        const statusChanged = previous.status !== run.status;
        if (statusChanged) e.emit({ type: 'status', run, previous: previous.status });
        const changed = statusChanged || previous.updatedAt !== run.updatedAt;
        // Jobs only when the run changed: an unchanged run (a free 304 on GitHub) has unchanged jobs.
        if (liveJobs && changed && run.status === 'in_progress') {
          await refreshJobs(forge, repo, run, e, deadline, tracker);
        }
      }
    }
    return {
      ...(await finishedResult(forge, repo, run, options, e, { deadline, started, withJobs, tracker })),
      apiCost: meter.cost(),
    };
  } catch (error) {
    if (error instanceof TimeoutSignal) {
      if (options.cancelOnTimeout) await cancel(forge, repo, runId, e, meter, 'timeout');
      throw new RunTimeoutError(
        `Run ${runId} in ${repoName(repo)} did not complete within ${formatDuration(timeoutMs)} (last status: ${run?.status ?? 'unknown'}); raise the timeout or check the run at ${run?.htmlUrl ?? 'the forge'}.`,
        { runId, ...(run ? { lastStatus: run.status } : {}) },
      );
    }
    if (e.signal?.aborted) {
      if (options.cancelOnAbort) await cancel(forge, repo, runId, e, meter, 'abort');
      // The signal's own reason (e.g. "The job was cancelled."), whatever the forge threw on abort.
      throw abortError(e.signal);
    }
    throw error;
  }
}

/**
 * The result of a completed run: its jobs (when `withJobs`), the failed ones with their failed steps
 * and log tails, its duration. The one way a finished run is read, by `waitForRun` and by the
 * fan-out (which reads jobs only for the runs that need them). `apiCost` is the caller's.
 */
export async function finishedResult(
  forge: Forge,
  repo: RepoRef,
  final: Run,
  options: Pick<WaitOptions, 'logTailLines' | 'correlationId' | 'correlationMethod'>,
  e: Engine,
  at: {
    readonly deadline: number;
    /** When waiting started: the duration's start when the run's own creation time is unknown. */
    readonly started: number;
    readonly withJobs: boolean;
    readonly tracker?: JobTracker;
  },
): Promise<Omit<RunResult, 'apiCost'>> {
  const tracker = at.tracker ?? new JobTracker(e);
  // A little past the deadline: the run is over, and its jobs are what the report shows.
  if (at.withJobs) await refreshJobs(forge, repo, final, e, at.deadline + 60_000, tracker);
  const failedJobs = await describeFailures(forge, repo, tracker.jobs, options, e);
  const createdAt = Date.parse(final.createdAt);
  const durationMs =
    runDurationMs(final) ??
    (Number.isNaN(createdAt) ? e.now() - at.started : Math.max(0, e.now() - createdAt));
  return {
    repo,
    runId: final.id,
    status: final.status,
    conclusion: final.conclusion,
    url: final.url,
    htmlUrl: final.htmlUrl,
    ...(final.jobsUrl !== undefined ? { jobsUrl: final.jobsUrl } : {}),
    run: final,
    jobs: tracker.jobs,
    failedJobs,
    durationMs,
    ...(options.correlationId !== undefined ? { correlationId: options.correlationId } : {}),
    ...(options.correlationMethod !== undefined ? { correlationMethod: options.correlationMethod } : {}),
  };
}

/** Internal: the deadline passed (turned into RunTimeoutError with the last state). */
class TimeoutSignal extends Error {}

/**
 * How long to wait, at `now`, before the next poll: the schedule's decision taken as of the previous
 * poll's start (`polledAt`), less the time since. The interval runs from one request's start to the
 * next (never shorter, so `--interval` stays the shortest), not from an answer to the next request.
 */
export function pollWait(
  settings: ScheduleSettings,
  polledAt: number,
  now: number,
  since: number,
  deadline: number,
  meter: Meter,
  retryAt: number | undefined,
): { delayMs: number; reason: WaitReason } {
  const decision = nextPollDelay(settings, {
    now: polledAt,
    elapsedMs: polledAt - since,
    deadline,
    rateLimit: meter.cost().rateLimit,
    retryAt,
  });
  return { delayMs: Math.max(0, Math.round(polledAt + decision.delayMs - now)), reason: decision.reason };
}

/** Asks the forge to cancel a run; says whether it did, never throws (the caller's error stands). */
export async function cancel(
  forge: Forge,
  repo: RepoRef,
  runId: number,
  e: Engine,
  meter: Meter,
  reason: 'timeout' | 'abort' | 'fail-fast',
): Promise<void> {
  try {
    // Not under the aborted signal: the cancellation itself must still go out.
    const outcome = await forge.cancelRun(repo, runId, { meter, debug: e.debug, now: e.now, sleep: e.sleep });
    if (outcome === 'requested') e.emit({ type: 'cancelled', runId, reason });
    else e.debug(`Run ${runId} had already completed; nothing to cancel.`);
  } catch (error) {
    e.debug(`Cancelling run ${runId} failed: ${(error as Error).message}`);
  }
}

/**
 * Whether reading an unchanged run is free (a 304 not counted against the rate limit). Then the
 * schedule polls at the shortest interval and never reads the history; where every poll costs a
 * request, the history pays for itself.
 */
export async function pollsAreFree(forge: Forge, e: Engine): Promise<boolean> {
  try {
    return (await forge.capabilities(e.ctx)).conditionalRequests;
  } catch (error) {
    if (e.signal?.aborted) throw abortError(e.signal);
    e.debug(`Could not read the forge's capabilities (${(error as Error).message}); polls count as paid.`);
    return false;
  }
}

/**
 * The poll schedule of a run (or of the runs of a repository, `run` standing for them): the
 * shortest interval throughout where reading an unchanged run is free, else shaped by the durations
 * of the workflow's recent runs (one request). The one way `waitForRun` and the fan-out choose it.
 */
export async function scheduleFor(
  forge: Forge,
  repo: RepoRef,
  run: Run,
  options: WaitOptions,
  e: Engine,
  deadline: number,
): Promise<ScheduleSettings> {
  const freePolls = await pollsAreFree(forge, e);
  const estimate = freePolls ? undefined : await learnDuration(forge, repo, run, options, e, deadline);
  return {
    minIntervalMs: options.intervalMs ?? WAIT_DEFAULTS.intervalMs,
    maxIntervalMs: options.maxIntervalMs ?? WAIT_DEFAULTS.maxIntervalMs,
    freePolls,
    estimate,
  };
}

/**
 * A duration the user stated (`expected-duration`) as an estimate: a typical run, not every run, so
 * it gets the usual spread of real runs around it — skewed late, as runs are (a cache miss, a slow
 * runner): the quartiles of the runs the bench draws (±20 %, triangular, 1 in 10 in a tail to 1.8×)
 * lie about 5 % below and 8 % above the nominal time. A 10-minute run then gets an 80-s window
 * polled every ≈ 5 s, as with a history of such runs.
 */
export function statedDuration(ms: number): DurationEstimate {
  return { expectedMs: ms, earliestMs: Math.round(ms * 0.95), latestMs: Math.round(ms * 1.08) };
}

/** One request: the durations of the workflow's recent completed runs (none when the user stated it). */
export async function learnDuration(
  forge: Forge,
  repo: RepoRef,
  run: Run,
  options: WaitOptions,
  e: Engine,
  deadline: number,
): Promise<DurationEstimate | undefined> {
  const given = options.expectedDurationMs;
  if (given !== undefined) return statedDuration(given);
  if (options.learnDuration === false) return undefined;
  const workflow = run.workflowId ?? run.workflowPath?.split('/').pop();
  if (workflow === undefined) return undefined;
  try {
    const page = await forge.listRuns(
      repo,
      { workflow, status: 'completed', perPage: 20, page: 1 },
      e.until(deadline),
    );
    const estimate = estimateDuration(page.runs.filter((r) => r.id !== run.id));
    e.debug(
      estimate === undefined
        ? 'No completed run of this workflow to learn from; polling with backoff.'
        : `Recent runs of this workflow took ${formatDuration(estimate.expectedMs)} (median; half of them ${formatDuration(estimate.earliestMs)} to ${formatDuration(estimate.latestMs)}); polling densely then.`,
    );
    return estimate;
  } catch (error) {
    if (e.signal?.aborted) throw error;
    e.debug(`Could not learn the expected duration: ${(error as Error).message}`);
    return undefined;
  }
}

export class JobTracker {
  jobs: readonly Job[] = [];
  readonly #started = new Set<number>();
  readonly #completed = new Set<number>();
  constructor(private readonly e: Engine) {}

  update(jobs: readonly Job[]): void {
    this.jobs = jobs;
    for (const job of jobs) {
      if (job.status !== 'queued' && !this.#started.has(job.id)) {
        this.#started.add(job.id);
        this.e.emit({ type: 'job', job, change: 'started' });
      }
      if (job.status === 'completed' && !this.#completed.has(job.id)) {
        this.#completed.add(job.id);
        this.e.emit({ type: 'job', job, change: 'completed' });
      }
    }
  }
}

async function refreshJobs(
  forge: Forge,
  repo: RepoRef,
  run: Run,
  e: Engine,
  deadline: number,
  tracker: JobTracker,
): Promise<void> {
  try {
    const jobs = await forge.listJobs(repo, run.id, e.until(deadline), run.runAttempt);
    tracker.update(jobs);
  } catch (error) {
    if (e.signal?.aborted) throw abortError(e.signal);
    // Jobs are a report, not the verdict: the run's own status decides.
    e.debug(`Could not list the jobs of run ${run.id}: ${(error as Error).message}`);
  }
}

export async function describeFailures(
  forge: Forge,
  repo: RepoRef,
  jobs: readonly Job[],
  options: Pick<WaitOptions, 'logTailLines'>,
  e: Engine,
): Promise<FailedJob[]> {
  const lines = options.logTailLines ?? WAIT_DEFAULTS.logTailLines;
  const failed = jobs.filter((job) => isFailing(job.conclusion));
  const out: FailedJob[] = [];
  for (const [index, job] of failed.entries()) {
    const failedSteps = job.steps.filter((s) => isFailing(s.conclusion)).map((s) => s.name);
    let logTail: string | undefined;
    if (lines > 0 && index < WAIT_DEFAULTS.maxLogJobs && job.conclusion !== 'cancelled') {
      try {
        logTail = tailLines(await forge.getJobLog(repo, job.id, e.ctx, lines * 400), lines);
      } catch (error) {
        if (e.signal?.aborted) throw error;
        e.debug(`Could not read the log of job ${job.id}: ${(error as Error).message}`);
      }
    }
    out.push({
      id: job.id,
      name: job.name,
      conclusion: job.conclusion,
      ...(job.htmlUrl !== undefined ? { htmlUrl: job.htmlUrl } : {}),
      failedSteps,
      ...(logTail !== undefined ? { logTail } : {}),
    });
  }
  return out;
}
