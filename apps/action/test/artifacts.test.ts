// examples/*/release-source.yml → release-target.yml, the bundled action through the runner protocol:
// the named artifact downloaded into artifacts-path/<name>, the remote outputs as a JSON output the
// next step reads with fromJSON, a zip with a path escape refused (nothing written outside), and an
// expired artifact reported in one sentence — on github.com, GHES 3.19 and Gitea 1.26.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectNoSecret, giteaRunner, githubRunner, hex } from './env.js';
import { runStep, type StepResult } from './runner.js';
import { control, type Sim, start } from './sim.js';
import { stepScript, workflowSpec, xrdStepWith } from './workflow.js';

const TOKEN = `github_pat_${hex(60, 'artifacts-token')}`;
const OUTPUTS = { version: '1.4.0', image: 'registry.example.com/acme/target:1.4.0' };
const FILES = {
  dist: { 'README.txt': 'acme/target 1.4.0\n', SHA256SUMS: `${'a'.repeat(64)}  dist/README.txt\n` },
  'xrd-outputs': { 'outputs.json': JSON.stringify(OUTPUTS) },
};

const CASES = [
  { dialect: 'github', example: 'github', owner: 'acme' },
  { dialect: 'ghes-3.19', example: 'github', owner: 'acme' },
  { dialect: 'gitea-1.26', example: 'gitea', owner: 'mporter' },
] as const;

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

for (const { dialect, example, owner } of CASES) {
  const repo = example === 'github' ? 'target' : 'dispatch-target';
  const source = `${example}/release-source.yml`;

  async function startWith(): Promise<Sim> {
    const target = await workflowSpec(`${example}/release-target.yml`, 'release-target.yml', {}, FILES);
    sim = await start({ dialect, seed: { repos: [{ owner, repo, workflows: [target] }] } });
    return sim;
  }

  async function release(s: Sim): Promise<StepResult> {
    const context = {
      inputs: { version: '1.4.0' },
      secrets: { DISPATCH_TOKEN: TOKEN },
      github: { repository: `${owner}/source`, sha: hex(40, 'sha'), event_name: 'workflow_dispatch' },
    };
    const vars = { repository: `${owner}/source`, sha: hex(40, 'sha'), eventName: 'workflow_dispatch' };
    const env = example === 'github' ? githubRunner(s, vars) : giteaRunner(s, vars);
    return runStep({ phase: 'main', with: await xrdStepWith(source, context), env, jobToken: 'job' });
  }

  describe(`${source} on ${dialect}`, () => {
    it('downloads dist into remote/dist and hands the outputs to the next step', async () => {
      const s = await startWith();
      const main = await release(s);
      expect(main.stderr).toBe('');
      expect(main.code).toBe(0);
      expect(main.outputs.conclusion).toBe('success');

      const dir = join(main.workdir, 'remote', 'dist');
      expect(JSON.parse(main.outputs.artifacts!)).toEqual([
        { name: 'dist', size: expect.any(Number), path: dir, files: 2 },
      ]);
      expect((await readdir(dir)).sort()).toEqual(['README.txt', 'SHA256SUMS']);
      expect(await readFile(join(dir, 'README.txt'), 'utf8')).toBe('acme/target 1.4.0\n');
      expect(JSON.parse(main.outputs['remote-outputs']!)).toEqual(OUTPUTS);
      expect(main.stdout).toContain(`downloaded artifact "dist" (2 files) to ${dir}`);

      // The example's next step, as the runner evaluates it: fromJSON on the output works.
      const script = await stepScript(source, 'Use the results', {
        steps: { xrd: { outputs: main.outputs } },
      });
      expect(script).toContain(example === 'github' ? 'version: 1.4.0' : 'released 1.4.0');
      expectNoSecret(main, TOKEN);
    });

    it('refuses a dist whose zip escapes its folder, writing nothing, after the run was reported', async () => {
      const s = await startWith();
      await control(s, 'POST', `/repos/${owner}/${repo}/workflows/release-target.yml/script`, {
        runs: [
          {
            artifacts: [
              {
                name: 'dist',
                entries: [
                  { name: 'README.txt', content: 'fine' },
                  { name: '../../evil.sh', content: 'echo pwned' },
                ],
              },
              { name: 'xrd-outputs', files: FILES['xrd-outputs'] },
            ],
          },
        ],
      });
      const main = await release(s);
      expect(main.code).toBe(1);
      expect(main.errors).toHaveLength(1);
      expect(main.errors[0]).toMatch(
        /^Artifact "dist" of \S+ run \d+ holds "\.\.\/\.\.\/evil\.sh", a path that leaves its folder; the archive was not extracted\.$/,
      );
      // The run's own result and outputs still came back.
      expect(main.outputs.conclusion).toBe('success');
      expect(JSON.parse(main.outputs['remote-outputs']!)).toEqual(OUTPUTS);
      expect(main.outputs.artifacts).toBeUndefined();
      expect(existsSync(join(main.workdir, 'evil.sh'))).toBe(false);
      // The archive was refused before anything was written: not even the folder exists.
      expect(existsSync(join(main.workdir, 'remote'))).toBe(false);
    });

    it('says in one sentence that an expired artifact cannot be downloaded', async () => {
      const s = await startWith();
      await control(s, 'POST', `/repos/${owner}/${repo}/workflows/release-target.yml/script`, {
        runs: [
          {
            artifacts: [
              { name: 'dist', files: FILES.dist, expired: true },
              { name: 'xrd-outputs', files: FILES['xrd-outputs'] },
            ],
          },
        ],
      });
      const main = await release(s);
      expect(main.code).toBe(1);
      expect(main.errors).toEqual([
        expect.stringMatching(
          /^Artifact "dist" of \S+ run \d+ expired on \d{4}-\d\d-\d\d: the forge no longer keeps it \(its retention period passed\); run the workflow again to produce it\.$/,
        ),
      ]);
      expect(main.stdout).not.toMatch(/at .*\.(js|ts):\d+/);
    });
  });
}
