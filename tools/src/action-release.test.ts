import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { actionPackage, actionReference, actionReferencesIn, tagActionRelease } from './action-release.ts';
import { REPOSITORY_ROOT } from './paths.ts';

describe('the reference users write', () => {
  const reference = actionReference(actionPackage(REPOSITORY_ROOT));

  it('is the published repository, the action folder and the major tag of its version', () => {
    const { version } = actionPackage(REPOSITORY_ROOT);
    expect(reference).toBe(`xrd-dev/xrd/apps/action@v${version.split('.')[0]}`);
  });

  it('is the one every example and doc uses', () => {
    const files = [
      ...readdirSync(join(REPOSITORY_ROOT, 'examples'), { recursive: true, encoding: 'utf8' }).map((f) =>
        join('examples', f),
      ),
      'README.md',
      'RELEASING.md',
      'apps/action/README.md',
    ].filter((f) => /\.(ya?ml|md)$/.test(f));
    const found = files.flatMap((f) =>
      actionReferencesIn(readFileSync(join(REPOSITORY_ROOT, f), 'utf8')).map((ref) => [f, ref]),
    );
    expect(found.length).toBeGreaterThanOrEqual(4);
    expect(found.filter(([, ref]) => ref !== reference)).toEqual([]);
  });
});

describe('tagActionRelease', () => {
  let repo: string | undefined;
  afterEach(() => {
    if (repo) rmSync(repo, { recursive: true, force: true });
    repo = undefined;
  });

  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const tagged = (tag: string) => git('rev-parse', `refs/tags/${tag}^{commit}`);

  function release(version: string): string {
    writeFileSync(
      join(repo!, 'apps/action/package.json'),
      JSON.stringify({
        name: '@xrd/action',
        version,
        repository: { url: 'git+https://github.com/xrd-dev/xrd.git', directory: 'apps/action' },
      }),
    );
    git('add', '.');
    git('commit', '-qm', `release ${version}`);
    git('tag', `@xrd/action@${version}`); // what `changeset publish` does
    return git('rev-parse', 'HEAD');
  }

  function init() {
    repo = mkdtempSync(join(tmpdir(), 'xrd-release-'));
    mkdirSync(join(repo, 'apps/action'), { recursive: true });
    git('init', '-q');
    git('config', 'user.email', 'release@example.com');
    git('config', 'user.name', 'release');
  }

  it('puts v<version> on the released commit and moves v<major> along with each release', () => {
    init();
    const first = release('1.0.0');
    expect(tagActionRelease(repo!)).toEqual({ commit: first, exact: 'v1.0.0', moving: 'v1' });
    expect([tagged('v1.0.0'), tagged('v1')]).toEqual([first, first]);

    const second = release('1.1.0');
    expect(tagActionRelease(repo!)).toMatchObject({
      commit: second,
      exact: 'v1.1.0',
      moving: 'v1',
      movedFrom: first,
    });
    expect([tagged('v1.0.0'), tagged('v1.1.0'), tagged('v1')]).toEqual([first, second, second]);

    // Running it again changes nothing (not even the tag objects, so nothing to push).
    const objects = git('rev-parse', 'refs/tags/v1', 'refs/tags/v1.1.0');
    expect(tagActionRelease(repo!)).toEqual({ commit: second, exact: 'v1.1.0', moving: 'v1' });
    expect(git('rev-parse', 'refs/tags/v1', 'refs/tags/v1.1.0')).toBe(objects);

    const third = release('2.0.0');
    tagActionRelease(repo!);
    expect([tagged('v1'), tagged('v2')]).toEqual([second, third]);
  });

  it('refuses a version that changesets did not release, and never moves a released version', () => {
    init();
    release('1.0.0');
    writeFileSync(
      join(repo!, 'apps/action/package.json'),
      JSON.stringify({ ...actionPackage(repo!), version: '1.0.1' }),
    );
    git('commit', '-qam', 'bump without release');
    expect(() => tagActionRelease(repo!)).toThrow(
      'There is no tag @xrd/action@1.0.1: release the version first (pnpm changeset version, commit, pnpm changeset publish), then tag the action.',
    );
    git('tag', 'v1.0.1'); // someone tagged by hand, on the wrong commit
    git('tag', '@xrd/action@1.0.1', 'HEAD~1');
    expect(() => tagActionRelease(repo!)).toThrow(
      /^v1\.0\.1 already names commit [0-9a-f]{12}, not [0-9a-f]{12}/,
    );
  });
});
