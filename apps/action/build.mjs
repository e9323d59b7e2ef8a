// Bundles the action into ONE file, dist/index.js, which the runner executes for both the `main`
// and the `post` phase (the file tells them apart through the state it saved, see src/index.ts).
//
//   node build.mjs            → writes dist/index.js
//   node build.mjs --check    → builds into a temp dir and fails when it differs from dist/index.js
//                               as committed (HEAD) or as on disk
//
// Workspace packages are bundled from their TypeScript source (the `@xrd/source` condition), so the
// bundle never depends on whether a sibling's own `dist/` is fresh (see scripts/bundle.mjs).

import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../scripts/bundle.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const committed = join(here, 'dist', 'index.js');

// Unlike the CLI's and the webhook's bundles this one is minified (names kept). It targets node20
// although action.yml declares `using: "node24"`: act-based runners (Gitea's act_runner, Forgejo's
// runner) run a JavaScript action with the job container's own `node`, whatever its version, so the
// same file must load on Node 20, 22 and 24.
function bundleTo(outfile) {
  return bundle({
    entry: join(here, 'src', 'index.ts'),
    outfile,
    esbuild: {
      target: 'node20',
      conditions: ['@xrd/source', 'module', 'node', 'import', 'default'],
      mainFields: ['module', 'main'],
      minify: true,
      keepNames: true,
      charset: 'utf8',
    },
  });
}

// turbo runs `build` before `check:dist`, which rewrites the file on disk; so the check also compares
// with the version in HEAD: a dist/ that was rebuilt but not committed is still stale for users.
function committedVersion() {
  try {
    return execFileSync('git', ['show', 'HEAD:./dist/index.js'], {
      cwd: here,
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined; // not a git checkout (a tarball): the file on disk is all there is
  }
}

if (process.argv.includes('--check')) {
  const dir = await mkdtemp(join(tmpdir(), 'xrd-action-dist-'));
  try {
    const fresh = join(dir, 'index.js');
    await bundleTo(fresh);
    const built = await readFile(fresh);
    const onDisk = await readFile(committed).catch(() => undefined);
    const inHead = committedVersion();
    const stale = [];
    if (!onDisk?.equals(built)) stale.push('on disk');
    if (inHead !== undefined && !inHead.equals(built)) stale.push('in HEAD');
    if (stale.length > 0) {
      console.error(
        `apps/action/dist/index.js is stale (${stale.join(' and ')}): it differs from a fresh build of src/. Run \`pnpm --filter @xrd/action build\` and commit apps/action/dist/index.js.`,
      );
      process.exit(1);
    }
    console.log(`apps/action/dist/index.js is up to date (${built.length} bytes).`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
} else {
  await bundleTo(committed);
  const { size } = await stat(committed);
  console.log(`dist/index.js: ${size} bytes`);
}
