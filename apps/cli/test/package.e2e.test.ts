// The published package as a user gets it: `npm pack`, `npm install <tarball>` into an empty folder
// (offline: the package bundles everything it runs), then the installed `xrd` bin, started through its
// `#!/usr/bin/env node` line on each Node that tools/ provides. Where package.json's `engines.node`
// allows that Node: `--version` and a real dispatch-and-wait against forge-sim; elsewhere: one
// sentence naming the Node it needs, exit code 2, nothing else. Moving `engines.node` moves the cases.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Sim, startSim } from '@xrd/forge-sim';
import { satisfies, unsupportedNodeMessage } from '@xrd/tools/node-engines';
import { nodeRuntimes, pathWithNode } from '@xrd/tools/node-versions';
import { type InstalledPackage, installedShape, packAndInstall } from '@xrd/tools/pack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchArgs, json, xrd } from './harness.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
};

let installed: InstalledPackage;
let sim: Sim;
beforeAll(async () => {
  installed = packAndInstall(appDir);
  sim = await startSim({ dialect: 'github', port: 0, timeScale: 20 });
}, 120_000);
afterAll(async () => {
  installed?.cleanup();
  await sim?.close();
});

describe('the @xrd/cli tarball', () => {
  it('holds the entry, the bundle, package.json and the README, and installs nothing else', () => {
    expect(installedShape(installed)).toEqual({
      files: ['README.md', 'dist/main.js', 'dist/xrd.js', 'package.json'],
      packages: ['@xrd/cli'],
      dependencies: {},
      private: false,
    });
  });
});

describe.each(nodeRuntimes())('the installed xrd on Node $version', (runtime) => {
  const env = { PATH: pathWithNode(runtime) };

  if (satisfies(runtime.version, pkg.engines.node)) {
    it('prints its version', async () => {
      const r = await xrd(['--version'], { bin: installed.bin('xrd'), env });
      expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    });

    it('dispatches a workflow on forge-sim, waits for its run and exits 0', async () => {
      const r = await xrd(dispatchArgs(sim, 'build.yml', '--interval', '1s', '--json'), {
        bin: installed.bin('xrd'),
        env: { ...env, XRD_TOKEN: 'e2e-token-0123456789' },
      });
      // stderr has the progress lines only: no warning, no stack.
      expect(r.stderr).toMatch(/^\[[\d.]+s\] dispatched workflow build\.yml on acme\/target@main/);
      expect(r.stderr).toContain('completed (success)');
      expect(r.stderr).not.toMatch(/warning|error|\n {4}at /i);
      expect(r.code).toBe(0);
      expect(json(r)).toMatchObject({
        ok: true,
        dispatch: { repo: 'acme/target', workflow: 'build.yml' },
        run: { status: 'completed', conclusion: 'success' },
      });
    });
  } else {
    it('refuses in one sentence naming the Node it needs, exit code 2', async () => {
      const r = await xrd(['--version'], { bin: installed.bin('xrd'), env });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`${unsupportedNodeMessage('xrd', pkg.engines.node, runtime.version)}\n`);
    });
  }
});
