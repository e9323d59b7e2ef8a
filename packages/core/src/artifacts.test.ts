// Bringing a run's results home: selection, safe extraction, digests, expiry, remote outputs, and
// the flow that reports the run before an artifact problem fails it.
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createZip } from '@xrd/forge-sim';
import { describe, expect, it } from 'vitest';
import {
  collectRunResults,
  extractArchive,
  parseOutputs,
  type ResultsRequest,
  selectArtifacts,
} from './artifacts.js';
import type { ProgressEvent } from './engine-types.js';
import { ArtifactError, UnsupportedByServerError } from './errors.js';
import { runFlow } from './flow.js';
import { createMeter } from './meter.js';
import { renderComment } from './report.js';
import { parseRunOptions } from './run-options.js';
import { targetForge } from './test-support.js';
import type { MemoryArtifactSpec } from './testing/memory-forge.js';

const LIMITS = { maxEntries: 100, maxFileBytes: 1_000_000, maxTotalBytes: 2_000_000 };
const dist = createZip([
  { name: 'app.js', content: 'console.log(1)\n' },
  { name: 'lib/util.js', content: 'export {}\n' },
]);
const outputs = (json: string) => createZip([{ name: 'outputs.json', content: json }]);
const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const tempDir = () => mkdtemp(join(tmpdir(), 'xrd-artifacts-'));

/** A finished run of build.yml in acme/target that uploaded `artifacts`. */
async function finishedRun(artifacts: MemoryArtifactSpec[], forgeOptions: { artifacts?: boolean } = {}) {
  const { clock, forge } = targetForge(true, { artifacts });
  if (forgeOptions.artifacts === false) {
    const { createMemoryForge } = await import('./testing/memory-forge.js');
    const bare = createMemoryForge({ now: clock.now, artifacts: false });
    const id = bare.addRun({ repo: 'acme/target', workflow: 'build.yml', artifacts });
    return {
      forge: bare,
      run: { repo: { owner: 'acme', repo: 'target' }, runId: id, htmlUrl: 'https://h/r' },
    };
  }
  const id = forge.addRun({ repo: 'acme/target', workflow: 'build.yml', createdAt: clock.now() - 60_000 });
  clock.advance(1);
  const run = forge.runs().find((r) => r.id === id)!;
  return { forge, run: { repo: { owner: 'acme', repo: 'target' }, runId: id, htmlUrl: run.htmlUrl } };
}

describe('selectArtifacts', () => {
  it('takes exact names and globs, and says which patterns matched nothing', () => {
    const list = ['dist-linux', 'dist-mac', 'report', 'xrd-outputs'].map((name) => ({ name }));
    expect(selectArtifacts(list, ['dist-*', 'report', 'rep?rt', 'missing', 'x*y']).selected).toEqual([
      { name: 'dist-linux' },
      { name: 'dist-mac' },
      { name: 'report' },
    ]);
    expect(selectArtifacts(list, ['dist-*', 'missing', 'x*y']).unmatched).toEqual(['missing', 'x*y']);
    // Regex characters in names are literal.
    expect(selectArtifacts([{ name: 'a.b' }, { name: 'axb' }], ['a.b']).selected).toEqual([{ name: 'a.b' }]);
  });
});

describe('extractArchive', () => {
  it('extracts into <dir>/<name> and replaces files of the same path on a second download', async () => {
    const dir = await tempDir();
    const first = await extractArchive(dist, dir, 'dist', LIMITS, 'Artifact "dist"');
    expect(first).toEqual({ path: join(dir, 'dist'), files: 2 });
    await writeFile(join(dir, 'dist', 'kept.txt'), 'mine');
    const again = createZip([{ name: 'app.js', content: 'v2' }]);
    await extractArchive(again, dir, 'dist', LIMITS, 'Artifact "dist"');
    expect(await readFile(join(dir, 'dist', 'app.js'), 'utf8')).toBe('v2');
    expect(await readFile(join(dir, 'dist', 'lib', 'util.js'), 'utf8')).toBe('export {}\n');
    expect(await readFile(join(dir, 'dist', 'kept.txt'), 'utf8')).toBe('mine');
    // No temporary folder is left behind.
    expect((await readdir(dir)).sort()).toEqual(['dist']);
  });

  it('writes nothing at all when one entry escapes or fails, and leaves nothing behind', async () => {
    const dir = await tempDir();
    const escaping = createZip([
      { name: 'ok.txt', content: 'fine' },
      { name: '../../evil.sh', content: 'x' },
    ]);
    await expect(extractArchive(escaping, dir, 'dist', LIMITS, 'Artifact "dist"')).rejects.toMatchObject({
      code: 'ARTIFACT',
      problem: 'unsafe',
    });
    const bomb = createZip([
      { name: 'ok.txt', content: 'fine' },
      { name: 'bomb', content: '\0'.repeat(1_000_000), declaredSize: 10 },
    ]);
    await expect(extractArchive(bomb, dir, 'dist', LIMITS, 'Artifact "dist"')).rejects.toMatchObject({
      problem: 'unsafe',
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a symbolic link in the way instead of writing through it', async () => {
    const dir = await tempDir();
    const outside = await tempDir();
    await mkdir(join(dir, 'dist'));
    await symlink(outside, join(dir, 'dist', 'lib'));
    await expect(extractArchive(dist, dir, 'dist', LIMITS, 'Artifact "dist"')).rejects.toThrow(
      /would be extracted through the symbolic link .*lib; remove it or choose another folder\./,
    );
    expect(await readdir(outside)).toEqual([]);
    expect((await lstat(join(dir, 'dist', 'lib'))).isSymbolicLink()).toBe(true);
    await expect(extractArchive(dist, dir, '..', LIMITS, 'Artifact ".."')).rejects.toMatchObject({
      problem: 'unsafe',
    });
  });
});

describe('parseOutputs', () => {
  it('reads the JSON object of outputs.json', () => {
    expect(parseOutputs(outputs('{"version":"1.2.3","count":3}'), 'x')).toEqual({
      version: '1.2.3',
      count: 3,
    });
  });

  it.each([
    [createZip([{ name: 'other.json', content: '{}' }]), 'holds no outputs.json at its top level'],
    [outputs('{"version":'), 'outputs.json is not valid JSON'],
    [outputs('["a"]'), 'holds an array, not a JSON object'],
    [outputs('"text"'), 'holds a string, not a JSON object'],
    [createZip([{ name: 'outputs.json', content: 'x'.repeat(2 * 1024 * 1024) }]), 'more than the limit'],
  ])('refuses what is not an object of outputs (%#)', (zip, said) => {
    expect(() => parseOutputs(zip, 'Artifact "xrd-outputs"')).toThrow(said);
  });
});

describe('collectRunResults', () => {
  const request = (over: Partial<ResultsRequest>, dir: string): ResultsRequest => ({
    download: [],
    dir,
    outputs: false,
    ...over,
  });

  it('lists every artifact with its link, downloads the ones asked for and reads the outputs', async () => {
    const dir = await tempDir();
    const { forge, run } = await finishedRun([
      { name: 'dist', zip: dist, digest: sha256(dist) },
      { name: 'report', zip: createZip([{ name: 'r.txt', content: 'r' }]) },
      { name: 'xrd-outputs', zip: outputs('{"version":"1.2.3"}') },
    ]);
    const meter = createMeter();
    const got = await collectRunResults(
      forge,
      run,
      request({ download: ['dist', 'nothing-*'], outputs: true }, dir),
      {
        meter,
      },
    );
    expect(got.error).toBeUndefined();
    expect(got.outputs).toEqual({ version: '1.2.3' });
    expect(got.notes).toEqual(['No artifact of acme/target run 1000 matches "nothing-*".']);
    expect(got.artifacts.map((a) => [a.name, a.path, a.files, a.htmlUrl])).toEqual([
      ['dist', join(dir, 'dist'), 2, `${run.htmlUrl}/artifacts/100001`],
      ['report', undefined, undefined, `${run.htmlUrl}/artifacts/100002`],
      ['xrd-outputs', undefined, undefined, `${run.htmlUrl}/artifacts/100003`],
    ]);
    // One list, and per download one counted request and one uncounted storage request.
    expect(meter.cost()).toMatchObject({ requests: 5, counted: 3 });
  });

  it('reports a missing name, an expired artifact and a digest mismatch, and still brings the rest', async () => {
    const dir = await tempDir();
    const { forge, run } = await finishedRun([
      { name: 'dist', zip: dist },
      { name: 'old', zip: dist, expired: true },
      { name: 'tampered', zip: dist, digest: `sha256:${'0'.repeat(64)}` },
    ]);
    const got = await collectRunResults(
      forge,
      run,
      request({ download: ['dist', 'old', 'tampered', 'nope'] }, dir),
    );
    expect(got.artifacts.find((a) => a.name === 'dist')?.path).toBe(join(dir, 'dist'));
    expect(got.error).toBeInstanceOf(ArtifactError);
    const message = got.error?.message ?? '';
    expect(message).toContain(
      'acme/target run 1000 has no artifact named "nope" (its artifacts: dist, old, tampered); check the name the target uploads.',
    );
    expect(message).toContain(
      'Artifact "old" of acme/target run 1000 expired: the forge no longer keeps it (its retention period passed); run the workflow again to produce it.',
    );
    expect(message).toContain('Artifact "tampered" of acme/target run 1000 does not match its digest');
    // The expired artifact was never requested from the forge.
    expect(forge.calls.filter((c) => c.method === 'downloadArtifact').map((c) => c.args[1])).toEqual([
      100001, 100003,
    ]);
    expect((await readdir(dir)).sort()).toEqual(['dist']);
  });

  it('says so when the run published no outputs, and refuses a forge without an artifacts API', async () => {
    const dir = await tempDir();
    const { forge, run } = await finishedRun([{ name: 'dist', zip: dist }]);
    const got = await collectRunResults(forge, run, request({ outputs: true }, dir));
    expect(got.outputs).toEqual({});
    expect(got.notes).toEqual([
      'acme/target run 1000 published no xrd-outputs artifact, so it has no remote outputs.',
    ]);
    const old = await finishedRun([], { artifacts: false });
    await expect(
      collectRunResults(old.forge, old.run, request({ outputs: true }, dir)),
    ).rejects.toBeInstanceOf(UnsupportedByServerError);
  });
});

describe('runFlow with results', () => {
  it('hands the outputs and artifacts to onResult and the comment, then fails on an unsafe archive', async () => {
    const dir = await tempDir();
    const evil = createZip([{ name: '../evil.sh', content: 'rm -rf ~' }]);
    const { clock, forge } = targetForge(true, {
      artifacts: [
        { name: 'dist', zip: dist },
        { name: 'evil', zip: evil },
        { name: 'xrd-outputs', zip: outputs('{"version":"1.2.3","url":"https://x/a|b"}') },
      ],
    });
    const events: ProgressEvent[] = [];
    let seen: unknown;
    const run = runFlow(
      forge,
      parseRunOptions({
        repo: 'acme/target',
        workflow: 'build.yml',
        ref: 'main',
        'download-artifacts': 'dist\nevil',
        'artifacts-path': dir,
        'remote-outputs': 'true',
        'report-comment': '7',
        'source-repo': 'acme/source',
      }),
      {
        now: clock.now,
        sleep: clock.sleep,
        onProgress: (e) => events.push(e),
        onResult: (result) => {
          seen = { outputs: result.remoteOutputs, paths: result.artifacts?.map((a) => a.path ?? null) };
        },
      },
    );
    await expect(run).rejects.toThrow(/Artifact "evil" of acme\/target run \d+ holds "\.\.\/evil\.sh"/);
    expect(seen).toEqual({
      outputs: { version: '1.2.3', url: 'https://x/a|b' },
      paths: [join(dir, 'dist'), null, null],
    });
    expect(
      events.filter((e) => e.type === 'artifact').map((e) => e.type === 'artifact' && e.artifact.name),
    ).toEqual(['dist']);
    // The run was reported (its verdict stands) before the artifact problem failed the flow.
    const body = forge.comments[0]?.body ?? '';
    expect(body).toContain('| output | value |');
    expect(body).toContain('| version | `1.2.3` |');
    expect(body).toContain('| url | `https://x/a\\|b` |');
    expect(body).toMatch(/\*\*Artifacts:\*\* \[dist\]\(.*\/artifacts\/\d+\) \(\d+ B\) · \[evil\]/);
    expect(body).not.toContain('[xrd-outputs]');
  });
});

describe('renderComment', () => {
  it('shows no outputs or artifacts sections when none were asked for', () => {
    const body = renderComment({
      repo: { owner: 'a', repo: 'b' },
      runId: 1,
      status: 'completed',
      conclusion: 'success',
      url: 'u',
      htmlUrl: 'h',
      run: { id: 1, status: 'completed', conclusion: 'success', createdAt: '', url: 'u', htmlUrl: 'h' },
      jobs: [],
      failedJobs: [],
      durationMs: 1000,
      apiCost: { requests: 0, counted: 0, notModified: 0 },
    });
    expect(body).not.toContain('Outputs');
    expect(body).not.toContain('Artifacts');
  });
});

describe('the results options', () => {
  it('are read only when asked for, and refused without waiting', () => {
    const base = { repo: 'acme/target', workflow: 'build.yml', ref: 'main' };
    expect(parseRunOptions(base).results).toBeUndefined();
    expect(parseRunOptions({ ...base, 'download-artifacts': 'dist\n  report-*  \n' }).results).toEqual({
      download: ['dist', 'report-*'],
      dir: 'xrd-artifacts',
      outputs: false,
    });
    expect(() => parseRunOptions({ ...base, 'remote-outputs': 'true', wait: 'false' })).toThrow(
      '`remote-outputs` needs the run to finish, but `wait` is false; drop one of them.',
    );
  });
});
