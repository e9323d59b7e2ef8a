import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli.js';

describe('sim CLI arguments', () => {
  it('reads port, dialect, time scale, limits and a YAML seed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-seed-'));
    const file = join(dir, 'seed.yaml');
    writeFileSync(
      file,
      'repos:\n  - owner: o\n    repo: r\n    workflows:\n      - file: w.yml\n        on: { workflow_dispatch: {} }\n        jobs: [{ name: j, steps: [s] }]\n',
    );
    const a = parseCliArgs([
      '--port',
      '0',
      '--dialect=gitea-1.26',
      '--seed',
      file,
      '--time-scale',
      '60',
      '--rate-limit',
      '100',
      '--listing-delay',
      '0',
    ]);
    expect(a).toMatchObject({
      port: 0,
      dialect: 'gitea-1.26',
      timeScale: 60,
      rateLimit: 100,
      listingDelayMs: 0,
    });
    expect(a.seed?.repos[0]?.workflows?.[0]?.file).toBe('w.yml');
  });

  it('names the bad input and the fix in one sentence', () => {
    expect(() => parseCliArgs(['--dialect', 'gitlab'])).toThrowErrorMatchingInlineSnapshot(
      `[Error: --dialect "gitlab" is unknown: use one of github, ghes-3.19, ghes-3.20, gitea-1.24, gitea-1.25, gitea-1.26, forgejo.]`,
    );
    expect(() => parseCliArgs(['--time-scale', '0'])).toThrowErrorMatchingInlineSnapshot(
      `[Error: --time-scale must be a positive number, e.g. 60.]`,
    );
    expect(() => parseCliArgs(['--seed', '/nonexistent/seed.json'])).toThrow(/cannot be read/);
    expect(() => parseCliArgs(['--listing-delay', '-1'])).toThrow(/--listing-delay must be/);
  });
});
