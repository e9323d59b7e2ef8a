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
const allOf = (name: string) => examples.find((e) => e.name === name)?.examples ?? [];

// GitHub's webhook schemas (the same file forge-sim's fidelity tests use).
type Schema = {
  $ref?: string;
  allOf?: Schema[];
  type?: string | string[];
  required?: string[];
  properties?: Record<string, Schema>;
};
const spec = JSON.parse(
  readFileSync(require.resolve('@octokit/openapi-webhooks/generated/api.github.com.json'), 'utf8'),
) as { components: { schemas: Record<string, Schema> } };
const resolve = (schema: Schema): Schema => {
  if (schema.$ref) return resolve(spec.components.schemas[schema.$ref.split('/').pop() ?? ''] ?? {});
  if (!schema.allOf) return schema;
  // allOf: the union of the parts' properties and required lists.
  const parts = schema.allOf.map(resolve);
  return {
    type: 'object',
    required: parts.flatMap((p) => p.required ?? []),
    properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
  };
};
/** The schema of `path` in the named webhook, and whether every step of the path is required. */
function schemaAt(webhook: string, path: string): { type: string[]; required: boolean } {
  let node = resolve(spec.components.schemas[webhook] ?? {});
  let required = true;
  for (const key of path.split('.')) {
    required &&= node.required?.includes(key) ?? false;
    node = resolve(node.properties?.[key] ?? {});
  }
  return { type: ([] as string[]).concat(node.type ?? []), required };
}

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

describe("Forgejo's action_run events (it sends no workflow_run)", () => {
  // ActionPayload {action, run: structs.ActionRun, prior_status, last_run?}: no repository at the top.
  const run = (status: string) => ({
    id: 41,
    title: 'Build xrd-0123456789abcdef',
    repository: { full_name: 'acme/target' },
    status,
    html_url: 'http://forgejo.test/acme/target/actions/runs/7',
  });
  it('reads action_run_success and action_run_failure as a completed run', () => {
    expect(
      normaliseEvent('forgejo', 'action_run_success', { action: 'success', run: run('success') }),
    ).toEqual({
      type: 'workflow_run',
      repo: 'acme/target',
      runId: 41,
      displayTitle: 'Build xrd-0123456789abcdef',
      status: 'completed',
      conclusion: 'success',
      htmlUrl: 'http://forgejo.test/acme/target/actions/runs/7',
    });
    const conclusion = (status: string) =>
      (
        normaliseEvent('forgejo', 'action_run_failure', { action: 'failure', run: run(status) }) as {
          conclusion?: string;
        }
      ).conclusion;
    expect(['failure', 'cancelled', 'skipped', 'blocked', 'odd'].map(conclusion)).toEqual([
      'failure',
      'cancelled',
      'skipped',
      'action_required',
      'failure',
    ]);
  });
  it('ignores action_run_recover (the success beside it says it) and refuses a run of the wrong shape', () => {
    expect(
      normaliseEvent('forgejo', 'action_run_recover', { action: 'recover', run: run('success') }),
    ).toEqual({
      ignored: 'event action_run_recover',
    });
    expect(normaliseEvent('forgejo', 'action_run_success', { action: 'success' })).toEqual({
      invalid: 'action_run_success: `run` must be an object',
    });
    expect(
      normaliseEvent('forgejo', 'action_run_success', {
        action: 'success',
        run: { ...run('success'), id: -1 },
      }),
    ).toMatchObject({ invalid: expect.stringContaining('`run.id` must be a positive integer') });
    expect(
      normaliseEvent('forgejo', 'action_run_failure', {
        run: { ...run('failure'), repository: { full_name: 'x' } },
      }),
    ).toEqual({ invalid: 'action_run_failure: `run.repository.full_name` must be owner/name' });
  });
});

describe('the fields the service uses are the ones the forge schema gives', () => {
  it.each([
    ['webhook-pull-request-opened', 'number', 'integer'],
    ['webhook-pull-request-synchronize', 'number', 'integer'],
    ['webhook-pull-request-reopened', 'number', 'integer'],
    ['webhook-pull-request-opened', 'pull_request.number', 'integer'],
    ['webhook-pull-request-opened', 'pull_request.head.sha', 'string'],
    ['webhook-pull-request-opened', 'pull_request.head.ref', 'string'],
    ['webhook-pull-request-opened', 'pull_request.base.ref', 'string'],
    ['webhook-pull-request-opened', 'repository.full_name', 'string'],
    ['webhook-push', 'ref', 'string'],
    ['webhook-push', 'after', 'string'],
    ['webhook-push', 'before', 'string'],
    ['webhook-workflow-run-completed', 'workflow_run.id', 'integer'],
    ['webhook-workflow-run-completed', 'workflow_run.html_url', 'string'],
    ['webhook-workflow-run-completed', 'repository.full_name', 'string'],
  ])('%s: %s is a required %s', (webhook, path, type) => {
    expect(schemaAt(webhook, path)).toEqual({ type: [type], required: true });
  });

  it('reads the run title as optional: older payloads lack `display_title` (the run name then)', () => {
    expect(schemaAt('webhook-workflow-run-completed', 'workflow_run.display_title')).toEqual({
      type: ['string'],
      required: false,
    });
  });

  it('accepts every real payload of the events and actions it acts on', () => {
    const used = [
      ...allOf('pull_request').filter((e) =>
        ['opened', 'synchronize', 'reopened'].includes(String(e.action)),
      ),
      ...allOf('push'),
      ...allOf('workflow_run').filter((e) => e.action === 'completed'),
    ];
    expect(used.length).toBeGreaterThan(5);
    for (const payload of used) {
      const name =
        'pull_request' in payload ? 'pull_request' : 'workflow_run' in payload ? 'workflow_run' : 'push';
      expect(normaliseEvent('github', name, payload)).not.toHaveProperty('invalid');
    }
  });
});

describe('hostile payloads are invalid, with a reason (answered 400, never stored)', () => {
  const pr = (over: Record<string, unknown> = {}, prOver: Record<string, unknown> = {}) => ({
    action: 'opened',
    number: 7,
    pull_request: {
      number: 7,
      head: { sha: 'a'.repeat(40), ref: 'feature/x' },
      base: { ref: 'main' },
      ...prOver,
    },
    repository: { full_name: 'acme/source' },
    ...over,
  });
  const reason = (event: string, payload: unknown) => {
    const result = normaliseEvent('github', event, payload);
    return 'invalid' in result ? result.invalid : `not invalid: ${JSON.stringify(result)}`;
  };

  it('refuses a payload that is not an object', () => {
    expect(reason('pull_request', [])).toBe('the payload must be a JSON object, not an array');
    expect(reason('pull_request', null)).toBe('the payload must be a JSON object, not null');
    expect(reason('issues', 7)).toBe('the payload must be a JSON object, not a number');
  });

  it('refuses a PR number that is not a positive integer of at most 2^53-1', () => {
    const number = (n: unknown) => reason('pull_request', pr({ number: n }, { number: undefined }));
    expect(number('7')).toBe('pull_request: `number` must be a number, not a string');
    expect(number(-5)).toBe('pull_request: `number` must be a positive integer of at most 2^53-1, not -5');
    expect(number(0)).toMatch(/not 0$/);
    expect(number(1.5)).toMatch(/not 1.5$/);
    expect(number(JSON.parse('1e400'))).toMatch(/not Infinity$/);
    expect(number(JSON.parse(String(2 ** 53 + 2)))).toMatch(/not 9007199254740994$/);
    expect(number(undefined)).toBe('pull_request: `number` must be a number, not a undefined');
    // 2^31 is a PR number like any other.
    expect(
      normaliseEvent('github', 'pull_request', pr({ number: 2 ** 31 }, { number: 2 ** 31 })),
    ).toMatchObject({
      number: 2 ** 31,
    });
    expect(reason('pull_request', pr({ number: 8 }))).toBe(
      'pull_request: `number` and `pull_request.number` differ',
    );
  });

  it('refuses a PR event without its pull request, head or repository', () => {
    expect(reason('pull_request', pr({ pull_request: undefined }))).toBe(
      'pull_request: `pull_request` must be an object',
    );
    expect(reason('pull_request', pr({}, { head: { ref: 'x' } }))).toBe(
      'pull_request: `pull_request.head.sha` must be a string, not a undefined',
    );
    expect(reason('pull_request', pr({ repository: undefined }))).toMatch(
      /`repository.full_name` must be a string/,
    );
    expect(reason('pull_request', pr({ repository: { full_name: '../../etc' } }))).toBe(
      'pull_request: `repository.full_name` must be owner/name',
    );
  });

  it('refuses strings of the wrong form or beyond their bounds', () => {
    expect(reason('pull_request', pr({}, { head: { sha: '../../x', ref: 'f' } }))).toBe(
      'pull_request: `pull_request.head.sha` must be a commit id (40 or 64 hex digits)',
    );
    expect(reason('pull_request', pr({}, { head: { sha: 'a'.repeat(40), ref: 'a\nb' } }))).toMatch(
      /`pull_request.head.ref` must be a git ref name/,
    );
    expect(reason('pull_request', pr({}, { head: { sha: 'a'.repeat(40), ref: 'x'.repeat(256) } }))).toBe(
      'pull_request: `pull_request.head.ref` is longer than 255 characters',
    );
    expect(reason('pull_request', pr({}, { title: 't'.repeat(5000) }))).toBe(
      'pull_request: `pull_request.title` is longer than 1024 characters',
    );
    expect(reason('pull_request', pr({ action: 7 }))).toBe(
      'pull_request: `action` must be a string, not a number',
    );
  });

  it('refuses a completed workflow_run with a run id that is not a positive safe integer', () => {
    const run = (id: unknown) =>
      reason('workflow_run', {
        action: 'completed',
        workflow_run: { id, display_title: 'Build xrd-0123456789abcdef', conclusion: 'success' },
        repository: { full_name: 'acme/target' },
      });
    expect(run('12')).toBe('workflow_run: `workflow_run.id` must be a number, not a string');
    expect(run(2 ** 53 + 2)).toMatch(/not 9007199254740994$/);
    expect(run(12)).toMatch(/^not invalid/);
    expect(reason('workflow_run', { action: 'completed', repository: { full_name: 'a/b' } })).toBe(
      'workflow_run: `workflow_run` must be an object',
    );
  });

  it('refuses a push whose after is not a commit id', () => {
    expect(
      reason('push', { ref: 'refs/heads/main', after: 'HEAD', repository: { full_name: 'acme/source' } }),
    ).toBe('push: `after` must be a commit id (40 or 64 hex digits)');
  });
});
