// The forge's clock from its answers (clock.ts): what a `Date` header gives, and where the search for
// a run may start.
import { describe, expect, it } from 'vitest';
import { earliestRunTime, serverTimeOf } from './clock.js';

describe('serverTimeOf', () => {
  it('reads an HTTP-date (RFC 9110 IMF-fixdate), whole seconds', () => {
    expect(serverTimeOf('Tue, 01 Dec 2026 15:09:30 GMT')).toBe(Date.UTC(2026, 11, 1, 15, 9, 30));
  });

  it('gives nothing for a missing, empty or unreadable header', () => {
    expect(serverTimeOf(undefined)).toBeUndefined();
    expect(serverTimeOf('')).toBeUndefined();
    expect(serverTimeOf('  ')).toBeUndefined();
    expect(serverTimeOf('yesterday-ish')).toBeUndefined();
    expect(serverTimeOf(1_700_000_000_000)).toBeUndefined();
  });
});

describe('earliestRunTime', () => {
  it("starts on the forge's clock when it is behind, never later than the client's own time", () => {
    expect(earliestRunTime({ dispatchedAt: 1_000_000, clockOffsetMs: -600_000 })).toBe(400_000);
    expect(earliestRunTime({ dispatchedAt: 1_000_000, clockOffsetMs: 30_000 })).toBe(1_000_000);
    expect(earliestRunTime({ dispatchedAt: 1_000_000 })).toBe(1_000_000);
  });
});
