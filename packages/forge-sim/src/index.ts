export { sampleSeed, sampleWorkflows } from './sample.js';
export type { Fault, FaultKind, RouteStats, Sim, SimStats } from './sim.js';
export { startSim } from './sim.js';
export { renderTemplate } from './template.js';
export { unusedPort } from './unused-port.js';
export type { ThroughputOptions, ThroughputResult } from './throughput.js';
export { measureThroughput } from './throughput.js';
export type {
  Dialect,
  JobSpec,
  RunConclusion,
  RunScript,
  SeedHook,
  SeedPull,
  SeedRepo,
  SimOptions,
  SimSeed,
  WorkflowInputSpec,
  WorkflowSpec,
} from './types.js';
export { DIALECTS } from './types.js';
export type { ZipEntrySpec } from './zip.js';
export { createZip } from './zip.js';
