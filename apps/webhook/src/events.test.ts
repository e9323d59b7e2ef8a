import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { deliveryId, eventName, normaliseEvent } from './events.js';

const require = createRequire(import.meta.url);
// Real payloads from @octokit/webhooks-examples.
const examples = JSON.parse(
  readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'),
) as Array<{ name: string; examples: Array<Record<string, unknown>> }>;
const example = (name: string, pick: (e: Record<string, unknown>) => boolean) =>
  examples.find((e) => e.name === name)?.examples.find(pick);

describe('normaliseEvent', () => {
  it('reads a real GitHub pull_request opened payload', () => {
    const payload = example('pull_request', (e) => e.action === 'opened');
    const event = normaliseEvent('github', 'pull_request', payload);
    expect(event).toMatchObject({ type: 'pull_request', action: 'opened' });
    if ('type' in event && event.type === 'pull_request') {
      expect(event.headSha).toMatch(/^[0-9a-f]{40}$/);
      expect(event.number).toBeGreaterThan(0);
    }
  });

  it('reads a real GitHub workflow_run completed payload', () => {
    const payload = example(
      'workflow_run',
      (e) => e.action === 'completed' && (e.workflow_run as { status: string }).status === 'completed',
    );
    const event = normaliseEvent('github', 'workflow_run', payload);
    expect(event).toMatchObject({ type: 'workflow_run', status: 'completed' });
  });

  it("maps Gitea's `synchronized` to synchronize", () => {
    const event = normaliseEvent('gitea', 'pull_request', {
      action: 'synchronized',
      number: 3,
      pull_request: { number: 3, head: { sha: 'a'.repeat(40), ref: 'f' }, base: { ref: 'main' } },
      repository: { full_name: 'acme/source' },
    });
    expect(event).toMatchObject({ type: 'pull_request', action: 'synchronize', number: 3, headRef: 'f' });
  });

  it('ignores what the service does not act on', () => {
    expect(normaliseEvent('github', 'issues', { repository: { full_name: 'a/b' } })).toEqual({
      ignored: 'event issues',
    });
    expect(
      normaliseEvent('github', 'pull_request', { action: 'closed', repository: { full_name: 'a/b' } }),
    ).toEqual({
      ignored: 'pull_request closed',
    });
    expect(
      normaliseEvent('github', 'workflow_run', { action: 'requested', repository: { full_name: 'a/b' } }),
    ).toEqual({ ignored: 'workflow_run requested' });
    expect(
      normaliseEvent('github', 'push', {
        ref: 'refs/heads/x',
        after: '0'.repeat(40),
        repository: { full_name: 'a/b' },
      }),
    ).toEqual({ ignored: 'branch deletion' });
  });

  it('reads event name and delivery id from GitHub or Gitea headers', () => {
    expect(eventName({ 'x-gitea-event': 'push' })).toBe('push');
    expect(deliveryId({ 'x-gitea-delivery': 'd1' })).toBe('d1');
    expect(deliveryId({ 'x-github-delivery': 'd2', 'x-gitea-delivery': 'd1' })).toBe('d2');
  });
});
