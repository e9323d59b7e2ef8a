// Every bad input: exit 2, exactly one sentence on stderr (no stack trace), nothing on stdout, and no
// request reaches the forge (the simulator's request counter stays at 0).
import { URL_PASSWORD } from '@xrd/core/testing';
import type { Sim } from '@xrd/forge-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { control, json, resetStats, Sims, xrd } from './harness.js';

const sims = new Sims(20);
let sim: Sim;
beforeAll(async () => {
  sim = await sims.get('github');
});
afterAll(() => sims.closeAll());
beforeEach(() => resetStats(sim));

const TOKEN = { XRD_TOKEN: 'e2e-token-0123456789' };

interface BadCase {
  readonly name: string;
  /** argv; `SIM` is replaced by the simulator's API URL. */
  readonly args: readonly string[];
  readonly message: string;
  readonly env?: Record<string, string>;
}

const D = ['dispatch', '--api-url', 'SIM', '--repo', 'acme/target', '--workflow', 'build.yml'];

const CASES: readonly BadCase[] = [
  {
    name: 'no --repo',
    args: ['dispatch', '--api-url', 'SIM', '--workflow', 'build.yml'],
    message: 'xrd: `--repo` is required: the target repository as owner/name, e.g. acme/target.',
  },
  {
    name: '--repo without owner',
    args: ['dispatch', '--api-url', 'SIM', '--repo', 'nope', '--workflow', 'build.yml'],
    message: 'xrd: `--repo` must be owner/name, e.g. my-org/nope, or set `--owner` as well.',
  },
  {
    name: '--repo with too many parts',
    args: ['dispatch', '--api-url', 'SIM', '--repo', 'a/b/c', '--workflow', 'build.yml'],
    message: 'xrd: `--repo` must look like owner/name, e.g. acme/target, not "a/b/c".',
  },
  {
    name: 'neither --workflow nor --event-type',
    args: ['dispatch', '--api-url', 'SIM', '--repo', 'acme/target'],
    message:
      'xrd: `--workflow` is required: the workflow file to dispatch, e.g. build.yml (or give `--event-type` for a repository_dispatch).',
  },
  {
    name: 'both --workflow and --event-type',
    args: [...D, '--event-type', 'build'],
    message: 'xrd: Give either `--workflow` or `--event-type`, not both.',
  },
  {
    name: '--workflow that is no file name',
    args: ['dispatch', '--api-url', 'SIM', '--repo', 'acme/target', '--workflow', 'build'],
    message:
      'xrd: `--workflow` must be a workflow file name ending in .yml or .yaml (e.g. build.yml) or a numeric id, not "build".',
  },
  {
    name: '--forge not in the list',
    args: [...D, '--forge', 'gitlab'],
    message: 'xrd: `--forge` must be github, gitea or forgejo, not "gitlab".',
  },
  {
    name: 'gitea without --server',
    args: ['dispatch', '--forge', 'gitea', '--repo', 'acme/target', '--workflow', 'build.yml'],
    message:
      'xrd: `--server` is required for gitea: the address of your server, e.g. https://gitea.example.com.',
  },
  {
    name: '--event-type on gitea',
    args: [
      'dispatch',
      '--forge',
      'gitea',
      '--server',
      'SIM',
      '--repo',
      'acme/target',
      '--event-type',
      'build',
    ],
    message:
      'xrd: `--event-type` needs GitHub: Gitea has no repository_dispatch, so dispatch a workflow instead.',
  },
  {
    name: '--server that is no URL',
    args: ['dispatch', '--server', 'notaurl', '--repo', 'acme/target', '--workflow', 'build.yml'],
    message: 'xrd: `--server` must be an http(s) URL such as https://gitea.example.com, not "notaurl".',
  },
  {
    name: '--timeout that is no duration',
    args: [...D, '--timeout', 'abc'],
    message: 'xrd: `--timeout` must be a duration such as 600 (seconds), 30s, 10m or 1h, not "abc".',
  },
  {
    name: '--expected-duration that is no duration',
    args: [...D, '--expected-duration', 'soon'],
    message:
      'xrd: `--expected-duration` must be a duration such as 600 (seconds), 30s, 10m or 1h, not "soon".',
  },
  {
    name: '--interval below a second',
    args: [...D, '--interval', '10ms'],
    message: 'xrd: `--interval` must be at least 1s, not "10ms".',
  },
  {
    name: '--fail-on with an unknown conclusion',
    args: [...D, '--fail-on', 'failure,bogus'],
    message:
      'xrd: `--fail-on` has an unknown conclusion "bogus"; use `never` or a comma list of success, failure, cancelled, skipped, timed_out, action_required, neutral, stale, startup_failure.',
  },
  {
    name: '--input without =',
    args: [...D, '--input', 'novalue'],
    message:
      'xrd: --input "novalue" is not KEY=VALUE; write it as --input name=value (repeat --input for more).',
  },
  {
    name: '--inputs-json that is a list',
    args: [...D, '--inputs-json', '[1]'],
    message: 'xrd: `--inputs-json` must be an object (key: value), not a list.',
  },
  {
    name: '--client-payload with a workflow dispatch',
    args: [...D, '--client-payload', '{}'],
    message: 'xrd: `--client-payload` only applies to `--event-type`; use `--input` for a workflow dispatch.',
  },
  {
    name: '--client-payload that is no JSON',
    args: [
      'dispatch',
      '--api-url',
      'SIM',
      '--repo',
      'acme/target',
      '--event-type',
      'build',
      '--client-payload',
      '[]',
    ],
    message: 'xrd: `--client-payload` must be a JSON object such as {"key": "value"}.',
  },
  {
    name: '--max-runs 0',
    args: [...D, '--max-runs', '0'],
    message: 'xrd: `--max-runs` must be a whole number from 1 to 100, not "0".',
  },
  {
    name: '--correlation not in the list',
    args: [...D, '--correlation', 'time'],
    message: 'xrd: `--correlation` must be auto, run-name or step-name, not "time".',
  },
  {
    name: '--correlation-id with a space',
    args: [...D, '--correlation-id', 'has space'],
    message:
      'xrd: `--correlation-id` may only contain letters, digits, ".", "_" and "-" (at most 100), not "has space".',
  },
  {
    name: '--report-status that is no sha',
    args: [...D, '--report-status', 'xyz', '--source-repo', 'acme/source'],
    message: 'xrd: `--report-status` must be true, false or a commit sha (7–64 hex digits), not "xyz".',
  },
  {
    name: '--report-comment that is no number',
    args: [...D, '--report-comment', 'abc', '--source-repo', 'acme/source'],
    message: 'xrd: `--report-comment` must be true, false or a pull request number, not "abc".',
  },
  {
    name: '--report-status without --source-repo',
    args: [...D, '--report-status', 'abcdef1'],
    message: 'xrd: `--source-repo` is required to report back: the repository to report to, as owner/name.',
  },
  {
    name: '--ref with a space',
    args: [...D, '--ref', 'a b'],
    message:
      'xrd: `--ref` must be a branch, tag or commit git accepts (no spaces, control characters, ~ ^ : ? * [ \\ or ..), not "a b".',
  },
  // issue 20: an empty value given on purpose is refused, not taken for "not given".
  {
    name: "--ref ''",
    args: [...D, '--ref', ''],
    message: 'xrd: `--ref` is empty; give it a value or leave it out.',
  },
  {
    name: "--correlation-id ''",
    args: [...D, '--correlation-id', ''],
    message: 'xrd: `--correlation-id` is empty; give it a value or leave it out.',
  },
  {
    name: 'a repository name of 10,000 characters',
    args: ['dispatch', '--api-url', 'SIM', '--repo', `acme/${'x'.repeat(10_000)}`, '--workflow', 'build.yml'],
    message:
      'xrd: `--repo` has a repository name of 10000 characters, but GitHub allows at most 100; check the value.',
  },
  {
    name: "an owner name over GitHub's 39 characters",
    args: ['dispatch', '--api-url', 'SIM', '--repo', `${'o'.repeat(40)}/target`, '--workflow', 'build.yml'],
    message:
      'xrd: `--repo` has an owner name of 40 characters, but GitHub allows at most 39; check the value.',
  },
  {
    name: 'an API URL with a password',
    args: [
      'dispatch',
      '--api-url',
      `http://bot:${URL_PASSWORD}@127.0.0.1:1`,
      '--repo',
      'acme/target',
      '--workflow',
      'build.yml',
    ],
    message:
      'xrd: `--api-url` must not contain a user name or password (user:password@); remove them from the URL and give the token as the token instead.',
  },
  {
    name: 'a run URL with a password',
    args: ['status', `http://bot:${URL_PASSWORD}@127.0.0.1:1/repos/acme/target/actions/runs/5`],
    message:
      'xrd: `RUN` must not contain a user name or password (user:password@); remove them from the URL and give the token as the token instead.',
  },
  {
    name: 'no token anywhere',
    args: D,
    env: {},
    message:
      'xrd: No token found for github: set one of $XRD_TOKEN, $GH_TOKEN, $GITHUB_TOKEN, or pass --token-env NAME or --token-file PATH.',
  },
  {
    name: '--token-env naming an unset variable',
    args: [...D, '--token-env', 'NOT_SET'],
    message:
      'xrd: --token-env names $NOT_SET, which is not set or empty; export it or choose another variable.',
  },
  {
    name: '--token-file that does not exist',
    args: [...D, '--token-file', '/nonexistent/token'],
    message: 'xrd: --token-file "/nonexistent/token" cannot be read; check the path and its permissions.',
  },
  {
    // A pasted token with a line break in the middle used to fail as "Could not reach GitHub …
    // check the API URL and the network" (exit 6): fetch refuses such a header value.
    name: 'a token with a line break inside',
    args: [...D, '--token-env', 'MY_TOKEN'],
    env: { MY_TOKEN: 'ghp_first-half\nsecond-half' },
    message:
      'xrd: `$MY_TOKEN` contains a space, line break, control or non-ASCII character; put only the token itself there.',
  },
  {
    name: 'a token with a control character',
    args: D,
    env: { XRD_TOKEN: 'e2e\u0001token' },
    message:
      'xrd: `$XRD_TOKEN` contains a space, line break, control or non-ASCII character; put only the token itself there.',
  },
  {
    name: 'two token sources',
    args: [...D, '--token', 'abc', '--token-env', 'XRD_TOKEN'],
    message: 'xrd: Give the token one way only: --token-env NAME, --token-file PATH or --token VALUE.',
  },
  {
    name: 'an unknown flag',
    args: [...D, '--bogus'],
    message: "xrd: unknown option '--bogus'; see `xrd dispatch --help`.",
  },
  {
    name: 'a flag without its value',
    args: ['dispatch', '--api-url', 'SIM', '--repo', 'acme/target', '--workflow'],
    message: "xrd: option '--workflow <file|id>' argument missing; see `xrd dispatch --help`.",
  },
  {
    name: 'an unknown command',
    args: ['wat'],
    message: "xrd: unknown command 'wat' (Did you mean wait?); see `xrd --help`.",
  },
  {
    name: 'wait without RUN',
    args: ['wait'],
    message: "xrd: missing required argument 'run'; see `xrd wait --help`.",
  },
  {
    name: 'RUN that is neither id nor URL',
    args: ['status', 'abc'],
    message:
      'xrd: RUN "abc" is neither a run id nor an http(s) URL; give a run id with --repo OWNER/NAME, or a run URL such as https://github.com/OWNER/NAME/actions/runs/123.',
  },
  {
    name: 'RUN id without --repo',
    args: ['wait', '5', '--api-url', 'SIM'],
    message: 'xrd: RUN "5" is a bare run id, so --repo OWNER/NAME is needed to say where it ran.',
  },
  {
    name: 'RUN URL that is no run',
    args: ['logs', 'SIM/acme/target/pull/5'],
    message:
      'xrd: RUN "SIM/acme/target/pull/5" is not a workflow run URL (expected …/OWNER/NAME/actions/runs/ID); give a run id with --repo OWNER/NAME, or a run URL such as https://github.com/OWNER/NAME/actions/runs/123.',
  },
  {
    name: 'RUN web URL of a self-hosted server without --forge',
    args: ['cancel', 'SIM/acme/target/actions/runs/5'],
    message:
      'xrd: The run URL SIM could be GitHub Enterprise or Gitea/Forgejo; pass --forge github, gitea or forgejo.',
  },
  {
    name: 'RUN URL and a different --repo',
    args: ['status', 'SIM/repos/acme/target/actions/runs/5', '--repo', 'other/repo'],
    message:
      "xrd: --repo other/repo does not match the run URL's repository acme/target; drop --repo or fix the URL.",
  },
  {
    name: 'wait with --expected-duration below a second',
    args: ['wait', '5', '--repo', 'acme/target', '--api-url', 'SIM', '--expected-duration', '500ms'],
    message: 'xrd: `--expected-duration` must be at least 1s, not "500ms".',
  },
  {
    name: 'wait with a bad --timeout',
    args: ['wait', '5', '--repo', 'acme/target', '--api-url', 'SIM', '--timeout', 'never'],
    message: 'xrd: `--timeout` must be a duration such as 600 (seconds), 30s, 10m or 1h, not "never".',
  },
  {
    name: 'cancel without a token',
    args: ['cancel', '5', '--repo', 'acme/target', '--api-url', 'SIM'],
    env: {},
    message:
      'xrd: No token found for github: set one of $XRD_TOKEN, $GH_TOKEN, $GITHUB_TOKEN, or pass --token-env NAME or --token-file PATH.',
  },
  {
    name: 'completion for an unknown shell',
    args: ['completion', 'tcsh'],
    message:
      "xrd: command-argument value 'tcsh' is invalid for argument 'shell'; allowed choices are bash, zsh, fish; see `xrd completion --help`.",
  },
  {
    name: 'demo with an unknown dialect',
    args: ['demo', '--dialect', 'gitlab'],
    message:
      "xrd: option '--dialect <name>' argument 'gitlab' is invalid; allowed choices are github, ghes-3.19, gitea-1.24, gitea-1.25, gitea-1.26, forgejo; see `xrd demo --help`.",
  },
  {
    name: 'demo with a bad --time-scale',
    args: ['demo', '--time-scale', '0'],
    message: 'xrd: --time-scale "0" must be a number above 0 and at most 10000, e.g. --time-scale 10.',
  },
];

async function requestsSeen(): Promise<number> {
  const stats = (await control(sim, 'GET', 'stats')) as { requests: { total: number } };
  return stats.requests.total;
}

describe('bad input', () => {
  it.each(CASES)('$name → exit 2, one sentence, no request', async ({ args, message, env }) => {
    const argv = args.map((a) => a.replaceAll('SIM', sim.apiUrl));
    const r = await xrd(argv, { env: env ?? TOKEN });
    expect(r.stderr).toBe(`${message.replaceAll('SIM', sim.apiUrl)}\n`);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stderr).not.toContain(URL_PASSWORD);
    expect(await requestsSeen()).toBe(0);
  });

  it('with --json, a bad input still gives one JSON document on stdout', async () => {
    const viaCore = await xrd(['dispatch', '--api-url', sim.apiUrl, '--workflow', 'build.yml', '--json'], {
      env: TOKEN,
    });
    expect(viaCore.code).toBe(2);
    expect(json(viaCore)).toEqual({
      schemaVersion: 1,
      command: 'dispatch',
      ok: false,
      exitCode: 2,
      error: {
        code: 'INVALID_INPUT',
        message: '`--repo` is required: the target repository as owner/name, e.g. acme/target.',
      },
    });
    const viaCommander = await xrd(['dispatch', '--json', '--bogus'], { env: TOKEN });
    expect(viaCommander.code).toBe(2);
    expect(json(viaCommander)).toMatchObject({ ok: false, exitCode: 2, error: { code: 'INVALID_INPUT' } });
    expect(await requestsSeen()).toBe(0);
  });

  it('a token passed with --token works but warns, and is never printed', async () => {
    const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const r = await xrd(
      [...D.map((a) => (a === 'SIM' ? sim.apiUrl : a)), '--token', token, '--interval', '1s', '--json'],
      { env: {} },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'warning: a token passed with --token is visible in your shell history and the process list; prefer --token-env NAME or --token-file PATH.',
    );
    expect(r.stdout + r.stderr).not.toContain(token);
  });

  it('--quiet silences progress, not warnings', async () => {
    const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const r = await xrd(
      [...D.map((a) => (a === 'SIM' ? sim.apiUrl : a)), '--token', token, '--no-wait', '-q'],
      {
        env: {},
      },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatchInlineSnapshot(`
      "warning: a token passed with --token is visible in your shell history and the process list; prefer --token-env NAME or --token-file PATH.
      "
    `);
    expect(r.stdout + r.stderr).not.toContain(token);
  });
});
