// The artifacts part of the contract: through core's runFlow and the adapter under test, a finished
// run's artifacts come home — listed with links, the ones asked for extracted, the remote outputs
// read — with the same requests on every dialect that has an artifacts API, and one clear
// refusal where the server has none (Gitea 1.24, whose artifacts API wants a run id it never shows).
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArtifactError,
  createMeter,
  type ForgeKind,
  parseRunOptions,
  type RunResult,
  runFlow,
  UnsupportedByServerError,
} from '@xrd/core';
import { type Dialect, startSim } from '@xrd/forge-sim';
import { describe, expect, it } from 'vitest';
import { CONTRACT_TIME_SCALE, type ForgeContractOptions, scaledTime } from './contract.js';

const kindOf = (dialect: string): ForgeKind =>
  dialect === 'forgejo' ? 'forgejo' : dialect.startsWith('gitea') ? 'gitea' : 'github';

export function describeArtifactsContract(options: ForgeContractOptions): void {
  const dialect = options.dialect as Dialect;

  async function release(raw: Record<string, string>, before?: (sim: { url: string }) => Promise<void>) {
    const sim = await startSim({ dialect, timeScale: CONTRACT_TIME_SCALE });
    try {
      const forge = options.createForge({ apiUrl: sim.apiUrl, url: sim.url });
      await before?.(sim);
      const dir = await mkdtemp(join(tmpdir(), 'xrd-contract-artifacts-'));
      const meter = createMeter();
      let result: RunResult | undefined;
      const flow = runFlow(
        forge,
        parseRunOptions({
          forge: kindOf(dialect),
          'api-url': sim.apiUrl,
          repo: 'acme/target',
          workflow: 'release.yml',
          ref: 'main',
          'artifacts-path': dir,
          ...raw,
        }),
        {
          ...scaledTime(),
          meter,
          onResult: (finished) => {
            result = finished;
          },
        },
      );
      const error = await flow.then(
        () => undefined,
        (e: unknown) => e,
      );
      // Every link opens (the sim is still up): a download page, or the run's page.
      const pages = await Promise.all(
        (result?.artifacts ?? []).map(async (a) => (await fetch(a.htmlUrl)).status),
      );
      return { dir, meter, result, error, stats: sim.stats(), pages };
    } finally {
      await sim.close();
    }
  }

  describe(`artifacts contract on forge-sim (${options.dialect})`, () => {
    it('downloads the named artifacts, reads the remote outputs, and links every artifact', async () => {
      const got = await release({ 'download-artifacts': 'dist\ntest-*', 'remote-outputs': 'true' });
      if (dialect === 'gitea-1.24') {
        expect(got.error).toBeInstanceOf(UnsupportedByServerError);
        expect((got.error as Error).message).toBe(
          'Gitea 1.24.7 has no API for the artifacts of run 1 that xrd can use (Gitea 1.25 has), so they cannot be listed or downloaded; open the run in the web UI.',
        );
        expect(got.result?.conclusion).toBe('success');
        return;
      }
      expect(got.error).toBeUndefined();
      expect(got.result?.remoteOutputs).toEqual({
        version: '1.4.0',
        image: 'registry.example.com/acme/target:1.4.0',
        tests: 12,
      });
      expect((await readdir(got.dir)).sort()).toEqual(['dist', 'test-report']);
      expect(await readFile(join(got.dir, 'dist', 'docs', 'CHANGELOG.md'), 'utf8')).toBe(
        '# 1.4.0\n\n- Faster builds\n',
      );
      const artifacts = got.result?.artifacts ?? [];
      expect(artifacts.map((a) => [a.name, a.files ?? null]).sort()).toEqual([
        ['dist', 3],
        ['test-report', 1],
        ['xrd-outputs', null],
      ]);
      const run = got.result?.htmlUrl ?? '';
      for (const a of artifacts) expect(a.htmlUrl.startsWith(run)).toBe(true);
      // GitHub and Gitea have a download page per artifact; Forgejo's link is the run's page.
      expect(got.pages).toEqual([200, 200, 200]);
      // Per artifact: one API request (GitHub, Gitea: 302; Forgejo: the zip), plus, where the forge
      // redirects, one storage request GitHub does not count. Three downloads, one list.
      const storage = got.meter.cost().requests - got.meter.cost().counted - got.meter.cost().notModified;
      expect(storage).toBe(dialect === 'forgejo' ? 0 : 3);
      const byRoute = Object.entries(got.stats.byRoute);
      const listed = byRoute.filter(([route]) => route.endsWith('/artifacts')).map(([, s]) => s.total);
      expect(listed).toEqual([1]);
      const downloads = byRoute
        .filter(([route]) => /\/artifacts\/\{artifact_id\}\/(zip|\{archive_format\})$/.test(route))
        .map(([, s]) => s.total);
      expect(downloads).toEqual([3]);
    });

    it('refuses an expired artifact by name, without downloading it', async () => {
      if (dialect === 'gitea-1.24') return;
      const got = await release({ 'download-artifacts': 'dist' }, async (sim) => {
        // release.yml's next run uploads a dist that has already expired.
        await fetch(`${sim.url}/_sim/repos/acme/target/workflows/release.yml/script`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            runs: [{ artifacts: [{ name: 'dist', files: { a: 'a' }, expired: true }] }],
          }),
        });
      });
      expect(got.error).toBeInstanceOf(ArtifactError);
      expect((got.error as ArtifactError).problem).toBe('expired');
      expect((got.error as Error).message).toMatch(
        /^Artifact "dist" of acme\/target run \d+ expired on \d{4}-\d\d-\d\d: the forge no longer keeps it/,
      );
      expect(await readdir(got.dir)).toEqual([]);
      const downloads = Object.entries(got.stats.byRoute).filter(([route]) =>
        route.includes('{artifact_id}'),
      );
      expect(downloads).toEqual([]);
    });
  });
}
