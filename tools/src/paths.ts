import { fileURLToPath } from 'node:url';

/** The repository's root folder (this package is its `tools/`). */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
