import { describe, expect, it } from 'vitest';
import { readActionInputs } from './inputs.js';

const from = (values: Record<string, string>) => (name: string) => values[name] ?? '';

describe('readActionInputs', () => {
  it('maps the cross-repo-dispatch inputs onto xrd names and labels errors with the alias', () => {
    const inputs = readActionInputs(
      from({
        owner: 'my-repo-owner',
        repo: 'my-target-repo',
        ref: 'master',
        pat: 'ghp_secret',
        user: 'bot',
        sha: 'abc123',
        event_type: 'Fix the parser',
        client_payload: '{"misc_key":"misc_value"}',
        workflow_status_timeout: '1200',
        workflow_status_retry_interval: '10',
        max_runs: '5',
        token: 'job-token',
      }),
    );
    expect(inputs.raw).toEqual({
      owner: 'my-repo-owner',
      repo: 'my-target-repo',
      ref: 'master',
      // An option of its own: core's cross-repo-dispatch mode (step-name, its defaults) comes with it.
      sha: 'abc123',
      'event-type': 'Fix the parser',
      'client-payload': '{"misc_key":"misc_value"}',
      timeout: '1200',
      'poll-interval': '10',
      'max-runs': '5',
    });
    expect(inputs.token).toBe('ghp_secret');
    expect(inputs.tokenInput).toBe('pat');
    expect(inputs.user).toBe('bot');
    expect(inputs.label('timeout')).toBe('workflow_status_timeout');
    expect(inputs.label('sha')).toBe('sha');
    expect(inputs.label('repo')).toBe('repo');
  });

  it('keeps an explicit correlation when sha is given', () => {
    const inputs = readActionInputs(from({ sha: 'abc', correlation: 'auto' }));
    expect(inputs.raw.correlation).toBe('auto');
  });

  it('uses the xrd names as they are, with the job token when no pat is given', () => {
    const inputs = readActionInputs(
      from({
        repo: 'acme/target',
        workflow: 'build.yml',
        timeout: '20m',
        token: 'job-token',
        'comment-title': 'T',
      }),
    );
    expect(inputs.raw).toEqual({ repo: 'acme/target', workflow: 'build.yml', timeout: '20m' });
    expect(inputs.token).toBe('job-token');
    expect(inputs.tokenInput).toBe('token');
    expect(inputs.commentTitle).toBe('T');
    expect(inputs.label('timeout')).toBe('timeout');
  });

  it('accepts an alias and its xrd name when they agree', () => {
    expect(readActionInputs(from({ timeout: '600', workflow_status_timeout: '600' })).raw.timeout).toBe(
      '600',
    );
  });

  it('rejects an alias and its xrd name that disagree, naming both', () => {
    expect(() =>
      readActionInputs(from({ 'max-runs': '3', max_runs: '7' })),
    ).toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: Inputs \`max-runs\` and \`max_runs\` are both set and differ; \`max_runs\` is the cross-repo-dispatch name of \`max-runs\`, so set only one of them.]`,
    );
  });
});
