// Finds exactly the run a dispatch started. Best first: the run id the dispatch returned; then the
// correlation id in the run's title (`run-name` → `display_title`, visible as soon as the run
// exists); then the correlation id in a step name (the cross-repo-dispatch convention, visible only
// once a job runs). A bare time window is never enough: under concurrency it picks the wrong run.
import { earliestRunTime } from './clock.js';
import { containsCorrelationId } from './correlation-id.js';
import type {
  CorrelateOptions,
  CorrelationMethod,
  CorrelationMode,
  DispatchReceipt,
} from './engine-types.js';
import { RunNotFoundError, UnsupportedByServerError } from './errors.js';
import { type Engine, engine, formatDuration, repoName, resumeAt } from './internal.js';
import { createMeter } from './meter.js';
import { correlationDelay, rateLimitFloor } from './schedule.js';
import { abortError } from './sleep.js';
import type { Forge, ForgeCapabilities, Job, Run } from './types.js';

export const CORRELATE_DEFAULTS = {
  timeoutMs: 120_000,
  intervalMs: 2_000,
  maxRuns: 10,
  clockSkewMs: 120_000,
  maxPages: 3,
  perPage: 50,
} as const;

export interface FoundRun {
  readonly run: Run;
  readonly method: CorrelationMethod;
}

export interface SearchOutcome {
  readonly found?: FoundRun;
  /** When not found: no candidate remained that could still turn out to be the run. */
  readonly certainlyAbsent: boolean;
}

/** Finds the run a dispatch started, or rejects with RunNotFoundError after `timeoutMs`. */
export async function correlate(
  forge: Forge,
  receipt: DispatchReceipt,
  options: CorrelateOptions = {},
): Promise<Run> {
  return (await correlateRun(forge, receipt, options)).run;
}

/** Like `correlate`, and says how the run was recognised. */
export async function correlateRun(
  forge: Forge,
  receipt: DispatchReceipt,
  options: CorrelateOptions = {},
): Promise<FoundRun> {
  const outcome = await searchRun(forge, receipt, options);
  if (outcome.found) return outcome.found;
  throw new RunNotFoundError(notFoundMessage(receipt, options.timeoutMs ?? CORRELATE_DEFAULTS.timeoutMs), {
    hint: echoHintSentence(receipt),
  });
}

/** The search itself; ends with the run or, at the deadline, with whether it is certainly absent. */
export async function searchRun(
  forge: Forge,
  receipt: DispatchReceipt,
  options: CorrelateOptions = {},
): Promise<SearchOutcome> {
  const meter = createMeter(options.meter);
  const e = engine(options, meter);
  const timeoutMs = options.timeoutMs ?? CORRELATE_DEFAULTS.timeoutMs;
  const deadline = e.now() + timeoutMs;

  if (receipt.runId !== undefined) {
    const runId = receipt.runId;
    const run = await forge.getRun(receipt.repo, runId, e.until(deadline));
    e.emit({ type: 'correlated', run, method: 'run-id' });
    return { found: { run, method: 'run-id' }, certainlyAbsent: false };
  }

  // Step names need the jobs API; a server without one (Gitea 1.24) can only match titles. Said at
  // once rather than after a search that cannot succeed.
  let mode = receipt.correlation;
  const caps = await capabilitiesFor(forge, mode, e);
  if (mode !== 'run-name' && caps !== undefined && !caps.jobsApi) {
    if (mode === 'step-name') {
      throw new UnsupportedByServerError(
        `${caps.server} does not list job steps, so the run cannot be found by a step name; use correlation run-name and ${echoHint({ ...receipt, correlation: 'run-name' })}.`,
      );
    }
    mode = 'run-name';
    e.debug(`${caps.server} does not list job steps: correlating by run-name only.`);
  }
  // A list read before the new run can show in it finds nothing and still costs a request. The run
  // was created somewhere between the dispatch's start (`dispatchedAt`, before any capability read)
  // and its answer (about now), so a search that starts right after the dispatch waits the whole
  // delay; one that starts later (after a lost answer, in the webhook service) does not wait.
  const listing = caps?.listingDelayMs ?? 0;
  const listingDelayMs = e.now() - receipt.dispatchedAt < listing ? listing : 0;
  const search = new Search(forge, { ...receipt, correlation: mode }, options, e);
  let resume: number | undefined;
  for (let round = 1; ; round++) {
    const now = e.now();
    if (now >= deadline && round > 1) return { certainlyAbsent: search.unruled === 0 };
    const wait = Math.min(
      Math.max(
        correlationDelay(round, options.intervalMs ?? CORRELATE_DEFAULTS.intervalMs, listingDelayMs),
        rateLimitFloor(meter.cost().rateLimit, now),
        resume === undefined ? 0 : resume - now,
      ),
      Math.max(0, deadline - now),
    );
    e.emit({ type: 'waiting', delayMs: wait, reason: resume === undefined ? 'schedule' : 'rate-limit' });
    await e.sleep(wait, e.signal);
    if (e.signal?.aborted) throw abortError(e.signal);
    let found: FoundRun | undefined;
    try {
      found = await search.round(round, deadline);
      resume = undefined;
    } catch (error) {
      if (e.signal?.aborted) throw abortError(e.signal);
      // A rate limit that ends before the deadline: search again after it. Any other failure has
      // been retried by the transport already and ends the search.
      resume = resumeAt(error, deadline);
      if (resume === undefined) throw error;
      e.debug(`Searching for the run paused by a rate limit (${(error as Error).message}).`);
      continue;
    }
    if (found) {
      e.emit({ type: 'correlated', run: found.run, method: found.method });
      return { found, certainlyAbsent: false };
    }
  }
}

/**
 * The forge's capabilities: needed to choose the mode (step names need a jobs API) and for the
 * listing delay. In run-name mode they are a hint only, so a failure to read them is not fatal.
 */
async function capabilitiesFor(
  forge: Forge,
  mode: CorrelationMode,
  e: Engine,
): Promise<ForgeCapabilities | undefined> {
  try {
    return await forge.capabilities(e.ctx);
  } catch (error) {
    if (mode !== 'run-name' || e.signal?.aborted) throw error;
    e.debug(`Could not read the forge's capabilities (${(error as Error).message}); searching at once.`);
    return undefined;
  }
}

/** The branch a ref names, or undefined when it names a tag or a commit (no branch filter then). */
export function branchOf(ref: string): string | undefined {
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  if (ref.startsWith('refs/')) return undefined;
  if (/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(ref)) return undefined;
  return ref;
}

const baseName = (path: string): string => path.replace(/@.*$/, '').split('/').pop() ?? path;

/** Does the run belong to `workflow` (file name or numeric id)? Unknown fields do not exclude. */
export function workflowMatches(run: Run, workflow: string | number | undefined): boolean {
  if (workflow === undefined) return true;
  const text = String(workflow);
  if (/^\d+$/.test(text)) {
    if (typeof run.workflowId === 'number' || /^\d+$/.test(String(run.workflowId ?? ''))) {
      return String(run.workflowId) === text;
    }
    return true;
  }
  const file = baseName(text);
  if (run.workflowPath !== undefined) return baseName(run.workflowPath) === file;
  if (typeof run.workflowId === 'string') return baseName(run.workflowId) === file;
  return true;
}

/** Does any step of the jobs carry the correlation id? */
export function stepMatches(jobs: readonly Job[], id: string): boolean {
  return jobs.some((job) =>
    job.steps.some((step) => step.name === id || containsCorrelationId(step.name, id)),
  );
}

class Search {
  readonly #ruledOut = new Set<number>();
  /** How often each run's jobs were read: runs looked at least go first, so none starves. */
  readonly #looks = new Map<number, number>();
  #unruled = 0;
  readonly #event: string;
  readonly #branch: string | undefined;
  readonly #windowStart: number;
  readonly #mode: CorrelationMode;

  constructor(
    private readonly forge: Forge,
    private readonly receipt: DispatchReceipt,
    private readonly options: CorrelateOptions,
    private readonly e: Engine,
  ) {
    this.#event = receipt.eventType !== undefined ? 'repository_dispatch' : 'workflow_dispatch';
    // A repository_dispatch runs on the default branch whatever ref the caller names (GitHub docs,
    // "Events that trigger workflows": repository_dispatch — GITHUB_REF is the default branch), so
    // its runs are not filtered by branch; cross-repo-dispatch steps give any `ref` there.
    this.#branch = receipt.eventType !== undefined ? undefined : branchOf(receipt.ref);
    this.#windowStart = earliestRunTime(receipt) - (options.clockSkewMs ?? CORRELATE_DEFAULTS.clockSkewMs);
    this.#mode = receipt.correlation;
  }

  /** Candidates seen in the last round that are not ruled out yet. */
  get unruled(): number {
    return this.#unruled;
  }

  /** Adapters may ignore filters, so every field is checked again here. */
  #isCandidate(run: Run): boolean {
    if (this.#ruledOut.has(run.id)) return false;
    if (!workflowMatches(run, this.receipt.workflow)) return false;
    if (run.event !== undefined && run.event !== this.#event) return false;
    if (this.#branch !== undefined && run.headBranch !== undefined && run.headBranch !== this.#branch)
      return false;
    const created = Date.parse(run.createdAt);
    return Number.isNaN(created) || created >= this.#windowStart;
  }

  async round(round: number, deadline: number): Promise<FoundRun | undefined> {
    const { forge, receipt, e } = this;
    const id = receipt.correlationId;
    const maxPages = Math.max(1, this.options.maxPages ?? CORRELATE_DEFAULTS.maxPages);
    const candidates: Run[] = [];
    for (let page = 1; page <= maxPages; page++) {
      const result = await forge.listRuns(
        receipt.repo,
        {
          ...(receipt.workflow !== undefined ? { workflow: receipt.workflow } : {}),
          event: this.#event,
          ...(this.#branch !== undefined ? { branch: this.#branch } : {}),
          createdAfter: new Date(this.#windowStart).toISOString(),
          page,
          perPage: CORRELATE_DEFAULTS.perPage,
        },
        e.until(deadline),
      );
      for (const run of result.runs) {
        if (!this.#isCandidate(run)) continue;
        if (this.#mode !== 'step-name' && containsCorrelationId(run.displayTitle, id)) {
          return { run, method: 'run-name' };
        }
        // In run-name mode a title without the id rules the run out; a missing title does not.
        if (this.#mode === 'run-name' && run.displayTitle !== undefined) {
          this.#ruledOut.add(run.id);
          continue;
        }
        candidates.push(run);
      }
      // Further pages only matter while this page still reaches into the time window.
      const oldest = result.runs.at(-1);
      const oldestCreated = oldest ? Date.parse(oldest.createdAt) : Number.NaN;
      if (!result.hasMore || !(oldestCreated >= this.#windowStart)) break;
    }
    this.#unruled = candidates.length;
    e.emit({ type: 'correlating', round, candidates: candidates.length });
    if (this.#mode === 'run-name') return undefined;

    // Inspect at most maxRuns per round: runs looked at least first (a run that never starts must not
    // starve the others), then those created closest to the dispatch (the likeliest).
    const maxRuns = Math.max(1, this.options.maxRuns ?? CORRELATE_DEFAULTS.maxRuns);
    const looks = (run: Run): number => this.#looks.get(run.id) ?? 0;
    // On the forge's clock, where the forge said it (`clockOffsetMs`).
    const sentAt = receipt.dispatchedAt + (receipt.clockOffsetMs ?? 0);
    const distance = (run: Run): number => Math.abs(Date.parse(run.createdAt) - sentAt);
    const ordered = [...candidates].sort(
      (a, b) => looks(a) - looks(b) || distance(a) - distance(b) || a.id - b.id,
    );
    for (const run of ordered.slice(0, maxRuns)) {
      this.#looks.set(run.id, looks(run) + 1);
      const jobs = await forge.listJobs(receipt.repo, run.id, e.until(deadline));
      if (stepMatches(jobs, id)) return { run, method: 'step-name' };
      // Every job lists its steps (or the run is over) and none carries the id: never look again.
      const allListed = jobs.length > 0 && jobs.every((job) => job.steps.length > 0);
      if (allListed || run.status === 'completed') {
        this.#ruledOut.add(run.id);
        this.#unruled -= 1;
      }
    }
    return undefined;
  }
}

function target(receipt: DispatchReceipt): string {
  const what = receipt.workflow !== undefined ? `${receipt.workflow}` : `event ${receipt.eventType}`;
  return `${what} on ${receipt.ref} in ${repoName(receipt.repo)}`;
}

function echoExpression(receipt: DispatchReceipt, key: string): string {
  return receipt.eventType !== undefined
    ? `\${{ github.event.client_payload.${key} }}`
    : `\${{ inputs.${key} }}`;
}

/** What the target workflow must do so that its run can be recognised. */
export function echoHint(receipt: DispatchReceipt): string {
  const key = receipt.correlationInput ?? 'correlation_id';
  const title = `add \`run-name: ... ${echoExpression(receipt, key)}\` to the target workflow`;
  const stepKey = receipt.eventType !== undefined ? 'sha' : key;
  const step = `name a step \`${echoExpression(receipt, stepKey)}\` in the target workflow`;
  if (receipt.correlation === 'run-name') return title;
  if (receipt.correlation === 'step-name') return step;
  return `${title} (or ${step})`;
}

/** `echoHint` as the sentence an error's `hint` is (front ends print it after the message). */
export function echoHintSentence(receipt: DispatchReceipt): string {
  const hint = echoHint(receipt);
  return `${hint.charAt(0).toUpperCase()}${hint.slice(1)}.`;
}

/** What was not found; what the target must echo is the error's hint (`echoHintSentence`), said once. */
export function notFoundMessage(receipt: DispatchReceipt, timeoutMs: number): string {
  const where =
    receipt.correlation === 'run-name'
      ? 'in its title'
      : receipt.correlation === 'step-name'
        ? 'in a step name'
        : 'in its title or a step name';
  return `No run of ${target(receipt)} showed correlation id ${receipt.correlationId} ${where} within ${formatDuration(timeoutMs)} (correlation: ${receipt.correlation}).`;
}
