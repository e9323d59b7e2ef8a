// The one esbuild set-up behind every app bundle (apps/cli, apps/webhook, apps/action): a single ESM
// file for Node, with the workspace siblings bundled from their TypeScript source through the
// `@xrd/source` export condition, so a fresh clone runs it without building the libraries first.
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { build } from 'esbuild';

// Bundled CommonJS dependencies (@actions/*, undici…) still call `require('node:…')`;
// an ESM bundle has no `require`, and esbuild's stub throws `Dynamic require of "net" is not
// supported` (TESTING.md). The shim gives the bundle a real one.
const REQUIRE_SHIM = [
  "import { createRequire as __xrdCreateRequire } from 'node:module';",
  'const require = __xrdCreateRequire(import.meta.url);',
];

/**
 * Bundles `entry` into `outfile`.
 *
 * - `executable`: start the file with a `#!/usr/bin/env node` line and make it executable (a `bin`).
 * - `version`: compiled in as the global `XRD_VERSION`.
 * - `external`: packages left to `node_modules` at run time.
 * - `esbuild`: any further esbuild options, applied last (they override the defaults above).
 */
export async function bundle({ entry, outfile, executable = false, version, external, esbuild = {} }) {
  await mkdir(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    sourcemap: false,
    legalComments: 'none',
    conditions: ['@xrd/source'],
    ...(external ? { external } : {}),
    ...(version !== undefined ? { define: { XRD_VERSION: JSON.stringify(version) } } : {}),
    banner: { js: [...(executable ? ['#!/usr/bin/env node'] : []), ...REQUIRE_SHIM].join('\n') },
    logLevel: 'warning',
    ...esbuild,
  });
  if (executable) await chmod(outfile, 0o755);
}

/**
 * Bundles an app's tiny entry file (`src/bin.ts`): the `bin` users run. It checks the Node version
 * before it loads the app's bundle (see tools/src/node-engines.ts), so it is built for an old target
 * (Node 16 parses it) and carries the app's `engines.node` range from `packageJson` as the global
 * `XRD_NODE_ENGINES`. The range is parsed here once, so syntax the check does not know fails the
 * build instead of a user's start.
 */
export async function bundleEntry({ entry, outfile, packageJson }) {
  const pkg = JSON.parse(await readFile(packageJson, 'utf8'));
  const range = pkg.engines?.node;
  if (typeof range !== 'string') throw new Error(`${packageJson} has no engines.node`);
  const { parseEngines } = await import('../tools/src/node-engines.ts');
  parseEngines(range);
  await bundle({
    entry,
    outfile,
    executable: true,
    esbuild: {
      target: 'node16',
      define: { XRD_NODE_ENGINES: JSON.stringify(range) },
      // Only the `#!` line: the entry loads nothing that needs the bundle's `require` shim.
      banner: { js: '#!/usr/bin/env node' },
    },
  });
}
