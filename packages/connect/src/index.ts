// Public API of @xrd/connect. Each export is named explicitly.
export type { ConnectOptions, ConnectRetryOptions } from './connect.js';
export { createForge } from './connect.js';
export type { DetectedForge } from './detect-env.js';
export { detectForgeFromEnv } from './detect-env.js';
