// Where the token comes from. Explicit flags first (at most one of them), then the environment:
// XRD_TOKEN, then the forge's usual variable (GH_TOKEN / GITHUB_TOKEN, as the gh CLI reads them;
// GITEA_TOKEN, as tea and act_runner setups use it). The value itself is never printed.
import { readFileSync } from 'node:fs';
import type { ForgeKind } from '@xrd/core';
import { InvalidInputError, readOption } from '@xrd/core';

export interface TokenFlags {
  readonly token?: string;
  readonly tokenEnv?: string;
  readonly tokenFile?: string;
}

export interface ResolvedToken {
  readonly token?: string;
  /** Where it came from, for messages: `--token-file`, `$GH_TOKEN`, … (never the value). */
  readonly source?: string;
  readonly warnings: readonly string[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function tokenEnvNames(forge: ForgeKind): readonly string[] {
  return forge === 'github' ? ['XRD_TOKEN', 'GH_TOKEN', 'GITHUB_TOKEN'] : ['XRD_TOKEN', 'GITEA_TOKEN'];
}

export function resolveToken(
  flags: TokenFlags,
  forge: ForgeKind,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ResolvedToken {
  const resolved = findToken(flags, forge, env, readFile);
  // The same check as the action's `token` and the webhook config's `forges[].token` (core's
  // option schema), named by where the token came from.
  if (resolved.token !== undefined) {
    readOption('token', resolved.token, { label: resolved.source ?? '--token' });
  }
  return resolved;
}

function findToken(
  flags: TokenFlags,
  forge: ForgeKind,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
): ResolvedToken {
  const given = (['token', 'tokenEnv', 'tokenFile'] as const).filter((k) => flags[k] !== undefined);
  if (given.length > 1) {
    throw new InvalidInputError(
      'Give the token one way only: --token-env NAME, --token-file PATH or --token VALUE.',
      { input: '--token' },
    );
  }
  if (flags.tokenEnv !== undefined) {
    const name = flags.tokenEnv;
    if (!ENV_NAME.test(name)) {
      throw new InvalidInputError(
        `--token-env "${name}" is not an environment variable name; pass the variable's name, e.g. --token-env MY_TOKEN.`,
        { input: '--token-env' },
      );
    }
    const value = env[name]?.trim();
    if (!value) {
      throw new InvalidInputError(
        `--token-env names $${name}, which is not set or empty; export it or choose another variable.`,
        { input: '--token-env' },
      );
    }
    return { token: value, source: `$${name}`, warnings: [] };
  }
  if (flags.tokenFile !== undefined) {
    let text: string;
    try {
      text = readFile(flags.tokenFile);
    } catch {
      throw new InvalidInputError(
        `--token-file "${flags.tokenFile}" cannot be read; check the path and its permissions.`,
        { input: '--token-file' },
      );
    }
    const value = text.trim();
    if (!value) {
      throw new InvalidInputError(`--token-file "${flags.tokenFile}" is empty; put the token in it.`, {
        input: '--token-file',
      });
    }
    return { token: value, source: '--token-file', warnings: [] };
  }
  if (flags.token !== undefined) {
    const value = flags.token.trim();
    if (!value) {
      throw new InvalidInputError('--token is empty; pass a token, or use --token-env NAME instead.', {
        input: '--token',
      });
    }
    return {
      token: value,
      source: '--token',
      warnings: [
        'a token passed with --token is visible in your shell history and the process list; prefer --token-env NAME or --token-file PATH.',
      ],
    };
  }
  for (const name of tokenEnvNames(forge)) {
    const value = env[name]?.trim();
    if (value) return { token: value, source: `$${name}`, warnings: [] };
  }
  return { warnings: [] };
}
