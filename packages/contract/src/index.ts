// Public API of @xrd/contract. Each export is named explicitly.
export type { ForgeContractOptions } from './contract.js';
export { CONTRACT_TIME_SCALE, describeForgeContract } from './contract.js';
export type { ErrorContractForge, ErrorContractOptions } from './error-contract.js';
export { describeErrorContract } from './error-contract.js';
export { describeArtifactsContract } from './artifacts-contract.js';
