import { describe, expect, it } from 'vitest';
import { createPalette, formatDuration, ProgressReporter, useColor } from './ui.js';

describe('useColor', () => {
  it('colours a terminal unless NO_COLOR is set or TERM is dumb', () => {
    expect(useColor(true, {})).toBe(true);
    expect(useColor(false, {})).toBe(false);
    expect(useColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(true, { TERM: 'dumb' })).toBe(false);
    expect(useColor(false, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColor(false, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });
});

describe('formatDuration', () => {
  it('is short and readable', () => {
    expect([0, 1234, 9999, 42_000, 61_000, 3_725_000, -1].map(formatDuration)).toEqual([
      '0.0s',
      '1.2s',
      '10.0s',
      '42s',
      '1m01s',
      '1h02m',
      '-',
    ]);
  });
});

describe('ProgressReporter off a TTY', () => {
  it('prints plain lines with the elapsed time and no escape codes', () => {
    let now = 1_000;
    const lines: string[] = [];
    const r = new ProgressReporter({
      stream: { write: (s) => lines.push(s) },
      tty: false,
      palette: createPalette(false),
      verbose: false,
      quiet: false,
      now: () => now,
    });
    now += 2_500;
    const job = {
      id: 1,
      runId: 9,
      name: 'build',
      status: 'completed' as const,
      conclusion: 'failure' as const,
    };
    r.onProgress({
      type: 'job',
      job: { ...job, steps: [{ name: 'Run tests', number: 2, status: 'completed', conclusion: 'failure' }] },
      change: 'completed',
    });
    r.onProgress({ type: 'waiting', delayMs: 5000, reason: 'schedule' });
    r.onProgress({ type: 'debug', message: 'hidden unless verbose' });
    r.stop();
    expect(lines.join('')).toMatchInlineSnapshot(`
      "[2.5s] job build failure at step "Run tests"
      "
    `);
  });
});
