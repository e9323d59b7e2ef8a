// biome-ignore-all lint/suspicious/noExplicitAny: test answers are untyped JSON.
// Artifacts per dialect: the run's list (validated against each forge's description, paged the
// forge's way), the download (GitHub: 302 to signed storage that takes no token, 410 once expired;
// Gitea: 302 to its signed raw route, 404 once expired; Forgejo 16: the zip itself, 404 once
// expired), and the zip as upload-artifact v4 writes it.
import { createHash } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sim, startSim } from './sim.js';
import { call, waitFor } from './test-support/http.js';
import {
  forgejoResponseValidator,
  giteaResponseValidator,
  githubResponseValidator,
} from './test-support/schemas.js';
import type { Dialect, SimSeed } from './types.js';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const T = '/repos/acme/target';
const R = '/repos/{owner}/{repo}';

const seed = (count: number): SimSeed => ({
  repos: [
    {
      owner: 'acme',
      repo: 'target',
      workflows: [
        {
          file: 'many.yml',
          on: { workflow_dispatch: {} },
          jobs: [{ name: 'build', steps: ['Build'], durationMs: 100 }],
          artifacts: Array.from({ length: count }, (_, i) => ({
            name: `part-${i + 1}`,
            files: { [`part-${i + 1}.txt`]: `part ${i + 1}\n` },
          })),
        },
      ],
    },
  ],
});

function expectValid(v: ValidateFunction, body: unknown, what: string): void {
  if (!v(body)) throw new Error(`${what} does not match the spec: ${JSON.stringify(v.errors?.slice(0, 5))}`);
}

/** Dispatches the sample's release.yml (or `file`) and waits for its run to complete. */
async function completedRun(s: Sim, file = 'release.yml'): Promise<any> {
  const sent = await call(s.apiUrl, 'POST', `${T}/actions/workflows/${file}/dispatches`, { ref: 'main' });
  expect(sent.status).toBeLessThan(300);
  return waitFor(async () => {
    const all = (await call(s.url, 'GET', '/_sim/runs')).body as any[];
    const run = all.find((r) => r.workflow === file);
    return run?.status === 'completed' ? run : undefined;
  });
}

const validators: Record<string, (method: string, template: string, status: number) => ValidateFunction> = {
  github: githubResponseValidator,
  'ghes-3.19': githubResponseValidator,
  'gitea-1.25': giteaResponseValidator,
  'gitea-1.26': giteaResponseValidator,
  forgejo: forgejoResponseValidator,
};

describe.each(['github', 'ghes-3.19', 'gitea-1.25', 'gitea-1.26', 'forgejo'] as Dialect[])(
  'artifacts on %s',
  (dialect) => {
    const gh = dialect === 'github' || dialect.startsWith('ghes');
    const runParam = gh ? '{run_id}' : dialect === 'forgejo' ? '{run_id}' : '{run}';
    const list = async (s: Sim, runId: number, query = '') => {
      const r = await call(s.apiUrl, 'GET', `${T}/actions/runs/${runId}/artifacts${query}`);
      expect(r.status).toBe(200);
      expectValid(
        validators[dialect]!('GET', `${R}/actions/runs/${runParam}/artifacts`, 200),
        r.body,
        'list',
      );
      return { answer: r, items: (dialect === 'forgejo' ? r.body : r.body.artifacts) as any[] };
    };

    it('lists what a successful run uploaded, in the forge shape; a failed run uploaded nothing', async () => {
      sim = await startSim({ dialect, timeScale: 200 });
      const run = await completedRun(sim);
      const { answer, items } = await list(sim, run.id);
      expect(items.map((a) => a.name).sort()).toEqual(['dist', 'test-report', 'xrd-outputs']);
      expect(run.artifacts.map((a: any) => a.name).sort()).toEqual(['dist', 'test-report', 'xrd-outputs']);
      const dist = items.find((a) => a.name === 'dist');
      const url = `${sim.apiUrl}/repos/acme/target/actions/artifacts/${dist.id}`;
      expect(dist.archive_download_url).toBe(`${url}/zip`);
      expect(dist.expired).toBe(false);
      // GitHub's ids are large; Gitea's small row ids. Neither is the run's id.
      expect(dist.id).not.toBe(run.id);
      if (dialect === 'forgejo') {
        expect(Object.keys(dist).sort()).toEqual([
          'archive_download_url',
          'created_at',
          'expired',
          'expires_at',
          'id',
          'name',
          'run_id',
          'size_in_bytes',
          'updated_at',
        ]);
        expect(dist.run_id).toBe(run.id);
        expect(answer.headers.get('x-total-count')).toBe('3');
      } else {
        expect(dist.url).toBe(url);
        expect(dist.workflow_run.id).toBe(run.id);
        expect(answer.body.total_count).toBe(3);
        if (!gh) expect(Object.keys(dist.workflow_run).sort()).toEqual(['head_sha', 'id', 'repository_id']);
      }
      expect(Object.hasOwn(dist, 'digest')).toBe(dialect === 'github');
      const single = await call(sim.apiUrl, 'GET', `${T}/actions/artifacts/${dist.id}`);
      expect(single.body).toEqual(dist);
      const named = await list(sim, run.id, '?name=dist');
      expect(named.items.map((a) => a.name)).toEqual(['dist']);
      const failed = await completedRun(sim, 'fail.yml');
      expect((await list(sim, failed.id)).items).toEqual([]);
    });

    it('serves the zip as upload-artifact v4 wrote it, the way the forge does', async () => {
      sim = await startSim({ dialect, timeScale: 200 });
      const run = await completedRun(sim);
      const { items } = await list(sim, run.id);
      const dist = items.find((a) => a.name === 'dist');
      const first = await call(sim.apiUrl, 'GET', `${T}/actions/artifacts/${dist.id}/zip`);
      let zip: Buffer;
      if (dialect === 'forgejo') {
        expect(first.status).toBe(200);
        expect(first.headers.get('content-type')).toBe('application/zip');
        zip = Buffer.from(
          await (
            await fetch(`${sim.apiUrl}${T}/actions/artifacts/${dist.id}/zip`, {
              headers: { authorization: 'token t' },
            })
          ).arrayBuffer(),
        );
      } else {
        expect(first.status).toBe(302);
        const location = first.headers.get('location')!;
        if (gh)
          expect(location).toMatch(new RegExp(`^${sim.url}/_sim/blobs/artifacts/${dist.id}\\?se=\\d+&sig=`));
        else
          expect(location).toMatch(
            new RegExp(
              `^${sim.url}/api/v1/repos/acme/target/actions/artifacts/${dist.id}/zip/raw\\?sig=.+&expires=\\d+$`,
            ),
          );
        // Signed: no token needed; a tampered signature is refused.
        const got = await fetch(location);
        expect(got.status).toBe(200);
        zip = Buffer.from(await got.arrayBuffer());
        const tampered = await fetch(location.replace(/sig=[^&]+/, 'sig=forged'));
        expect(tampered.status).toBe(gh ? 403 : 401);
        if (gh) {
          // Storage takes the signature, not a token.
          expect((await fetch(location, { headers: { authorization: 'token t' } })).status).toBe(403);
        }
      }
      expect(zip.length).toBe(dist.size_in_bytes);
      expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
      // Streamed: general-purpose bit 3 set, sizes 0 in the local header (they follow the data).
      expect(zip.readUInt16LE(6) & 0x8).toBe(0x8);
      expect(zip.readUInt32LE(18)).toBe(0);
      if (dialect === 'github') {
        expect(dist.digest).toBe(`sha256:${createHash('sha256').update(zip).digest('hex')}`);
      }
      // The run page's download link serves it too.
      const page = gh ? dist.id : 'dist';
      const web = await fetch(
        `${sim.url}/acme/target/actions/runs/${gh ? run.id : run.runNumber}/artifacts/${page}`,
      );
      expect(Buffer.from(await web.arrayBuffer()).equals(zip)).toBe(true);
    });

    it('an expired artifact stays listed, and its download is refused', async () => {
      sim = await startSim({ dialect, timeScale: 200 });
      const run = await completedRun(sim);
      const dist = run.artifacts.find((a: any) => a.name === 'dist');
      const expired = await call(sim.url, 'POST', `/_sim/artifacts/${dist.id}/expire`);
      expect(expired.body).toEqual({ id: dist.id, name: 'dist', expired: true });
      const { items } = await list(sim, run.id);
      expect(items.find((a) => a.name === 'dist').expired).toBe(true);
      const download = await call(sim.apiUrl, 'GET', `${T}/actions/artifacts/${dist.id}/zip`);
      if (gh) {
        expect(download.status).toBe(410);
        expectValid(
          githubResponseValidator('GET', `${R}/actions/artifacts/{artifact_id}/{archive_format}`, 410),
          download.body,
          '410',
        );
      } else {
        expect(download.status).toBe(404);
        expect(download.body.message).toBe(
          dialect === 'forgejo' ? 'artifact not confirmed' : 'Artifact has expired',
        );
      }
    });

    it(`pages the list (${gh ? 'per_page ≤ 100 and a Link' : 'limit ≤ 50'})`, async () => {
      sim = await startSim({ dialect, timeScale: 200, seed: seed(60) });
      const run = await completedRun(sim, 'many.yml');
      const size = gh ? 'per_page' : 'limit';
      const first = await list(sim, run.id, `?${size}=50&page=1`);
      const second = await list(sim, run.id, `?${size}=50&page=2`);
      expect(first.items).toHaveLength(50);
      expect(second.items).toHaveLength(10);
      const names = new Set([...first.items, ...second.items].map((a) => a.name));
      expect(names.size).toBe(60);
      if (gh || dialect === 'forgejo') expect(first.answer.headers.get('link')).toContain('rel="next"');
      else expect(first.answer.body.total_count).toBe(60);
      // Gitea caps a page at 50 (MaxResponseItems).
      if (!gh) expect((await list(sim, run.id, '?limit=100')).items).toHaveLength(50);
    });
  },
);

describe('GitHub artifact download fidelity', () => {
  it('answers 302 per the spec, 404 for an unknown archive format', async () => {
    sim = await startSim({ dialect: 'github', timeScale: 200 });
    const run = await completedRun(sim, 'build.yml');
    const [only] = run.artifacts;
    expect(only.name).toBe('build-output');
    expect((await call(sim.apiUrl, 'GET', `${T}/actions/artifacts/${only.id}/zip`)).status).toBe(302);
    expect((await call(sim.apiUrl, 'GET', `${T}/actions/artifacts/${only.id}/tar`)).status).toBe(404);
    // The 302 is an API request (counted); storage is not the API (not in the stats at all).
    const stats = sim.stats();
    expect(
      stats.byRoute['GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}']?.counted,
    ).toBe(2);
  });
});
