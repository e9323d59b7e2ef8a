// Shared vitest settings: every package resolves workspace siblings to their TypeScript source
// (the "@xrd/source" export condition), so tests never need a build of a library first, and every
// run writes a JSON report that `.ci/run` sums into its closing "N passed, N failed" line.
import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';

const conditions = ['@xrd/source', 'module', 'node', 'import', 'default'];

export function defineXrdConfig(overrides: ViteUserConfig = {}): ViteUserConfig {
  return mergeConfig(
    defineConfig({
      resolve: { conditions },
      ssr: { resolve: { conditions, externalConditions: ['@xrd/source'] } },
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
