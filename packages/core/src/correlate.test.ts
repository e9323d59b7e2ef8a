import { describe, expect, it } from 'vitest';
import { branchOf, correlate, correlateRun, searchRun, stepMatches, workflowMatches } from './correlate.js';
import { dispatch } from './dispatch.js';
import type { CorrelationMode, DispatchReceipt, ProgressEvent } from './engine-types.js';
import { RunNotFoundError } from './errors.js';
import {
  createMemoryForge,
  expr,
  type MemoryForgeOptions,
  type MemoryWorkflowSpec,
} from './testing/memory-forge.js';
import { createVirtualClock } from './testing/virtual-clock.js';
import type { Run } from './types.js';

const repo = { owner: 'acme', repo: 'target' };
const byTitle: MemoryWorkflowSpec = {
  repo: 'acme/target',
  file: 'build.yml',
  name: 'build',
  runName: `Build ${expr('inputs.correlation_id')}`,
  durationMs: 30_000,
};
const byStep: MemoryWorkflowSpec = {
  repo: 'acme/target',
  file: 'marker.yml',
  name: 'marker',
  durationMs: 30_000,
  jobs: [
    { name: 'identify-run', steps: [expr('inputs.correlation_id'), 'Build'] },
    { name: 'test', steps: ['Test'] },
  ],
};

function setup(options: Partial<MemoryForgeOptions> = {}) {
  const clock = createVirtualClock();
  const forge = createMemoryForge({ now: clock.now, workflows: [byTitle, byStep], ...options });
  const engine = { now: clock.now, sleep: clock.sleep };
  return { clock, forge, engine };
}

/** Noise: runs of other workflows, events and refs, and older runs of the same workflow. */
function addNoise(forge: ReturnType<typeof setup>['forge'], now: number, poison?: string) {
  for (let i = 0; i < 6; i++) {
    // A push whose title happens to carry the id must not be taken for the dispatch.
    forge.addRun({
      repo: 'acme/target',
      workflow: 'build.yml',
      event: 'push',
      createdAt: now + i * 900,
      displayTitle: poison ?? 'push',
    });
    forge.addRun({
      repo: 'acme/target',
      workflow: 'build.yml',
      event: 'workflow_dispatch',
      branch: 'release',
      createdAt: now + i * 700,
      displayTitle: poison ?? 'other ref',
      jobs: byStep.jobs!.map((j) => ({ ...j, steps: [poison ?? 'x', 'Build'] })),
    });
    forge.addRun({
      repo: 'acme/target',
      workflow: 'lint.yml',
      event: 'workflow_dispatch',
      createdAt: now + i * 500,
      displayTitle: poison ?? 'lint',
    });
    forge.addRun({
      repo: 'acme/target',
      workflow: 'build.yml',
      event: 'workflow_dispatch',
      createdAt: now - 600_000 - i,
      displayTitle: poison ?? 'old',
    });
  }
}

describe('correlate: 50 concurrent dispatches into one workflow and ref', () => {
  const cases: { mode: CorrelationMode; workflow: string; ignoreFilters: boolean }[] = [
    { mode: 'run-name', workflow: 'build.yml', ignoreFilters: false },
    { mode: 'auto', workflow: 'build.yml', ignoreFilters: true },
    { mode: 'step-name', workflow: 'marker.yml', ignoreFilters: false },
    { mode: 'auto', workflow: 'marker.yml', ignoreFilters: true },
  ];
  it.each(cases)(
    'each gets its own run ($mode on $workflow, adapter ignores filters: $ignoreFilters)',
    async ({ mode, workflow, ignoreFilters }) => {
      const { clock, forge, engine } = setup({ ignoreFilters });
      addNoise(forge, clock.now());
      // Runs appear and start with scattered latencies, so creation order differs from dispatch order.
      forge.script(
        'acme/target',
        workflow,
        Array.from({ length: 50 }, (_, i) => ({
          appearAfterMs: ((i * 37) % 11) * 700,
          startAfterMs: ((i * 13) % 7) * 1_500,
        })),
      );
      const methods = new Set<string>();
      const results = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          await clock.sleep(i * 50);
          const receipt = await dispatch(forge, { repo, ref: 'main', workflow, correlation: mode }, engine);
          const found = await correlateRun(forge, receipt, { ...engine, timeoutMs: 600_000 });
          methods.add(found.method);
          return { receipt, run: found.run };
        }),
      );
      expect(new Set(results.map((r) => r.run.id)).size).toBe(50);
      for (const { receipt, run } of results) {
        expect(run.event).toBe('workflow_dispatch');
        expect(run.headBranch).toBe('main');
        if (workflow === 'build.yml') expect(run.displayTitle).toBe(`Build ${receipt.correlationId}`);
        else expect(stepMatches(await forge.listJobs(repo, run.id), receipt.correlationId)).toBe(true);
      }
      expect([...methods]).toEqual([workflow === 'build.yml' ? 'run-name' : 'step-name']);
      expect(forge.callCount('dispatch')).toBe(50);
    },
  );
});

describe('correlate', () => {
  it('takes the run id from the receipt when the dispatch returned one', async () => {
    const { forge, engine } = setup({ returnsRunId: true });
    const events: ProgressEvent[] = [];
    const receipt = await dispatch(forge, { repo, ref: 'main', workflow: 'build.yml' }, engine);
    expect(receipt.path).toBe('run-details');
    const found = await correlateRun(forge, receipt, { ...engine, onProgress: (e) => events.push(e) });
    expect(found).toMatchObject({ method: 'run-id', run: { id: receipt.runId } });
    expect(forge.callCount('listRuns')).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['correlated']);
  });

  it('looks first once the run can be listed: the listing delay after the dispatch answered, or at once later', async () => {
    const { clock, forge, engine } = setup({ listingDelayMs: 5_000 });
    const slow = {
      ...forge,
      // A dispatch whose answer takes 3 s (a GHES reads its version first): the run may have been
      // created only at the end of it.
      dispatch: async (...args: Parameters<typeof forge.dispatch>) => {
        await clock.sleep(3_000);
        return forge.dispatch(...args);
      },
    };
    const receipt = await dispatch(slow, { repo, ref: 'main', workflow: 'build.yml' }, engine);
    const answered = clock.now();
    await correlate(forge, receipt, engine);
    const lists = forge.calls.filter((c) => c.method === 'listRuns').map((c) => c.at - answered);
    expect(lists).toEqual([5_000]);
    // A search long after the dispatch (a lost answer, the webhook service) looks after one interval.
    clock.advance(60_000);
    const later = clock.now();
    await correlate(forge, receipt, engine);
    expect(forge.calls.filter((c) => c.method === 'listRuns').at(-1)!.at - later).toBe(2_000);
  });

  it('ignores runs that carry the id but belong to another event, ref, workflow or an earlier time', async () => {
    const { clock, forge, engine } = setup({ ignoreFilters: true });
    const receipt = await dispatch(
      forge,
      { repo, ref: 'main', workflow: 'build.yml', correlationId: 'abc-1' },
      engine,
    );
    addNoise(forge, clock.now() - 60_000, 'Build abc-1');
    const run = await correlate(forge, receipt, engine);
    expect(run.displayTitle).toBe('Build abc-1');
    expect(run).toMatchObject({
      event: 'workflow_dispatch',
      headBranch: 'main',
      workflowPath: '.github/workflows/build.yml',
    });
    expect(run.id).toBe(forge.runs()[0]!.id);
  });

  it('matches the id as a whole token only', async () => {
    const { forge, engine } = setup();
    // Another run titled with a longer id that starts with ours.
    forge.addRun({
      repo: 'acme/target',
      workflow: 'build.yml',
      event: 'workflow_dispatch',
      displayTitle: 'Build xrd-12',
    });
    const receipt = await dispatch(
      forge,
      { repo, ref: 'main', workflow: 'build.yml', correlationId: 'xrd-1' },
      engine,
    );
    const run = await correlate(forge, receipt, engine);
    expect(run.displayTitle).toBe('Build xrd-1');
  });

  it('does not take a run titled with a longer dotted id for a custom id with dots', async () => {
    const { forge, engine, clock } = setup();
    const receipt = await dispatch(
      forge,
      { repo, ref: 'main', workflow: 'build.yml', correlationId: 'v1.2' },
      engine,
    );
    // `v1.2` is a prefix of `v1.2.3` up to a dot: that run belongs to another release. It is the
    // newest run, listed first.
    forge.addRun({
      repo: 'acme/target',
      workflow: 'build.yml',
      event: 'workflow_dispatch',
      createdAt: clock.now() + 1_000,
      displayTitle: 'Build release v1.2.3',
    });
    const run = await correlate(forge, receipt, engine);
    expect(run.displayTitle).toBe('Build v1.2');
  });

  it('tolerates a server clock behind the client by up to clockSkewMs', async () => {
    const { clock, forge, engine } = setup();
    const receipt = await dispatch(forge, { repo, ref: 'main', workflow: 'build.yml' }, engine);
    const skewed: DispatchReceipt = { ...receipt, dispatchedAt: clock.now() + 90_000 };
    await expect(correlate(forge, skewed, { ...engine, clockSkewMs: 120_000 })).resolves.toMatchObject({
      displayTitle: `Build ${receipt.correlationId}`,
    });
    await expect(
      correlate(forge, skewed, { ...engine, clockSkewMs: 10_000, timeoutMs: 10_000 }),
    ).rejects.toThrow(RunNotFoundError);
  });

  it("finds the run on the forge's clock when the client's is ahead by far more than clockSkewMs (the dispatch answer's Date)", async () => {
    const { clock, forge } = setup();
    addNoise(forge, clock.now() - 3_600_000);
    // This machine's clock runs 10 minutes ahead of the forge's.
    const ahead = { now: () => clock.now() + 600_000, sleep: clock.sleep };
    const debug: string[] = [];
    const receipt = await dispatch(
      forge,
      { repo, ref: 'main', workflow: 'build.yml' },
      { ...ahead, onProgress: (e) => e.type === 'debug' && debug.push(e.message) },
    );
    expect(receipt.clockOffsetMs).toBeLessThanOrEqual(-600_000);
    expect(receipt.clockOffsetMs).toBeGreaterThan(-601_000);
    expect(debug).toContain(
      "The forge's clock is 10m behind this machine's; its run is looked for by the forge's.",
    );
    await expect(correlate(forge, receipt, ahead)).resolves.toMatchObject({
      displayTitle: `Build ${receipt.correlationId}`,
    });
    // Without the forge's word (a lost answer has no Date), the window starts after the run.
    const { clockOffsetMs: _, ...unknown } = receipt;
    await expect(correlate(forge, unknown, { ...ahead, timeoutMs: 10_000 })).rejects.toThrow(
      RunNotFoundError,
    );
  });

  it('finds a step-name run in auto mode when the title does not carry the id', async () => {
    const { forge, engine } = setup();
    const events: ProgressEvent[] = [];
    const receipt = await dispatch(forge, { repo, ref: 'refs/heads/main', workflow: 'marker.yml' }, engine);
    const found = await correlateRun(forge, receipt, { ...engine, onProgress: (e) => events.push(e) });
    expect(found.method).toBe('step-name');
    expect(events.filter((e) => e.type === 'correlating').length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ type: 'correlated', method: 'step-name' });
  });

  it('never fetches the jobs of a ruled-out run again, and keeps runs whose jobs have not started', async () => {
    const { clock, forge, engine } = setup();
    const t = clock.now();
    // Started, steps listed, not ours: ruled out after one look.
    const other = forge.addRun({
      repo: 'acme/target',
      workflow: 'marker.yml',
      event: 'workflow_dispatch',
      createdAt: t,
      startAfterMs: 0,
      durationMs: 600_000,
      jobs: [{ name: 'identify-run', steps: ['someone-else'] }],
    });
    // Queued for a long time: its steps are unknown, so it stays a candidate.
    const waiting = forge.addRun({
      repo: 'acme/target',
      workflow: 'marker.yml',
      event: 'workflow_dispatch',
      createdAt: t,
      startAfterMs: 60_000,
      jobs: [{ name: 'identify-run', steps: ['someone-else'] }],
    });
    forge.script('acme/target', 'marker.yml', [{ startAfterMs: 20_000 }]);
    const receipt = await dispatch(
      forge,
      { repo, ref: 'main', workflow: 'marker.yml', correlation: 'step-name' },
      engine,
    );
    const run = await correlate(forge, receipt, engine);
    const jobReads = (id: number) =>
      forge.calls.filter((c) => c.method === 'listJobs' && c.args[1] === id).length;
    expect(jobReads(other)).toBe(1);
    expect(jobReads(waiting)).toBeGreaterThan(1);
    expect(jobReads(run.id)).toBeGreaterThan(1);
  });

  it('inspects at most maxRuns candidates per round', async () => {
    const { clock, forge, engine } = setup();
    for (let i = 0; i < 8; i++) {
      forge.addRun({
        repo: 'acme/target',
        workflow: 'marker.yml',
        event: 'workflow_dispatch',
        createdAt: clock.now(),
        startAfterMs: 1e9,
      });
    }
    const events: ProgressEvent[] = [];
    const receipt = await dispatch(
      forge,
      { repo, ref: 'main', workflow: 'marker.yml', correlation: 'step-name' },
      engine,
    );
    await correlate(forge, receipt, { ...engine, maxRuns: 3, onProgress: (e) => events.push(e) });
    const rounds = events.filter((e) => e.type === 'correlating').length;
    expect(forge.callCount('listJobs')).toBeLessThanOrEqual(rounds * 3);
  });

  it('pages through a full page of candidates, within maxPages', async () => {
    const { clock, forge, engine } = setup();
    const receipt = await dispatch(
      forge,
      { repo, ref: 'main', workflow: 'build.yml', correlation: 'run-name', correlationId: 'mine' },
      engine,
    );
    // 60 newer dispatch runs push ours to the second page (page size 50); their titles lack the id.
    await clock.sleep(1_500);
    for (let i = 0; i < 60; i++) {
      forge.addRun({
        repo: 'acme/target',
        workflow: 'build.yml',
        event: 'workflow_dispatch',
        createdAt: clock.now() + i,
        displayTitle: `Build other-${i}`,
      });
    }
    await clock.sleep(100);
    await expect(correlate(forge, receipt, { ...engine, timeoutMs: 5_000 })).resolves.toMatchObject({
      displayTitle: 'Build mine',
    });
    await expect(correlate(forge, receipt, { ...engine, timeoutMs: 5_000, maxPages: 1 })).rejects.toThrow(
      RunNotFoundError,
    );
  });

  it('waits out a rate limit that ends before the deadline; a 5xx (already retried below) ends the search', async () => {
    const { clock, forge, engine } = setup();
    const receipt = await dispatch(forge, { repo, ref: 'main', workflow: 'marker.yml' }, engine);
    forge.fail('listRuns', { kind: 'rate-limit', retryAfterMs: 20_000 });
    const before = clock.now();
    await correlate(forge, receipt, engine);
    const listCalls = forge.calls.filter((c) => c.method === 'listRuns').map((c) => c.at);
    expect(listCalls[1]! - listCalls[0]!).toBeGreaterThanOrEqual(20_000);
    expect(clock.now() - before).toBeGreaterThanOrEqual(20_000);

    const again = setup();
    const second = await dispatch(again.forge, { repo, ref: 'main', workflow: 'marker.yml' }, again.engine);
    again.forge.fail('listJobs', { kind: '5xx', status: 503 });
    await expect(correlate(again.forge, second, again.engine)).rejects.toMatchObject({
      code: 'FORGE_HTTP',
      status: 503,
    });
  });

  it('does not retry a non-transient error', async () => {
    const { forge, engine } = setup();
    const receipt = await dispatch(forge, { repo, ref: 'main', workflow: 'build.yml' }, engine);
    forge.fail('listRuns', { kind: 'error', error: new RunNotFoundError('gone') });
    await expect(correlate(forge, receipt, engine)).rejects.toThrow('gone');
    expect(forge.callCount('listRuns')).toBe(1);
  });

  it('tells run-name candidates without a title apart from certain absence', async () => {
    const { clock, forge, engine } = setup({ ignoreFilters: true });
    const receipt: DispatchReceipt = {
      repo,
      ref: 'main',
      workflow: 'build.yml',
      correlationId: 'nobody',
      correlation: 'run-name',
      dispatchedAt: clock.now(),
      path: 'none',
      notes: [],
      apiCost: { requests: 0, counted: 0, notModified: 0 },
    };
    forge.addRun({
      repo: 'acme/target',
      workflow: 'build.yml',
      event: 'workflow_dispatch',
      displayTitle: 'Build someone',
    });
    expect(await searchRun(forge, receipt, { ...engine, timeoutMs: 5_000 })).toEqual({
      certainlyAbsent: true,
    });
    // A forge that reports no title cannot rule the run out.
    const untitled = createMemoryForge({ now: clock.now });
    const original = untitled.listRuns.bind(untitled);
    untitled.listRuns = async (r, f, c) => {
      const page = await original(r, f, c);
      return { ...page, runs: page.runs.map(({ displayTitle: _, ...run }) => run as Run) };
    };
    untitled.addRun({ repo: 'acme/target', workflow: 'build.yml', event: 'workflow_dispatch' });
    expect(await searchRun(untitled, receipt, { ...engine, timeoutMs: 5_000 })).toEqual({
      certainlyAbsent: false,
    });
  });

  it('with one repository_dispatch starting several workflows, takes only the run of receipt.workflow', async () => {
    const clock = createVirtualClock();
    const onDispatch = (file: string): MemoryWorkflowSpec => ({
      repo: 'acme/target',
      file,
      on: { repository_dispatch: { types: ['build'] } },
      runName: `Dispatch ${expr('github.event.client_payload.correlation_id')}`,
    });
    const forge = createMemoryForge({
      now: clock.now,
      workflows: [onDispatch('a.yml'), onDispatch('b.yml')],
    });
    const engine = { now: clock.now, sleep: clock.sleep };
    const receipt = await dispatch(forge, { repo, ref: 'main', eventType: 'build' }, engine);
    expect(forge.runs()).toHaveLength(2);
    const run = await correlate(forge, { ...receipt, workflow: 'b.yml' }, engine);
    expect(run.workflowPath).toBe('.github/workflows/b.yml');
    expect(run.event).toBe('repository_dispatch');
  });

  it('finds a repository_dispatch run by the step named after client_payload.sha (the reference convention)', async () => {
    const clock = createVirtualClock();
    const forge = createMemoryForge({
      now: clock.now,
      workflows: [
        {
          repo: 'acme/target',
          file: 'step-marker.yml',
          on: { repository_dispatch: true },
          jobs: [{ name: 'identify-run', steps: [expr('github.event.client_payload.sha'), 'Test'] }],
        },
      ],
    });
    const engine = { now: clock.now, sleep: clock.sleep };
    const receipt = await dispatch(
      forge,
      { repo, ref: 'main', eventType: 'anything', correlation: 'step-name', correlationId: 'deadbeef' },
      engine,
    );
    const found = await correlateRun(forge, receipt, engine);
    expect(found.method).toBe('step-name');
  });

  it('finds a repository_dispatch run on the default branch whatever ref the dispatch named', async () => {
    const clock = createVirtualClock();
    const forge = createMemoryForge({
      now: clock.now,
      defaultBranch: 'main',
      workflows: [
        {
          repo: 'acme/target',
          file: 'step-marker.yml',
          on: { repository_dispatch: true },
          jobs: [{ name: 'identify-run', steps: [expr('github.event.client_payload.sha')] }],
        },
      ],
    });
    const engine = { now: clock.now, sleep: clock.sleep };
    // A cross-repo-dispatch step gives `ref: master`; the event runs on main all the same.
    const receipt = await dispatch(
      forge,
      { repo, ref: 'master', eventType: 'test', correlation: 'step-name', correlationId: 'deadbeef' },
      engine,
    );
    const found = await correlateRun(forge, receipt, engine);
    expect(found.run).toMatchObject({ event: 'repository_dispatch', headBranch: 'main' });
  });

  describe('gives up with a message that says what the target must echo', () => {
    const receiptFor = async (mode: CorrelationMode, eventType?: string): Promise<DispatchReceipt> => {
      const { forge, engine } = setup();
      const r = await dispatch(
        forge,
        eventType
          ? { repo, ref: 'main', eventType, correlation: mode, correlationId: 'xrd-0123456789abcdef' }
          : {
              repo,
              ref: 'main',
              workflow: 'build.yml',
              correlation: mode,
              correlationId: 'xrd-0123456789abcdef',
            },
        engine,
      );
      return r;
    };
    const failWith = async (receipt: DispatchReceipt): Promise<string> => {
      const clock = createVirtualClock();
      const empty = createMemoryForge({ now: clock.now });
      const error = await correlate(empty, receipt, {
        now: clock.now,
        sleep: clock.sleep,
        timeoutMs: 120_000,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RunNotFoundError);
      expect(clock.now()).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 1) + 120_000);
      // As the CLI and the action print it: the message, then the hint, each once.
      return `${(error as RunNotFoundError).message} ${(error as RunNotFoundError).hint}`;
    };

    it('run-name', async () => {
      expect(await failWith(await receiptFor('run-name'))).toMatchInlineSnapshot(
        `"No run of build.yml on main in acme/target showed correlation id xrd-0123456789abcdef in its title within 2m (correlation: run-name). Add \`run-name: ... \${{ inputs.correlation_id }}\` to the target workflow."`,
      );
    });
    it('step-name', async () => {
      expect(await failWith(await receiptFor('step-name'))).toMatchInlineSnapshot(
        `"No run of build.yml on main in acme/target showed correlation id xrd-0123456789abcdef in a step name within 2m (correlation: step-name). Name a step \`\${{ inputs.correlation_id }}\` in the target workflow."`,
      );
    });
    it('auto, repository_dispatch', async () => {
      expect(await failWith(await receiptFor('auto', 'build'))).toMatchInlineSnapshot(
        `"No run of event build on main in acme/target showed correlation id xrd-0123456789abcdef in its title or a step name within 2m (correlation: auto). Add \`run-name: ... \${{ github.event.client_payload.correlation_id }}\` to the target workflow (or name a step \`\${{ github.event.client_payload.sha }}\` in the target workflow)."`,
      );
    });
  });
});

describe('helpers', () => {
  it('branchOf', () => {
    expect(branchOf('main')).toBe('main');
    expect(branchOf('refs/heads/feature/x')).toBe('feature/x');
    expect(branchOf('refs/tags/v1')).toBeUndefined();
    expect(branchOf('a'.repeat(40))).toBeUndefined();
  });

  it('workflowMatches by file, path and numeric id; unknown fields do not exclude', () => {
    const run = (fields: Partial<Run>): Run => ({
      id: 1,
      status: 'queued',
      conclusion: null,
      createdAt: '',
      url: '',
      htmlUrl: '',
      ...fields,
    });
    expect(workflowMatches(run({ workflowPath: '.github/workflows/build.yml' }), 'build.yml')).toBe(true);
    expect(
      workflowMatches(run({ workflowPath: '.github/workflows/build.yml@refs/heads/main' }), 'build.yml'),
    ).toBe(true);
    expect(workflowMatches(run({ workflowPath: '.github/workflows/lint.yml' }), 'build.yml')).toBe(false);
    expect(workflowMatches(run({ workflowId: 'build.yml' }), 'build.yml')).toBe(true);
    expect(workflowMatches(run({ workflowId: 7 }), 7)).toBe(true);
    expect(workflowMatches(run({ workflowId: 7 }), '8')).toBe(false);
    expect(workflowMatches(run({ workflowPath: 'x/build.yml' }), 9)).toBe(true);
    expect(workflowMatches(run({}), 'build.yml')).toBe(true);
    expect(workflowMatches(run({}), undefined)).toBe(true);
  });
});

describe('a forge that lists no job steps (Gitea 1.24)', () => {
  it('refuses step-name correlation at once, before listing any run, and says what to use', async () => {
    const { forge, engine } = setup({ kind: 'gitea', jobsApi: false });
    const receipt = await dispatch(
      forge,
      {
        repo,
        ref: 'main',
        workflow: 'marker.yml',
        correlation: 'step-name',
        correlationId: 'xrd-00000000000000aa',
      },
      engine,
    );
    await expect(correlate(forge, receipt, engine)).rejects.toMatchObject({
      code: 'UNSUPPORTED_BY_SERVER',
      message: expect.stringMatching(
        /does not list job steps.*use correlation run-name and add `run-name: \.\.\. \$\{\{ inputs\.correlation_id \}\}`/,
      ),
    });
    expect(forge.callCount('listRuns')).toBe(0);
  });

  it('in auto mode matches by title only and never lists jobs', async () => {
    const { forge, engine } = setup({ kind: 'gitea', jobsApi: false });
    const receipt = await dispatch(forge, { repo, ref: 'main', workflow: 'build.yml' }, engine);
    const found = await correlateRun(forge, receipt, engine);
    expect(found.method).toBe('run-name');
    // A target that echoes the id only in a step: nothing to match here, and no job is read.
    const unmatched = await dispatch(forge, { repo, ref: 'main', workflow: 'marker.yml' }, engine);
    await expect(correlate(forge, unmatched, { ...engine, timeoutMs: 20_000 })).rejects.toBeInstanceOf(
      RunNotFoundError,
    );
    expect(forge.callCount('listJobs')).toBe(0);
  });
});
