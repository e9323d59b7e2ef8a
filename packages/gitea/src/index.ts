// Public API of @xrd/gitea. Each export is named explicitly.
export type { GiteaForgeOptions } from './gitea-forge.js';
export { createGiteaForge } from './gitea-forge.js';
export type { GiteaKind, ServerProfile } from './server.js';
export { kindFromVersion, profileFor } from './server.js';
export type { NormalizedStatus } from './status.js';
export { normalizeStatus } from './status.js';
export type { GiteaUrls } from './urls.js';
export { resolveGiteaUrls } from './urls.js';
