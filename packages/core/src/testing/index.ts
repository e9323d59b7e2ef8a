// Public API of @xrd/core/testing.

export type { BadOptionCase, FrontEnd } from './bad-options.js';
export { BAD_OPTION_CASES, badOptionMessage, URL_PASSWORD } from './bad-options.js';
export type {
  MemoryArtifactSpec,
  MemoryCall,
  MemoryFault,
  MemoryForge,
  MemoryForgeOptions,
  MemoryJobSpec,
  MemoryMethod,
  MemoryRunScript,
  MemoryRunSpec,
  MemoryWorkflowSpec,
} from './memory-forge.js';
export { createMemoryForge, expr, renderTemplate } from './memory-forge.js';
export type { VirtualClock } from './virtual-clock.js';
export { createVirtualClock } from './virtual-clock.js';
