import { MockAgent, fetch as undiciFetch } from 'undici';
import { describe, expect, test } from 'vitest';
import { createForge } from './connect.js';

const repo = { owner: 'acme', repo: 'target' };

/** A fetch answered by a MockAgent's interceptors: what the adapters are given as their transport. */
const viaAgent = (agent: MockAgent): typeof fetch =>
  ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(
      input as never,
      { ...(init as object), dispatcher: agent } as never,
    )) as unknown as typeof fetch;

describe('createForge', () => {
  test('github: the GitHub adapter, talking to the given API URL with the given fetch', async () => {
    const urls: string[] = [];
    const fetchMock = (async (input: string | URL | Request) => {
      urls.push(String(input instanceof Request ? input.url : input));
      return new Response(
        JSON.stringify({
          id: 7,
          status: 'completed',
          conclusion: 'success',
          created_at: '2026-01-01T00:00:00Z',
          url: 'https://ghe.example.com/api/v3/repos/acme/target/actions/runs/7',
          html_url: 'https://ghe.example.com/acme/target/actions/runs/7',
        }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      );
    }) as typeof fetch;
    const forge = createForge({
      kind: 'github',
      apiUrl: 'https://ghe.example.com/api/v3/',
      token: 't',
      fetch: fetchMock,
    });
    expect(forge.kind).toBe('github');
    const run = await forge.getRun(repo, 7);
    expect(run).toMatchObject({ id: 7, status: 'completed', conclusion: 'success' });
    expect(urls).toEqual(['https://ghe.example.com/api/v3/repos/acme/target/actions/runs/7']);
  });

  test.each(['gitea', 'forgejo'] as const)('%s: the Gitea adapter on the given fetch', async (kind) => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get('https://git.example.com');
    const paths: string[] = [];
    const reply = (body: unknown) => (opts: { path: string }) => {
      paths.push(opts.path);
      return {
        statusCode: 200,
        data: JSON.stringify(body),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    };
    pool
      .intercept({ method: 'GET', path: '/api/v1/version' })
      .reply(reply({ version: kind === 'gitea' ? '1.25.2' : '11.0.1' }));
    pool
      .intercept({ method: 'GET', path: '/api/v1/repos/acme/target/actions/runs/7' })
      .reply(reply({ id: 7, status: kind === 'gitea' ? 'in_progress' : 'running' }));
    const forge = createForge({
      kind,
      apiUrl: 'https://git.example.com/api/v1',
      token: 't',
      fetch: viaAgent(agent),
    });
    expect(await forge.getRun(repo, 7)).toMatchObject({ id: 7, status: 'in_progress' });
    expect(forge.kind).toBe(kind);
    expect(paths).toEqual(['/api/v1/version', '/api/v1/repos/acme/target/actions/runs/7']);
  });

  test('an explicit forgejo kind is kept even when the version looks like Gitea', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://git.example.com')
      .intercept({ method: 'GET', path: '/api/v1/version' })
      .reply(200, { version: '1.21.11-1' });
    const forge = createForge({ kind: 'forgejo', apiUrl: 'https://git.example.com', fetch: viaAgent(agent) });
    expect((await forge.capabilities()).kind).toBe('forgejo');
  });

  test('github: minWriteIntervalMs reaches the adapter (writes spaced by it, not the 1 s default)', async () => {
    const sent: number[] = [];
    const fetchMock = (async () => {
      sent.push(Date.now());
      return new Response(JSON.stringify({ id: sent.length }), {
        status: 201,
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof fetch;
    const forge = createForge({
      kind: 'github',
      apiUrl: 'https://api.github.com',
      token: 't',
      fetch: fetchMock,
      minWriteIntervalMs: 2_500,
    });
    const status = { state: 'pending', context: 'xrd' } as const;
    await Promise.all([
      forge.setCommitStatus(repo, 'a'.repeat(40), status),
      forge.setCommitStatus(repo, 'a'.repeat(40), status),
    ]);
    expect(sent).toHaveLength(2);
    // A lower bound only (a loaded machine makes it longer, never shorter); the default is 1 000.
    expect(sent[1]! - sent[0]!).toBeGreaterThanOrEqual(2_400);
  });

  test('retry bounds reach both adapters', async () => {
    let githubCalls = 0;
    const failing = (async () => {
      githubCalls += 1;
      return new Response(JSON.stringify({ message: 'Bad gateway' }), {
        status: 502,
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof fetch;
    const github = createForge({
      kind: 'github',
      apiUrl: 'https://api.github.com',
      token: 't',
      fetch: failing,
      retry: { retries: 1, baseDelayMs: 1 },
    });
    await expect(github.getRun(repo, 7)).rejects.toMatchObject({ code: 'FORGE_HTTP', status: 502 });
    expect(githubCalls).toBe(2);

    const agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get('https://git.example.com');
    let giteaCalls = 0;
    pool
      .intercept({ method: 'GET', path: '/api/v1/version' })
      .reply(200, { version: '1.25.2' }, { headers: { 'content-type': 'application/json' } });
    pool
      .intercept({ method: 'GET', path: '/api/v1/repos/acme/target/actions/runs/7' })
      .reply(() => {
        giteaCalls += 1;
        return { statusCode: 502, data: 'bad gateway' };
      })
      .times(5);
    const gitea = createForge({
      kind: 'gitea',
      apiUrl: 'https://git.example.com',
      token: 't',
      fetch: viaAgent(agent),
      // Ignored on Gitea (no secondary rate limit), not an error: one setting can serve every forge.
      minWriteIntervalMs: 0,
      retry: { retries: 2, baseDelayMs: 1 },
    });
    await expect(gitea.getRun(repo, 7)).rejects.toMatchObject({ status: 502 });
    expect(giteaCalls).toBe(3);
  });

  test('bad options get one sentence naming the input', () => {
    expect(() =>
      createForge({ kind: 'gitlab' as never, apiUrl: 'https://x' }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: The forge kind "gitlab" is not known; use github, gitea or forgejo.]`,
    );
    expect(() => createForge({ kind: 'gitea', apiUrl: ' ' })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: No API URL was given for the gitea forge; pass one (e.g. https://git.example.com/api/v1).]`,
    );
    expect(() =>
      createForge({ kind: 'gitea', apiUrl: 'https://git.example.com', app: { appId: 1, privateKey: 'k' } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: GitHub App credentials do not work with gitea; pass a Gitea access token instead.]`,
    );
    expect(() =>
      createForge({ kind: 'github', apiUrl: 'https://api.github.com', minWriteIntervalMs: -1 }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: minWriteIntervalMs must be a number of 0 or more, got -1; pass e.g. 1000 or leave it out.]`,
    );
    expect(() =>
      createForge({ kind: 'gitea', apiUrl: 'https://git.example.com', retry: { baseDelayMs: Number.NaN } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: retry.baseDelayMs must be a number of 0 or more, got NaN; pass e.g. 1000 or leave it out.]`,
    );
    expect(() =>
      createForge({ kind: 'gitea', apiUrl: 'git.example.com' }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: The Gitea base URL "git.example.com" is not a URL; give it as https://HOST or https://HOST/api/v1.]`,
    );
  });
});
