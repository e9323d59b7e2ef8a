// The action's bundle on every Node a runner may start it with: GitHub runs it on the Node that
// action.yml's `runs.using` names, but Gitea's act_runner runs it on whatever `node` the job's
// container has (20, 22 or 24 on today's images). Each case runs examples/github/source.yml's xrd
// step through the runner protocol against forge-sim on that Node.
//
// Which Nodes must work is package.json's `engines.node`, the one place that says it; a Node outside
// it is expected to fail (`it.fails`), so this file needs no edit when the range moves, and a Node
// that starts working while still outside the range fails here until the range says so.
// Node 20 is inside since both adapters send through the platform's fetch (no bundled undici,
// whose 8.x called zlib.createZstdDecompress at load, a Node 22.15 API).
import { readFileSync } from 'node:fs';
import { satisfies } from '@xrd/tools/node-engines';
import { nodeRuntime } from '@xrd/tools/node-versions';
import { afterEach, describe, expect, it } from 'vitest';
import { githubRunner, hex } from './env.js';
import { runStep } from './runner.js';
import { runs, type Sim, start } from './sim.js';
import { workflowSpec, xrdStepWith } from './workflow.js';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  engines: { node: string };
};
const SHA = hex(40, 'node-versions');

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe.each([20, 22, 24] as const)('the action bundle on Node %i', (major) => {
  const runtime = nodeRuntime(major);
  const supported = satisfies(runtime.version, engines.node);
  const test = supported ? it : it.fails;

  test(`dispatches, waits and sets its outputs (Node ${runtime.version}, ${supported ? 'supported' : 'outside engines.node: expected to fail'})`, async () => {
    const target = await workflowSpec('github/target.yml', 'target.yml');
    sim = await start({
      dialect: 'github',
      seed: {
        repos: [
          { owner: 'acme', repo: 'target', workflows: [target] },
          { owner: 'acme', repo: 'source' },
        ],
      },
    });
    const context = {
      secrets: { DISPATCH_TOKEN: 'ghp_node_versions_token' },
      github: { repository: 'acme/source', sha: SHA, event_name: 'push', event: {} },
    };
    const result = await runStep({
      phase: 'main',
      node: runtime.binary,
      with: await xrdStepWith('github/source.yml', context),
      env: githubRunner(sim, { repository: 'acme/source', sha: SHA, eventName: 'push' }),
      jobToken: 'ghs_jobtoken',
    });
    expect({ code: result.code, stderr: result.stderr, errors: result.errors }).toEqual({
      code: 0,
      stderr: '',
      errors: [],
    });
    const [run] = await runs(sim);
    expect(result.outputs).toMatchObject({
      'run-id': String(run?.id),
      status: 'completed',
      conclusion: 'success',
    });
  });
});
