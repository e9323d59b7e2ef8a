// Base URL handling. Users paste whatever they have: the web root (`https://git.example.com`), a
// sub-path install (`https://example.com/gitea/`), or the API root (`…/api/v1`). Gitea serves its
// API under `<ROOT_URL>/api/v1` and Forgejo adds `<ROOT_URL>/api/forgejo/v1` (its own version
// endpoint), so everything is derived from the web root.
import { InvalidInputError } from '@xrd/core';

export interface GiteaUrls {
  /** Web root without a trailing slash, e.g. `https://example.com/gitea`. */
  readonly webRoot: string;
  /** API root without a trailing slash, e.g. `https://example.com/gitea/api/v1`. */
  readonly apiRoot: string;
  /** Forgejo's own API root (`/api/forgejo/v1`), used only to tell Forgejo from Gitea. */
  readonly forgejoApiRoot: string;
  /** `protocol//host[:port]`, what an undici Dispatcher wants as `origin`. */
  readonly origin: string;
  /** Path prefix of the API root, e.g. `/gitea/api/v1`. */
  readonly apiPath: string;
}

export function resolveGiteaUrls(baseUrl: string): GiteaUrls {
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    throw new InvalidInputError(
      `The Gitea base URL "${baseUrl}" is not a URL; give it as https://HOST or https://HOST/api/v1.`,
      { input: 'baseUrl' },
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidInputError(`The Gitea base URL "${baseUrl}" must start with https:// (or http://).`, {
      input: 'baseUrl',
    });
  }
  if (url.username || url.password) {
    throw new InvalidInputError(
      'The Gitea base URL must not carry credentials; pass the token through the token option instead.',
      { input: 'baseUrl' },
    );
  }
  let path = url.pathname.replace(/\/+$/, '');
  // Accept the API root as well as the web root; `/api/v1/` with or without the trailing slash.
  path = path.replace(/\/api\/v1$/, '');
  const origin = url.origin;
  const webRoot = origin + path;
  return {
    webRoot,
    apiRoot: `${webRoot}/api/v1`,
    forgejoApiRoot: `${webRoot}/api/forgejo/v1`,
    origin,
    apiPath: `${path}/api/v1`,
  };
}
