import type { ViteUserConfig } from 'vitest/config';
import { defineXrdConfig } from '../../vitest.shared.ts';

// Vitest passes the shared resolve conditions to Node as `--conditions`; with `import` among them,
// pg's own `require('pg-pool')` gets pg-pool's ESM build (require(esm) → a namespace object) and pg
// fails to load ("Class extends value [object Module]"). Vite adds import/require by itself, so the
// explicit `import` condition is dropped here.
const config: ViteUserConfig = defineXrdConfig();
const withoutImport = (list: string[] | undefined) => list?.filter((c) => c !== 'import');
if (config.resolve) config.resolve.conditions = withoutImport(config.resolve.conditions) ?? [];
if (config.ssr?.resolve) config.ssr.resolve.conditions = withoutImport(config.ssr.resolve.conditions) ?? [];

export default config;
