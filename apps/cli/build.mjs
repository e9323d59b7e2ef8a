// Builds the `xrd` binary as two files:
//   dist/xrd.js   the tiny entry (`bin`): checks the Node version, then loads dist/main.js;
//   dist/main.js  the whole CLI in ONE bundle, so `xrd` starts fast (one module to load) and the
//                 published package has no runtime dependency (see scripts/bundle.mjs).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundle, bundleEntry } from '../../scripts/bundle.mjs';

const file = (path) => fileURLToPath(new URL(path, import.meta.url));
const pkg = JSON.parse(await readFile(file('./package.json'), 'utf8'));

await bundle({ entry: file('./src/main.ts'), outfile: file('./dist/main.js'), version: pkg.version });
await bundleEntry({
  entry: file('./src/bin.ts'),
  outfile: file('./dist/xrd.js'),
  packageJson: file('./package.json'),
});
