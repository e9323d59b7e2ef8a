// Bundles the CLI into ONE file, dist/xrd.js, so `xrd` starts fast (one module to load) and runs
// from a fresh clone without the libraries' own builds (see scripts/bundle.mjs).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../scripts/bundle.mjs';

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));

await bundle({
  entry: fileURLToPath(new URL('./src/main.ts', import.meta.url)),
  outfile: fileURLToPath(new URL('./dist/xrd.js', import.meta.url)),
  executable: true, // the `xrd` binary
  version: pkg.version,
});
