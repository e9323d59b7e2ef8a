// A route with several targets (`dispatch.targets`): read by core's parseFanOutOptions, the same
// keys, defaults and sentences as the action's `targets` and the CLI's `--targets`, named by their
// key path; the service's own parts (a target's forge is a configured forge; templates) around it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseConfig } from './config.js';
import { planDispatches } from './plan.js';

const forges = [
  { name: 'gh', kind: 'github', 'api-url': 'https://api.github.com', token: 'ghp_x', 'webhook-secret': 's1' },
  {
    name: 'gitea',
    kind: 'gitea',
    'api-url': 'https://gitea.example.com',
    token: 't',
    'webhook-secret': 's2',
  },
];

function config(dispatch: Record<string, unknown>, report: Record<string, unknown> = {}) {
  return {
    forges,
    routes: [
      {
        name: 'all',
        when: { forge: 'gh', repo: 'acme/source', pull_request: true },
        dispatch: { forge: 'gh', workflow: 'build.yml', ...dispatch },
        report,
      },
    ],
  };
}

function problems(raw: unknown): readonly string[] {
  try {
    parseConfig(raw);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('a route with dispatch.targets', () => {
  it('reads the targets: defaults from the dispatch, a target on another configured forge, templates kept', () => {
    const route = parseConfig(
      config(
        {
          ref: '{{ pr.base.ref }}',
          inputs: { pr: '{{ pr.number }}', kind: 'all' },
          targets: [
            { repo: 'acme/app' },
            { repo: 'acme/lib', workflow: 'ci.yml', inputs: { kind: 'lib', sha: '{{ sha }}' } },
            { repo: 'acme/app', forge: 'gitea', ref: 'release/{{ pr.number }}' },
          ],
          'fail-fast': true,
          concurrency: 2,
        },
        { 'status-per-target': true },
      ),
    ).routes[0];
    expect(route?.report.context).toBe('xrd/targets');
    expect(route?.fanOut).toEqual({
      failFast: true,
      concurrency: 2,
      statusPerTarget: true,
      cancelOnTimeout: false,
      targets: [
        {
          name: 'acme/app build.yml #0',
          forge: 'gh',
          repo: { owner: 'acme', repo: 'app' },
          workflow: 'build.yml',
          ref: '{{ pr.base.ref }}',
          inputs: { pr: '{{ pr.number }}', kind: 'all' },
          context: 'xrd/acme/app/build#0',
        },
        {
          name: 'acme/lib ci.yml',
          forge: 'gh',
          repo: { owner: 'acme', repo: 'lib' },
          workflow: 'ci.yml',
          ref: '{{ pr.base.ref }}',
          inputs: { pr: '{{ pr.number }}', kind: 'lib', sha: '{{ sha }}' },
          context: 'xrd/acme/lib/ci',
        },
        {
          name: 'acme/app build.yml #2',
          forge: 'gitea',
          repo: { owner: 'acme', repo: 'app' },
          workflow: 'build.yml',
          ref: 'release/{{ pr.number }}',
          inputs: { pr: '{{ pr.number }}', kind: 'all' },
          context: 'xrd/acme/app/build#2',
        },
      ],
    });
  });

  it('reads one deadline for all targets only when given (a bare number is seconds)', () => {
    const given = parseConfig(
      config({ targets: [{ repo: 'acme/app' }], timeout: 90, 'cancel-on-timeout': true }),
    ).routes[0];
    expect(given?.fanOut).toMatchObject({ timeoutMs: 90_000, cancelOnTimeout: true });
    const none = parseConfig(config({ targets: [{ repo: 'acme/app' }] })).routes[0];
    expect(none?.fanOut?.timeoutMs).toBeUndefined();
    expect(problems(config({ repo: 'acme/app', timeout: 90 }))).toEqual([
      'routes[0].dispatch.timeout is only for a route with dispatch.targets: add the targets, or leave it out.',
    ]);
  });

  it('takes core defaults: no fail-fast, 4 dispatches at once, no status per target; api-url of a configured forge', () => {
    const route = parseConfig(
      config({
        targets: [{ repo: 'acme/app' }, { repo: 'acme/lib', 'api-url': 'https://gitea.example.com/' }],
      }),
    ).routes[0];
    expect(route?.fanOut).toMatchObject({ failFast: false, concurrency: 4, statusPerTarget: false });
    expect(route?.fanOut?.targets.map((t) => t.forge)).toEqual(['gh', 'gitea']);
  });

  it('plans one dispatch per target, grouped, each with its own correlation id and rendered templates', () => {
    const parsed = parseConfig(
      config(
        {
          inputs: { pr: '{{ pr.number }}' },
          targets: [{ repo: 'acme/app' }, { repo: 'acme/lib', ref: '{{ pr.head.ref }}' }],
        },
        { 'status-per-target': true },
      ),
    );
    const plans = planDispatches(
      parsed,
      'gh',
      {
        type: 'pull_request',
        action: 'opened',
        repo: 'acme/source',
        number: 7,
        title: 't',
        url: 'u',
        headSha: 'a'.repeat(40),
        headRef: 'feature/x',
        baseRef: 'main',
      },
      1,
    );
    expect(plans).toHaveLength(2);
    expect(new Set(plans.map((p) => p.fanOut?.key)).size).toBe(1);
    expect(new Set(plans.map((p) => p.correlationId)).size).toBe(2);
    expect(new Set(plans.map((p) => p.subjectKey)).size).toBe(2);
    expect(plans.map((p) => [p.targetRepo, p.targetRef, JSON.parse(p.inputs).pr])).toEqual([
      ['acme/app', 'main', '7'],
      ['acme/lib', 'feature/x', '7'],
    ]);
    expect(plans.map((p) => [p.reportContext, p.reportStatus, p.reportComment])).toEqual([
      ['xrd/acme/app/build', true, false],
      ['xrd/acme/lib/build', true, false],
    ]);
    expect(plans[0]?.fanOut).toMatchObject({
      index: 0,
      count: 2,
      context: 'xrd/targets',
      status: true,
      comment: true,
    });
  });

  it.each([
    [
      'an unknown key in a target',
      { targets: [{ repo: 'acme/app', wokflow: 'x.yml' }] },
      {},
      /^`routes\[0\]\.dispatch\.targets\[0\]` has "wokflow", which is not a target key; use repo, workflow/,
    ],
    [
      'a target without repo',
      { targets: [{ workflow: 'x.yml' }] },
      {},
      /^`routes\[0\]\.dispatch\.targets\[0\]` has no `repo`; every target needs one/,
    ],
    [
      'a target value refused as the option on its own',
      { targets: [{ repo: 'acme/app', workflow: 'build' }] },
      {},
      /^`routes\[0\]\.dispatch\.targets\[0\]\.workflow` must be a workflow file name/,
    ],
    [
      'dispatch.repo with targets',
      { repo: 'acme/app', targets: [{ repo: 'acme/lib' }] },
      {},
      /^`routes\[0\]\.dispatch\.repo` and `routes\[0\]\.dispatch\.targets` are both given; give the repository in each target instead\./,
    ],
    [
      'a token in a target',
      { targets: [{ repo: 'acme/app', token: 'ghp_secret' }] },
      {},
      /^`routes\[0\]\.dispatch\.targets\[0\]\.token` is not taken here: a target's token is its forge's, where the forge is configured\./,
    ],
    [
      'concurrency out of range',
      { targets: [{ repo: 'acme/app' }], concurrency: 0 },
      {},
      /^`routes\[0\]\.dispatch\.concurrency` must be a whole number from 1 to 20/,
    ],
    [
      'fail-fast not a switch',
      { targets: [{ repo: 'acme/app' }], 'fail-fast': 'sometimes' },
      {},
      /routes\[0\]\.dispatch\.fail-fast/,
    ],
    [
      'status-per-target without a status',
      { targets: [{ repo: 'acme/app' }] },
      { status: false, 'status-per-target': true },
      /^`routes\[0\]\.report\.status-per-target` puts a status per target on the source commit; set `routes\[0\]\.report\.status` as well, or leave it out\./,
    ],
    [
      'a timeout that is not a duration',
      { targets: [{ repo: 'acme/app' }], timeout: 'soon' },
      {},
      /^`routes\[0\]\.dispatch\.timeout` /,
    ],
    [
      'an empty list',
      { targets: [] },
      {},
      /^`routes\[0\]\.dispatch\.targets` is an empty list; give at least one target\./,
    ],
    [
      'an event type on Gitea',
      { workflow: undefined, targets: [{ repo: 'acme/app', forge: 'gitea', 'event-type': 'build' }] },
      {},
      /routes\[0\]\.dispatch\.targets\[0\]\.event-type/,
    ],
  ])('refuses %s in one sentence naming the key', (_what, dispatch, report, sentence) => {
    const found = problems(config(dispatch, report));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(sentence);
    expect(found[0]).not.toContain('ghp_secret');
    expect(found[0]).not.toMatch(/\n|at \w+ \(/);
  });

  it.each([
    [
      'a forge that is not configured',
      { targets: [{ repo: 'acme/app', forge: 'gitlab' }] },
      'routes[0].dispatch.targets[0].forge must name a forge from forges (gh, gitea), not "gitlab".',
    ],
    [
      'an api-url no configured forge has',
      { targets: [{ repo: 'acme/app', 'api-url': 'https://other.example.com' }] },
      'routes[0].dispatch.targets[0].api-url "https://other.example.com" is not the api-url of a configured forge: name one of forges (gh, gitea) with routes[0].dispatch.targets[0].forge instead.',
    ],
    [
      'a server-url',
      { targets: [{ repo: 'acme/app', 'server-url': 'https://gitea.example.com' }] },
      'routes[0].dispatch.targets[0].server-url is not taken here: name a configured forge with routes[0].dispatch.targets[0].forge (gh, gitea).',
    ],
    [
      'an expected-duration (a poll schedule the service does not keep)',
      { targets: [{ repo: 'acme/app', 'expected-duration': '10m' }] },
      "routes[0].dispatch.targets[0].expected-duration is not taken here: the service learns a run's end from the target's hooks (and checks every reconcile.interval), not from a poll schedule.",
    ],
    [
      'an unknown template variable',
      { targets: [{ repo: 'acme/app', inputs: { x: '{{ pr.nmber }}' } }] },
      /^routes\[0\]\.dispatch\.targets\[0\]\.inputs\.x uses unknown variable \{\{ pr\.nmber \}\}/,
    ],
    [
      'fail-fast without targets',
      { repo: 'acme/app', 'fail-fast': true },
      'routes[0].dispatch.fail-fast is only for a route with dispatch.targets: add the targets, or leave it out.',
    ],
  ])('refuses %s', (_what, dispatch, sentence) => {
    const found = problems(config(dispatch));
    expect(found).toHaveLength(1);
    if (typeof sentence === 'string') expect(found[0]).toBe(sentence);
    else expect(found[0]).toMatch(sentence);
  });

  it('refuses a target without a forge when the dispatch names none', () => {
    const raw = config({ targets: [{ repo: 'acme/app' }] });
    const dispatch = raw.routes[0]?.dispatch as Record<string, unknown>;
    delete dispatch.forge;
    expect(problems(raw)).toEqual([
      'routes[0].dispatch.targets[0] names no forge: set routes[0].dispatch.targets[0].forge, or routes[0].dispatch.forge for every target.',
    ]);
  });

  it("the README's fan-out example is a valid config", () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    const example = blocks.find((b) => b.includes('targets:'));
    expect(example).toBeDefined();
    const doc = parseYaml(example as string) as Record<string, unknown>;
    const parsed = parseConfig({ forges, ...doc });
    expect(parsed.routes[0]?.fanOut?.targets.length).toBeGreaterThan(1);
  });
});
