// Every pending changeset is one `changeset version` can read: front matter that names workspace
// packages (none of the ignored ones) with a bump each, and a summary. (A formatter once turned a one-package front matter into
// a Markdown heading, which changesets cannot read; biome.json now leaves `.changeset/*.md` alone.)
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from './paths.ts';

interface Parsed {
  readonly summary: string;
  readonly releases: ReadonlyArray<{ readonly name: string; readonly type: string }>;
}
// The parser `changeset version` itself uses, reached through @changesets/cli (a root devDependency).
const fromCli = createRequire(
  createRequire(join(REPOSITORY_ROOT, 'package.json')).resolve('@changesets/cli'),
);
const parse = (fromCli('@changesets/parse') as { default: (text: string) => Parsed }).default;

function workspacePackages(): Set<string> {
  const names = new Set<string>();
  for (const group of ['apps', 'packages']) {
    for (const entry of readdirSync(join(REPOSITORY_ROOT, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      try {
        const pkg = JSON.parse(
          readFileSync(join(REPOSITORY_ROOT, group, entry.name, 'package.json'), 'utf8'),
        );
        if (typeof pkg.name === 'string') names.add(pkg.name);
      } catch {
        // not a package
      }
    }
  }
  return names;
}

const dir = join(REPOSITORY_ROOT, '.changeset');
const files = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md');

describe('pending changesets', () => {
  const packages = workspacePackages();
  const ignored: readonly string[] = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).ignore ?? [];
  it.each(files)('%s names workspace packages with a bump, and says what changed', (file) => {
    const parsed = parse(readFileSync(join(dir, file), 'utf8'));
    expect(parsed.releases.length).toBeGreaterThan(0);
    for (const release of parsed.releases) {
      expect(packages, `${release.name} is not a workspace package`).toContain(release.name);
      expect(['major', 'minor', 'patch']).toContain(release.type);
      expect(ignored, `${release.name} is in .changeset/config.json's ignore list`).not.toContain(
        release.name,
      );
    }
    expect(parsed.summary.trim().length).toBeGreaterThan(20);
  });

  it('a one-package front matter written as a heading is refused', () => {
    expect(() => parse('---\n\n## "@xrd/cli": patch\n\nSomething changed in the CLI.\n')).toThrow();
  });
});
