import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './config.js';

const valid = {
  forges: [
    {
      name: 'gh',
      kind: 'github',
      'api-url': 'https://api.github.com',
      token: 'ghp_x',
      'webhook-secret': 's1',
    },
    { name: 'gitea', kind: 'gitea', 'api-url': 'https://gitea.example.com', 'webhook-secret': 's2' },
  ],
  routes: [
    {
      name: 'build',
      when: { forge: 'gitea', repo: 'acme/source', pull_request: true },
      dispatch: {
        forge: 'gitea',
        repo: 'acme/target',
        workflow: 'build-from-pr.yml',
        inputs: {
          pr_number: '{{ pr.number }}',
          pr_head_sha: '{{ pr.head.sha }}',
          source_repo: '{{ source.repo }}',
        },
      },
      report: { context: 'dispatch-target/build' },
    },
  ],
};

function problems(raw: unknown, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parseConfig(raw, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('parseConfig', () => {
  it('reads a valid config with defaults and environment overrides', () => {
    const config = parseConfig(valid, {
      XRD_FORGE_GITEA_TOKEN: 'tok',
      XRD_LISTEN_PORT: '0',
      DATABASE_URL: 'postgres://u:pw@db/x',
    });
    expect(config.forges[1]).toMatchObject({ name: 'gitea', token: 'tok' });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config.store).toEqual({ kind: 'postgres', url: 'postgres://u:pw@db/x' });
    expect(config.maxBodyBytes).toBe(25 * 1024 * 1024);
    expect(config.routes[0]).toMatchObject({
      when: { pullRequest: ['opened', 'synchronize', 'reopened'], push: [] },
      dispatch: { ref: 'main', correlationInput: 'correlation_id', correlation: 'run-name' },
      report: { context: 'dispatch-target/build', status: true, comment: true },
      supersede: true,
      cancelSuperseded: false,
    });
  });

  it('names every problem with its key, one sentence each', () => {
    expect(
      problems({
        listen: { port: 'eighty' },
        forges: [
          { name: 'Bad Name', kind: 'github' },
          { name: 'gh', kind: 'bitbucket', 'api-url': 'ftp://x', token: 't' },
        ],
        routes: [
          {
            when: { forge: 'nope', repo: 'justone', pull_request: ['closed'] },
            dispatch: { forge: 'gh', repo: 'acme/t', inputs: { x: '{{ pr.nmber }}' } },
            report: { status: 'yes' },
          },
        ],
        worker: { lease: 'forever' },
      }),
    ).toMatchInlineSnapshot(`
      [
        "listen.port must be a whole number from 0 to 65535, not "eighty".",
        "worker.lease must be a duration such as 500ms, 30s or 5m, not "forever".",
        "forges[0].name must be lower-case letters, digits and dashes (it becomes the URL path /hooks/<name>).",
        "forges[1].kind must be one of github, gitea, forgejo, not "bitbucket".",
        "forges[1].api-url must be the forge's http(s) API base URL, e.g. https://api.github.com.",
        "forges[1].webhook-secret is required (or XRD_FORGE_GH_WEBHOOK_SECRET): unsigned webhooks are never accepted.",
        "routes[0].when.forge must name a forge from forges (none defined), not "nope".",
        "routes[0].when.repo must be a repository as owner/name, not "justone".",
        "routes[0].when.pull_request lists "closed"; allowed: opened, synchronize, reopened.",
        "routes[0].when needs pull_request (true or actions) or push (branches): otherwise it never fires.",
        "routes[0].dispatch.forge names forge gh, which is not usable until its problems above are fixed.",
        "routes[0].dispatch needs exactly one of workflow (workflow_dispatch) or event-type (repository_dispatch).",
        "routes[0].dispatch.inputs.x uses unknown variable {{ pr.nmber }}; available here: source.forge, source.repo, source.owner, source.name, event.name, event.action, sha, ref, correlation_id.",
        "routes[0].report.status must be true or false.",
      ]
    `);
  });

  it('rejects PR variables on a push route, and repository_dispatch on Gitea', () => {
    expect(
      problems({
        ...valid,
        routes: [
          {
            when: { forge: 'gitea', repo: 'acme/source', push: ['main'] },
            dispatch: {
              forge: 'gitea',
              repo: 'acme/target',
              'event-type': 'build',
              inputs: { n: '{{ pr.number }}' },
            },
          },
        ],
      }),
    ).toMatchInlineSnapshot(`
      [
        "forges[1].token is required (or XRD_FORGE_GITEA_TOKEN, or app credentials on GitHub).",
        "routes[0].dispatch.event-type needs a GitHub target: gitea has no repository_dispatch; use workflow.",
        "routes[0].dispatch.inputs.n uses unknown variable {{ pr.number }}; available here: source.forge, source.repo, source.owner, source.name, event.name, event.action, sha, ref, correlation_id, push.ref, push.branch, push.sha, push.before.",
      ]
    `);
  });

  it('rejects unknown keys and unclosed template braces instead of ignoring them', () => {
    const [forge0, forge1] = valid.forges;
    const [route] = valid.routes;
    expect(
      problems({
        ...valid,
        stor: { path: '/var/lib/xrd/xrd-webhook.db' },
        worker: { concurency: 4 },
        forges: [
          { ...forge0, 'webhook-secrets': 'x' },
          { ...forge1, token: 't' },
        ],
        routes: [
          {
            ...route,
            'cancel-superseeded': true,
            when: { ...route?.when, pullrequest: true },
            dispatch: { ...route?.dispatch, inputs: { sha: '{{ sha', ok: '{{ sha }}' } },
            report: { contxt: 'x' },
          },
        ],
      }),
    ).toMatchInlineSnapshot(`
      [
        "stor is not a known key; use one of listen, store, log, limits, worker, reconcile, forges, routes.",
        "worker.concurency is not a known key; use one of concurrency, poll-interval, lease, drain-timeout.",
        "forges[0].webhook-secrets is not a known key; use one of name, kind, api-url, token, app, webhook-secret, api-version, min-write-interval.",
        "routes[0].cancel-superseeded is not a known key; use one of name, when, dispatch, report, supersede, cancel-superseded.",
        "routes[0].report.contxt is not a known key; use one of context, status, comment.",
        "routes[0].when.pullrequest is not a known key; use one of forge, repo, pull_request, push.",
        "routes[0].dispatch.inputs.sha has a {{ or }} that does not close a variable; write each one as {{ name }}.",
      ]
    `);
  });

  it('a route naming a declared forge that has problems says so, not that the forge is unknown', () => {
    const [forge0, forge1] = valid.forges;
    expect(
      problems({ ...valid, forges: [forge0, { ...forge1, 'webhook-secret': undefined }] }),
    ).toMatchInlineSnapshot(`
      [
        "forges[1].webhook-secret is required (or XRD_FORGE_GITEA_WEBHOOK_SECRET): unsigned webhooks are never accepted.",
        "forges[1].token is required (or XRD_FORGE_GITEA_TOKEN, or app credentials on GitHub).",
        "routes[0].when.forge names forge gitea, which is not usable until its problems above are fixed.",
        "routes[0].dispatch.forge names forge gitea, which is not usable until its problems above are fixed.",
      ]
    `);
  });

  it('never puts a secret in an error', () => {
    const all = problems({
      forges: [
        { name: 'gh', kind: 'github', 'api-url': 'x', token: 'ghp_supersecret', 'webhook-secret': 'hush' },
      ],
    });
    expect(all.join('\n')).not.toMatch(/supersecret|hush/);
  });

  it('reports an unreadable or invalid YAML file in one sentence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xrd-config-'));
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'forges: [\n');
    expect(() => loadConfig(bad)).toThrow(/is not valid YAML .*: fix the syntax\./);
    expect(() => loadConfig(join(dir, 'missing.yml'))).toThrow(/cannot be read/);
    expect(() => loadConfig(undefined)).toThrow(/--config is required/);
  });
});
