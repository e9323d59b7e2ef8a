import { describe, expect, test } from 'vitest';
import { normalizeStatus } from './status.js';

describe('normalizeStatus', () => {
  // Every raw status Gitea (run/job API, tasks) and Forgejo (ListActionRuns enum) can send.
  test.each([
    // Gitea ≥ 1.25 (convert.ToActionsStatus) and GitHub-shaped words
    ['queued', null, 'queued', null],
    ['waiting', null, 'queued', null],
    ['pending', null, 'queued', null],
    ['requested', null, 'queued', null],
    ['in_progress', null, 'in_progress', null],
    ['completed', 'success', 'completed', 'success'],
    ['completed', 'failure', 'completed', 'failure'],
    ['completed', 'cancelled', 'completed', 'cancelled'],
    ['completed', 'skipped', 'completed', 'skipped'],
    ['completed', 'timed_out', 'completed', 'timed_out'],
    ['completed', 'neutral', 'completed', 'neutral'],
    ['completed', 'action_required', 'completed', 'action_required'],
    ['completed', 'stale', 'completed', 'stale'],
    ['completed', 'startup_failure', 'completed', 'startup_failure'],
    // Gitea's internal unknown status converts to ''
    ['', null, 'queued', null],
    // Forgejo / Gitea tasks raw statuses
    ['unknown', null, 'queued', null],
    ['waiting', null, 'queued', null],
    ['blocked', null, 'queued', null],
    ['running', null, 'in_progress', null],
    ['success', null, 'completed', 'success'],
    ['failure', null, 'completed', 'failure'],
    ['cancelled', null, 'completed', 'cancelled'],
    ['skipped', null, 'completed', 'skipped'],
    // Case and spelling variants
    ['RUNNING', null, 'in_progress', null],
    ['canceled', null, 'completed', 'cancelled'],
  ] as const)('%s / %s → %s / %s', (raw, conclusion, status, expected) => {
    const out = normalizeStatus(raw, conclusion);
    expect(out).toEqual({ status, conclusion: expected, known: true });
  });

  test('a missing status is unfinished', () => {
    expect(normalizeStatus(undefined)).toEqual({ status: 'queued', conclusion: null, known: true });
    expect(normalizeStatus(null)).toEqual({ status: 'queued', conclusion: null, known: true });
  });

  test('an unknown word is never treated as finished', () => {
    expect(normalizeStatus('paused')).toEqual({ status: 'queued', conclusion: null, known: false });
  });

  test('completed with an unknown conclusion stays completed without a conclusion', () => {
    expect(normalizeStatus('completed', 'weird')).toEqual({
      status: 'completed',
      conclusion: null,
      known: false,
    });
  });

  test('no unfinished raw value maps to completed', () => {
    for (const raw of [
      'queued',
      'waiting',
      'pending',
      'requested',
      'blocked',
      'unknown',
      'running',
      'in_progress',
    ]) {
      expect(normalizeStatus(raw).status).not.toBe('completed');
    }
  });
});
