import { describe, expect, it } from 'vitest';
import { sameStatus } from './worker.js';

describe('sameStatus', () => {
  const sent = { state: 'success', context: 'xrd/build', description: 'Build passed' } as const;

  it('matches the status the forge kept, also with its description cut to 140 characters', () => {
    expect(sameStatus({ ...sent, id: 1, createdAt: '2026-01-01T00:00:00Z' }, sent)).toBe(true);
    const long = `Build passed ${'x'.repeat(200)}`;
    const cut = `${long.slice(0, 139)}…`;
    expect(sameStatus({ ...sent, description: cut }, { ...sent, description: long })).toBe(true);
    // No description sent, none kept (Gitea's "" is read as none).
    expect(sameStatus({ state: 'error', context: 'c' }, { state: 'error', context: 'c' })).toBe(true);
  });

  it('tells another state, context or description apart', () => {
    expect(sameStatus({ ...sent, state: 'pending' }, sent)).toBe(false);
    expect(sameStatus({ ...sent, context: 'xrd/other' }, sent)).toBe(false);
    expect(sameStatus({ ...sent, description: 'Build failed' }, sent)).toBe(false);
    expect(sameStatus({ state: 'success', context: 'xrd/build' }, sent)).toBe(false);
    // A cut copy must be a prefix of what was meant.
    expect(
      sameStatus({ ...sent, description: 'Other…' }, { ...sent, description: 'Build passed and more' }),
    ).toBe(false);
  });
});
