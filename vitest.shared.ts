// Shared vitest settings: every package resolves workspace siblings to their TypeScript source
// (the "@xrd/source" export condition), so tests never need a build of a library first, and every
// run writes a JSON report that `.ci/run` sums into its closing "N passed, N failed" line.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';

// Setting `resolve.conditions` replaces Vite's defaults instead of adding to them, so the defaults
// are put back here, taken from the vite that vitest itself runs on (vite is vitest's dependency, not
// ours: asking it through vitest keeps the two from ever disagreeing after an upgrade).
//
// No hand-written list: vitest passes the SSR conditions on to Node as `--conditions` for every
// externalised dependency, and an explicit `import` there made Node resolve `require('pg-pool')`
// inside pg to pg-pool's ESM build (require(esm) → a namespace object, "Class extends value [object
// Module]"). Vite's defaults carry no `import`/`require`: Vite and Node add the right one per import.
// `module` is dropped on the server side as vitest does for its own default (a bundler condition that
// points Node at ESM builds meant for bundlers).
interface ViteDefaults {
  readonly defaultServerConditions: readonly string[];
  readonly defaultClientConditions: readonly string[];
}
const requireFromVitest = createRequire(createRequire(import.meta.url).resolve('vitest/package.json'));
const vite = (await import(pathToFileURL(requireFromVitest.resolve('vite')).href)) as ViteDefaults;

export const clientConditions: readonly string[] = ['@xrd/source', ...vite.defaultClientConditions];
export const serverConditions: readonly string[] = [
  '@xrd/source',
  ...vite.defaultServerConditions.filter((c) => c !== 'module'),
];

export function defineXrdConfig(overrides: ViteUserConfig = {}): ViteUserConfig {
  return mergeConfig(
    defineConfig({
      resolve: { conditions: [...clientConditions] },
      ssr: { resolve: { conditions: [...serverConditions], externalConditions: ['@xrd/source'] } },
      test: {
        reporters: ['default', 'json'],
        outputFile: { json: 'test-results.json' },
        testTimeout: 20_000,
        hookTimeout: 30_000,
      },
    }),
    overrides,
  );
}
