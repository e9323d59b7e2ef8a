import { describe, expect, it } from 'vitest';
import { resolveToken } from './token.js';

const noFile = () => {
  throw new Error('ENOENT');
};

describe('resolveToken', () => {
  it('prefers XRD_TOKEN, then the forge family variables', () => {
    const env = { XRD_TOKEN: 'x', GH_TOKEN: 'gh', GITHUB_TOKEN: 'ghub', GITEA_TOKEN: 'tea' };
    expect(resolveToken({}, 'github', env)).toEqual({ token: 'x', source: '$XRD_TOKEN', warnings: [] });
    expect(resolveToken({}, 'github', { ...env, XRD_TOKEN: '' }).source).toBe('$GH_TOKEN');
    expect(resolveToken({}, 'github', { GITHUB_TOKEN: 'ghub' }).source).toBe('$GITHUB_TOKEN');
    expect(resolveToken({}, 'gitea', { GH_TOKEN: 'gh', GITEA_TOKEN: 'tea' }).source).toBe('$GITEA_TOKEN');
    expect(resolveToken({}, 'forgejo', { GITEA_TOKEN: ' tea \n' }).token).toBe('tea');
    expect(resolveToken({}, 'gitea', { GH_TOKEN: 'gh' })).toEqual({ warnings: [] });
  });

  it('reads --token-env and --token-file, trimmed', () => {
    expect(resolveToken({ tokenEnv: 'MINE' }, 'github', { MINE: 'm', XRD_TOKEN: 'x' }).token).toBe('m');
    expect(resolveToken({ tokenFile: '/t' }, 'github', {}, () => 'secret\n')).toEqual({
      token: 'secret',
      source: '--token-file',
      warnings: [],
    });
  });

  it('accepts --token but warns, without repeating the value', () => {
    const r = resolveToken({ token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' }, 'github', {});
    expect(r.token).toBe('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    expect(r.warnings).toMatchInlineSnapshot(`
      [
        "a token passed with --token is visible in your shell history and the process list; prefer --token-env NAME or --token-file PATH.",
      ]
    `);
  });

  it('rejects unusable token flags in one sentence', () => {
    const msg = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(msg(() => resolveToken({ tokenEnv: 'NOPE' }, 'github', {}))).toMatchInlineSnapshot(
      `"--token-env names $NOPE, which is not set or empty; export it or choose another variable."`,
    );
    expect(msg(() => resolveToken({ tokenEnv: '1-bad' }, 'github', {}))).toMatchInlineSnapshot(
      `"--token-env "1-bad" is not an environment variable name; pass the variable's name, e.g. --token-env MY_TOKEN."`,
    );
    expect(msg(() => resolveToken({ tokenFile: '/nope' }, 'github', {}, noFile))).toMatchInlineSnapshot(
      `"--token-file "/nope" cannot be read; check the path and its permissions."`,
    );
    expect(msg(() => resolveToken({ tokenFile: '/e' }, 'github', {}, () => ' \n'))).toMatchInlineSnapshot(
      `"--token-file "/e" is empty; put the token in it."`,
    );
    expect(
      msg(() => resolveToken({ tokenFile: '/t' }, 'github', {}, () => 'ghp_a\nghp_b\n')),
    ).toMatchInlineSnapshot(
      `"\`--token-file\` contains a space, line break, control or non-ASCII character; put only the token itself there."`,
    );
    expect(msg(() => resolveToken({}, 'gitea', { GITEA_TOKEN: 'a b' }))).toMatchInlineSnapshot(
      `"\`$GITEA_TOKEN\` contains a space, line break, control or non-ASCII character; put only the token itself there."`,
    );
    expect(msg(() => resolveToken({ token: 't\u0000' }, 'github', {}))).toMatchInlineSnapshot(
      `"\`--token\` contains a space, line break, control or non-ASCII character; put only the token itself there."`,
    );
    expect(
      msg(() => resolveToken({ token: 'a', tokenEnv: 'B' }, 'github', { B: 'b' })),
    ).toMatchInlineSnapshot(
      `"Give the token one way only: --token-env NAME, --token-file PATH or --token VALUE."`,
    );
  });
});
