// Runs a built entry point of this workspace (`pnpm xrd`, `pnpm sim`, `pnpm webhook`) in this very
// process, from the repository root, so relative paths the user passes (`--config ./x.yml`,
// `--seed file.yaml`, `--token-file t`) mean what they typed — `pnpm --filter … run` would run the
// script inside the package's folder instead. When the entry point is not built yet, it builds it
// (and what it depends on) first, with turbo's output on stderr so stdout stays the program's own.
//
//   node scripts/run-built.mjs <package name> <entry file relative to the root> [args…]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [pkg, entry] = process.argv.slice(2, 4);
if (!pkg || !entry) {
  console.error('usage: node scripts/run-built.mjs <package name> <entry file> [args…]');
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..');
const file = resolve(root, entry);

if (!existsSync(file)) {
  console.error(`${entry} is not built yet; building ${pkg} and what it depends on…`);
  const built = spawnSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', `--filter=${pkg}...`, '--output-logs=errors-only'],
    {
      cwd: root,
      stdio: ['ignore', process.stderr, process.stderr],
    },
  );
  if (built.status !== 0 || !existsSync(file)) {
    console.error(`Building ${pkg} failed; run \`pnpm build\` to see why.`);
    process.exit(1);
  }
}

// The program sees the argv it would see when run as `node <entry> args…`.
process.argv.splice(1, 3, file);
await import(pathToFileURL(file).href);
