// Artifacts and remote outputs through the built `xrd` against forge-sim's release.yml (dist,
// test-report, xrd-outputs): `xrd dispatch --download-artifacts … --remote-outputs`, `--outputs-env`,
// `xrd artifacts RUN`, a zip with a path escape (exit 8, nothing written), an expired artifact
// (exit 8, one sentence) — on github.com, GHES 3.19 and Gitea 1.26.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dialect } from '@xrd/forge-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { at, control, dispatchArgs, json, Sims, xrd } from './harness.js';

const sims = new Sims(20);
afterAll(() => sims.closeAll());

const TOKEN = { XRD_TOKEN: 'e2e-token-artifacts-0123' };
const FAST = ['--interval', '1s'];
const OUTPUTS = { version: '1.4.0', image: 'registry.example.com/acme/target:1.4.0', tests: 12 };

const tempDir = () => mkdtemp(join(tmpdir(), 'xrd-cli-artifacts-'));

// One simulator per dialect: the dialects run side by side, and the tests of one dialect one after
// the other (the path-escape test scripts the next release.yml run of its simulator).
describe.concurrent.each(['github', 'ghes-3.19', 'gitea-1.26'] as Dialect[])(
  'artifacts with xrd on %s',
  (dialect) => {
    it.sequential('dispatch --download-artifacts (names and globs) --remote-outputs --json', async () => {
      const sim = await sims.get(dialect);
      const dir = await tempDir();
      const r = await xrd(
        dispatchArgs(
          sim,
          'release.yml',
          ...FAST,
          '--download-artifacts',
          'dist',
          '--download-artifacts',
          'test-*',
          '--artifacts-dir',
          dir,
          '--remote-outputs',
          '--json',
        ),
        { env: TOKEN },
      );
      expect(r.stderr).not.toContain(TOKEN.XRD_TOKEN);
      expect(r.code).toBe(0);
      const doc = json(r);
      const artifacts = doc.artifacts as { name: string; path?: string; files?: number; htmlUrl: string }[];
      const run = doc.run as { htmlUrl: string };
      expect(doc.remoteOutputs).toEqual(OUTPUTS);
      expect(artifacts.map((a) => [a.name, a.path ?? null, a.files ?? null])).toEqual(
        expect.arrayContaining([
          ['dist', join(dir, 'dist'), 3],
          ['test-report', join(dir, 'test-report'), 1],
          ['xrd-outputs', null, null],
        ]),
      );
      for (const a of artifacts) expect(a.htmlUrl.startsWith(run.htmlUrl)).toBe(true);
      expect(await readFile(join(dir, 'dist', 'docs', 'CHANGELOG.md'), 'utf8')).toBe(
        '# 1.4.0\n\n- Faster builds\n',
      );
      expect(await readFile(join(dir, 'test-report', 'junit.xml'), 'utf8')).toContain('tests="12"');
    });

    it.sequential('dispatch --outputs-env prints only KEY=value lines on stdout', async () => {
      const sim = await sims.get(dialect);
      const r = await xrd(dispatchArgs(sim, 'release.yml', ...FAST, '--outputs-env'), { env: TOKEN });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('version=1.4.0\nimage=registry.example.com/acme/target:1.4.0\ntests=12\n');
      const both = await xrd(dispatchArgs(sim, 'release.yml', '--outputs-env', '--json'), { env: TOKEN });
      expect(both.code).toBe(2);
      expect(json(both).error).toMatchObject({ code: 'INVALID_INPUT' });
    });

    it.sequential('refuses a dist with a path escape: exit 8, one sentence, nothing written; the run still reported', async () => {
      const sim = await sims.get(dialect);
      await control(sim, 'POST', 'repos/acme/target/workflows/release.yml/script', {
        runs: [
          {
            artifacts: [
              {
                name: 'dist',
                entries: [
                  { name: 'ok.txt', content: 'fine' },
                  { name: '../../../../tmp/evil.sh', content: 'echo pwned' },
                ],
              },
            ],
          },
        ],
      });
      const dir = await tempDir();
      const r = await xrd(
        dispatchArgs(
          sim,
          'release.yml',
          ...FAST,
          '--download-artifacts',
          'dist',
          '--artifacts-dir',
          dir,
          '--json',
        ),
        { env: TOKEN },
      );
      expect(r.code).toBe(8);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(
        /^xrd: Artifact "dist" of acme\/target run \d+ holds "\.\.\/\.\.\/\.\.\/\.\.\/tmp\/evil\.sh", a path that leaves its folder; the archive was not extracted\.$/,
      );
      const doc = json(r);
      expect(doc).toMatchObject({
        ok: false,
        exitCode: 8,
        error: { code: 'ARTIFACT' },
        run: { conclusion: 'success' },
      });
      expect(await readdir(dir)).toEqual([]);
      expect(existsSync('/tmp/evil.sh')).toBe(false);
    });

    it.sequential('xrd artifacts RUN lists with links, downloads, and reports an expired artifact in one sentence', async () => {
      const sim = await sims.get(dialect);
      const done = await xrd(dispatchArgs(sim, 'release.yml', ...FAST, '--json'), { env: TOKEN });
      const run = json(done).run as { id: number; htmlUrl: string };
      const runs = (await control(sim, 'GET', 'runs')) as {
        id: number;
        artifacts: { id: number; name: string }[];
      }[];
      const artifacts = runs.find((x) => x.id === run.id)?.artifacts ?? [];

      const dir = await tempDir();
      // `xrd artifacts RUN --repo acme/target --download dist --artifacts-dir DIR`
      const download = (into: string) =>
        xrd(
          [
            'artifacts',
            String(run.id),
            ...at(sim),
            '--repo',
            'acme/target',
            '--download',
            'dist',
            '--artifacts-dir',
            into,
          ],
          { env: TOKEN },
        );
      const listed = await download(dir);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(`acme/target run ${run.id}: 3 artifact(s)`);
      expect(listed.stdout).toMatch(
        new RegExp(
          `artifact dist \\(\\d+(\\.\\d)? (B|KiB)\\) → ${join(dir, 'dist')} ${run.htmlUrl}/artifacts/`,
        ),
      );
      expect(listed.stdout).toContain('artifact test-report (');
      expect((await readdir(join(dir, 'dist'))).sort()).toEqual([
        'README.txt',
        'app-linux-x64.tar.gz.sha256',
        'docs',
      ]);

      const dist = artifacts.find((a) => a.name === 'dist')!;
      await control(sim, 'POST', `artifacts/${dist.id}/expire`);
      const expired = await download(await tempDir());
      expect(expired.code).toBe(8);
      expect(expired.stdout).toContain('artifact dist (expired)');
      expect(expired.stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(
          `^xrd: Artifact "dist" of acme/target run ${run.id} expired on \\d{4}-\\d\\d-\\d\\d: the forge no longer keeps it \\(its retention period passed\\); run the workflow again to produce it\\.$`,
        ),
      );
    });
  },
);
