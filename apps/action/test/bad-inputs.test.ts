// Every bad input: one clear error naming the input, the step fails, and not one request reaches the
// forge (the simulator's counters stay at zero).
import { URL_PASSWORD } from '@xrd/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubRunner, hex } from './env.js';
import { runStep } from './runner.js';
import { control, type Sim, start, totalRequests } from './sim.js';

let sim: Sim;
beforeAll(async () => {
  sim = await start({ dialect: 'github' });
  await control(sim, 'POST', '/stats/reset');
});
afterAll(async () => {
  await sim?.close();
});

const valid = { repo: 'acme/target', workflow: 'build.yml', ref: 'main' };

// Each case: the `with:` of the step (`null` removes an input).
const CASES: Record<string, Record<string, string | null>> = {
  'repo missing': { repo: null },
  'repo without owner': { repo: 'target' },
  'repo with too many parts': { repo: 'acme/target/extra' },
  'owner contradicts repo': { owner: 'other' },
  'workflow and event-type': { 'event-type': 'build' },
  'neither workflow nor event_type': { workflow: null },
  'workflow not a file': { workflow: 'build' },
  'ref missing': { ref: null },
  'inputs not JSON': { inputs: '{"a": ' },
  'inputs a list': { inputs: '[1, 2]' },
  'client_payload with a workflow': { client_payload: '{"a": 1}' },
  'client-payload not an object': { workflow: null, 'event-type': 'build', 'client-payload': '[1]' },
  'event_type on gitea': {
    workflow: null,
    event_type: 'build',
    forge: 'gitea',
    'server-url': 'https://gitea.example.com',
  },
  'gitea target from a GitHub runner without server-url': { forge: 'gitea' },
  'unknown forge': { forge: 'gitlab' },
  'api-url not http': { 'api-url': 'ftp://example.com' },
  'server-url not a URL': { 'server-url': 'gitea.example.com' },
  'timeout malformed': { timeout: 'soon' },
  'workflow_status_timeout malformed': { workflow_status_timeout: 'soon' },
  'poll-interval too short': { 'poll-interval': '0' },
  'expected-duration malformed': { 'expected-duration': '10 minutes' },
  'max_runs zero': { max_runs: '0' },
  'max-runs and max_runs disagree': { 'max-runs': '3', max_runs: '7' },
  'fail-on unknown': { 'fail-on': 'success,bogus' },
  'correlation unknown': { correlation: 'magic' },
  'sha not a usable id': { sha: 'not a sha!' },
  'wait not a boolean': { wait: 'maybe' },
  'cancel-on-cancel not a boolean': { 'cancel-on-cancel': 'perhaps' },
  'report-status not a sha': { 'report-status': 'xyz' },
  'report-comment outside a pull request': { 'report-comment': 'true' },
  'source-repo malformed': { 'report-status': 'true', 'source-repo': 'source' },
  'token empty': { token: '' },
  // issue 20: refused here as in the CLI and the webhook config, before any request.
  'token with a line break': { token: 'ghp_first-half\nsecond-half' },
  'pat with a control character': { pat: 'ghp_\u0001x' },
  'repo name over the limit': { repo: `acme/${'x'.repeat(10_000)}` },
  'owner over the limit': { repo: `${'o'.repeat(40)}/target` },
  'ref git refuses': { ref: 'feature..x' },
  'api-url with a password': { 'api-url': `https://bot:${URL_PASSWORD}@example.com/api/v3` },
  'server-url with a password': { 'server-url': `https://bot:${URL_PASSWORD}@example.com` },
};

function stepWith(changes: Record<string, string | null>): Record<string, string> {
  const out: Record<string, string> = { ...valid };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

describe('bad inputs', () => {
  it('fail the step with one error naming the input, before any request', async () => {
    const env = githubRunner(sim, { repository: 'acme/source', sha: hex(40, 'bad'), eventName: 'push' });
    const messages: Record<string, string> = {};
    const names = Object.keys(CASES);
    // Two at a time: the machine has two cores.
    for (let i = 0; i < names.length; i += 2) {
      await Promise.all(
        names.slice(i, i + 2).map(async (name) => {
          const result = await runStep({
            phase: 'main',
            with: stepWith(CASES[name]!),
            env,
            jobToken: 'job-token',
          });
          expect(result.code, name).toBe(1);
          expect(result.stderr, name).toBe('');
          expect(result.errors, name).toHaveLength(1);
          expect(result.outputs, name).toEqual({});
          expect(result.stdout, name).not.toContain(URL_PASSWORD);
          // Nothing was dispatched, so a cancelled job's post step has nothing to cancel.
          expect(result.state, name).toEqual({ isPost: 'true', settled: 'true' });
          messages[name] = result.errors[0]!;
        }),
      );
    }
    expect(await totalRequests(sim)).toBe(0);
    expect(Object.fromEntries(names.map((n) => [n, messages[n]]))).toMatchInlineSnapshot(`
      {
        "api-url not http": "\`api-url\` must be an http(s) URL such as https://gitea.example.com, not "ftp://example.com".",
        "api-url with a password": "\`api-url\` must not contain a user name or password (user:password@); remove them from the URL and give the token as the token instead.",
        "cancel-on-cancel not a boolean": "\`cancel-on-cancel\` must be true or false (also yes/no, 1/0), not "perhaps".",
        "client-payload not an object": "\`client-payload\` must be a JSON object such as {"key": "value"}.",
        "client_payload with a workflow": "\`client_payload\` only applies to \`event-type\`; use \`inputs\` for a workflow dispatch.",
        "correlation unknown": "\`correlation\` must be auto, run-name or step-name, not "magic".",
        "event_type on gitea": "\`event_type\` needs GitHub: Gitea has no repository_dispatch, so dispatch a workflow instead.",
        "expected-duration malformed": "\`expected-duration\` must be a duration such as 600 (seconds), 30s, 10m or 1h, not "10 minutes".",
        "fail-on unknown": "\`fail-on\` has an unknown conclusion "bogus"; use \`never\` or a comma list of success, failure, cancelled, skipped, timed_out, action_required, neutral, stale, startup_failure.",
        "gitea target from a GitHub runner without server-url": "\`server-url\` is required for gitea: the address of your server, e.g. https://gitea.example.com.",
        "inputs a list": "\`inputs\` must be an object (key: value), not a list.",
        "inputs not JSON": "\`inputs\` is not valid JSON (Unexpected end of JSON input); give a JSON object or key: value lines.",
        "max-runs and max_runs disagree": "Inputs \`max-runs\` and \`max_runs\` are both set and differ; \`max_runs\` is the cross-repo-dispatch name of \`max-runs\`, so set only one of them.",
        "max_runs zero": "\`max_runs\` must be a whole number from 1 to 100, not "0".",
        "neither workflow nor event_type": "\`workflow\` is required: the workflow file to dispatch, e.g. build.yml (or give \`event-type\` for a repository_dispatch).",
        "owner contradicts repo": "\`owner\` "other" contradicts \`repo\` "acme/target"; drop \`owner\` or make them agree.",
        "owner over the limit": "\`repo\` has an owner name of 40 characters, but GitHub allows at most 39; check the value.",
        "pat with a control character": "\`pat\` contains a space, line break, control or non-ASCII character; put only the token itself there.",
        "poll-interval too short": "\`poll-interval\` must be at least 1s, not "0".",
        "ref git refuses": "\`ref\` must be a branch, tag or commit git accepts (no spaces, control characters, ~ ^ : ? * [ \\ or ..), not "feature..x".",
        "ref missing": "\`ref\` is required: the branch, tag or commit of the target to run, e.g. main.",
        "repo missing": "\`repo\` is required: the target repository as owner/name, e.g. acme/target.",
        "repo name over the limit": "\`repo\` has a repository name of 10000 characters, but GitHub allows at most 100; check the value.",
        "repo with too many parts": "\`repo\` must look like owner/name, e.g. acme/target, not "acme/target/extra".",
        "repo without owner": "\`repo\` must be owner/name, e.g. my-org/target, or set \`owner\` as well.",
        "report-comment outside a pull request": "\`report-comment\` is true but no pull request is known here; give the pull request number instead.",
        "report-status not a sha": "\`report-status\` must be true, false or a commit sha (7–64 hex digits), not "xyz".",
        "server-url not a URL": "\`server-url\` must be an http(s) URL such as https://gitea.example.com, not "gitea.example.com".",
        "server-url with a password": "\`server-url\` must not contain a user name or password (user:password@); remove them from the URL and give the token as the token instead.",
        "sha not a usable id": "\`sha\` may only contain letters, digits, ".", "_" and "-" (at most 100), not "not a sha!".",
        "source-repo malformed": "\`source-repo\` must look like owner/name, e.g. acme/target, not "source".",
        "timeout malformed": "\`timeout\` must be a duration such as 600 (seconds), 30s, 10m or 1h, not "soon".",
        "token empty": "Input \`token\` is empty; pass a token that may dispatch workflows in acme/target, e.g. \`token: \${{ secrets.DISPATCH_TOKEN }}\`.",
        "token with a line break": "\`token\` contains a space, line break, control or non-ASCII character; put only the token itself there.",
        "unknown forge": "\`forge\` must be github, gitea or forgejo, not "gitlab".",
        "wait not a boolean": "\`wait\` must be true or false (also yes/no, 1/0), not "maybe".",
        "workflow and event-type": "Give either \`workflow\` or \`event-type\`, not both.",
        "workflow not a file": "\`workflow\` must be a workflow file name ending in .yml or .yaml (e.g. build.yml) or a numeric id, not "build".",
        "workflow_status_timeout malformed": "\`workflow_status_timeout\` must be a duration such as 600 (seconds), 30s, 10m or 1h, not "soon".",
      }
    `);
  });
});
