// Public API of @xrd/github. Each export is named explicitly.
export { createGitHubForge } from './github-forge.js';
export type { GitHubAppCredentials, GitHubForgeOptions, GitHubRetryOptions } from './options.js';
