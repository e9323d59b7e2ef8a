// The contract suite against the GitHub adapter, on github.com's dialect and on a GHES 3.19 (no
// `return_run_details`: the fallback to run-name correlation).
import { createGitHubForge } from '@xrd/github';
import { describeArtifactsContract } from './artifacts-contract.js';
import { CONTRACT_TIME_SCALE, describeForgeContract, type ForgeContractOptions } from './contract.js';
import { describeErrorContract } from './error-contract.js';

for (const dialect of ['github', 'ghes-3.19']) {
  const contract: ForgeContractOptions = {
    dialect,
    createForge: (sim) =>
      createGitHubForge({
        baseUrl: sim.apiUrl,
        token: 'ghp_contract0000000000000000000000000000',
        // The client's own intervals shrink with the simulator's clock (GitHub's 1 s between writes).
        minWriteIntervalMs: 1000 / CONTRACT_TIME_SCALE,
        retry: { baseDelayMs: 1000 / CONTRACT_TIME_SCALE },
      }),
  };
  describeForgeContract(contract);
  describeArtifactsContract(contract);

  describeErrorContract({
    dialect,
    timeScale: CONTRACT_TIME_SCALE,
    createForge: ({ apiUrl, token, requestTimeoutMs }) =>
      createGitHubForge({
        baseUrl: apiUrl,
        ...(token !== undefined ? { token } : {}),
        ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
        minWriteIntervalMs: 1000 / CONTRACT_TIME_SCALE,
        retry: { baseDelayMs: 1000 / CONTRACT_TIME_SCALE },
      }),
  });
}
