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

  it('defaults the status context per target workflow, so two routes into one repository keep two statuses', () => {
    const route = valid.routes[0]!;
    const { report: _, ...unnamed } = route;
    const config = parseConfig(
      {
        ...valid,
        routes: [
          { ...unnamed, name: 'build' },
          { ...unnamed, name: 'lint', dispatch: { ...route.dispatch, workflow: 'lint.yaml' } },
        ],
      },
      { XRD_FORGE_GITEA_TOKEN: 'tok' },
    );
    expect(config.routes.map((r) => r.report.context)).toEqual([
      'xrd/acme/target/build-from-pr',
      'xrd/acme/target/lint',
    ]);
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
            report: { status: 'maybe' },
          },
        ],
        worker: { lease: 'forever' },
      }),
    ).toMatchInlineSnapshot(`
      [
        "listen.port must be a whole number from 0 to 65535, not "eighty".",
        "\`worker.lease\` must be a duration such as 600 (seconds), 30s, 10m or 1h, not "forever".",
        "forges[0].name must be lower-case letters, digits and dashes (it becomes the URL path /hooks/<name>).",
        "\`forges[1].kind\` must be github, gitea or forgejo, not "bitbucket".",
        "\`forges[1].api-url\` must be an http(s) URL such as https://gitea.example.com, not "ftp://x".",
        "forges[1].webhook-secret is required (or XRD_FORGE_GH_WEBHOOK_SECRET): unsigned webhooks are never accepted.",
        "routes[0].when.forge must name a forge from forges (none defined), not "nope".",
        "\`routes[0].when.repo\` must look like owner/name, e.g. acme/target, not "justone".",
        "routes[0].when.pull_request lists "closed"; allowed: opened, synchronize, reopened.",
        "routes[0].when needs pull_request (true or actions) or push (branches): otherwise it never fires.",
        "routes[0].dispatch.forge names forge gh, which is not usable until its problems above are fixed.",
        "routes[0].dispatch needs exactly one of workflow (workflow_dispatch) or event-type (repository_dispatch).",
        "routes[0].dispatch.inputs.x uses unknown variable {{ pr.nmber }}; available here: source.forge, source.repo, source.owner, source.name, event.name, event.action, sha, ref, correlation_id.",
        "\`routes[0].report.status\` must be true or false (also yes/no, 1/0), not "maybe".",
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
        "\`routes[0].dispatch.event-type\` needs GitHub: Gitea has no repository_dispatch, so dispatch a workflow instead.",
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
        "routes[0].report.contxt is not a known key; use one of status, comment, context, status-per-target.",
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

  it('reads durations as the action and the CLI do: a bare number is seconds', () => {
    const config = parseConfig(
      {
        ...valid,
        worker: { 'poll-interval': '250ms', lease: 90, 'drain-timeout': '1m' },
        reconcile: { interval: '30', 'safety-interval': '5m', 'correlation-timeout': 120 },
      },
      { XRD_FORGE_GITEA_TOKEN: 't' },
    );
    expect(config.worker).toMatchObject({ pollIntervalMs: 250, leaseMs: 90_000, drainTimeoutMs: 60_000 });
    expect(config.reconcile).toEqual({
      intervalMs: 30_000,
      safetyIntervalMs: 300_000,
      correlationTimeoutMs: 120_000,
    });
  });

  it('refuses what the action and the CLI refuse, before the first pull request', () => {
    const [route] = valid.routes;
    const withDispatch = (dispatch: Record<string, unknown>) =>
      problems(
        { ...valid, routes: [{ ...route, dispatch: { ...route?.dispatch, ...dispatch } }] },
        { XRD_FORGE_GITEA_TOKEN: 't' },
      );
    expect([
      ...withDispatch({ workflow: 'build' }),
      ...withDispatch({ 'correlation-input': 'bad name!' }),
      ...withDispatch({ ref: '' }),
      ...withDispatch({ ref: '{{ pr.head.ref }} x' }),
      ...withDispatch({ ref: 'refs/heads/{{ pr.nmber }}' }),
      ...withDispatch({ inputs: { 'bad name': '{{ sha }}' } }),
      ...withDispatch({ inputs: ['a'] }),
      ...withDispatch({ repo: `acme/${'x'.repeat(101)}` }),
    ]).toMatchInlineSnapshot(`
      [
        "\`routes[0].dispatch.workflow\` must be a workflow file name ending in .yml or .yaml (e.g. build.yml) or a numeric id, not "build".",
        "\`routes[0].dispatch.correlation-input\` must be an input name such as correlation_id, not "bad name!".",
        "\`routes[0].dispatch.ref\` is empty; give it a value or leave it out.",
        "\`routes[0].dispatch.ref\` must be a branch, tag or commit git accepts (no spaces, control characters, ~ ^ : ? * [ \\ or ..), not "{{ pr.head.ref }} x".",
        "routes[0].dispatch.ref uses unknown variable {{ pr.nmber }}; available here: source.forge, source.repo, source.owner, source.name, event.name, event.action, sha, ref, correlation_id, pr.number, pr.title, pr.url, pr.head.sha, pr.head.ref, pr.base.ref.",
        "\`routes[0].dispatch.inputs\` has "bad name", which is not an input name (a letter or _, then letters, digits, - and _).",
        "\`routes[0].dispatch.inputs\` must be an object (key: value), not a list.",
        "\`routes[0].dispatch.repo\` has a repository name of 101 characters, but Gitea allows at most 100; check the value.",
      ]
    `);
    // Templates that are fine with their variables filled in pass, and are kept as written.
    const config = parseConfig(
      {
        ...valid,
        routes: [{ ...route, dispatch: { ...route?.dispatch, ref: ' {{ pr.head.ref }} ', workflow: 7 } }],
      },
      { XRD_FORGE_GITEA_TOKEN: 't' },
    );
    expect(config.routes[0]?.dispatch).toMatchObject({ ref: '{{ pr.head.ref }}', workflow: 7 });
  });

  it('names the environment variable a refused value came from', () => {
    expect(problems(valid, { XRD_FORGE_GITEA_TOKEN: 'ghp_a\nb' })).toMatchInlineSnapshot(`
      [
        "\`XRD_FORGE_GITEA_TOKEN\` contains a space, line break, control or non-ASCII character; put only the token itself there.",
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
