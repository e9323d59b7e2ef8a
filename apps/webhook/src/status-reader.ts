// Reads the commit statuses already on a commit, so a final status whose POST may have gone out just
// before a crash is not posted a second time. The Forge port has no read for statuses (yet: it
// belongs there, see the README), so this one read is done here, only on the rare retry path.
// GitHub: GET /repos/{owner}/{repo}/commits/{ref}/statuses (newest first, REST "List commit statuses
// for a reference"); Gitea/Forgejo: GET /repos/{owner}/{repo}/statuses/{sha} (swagger
// "repoListStatuses").
import type { ForgeConfig } from './config.js';

export interface SeenStatus {
  readonly state: string;
  readonly context: string;
  readonly description: string;
}

/** Undefined when the statuses cannot be read (App credentials, network): callers then post. */
export async function readStatuses(
  forge: ForgeConfig,
  repo: string,
  sha: string,
  signal?: AbortSignal,
): Promise<SeenStatus[] | undefined> {
  if (!forge.token) return undefined;
  const api = forge.apiUrl.replace(/\/+$/, '');
  const url =
    forge.kind === 'github'
      ? `${api}/repos/${repo}/commits/${sha}/statuses?per_page=100`
      : `${/\/api\/v1$/.test(api) ? api : `${api}/api/v1`}/repos/${repo}/statuses/${sha}?limit=50`;
  try {
    const res = await fetch(url, {
      headers: {
        accept: 'application/json',
        authorization: forge.kind === 'github' ? `Bearer ${forge.token}` : `token ${forge.token}`,
      },
      ...(signal ? { signal } : {}),
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as Array<Record<string, unknown>>;
    return body.map((s) => ({
      state: String(s.state ?? s.status ?? ''),
      context: String(s.context ?? ''),
      description: String(s.description ?? ''),
    }));
  } catch {
    return undefined;
  }
}
