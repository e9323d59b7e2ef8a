// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow specs carry GitHub Actions expressions.
// The one contract suite every Forge adapter passes against forge-sim, through the core engine.
// It is dialect-aware only through `forge.capabilities()` and facts the simulator reports (its runs,
// statuses, comments and request stats), so the GitHub and the Gitea adapters run it unchanged.
import {
  correlateRun,
  type DispatchReceipt,
  type DispatchRequest,
  dispatch,
  dispatchAndWait,
  type EngineOptions,
  type Forge,
  parseRunOptions,
  type RequestRecord,
  type RunResult,
  runFlow,
  waitForRun,
} from '@xrd/core';
import { sleep as engineSleep } from '@xrd/core/kit';
import { type Dialect, type Sim, type SimStats, startSim, type WorkflowSpec } from '@xrd/forge-sim';
import { describe, expect, it } from 'vitest';

/** forge-sim runs 60× faster than real time here: a 10-minute run lasts 10 s. */
export const CONTRACT_TIME_SCALE = 60;

export interface ForgeContractOptions {
  readonly dialect: string;
  /** Builds the adapter under test for one simulator (a fresh simulator per test). */
  readonly createForge: (sim: { apiUrl: string; url: string }) => Forge;
}

const TARGET = { owner: 'acme', repo: 'target' };
const SOURCE = { owner: 'acme', repo: 'source' };

interface SimRun {
  id: number;
  runNumber: number;
  workflow: string;
  event: string;
  status: string;
  conclusion: string | null;
  displayTitle: string;
  headBranch: string;
  inputs: Record<string, string> | null;
  clientPayload: Record<string, unknown> | null;
}

export async function control<T = unknown>(
  sim: Sim,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`forge-sim ${method} ${path} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

const simRuns = (sim: Sim) => control<SimRun[]>(sim, 'GET', '/_sim/runs');

/** The engine's clock and sleep, sped up like the simulator: default settings, scaled time. */
export function scaledTime(scale = CONTRACT_TIME_SCALE): Required<Pick<EngineOptions, 'now' | 'sleep'>> {
  const t0 = Date.now();
  return {
    now: () => t0 + (Date.now() - t0) * scale,
    sleep: (ms, signal) => engineSleep(ms / scale, signal),
  };
}

/** A fresh correlation id per call, unique across the process. */
let idCounter = 0;
function newId(label: string): string {
  idCounter += 1;
  return `xrd-${label}-${process.pid.toString(16)}-${idCounter}`;
}

/**
 * The id the adapter reports for a simulator run. A server without a run API (Gitea 1.24, where
 * only `/actions/tasks` exists and names a run by its number) identifies runs by run number.
 */
async function adapterIdOf(forge: Forge, run: SimRun | undefined): Promise<number | undefined> {
  if (!run) return undefined;
  return (await forge.capabilities()).runApi ? run.id : run.runNumber;
}

function correlationOf(run: SimRun): unknown {
  return run.inputs?.correlation_id ?? run.clientPayload?.correlation_id;
}

async function runsWithId(sim: Sim, id: string): Promise<SimRun[]> {
  return (await simRuns(sim)).filter((r) => correlationOf(r) === id);
}

/**
 * The adapter as xrd sees it when the server returns no run id (an older server): the request the
 * server gets is the same, only the id in the answer is dropped, so the fallback is measured.
 */
function withRunIdHidden(forge: Forge): Forge {
  return new Proxy(forge, {
    get(target, property, receiver) {
      if (property === 'dispatch') {
        return async (...args: Parameters<Forge['dispatch']>) => {
          const { runId: _id, runUrl: _url, htmlUrl: _html, ...rest } = await target.dispatch(...args);
          return { ...rest, path: 'none' as const };
        };
      }
      if (property === 'capabilities') {
        return async (...args: Parameters<Forge['capabilities']>) => ({
          ...(await target.capabilities(...args)),
          returnsRunId: false,
        });
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The receipt as a server without run ids would have produced it: forces correlation. */
function withoutRunId(receipt: DispatchReceipt): DispatchReceipt {
  const { runId: _id, runUrl: _url, htmlUrl: _html, ...rest } = receipt;
  return { ...rest, path: 'none' };
}

function countedOf(stats: SimStats): number {
  return stats.requests.counted;
}

function routeTotal(stats: SimStats, predicate: (route: string) => boolean): number {
  return Object.entries(stats.byRoute)
    .filter(([route]) => predicate(route))
    .reduce((sum, [, s]) => sum + s.total, 0);
}

const isDispatchRoute = (route: string) => route.startsWith('POST ') && route.endsWith('/dispatches');

export function describeForgeContract(options: ForgeContractOptions): void {
  const dialect = options.dialect as Dialect;

  async function withSim<T>(fn: (sim: Sim, forge: Forge) => Promise<T>): Promise<T> {
    const sim = await startSim({ dialect, timeScale: CONTRACT_TIME_SCALE });
    try {
      return await fn(sim, options.createForge({ apiUrl: sim.apiUrl, url: sim.url }));
    } finally {
      await control(sim, 'DELETE', '/_sim/noise').catch(() => undefined);
      await sim.close();
    }
  }

  async function addWorkflow(sim: Sim, spec: WorkflowSpec): Promise<void> {
    await control(sim, 'POST', `/_sim/repos/${TARGET.owner}/${TARGET.repo}/workflows`, spec);
  }

  const dispatchInputs = { workflow_dispatch: { inputs: { correlation_id: { required: false } } } };

  describe(`Forge contract on forge-sim (${options.dialect})`, () => {
    it('dispatch returns a run id exactly when the capabilities say so, and learns it once', async () => {
      await withSim(async (sim, forge) => {
        const before = await forge.capabilities();
        const receipt = await dispatch(forge, { repo: TARGET, ref: 'main', workflow: 'build.yml' });
        const after = await forge.capabilities();
        expect(typeof after.returnsRunId).toBe('boolean');
        if (before.returnsRunId !== 'unknown') expect(after.returnsRunId).toBe(before.returnsRunId);
        const [started] = await runsWithId(sim, receipt.correlationId);
        expect(started?.workflow).toBe('build.yml');
        if (after.returnsRunId === true) {
          expect(receipt.path).not.toBe('none');
          expect(receipt.runId).toBe(await adapterIdOf(forge, started));
        } else {
          expect(receipt.path).toBe('none');
          expect(receipt.runId).toBeUndefined();
          expect(receipt.notes.length).toBeGreaterThan(0);
        }
        // The capability is remembered: a second dispatch costs exactly one request.
        await control(sim, 'POST', '/_sim/stats/reset');
        const second = await dispatch(forge, { repo: TARGET, ref: 'main', workflow: 'build.yml' });
        expect(second.path).toBe(receipt.path);
        expect(routeTotal(sim.stats(), isDispatchRoute)).toBe(1);
        expect(await runsWithId(sim, second.correlationId)).toHaveLength(1);
      });
    });

    it('correlates a workflow_dispatch by run-name', async () => {
      await withSim(async (sim, forge) => {
        const clock = scaledTime();
        // Noise: runs of the same workflow and event, with other ids in their titles.
        await control(sim, 'POST', '/_sim/noise', {
          ...TARGET,
          workflow: 'build.yml',
          event: 'workflow_dispatch',
          perMinute: 600,
        });
        const receipt = await dispatch(forge, {
          repo: TARGET,
          ref: 'main',
          workflow: 'build.yml',
          correlation: 'run-name',
        });
        const found = await correlateRun(forge, withoutRunId(receipt), { ...clock });
        expect(found.method).toBe('run-name');
        expect(found.run.displayTitle).toContain(receipt.correlationId);
        const [expected] = await runsWithId(sim, receipt.correlationId);
        expect(found.run.id).toBe(await adapterIdOf(forge, expected));
      });
    });

    it("correlates on the forge's clock when this machine's runs 10 minutes ahead (the dispatch answer's Date)", async () => {
      await withSim(async (sim, forge) => {
        const scaled = scaledTime();
        const ahead = { now: () => scaled.now() + 600_000, sleep: scaled.sleep };
        const receipt = await dispatch(
          forge,
          { repo: TARGET, ref: 'main', workflow: 'build.yml', correlation: 'run-name' },
          ahead,
        );
        // The sim's clock is the machine's; this client's runs 10 minutes (and 60× as fast) ahead.
        expect(receipt.clockOffsetMs).toBeLessThan(-599_000);
        const found = await correlateRun(forge, withoutRunId(receipt), ahead);
        expect(found.method).toBe('run-name');
        const [expected] = await runsWithId(sim, receipt.correlationId);
        expect(found.run.id).toBe(await adapterIdOf(forge, expected));
      });
    });

    it('correlates by step name', async () => {
      await withSim(async (sim, forge) => {
        const caps = await forge.capabilities();
        if (!caps.jobsApi) return;
        const clock = scaledTime();
        // A workflow whose title does not carry the id, only a step name does.
        await addWorkflow(sim, {
          file: 'by-step.yml',
          on: dispatchInputs,
          jobs: [
            { name: 'identify-run', steps: ['${{ inputs.correlation_id }}', 'Build'], durationMs: 3000 },
          ],
        });
        const receipt = await dispatch(forge, {
          repo: TARGET,
          ref: 'main',
          workflow: 'by-step.yml',
          correlation: 'step-name',
        });
        const found = await correlateRun(forge, withoutRunId(receipt), { ...clock });
        expect(found.method).toBe('step-name');
        const [expected] = await runsWithId(sim, receipt.correlationId);
        expect(found.run.id).toBe(await adapterIdOf(forge, expected));
      });
    });

    it('repository_dispatch: run-name picks the run of the workflow that echoes the id', async () => {
      await withSim(async (sim, forge) => {
        const caps = await forge.capabilities();
        if (!caps.repositoryDispatch) return;
        // Event `build` starts two workflows (on-dispatch.yml and step-marker.yml, any type).
        const result = await dispatchAndWait(
          forge,
          { repo: TARGET, ref: 'main', eventType: 'build', correlation: 'run-name' },
          { ...scaledTime() },
        );
        expect(result.correlationMethod).toBe('run-name');
        expect(result.conclusion).toBe('success');
        const started = await runsWithId(sim, result.correlationId ?? '');
        expect(started.map((r) => r.workflow).sort()).toEqual(['on-dispatch.yml', 'step-marker.yml']);
        expect(result.runId).toBe(
          await adapterIdOf(
            forge,
            started.find((r) => r.workflow === 'on-dispatch.yml'),
          ),
        );
      });
    });

    it('repository_dispatch: step-name finds the run by the step named after client_payload.sha', async () => {
      await withSim(async (sim, forge) => {
        const caps = await forge.capabilities();
        if (!caps.repositoryDispatch || !caps.jobsApi) return;
        const result = await dispatchAndWait(
          forge,
          { repo: TARGET, ref: 'main', eventType: 'marker', correlation: 'step-name' },
          { ...scaledTime() },
        );
        expect(result.correlationMethod).toBe('step-name');
        const [started] = await runsWithId(sim, result.correlationId ?? '');
        expect(started?.workflow).toBe('step-marker.yml');
        expect(result.runId).toBe(await adapterIdOf(forge, started));
        expect(result.conclusion).toBe('success');
      });
    });

    it('waits for a run to succeed, with its jobs', async () => {
      await withSim(async (sim, forge) => {
        const caps = await forge.capabilities();
        const result = await dispatchAndWait(
          forge,
          { repo: TARGET, ref: 'main', workflow: 'build.yml' },
          { ...scaledTime() },
        );
        expect(result).toMatchObject({ status: 'completed', conclusion: 'success', failedJobs: [] });
        expect(result.htmlUrl.startsWith(sim.url)).toBe(true);
        const [started] = await runsWithId(sim, result.correlationId ?? '');
        expect(result.runId).toBe(await adapterIdOf(forge, started));
        if (caps.jobsApi) {
          expect(result.jobs.map((j) => [j.name, j.status, j.conclusion])).toEqual([
            ['build', 'completed', 'success'],
          ]);
        }
        expect(result.apiCost.requests).toBeGreaterThan(0);
      });
    });

    it('waits for a run to fail, with failed jobs, failed steps and the log tail', async () => {
      await withSim(async (_sim, forge) => {
        const caps = await forge.capabilities();
        const result = await dispatchAndWait(
          forge,
          { repo: TARGET, ref: 'main', workflow: 'fail.yml' },
          { ...scaledTime() },
        );
        expect(result.conclusion).toBe('failure');
        if (!caps.jobsApi) return;
        expect(result.failedJobs.map((j) => [j.name, j.conclusion, j.failedSteps])).toEqual([
          ['test', 'failure', ['Run tests']],
        ]);
        if (caps.jobLogs) expect(result.failedJobs[0]?.logTail).toContain('FAIL src/app.test.ts > adds');
      });
    });

    it('cancels a run', async () => {
      await withSim(async (sim, forge) => {
        const caps = await forge.capabilities();
        if (!caps.cancel) return;
        const clock = scaledTime();
        await addWorkflow(sim, {
          file: 'long.yml',
          runName: 'Long ${{ inputs.correlation_id }}',
          on: dispatchInputs,
          jobs: [{ name: 'long', steps: ['Sleep'], durationMs: 30 * 60_000 }],
        });
        const receipt = await dispatch(forge, { repo: TARGET, ref: 'main', workflow: 'long.yml' });
        const runId = receipt.runId ?? (await correlateRun(forge, receipt, { ...clock })).run.id;
        await forge.cancelRun(TARGET, runId);
        const result = await waitForRun(forge, TARGET, runId, { ...clock, timeoutMs: 10 * 60_000 });
        expect(result.conclusion).toBe('cancelled');
        const [simRun] = await runsWithId(sim, receipt.correlationId);
        expect(simRun?.conclusion).toBe('cancelled');
        // Cancelling a completed run is not an error.
        await forge.cancelRun(TARGET, runId);
      });
    });

    it('sets commit statuses and keeps one comment, edited on later updates', async () => {
      await withSim(async (sim, forge) => {
        const sha = 'c0ffee'.padEnd(40, '0');
        const pull = await control<{ number: number }>(
          sim,
          'POST',
          `/_sim/repos/${SOURCE.owner}/${SOURCE.repo}/pulls`,
          {
            title: 'contract',
            head: { ref: 'feature/contract', sha },
          },
        );
        await forge.setCommitStatus(SOURCE, sha, {
          state: 'pending',
          context: 'xrd/contract',
          description: `Waiting ${'.'.repeat(300)}`,
          targetUrl: `${sim.url}/acme/target/actions`,
        });
        await forge.setCommitStatus(SOURCE, sha, {
          state: 'success',
          context: 'xrd/contract',
          description: 'Done',
        });
        const statuses = await control<Array<{ state: string; context: string; description: string | null }>>(
          sim,
          'GET',
          `/_sim/repos/${SOURCE.owner}/${SOURCE.repo}/statuses/${sha}`,
        );
        expect(statuses.map((s) => s.state).sort()).toEqual(['pending', 'success']);
        for (const s of statuses) expect((s.description ?? '').length).toBeLessThanOrEqual(140);

        const marker = '<!-- xrd:contract -->';
        const first = await forge.upsertComment(SOURCE, pull.number, marker, `${marker}\nRunning`);
        const second = await forge.upsertComment(SOURCE, pull.number, marker, `${marker}\nSucceeded`);
        expect(first.created).toBe(true);
        expect(second).toMatchObject({ id: first.id, created: false });
        const comments = await control<Array<{ body: string }>>(
          sim,
          'GET',
          `/_sim/repos/${SOURCE.owner}/${SOURCE.repo}/issues/${pull.number}/comments`,
        );
        expect(comments.map((c) => c.body)).toEqual([`${marker}\nSucceeded`]);
      });
    });

    it('edits a comment whose id the caller kept with one request, and finds or posts it again once someone deleted it', async () => {
      await withSim(async (sim, forge) => {
        const pull = await control<{ number: number }>(
          sim,
          'POST',
          `/_sim/repos/${SOURCE.owner}/${SOURCE.repo}/pulls`,
          { title: 'known comment', head: { ref: 'feature/known', sha: 'feed'.padEnd(40, '3') } },
        );
        const marker = '<!-- xrd:known -->';
        const comments = () =>
          control<Array<{ id: number; body: string }>>(
            sim,
            'GET',
            `/_sim/repos/${SOURCE.owner}/${SOURCE.repo}/issues/${pull.number}/comments`,
          );
        const first = await forge.upsertComment(SOURCE, pull.number, marker, `${marker}\nRunning`);
        const records: RequestRecord[] = [];
        // An update by the first comment's id; what it sent is in `records` (from empty).
        const update = (text: string) => {
          records.length = 0;
          return forge.upsertComment(
            SOURCE,
            pull.number,
            marker,
            `${marker}\n${text}`,
            {
              meter: { record: (r: RequestRecord) => records.push(r) },
            },
            { knownId: first.id },
          );
        };

        const second = await update('Succeeded');
        expect(second).toMatchObject({ id: first.id, created: false });
        expect(second.htmlUrl).toContain(String(first.id));
        expect(records.map((r) => `${r.method} ${r.status}`)).toEqual(['PATCH 200']);
        expect((await comments()).map((c) => c.body)).toEqual([`${marker}\nSucceeded`]);

        // Deleted in the forge's UI: the edit answers 404, the comments are listed (the marker is
        // gone with it) and a new one is posted.
        await control(
          sim,
          'DELETE',
          `/_sim/repos/${SOURCE.owner}/${SOURCE.repo}/issues/comments/${first.id}`,
        );
        const third = await update('Again');
        expect(third.created).toBe(true);
        expect(third.id).not.toBe(first.id);
        // (The list may answer 304 where the forge answers conditional requests: it was as empty
        // before the comment was first posted.)
        expect(records.map((r) => `${r.method} ${r.method === 'GET' ? 'list' : r.status}`)).toEqual([
          'PATCH 404',
          'GET list',
          'POST 201',
        ]);
        expect((await comments()).map((c) => c.body)).toEqual([`${marker}\nAgain`]);

        // A stale id while the comment with the marker is still there (a store restored from an
        // older backup): the marker finds it, nothing is posted twice.
        const fourth = await update('Found');
        expect(fourth).toMatchObject({ id: third.id, created: false });
        expect((await comments()).map((c) => c.body)).toEqual([`${marker}\nFound`]);
      });
    });

    it('lists the commit statuses it set back, newest first, as the forge stored them', async () => {
      await withSim(async (sim, forge) => {
        const caps = await forge.capabilities();
        const sha = 'fade'.padEnd(40, '1');
        const other = 'beef'.padEnd(40, '2');
        const targetUrl = `${sim.url}/acme/target/actions/runs/1`;
        // The forge's own last state beyond GitHub's four, where it has one (Gitea: skipped).
        const last = caps.commitStates.includes('skipped') ? 'skipped' : 'success';
        await forge.setCommitStatus(SOURCE, sha, {
          state: 'pending',
          context: 'xrd/list',
          description: `Waiting ${'.'.repeat(300)}`,
          targetUrl,
        });
        await forge.setCommitStatus(SOURCE, sha, { state: 'failure', context: 'xrd/other' });
        await forge.setCommitStatus(SOURCE, sha, { state: last, context: 'xrd/list', description: 'Done' });
        await forge.setCommitStatus(SOURCE, other, { state: 'error', context: 'xrd/list' });

        const records: RequestRecord[] = [];
        const meter = { record: (r: RequestRecord) => records.push(r) };
        const listed = await forge.listCommitStatuses(SOURCE, sha, { meter });
        expect(listed.map((s) => [s.context, s.state])).toEqual([
          ['xrd/list', last],
          ['xrd/other', 'failure'],
          ['xrd/list', 'pending'],
        ]);
        expect(listed[0]?.description).toBe('Done');
        // What was cut on the way in comes back cut: a caller compares with what the forge kept.
        expect(listed[2]?.description?.length).toBe(140);
        expect(listed[2]?.description?.startsWith('Waiting ...')).toBe(true);
        expect(listed[2]?.targetUrl).toBe(targetUrl);
        expect(listed[1]?.description).toBeUndefined();
        expect(listed[1]?.targetUrl).toBeUndefined();
        const ids = listed.map((s) => s.id);
        expect(ids.every((id) => typeof id === 'number')).toBe(true);
        expect(new Set(ids).size).toBe(3);
        for (const s of listed) expect(Number.isNaN(Date.parse(s.createdAt ?? ''))).toBe(false);
        expect(await forge.listCommitStatuses(SOURCE, other)).toMatchObject([{ state: 'error' }]);

        // Re-reading an unchanged commit is free where the forge answers conditional requests.
        const again = await forge.listCommitStatuses(SOURCE, sha, { meter });
        expect(again).toEqual(listed);
        if (caps.conditionalRequests) {
          expect(records.at(-1)).toMatchObject({ status: 304, notModified: true, counted: false });
        }
      });
    });

    it('reads the default branch in one request, and a flow without a ref dispatches there', async () => {
      await withSim(async (sim, forge) => {
        const legacy = { owner: 'acme', repo: 'legacy' };
        await control(sim, 'POST', '/_sim/repos', { ...legacy, defaultBranch: 'develop' });
        await control(sim, 'POST', '/_sim/repos/acme/legacy/workflows', {
          file: 'build.yml',
          name: 'build',
          on: dispatchInputs,
          runName: 'Build ${{ inputs.correlation_id }}',
          jobs: [{ name: 'build', steps: ['Compile'] }],
        });
        await forge.capabilities();
        await control(sim, 'POST', '/_sim/stats/reset');
        expect(await forge.getDefaultBranch(legacy)).toBe('develop');
        expect(await forge.getDefaultBranch(TARGET)).toBe('main');
        expect(
          routeTotal(sim.stats(), (route) => route.startsWith('GET ') && route.endsWith('/{repo}')),
        ).toBe(2);
        const missing = await forge
          .getDefaultBranch({ owner: 'acme', repo: 'nope' })
          .catch((e: unknown) => e);
        expect(missing).toMatchObject({ status: 404 });
        expect((missing as Error).message).toContain('acme/nope');

        const debug: string[] = [];
        const options = parseRunOptions(
          { repo: 'acme/legacy', workflow: 'build.yml', wait: 'false' },
          { refOptional: true },
        );
        const outcome = await runFlow(forge, options, {
          ...scaledTime(),
          onProgress: (e) => {
            if (e.type === 'debug') debug.push(e.message);
          },
        });
        expect(debug).toContain('ref not given: using the default branch develop');
        expect(outcome.receipt.ref).toBe('develop');
        const [started] = await runsWithId(sim, outcome.receipt.correlationId);
        expect(started?.headBranch).toBe('develop');
      });
    });

    it('maps a missing workflow and a bad ref to DISPATCH_REJECTED, a missing run to RUN_NOT_FOUND', async () => {
      await withSim(async (sim, forge) => {
        const missing = await dispatch(forge, { repo: TARGET, ref: 'main', workflow: 'missing.yml' }).catch(
          (e: unknown) => e,
        );
        expect(missing).toMatchObject({ code: 'DISPATCH_REJECTED', status: 404 });
        const noRepo = await dispatch(forge, {
          repo: { owner: 'acme', repo: 'nope' },
          ref: 'main',
          workflow: 'build.yml',
        }).catch((e: unknown) => e);
        expect(noRepo).toMatchObject({ code: 'DISPATCH_REJECTED', status: 404 });
        const badRef = await dispatch(forge, {
          repo: TARGET,
          ref: 'no-such-branch',
          workflow: 'build.yml',
        }).catch((e: unknown) => e);
        expect(badRef).toMatchObject({ code: 'DISPATCH_REJECTED' });
        expect([400, 404, 422]).toContain((badRef as { status?: number }).status);
        expect((badRef as Error).message).toContain('no-such-branch');
        const noRun = await forge.getRun(TARGET, 987_654_321).catch((e: unknown) => e);
        expect(noRun).toMatchObject({ code: 'RUN_NOT_FOUND', status: 404 });
        expect(await simRuns(sim)).toHaveLength(0);
      });
    });

    it("survives 5xx and rate-limit answers on reads, within the transport's retries", async () => {
      await withSim(async (sim, forge) => {
        const clock = scaledTime();
        const receipt = await dispatch(forge, { repo: TARGET, ref: 'main', workflow: 'build.yml' });
        const runId = receipt.runId ?? (await correlateRun(forge, receipt, { ...clock })).run.id;
        // Three failed answers in a row on one read (the transport asks up to four times), then a
        // secondary limit on the closing read of the jobs (where the forge has a jobs route; Gitea
        // 1.24 reads runs and jobs from the same task list).
        const jobsRoute = (await forge.capabilities()).runApi;
        for (const fault of [
          { kind: '5xx', count: 1, method: 'GET', path: '/actions/', status: 502 },
          { kind: '5xx', count: 1, method: 'GET', path: '/actions/', status: 503 },
          { kind: 'rate-limit', count: 1, method: 'GET', path: '/actions/' },
          ...(jobsRoute ? [{ kind: 'secondary-limit', count: 1, method: 'GET', path: '/jobs' }] : []),
        ]) {
          await control(sim, 'POST', '/_sim/faults', fault);
        }
        const result = await waitForRun(forge, TARGET, runId, { ...clock });
        expect(result.conclusion).toBe('success');
        expect(result.jobs.length).toBeGreaterThan(0);
        expect(await control<unknown[]>(sim, 'GET', '/_sim/faults')).toEqual([]);
      });
    });

    it('a lost dispatch answer dispatches once', async () => {
      await withSim(async (sim, forge) => {
        await control(sim, 'POST', '/_sim/faults', { kind: 'lose-dispatch-answer', count: 1 });
        const correlationId = newId('lost');
        const result = await dispatchAndWait(
          forge,
          { repo: TARGET, ref: 'main', workflow: 'build.yml', correlationId },
          { ...scaledTime() },
        );
        expect(result.conclusion).toBe('success');
        const started = await runsWithId(sim, correlationId);
        expect(started).toHaveLength(1);
        expect(result.runId).toBe(await adapterIdOf(forge, started[0]));
        expect(await control<unknown[]>(sim, 'GET', '/_sim/faults')).toEqual([]);
      });
    });

    it('50 concurrent dispatch-and-waits with background noise each get their own run', async () => {
      await withSim(async (sim, forge) => {
        await control(sim, 'POST', '/_sim/noise', {
          ...TARGET,
          workflow: 'build.yml',
          event: 'workflow_dispatch',
          perMinute: 600,
        });
        const ids = Array.from({ length: 50 }, () => newId('c50'));
        const settled = await Promise.allSettled(
          ids.map((correlationId) =>
            dispatchAndWait(
              forge,
              { repo: TARGET, ref: 'main', workflow: 'build.yml', correlationId },
              // A 10-minute correlation window (10 s here): the test is about finding the right run
              // under concurrency, not about how fast, and 50 flows at once on a loaded 2-core
              // machine can take longer than the 2-minute default's 2 s.
              { ...scaledTime(), correlate: { timeoutMs: 600_000 } },
            ),
          ),
        );
        const failures = settled.filter((s) => s.status === 'rejected').map((s) => String(s.reason));
        expect(failures).toEqual([]);
        const results = settled.map((s) => (s as PromiseFulfilledResult<RunResult>).value);
        const runs = await simRuns(sim);
        const byNumber = !(await forge.capabilities()).runApi;
        const byId = new Map(runs.map((r) => [byNumber ? r.runNumber : r.id, r]));
        results.forEach((result, i) => {
          expect(result.conclusion).toBe('success');
          expect(correlationOf(byId.get(result.runId)!)).toBe(ids[i]);
        });
        expect(new Set(results.map((r) => r.runId)).size).toBe(50);
        expect(runs.filter((r) => String(correlationOf(r)).startsWith('noise-')).length).toBeGreaterThan(0);
      });
    }, 120_000);

    it('conditional reads answer 304s that are not counted', async () => {
      await withSim(async (sim, forge) => {
        const caps = await forge.capabilities();
        const done = await dispatchAndWait(
          forge,
          { repo: TARGET, ref: 'main', workflow: 'build.yml' },
          { ...scaledTime(), withJobs: false },
        );
        // A completed run no longer changes, so the second read is answered "not modified".
        const records: RequestRecord[] = [];
        const meter = { record: (r: RequestRecord) => records.push(r) };
        const first = await forge.getRun(TARGET, done.runId, { meter });
        await control(sim, 'POST', '/_sim/stats/reset');
        const second = await forge.getRun(TARGET, done.runId, { meter });
        expect(second).toEqual(first);
        if (!caps.conditionalRequests) return;
        expect(records.at(-1)).toMatchObject({ status: 304, notModified: true, counted: false });
        expect(sim.stats().requests).toEqual({ total: 1, counted: 0, notModified: 1 });
      });
    });

    describe('the cost of a dispatch-and-wait of a run that stays in progress 60 s', () => {
      // Issue 14's bounds for GitHub, where a 304 is free and the primary rate limit counts the
      // rest: the dispatch, the first read of the run (no ETag yet), the read that sees it completed,
      // the jobs; a correlation adds one list read (made once the run can be listed), a step name one
      // job list; a failure its log. A GHES adds one read of /meta (its version). Gitea and Forgejo
      // have neither a rate limit nor conditional reads: their numbers are printed for the record.
      const sixty = 60_000;
      const COST_PATHS: ReadonlyArray<{
        name: string;
        request: Omit<DispatchRequest, 'repo' | 'ref'>;
        bound: number;
        hideRunId?: boolean;
        needs?: 'runId' | 'jobsApi' | 'repositoryDispatch';
      }> = [
        {
          name: 'with the run id, jobs included',
          request: { workflow: 'sixty.yml' },
          bound: 4,
          needs: 'runId',
        },
        {
          name: 'with the run id, failing: failed steps and the log tail read',
          request: { workflow: 'sixty-fail.yml' },
          bound: 5,
          needs: 'runId',
        },
        {
          name: 'by run-name',
          request: { workflow: 'sixty.yml', correlation: 'run-name' },
          bound: 5,
          hideRunId: true,
        },
        {
          name: 'by step name',
          request: { workflow: 'sixty-step.yml', correlation: 'step-name' },
          bound: 6,
          hideRunId: true,
          needs: 'jobsApi',
        },
        {
          name: 'repository_dispatch by run-name',
          request: { eventType: 'sixty', correlation: 'run-name' },
          bound: 5,
          needs: 'repositoryDispatch',
        },
        {
          name: 'repository_dispatch by step name',
          request: { eventType: 'sixty-step', correlation: 'step-name' },
          bound: 6,
          needs: 'repositoryDispatch',
        },
      ];

      async function addSixtyWorkflows(sim: Sim): Promise<void> {
        const job = { name: 'work', steps: ['Work'], durationMs: sixty };
        await addWorkflow(sim, {
          file: 'sixty.yml',
          runName: 'Sixty ${{ inputs.correlation_id }}',
          on: dispatchInputs,
          jobs: [job],
        });
        await addWorkflow(sim, {
          file: 'sixty-fail.yml',
          runName: 'Sixty fail ${{ inputs.correlation_id }}',
          on: dispatchInputs,
          jobs: [
            {
              ...job,
              steps: ['Build', 'Run tests'],
              conclusion: 'failure',
              failStep: 'Run tests',
              log: ['Running 3 tests', 'FAIL adds'],
            },
          ],
        });
        await addWorkflow(sim, {
          file: 'sixty-step.yml',
          on: dispatchInputs,
          jobs: [{ ...job, name: 'identify-run', steps: ['${{ inputs.correlation_id }}', 'Work'] }],
        });
        if (dialect === 'github' || dialect.startsWith('ghes')) {
          await addWorkflow(sim, {
            file: 'sixty-dispatch.yml',
            runName: 'Sixty ${{ github.event.client_payload.correlation_id }}',
            on: { repository_dispatch: { types: ['sixty'] } },
            jobs: [job],
          });
          // The sample's step-marker.yml starts on every repository_dispatch type and names a step
          // after client_payload.sha: made a 60 s run here (the sixty-step event starts it alone).
          await addWorkflow(sim, {
            file: 'step-marker.yml',
            on: { repository_dispatch: {} },
            jobs: [
              { ...job, name: 'identify-run', steps: ['${{ github.event.client_payload.sha }}', 'Work'] },
            ],
          });
        }
      }

      for (const path of COST_PATHS) {
        it(path.name, async () => {
          await withSim(async (sim, forge) => {
            await addSixtyWorkflows(sim);
            // What the server can do, learned on a second adapter, so that the measured one starts
            // as a new process would (its GHES /meta read included).
            const caps = await options.createForge({ apiUrl: sim.apiUrl, url: sim.url }).capabilities();
            if (path.needs === 'runId' && caps.returnsRunId !== true) return;
            if (path.needs !== undefined && path.needs !== 'runId' && !caps[path.needs]) return;
            await control(sim, 'POST', '/_sim/stats/reset');
            const clock = scaledTime();
            const startedAt = clock.now();
            const result = await dispatchAndWait(
              path.hideRunId ? withRunIdHidden(forge) : forge,
              { repo: TARGET, ref: 'main', ...path.request },
              { ...clock },
            );
            const waitedMs = clock.now() - startedAt;
            expect(result.status).toBe('completed');
            expect(result.jobs.length).toBeGreaterThan(0);
            if (path.request.workflow === 'sixty-fail.yml') {
              expect(result.failedJobs.map((j) => j.failedSteps)).toEqual([['Run tests']]);
              if (caps.jobLogs) expect(result.failedJobs[0]?.logTail).toContain('FAIL adds');
            } else {
              expect(result.conclusion).toBe('success');
            }
            if (path.request.correlation !== undefined && !(path.needs === 'runId')) {
              expect(result.correlationMethod).toBe(caps.jobsApi ? path.request.correlation : 'run-name');
            }
            const stats = sim.stats();
            const meta = stats.byRoute['GET /meta']?.counted ?? 0;
            const routes = Object.entries(stats.byRoute)
              .map(
                ([route, s]) => `${route}: ${s.total} (${s.counted} counted, ${s.notModified} not modified)`,
              )
              .join('\n  ');
            console.log(
              `[${options.dialect}] dispatch-and-wait ${path.name}, run in progress 60 s (${result.correlationMethod}): ` +
                `${countedOf(stats)} counted requests (${caps.conditionalRequests ? `bound ${path.bound}${meta ? ' + 1 for /meta' : ''}` : 'no rate limit or conditional reads on this forge: not bounded'}), ` +
                `${stats.requests.total} in all, ${stats.requests.notModified} × 304 over ${Math.round(waitedMs / 1000)} s\n  ${routes}`,
            );
            if (!caps.conditionalRequests) return;
            expect(meta).toBeLessThanOrEqual(1);
            expect(countedOf(stats) - meta).toBeLessThanOrEqual(path.bound);
            // At most one request per 2 s of waiting: every free 304 is a poll, and polls are at
            // least the 2 s interval apart on the (scaled) clock.
            expect(stats.requests.notModified).toBeLessThanOrEqual(waitedMs / 2_000);
          });
        });
      }

      it('told the usual duration (expected-duration): ≤ 15 requests in all where every poll is paid, the same bound where polls are free', async () => {
        await withSim(async (sim, forge) => {
          await addSixtyWorkflows(sim);
          const caps = await options.createForge({ apiUrl: sim.apiUrl, url: sim.url }).capabilities();
          await control(sim, 'POST', '/_sim/stats/reset');
          const result = await dispatchAndWait(
            forge,
            { repo: TARGET, ref: 'main', workflow: 'sixty.yml' },
            { ...scaledTime(), expectedDurationMs: sixty },
          );
          expect(result.conclusion).toBe('success');
          const stats = sim.stats();
          console.log(
            `[${options.dialect}] dispatch-and-wait told expected-duration ${sixty / 1000} s, run in progress 60 s: ${countedOf(stats)} counted, ${stats.requests.total} requests in all`,
          );
          if (caps.conditionalRequests) {
            // GitHub: polls are free and the history is never read, so a stated duration changes
            // nothing — the bounds of the paths above (run id 4, run-name 5; GHES + 1 for /meta).
            const meta = stats.byRoute['GET /meta']?.counted ?? 0;
            expect(countedOf(stats) - meta).toBeLessThanOrEqual(caps.returnsRunId === true ? 4 : 5);
            return;
          }
          // Gitea, Forgejo: the version and workflow-file reads, the dispatch, (a correlation look where
          // no run id comes back,) the polls of the window around the stated end, the jobs.
          expect(stats.requests.total).toBeLessThanOrEqual(15);
        });
      });
    });
  });
}
