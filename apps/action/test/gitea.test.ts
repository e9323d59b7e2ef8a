// The Gitea dispatch-source / dispatch-target walkthrough, with the copy-ready workflows in
// examples/gitea: PR → pending status → build-from-pr.yml with the PR's four inputs → success
// status and the comment `**dispatch-target build success** — [run log](…)`; a second push repeats
// the cycle (the same comment, edited); a failing build flips the status to failure with matching
// comment text. The target holds no token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecret, giteaRunner, hex } from './env.js';
import { runStep, type StepResult } from './runner.js';
import { commentsOn, control, runs, type Sim, start, statusesOf } from './sim.js';
import { workflowSpec, xrdStepWith } from './workflow.js';

const TOKEN = hex(40, 'gitea-dispatch-token');
const SOURCE = 'mporter/dispatch-source';

for (const dialect of ['gitea-1.26', 'gitea-1.25'] as const) {
  describe(`the dispatch-source walkthrough on ${dialect}`, () => {
    let sim: Sim;
    const heads = [hex(40, `${dialect} first`), hex(40, `${dialect} second`), hex(40, `${dialect} third`)];

    beforeAll(async () => {
      const target = await workflowSpec('gitea/build-from-pr.yml', 'build-from-pr.yml');
      sim = await start({
        dialect,
        seed: {
          repos: [
            { owner: 'mporter', repo: 'dispatch-target', workflows: [target] },
            {
              owner: 'mporter',
              repo: 'dispatch-source',
              pulls: [{ number: 1, head: { ref: 'feature/x', sha: heads[0]! } }],
            },
          ],
        },
      });
    });
    afterAll(async () => {
      await sim?.close();
    });

    async function pullRequestEvent(action: string, sha: string): Promise<StepResult> {
      const event = {
        action,
        number: 1,
        pull_request: { number: 1, head: { sha, ref: 'feature/x' }, base: { ref: 'main' } },
        repository: { full_name: SOURCE },
      };
      const context = {
        secrets: { DISPATCH_TOKEN: TOKEN },
        github: { repository: SOURCE, sha: hex(40, `merge ${sha}`), event_name: 'pull_request', event },
      };
      const withInputs = await xrdStepWith('gitea/dispatch-build.yml', context);
      const env = giteaRunner(sim, {
        repository: SOURCE,
        sha: hex(40, `merge ${sha}`),
        eventName: 'pull_request',
      });
      return runStep({ phase: 'main', with: withInputs, env, event, jobToken: 'gitea-job-token' });
    }

    const statuses = (sha: string) => statusesOf(sim, SOURCE, sha);
    const comments = () => commentsOn(sim, SOURCE, 1);

    it('PR opened: pending, build-from-pr.yml with the four inputs, then success and the comment', async () => {
      const main = await pullRequestEvent('opened', heads[0]!);
      expect(main.stderr).toBe('');
      expect(main.code).toBe(0);

      const all = await runs(sim);
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({
        workflow: 'build-from-pr.yml',
        event: 'workflow_dispatch',
        headBranch: 'main',
        conclusion: 'success',
        inputs: { pr_number: '1', pr_head_sha: heads[0], pr_head_ref: 'feature/x', source_repo: SOURCE },
      });
      expect(main.outputs['run-id']).toBe(String(all[0]!.id));

      const htmlUrl = main.outputs['html-url']!;
      expect(htmlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mporter\/dispatch-target\/actions\/runs\/\d+$/);
      expect((await statuses(heads[0]!)).map((s) => [s.state, s.context, s.targetUrl])).toEqual([
        ['success', 'dispatch-target/build', htmlUrl],
        ['pending', 'dispatch-target/build', htmlUrl],
      ]);
      const [comment, ...more] = await comments();
      expect(more).toEqual([]);
      expect(comment!.body).toContain(`**dispatch-target build success** — [run log](${htmlUrl})`);
      expectNoSecret(main, TOKEN);
    });

    it('a second push repeats the cycle on the new head and edits the same comment', async () => {
      const before = await comments();
      await control(sim, 'POST', `/repos/${SOURCE}/pulls/1/push`, { sha: heads[1] });
      const main = await pullRequestEvent('synchronize', heads[1]!);
      expect(main.code).toBe(0);

      const htmlUrl = main.outputs['html-url']!;
      expect((await statuses(heads[1]!)).map((s) => [s.state, s.targetUrl])).toEqual([
        ['success', htmlUrl],
        ['pending', htmlUrl],
      ]);
      const after = await comments();
      expect(after.map((c) => c.id)).toEqual(before.map((c) => c.id));
      expect(after[0]!.body).toContain(`**dispatch-target build success** — [run log](${htmlUrl})`);
      expect((await runs(sim)).find((r) => String(r.id) === main.outputs['run-id'])?.inputs).toMatchObject({
        pr_head_sha: heads[1],
      });
    });

    it('a failing build flips the status to failure, with matching comment text, and fails the step', async () => {
      await control(sim, 'POST', '/repos/mporter/dispatch-target/workflows/build-from-pr.yml/script', {
        runs: [{ conclusion: 'failure' }],
      });
      await control(sim, 'POST', `/repos/${SOURCE}/pulls/1/push`, { sha: heads[2] });
      const main = await pullRequestEvent('synchronize', heads[2]!);
      expect(main.code).toBe(1);

      const htmlUrl = main.outputs['html-url']!;
      expect(main.outputs.conclusion).toBe('failure');
      expect((await statuses(heads[2]!)).map((s) => s.state)).toEqual(['failure', 'pending']);
      const [comment, ...more] = await comments();
      expect(more).toEqual([]);
      expect(comment!.body).toContain(`**dispatch-target build failure** — [run log](${htmlUrl})`);

      // The step fails with the run, naming it.
      expect(main.errors.at(-1)).toBe(`The run ${htmlUrl} concluded failure.`);
      expect(main.summary).toContain('❌ failure');
    });
  });
}
