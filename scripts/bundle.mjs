// The one esbuild set-up behind every app bundle (apps/cli, apps/webhook, apps/action): a single ESM
// file for Node, with the workspace siblings bundled from their TypeScript source through the
// `@xrd/source` export condition, so a fresh clone runs it without building the libraries first.
import { chmod, mkdir } from 'node:fs/promises';
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
