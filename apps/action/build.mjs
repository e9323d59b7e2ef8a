// Bundles the action into ONE file, dist/index.js, which the runner executes for both the `main`
// and the `post` phase (the file tells them apart through the state it saved, see src/index.ts).
//
//   node build.mjs            → writes dist/index.js
//   node build.mjs --check    → builds into a temp dir and fails when it differs from dist/index.js
//                               as committed (HEAD) or as on disk
//
// Workspace packages are bundled from their TypeScript source (the `@xrd/source` condition), so the
// bundle never depends on whether a sibling's own `dist/` is fresh.

import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const committed = join(here, 'dist', 'index.js');

async function bundle(outfile) {
  await build({
    entryPoints: [join(here, 'src', 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    conditions: ['@xrd/source', 'module', 'node', 'import', 'default'],
    mainFields: ['module', 'main'],
    // @actions/* and undici still call require() for Node built-ins; an ESM bundle has no
    // `require`, which fails with `Dynamic require of "net" is not supported` (TESTING.md).
    banner: {
      js: "import { createRequire as __xrdCreateRequire } from 'node:module';\nconst require = __xrdCreateRequire(import.meta.url);",
    },
    legalComments: 'none',
    minify: true,
    keepNames: true,
    sourcemap: false,
    charset: 'utf8',
    logLevel: 'warning',
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
    await bundle(fresh);
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
  await bundle(committed);
  const { size } = await stat(committed);
  console.log(`dist/index.js: ${size} bytes`);
}
