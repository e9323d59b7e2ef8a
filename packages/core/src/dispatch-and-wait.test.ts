import { describe, expect, it } from 'vitest';
import { dispatchAndWait } from './dispatch-and-wait.js';
import type { ProgressEvent } from './engine-types.js';
import { createMeter } from './meter.js';
import { targetForge } from './test-support.js';

const repo = { owner: 'acme', repo: 'target' };

function setup(returnsRunId: boolean) {
  return targetForge(returnsRunId, {
    durationMs: 60_000,
    jobs: [
      { name: 'compile', steps: ['Checkout', 'Compile'] },
      { name: 'test', steps: ['Run tests'] },
    ],
  });
}

describe('dispatchAndWait', () => {
  it.each([true, false])(
    'dispatches, finds and follows the run (returnsRunId %s), counting every request',
    async (returnsRunId) => {
      const { clock, forge } = setup(returnsRunId);
      const events: ProgressEvent['type'][] = [];
      const outer = createMeter();
      const result = await dispatchAndWait(
        forge,
        { repo, ref: 'main', workflow: 'build.yml', inputs: { pr_number: '7' } },
        { now: clock.now, sleep: clock.sleep, meter: outer, onProgress: (e) => events.push(e.type) },
      );
      expect(result.status).toBe('completed');
      expect(result.conclusion).toBe('success');
      expect(result.correlationMethod).toBe(returnsRunId ? 'run-id' : 'run-name');
      expect(result.jobs.map((j) => j.name)).toEqual(['compile', 'test']);
      expect(result.correlationId).toMatch(/^xrd-[0-9a-f]{16}$/);
      expect(forge.callCount('dispatch')).toBe(1);
      // apiCost covers every call the forge saw, and is what the outer meter saw too.
      expect(result.apiCost.requests).toBe(forge.calls.length);
      expect(outer.cost()).toEqual(result.apiCost);
      expect(events[0]).toBe('dispatched');
      expect(events).toContain('status');
      expect(events).toContain('job');
      // noticed shortly after the run completed
      const run = forge.runs()[0]!;
      expect(clock.now() - Date.parse(run.completedAt!)).toBeLessThan(15_000);
    },
  );

  it('looks for the run of a lost dispatch within the one timeout, not the 60 s default beyond it', async () => {
    const { clock, forge } = setup(false);
    forge.fail('dispatch', { kind: 'lose-answer' });
    forge.fail('listRuns', { kind: '5xx' }, { count: 10_000 });
    const start = clock.now();
    const error = await dispatchAndWait(
      forge,
      { repo, ref: 'main', workflow: 'build.yml' },
      { now: clock.now, sleep: clock.sleep, timeoutMs: 10_000 },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RUN_NOT_FOUND', ambiguous: true });
    expect(clock.now() - start).toBeLessThanOrEqual(10_000);
    expect(forge.callCount('dispatch')).toBe(1);
  });
});
