// Every bad input: one clear error naming the input, the step fails, and not one request reaches the
// forge (the simulator's counters stay at zero).
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
  'event-type on gitea': { workflow: null, event_type: 'build', forge: 'gitea' },
  'unknown forge': { forge: 'gitlab' },
  'api-url not http': { 'api-url': 'ftp://example.com' },
  'server-url not a URL': { 'server-url': 'gitea.example.com' },
  'timeout malformed': { timeout: 'soon' },
  'workflow_status_timeout malformed': { workflow_status_timeout: 'soon' },
  'poll-interval too short': { 'poll-interval': '0' },
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
          // Nothing was dispatched, so a cancelled job's post step has nothing to cancel.
          expect(result.state, name).toEqual({ isPost: 'true', settled: 'true' });
          messages[name] = result.errors[0]!;
        }),
      );
    }
    expect(await totalRequests(sim)).toBe(0);
    expect(Object.fromEntries(names.map((n) => [n, messages[n]]))).toMatchInlineSnapshot();
  });
});
