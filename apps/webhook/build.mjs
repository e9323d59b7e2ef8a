// Builds the `xrd-webhook` binary as two files:
//   dist/server.js  the tiny entry (`bin`): checks the Node version, then loads dist/main.js;
//   dist/main.js    the whole service in ONE bundle, PostgreSQL driver included, so the published
//                   package has no runtime dependency (see scripts/bundle.mjs).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundle, bundleEntry } from '../../scripts/bundle.mjs';

const file = (path) => fileURLToPath(new URL(path, import.meta.url));
const pkg = JSON.parse(await readFile(file('./package.json'), 'utf8'));

await bundle({
  entry: file('./src/server.ts'),
  outfile: file('./dist/main.js'),
  version: pkg.version,
  // pg's optional native binding: pg requires it only when asked for `pg.native` (never, here), inside
  // a try/catch that expects MODULE_NOT_FOUND — which is what the bundle's `require` then throws.
  external: ['pg-native'],
});
await bundleEntry({
  entry: file('./src/bin.ts'),
  outfile: file('./dist/server.js'),
  packageJson: file('./package.json'),
});
