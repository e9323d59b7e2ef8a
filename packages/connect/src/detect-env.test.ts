import { expect, test } from 'vitest';
import { detectForgeFromEnv } from './detect-env.js';

test('github.com runner', () => {
  expect(
    detectForgeFromEnv({
      GITHUB_ACTIONS: 'true',
      GITHUB_API_URL: 'https://api.github.com',
      GITHUB_SERVER_URL: 'https://github.com',
    }),
  ).toEqual({ kind: 'github', apiUrl: 'https://api.github.com', serverUrl: 'https://github.com' });
});

test('GHES runner', () => {
  expect(
    detectForgeFromEnv({
      GITHUB_ACTIONS: 'true',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3',
      GITHUB_SERVER_URL: 'https://ghe.example.com/',
    }),
  ).toEqual({
    kind: 'github',
    apiUrl: 'https://ghe.example.com/api/v3',
    serverUrl: 'https://ghe.example.com',
  });
});

test('GitHub variables without GITHUB_API_URL derive it', () => {
  expect(detectForgeFromEnv({ GITHUB_ACTIONS: 'true' })).toEqual({
    kind: 'github',
    apiUrl: 'https://api.github.com',
    serverUrl: 'https://github.com',
  });
  expect(detectForgeFromEnv({ GITHUB_SERVER_URL: 'https://ghe.example.com' })?.apiUrl).toBe(
    'https://ghe.example.com/api/v3',
  );
});

test('Gitea act_runner: GITEA_ACTIONS=true, the server from GITHUB_SERVER_URL', () => {
  expect(
    detectForgeFromEnv({
      GITEA_ACTIONS: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_SERVER_URL: 'https://git.example.com/gitea/',
      // act_runner also sets this, to the Gitea API; the server URL decides.
      GITHUB_API_URL: 'https://git.example.com/gitea/api/v1',
    }),
  ).toEqual({
    kind: 'gitea',
    apiUrl: 'https://git.example.com/gitea/api/v1',
    serverUrl: 'https://git.example.com/gitea',
  });
});

test('Forgejo runner: FORGEJO_ACTIONS wins over the GITEA_ACTIONS it also sets', () => {
  expect(
    detectForgeFromEnv({
      FORGEJO_ACTIONS: 'true',
      GITEA_ACTIONS: 'true',
      GITHUB_ACTIONS: 'true',
      FORGEJO_SERVER_URL: 'https://codeberg.org',
      GITHUB_SERVER_URL: 'https://codeberg.org',
    }),
  ).toEqual({ kind: 'forgejo', apiUrl: 'https://codeberg.org/api/v1', serverUrl: 'https://codeberg.org' });
  expect(detectForgeFromEnv({ FORGEJO_ACTIONS: 'true', GITHUB_SERVER_URL: 'https://f.example.com' })).toEqual(
    {
      kind: 'forgejo',
      apiUrl: 'https://f.example.com/api/v1',
      serverUrl: 'https://f.example.com',
    },
  );
});

test('a Gitea or Forgejo marker without a server URL, or no CI at all, is undefined', () => {
  expect(detectForgeFromEnv({ GITEA_ACTIONS: 'true' })).toBeUndefined();
  expect(detectForgeFromEnv({ FORGEJO_ACTIONS: 'true', GITHUB_SERVER_URL: '  ' })).toBeUndefined();
  expect(detectForgeFromEnv({})).toBeUndefined();
  expect(detectForgeFromEnv({ GITEA_ACTIONS: 'false', GITHUB_ACTIONS: 'false' })).toBeUndefined();
});
