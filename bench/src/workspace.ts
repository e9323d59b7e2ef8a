// Loads the built workspace packages and apps. The bench runs after `turbo run build`, so it imports
// each package's `dist/` through its `exports`; a package that is not built (or not written yet)
// makes its rows print `n/a (reason)` instead of failing the whole run.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NotAvailable } from './harness.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function repoPath(relative: string): string {
  return `${repoRoot}${relative}`;
}

const distEntry: Record<string, string> = {
  '@xrd/core': 'packages/core/dist/index.js',
  '@xrd/core/kit': 'packages/core/dist/kit/index.js',
  '@xrd/connect': 'packages/connect/dist/index.js',
  '@xrd/github': 'packages/github/dist/index.js',
  '@xrd/gitea': 'packages/gitea/dist/index.js',
  '@xrd/forge-sim': 'packages/forge-sim/dist/index.js',
};

const cache = new Map<string, Promise<Record<string, unknown>>>();

/**
 * Imports a workspace package and checks that it has `exportName`; throws NotAvailable otherwise.
 * The import goes through a variable specifier, so TypeScript does not tie the bench to a package's
 * current types: callers cast to the interface docs/architecture.md promises.
 */
export async function requireExport<T>(pkg: string, exportName: string): Promise<T> {
  const entry = distEntry[pkg];
  if (entry && !existsSync(repoPath(entry))) {
    throw new NotAvailable(`${pkg} is not built: ${entry} missing`);
  }
  let loading = cache.get(pkg);
  if (!loading) {
    const specifier: string = pkg;
    loading = import(specifier) as Promise<Record<string, unknown>>;
    cache.set(pkg, loading);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await loading;
  } catch (error) {
    throw new NotAvailable(`${pkg} does not load: ${error instanceof Error ? error.message : String(error)}`);
  }
  const value = mod[exportName];
  if (value === undefined) throw new NotAvailable(`${pkg} has no export ${exportName} yet`);
  return value as T;
}

/** A file produced by a build (an app bundle); throws NotAvailable when it is absent. */
export function requireFile(relative: string, what: string): string {
  const path = repoPath(relative);
  if (!existsSync(path)) throw new NotAvailable(`${what} not built: ${relative} missing`);
  return path;
}
