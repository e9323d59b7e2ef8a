import {
  AbortedError,
  ArtifactError,
  AuthError,
  DispatchRejectedError,
  ForgeHttpError,
  InvalidInputError,
  RateLimitedError,
  RunFailedError,
  RunNotFoundError,
  RunTimeoutError,
  UnsupportedByServerError,
} from '@xrd/core';
import { describe, expect, it } from 'vitest';
import { exitCodeForError } from './exit-codes.js';

describe('exitCodeForError', () => {
  it('maps every core error code as docs/architecture.md says', () => {
    expect(exitCodeForError(new RunFailedError('x', 'failure'))).toBe(1);
    expect(exitCodeForError(new InvalidInputError('x'))).toBe(2);
    expect(exitCodeForError(new RunTimeoutError('x'))).toBe(3);
    expect(exitCodeForError(new DispatchRejectedError('x'))).toBe(4);
    expect(exitCodeForError(new AuthError('x'))).toBe(4);
    expect(exitCodeForError(new UnsupportedByServerError('x'))).toBe(4);
    expect(exitCodeForError(new RunNotFoundError('x'))).toBe(5);
    expect(exitCodeForError(new ForgeHttpError('x'))).toBe(6);
    expect(exitCodeForError(new RateLimitedError('x'))).toBe(6);
    expect(exitCodeForError(new AbortedError())).toBe(130);
    expect(exitCodeForError(new ArtifactError('expired', 'x'))).toBe(8);
  });

  it('exits 130 for an interruption by SIGINT and 143 for one by SIGTERM', () => {
    const stopped = (reason: string) => {
      const controller = new AbortController();
      controller.abort(reason);
      return controller.signal;
    };
    expect(exitCodeForError(new AbortedError(), stopped('SIGINT'))).toBe(130);
    expect(exitCodeForError(new AbortedError(), stopped('SIGTERM'))).toBe(143);
    // Only the interruption itself: a run that failed meanwhile keeps its own code.
    expect(exitCodeForError(new RunFailedError('x', 'failure'), stopped('SIGTERM'))).toBe(1);
  });

  it('treats anything else as a forge-side failure, not as the run failing', () => {
    expect(exitCodeForError(new TypeError('fetch failed'))).toBe(6);
    expect(exitCodeForError('weird')).toBe(6);
  });
});
