// Sends one dispatch and returns a receipt: enough to find and follow the run now or later.
// The one rule that matters most here: a dispatch is never sent twice for one request. A lost answer
// (connection dropped after the request went out, a 5xx) may still have started a run, so after an
// ambiguous failure the run is looked for by its correlation id first, and the dispatch is sent
// again (once) only when the search positively proves the run absent. A search that fails (5xx,
// lost connection, rate limit, a server that cannot list the run) proves nothing: the dispatch
// stays ambiguous. `resolveAmbiguousDispatch` is that rule, in one place, for the engine (and so
// the CLI and the action) and the webhook service's worker.

import { echoHint, searchRun } from './correlate.js';
import { generateCorrelationId, isValidCorrelationId } from './correlation-id.js';
import type {
  CorrelateOptions,
  CorrelationMethod,
  CorrelationMode,
  DispatchOptions,
  DispatchReceipt,
  DispatchRequest,
} from './engine-types.js';
import { AbortedError, InvalidInputError, RunNotFoundError, XrdError } from './errors.js';
import { engine, formatDuration, repoName } from './internal.js';
import { createMeter } from './meter.js';
import type { Forge, ForgeDispatchRequest, ForgeDispatchResult, Run } from './types.js';

export const DEFAULT_CORRELATION_INPUT = 'correlation_id';
export const DEFAULT_AMBIGUOUS_SEARCH_MS = 60_000;
/** Clocks further apart than this are said in debug output (a `Date` is whole seconds). */
const CLOCK_SKEW_NOTICE_MS = 5_000;
const CORRELATION_MODES: readonly CorrelationMode[] = ['auto', 'run-name', 'step-name'];
const NAME = /^[A-Za-z0-9_.-]+$/;

function invalid(input: string, message: string): InvalidInputError {
  return new InvalidInputError(message, { input });
}

/** Checks a request before anything is sent; throws InvalidInputError naming the field. */
export function validateDispatchRequest(request: DispatchRequest): void {
  const { repo } = request;
  if (!repo || !NAME.test(repo.owner ?? '') || !NAME.test(repo.repo ?? '')) {
    throw invalid('repo', 'The target `repo` must be an owner and a repository name, e.g. acme/target.');
  }
  if (typeof request.ref !== 'string' || request.ref.trim() === '' || /\s/.test(request.ref)) {
    throw invalid('ref', 'The target `ref` must be a branch, tag or commit without spaces, e.g. main.');
  }
  const hasWorkflow = request.workflow !== undefined && String(request.workflow) !== '';
  const hasEvent = request.eventType !== undefined && request.eventType !== '';
  if (hasWorkflow === hasEvent) {
    throw invalid(
      hasWorkflow ? 'event-type' : 'workflow',
      'Give exactly one of `workflow` (workflow_dispatch, e.g. build.yml) and `event-type` (repository_dispatch).',
    );
  }
  if (hasWorkflow && !/^(\d+|[^/\s]+\.ya?ml)$/.test(String(request.workflow))) {
    throw invalid(
      'workflow',
      '`workflow` must be a workflow file name ending in .yml or .yaml, or a numeric id.',
    );
  }
  if (request.correlationId !== undefined && !isValidCorrelationId(request.correlationId)) {
    throw invalid(
      'correlation-id',
      '`correlation-id` may only contain letters, digits, ".", "_" and "-" (at most 100, starting with a letter or digit).',
    );
  }
  if (request.correlationInput !== undefined && !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(request.correlationInput)) {
    throw invalid('correlation-input', '`correlation-input` must be an input name such as correlation_id.');
  }
  if (request.correlation !== undefined && !CORRELATION_MODES.includes(request.correlation)) {
    throw invalid('correlation', '`correlation` must be one of auto, run-name, step-name.');
  }
}

/** The request as the forge will receive it, with the correlation id injected. */
export function prepareDispatch(request: DispatchRequest): {
  forgeRequest: ForgeDispatchRequest;
  correlationId: string;
  correlationInput: string;
  correlation: CorrelationMode;
} {
  validateDispatchRequest(request);
  const correlationInput = request.correlationInput ?? DEFAULT_CORRELATION_INPUT;
  const correlation = request.correlation ?? 'auto';
  const carried =
    request.eventType !== undefined
      ? request.clientPayload?.[correlationInput]
      : request.inputs?.[correlationInput];
  if (carried !== undefined && request.correlationId !== undefined && carried !== request.correlationId) {
    throw invalid(
      'correlation-id',
      `\`correlation-id\` differs from the "${correlationInput}" value already in the request; give only one.`,
    );
  }
  // By step name on a repository_dispatch, the run is the one with a step named after
  // client_payload.sha (the cross-repo-dispatch convention): a sha the caller put there is the id.
  const stepSha =
    request.eventType !== undefined && correlation === 'step-name' ? request.clientPayload?.sha : undefined;
  if (stepSha !== undefined && request.correlationId !== undefined && stepSha !== request.correlationId) {
    throw invalid(
      'correlation-id',
      '`correlation-id` differs from the "sha" in `client-payload`, after which the target names the step the run is found by; give only one.',
    );
  }
  const usable = (value: unknown): string | undefined =>
    typeof value === 'string' && isValidCorrelationId(value) ? value : undefined;
  // A value the caller already put under the correlation key is the id: the target echoes that.
  const correlationId =
    request.correlationId ?? usable(carried) ?? usable(stepSha) ?? generateCorrelationId();
  const base = {
    repo: request.repo,
    ref: request.ref,
  };
  if (request.eventType !== undefined) {
    const own = Object.keys(request.clientPayload ?? {}).length;
    const payload: Record<string, unknown> = { ...request.clientPayload, [correlationInput]: correlationId };
    // The cross-repo-dispatch convention: the target names a step `${{ github.event.client_payload.sha }}`.
    // `auto` also looks at step names, so it sends `sha` too.
    if (correlation !== 'run-name' && payload.sha === undefined) payload.sha = correlationId;
    const total = Object.keys(payload).length;
    if (total > 10) {
      // GitHub rejects more than 10 top-level client_payload properties (REST docs, "Create a
      // repository dispatch event"). parseRunOptions says so first, naming the inputs.
      const added = Object.keys(payload).filter((key) => !(key in (request.clientPayload ?? {})));
      throw invalid(
        'client-payload',
        `\`client-payload\` has ${own} top-level keys and xrd adds ${added.map((k) => `"${k}"`).join(' and ')} to find the run, which makes ${total}, but GitHub accepts at most 10; nest ${total - 9} of your keys under one key.`,
      );
    }
    return {
      forgeRequest: { ...base, eventType: request.eventType, clientPayload: payload },
      correlationId,
      correlationInput,
      correlation,
    };
  }
  return {
    forgeRequest: {
      ...base,
      workflow: request.workflow as string | number,
      inputs: { ...request.inputs, [correlationInput]: correlationId },
      // Unless the user gave it as an input of their own (then it is theirs as well).
      ...(request.inputs?.[correlationInput] === undefined ? { correlationInput } : {}),
    },
    correlationId,
    correlationInput,
    correlation,
  };
}

/** Sends the dispatch (never twice) and returns its receipt. */
export async function dispatch(
  forge: Forge,
  request: DispatchRequest,
  options: DispatchOptions = {},
): Promise<DispatchReceipt> {
  const { forgeRequest, correlationId, correlationInput, correlation } = prepareDispatch(request);
  const meter = createMeter(options.meter);
  const e = engine(options, meter);
  const notes: string[] = [];
  const dispatchedAt = e.now();
  const pending: Omit<DispatchReceipt, 'apiCost' | 'notes' | 'path'> = {
    repo: request.repo,
    ref: request.ref,
    ...(forgeRequest.workflow !== undefined ? { workflow: forgeRequest.workflow } : {}),
    ...(forgeRequest.eventType !== undefined ? { eventType: forgeRequest.eventType } : {}),
    correlationId,
    correlation,
    correlationInput,
    dispatchedAt,
  };
  const finish = (result: ForgeDispatchResult, at = dispatchedAt): DispatchReceipt => {
    // The two clocks compared as the answer arrives (a Date is whole seconds: within 1 s plus the
    // round trip).
    const clockOffsetMs = result.serverTime !== undefined ? result.serverTime - e.now() : undefined;
    if (clockOffsetMs !== undefined && Math.abs(clockOffsetMs) > CLOCK_SKEW_NOTICE_MS) {
      e.debug(
        `The forge's clock is ${formatDuration(Math.abs(clockOffsetMs))} ${clockOffsetMs < 0 ? 'behind' : 'ahead of'} this machine's; its run is looked for by the forge's.`,
      );
    }
    const receipt: DispatchReceipt = {
      ...pending,
      dispatchedAt: at,
      ...(clockOffsetMs !== undefined ? { clockOffsetMs } : {}),
      path: result.path,
      ...(result.runId !== undefined ? { runId: result.runId } : {}),
      ...(result.runUrl !== undefined ? { runUrl: result.runUrl } : {}),
      ...(result.htmlUrl !== undefined ? { htmlUrl: result.htmlUrl } : {}),
      notes: [...(result.notes ?? []), ...notes],
      ...(result.warnings?.length ? { warnings: result.warnings } : {}),
      apiCost: meter.cost(),
    };
    e.emit({ type: 'dispatched', receipt });
    for (const message of receipt.warnings ?? []) e.emit({ type: 'warning', message });
    return receipt;
  };

  try {
    return finish(await forge.dispatch(forgeRequest, e.ctx));
  } catch (error) {
    if (!(error instanceof XrdError) || !error.ambiguous) throw error;
    e.debug(
      `The dispatch may have reached the server (${error.message}); looking for its run before any retry.`,
    );
    const searchMs = options.ambiguousSearchMs ?? DEFAULT_AMBIGUOUS_SEARCH_MS;
    const probe: DispatchReceipt = { ...pending, path: 'none', notes: [], apiCost: meter.cost() };
    const outcome = await resolveAmbiguousDispatch(forge, probe, {
      ...options.correlate,
      ...engineOnly(options),
      meter,
      timeoutMs: searchMs,
    });
    if (outcome.kind === 'found') {
      const { run } = outcome;
      notes.push(
        `The answer to the dispatch was lost (${error.message}); run ${run.id} carries its correlation id, so the dispatch was not sent again.`,
      );
      return finish({ path: 'none', runId: run.id, runUrl: run.url, htmlUrl: run.htmlUrl });
    }
    if (outcome.kind === 'unknown') throw unresolvedDispatchError(probe, outcome, { cause: error, searchMs });
    notes.push(
      `The answer to the first dispatch was lost (${error.message}) and no run carried its correlation id within ${formatDuration(searchMs)}, so it was sent once more.`,
    );
    e.debug(notes.at(-1) ?? '');
    // Second and last attempt; its failure, ambiguous or not, goes to the caller.
    return finish(await forge.dispatch(forgeRequest, e.ctx), e.now());
  }
}

/**
 * What a search for the run of a dispatch whose fate is unknown established:
 * - `found`: the run carrying the correlation id;
 * - `absent`: a complete search saw no run that could still be it, on a server that lists every
 *   run from the moment it exists — only this allows sending the dispatch again;
 * - `unknown`: nothing proven either way (`why` says what stood in the way).
 */
export type AmbiguousDispatchOutcome =
  | { readonly kind: 'found'; readonly run: Run; readonly method: CorrelationMethod }
  | { readonly kind: 'absent' }
  | {
      readonly kind: 'unknown';
      /**
       * - `search-failed`: the search itself failed (5xx, lost connection, rate limit, a server that
       *   cannot search that way) — `error` is why;
       * - `unconfirmed`: runs that could be ours were still unidentified at the deadline;
       * - `not-listed`: none seen, but the server lists a run only once a runner took it (Gitea 1.24).
       */
      readonly why: 'search-failed' | 'unconfirmed' | 'not-listed';
      readonly error?: unknown;
      /** The server's name, for `not-listed`. */
      readonly server?: string;
    };

/**
 * After a dispatch whose answer was lost: finds its run by correlation id (searching for
 * `options.timeoutMs`), or proves it absent. Never throws for a failed search — a failed search is
 * `unknown`, never `absent`; only an abort (the caller's signal) is thrown.
 */
export async function resolveAmbiguousDispatch(
  forge: Forge,
  receipt: DispatchReceipt,
  options: CorrelateOptions = {},
): Promise<AmbiguousDispatchOutcome> {
  const probe: DispatchReceipt = receipt.runId === undefined ? receipt : withoutRunId(receipt);
  try {
    const outcome = await searchRun(forge, probe, options);
    if (outcome.found) return { kind: 'found', run: outcome.found.run, method: outcome.found.method };
    if (!outcome.certainlyAbsent) return { kind: 'unknown', why: 'unconfirmed' };
    // Without a run API (Gitea 1.24 lists runs through their tasks) a run that no runner has taken
    // yet is not listed at all, so seeing no run proves nothing: sending again could start a second.
    const caps = await forge.capabilities({
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.meter ? { meter: options.meter } : {}),
    });
    if (!caps.runApi) return { kind: 'unknown', why: 'not-listed', server: caps.server };
    return { kind: 'absent' };
  } catch (error) {
    if (error instanceof AbortedError || options.signal?.aborted) throw error;
    return { kind: 'unknown', why: 'search-failed', error };
  }
}

function withoutRunId(receipt: DispatchReceipt): DispatchReceipt {
  const { runId: _runId, runUrl: _runUrl, htmlUrl: _htmlUrl, ...rest } = receipt;
  return rest;
}

/**
 * The error a dispatch ends with when its fate stays unknown: it says that the run may exist, that
 * the dispatch was therefore not sent again, and how to find the run (its correlation id) — never
 * "try again later", which invites a second dispatch by hand. Ambiguous, code RUN_NOT_FOUND.
 */
export function unresolvedDispatchError(
  receipt: DispatchReceipt,
  outcome: Extract<AmbiguousDispatchOutcome, { kind: 'unknown' }>,
  info: { readonly cause?: unknown; readonly searchMs: number },
): RunNotFoundError {
  const within = formatDuration(info.searchMs);
  const why =
    outcome.why === 'search-failed'
      ? `the search for its run failed (${errorText(outcome.error)})`
      : outcome.why === 'not-listed'
        ? `no run showed up within ${within}, but ${outcome.server ?? 'the server'} lists a run only once a runner has taken one of its jobs`
        : `within ${within} no run could be confirmed or ruled out`;
  const what = receipt.workflow !== undefined ? `${receipt.workflow}` : `event ${receipt.eventType}`;
  return new RunNotFoundError(
    `The answer to the dispatch was lost and ${why}, so it was not sent again: the run may exist — look in ${repoName(receipt.repo)} for a run of ${what} on ${receipt.ref} carrying correlation id ${receipt.correlationId} (in its title or a step name) before dispatching again.`,
    {
      ...(info.cause !== undefined ? { cause: info.cause } : {}),
      ambiguous: true,
      hint: `If no run carries ${receipt.correlationId}, the target may not echo it: ${echoHint(receipt)}.`,
    },
  );
}

/** What went wrong, without the advice after it (a search error's "try again later" is wrong here). */
function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split(/;\s/)[0] ?? message).replace(/\.\s*$/, '');
}

function engineOnly(options: DispatchOptions) {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
}
