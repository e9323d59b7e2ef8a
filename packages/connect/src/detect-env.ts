// Which forge a CI job runs on, from the runner's environment. Every runner sets the GitHub-named
// variables (act_runner and Forgejo's runner copy them), so the product markers come first:
// - Forgejo runner ≥ 7: `FORGEJO_ACTIONS=true` (it sets `GITEA_ACTIONS=true` too) and `FORGEJO_SERVER_URL`;
// - Gitea act_runner: `GITEA_ACTIONS=true`, the server in `GITHUB_SERVER_URL`;
// - GitHub (github.com or GHES): `GITHUB_ACTIONS=true`, `GITHUB_API_URL`, `GITHUB_SERVER_URL`.
import type { ForgeKind } from '@xrd/core';

export interface DetectedForge {
  readonly kind: ForgeKind;
  /** REST API root. */
  readonly apiUrl: string;
  /** Web root, e.g. for links. */
  readonly serverUrl: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const isTrue = (value: string | undefined) => value !== undefined && value.trim().toLowerCase() === 'true';
const value = (env: Env, name: string) => {
  const text = env[name]?.trim();
  return text ? text.replace(/\/+$/, '') : undefined;
};

export function detectForgeFromEnv(env: Env): DetectedForge | undefined {
  if (isTrue(env.FORGEJO_ACTIONS)) {
    const serverUrl = value(env, 'FORGEJO_SERVER_URL') ?? value(env, 'GITHUB_SERVER_URL');
    return serverUrl ? { kind: 'forgejo', serverUrl, apiUrl: `${serverUrl}/api/v1` } : undefined;
  }
  if (isTrue(env.GITEA_ACTIONS)) {
    const serverUrl = value(env, 'GITEA_SERVER_URL') ?? value(env, 'GITHUB_SERVER_URL');
    return serverUrl ? { kind: 'gitea', serverUrl, apiUrl: `${serverUrl}/api/v1` } : undefined;
  }
  const apiUrl = value(env, 'GITHUB_API_URL');
  const server = value(env, 'GITHUB_SERVER_URL');
  if (!isTrue(env.GITHUB_ACTIONS) && !apiUrl && !server) return undefined;
  const serverUrl = server ?? 'https://github.com';
  return {
    kind: 'github',
    serverUrl,
    // GHES serves its API under /api/v3; github.com under api.github.com.
    apiUrl: apiUrl ?? (serverUrl === 'https://github.com' ? 'https://api.github.com' : `${serverUrl}/api/v3`),
  };
}
