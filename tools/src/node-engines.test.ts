import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseEngines, satisfies, unsupportedNodeMessage } from './node-engines.ts';
import { nodeRuntime } from './node-versions.ts';

const TODAY = '^22.15.0 || >=23.8.0';

describe('satisfies', () => {
  it.each([
    ['22.15.0', true],
    ['v22.23.3', true],
    ['22.14.9', false],
    ['23.7.0', false],
    ['23.8.0', true],
    ['24.0.0', true],
    ['20.20.2', false],
    ['18.20.8', false],
  ])('%s against %s → %s', (version, expected) => {
    expect(satisfies(version, TODAY)).toBe(expected);
  });

  it('reads partial versions and plain >= ranges', () => {
    expect(satisfies('20.0.0', '>=20')).toBe(true);
    expect(satisfies('19.9.9', '>=20')).toBe(false);
    expect(satisfies('22.13.0', '^22.13 || >=23.4')).toBe(true);
  });

  it('rejects range syntax it does not understand instead of guessing', () => {
    expect(() => parseEngines('>=22 <25')).toThrow(/is not ">=X.Y.Z" or "\^X.Y.Z"/);
    expect(() => parseEngines('~22.1.0')).toThrow(/"~22.1.0"/);
    expect(() => satisfies('twenty', '>=20')).toThrow(/not a Node.js version/);
  });
});

describe('unsupportedNodeMessage', () => {
  it('is undefined on a supported Node', () => {
    expect(unsupportedNodeMessage('xrd', TODAY, '24.21.0')).toBeUndefined();
  });

  it('names the nearest version that would do, in one sentence', () => {
    expect(unsupportedNodeMessage('xrd', TODAY, '20.20.2')).toBe(
      'xrd needs Node.js 22.15.0 or later; this is Node.js 20.20.2.',
    );
    expect(unsupportedNodeMessage('xrd-webhook', TODAY, '23.5.0')).toBe(
      'xrd-webhook needs Node.js 23.8.0 or later; this is Node.js 23.5.0.',
    );
    // Nothing above the running version: the range itself is what it needs.
    expect(unsupportedNodeMessage('xrd', '^22.15.0', '24.1.0')).toBe(
      'xrd needs Node.js ^22.15.0; this is Node.js 24.1.0.',
    );
  });
});

describe('exitOnUnsupportedNode', () => {
  // In a child process on the workspace's Node (which runs the .ts module by stripping its types),
  // with a range that excludes that Node and one that includes it.
  it('prints one sentence and exits 2; returns quietly on a supported Node', () => {
    const script = (range: string) =>
      `import { exitOnUnsupportedNode } from ${JSON.stringify(new URL('./node-engines.ts', import.meta.url).href)};` +
      `exitOnUnsupportedNode('xrd', ${JSON.stringify(range)}); console.log('loaded');`;
    const node = nodeRuntime(24).binary;
    const refused = spawnSync(node, ['--input-type=module', '-e', script('>=99.1.0')], { encoding: 'utf8' });
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      `xrd needs Node.js 99.1.0 or later; this is Node.js ${process.versions.node}.\n`,
    );
    const accepted = spawnSync(node, ['--input-type=module', '-e', script('>=20')], { encoding: 'utf8' });
    expect(accepted.status).toBe(0);
    expect(accepted.stdout).toBe('loaded\n');
  });
});
