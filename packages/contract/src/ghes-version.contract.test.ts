// The GitHub adapter learns a GHES's version before it dispatches: forge-sim's GHES dialects answer
// `GET /api/v3/meta` with `installed_version` and send `x-github-enterprise-version` on every answer,
// as GHES does (issue 17, item 3). A GHES ≤ 3.20 has no `return_run_details`, so a dispatch after
// that goes straight to correlation: one dispatch POST, never a first one rejected with 400.
import { correlateRun, dispatch } from '@xrd/core';
import { startSim } from '@xrd/forge-sim';
import { createGitHubForge } from '@xrd/github';
import { describe, expect, it } from 'vitest';
import { CONTRACT_TIME_SCALE, scaledTime } from './contract.js';

const TARGET = { owner: 'acme', repo: 'target' };
const DISPATCH_ROUTE = 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches';

describe.each(['ghes-3.19', 'ghes-3.20'] as const)('GHES version detection (%s)', (dialect) => {
  it('reads the version from /meta, then dispatches once without return_run_details and correlates', async () => {
    const sim = await startSim({ dialect, timeScale: CONTRACT_TIME_SCALE });
    try {
      const forge = createGitHubForge({
        baseUrl: sim.apiUrl,
        token: 'ghp_ghesversion000000000000000000000000',
        minWriteIntervalMs: 1000 / CONTRACT_TIME_SCALE,
        retry: { baseDelayMs: 1000 / CONTRACT_TIME_SCALE },
      });
      const version = dialect.slice('ghes-'.length);
      const capabilities = await forge.capabilities();
      expect(capabilities.server).toBe(`GHES ${version}.0`);
      expect(capabilities.returnsRunId).toBe(false);
      expect(sim.stats().byRoute['GET /meta']?.total).toBe(1);

      const receipt = await dispatch(forge, { repo: TARGET, ref: 'main', workflow: 'build.yml' });
      expect(receipt.path).toBe('none');
      const dispatches = sim.stats().byRoute[DISPATCH_ROUTE];
      expect(dispatches?.total).toBe(1);
      // The run shows in the lists only after forge-sim's default listing delay: correlation waits for it.
      const found = await correlateRun(forge, receipt, scaledTime());
      expect(found.method).toBe('run-name');
      expect(found.run.displayTitle).toContain(receipt.correlationId);
      expect(sim.stats().byRoute[DISPATCH_ROUTE]?.total).toBe(1);
    } finally {
      await sim.close();
    }
  });
});
