import { describe, expect, it } from 'vitest';
import {
  dispatch,
  prepareDispatch,
  resolveAmbiguousDispatch,
  unresolvedDispatchError,
  validateDispatchRequest,
} from './dispatch.js';
import type { DispatchReceipt, DispatchRequest, ProgressEvent } from './engine-types.js';
import {
  AbortedError,
  AuthError,
  DispatchRejectedError,
  InvalidInputError,
  RunNotFoundError,
  UnsupportedByServerError,
} from './errors.js';
import { createMemoryForge, expr } from './testing/memory-forge.js';
import { createVirtualClock } from './testing/virtual-clock.js';
import type { Forge } from './types.js';

const repo = { owner: 'acme', repo: 'target' };

function setup(options: { returnsRunId?: boolean; runName?: boolean; kind?: 'github' | 'gitea' } = {}) {
  const clock = createVirtualClock();
  const forge = createMemoryForge({
    now: clock.now,
    ...(options.kind ? { kind: options.kind } : {}),
    returnsRunId: options.returnsRunId ?? false,
    workflows: [
      {
        repo: 'acme/target',
        file: 'build.yml',
        ...(options.runName === false ? {} : { runName: `Build ${expr('inputs.correlation_id')}` }),
      },
      { repo: 'acme/target', file: 'manual-only.yml', on: { workflow_dispatch: false } },
      {
        repo: 'acme/target',
        file: 'on-dispatch.yml',
        on: { repository_dispatch: { types: ['build'] } },
        runName: `Dispatch ${expr('github.event.client_payload.correlation_id')}`,
      },
    ],
  });
  return { clock, forge, engine: { now: clock.now, sleep: clock.sleep } };
}

const invalid = (request: { [K in keyof DispatchRequest]?: DispatchRequest[K] | undefined }): string => {
  try {
    validateDispatchRequest({ repo, ref: 'main', workflow: 'build.yml', ...request } as DispatchRequest);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return `${(error as InvalidInputError).input}: ${(error as Error).message}`;
  }
  return 'valid';
};

describe('validateDispatchRequest', () => {
  it('names the field that is wrong', () => {
    expect(invalid({ repo: { owner: 'acme', repo: '' } })).toMatchInlineSnapshot(
      `"repo: The target \`repo\` must be an owner and a repository name, e.g. acme/target."`,
    );
    expect(invalid({ repo: undefined as never })).toMatch(/^repo:/);
    expect(invalid({ ref: '' })).toMatchInlineSnapshot(
      `"ref: The target \`ref\` must be a branch, tag or commit without spaces, e.g. main."`,
    );
    expect(invalid({ ref: 'my branch' })).toMatch(/^ref:/);
    expect(invalid({ workflow: undefined })).toMatchInlineSnapshot(
      `"workflow: Give exactly one of \`workflow\` (workflow_dispatch, e.g. build.yml) and \`event-type\` (repository_dispatch)."`,
    );
    expect(invalid({ eventType: 'build' })).toMatch(/^event-type:/);
    expect(invalid({ workflow: 'build' })).toMatchInlineSnapshot(
      `"workflow: \`workflow\` must be a workflow file name ending in .yml or .yaml, or a numeric id."`,
    );
    expect(invalid({ correlationId: 'has space' })).toMatchInlineSnapshot(
      `"correlation-id: \`correlation-id\` may only contain letters, digits, ".", "_" and "-" (at most 100, starting with a letter or digit)."`,
    );
    expect(invalid({ correlationInput: '1bad' })).toMatch(/^correlation-input:/);
    expect(invalid({ correlation: 'title' as never })).toMatch(/^correlation:/);
    expect(invalid({ workflow: 42 })).toBe('valid');
    expect(invalid({ workflow: 'build.yaml' })).toBe('valid');
  });
});

describe('prepareDispatch', () => {
  it('injects a generated correlation id into the inputs', () => {
    const a = prepareDispatch({ repo, ref: 'main', workflow: 'build.yml', inputs: { pr: '1' } });
    const b = prepareDispatch({ repo, ref: 'main', workflow: 'build.yml' });
    expect(a.correlationId).toMatch(/^xrd-[0-9a-f]{16}$/);
    expect(a.correlationId).not.toBe(b.correlationId);
    expect(a.forgeRequest).toEqual({
      repo,
      ref: 'main',
      workflow: 'build.yml',
      inputs: { pr: '1', correlation_id: a.correlationId },
      // Named, so that an adapter can tell the engine's input from the user's.
      correlationInput: 'correlation_id',
    });
    expect(a.correlation).toBe('auto');
    // An id the user put under that input themselves is theirs too: not marked as the engine's.
    const own = prepareDispatch({
      repo,
      ref: 'main',
      workflow: 'build.yml',
      inputs: { correlation_id: 'mine' },
    });
    expect(own.forgeRequest.correlationInput).toBeUndefined();
  });

  it('uses the given id and input name, or an id already under that key', () => {
    expect(
      prepareDispatch({
        repo,
        ref: 'main',
        workflow: 'build.yml',
        correlationId: 'abc',
        correlationInput: 'sha',
      }).forgeRequest.inputs,
    ).toEqual({ sha: 'abc' });
    expect(
      prepareDispatch({ repo, ref: 'main', workflow: 'build.yml', inputs: { correlation_id: 'mine' } })
        .correlationId,
    ).toBe('mine');
    expect(() =>
      prepareDispatch({
        repo,
        ref: 'main',
        workflow: 'build.yml',
        inputs: { correlation_id: 'a' },
        correlationId: 'b',
      }),
    ).toThrow(/differs/);
  });

  it('puts the id into client_payload for repository_dispatch, plus `sha` for step names', () => {
    const stepName = prepareDispatch({
      repo,
      ref: 'main',
      eventType: 'build',
      correlation: 'step-name',
      correlationId: 'c1',
      clientPayload: { a: 1 },
    });
    expect(stepName.forgeRequest).toEqual({
      repo,
      ref: 'main',
      eventType: 'build',
      clientPayload: { a: 1, correlation_id: 'c1', sha: 'c1' },
    });
    const runName = prepareDispatch({
      repo,
      ref: 'main',
      eventType: 'build',
      correlation: 'run-name',
      correlationId: 'c1',
    });
    expect(runName.forgeRequest.clientPayload).toEqual({ correlation_id: 'c1' });
    const ownSha = prepareDispatch({
      repo,
      ref: 'main',
      eventType: 'build',
      correlationId: 'c1',
      clientPayload: { sha: 'abc' },
    });
    expect(ownSha.forgeRequest.clientPayload).toEqual({ sha: 'abc', correlation_id: 'c1' });
  });

  it('by step name, takes a sha the caller put in client_payload as the id (the step is named after it)', () => {
    const request: DispatchRequest = {
      repo,
      ref: 'main',
      eventType: 'build',
      correlation: 'step-name',
      clientPayload: { sha: 'abc1234' },
    };
    const prepared = prepareDispatch(request);
    expect(prepared.correlationId).toBe('abc1234');
    expect(prepared.forgeRequest.clientPayload).toEqual({ sha: 'abc1234', correlation_id: 'abc1234' });
    // In auto mode the title may carry a generated id: the sha stays the caller's data.
    expect(prepareDispatch({ ...request, correlation: 'auto' }).correlationId).toMatch(/^xrd-/);
    expect(() => prepareDispatch({ ...request, correlationId: 'other' })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: \`correlation-id\` differs from the "sha" in \`client-payload\`, after which the target names the step the run is found by; give only one.]`,
    );
  });

  it('refuses a client_payload that would exceed GitHub’s 10 top-level keys', () => {
    const clientPayload = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, i]));
    expect(() =>
      prepareDispatch({ repo, ref: 'main', eventType: 'build', clientPayload }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: \`client-payload\` has 9 top-level keys and xrd adds "correlation_id" and "sha" to find the run, which makes 11, but GitHub accepts at most 10; nest 2 of your keys under one key.]`,
    );
  });
});

describe('dispatch', () => {
  it('returns a receipt with the run id when the forge returns one', async () => {
    const { clock, forge, engine } = setup({ returnsRunId: true });
    const events: ProgressEvent[] = [];
    const receipt = await dispatch(
      forge,
      { repo, ref: 'main', workflow: 'build.yml' },
      { ...engine, onProgress: (e) => events.push(e) },
    );
    expect(receipt).toMatchObject({
      path: 'run-details',
      runId: forge.runs()[0]!.id,
      dispatchedAt: clock.now(),
      correlation: 'auto',
      notes: [],
    });
    expect(receipt.apiCost).toEqual({ requests: 1, counted: 1, notModified: 0 });
    expect(events).toEqual([{ type: 'dispatched', receipt }]);
  });

  it("passes the adapter's warnings on in the receipt and as warning events, after dispatched", async () => {
    const { forge, engine } = setup();
    const warned: Forge = {
      ...forge,
      dispatch: async (request, ctx) => ({
        ...(await forge.dispatch(request, ctx)),
        warnings: ['build.yml does not declare the input "x"; declare it.'],
      }),
    };
    const events: ProgressEvent[] = [];
    const receipt = await dispatch(
      warned,
      { repo, ref: 'main', workflow: 'build.yml' },
      { ...engine, onProgress: (e) => events.push(e) },
    );
    expect(receipt.warnings).toEqual(['build.yml does not declare the input "x"; declare it.']);
    expect(events.map((e) => e.type)).toEqual(['dispatched', 'warning']);
    expect(events[1]).toEqual({ type: 'warning', message: receipt.warnings![0] });
  });

  it('validates before sending anything', async () => {
    const { forge, engine } = setup();
    await expect(dispatch(forge, { repo, ref: 'main' }, engine)).rejects.toThrow(InvalidInputError);
    expect(forge.calls).toHaveLength(0);
  });

  it('passes non-ambiguous errors through unchanged, without retrying', async () => {
    const { forge, engine } = setup();
    await expect(dispatch(forge, { repo, ref: 'main', workflow: 'missing.yml' }, engine)).rejects.toThrow(
      DispatchRejectedError,
    );
    await expect(dispatch(forge, { repo, ref: 'main', workflow: 'manual-only.yml' }, engine)).rejects.toThrow(
      /no workflow_dispatch/,
    );
    const auth = new AuthError('bad token');
    forge.fail('dispatch', { kind: 'error', error: auth });
    await expect(dispatch(forge, { repo, ref: 'main', workflow: 'build.yml' }, engine)).rejects.toBe(auth);
    expect(forge.callCount('dispatch')).toBe(3);
    const gitea = setup({ kind: 'gitea' });
    await expect(
      dispatch(gitea.forge, { repo, ref: 'main', eventType: 'build' }, gitea.engine),
    ).rejects.toThrow(UnsupportedByServerError);
  });

  it.each([
    { label: 'run-name, no run id', returnsRunId: false, runName: true },
    { label: 'step-name target', returnsRunId: false, runName: false },
  ])(
    'after a lost answer, finds the run it started and dispatches only once ($label)',
    async ({ returnsRunId, runName }) => {
      const { forge, engine } = setup({ returnsRunId, runName });
      if (!runName) {
        forge.addWorkflow({
          repo: 'acme/target',
          file: 'marker.yml',
          jobs: [{ name: 'identify-run', steps: [expr('inputs.correlation_id')] }],
        });
      }
      forge.fail('dispatch', { kind: 'lose-answer' });
      const receipt = await dispatch(
        forge,
        { repo, ref: 'main', workflow: runName ? 'build.yml' : 'marker.yml' },
        engine,
      );
      expect(forge.callCount('dispatch')).toBe(1);
      expect(forge.runs()).toHaveLength(1);
      expect(receipt.runId).toBe(forge.runs()[0]!.id);
      expect(receipt.notes.join(' ')).toMatch(
        /answer to the dispatch was lost .* so the dispatch was not sent again/,
      );
      expect(receipt.apiCost.requests).toBeGreaterThan(1);
    },
  );

  it('after an ambiguous 5xx that started nothing, dispatches again exactly once', async () => {
    const { clock, forge, engine } = setup();
    forge.fail('dispatch', { kind: '5xx', status: 502 });
    const start = clock.now();
    const receipt = await dispatch(
      forge,
      { repo, ref: 'main', workflow: 'build.yml' },
      { ...engine, ambiguousSearchMs: 30_000 },
    );
    expect(forge.callCount('dispatch')).toBe(2);
    expect(forge.runs()).toHaveLength(1);
    expect(clock.now() - start).toBeGreaterThanOrEqual(30_000);
    expect(receipt.dispatchedAt).toBe(clock.now());
    expect(receipt.notes).toMatchInlineSnapshot(`
      [
        "The answer to the first dispatch was lost (The forge answered 502 to POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches.) and no run carried its correlation id within 30s, so it was sent once more.",
      ]
    `);
  });

  it('never sends a third time: a second ambiguous failure goes to the caller', async () => {
    const { forge, engine } = setup();
    forge.fail('dispatch', { kind: '5xx' }, { count: 2 });
    await expect(
      dispatch(forge, { repo, ref: 'main', workflow: 'build.yml' }, { ...engine, ambiguousSearchMs: 5_000 }),
    ).rejects.toMatchObject({ ambiguous: true, status: 502 });
    expect(forge.callCount('dispatch')).toBe(2);
  });

  it('does not dispatch again while a run that could be ours is still unidentified', async () => {
    const { clock, forge, engine } = setup({ runName: false });
    forge.addWorkflow({
      repo: 'acme/target',
      file: 'marker.yml',
      startAfterMs: 600_000,
      jobs: [{ name: 'identify-run', steps: [expr('inputs.correlation_id')] }],
    });
    forge.fail('dispatch', { kind: 'lose-answer' });
    const error = await dispatch(
      forge,
      { repo, ref: 'main', workflow: 'marker.yml', correlation: 'step-name' },
      { ...engine, ambiguousSearchMs: 20_000 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunNotFoundError);
    expect((error as RunNotFoundError).ambiguous).toBe(true);
    expect((error as Error).message).toMatch(
      /^The answer to the dispatch was lost and within 20s no run could be confirmed or ruled out, so it was not sent again: the run may exist — look in acme\/target for a run of marker.yml on main carrying correlation id xrd-[0-9a-f]{16} \(in its title or a step name\) before dispatching again\.$/,
    );
    expect(forge.callCount('dispatch')).toBe(1);
    expect(clock.now()).toBeGreaterThan(0);
  });

  it('never dispatches again where queued runs are not listed (no run API, like Gitea 1.24)', async () => {
    const { forge, engine } = setup({ kind: 'gitea' });
    forge.addWorkflow({
      repo: 'acme/target',
      file: 'slow.yml',
      runName: `Slow ${expr('inputs.correlation_id')}`,
      startAfterMs: 600_000,
    });
    // Gitea 1.24 knows runs only through /actions/tasks: a run no runner took yet is not listed.
    const tasksOnly: typeof forge = Object.assign(Object.create(forge) as typeof forge, {
      capabilities: async () => ({ ...(await forge.capabilities()), runApi: false, jobsApi: false }),
      listRuns: async (...args: Parameters<typeof forge.listRuns>) => {
        const page = await forge.listRuns(...args);
        return { ...page, runs: page.runs.filter((run) => run.status !== 'queued') };
      },
    });
    forge.fail('dispatch', { kind: 'lose-answer' });
    const error = await dispatch(
      tasksOnly,
      { repo, ref: 'main', workflow: 'slow.yml', correlation: 'run-name' },
      { ...engine, ambiguousSearchMs: 20_000 },
    ).catch((e: unknown) => e);
    expect(forge.callCount('dispatch')).toBe(1);
    expect(forge.runs()).toHaveLength(1);
    expect(error).toBeInstanceOf(RunNotFoundError);
    expect((error as RunNotFoundError).ambiguous).toBe(true);
    expect((error as Error).message).toMatch(
      /^The answer to the dispatch was lost and no run showed up within 20s, but memory \(Gitea\) lists a run only once a runner has taken one of its jobs, so it was not sent again: the run may exist — look in acme\/target for a run of slow.yml on main carrying correlation id xrd-[0-9a-f]{16} /,
    );
  });

  it('finds a lost repository_dispatch by its title', async () => {
    const { forge, engine } = setup();
    forge.fail('dispatch', { kind: 'lose-answer' });
    const receipt = await dispatch(forge, { repo, ref: 'main', eventType: 'build' }, engine);
    expect(receipt.runId).toBe(forge.runs()[0]!.id);
    expect(receipt.eventType).toBe('build');
    expect(forge.callCount('dispatch')).toBe(1);
  });
});

describe('after a lost answer, a failed search never proves absence', () => {
  it('5xx on every run search: sent once, and the error says the run may exist and its correlation id', async () => {
    const { forge, engine } = setup();
    forge.fail('dispatch', { kind: 'lose-answer' });
    forge.fail('listRuns', { kind: '5xx', status: 503 }, { count: 10_000 });
    const error = await dispatch(
      forge,
      { repo, ref: 'main', workflow: 'build.yml', correlationId: 'xrd-00000000000000aa' },
      { ...engine, ambiguousSearchMs: 30_000 },
    ).catch((e: unknown) => e);
    expect(forge.callCount('dispatch')).toBe(1);
    expect(forge.runs()).toHaveLength(1);
    expect(error).toBeInstanceOf(RunNotFoundError);
    expect(error).toMatchObject({ ambiguous: true, code: 'RUN_NOT_FOUND' });
    const message = (error as Error).message;
    expect(message).toMatch(/^The answer to the dispatch was lost and the search for its run failed \(/);
    expect(message).toContain('so it was not sent again: the run may exist');
    expect(message).toContain('carrying correlation id xrd-00000000000000aa');
    expect(message).not.toMatch(/try again/i);
  });

  it('a search that fails after finding nothing yet is not a proof either (an outage mid-search)', async () => {
    const { forge, engine } = setup();
    forge.fail('dispatch', { kind: '5xx', status: 502 });
    // The first rounds answer (no run: the 502 started nothing), then the list fails for good.
    forge.fail('listRuns', { kind: '5xx' }, { count: 10_000, skip: 2 });
    await expect(
      dispatch(forge, { repo, ref: 'main', workflow: 'build.yml' }, { ...engine, ambiguousSearchMs: 30_000 }),
    ).rejects.toMatchObject({ code: 'RUN_NOT_FOUND', ambiguous: true });
    expect(forge.callCount('dispatch')).toBe(1);
  });
});

describe('resolveAmbiguousDispatch', () => {
  function probeFor(clock: ReturnType<typeof setup>['clock']): DispatchReceipt {
    return {
      repo,
      ref: 'main',
      workflow: 'build.yml',
      correlationId: 'xrd-00000000000000bb',
      correlation: 'auto' as const,
      dispatchedAt: clock.now(),
      path: 'none' as const,
      notes: [],
      apiCost: { requests: 0, counted: 0, notModified: 0 },
    };
  }

  it('found: the run that carries the correlation id (a run id already on the receipt is ignored)', async () => {
    const { clock, forge, engine } = setup();
    forge.fail('dispatch', { kind: 'lose-answer' });
    await forge
      .dispatch({
        repo,
        ref: 'main',
        workflow: 'build.yml',
        inputs: { correlation_id: 'xrd-00000000000000bb' },
      })
      .catch(() => undefined);
    const outcome = await resolveAmbiguousDispatch(
      forge,
      { ...probeFor(clock), runId: 999_999 },
      { ...engine, timeoutMs: 10_000 },
    );
    expect(outcome).toMatchObject({ kind: 'found', method: 'run-name', run: { id: forge.runs()[0]!.id } });
  });

  it('absent only after a complete search on a server that lists every run', async () => {
    const { clock, forge, engine } = setup();
    expect(await resolveAmbiguousDispatch(forge, probeFor(clock), { ...engine, timeoutMs: 10_000 })).toEqual({
      kind: 'absent',
    });
  });

  it('unknown (search-failed) when the search fails, whatever the error', async () => {
    const { clock, forge, engine } = setup();
    forge.fail('listRuns', { kind: '5xx', status: 500 }, { count: 10_000 });
    const outcome = await resolveAmbiguousDispatch(forge, probeFor(clock), {
      ...engine,
      timeoutMs: 10_000,
    });
    expect(outcome).toMatchObject({ kind: 'unknown', why: 'search-failed' });
    const auth = new AuthError('no access');
    const other = setup();
    other.forge.fail('listRuns', { kind: 'error', error: auth });
    expect(
      await resolveAmbiguousDispatch(other.forge, probeFor(other.clock), {
        ...other.engine,
        timeoutMs: 10_000,
      }),
    ).toEqual({ kind: 'unknown', why: 'search-failed', error: auth });
  });

  it('an abort is not an outcome: it is thrown', async () => {
    const { clock, forge, engine } = setup();
    const controller = new AbortController();
    controller.abort();
    await expect(
      resolveAmbiguousDispatch(forge, probeFor(clock), {
        ...engine,
        signal: controller.signal,
        timeoutMs: 10_000,
      }),
    ).rejects.toBeInstanceOf(AbortedError);
  });

  it('the unresolved error names the repository, the workflow, the ref and the correlation id', async () => {
    const { workflow: _workflow, ...probe } = probeFor(setup().clock);
    const error = unresolvedDispatchError(
      { ...probe, eventType: 'build' },
      {
        kind: 'unknown',
        why: 'search-failed',
        error: new Error(
          'GitHub answered 502 (Bad Gateway) when trying to list runs; GitHub may be having trouble, try again later.',
        ),
      },
      { searchMs: 60_000 },
    );
    expect(error.message).toMatchInlineSnapshot(
      `"The answer to the dispatch was lost and the search for its run failed (GitHub answered 502 (Bad Gateway) when trying to list runs), so it was not sent again: the run may exist — look in acme/target for a run of event build on main carrying correlation id xrd-00000000000000bb (in its title or a step name) before dispatching again."`,
    );
    expect(error.ambiguous).toBe(true);
    expect(error.hint).toMatch(
      /^If no run carries xrd-00000000000000bb, the target may not echo it: add `run-name/,
    );
  });
});
