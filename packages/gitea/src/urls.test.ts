import { expect, test } from 'vitest';
import { resolveGiteaUrls } from './urls.js';

test.each([
  ['https://git.example.com', 'https://git.example.com', '/api/v1'],
  ['https://git.example.com/', 'https://git.example.com', '/api/v1'],
  ['https://git.example.com/api/v1', 'https://git.example.com', '/api/v1'],
  ['https://git.example.com/api/v1/', 'https://git.example.com', '/api/v1'],
  ['https://example.com/gitea/', 'https://example.com/gitea', '/gitea/api/v1'],
  ['https://example.com/gitea/api/v1', 'https://example.com/gitea', '/gitea/api/v1'],
  ['http://127.0.0.1:3000', 'http://127.0.0.1:3000', '/api/v1'],
])('%s', (input, webRoot, apiPath) => {
  const urls = resolveGiteaUrls(input);
  expect(urls.webRoot).toBe(webRoot);
  expect(urls.apiPath).toBe(apiPath);
  expect(urls.apiRoot).toBe(`${new URL(webRoot).origin}${apiPath}`);
  expect(urls.forgejoApiRoot).toBe(`${webRoot}/api/forgejo/v1`);
});

test('rejects what is not a URL, with one sentence naming the input', () => {
  expect(() => resolveGiteaUrls('git.example.com')).toThrowErrorMatchingInlineSnapshot(
    `[InvalidInputError: The Gitea base URL "git.example.com" is not a URL; give it as https://HOST or https://HOST/api/v1.]`,
  );
  expect(() => resolveGiteaUrls('ftp://git.example.com')).toThrowErrorMatchingInlineSnapshot(
    `[InvalidInputError: The Gitea base URL "ftp://git.example.com" must start with https:// (or http://).]`,
  );
  expect(() => resolveGiteaUrls('https://me:pw@git.example.com')).toThrowErrorMatchingInlineSnapshot(
    `[InvalidInputError: The Gitea base URL must not carry credentials; pass the token through the token option instead.]`,
  );
});
