// The end-to-end tests run the BUILT binary. `pnpm test` builds it first (pretest); a bare
// `vitest run` rebuilds it here when any source it bundles is newer than dist/xrd.js or dist/main.js.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(appDir, '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

function builtAt(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

export default function setup(): void {
  const built = Math.min(...['xrd.js', 'main.js'].map((f) => builtAt(join(appDir, 'dist', f))));
  const sources = [
    join(appDir, 'src'),
    join(repoRoot, 'tools', 'src'),
    ...['core', 'connect', 'github', 'gitea', 'forge-sim'].map((p) => join(repoRoot, 'packages', p, 'src')),
  ];
  const newest = Math.max(statSync(join(appDir, 'build.mjs')).mtimeMs, ...sources.map(newestMtime));
  if (built < newest) execFileSync(process.execPath, [join(appDir, 'build.mjs')], { stdio: 'inherit' });
}
