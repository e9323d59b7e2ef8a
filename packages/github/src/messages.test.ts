import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFetchMock, type FetchMock } from '../test/fetch-mock.js';
import { createGitHubForge } from './github-forge.js';
import type { GitHubForgeOptions } from './options.js';

const repo = { owner: 'acme', repo: 'target' };
const TOKEN = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
const DISPATCH = 'POST /repos/acme/target/actions/workflows/build.yml/dispatches';

function forgeWith(mock: FetchMock, extra: Partial<GitHubForgeOptions> = {}) {
  return createGitHubForge({
    baseUrl: 'https://api.github.com',
    token: TOKEN,
    fetch: mock.fetch,
    minWriteIntervalMs: 0,
    retry: { retries: 2, baseDelayMs: 1, maxWaitMs: 1_000 },
    ...extra,
  });
}

async function dispatchError(mock: FetchMock, extra: Partial<GitHubForgeOptions> = {}) {
  return forgeWith(mock, extra)
    .dispatch({ repo, ref: 'main', workflow: 'build.yml', inputs: { correlation_id: 'xrd-1' } })
    .then(
      () => {
        throw new Error('expected a rejection');
      },
      (e: unknown) => e as Error & { code: string; status?: number },
    );
}

describe('dispatch errors', () => {
  it('404: repository or workflow not found, or the token cannot see it', async () => {
    const error = await dispatchError(
      createFetchMock().on(DISPATCH, { status: 404, body: { message: 'Not Found' } }),
    );
    expect(error.code).toBe('DISPATCH_REJECTED');
    expect(error.message).toMatchInlineSnapshot(
      `"GitHub at https://api.github.com answered 404 (Not Found) when asked to dispatch workflow build.yml in acme/target at main: it does not exist there or the token cannot see it; check the names, the API URL and the token's access."`,
    );
  });

  it('404 from a server that is not GitHub (a Gitea given as GitHub) says so and names the fix', async () => {
    // Gitea answers a path it does not serve (its API is under /api/v1) without GitHub's headers.
    const gitea = () =>
      new Response('404 page not found\n', { status: 404, headers: { 'content-type': 'text/plain' } });
    const error = await dispatchError(createFetchMock().on(DISPATCH.replace(' /', ' /api/v3/'), gitea), {
      baseUrl: 'https://gitea.example.com/api/v3',
    });
    expect(error.code).toBe('DISPATCH_REJECTED');
    expect(error.message).toMatchInlineSnapshot(
      `"GHES at https://gitea.example.com/api/v3 answered 404 (404 page not found) when asked to dispatch workflow build.yml in acme/target at main: it does not exist there or the token cannot see it; check the names, the API URL and the token's access. https://gitea.example.com/api/v3 does not answer like GitHub (no X-GitHub-Request-Id header): if it is a Gitea or Forgejo server, give the forge as gitea or forgejo instead of github."`,
    );
  });

  it('403 names the missing permission from X-Accepted-GitHub-Permissions', async () => {
    const error = await dispatchError(
      createFetchMock().on(DISPATCH, {
        status: 403,
        body: { message: 'Resource not accessible by personal access token' },
        headers: { 'x-accepted-github-permissions': 'actions=write' },
      }),
    );
    expect(error.code).toBe('AUTH');
    expect(error.message).toMatchInlineSnapshot(
      `"The token may not dispatch workflow build.yml in acme/target at main: it lacks the GitHub permission "actions=write"; grant it to the token (or app installation) or use another token."`,
    );
  });

  it('403 with alternative permission sets lists them', async () => {
    const error = await dispatchError(
      createFetchMock().on(DISPATCH, {
        status: 403,
        body: { message: 'Resource not accessible by integration' },
        headers: { 'x-accepted-github-permissions': 'actions=write; contents=write, metadata=read' },
      }),
    );
    expect(error.message).toContain('one of "actions=write", "contents=write and metadata=read"');
  });

  it('403 without the header uses the server message', async () => {
    const error = await dispatchError(
      createFetchMock().on(DISPATCH, {
        status: 403,
        body: { message: 'Must have admin rights to Repository.' },
      }),
    );
    expect(error.message).toMatchInlineSnapshot(
      `"GitHub refused to dispatch workflow build.yml in acme/target at main (403: Must have admin rights to Repository.); check the token's scopes or permissions and its SSO authorisation."`,
    );
  });

  it.each([
    ["Workflow does not have 'workflow_dispatch' trigger"],
    ['No ref found for: nope'],
    ['Unexpected inputs provided: ["foo"]'],
  ])('422 %s uses the server message', async (message) => {
    const error = await dispatchError(createFetchMock().on(DISPATCH, { status: 422, body: { message } }));
    expect(error).toMatchObject({ code: 'DISPATCH_REJECTED', status: 422 });
    expect(error.message).toContain(message);
  });

  it('422 messages end with what to do', async () => {
    const messages: string[] = [];
    for (const message of [
      "Workflow does not have 'workflow_dispatch' trigger",
      'No ref found for: nope',
      "Required input 'pr_number' not provided",
    ]) {
      messages.push(
        (await dispatchError(createFetchMock().on(DISPATCH, { status: 422, body: { message } }))).message,
      );
    }
    expect(messages).toMatchInlineSnapshot(`
      [
        "GitHub rejected the request to dispatch workflow build.yml in acme/target at main (422: Workflow does not have 'workflow_dispatch' trigger); add \`on: workflow_dispatch\` to the workflow on ref main.",
        "GitHub rejected the request to dispatch workflow build.yml in acme/target at main (422: No ref found for: nope); pass a branch or tag that exists in the target repository.",
        "GitHub rejected the request to dispatch workflow build.yml in acme/target at main (422: Required input 'pr_number' not provided); pass only inputs the workflow declares under \`on.workflow_dispatch.inputs\`, and every required one.",
      ]
    `);
  });

  it('401: bad credentials, naming the user of a user + pat pair, never the token', async () => {
    const error = await dispatchError(
      createFetchMock().on(DISPATCH, {
        status: 401,
        // A server that echoes the credential must not leak it through our message.
        body: { message: `Bad credentials for ${TOKEN}` },
      }),
      { user: 'octocat' },
    );
    expect(error.code).toBe('AUTH');
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).toMatchInlineSnapshot(
      `"GitHub rejected the credentials for user octocat (401: Bad credentials for ***) when asked to dispatch workflow build.yml in acme/target at main; check that the token is valid, not expired and meant for this server."`,
    );
  });

  it('a user + pat pair is sent as a token, which GitHub accepts for every token kind', async () => {
    const mock = createFetchMock().on(DISPATCH, { status: 204 });
    await forgeWith(mock, { user: 'octocat' }).dispatch({ repo, ref: 'main', workflow: 'build.yml' });
    expect(mock.seen(DISPATCH)[0]?.headers.get('authorization')).toBe(`token ${TOKEN}`);
  });

  it('rate limited: RATE_LIMITED with the reset time', async () => {
    const reset = Math.floor(Date.now() / 1000) + 600;
    const error = await dispatchError(
      createFetchMock().on(DISPATCH, {
        status: 403,
        body: { message: 'API rate limit exceeded for user ID 1.' },
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      }),
    );
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAt: reset * 1000 });
    expect(error.message).toContain(new Date(reset * 1000).toISOString());
  });
});

describe('read errors', () => {
  it('a run that does not exist is RUN_NOT_FOUND', async () => {
    const mock = createFetchMock().on('GET /repos/acme/target/actions/runs/1', {
      status: 404,
      body: { message: 'Not Found' },
    });
    const error = await forgeWith(mock)
      .getRun(repo, 1)
      .then(
        () => {
          throw new Error('expected a rejection');
        },
        (e: unknown) => e as Error,
      );
    expect(error).toMatchObject({ code: 'RUN_NOT_FOUND', status: 404 });
    expect(mock.requests).toHaveLength(1);
  });

  it('a status on a repository the token cannot see is AUTH', async () => {
    const mock = createFetchMock().on('POST /repos/acme/secret/statuses/abc', {
      status: 404,
      body: { message: 'Not Found' },
    });
    const error = await forgeWith(mock)
      .setCommitStatus({ owner: 'acme', repo: 'secret' }, 'abc', { state: 'pending', context: 'xrd' })
      .then(
        () => {
          throw new Error('expected a rejection');
        },
        (e: unknown) => e as Error,
      );
    expect(error).toMatchObject({ code: 'AUTH', status: 404 });
    expect(error.message).toMatchInlineSnapshot(
      `"GitHub at https://api.github.com answered 404 (Not Found) when asked to set the commit status "xrd" on abc in acme/secret: it does not exist there or the token cannot see it; check the names, the API URL and the token's access."`,
    );
  });

  it('a 422 on a commit status is INVALID_INPUT with the server message', async () => {
    const mock = createFetchMock().on('POST /repos/acme/source/statuses/abc', {
      status: 422,
      body: { message: 'No commit found for SHA: abc' },
    });
    const error = await forgeWith(mock)
      .setCommitStatus({ owner: 'acme', repo: 'source' }, 'abc', { state: 'pending', context: 'xrd' })
      .then(
        () => {
          throw new Error('expected a rejection');
        },
        (e: unknown) => e as Error,
      );
    expect(error).toMatchObject({ code: 'INVALID_INPUT', status: 422 });
    expect(error.message).toContain('No commit found for SHA: abc');
  });

  it('a comment POST is not repeated after a 502 (it may have been created)', async () => {
    const mock = createFetchMock()
      .on('GET /repos/acme/source/issues/1/comments', { status: 200, body: [] })
      .on('POST /repos/acme/source/issues/1/comments', { status: 502, body: { message: 'Bad gateway' } });
    const error = await forgeWith(mock)
      .upsertComment({ owner: 'acme', repo: 'source' }, 1, '<!-- m -->', 'body')
      .then(
        () => {
          throw new Error('expected a rejection');
        },
        (e: unknown) => e as Error,
      );
    expect(error).toMatchObject({ code: 'FORGE_HTTP', ambiguous: true });
    expect(mock.seen('POST /repos/acme/source/issues/1/comments')).toHaveLength(1);
  });
});

describe('GitHub App credentials', () => {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const installationToken = 'ghs_installationtoken0123456789abcdefXYZ';

  function appMock() {
    return createFetchMock()
      .on('GET /repos/acme/target/installation', { status: 200, body: { id: 321 } })
      .on('GET /repos/other/thing/installation', { status: 200, body: { id: 654 } })
      .on('POST /app/installations/321/access_tokens', {
        status: 201,
        body: { token: installationToken, expires_at: new Date(Date.now() + 3_600_000).toISOString() },
      })
      .on('POST /app/installations/654/access_tokens', {
        status: 201,
        body: { token: `${installationToken}2`, expires_at: new Date(Date.now() + 3_600_000).toISOString() },
      })
      .on('GET /repos/acme/target/actions/runs/1', { status: 401, body: { message: 'Bad credentials' } })
      .on(DISPATCH, { status: 204 })
      .on('POST /repos/other/thing/dispatches', { status: 204 });
  }

  it('looks up the installation of the target owner once and uses its token', async () => {
    const mock = appMock();
    const forge = createGitHubForge({
      baseUrl: 'https://api.github.com',
      app: { appId: 12345, privateKey },
      fetch: mock.fetch,
      minWriteIntervalMs: 0,
    });
    await forge.dispatch({ repo, ref: 'main', workflow: 'build.yml' });
    await forge.dispatch({ repo, ref: 'main', workflow: 'build.yml' });
    await forge.dispatch({ repo: { owner: 'other', repo: 'thing' }, ref: 'main', eventType: 'go' });
    const lookup = mock.seen('GET /repos/acme/target/installation');
    expect(lookup).toHaveLength(1);
    expect(lookup[0]?.headers.get('authorization')).toMatch(/^bearer ey/);
    expect(mock.seen('POST /app/installations/321/access_tokens')).toHaveLength(1);
    expect(mock.seen(DISPATCH).map((r) => r.headers.get('authorization'))).toEqual([
      `token ${installationToken}`,
      `token ${installationToken}`,
    ]);
    expect(mock.seen('POST /repos/other/thing/dispatches')[0]?.headers.get('authorization')).toBe(
      `token ${installationToken}2`,
    );

    // The installation token and the key never reach a message.
    const error = await forge.getRun(repo, 1).then(
      () => {
        throw new Error('expected a rejection');
      },
      (e: unknown) => e as Error,
    );
    expect(error.message).not.toContain(installationToken);
  });

  it('uses a given installation id without a lookup', async () => {
    const mock = appMock();
    const forge = createGitHubForge({
      baseUrl: 'https://api.github.com',
      app: { appId: '12345', privateKey, installationId: 321 },
      fetch: mock.fetch,
      minWriteIntervalMs: 0,
    });
    await forge.dispatch({ repo, ref: 'main', workflow: 'build.yml' });
    expect(mock.seen('GET /repos/acme/target/installation')).toHaveLength(0);
    expect(mock.seen(DISPATCH)[0]?.headers.get('authorization')).toBe(`token ${installationToken}`);
  });

  it('says so when the app is not installed on the owner', async () => {
    const mock = createFetchMock().on('GET /repos/acme/target/installation', {
      status: 404,
      body: { message: 'Not Found' },
    });
    const forge = createGitHubForge({
      baseUrl: 'https://api.github.com',
      app: { appId: 12345, privateKey },
      fetch: mock.fetch,
    });
    const error = await forge.dispatch({ repo, ref: 'main', workflow: 'build.yml' }).then(
      () => {
        throw new Error('expected a rejection');
      },
      (e: unknown) => e as Error,
    );
    expect(error).toMatchObject({ code: 'AUTH' });
    expect(error.message).toMatchInlineSnapshot(
      `"The GitHub App 12345 is not installed on acme or cannot access acme/target; install it there or pass its installation id."`,
    );
    expect(error.message).not.toContain('PRIVATE KEY');
  });
});
