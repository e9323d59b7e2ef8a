import { describe, expect, it } from 'vitest';
import { locateRun } from './run-commands.js';

describe('locateRun', () => {
  it('takes --owner with a bare --repo, as xrd dispatch does', async () => {
    const target = await locateRun('5', { repo: 'target', owner: 'acme', apiUrl: 'http://127.0.0.1:1' }, {});
    expect(target.repo).toEqual({ owner: 'acme', repo: 'target' });
  });

  it('checks --owner against the run URL instead of ignoring it', async () => {
    await expect(
      locateRun('http://127.0.0.1:1/repos/acme/target/actions/runs/5', { owner: 'other' }, {}),
    ).rejects.toThrow(
      '`--owner` "other" contradicts `--repo` "acme/target"; drop `--owner` or make them agree.',
    );
  });
});
