// Bundles the service into ONE file, dist/server.js (the `xrd-webhook` binary): workspace siblings
// are bundled from their TypeScript source through the `@xrd/source` export condition, so a fresh
// clone runs it without building the libraries first. pg stays a runtime dependency (it loads
// optional native bindings lazily, which a bundle would break).
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { build } from 'esbuild';

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));

await mkdir(new URL('./dist/', import.meta.url), { recursive: true });
await build({
  entryPoints: [new URL('./src/server.ts', import.meta.url).pathname],
  outfile: new URL('./dist/server.js', import.meta.url).pathname,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: false,
  legalComments: 'none',
  conditions: ['@xrd/source'],
  external: ['pg', 'pg-native'],
  define: { XRD_VERSION: JSON.stringify(pkg.version) },
  banner: {
    // The shebang makes the file executable as `xrd-webhook`; the createRequire shim lets bundled
    // CommonJS dependencies call `require('node:…')` inside an ESM bundle (esbuild otherwise throws
    // "Dynamic require of … is not supported").
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __xrdCreateRequire } from 'node:module';",
      'const require = __xrdCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  logLevel: 'warning',
});
await chmod(new URL('./dist/server.js', import.meta.url), 0o755);
