// Other Node.js versions for tests, so any package can run a built app on Node 18, 20, 22 or 24
// without relying on the Node of the machine. Each comes from the npm registry's `node` package
// (this package's dependencies `node18`, `node20`, `node22` — aliases of `node@…` — and `node`, the
// workspace's pinned Node 24), whose install script fetches that version's binary for this platform
// into `bin/node` (Linux and macOS layout). `NODE_MAJORS` lists what is installed.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

const PACKAGES = { 18: 'node18', 20: 'node20', 22: 'node22', 24: 'node' } as const;

export type NodeMajor = keyof typeof PACKAGES;
export const NODE_MAJORS: readonly NodeMajor[] = [18, 20, 22, 24];

export interface NodeRuntime {
  readonly major: NodeMajor;
  /** e.g. `20.20.2` */
  readonly version: string;
  /** Absolute path of the `node` executable. */
  readonly binary: string;
}

/** The installed Node.js of `major`; throws with the fix when its binary is missing. */
export function nodeRuntime(major: NodeMajor): NodeRuntime {
  const manifest = require.resolve(`${PACKAGES[major]}/package.json`);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const binary = join(dirname(manifest), 'bin', 'node');
  if (!existsSync(binary)) {
    throw new Error(
      `Node.js ${version} is not installed at ${binary}: its package's install script did not run (run \`pnpm install\`; it is listed in onlyBuiltDependencies).`,
    );
  }
  return { major, version, binary };
}

export function nodeRuntimes(): NodeRuntime[] {
  return NODE_MAJORS.map(nodeRuntime);
}

/**
 * A PATH whose `node` is `runtime`: its directory first, so `#!/usr/bin/env node` of an installed
 * bin picks it, as it would on a user's machine with only that Node.
 */
export function pathWithNode(runtime: NodeRuntime, path: string = process.env.PATH ?? ''): string {
  return [dirname(runtime.binary), path].join(':');
}
