// The contract suite against the Gitea adapter, on Gitea 1.24 (no run API: /actions/tasks only),
// 1.25 (run API, dispatch answers 204: correlation), 1.26 (?return_run_details=true) and Forgejo
// (return_run_info: true).
import { createGiteaForge } from '@xrd/gitea';
import { describeArtifactsContract } from './artifacts-contract.js';
import { CONTRACT_TIME_SCALE, describeForgeContract, type ForgeContractOptions } from './contract.js';
import { describeErrorContract } from './error-contract.js';

const dialects = (
  process.env.XRD_CONTRACT_GITEA_DIALECTS ?? 'gitea-1.24,gitea-1.25,gitea-1.26,forgejo'
).split(',');

for (const dialect of dialects) {
  const contract: ForgeContractOptions = {
    dialect,
    createForge: (sim) =>
      createGiteaForge({
        baseUrl: sim.apiUrl,
        token: 'gitea-contract-token-0000',
        // Backoff without retry-after shrinks with the simulator's clock.
        retry: { baseDelayMs: 1000 / CONTRACT_TIME_SCALE },
      }),
  };
  describeForgeContract(contract);
  describeArtifactsContract(contract);

  describeErrorContract({
    dialect,
    timeScale: CONTRACT_TIME_SCALE,
    createForge: ({ apiUrl, token, requestTimeoutMs }) =>
      createGiteaForge({
        baseUrl: apiUrl,
        ...(token !== undefined ? { token } : {}),
        ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
        retry: { baseDelayMs: 1000 / CONTRACT_TIME_SCALE },
      }),
  });
}
