import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NODE_MAJORS, nodeRuntime, nodeRuntimes, pathWithNode } from './node-versions.ts';

const root = new URL('../../', import.meta.url);

describe('the Node versions tests can run apps on', () => {
  it.each(NODE_MAJORS)('Node %i is installed and is the version it says', (major) => {
    const runtime = nodeRuntime(major);
    const run = spawnSync(runtime.binary, ['--version'], { encoding: 'utf8' });
    expect(run.stdout.trim()).toBe(`v${runtime.version}`);
    expect(runtime.version.split('.')[0]).toBe(String(major));
  });

  it('pathWithNode makes `node` on PATH that version (what `#!/usr/bin/env node` picks)', () => {
    const runtime = nodeRuntime(20);
    const run = spawnSync('node', ['--version'], { encoding: 'utf8', env: { PATH: pathWithNode(runtime) } });
    expect(run.stdout.trim()).toBe(`v${runtime.version}`);
  });

  it('Node 24 here is the workspace pin: the Node that runs the scripts and that pnpm checks engines against', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const workspace = parse(readFileSync(new URL('pnpm-workspace.yaml', root), 'utf8')) as {
      nodeVersion: string;
    };
    const pinned = pkg.devDependencies.node;
    expect(workspace.nodeVersion).toBe(pinned);
    expect(nodeRuntime(24).version).toBe(pinned);
    expect(process.versions.node).toBe(pinned);
    expect(nodeRuntimes().map((r) => r.major)).toEqual([...NODE_MAJORS]);
  });
});
