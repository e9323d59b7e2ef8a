// Bundles the service into ONE file, dist/server.js (the `xrd-webhook` binary), runnable from a fresh
// clone without building the libraries first (see scripts/bundle.mjs).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../scripts/bundle.mjs';

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));

await bundle({
  entry: fileURLToPath(new URL('./src/server.ts', import.meta.url)),
  outfile: fileURLToPath(new URL('./dist/server.js', import.meta.url)),
  executable: true,
  version: pkg.version,
  // pg stays a runtime dependency: it loads optional native bindings lazily, which a bundle breaks.
  external: ['pg', 'pg-native'],
});
