// Sends one dispatch and returns a receipt: enough to find and follow the run now or later.
// The one rule that matters most here: a dispatch is never sent twice for one request. A lost answer
// (connection dropped after the request went out, a 5xx) may still have started a run, so after an
// ambiguous failure the run is looked for by its correlation id first, and the dispatch is sent
// again (once) only when the run is certainly absent.

import { echoHintSentence, searchRun } from './correlate.js';
import { generateCorrelationId, isValidCorrelationId } from './correlation-id.js';
import type { CorrelationMode, DispatchOptions, DispatchReceipt, DispatchRequest } from './engine-types.js';
import { InvalidInputError, RunNotFoundError, XrdError } from './errors.js';
import { engine, formatDuration } from './internal.js';
import { createMeter } from './meter.js';
import type { Forge, ForgeDispatchRequest, ForgeDispatchResult } from './types.js';

export const DEFAULT_CORRELATION_INPUT = 'correlation_id';
export const DEFAULT_AMBIGUOUS_SEARCH_MS = 60_000;
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
    const receipt: DispatchReceipt = {
      ...pending,
      dispatchedAt: at,
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
    const outcome = await searchRun(forge, probe, {
      ...options.correlate,
      ...engineOnly(options),
      meter,
      timeoutMs: searchMs,
    });
    if (outcome.found) {
      const { run } = outcome.found;
      notes.push(
        `The answer to the dispatch was lost (${error.message}); run ${run.id} carries its correlation id, so the dispatch was not sent again.`,
      );
      return finish({ path: 'none', runId: run.id, runUrl: run.url, htmlUrl: run.htmlUrl });
    }
    // Without a run API (Gitea 1.24 lists runs through their tasks) a run that no runner has taken
    // yet is not listed at all, so seeing no run proves nothing: sending again could start a second.
    const caps = outcome.certainlyAbsent ? await forge.capabilities(e.ctx) : undefined;
    if (caps !== undefined && !caps.runApi) {
      throw new RunNotFoundError(
        `The answer to the dispatch was lost and no run showed up within ${formatDuration(searchMs)}, but ${caps.server} lists a run only once a runner has taken one of its jobs, so it was not sent again to avoid a duplicate run; check ${pending.repo.owner}/${pending.repo.repo} by hand.`,
        { cause: error, ambiguous: true, hint: echoHintSentence(probe) },
      );
    }
    if (!outcome.certainlyAbsent) {
      throw new RunNotFoundError(
        `The answer to the dispatch was lost and within ${formatDuration(searchMs)} no run could be confirmed or ruled out, so it was not sent again to avoid a duplicate run; check ${pending.repo.owner}/${pending.repo.repo} by hand.`,
        { cause: error, ambiguous: true, hint: echoHintSentence(probe) },
      );
    }
    notes.push(
      `The answer to the first dispatch was lost (${error.message}) and no run carried its correlation id within ${formatDuration(searchMs)}, so it was sent once more.`,
    );
    e.debug(notes.at(-1) ?? '');
    // Second and last attempt; its failure, ambiguous or not, goes to the caller.
    return finish(await forge.dispatch(forgeRequest, e.ctx), e.now());
  }
}

function engineOnly(options: DispatchOptions) {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
}
