// One change, many targets, one answer. Each target is dispatched as `runFlow` dispatches one (the
// same `dispatch` and `correlateRun`, a bounded number at a time), and the runs are then followed
// together: the runs of one repository on one forge are watched by ONE list request per poll
// instead of one request per run, on the schedule a single wait uses (`nextPollDelay`: every
// `intervalMs` where an unchanged read is free, learned from history where it is not). A run that
// completes is read the way `waitForRun` reads it (`finishedResult`), but its jobs only where they
// tell something: when it failed. The answer is one list of outcomes, one overall conclusion, one
// status and one comment (fan-out-report.ts).
//
// What a poll costs on GitHub: a `304 Not Modified` is free, so the list costs a counted request
// only when something in it changed. The list is filtered to what can change — the runs created
// since the first dispatch, of the targets' workflow, event and branch where they share one — so
// other runs of the repository do not make it change, and runs that finish together are seen by
// one read. Runs that start and end at different times would still cost a read per change; so
// while many are open (and no fail-fast asks to see each failure at once), the watch follows just
// one of them — the one dispatched last — by its own conditional read, free while it runs, and
// reads the list only when that one has ended.
import { collectRunResults, wantsResults } from './artifacts.js';
import { earliestRunTime } from './clock.js';
import { branchOf, CORRELATE_DEFAULTS, correlateRun } from './correlate.js';
import { dispatch } from './dispatch.js';
import { provisionalRun } from './dispatch-and-wait.js';
import type {
  CorrelationMethod,
  DispatchReceipt,
  EngineOptions,
  ProgressEvent,
  ReportWrite,
  RunResult,
} from './engine-types.js';
import { AbortedError, RunTimeoutError, type XrdError } from './errors.js';
import type { FanOutOptions, TargetOptions } from './fan-out-options.js';
import {
  type FanOutVerdict,
  reportFanOutError,
  reportFanOutResult,
  reportFanOutStart,
} from './fan-out-report.js';
import { dispatchRequestOf, type ReportPhase } from './flow.js';
import { type Engine, engine, formatDuration, repoName, resumeAt } from './internal.js';
import { createMeter, type Meter } from './meter.js';
import { commitStateFor, defaultStatusContext, reportError, reportResult, reportStart } from './report.js';
import type { ReportOptions } from './run-options.js';
import { sharedSchedule } from './schedule.js';
import { abortError } from './sleep.js';
import type { ApiCost, CallContext, Forge, ForgeKind, ListRunsFilter, RepoRef, Run } from './types.js';
import { cancel, finishedResult, pollWait, scheduleFor } from './wait.js';

export type { FanOutVerdict } from './fan-out-report.js';

/** Where a target lives: what a Forge is built from (the app builds it; see `FanOutHooks.connect`). */
export interface TargetLocation {
  readonly forge: ForgeKind;
  readonly apiUrl: string;
  /** The target's own token (else the app's). */
  readonly token?: string;
  /** The CLI's: the environment variable holding the target's token. */
  readonly tokenEnv?: string;
}

/** How one target ended. */
export interface TargetOutcome {
  readonly target: TargetOptions;
  /**
   * - `success` / `failure`: the run completed and its conclusion passes / fails `fail-on` (a run
   *   cancelled, stale or waiting for approval is an `error`: it did not judge the change);
   * - `error`: the target could not be dispatched, found or waited for (`error` says why);
   * - `cancelled`: fail-fast stopped it (its run cancelled, or it was never dispatched);
   * - `pending`: dispatched and found, not waited for (`wait: false`).
   */
  readonly verdict: FanOutVerdict;
  readonly receipt?: DispatchReceipt;
  /** The run, as last seen. */
  readonly run?: Run;
  /** When the run completed. */
  readonly result?: RunResult;
  /** Why there is no result (or what went wrong with its remote outputs). */
  readonly error?: XrdError;
  /** The run was cancelled on the way out (timeout with cancel-on-timeout, an interruption). */
  readonly runCancelled?: boolean;
}

export interface FanOutOutcome {
  readonly targets: readonly TargetOutcome[];
  /** `success` when every target's verdict is `success` (or `pending` without waiting), else `failure`. */
  readonly conclusion: 'success' | 'failure';
  /** Every request of every target, the shared list reads included (not the report's). */
  readonly apiCost: ApiCost;
}

export interface FanOutHooks extends EngineOptions {
  /**
   * Builds the Forge of a location. Called once per distinct location (forge, API URL and token):
   * targets on one forge share one Forge, so they share its ETag cache and its repository watches.
   */
  readonly connect: (location: TargetLocation) => Forge;
  /** The forge of the source repository, where statuses and the comment go (with `options.report`). */
  readonly reportForge?: Forge;
  /** A target's progress (the events a single flow's `onProgress` gets). */
  readonly onTargetProgress?: (target: TargetOptions, event: ProgressEvent) => void;
  /** A target's run is known (before it is waited for): save what is needed to cancel it later. */
  readonly onTargetRun?: (target: TargetOptions, run: Run, receipt: DispatchReceipt) => void | Promise<void>;
  /** A target ended (called in the order targets end). */
  readonly onTargetDone?: (outcome: TargetOutcome) => void | Promise<void>;
  /** As `FlowHooks.onReportError`; without it the first report error is thrown at the end. */
  readonly onReportError?: (error: unknown, phase: ReportPhase) => void;
  /** Heading of the comment (default `<n> targets`). */
  readonly title?: string;
}

/**
 * Dispatches every target (at most `options.concurrency` dispatches at once), finds each run (the
 * dispatch's answer, else correlation), and unless `options.wait` is false waits for all of them
 * under ONE deadline (`options.timeoutMs` from the start), watching the runs of one repository
 * together. With `failFast`, the first target that fails stops the others: their runs are
 * cancelled, and targets not dispatched yet are not dispatched. Reports (with `options.report`): a
 * pending status once the first run is known, one final status and one comment with a row per
 * target; with `statusPerTarget` one status per target too.
 *
 * A target's failure (rejected, not found, timed out) is its outcome, not an exception: the call
 * resolves with every outcome. It rejects only when `signal` aborts (AbortedError, after cancelling
 * the runs with `cancelOnAbort` and closing the report) or, without `onReportError`, when a report
 * could not be written.
 */
export async function runFanOut(options: FanOutOptions, hooks: FanOutHooks): Promise<FanOutOutcome> {
  const now = hooks.now ?? Date.now;
  const started = now();
  const deadline = started + options.timeoutMs;
  const total = createMeter(hooks.meter);
  // Fail-fast stops everything under way; the caller's signal does too.
  const stop = new AbortController();
  const onUserAbort = (): void => stop.abort(hooks.signal?.reason);
  if (hooks.signal?.aborted) onUserAbort();
  hooks.signal?.addEventListener('abort', onUserAbort, { once: true });

  const debug = (message: string): void => {
    try {
      hooks.onProgress?.({ type: 'debug', message });
    } catch {
      // as the engine: a failing progress callback breaks nothing
    }
  };
  let firstReportError: { error: unknown } | undefined;
  const reportFailed = (error: unknown, phase: ReportPhase): void => {
    if (hooks.onReportError) hooks.onReportError(error, phase);
    else firstReportError ??= { error };
  };
  const onWrite = (write: ReportWrite): void => {
    try {
      hooks.onProgress?.({ type: 'reported', write });
    } catch {
      // as the engine
    }
  };
  const reportCtx: CallContext = { debug };
  const report = options.report;
  const reportForge = hooks.reportForge;
  if (report && !reportForge) throw new TypeError('runFanOut: options.report needs hooks.reportForge.');

  const forges = new Map<string, Forge>();
  const forgeOf = (target: TargetOptions): Forge => {
    const location: TargetLocation = {
      forge: target.forge,
      apiUrl: target.apiUrl,
      ...(target.token !== undefined ? { token: target.token } : {}),
      ...(target.tokenEnv !== undefined ? { tokenEnv: target.tokenEnv } : {}),
    };
    const key = JSON.stringify([
      location.forge,
      location.apiUrl,
      location.token ?? '',
      location.tokenEnv ?? '',
    ]);
    let forge = forges.get(key);
    if (forge === undefined) {
      forge = hooks.connect(location);
      forges.set(key, forge);
    }
    return forge;
  };
  const watches = new Map<Forge, Map<string, RepoWatch>>();
  const watchOf = (forge: Forge, repo: RepoRef): RepoWatch => {
    let byRepo = watches.get(forge);
    if (byRepo === undefined) {
      byRepo = new Map();
      watches.set(forge, byRepo);
    }
    let watch = byRepo.get(repoName(repo));
    if (watch === undefined) {
      const meter = createMeter(total);
      watch = new RepoWatch(forge, repo, {
        e: engine(
          {
            signal: stop.signal,
            ...(hooks.now ? { now: hooks.now } : {}),
            ...(hooks.sleep ? { sleep: hooks.sleep } : {}),
            onProgress: (event) => {
              if (event.type === 'debug') debug(`${repoName(repo)}: ${event.message}`);
              else if (event.type === 'waiting') {
                debug(`${repoName(repo)}: next poll in ${formatDuration(event.delayMs)} (${event.reason})`);
              }
            },
          },
          meter,
        ),
        meter,
        deadline,
        intervalMs: options.intervalMs,
        expectedDurationMs: options.expectedDurationMs,
        // Following one run instead of the list trades live progress of the others for requests;
        // fail-fast needs to see every failure as it happens.
        followOne: !options.failFast,
      });
      byRepo.set(repoName(repo), watch);
    }
    return watch;
  };

  // The pending status is set once, when the first run is known (as a single flow does), so a
  // step whose every dispatch is refused leaves no pending status behind.
  let pendingReported: Promise<void> | undefined;
  const reportPending = (): Promise<void> => {
    if (!report || !reportForge) return Promise.resolve();
    pendingReported ??= reportFanOutStart(reportForge, report, options.targets, reportCtx, onWrite).catch(
      (error: unknown) => reportFailed(error, 'start'),
    );
    return pendingReported;
  };
  const targetReport = (target: TargetOptions): ReportOptions | undefined =>
    report?.sha !== undefined && options.statusPerTarget
      ? { repo: report.repo, sha: report.sha, context: targetContext(target, options.targets) }
      : undefined;

  // With fail-fast, a target that fails stops the others at once: before its slot goes to the
  // next dispatch, before its report is written.
  const failed = (target: TargetOptions): void => {
    if (!options.failFast || stop.signal.aborted) return;
    debug(`${target.name} failed: stopping the other targets (fail-fast).`);
    stop.abort(new AbortedError('Another target failed (fail-fast).'));
  };
  const slots = new Slots(options.concurrency);
  const outcomes: TargetOutcome[] = new Array(options.targets.length);

  const follow = async (target: TargetOptions): Promise<TargetOutcome> => {
    const forge = forgeOf(target);
    const meter = createMeter(total);
    const emit = (event: ProgressEvent): void => {
      try {
        hooks.onTargetProgress?.(target, event);
      } catch {
        // as the engine
      }
    };
    let cancelled = false;
    const base: EngineOptions = {
      signal: stop.signal,
      ...(hooks.now ? { now: hooks.now } : {}),
      ...(hooks.sleep ? { sleep: hooks.sleep } : {}),
      onProgress: (event) => {
        if (event.type === 'cancelled') cancelled = true;
        emit(event);
      },
      meter,
    };
    const e = engine(base, meter);
    // The watch of the target's repository waits for the runs still to join before reading them.
    const watch = watchOf(forge, target.repo);
    watch.expect();
    let joined = false;
    // What comes after the run completed is not stopped by fail-fast: the run is over, its report is due.
    const after = engine({ ...base, ...(hooks.signal ? { signal: hooks.signal } : {}) }, meter);
    const own = targetReport(target);
    let receipt: DispatchReceipt | undefined;
    let run: Run | undefined;
    try {
      await slots.take(stop.signal);
      try {
        if (e.now() >= deadline)
          throw new NotDispatched('the deadline passed before its turn to be dispatched');
        let ref = target.ref;
        if (ref === undefined) {
          ref = await forge.getDefaultBranch(target.repo, e.ctx);
          e.debug(`ref not given: using the default branch ${ref}`);
        }
        receipt = await dispatch(forge, dispatchRequestOf({ ...target, ref }), base);
      } catch (error) {
        if (!stop.signal.aborted) failed(target);
        throw error;
      } finally {
        slots.give();
      }
      let method: CorrelationMethod = 'run-id';
      if (receipt.runId === undefined) {
        const found = await correlateRun(forge, receipt, {
          ...base,
          maxRuns: target.maxRuns,
          intervalMs: target.intervalMs,
          timeoutMs: Math.min(CORRELATE_DEFAULTS.timeoutMs, Math.max(0, deadline - e.now())),
        });
        run = found.run;
        method = found.method;
      } else run = provisionalRun(receipt);
      await hooks.onTargetRun?.(target, run, receipt);
      await reportPending();
      if (own && reportForge) {
        await reportStart(reportForge, own, { receipt, run }, reportCtx, onWrite).catch((error: unknown) =>
          reportFailed(error, 'start'),
        );
      }
      if (!target.wait) {
        watch.abandon();
        return { target, verdict: 'pending', receipt, run };
      }

      emit({ type: 'status', run, previous: undefined });
      joined = true;
      const completed = await watch.follow(run, receipt, target.expectedDurationMs, (next, previous) => {
        run = next;
        if (next.status !== previous.status) emit({ type: 'status', run: next, previous: previous.status });
      });
      run = completed;
      // Jobs are read where they tell something: a failed run's failed steps, or when asked for.
      const withJobs = isFailing(completed, options.failOn);
      let result: RunResult = {
        ...(await finishedResult(
          forge,
          receipt.repo,
          completed,
          { correlationId: receipt.correlationId, correlationMethod: method },
          after,
          { deadline, started, withJobs },
        )),
        apiCost: meter.cost(),
      };
      let resultsError: XrdError | undefined;
      if (wantsResults(options.results)) {
        const got = await collectRunResults(forge, result, options.results, after.ctx).catch(
          (error: unknown) => {
            if (error instanceof AbortedError) throw error;
            resultsError = error as XrdError;
            return undefined;
          },
        );
        if (got) {
          for (const message of got.notes) emit({ type: 'notice', message });
          resultsError = got.error;
          result = {
            ...result,
            artifacts: got.artifacts,
            ...(got.outputs !== undefined ? { remoteOutputs: got.outputs } : {}),
          };
        }
      }
      result = { ...result, apiCost: meter.cost() };
      const state = commitStateFor(result, options.failOn);
      const verdict: FanOutVerdict = state === 'success' && resultsError ? 'error' : (state as FanOutVerdict);
      if (verdict !== 'success') failed(target);
      if (own && reportForge) {
        await reportResult(reportForge, own, result, {
          failOn: options.failOn,
          ctx: reportCtx,
          onWrite,
        }).catch((error: unknown) => reportFailed(error, 'result'));
      }
      return {
        target,
        verdict,
        receipt,
        run: result.run,
        result,
        ...(resultsError !== undefined ? { error: resultsError } : {}),
      };
    } catch (caught) {
      if (!joined) watch.abandon();
      let error = caught;
      const stopped = stop.signal.aborted && !hooks.signal?.aborted;
      const open = run !== undefined && run.status !== 'completed';
      if (caught instanceof WatchTimeout) {
        // The deadline: said as a single wait says it, naming what was left of it.
        error = new RunTimeoutError(
          run === undefined
            ? `${target.name} was not found within ${formatDuration(options.timeoutMs)}; raise the timeout.`
            : `Run ${run.id} in ${repoName(target.repo)} did not complete within ${formatDuration(options.timeoutMs)} (last status: ${run.status}); raise the timeout or check the run at ${run.htmlUrl || 'the forge'}.`,
          { ...(run ? { runId: run.id, lastStatus: run.status } : {}) },
        );
        if (open && options.cancelOnTimeout && run)
          await cancel(forge, target.repo, run.id, after, meter, 'timeout');
      } else if (stopped && (caught instanceof AbortedError || caught instanceof NotDispatched)) {
        // fail-fast: another target failed.
        if (open && run) await cancel(forge, target.repo, run.id, after, meter, 'fail-fast');
        const outcome: TargetOutcome = {
          target,
          verdict: 'cancelled',
          ...(receipt ? { receipt } : {}),
          ...(run ? { run } : {}),
          error: new AbortedError(
            failFastMessage(
              receipt === undefined
                ? { stage: 'not-dispatched' }
                : run === undefined
                  ? { stage: 'not-found' }
                  : cancelled || !open
                    ? { stage: 'cancelled' }
                    : { stage: 'goes-on', runId: run.id },
            ),
          ),
        };
        if (own && reportForge && receipt) await closeOwn(reportForge, own, outcome);
        return outcome;
      } else if (hooks.signal?.aborted) {
        if (open && options.cancelOnAbort && run)
          await cancel(forge, target.repo, run.id, after, meter, 'abort');
        error = abortError(hooks.signal);
      } else if (caught instanceof NotDispatched) {
        error = new RunTimeoutError(`${target.name} was not dispatched: ${caught.message}.`);
      }
      if (!hooks.signal?.aborted) failed(target);
      const outcome: TargetOutcome = {
        target,
        verdict: 'error',
        ...(receipt ? { receipt } : {}),
        ...(run ? { run } : {}),
        error: error as XrdError,
        ...(cancelled ? { runCancelled: true } : {}),
      };
      if (own && reportForge && receipt) await closeOwn(reportForge, own, outcome);
      return outcome;
    }

    async function closeOwn(reportTo: Forge, to: ReportOptions, outcome: TargetOutcome): Promise<void> {
      await reportError(reportTo, to, outcome.error, {
        ...(outcome.receipt ? { receipt: outcome.receipt } : {}),
        ...(outcome.run ? { run: outcome.run } : {}),
        timeoutMs: options.timeoutMs,
        cancelled: outcome.runCancelled === true,
        ctx: reportCtx,
        onWrite,
      }).catch((error: unknown) => reportFailed(error, 'error'));
    }
  };

  try {
    await Promise.all(
      options.targets.map(async (target, i) => {
        const outcome = await follow(target);
        outcomes[i] = outcome;
        await hooks.onTargetDone?.(outcome);
      }),
    );
  } finally {
    hooks.signal?.removeEventListener('abort', onUserAbort);
  }

  const conclusion = outcomes.every((o) => o.verdict === 'success' || o.verdict === 'pending')
    ? 'success'
    : 'failure';
  const outcome: FanOutOutcome = { targets: outcomes, conclusion, apiCost: total.cost() };
  if (report && reportForge && outcomes.some((o) => o.receipt !== undefined)) {
    if (hooks.signal?.aborted) {
      await reportFanOutError(reportForge, report, abortError(hooks.signal), outcomes, {
        ...(hooks.title !== undefined ? { title: hooks.title } : {}),
        ctx: reportCtx,
        onWrite,
      }).catch((error: unknown) => {
        if (hooks.onReportError) hooks.onReportError(error, 'error');
        else debug(`Could not report the interruption: ${(error as Error).message}`);
      });
    } else if (options.wait) {
      // Without waiting there is no result to report: the pending status stays, as for one run.
      await reportFanOutResult(reportForge, report, outcome, {
        failOn: options.failOn,
        ...(hooks.title !== undefined ? { title: hooks.title } : {}),
        ctx: reportCtx,
        onWrite,
      }).catch((error: unknown) => reportFailed(error, 'result'));
    }
  }
  if (hooks.signal?.aborted) throw abortError(hooks.signal);
  if (firstReportError) throw firstReportError.error;
  return outcome;
}

/** A target's own status context: its default one (`#<index>` added when two targets share it). */
export function targetContext(target: TargetOptions, all: readonly TargetOptions[]): string {
  const context = (t: TargetOptions) => defaultStatusContext(t.repo, t);
  const mine = context(target);
  return all.filter((t) => context(t) === mine).length > 1 ? `${mine}#${target.index}` : mine;
}

const isFailing = (run: Run, failOn: FanOutOptions['failOn']): boolean =>
  run.conclusion !== null && failOn.includes(run.conclusion);

/** A target that was never dispatched (its turn came after the deadline, or fail-fast stopped it). */
class NotDispatched extends Error {}

/** Internal: the deadline passed while the watch followed a run. */
class WatchTimeout extends Error {}

/** At most `size` holders at once; the others wait in order (or until `signal` aborts). */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = Math.max(1, size);
  }
  async take(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new NotDispatched('another target failed (fail-fast)');
    if (this.#free > 0) {
      this.#free -= 1;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#waiting.indexOf(go);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(new NotDispatched('another target failed (fail-fast)'));
      };
      const go = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiting.push(go);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
  give(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free += 1;
  }
}

interface Member {
  run: Run;
  readonly receipt: DispatchReceipt;
  readonly onChange: (next: Run, previous: Run) => void;
  /** The target's own `expected-duration`, if it gives one (else the step's). */
  readonly expectedDurationMs: number | undefined;
  readonly resolve: (run: Run) => void;
  readonly reject: (error: unknown) => void;
  /** Seen in the list at least once. */
  listed: boolean;
  done: boolean;
}

interface WatchSettings {
  readonly e: Engine;
  readonly meter: Meter;
  readonly deadline: number;
  readonly intervalMs: number;
  /** The runs' usual duration as the user stated it (`expected-duration`), where polls are paid. */
  readonly expectedDurationMs?: number | undefined;
  /** Follow one run alone while many run (see `RepoWatch.#followed`). */
  readonly followOne: boolean;
}

/** Pages of the list read per poll at most (each page a request). */
const MAX_PAGES = 5;
/** Page size asked for; adapters clamp it (GitHub 100, Gitea and Forgejo 50). */
const PER_PAGE = 100;
/**
 * Following one run costs about 3 counted requests (its first read, the read that sees it end, the
 * list then); reading the list costs one per change seen (each start and each end that a poll does
 * not share with another). With the followed run as likely to end before as after any other,
 * following from n open runs costs 3 plus the mean cost over 0 … n − 1 runs left, which is below
 * the list's n from 6 runs on: C(n) = min(n, 3 + mean C(0 … n − 1)), 5.5 for 6, 8.9 for 20. That is
 * what 20 runs ending apart in an order nothing predicts cost (one run: 2, or 3 with its jobs); runs
 * that end together, or a run dispatched last that ends last, cost 3 or 4 (issue 19's "at most
 * twice one", asserted in fan-out.test.ts). A list read per end would cost 20.
 */
const FOLLOW_ONE_FROM = 6;

/**
 * The runs of one repository on one forge, watched together: each poll is ONE list request (a
 * few pages at most) that serves every run of the repository, conditional where the forge allows.
 * Where reads are free unless something changed and many runs are open, a poll reads just one of
 * them instead (see `#followed`).
 */
export class RepoWatch {
  readonly #members = new Map<number, Member>();
  #running = false;
  /** The run last followed alone (see `#followed`), to say when that changes. */
  #following: number | undefined;
  /** The followed run ended: the list is read (at once) before another is followed. */
  #listDue = false;
  /** Reading an unchanged run or list is free (known once the loop started). */
  #free = false;
  /** Targets of this repository still being dispatched or looked for, that will join. */
  #expected = 0;

  constructor(
    private readonly forge: Forge,
    private readonly repo: RepoRef,
    private readonly settings: WatchSettings,
  ) {}

  /**
   * Follows `run` (of the dispatch `receipt`) until it completes; `onChange` sees every new state.
   * Rejects at the deadline (WatchTimeout) and when the watch's signal aborts (AbortedError).
   */
  /** A target of this repository is about to be dispatched: its run will join (or `abandon`). */
  expect(): void {
    this.#expected += 1;
  }

  /** A target announced with `expect` will not join (it failed, or was stopped, before its run was known). */
  abandon(): void {
    this.#expected = Math.max(0, this.#expected - 1);
  }

  follow(
    run: Run,
    receipt: DispatchReceipt,
    expectedDurationMs: number | undefined,
    onChange: Member['onChange'],
  ): Promise<Run> {
    this.abandon();
    if (run.status === 'completed') return Promise.resolve(run);
    const promise = new Promise<Run>((resolve, reject) => {
      this.#members.set(run.id, {
        run,
        receipt,
        onChange,
        expectedDurationMs,
        resolve,
        reject,
        listed: false,
        done: false,
      });
    });
    if (!this.#running) void this.#loop();
    return promise;
  }

  get #open(): Member[] {
    return [...this.#members.values()].filter((m) => !m.done);
  }

  async #loop(): Promise<void> {
    this.#running = true;
    const { e, meter, deadline } = this.settings;
    try {
      // The schedule of a single wait: every interval where an unchanged list is free; where every
      // poll costs a request, shaped by the first run's target: its `expected-duration` (its own, or
      // the step's), else the durations of its workflow's recent runs (one request).
      const first = this.#open[0] as Member;
      // One list read serves every run of this repository, the ones still to join too.
      const settings = sharedSchedule(
        await scheduleFor(
          this.forge,
          this.repo,
          first.run,
          {
            intervalMs: this.settings.intervalMs,
            expectedDurationMs: first.expectedDurationMs ?? this.settings.expectedDurationMs,
          },
          e,
          deadline,
        ),
        this.#open.length + this.#expected,
      );
      this.#free = settings.freePolls;
      const caps = await this.forge.capabilities(e.ctx).catch(() => undefined);
      const listingDelayMs = caps?.listingDelayMs ?? 0;
      let retryAt: number | undefined;
      // The cadence runs from one poll's start to the next (see `pollWait`).
      let polledAt = e.now();
      while (this.#open.length > 0) {
        const open = this.#open;
        const since = Math.min(...open.map((m) => m.receipt.dispatchedAt));
        const now = e.now();
        if (now >= deadline) throw new WatchTimeout();
        const decision = pollWait(settings, polledAt, now, since, deadline, meter, retryAt);
        // A run shows in lists only after the forge's listing delay: reading the list before the
        // newest run can be in it would cost a request and show nothing new (a run read by its id
        // is there at once).
        const unlisted =
          this.#followed() === undefined
            ? open.filter((m) => !m.listed).map((m) => m.receipt.dispatchedAt)
            : [];
        const listable = unlisted.length > 0 ? Math.max(...unlisted) + listingDelayMs - now : 0;
        const delayMs = Math.max(decision.delayMs, Math.min(listable, Math.max(0, deadline - now)));
        e.emit({ type: 'waiting', delayMs, reason: decision.reason });
        await e.sleep(delayMs, e.signal);
        if (e.signal?.aborted) throw abortError(e.signal);
        if (e.now() >= deadline) throw new WatchTimeout();
        polledAt = e.now();
        // While runs of this repository are still to join, the one answer cannot come yet, and
        // a run followed alone now might not be the one dispatched last: wait for them (unless
        // every failure must be seen as it happens).
        if (this.#expected > 0 && this.settings.followOne && this.#free) continue;
        try {
          await this.#poll(listingDelayMs);
          retryAt = undefined;
        } catch (error) {
          if (e.signal?.aborted) throw abortError(e.signal);
          if (e.now() >= deadline) throw new WatchTimeout();
          retryAt = resumeAt(error, deadline);
          if (retryAt === undefined) throw error;
          e.debug(`Reading the runs is rate limited (${(error as Error).message}); polling again after it.`);
        }
      }
    } catch (error) {
      for (const member of this.#open) {
        member.done = true;
        member.reject(error);
      }
    } finally {
      this.#running = false;
      // A run that joined while the loop was ending is followed by a new loop.
      if (this.#open.length > 0) void this.#loop();
    }
  }

  /** One poll: the followed run alone when that is enough, else the list (and stragglers by id). */
  async #poll(listingDelayMs: number): Promise<void> {
    const followed = this.#followed();
    if (followed) {
      if (this.#following !== followed.run.id) {
        this.#following = followed.run.id;
        this.settings.e.debug(
          `${this.#open.length} runs open; following run ${followed.run.id} alone, and the others once it ended.`,
        );
      }
      const run = await this.forge.getRun(
        this.repo,
        followed.run.id,
        this.settings.e.until(this.settings.deadline),
      );
      this.#update(followed, run);
      // Only its end matters here: then the others are read with the list, at once.
      if (run.status !== 'completed') return;
      this.#listDue = true;
    }
    await this.#readList(listingDelayMs);
  }

  /**
   * The run to read alone at the next poll, if any. Where reads are free unless something changed
   * and many runs are open, every start and every end that polls do not see together would cost a
   * list read; instead the run dispatched last (the likeliest to end last) is read by its own
   * conditional request, free while it does not change, and the list only once it has ended. Runs
   * that end together are then seen by one list read; runs that end apart cost a list read and a
   * new followed run only when the followed one ended before them. Not with fail-fast
   * (`followOne` false), which must see each failure as it happens.
   */
  #followed(): Member | undefined {
    const open = this.#open;
    if (!this.settings.followOne || !this.#free || this.#listDue || open.length < FOLLOW_ONE_FROM) {
      return undefined;
    }
    // Dispatched last (run ids grow with creation where dispatches were sent at the same instant).
    const later = (a: Member, b: Member): boolean =>
      b.receipt.dispatchedAt > a.receipt.dispatchedAt ||
      (b.receipt.dispatchedAt === a.receipt.dispatchedAt && b.run.id > a.run.id);
    return open.reduce((a, b) => (later(a, b) ? b : a));
  }

  async #readList(listingDelayMs: number): Promise<void> {
    const { e, deadline, intervalMs } = this.settings;
    const missing = new Set(this.#open.map((m) => m.run.id));
    const filter = this.#filter();
    for (let page = 1; page <= MAX_PAGES && missing.size > 0; page++) {
      const result = await this.forge.listRuns(
        this.repo,
        { ...filter, page, perPage: PER_PAGE },
        e.until(deadline),
      );
      for (const run of result.runs) {
        const member = this.#members.get(run.id);
        if (member === undefined || member.done) continue;
        member.listed = true;
        missing.delete(run.id);
        this.#update(member, run);
      }
      if (!result.hasMore) break;
    }
    this.#listDue = false;
    // A run the list should show by now but does not (more runs than the pages read, an adapter
    // that filters differently) is read by its id.
    const now = e.now();
    for (const id of missing) {
      const member = this.#members.get(id);
      if (member === undefined || member.done) continue;
      if (now - member.receipt.dispatchedAt < listingDelayMs + 2 * intervalMs) continue;
      this.#update(member, await this.forge.getRun(this.repo, id, e.until(deadline)));
    }
  }

  /**
   * The list's filter: the runs created since the first dispatch (less the tolerated clock skew),
   * and the workflow, event and branch the runs share, so runs that cannot be ours do not change the
   * answer. It depends only on the runs joined, so it stays the same from poll to poll (one URL, one
   * ETag).
   */
  #filter(): ListRunsFilter {
    const receipts = [...this.#members.values()].map((m) => m.receipt);
    const shared = <T>(values: readonly T[]): T | undefined =>
      values.every((v) => v === values[0]) ? values[0] : undefined;
    const workflow = shared(receipts.map((r) => r.workflow));
    const event = shared(
      receipts.map((r) => (r.eventType !== undefined ? 'repository_dispatch' : 'workflow_dispatch')),
    );
    // A repository_dispatch runs on the default branch, whatever ref was named.
    const branch = event === 'workflow_dispatch' ? shared(receipts.map((r) => branchOf(r.ref))) : undefined;
    const since = Math.min(...receipts.map(earliestRunTime)) - CORRELATE_DEFAULTS.clockSkewMs;
    return {
      ...(workflow !== undefined ? { workflow } : {}),
      ...(event !== undefined ? { event } : {}),
      ...(branch !== undefined ? { branch } : {}),
      createdAfter: new Date(Math.floor(since / 1000) * 1000).toISOString(),
    };
  }

  #update(member: Member, run: Run): void {
    const previous = member.run;
    member.run = run;
    member.onChange(run, previous);
    if (run.status === 'completed') {
      member.done = true;
      member.resolve(run);
    }
  }
}

/**
 * What a target stopped by fail-fast says (its comment row, its outputs), wherever the stop was
 * decided: by `runFanOut`, or by a service that keeps targets as rows of its own.
 */
export function failFastMessage(
  stop:
    | { readonly stage: 'not-dispatched' | 'not-found' | 'cancelled' }
    | { readonly stage: 'goes-on'; readonly runId: number },
): string {
  switch (stop.stage) {
    case 'not-dispatched':
      return 'Not dispatched: another target failed (fail-fast).';
    case 'not-found':
      return 'Dispatched, but its run was not looked for: another target failed (fail-fast).';
    case 'cancelled':
      return 'Cancelled: another target failed (fail-fast).';
    case 'goes-on':
      return `No longer waited for: another target failed (fail-fast); run ${stop.runId} could not be cancelled and goes on.`;
  }
}
