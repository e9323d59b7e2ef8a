// A forge whose clock is 10 minutes behind this machine's: the CLI finds its run on the forge's clock
// (the dispatch answer's Date) and waits out a spent rate limit until the reset the forge meant
// (`x-ratelimit-reset` is an instant on the forge's clock).
import { startSim } from '@xrd/forge-sim';
import { describe, expect, it } from 'vitest';
import { at, control, dispatchArgs, json, xrd } from './harness.js';

const TOKEN = { XRD_TOKEN: 'e2e-clock-token-0123456789' };

describe("a forge whose clock is 10 minutes behind this machine's", () => {
  it('finds the run it started (no run id comes back) and waits out a rate limit by the forge’s reset', async () => {
    // GHES 3.19 returns no run id: the run is found by its correlation id, created 10 minutes
    // "before" the dispatch on this machine's clock.
    const sim = await startSim({ dialect: 'ghes-3.19', timeScale: 20, clockOffsetMs: -600_000 });
    try {
      const r = await xrd(dispatchArgs(sim, 'build.yml', '--json'), { env: TOKEN });
      expect(r.code).toBe(0);
      const runId = (json(r).run as { id: number }).id;
      expect(runId).toBeGreaterThan(0);
      // The budget is spent for 2 more seconds of the forge's clock — 9 min 58 s ago on this one.
      await control(sim, 'POST', 'rate-limit', { limit: 5000, remaining: 0, resetInSeconds: 2 });
      const started = Date.now();
      const s = await xrd(['status', String(runId), ...at(sim), '--repo', 'acme/target', '--json'], {
        env: TOKEN,
      });
      expect(s.code).toBe(0);
      expect(json(s)).toMatchObject({ command: 'status', ok: true, run: { id: runId } });
      // It waited for the reset instead of asking again at once until it gave up (exit 6).
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    } finally {
      await sim.close();
    }
  });
});
