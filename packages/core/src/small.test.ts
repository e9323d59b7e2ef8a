import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_FAIL_ON, isFailingConclusion, parseFailOn } from './conclusions.js';
import { containsCorrelationId, generateCorrelationId, isValidCorrelationId } from './correlation-id.js';
import { AbortedError, ForgeHttpError, RateLimitedError, RunNotFoundError } from './errors.js';
import { formatDuration, resumeAt } from './internal.js';
import { LruMap } from './lru.js';
import { createMeter } from './meter.js';
import { runName } from './report.js';
import { abortError, sleep, throwIfAborted } from './sleep.js';
import { tailBytes, truncate } from './text.js';

describe('createMeter', () => {
  it('counts requests, counted ones and 304s, keeps the last rate limit and forwards to a parent', () => {
    const parent = createMeter();
    const meter = createMeter(parent);
    expect(meter.cost()).toEqual({ requests: 0, counted: 0, notModified: 0 });
    meter.record({
      method: 'GET',
      route: 'a',
      status: 200,
      counted: true,
      notModified: false,
      rateLimit: { limit: 10, remaining: 9, resetAt: 1 },
    });
    meter.record({ method: 'GET', route: 'a', status: 304, counted: false, notModified: true });
    expect(meter.cost()).toEqual({
      requests: 2,
      counted: 1,
      notModified: 1,
      rateLimit: { limit: 10, remaining: 9, resetAt: 1 },
    });
    expect(parent.cost()).toEqual(meter.cost());
  });
});

describe('sleep', () => {
  it('waits, and rejects with AbortedError on abort (before or during)', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    await expect(sleep(1, new AbortController().signal)).resolves.toBeUndefined();
    await expect(sleep(10_000, AbortSignal.abort())).rejects.toBeInstanceOf(AbortedError);
    const controller = new AbortController();
    const pending = sleep(10_000, controller.signal);
    controller.abort(new Error('user pressed ctrl-c'));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as Error).cause).toEqual(new Error('user pressed ctrl-c'));
  });

  it('keeps an AbortedError given as the reason, and throwIfAborted throws only when aborted', () => {
    const reason = new AbortedError('stop');
    expect(abortError(AbortSignal.abort(reason))).toBe(reason);
    expect(() => throwIfAborted(undefined)).not.toThrow();
    expect(() => throwIfAborted(AbortSignal.abort())).toThrow(AbortedError);
  });
});

describe('conclusions', () => {
  it('fails on everything but success, skipped and neutral by default', () => {
    expect(DEFAULT_FAIL_ON).toEqual([
      'failure',
      'cancelled',
      'timed_out',
      'action_required',
      'stale',
      'startup_failure',
    ]);
    expect(isFailingConclusion('failure')).toBe(true);
    expect(isFailingConclusion('neutral')).toBe(false);
    expect(isFailingConclusion(null)).toBe(false);
    expect(isFailingConclusion('cancelled', ['failure'])).toBe(false);
  });

  it('parses a fail-on list', () => {
    expect(parseFailOn(' Failure,timed_out failure ')).toEqual(['failure', 'timed_out']);
    expect(parseFailOn('')).toBe(DEFAULT_FAIL_ON);
    expect(parseFailOn(undefined)).toBe(DEFAULT_FAIL_ON);
    expect(parseFailOn(' Never ')).toEqual([]);
    expect(isFailingConclusion('failure', parseFailOn('never'))).toBe(false);
    expect(() => parseFailOn('never,failure', '--fail-on')).toThrow(/unknown conclusion "never"/);
    expect(() => parseFailOn('boom', '--fail-on')).toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: \`--fail-on\` has an unknown conclusion "boom"; use \`never\` or a comma list of success, failure, cancelled, skipped, timed_out, action_required, neutral, stale, startup_failure.]`,
    );
  });
});

describe('runName', () => {
  it('says the run number beside the id where they differ (Gitea pages show the number)', () => {
    expect(runName({ id: 301, runNumber: 1 })).toBe('run 301 (#1)');
    expect(runName({ id: 7, runNumber: 7 })).toBe('run 7');
    expect(runName({ id: 9000000001 })).toBe('run 9000000001');
  });
});

describe('correlation ids', () => {
  it('are generated from a cryptographic source and validated', () => {
    const ids = new Set(Array.from({ length: 100 }, generateCorrelationId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^xrd-[0-9a-f]{16}$/);
    expect(isValidCorrelationId('a'.repeat(100))).toBe(true);
    expect(isValidCorrelationId('a'.repeat(101))).toBe(false);
    expect(isValidCorrelationId('-a')).toBe(false);
  });

  it('draw their bytes a page at a time and never hand a byte out twice', () => {
    const draws = vi.spyOn(globalThis.crypto, 'getRandomValues');
    try {
      // 2,000 ids need 16,000 bytes: at least 3 fresh pages of 4,096, at most 5 (one may be part-used).
      const ids = Array.from({ length: 2000 }, generateCorrelationId);
      expect(new Set(ids).size).toBe(2000);
      for (const id of ids) expect(id).toMatch(/^xrd-[0-9a-f]{16}$/);
      expect(draws.mock.calls.length).toBeGreaterThanOrEqual(3);
      expect(draws.mock.calls.length).toBeLessThanOrEqual(5);
      // Every hex digit position takes many values: no position is stuck (a pool slice read wrong).
      for (let at = 4; at < 20; at += 1) expect(new Set(ids.map((id) => id[at])).size).toBeGreaterThan(10);
    } finally {
      draws.mockRestore();
    }
  });

  it('match as whole tokens', () => {
    expect(containsCorrelationId('Build xrd-1', 'xrd-1')).toBe(true);
    expect(containsCorrelationId('Build xrd-12 and (xrd-1)', 'xrd-1')).toBe(true);
    expect(containsCorrelationId('Build xrd-12', 'xrd-1')).toBe(false);
    expect(containsCorrelationId('axrd-1', 'xrd-1')).toBe(false);
    expect(containsCorrelationId(undefined, 'xrd-1')).toBe(false);
    expect(containsCorrelationId('x', '')).toBe(false);
  });

  it('with dots match neither the start nor the end of a longer dotted id', () => {
    expect(containsCorrelationId('release v1.2.3', 'v1.2')).toBe(false);
    expect(containsCorrelationId('release 0.v1.2', 'v1.2')).toBe(false);
    expect(containsCorrelationId('release v1.2..3', 'v1.2')).toBe(false);
    expect(containsCorrelationId('release v1.2.3 and v1.2', 'v1.2')).toBe(true);
    // A full stop or other punctuation after the id ends it.
    expect(containsCorrelationId('Deploy v1.2.', 'v1.2')).toBe(true);
    expect(containsCorrelationId('Deploy (v1.2)', 'v1.2')).toBe(true);
    expect(containsCorrelationId('Deploy v1.2: done', 'v1.2')).toBe(true);
  });
});

describe('resuming after a failed read, and durations', () => {
  it('resumes only after a rate limit that ends before the deadline; anything else is final', () => {
    expect(resumeAt(new RateLimitedError('x', { retryAt: 5 }), 10)).toBe(5);
    expect(resumeAt(new RateLimitedError('x', { retryAt: 15 }), 10)).toBeUndefined();
    expect(resumeAt(new RateLimitedError('x'), 10)).toBeUndefined();
    expect(resumeAt(new ForgeHttpError('x', { status: 502 }), 10)).toBeUndefined();
    expect(resumeAt(new RunNotFoundError('x'), 10)).toBeUndefined();
  });

  it('keeps at most max entries in the LRU map, dropping the least recently used', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect([map.get('a'), map.get('b'), map.get('c'), map.size]).toEqual([1, undefined, 3, 2]);
    expect(map.delete('a')).toBe(true);
  });

  it('truncates by code points and tails a log at a line start', () => {
    expect(truncate('😀'.repeat(5), 3)).toBe('😀😀…');
    expect(truncate('short', 10)).toBe('short');
    expect(tailBytes('first line\nsecond\nthird', 12)).toBe('third');
    expect(tailBytes('abc', undefined)).toBe('abc');
    expect(tailBytes('abc', 10)).toBe('abc');
  });

  it('formats durations for people', () => {
    expect([0, 999, 61_000, 600_000, 3_725_000].map(formatDuration)).toEqual([
      '0s',
      '1s',
      '1m 1s',
      '10m',
      '1h 2m 5s',
    ]);
  });
});
