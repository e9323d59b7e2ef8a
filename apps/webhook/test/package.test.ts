// The published package as a user gets it: `npm pack`, `npm install <tarball>` into an empty folder
// (offline: the package bundles everything it runs, PostgreSQL driver included), then the installed
// `xrd-webhook` bin, started through its `#!/usr/bin/env node` line on each Node that tools/ provides.
// Where package.json's `engines.node` allows that Node: it starts on a config, takes the signed
// `pull_request` webhook forge-sim sends for a new PR, dispatches the route's workflow and reports its
// end. Elsewhere: one sentence naming the Node it needs, exit code 2. Moving `engines.node` moves the
// cases.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { satisfies, unsupportedNodeMessage } from '@xrd/tools/node-engines';
import { nodeRuntimes, pathWithNode } from '@xrd/tools/node-versions';
import { type InstalledPackage, installedShape, packAndInstall } from '@xrd/tools/pack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  finalOf,
  newSha,
  openPull,
  type RouteSpec,
  registerHooks,
  runs,
  startForge,
  startService,
  statuses,
  until,
  writeConfig,
} from './harness.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
};

let installed: InstalledPackage;
beforeAll(() => {
  installed = packAndInstall(appDir);
}, 120_000);
afterAll(() => installed?.cleanup());

describe('the @xrd/webhook tarball', () => {
  it('holds the entry, the bundle, package.json and the README, and installs nothing else', () => {
    expect(installedShape(installed)).toEqual({
      files: ['README.md', 'dist/main.js', 'dist/server.js', 'package.json'],
      packages: ['@xrd/webhook'],
      dependencies: {},
      private: false,
    });
  });
});

describe.each(nodeRuntimes())('the installed xrd-webhook on Node $version', (runtime) => {
  const env = { PATH: pathWithNode(runtime) };

  if (satisfies(runtime.version, pkg.engines.node)) {
    it('dispatches the route of a signed pull_request webhook and reports the run', async () => {
      const forge = await startForge('gh', 'github', 20);
      const routes: RouteSpec[] = [
        { name: 'build', source: forge, target: forge, workflow: 'build-from-pr.yml' },
      ];
      const setup = writeConfig([forge], routes);
      const service = await startService(setup.configFile, env, undefined, installed.bin('xrd-webhook'));
      try {
        await registerHooks(service.url, routes);
        const sha = newSha();
        await openPull(forge, sha);
        const dispatched = await until('the dispatch', async () =>
          (await runs(forge)).find((r) => r.inputs?.pr_head_sha === sha),
        );
        expect(dispatched).toMatchObject({ owner: 'acme', repo: 'target', workflow: 'build-from-pr.yml' });
        const final = await until('the final status', async () => finalOf(await statuses(forge, sha))[0]);
        expect(final?.state).toBe('success');
      } finally {
        service.child.kill('SIGTERM');
        expect(await service.exited).toBe(0);
        await forge.sim.close();
        setup.cleanup();
      }
    });
  } else {
    it('refuses in one sentence naming the Node it needs, exit code 2', async () => {
      const child = spawn(installed.bin('xrd-webhook'), ['--config', 'xrd-webhook.yml'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect({ code, stdout, stderr }).toEqual({
        code: 2,
        stdout: '',
        stderr: `${unsupportedNodeMessage('xrd-webhook', pkg.engines.node, runtime.version)}\n`,
      });
    });
  }
});
