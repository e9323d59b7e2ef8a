// How users reference the action, and the git tags that make that reference work (RELEASING.md).
//
// The action lives in a sub-folder of this repository, so a workflow names it
// `<owner>/<repo>/apps/action@<ref>`: GitHub and Gitea's act_runner fetch the repository at <ref>
// and run `apps/action/action.yml` (with its committed dist/) from it. The owner/repo and the folder
// come from apps/action/package.json's `repository` (the one place that says where it is published).
// Changesets versions the action like any package and tags it `@xrd/action@<version>`
// (`privatePackages.tag`); this adds what users pin: `v<version>` on the same commit, and the moving
// major tag `v<major>` advanced to it, as GitHub's guide for action versioning recommends.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ACTION_DIR = 'apps/action';
const PACKAGE = '@xrd/action';

interface ActionPackage {
  readonly version: string;
  readonly repository: { readonly url: string; readonly directory: string };
}

export function actionPackage(root: string): ActionPackage {
  return JSON.parse(readFileSync(join(root, ACTION_DIR, 'package.json'), 'utf8')) as ActionPackage;
}

function major(version: string): number {
  const m = /^(\d+)\.\d+\.\d+$/.exec(version);
  if (!m)
    throw new Error(
      `${PACKAGE} version "${version}" is not X.Y.Z; release tags are made for final versions only.`,
    );
  return Number(m[1]);
}

/** `xrd-dev/xrd/apps/action@v1`: what the examples and docs tell users to write. */
export function actionReference(pkg: ActionPackage): string {
  const m = /github\.com[/:]([^/]+\/[^/]+?)(?:\.git)?$/.exec(pkg.repository.url);
  if (!m)
    throw new Error(`${PACKAGE} repository.url "${pkg.repository.url}" is not a github.com repository.`);
  return `${m[1]}/${pkg.repository.directory}@v${major(pkg.version)}`;
}

/** Every `<owner>/<repo>/apps/action@<ref>` written in `text`. */
export function actionReferencesIn(text: string): string[] {
  return [...text.matchAll(/[\w.-]+\/[\w.-]+\/apps\/action@[\w.-]+/g)].map((m) => m[0]);
}

function git(root: string, args: readonly string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function commitOf(root: string, tag: string): string | undefined {
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`]);
  } catch {
    return undefined;
  }
}

export interface ActionTags {
  readonly commit: string;
  /** `v1.2.3`: created (or already there, on the same commit). */
  readonly exact: string;
  /** `v1`: moved (or created) to `commit`. */
  readonly moving: string;
  readonly movedFrom?: string;
}

/**
 * Tags the action's current version for users, after `changeset publish` (or `changeset tag`) tagged
 * `@xrd/action@<version>`: `v<version>` on that commit and `v<major>` moved there. Refuses when the
 * changesets tag is missing (the version was not released) or `v<version>` already names another
 * commit (a release is never re-pointed).
 */
export function tagActionRelease(root: string): ActionTags {
  const { version } = actionPackage(root);
  const released = `${PACKAGE}@${version}`;
  const commit = commitOf(root, released);
  if (!commit) {
    throw new Error(
      `There is no tag ${released}: release the version first (pnpm changeset version, commit, pnpm changeset publish), then tag the action.`,
    );
  }
  const exact = `v${version}`;
  const existing = commitOf(root, exact);
  if (existing && existing !== commit) {
    throw new Error(
      `${exact} already names commit ${existing.slice(0, 12)}, not ${commit.slice(0, 12)} (${released}); a released version is never moved.`,
    );
  }
  if (!existing) git(root, ['tag', '-a', exact, '-m', `${PACKAGE} ${version}`, commit]);
  const moving = `v${major(version)}`;
  const movedFrom = commitOf(root, moving);
  if (movedFrom !== commit) {
    git(root, ['tag', '-f', '-a', moving, '-m', `${PACKAGE} ${version} (latest ${moving}.x)`, commit]);
  }
  return { commit, exact, moving, ...(movedFrom && movedFrom !== commit ? { movedFrom } : {}) };
}
