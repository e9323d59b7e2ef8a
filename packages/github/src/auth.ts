// Credentials → an `Authorization` header per target owner.
//
// Tokens (classic or fine-grained PAT, installation token, GITHUB_TOKEN) are sent as
// `Authorization: token …`, which GitHub accepts for every token kind. The reference action's
// `user` + `pat` pair is sent the same way, not as Basic auth: GitHub ignores the user name for a
// token anyway (the token alone identifies the account), Basic is documented only for classic PATs
// ("Authenticating to the REST API"), and Basic would make a wrong user name fail with a confusing
// 401 although the token is fine. The user name is kept for messages only.
//
// GitHub App credentials are exchanged through `@octokit/auth-app` for an installation token of the
// target owner; the installation is looked up by repository when not given
// (`GET /repos/{owner}/{repo}/installation`, authenticated with the app's JWT).
import { createAppAuth } from '@octokit/auth-app';
import type { Octokit } from '@octokit/rest';
import { AuthError, type RepoRef, redact } from '@xrd/core';
import { serverMessage } from '@xrd/transport';
import { isAnswerError } from './client.js';
import type { GitHubAppCredentials } from './options.js';

export interface AuthProvider {
  /** The header for requests against `repo` (its owner decides the app installation). */
  header(repo: RepoRef | undefined): Promise<string | undefined>;
  /** Everything that must never reach a message. Grows as installation tokens are issued. */
  readonly secrets: readonly string[];
  readonly user: string | undefined;
}

export function createTokenAuth(token: string | undefined, user: string | undefined): AuthProvider {
  const secrets = token ? [token] : [];
  return {
    header: async () => (token ? `token ${token}` : undefined),
    secrets,
    user,
  };
}

export function createGitHubAppAuth(app: GitHubAppCredentials, request: Octokit['request']): AuthProvider {
  const secrets: string[] = [app.privateKey];
  const auth = createAppAuth({
    appId: app.appId,
    privateKey: app.privateKey,
    request,
    ...(app.installationId !== undefined ? { installationId: app.installationId } : {}),
  });
  const installations = new Map<string, Promise<number>>();

  const clean = (text: string) => redact(text, secrets);

  async function lookUpInstallation(repo: RepoRef): Promise<number> {
    const { token: jwt } = await auth({ type: 'app' });
    if (!secrets.includes(jwt)) secrets.push(jwt);
    try {
      const response = await request('GET /repos/{owner}/{repo}/installation', {
        owner: repo.owner,
        repo: repo.repo,
        headers: { authorization: `bearer ${jwt}` },
      });
      return (response.data as { id: number }).id;
    } catch (error) {
      if (isAnswerError(error) && error.status === 404) {
        throw new AuthError(
          clean(
            `The GitHub App ${app.appId} is not installed on ${repo.owner} or cannot access ${repo.owner}/${repo.repo}; install it there or pass its installation id.`,
          ),
          { cause: error, status: 404 },
        );
      }
      if (isAnswerError(error)) {
        throw new AuthError(
          clean(
            `GitHub refused the app's credentials while looking up its installation on ${repo.owner} (${error.status}: ${serverMessage(error.response.data) ?? error.message}); check the app id and private key.`,
          ),
          { cause: error, status: error.status },
        );
      }
      throw error;
    }
  }

  return {
    async header(repo) {
      let installationId = app.installationId;
      if (installationId === undefined) {
        if (!repo) {
          throw new AuthError(
            'A GitHub App needs a target repository or an installation id to act; pass app.installationId.',
          );
        }
        const key = repo.owner.toLowerCase();
        let pending = installations.get(key);
        if (!pending) {
          pending = lookUpInstallation(repo);
          installations.set(key, pending);
          // A failed lookup is not cached, so a later call (after installing the app) can succeed.
          pending.catch(() => installations.delete(key));
        }
        installationId = await pending;
      }
      // auth-app caches installation tokens and renews them before they expire.
      const { token } = await auth({ type: 'installation', installationId });
      if (!secrets.includes(token)) secrets.push(token);
      return `token ${token}`;
    },
    secrets,
    user: undefined,
  };
}
