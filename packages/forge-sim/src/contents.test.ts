// biome-ignore-all lint/suspicious/noExplicitAny: test answers are untyped JSON.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow expressions, not JS templates.
// The contents route: each dialect serves its workflow files as a faithful YAML rendering of the
// WorkflowSpec, only on refs the repository has, and 404s in the forge's own shape otherwise.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sampleWorkflows } from './sample.js';
import { type Sim, startSim } from './sim.js';
import { call } from './test-support/http.js';
import type { Dialect, SimSeed, WorkflowSpec } from './types.js';
import { renderWorkflowYaml } from './workflow-yaml.js';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const T = '/repos/acme/target';
const decode = (body: any) => Buffer.from(body.content, 'base64').toString('utf8');
const blobSha = (text: string) =>
  createHash('sha1')
    .update(`blob ${Buffer.byteLength(text)}\0${text}`)
    .digest('hex');

/** What a workflow file says, read back the way a client reads it. */
function readBack(text: string) {
  const doc = parse(text);
  const jobs = Object.values(doc.jobs ?? {}) as any[];
  return {
    name: doc.name,
    runName: doc['run-name'],
    on: doc.on,
    jobs: jobs.map((j) => ({ name: j.name, steps: (j.steps ?? []).map((s: any) => s.name) })),
  };
}

function expectFaithful(text: string, spec: WorkflowSpec): void {
  const back = readBack(text);
  expect(back.name).toBe(spec.name);
  expect(back.runName).toBe(spec.runName);
  const dispatch = spec.on.workflow_dispatch;
  expect(Object.hasOwn(back.on, 'workflow_dispatch')).toBe(dispatch !== undefined);
  expect(Object.keys(back.on.workflow_dispatch?.inputs ?? {})).toEqual(Object.keys(dispatch?.inputs ?? {}));
  for (const [name, input] of Object.entries(dispatch?.inputs ?? {})) {
    expect(back.on.workflow_dispatch.inputs[name]).toEqual(input);
  }
  expect(Object.hasOwn(back.on, 'repository_dispatch')).toBe(spec.on.repository_dispatch !== undefined);
  expect(back.on.repository_dispatch?.types).toEqual(spec.on.repository_dispatch?.types);
  expect(back.jobs).toEqual(spec.jobs.map((j) => ({ name: j.name, steps: j.steps })));
}

describe('the YAML rendering of a WorkflowSpec', () => {
  it('reads back as the spec for every sample workflow of every kind', () => {
    for (const spec of sampleWorkflows('github')) expectFaithful(renderWorkflowYaml(spec), spec);
  });

  it('keeps odd names, empty triggers, types and push branches readable', () => {
    const spec: WorkflowSpec = {
      file: 'odd.yml',
      on: {
        workflow_dispatch: {},
        repository_dispatch: { types: ['build', 'deploy: prod'] },
        push: { branches: ['main'] },
      },
      runName: '#${{ inputs.x }}: "quoted"',
      jobs: [
        { name: '1 build', steps: ['a: b', '${{ github.event.client_payload.sha }}'] },
        { name: '1 build', steps: ['- dash'] },
      ],
    };
    const text = renderWorkflowYaml(spec);
    expectFaithful(text, spec);
    const doc = parse(text);
    expect(doc.on.workflow_dispatch).toBeNull();
    expect(doc.on.push).toEqual({ branches: ['main'] });
    // Job ids GitHub accepts (a letter or _ first), unique although the names repeat.
    expect(Object.keys(doc.jobs)).toEqual(['job-1-build', 'job-1-build-2']);
  });
});

const seed: SimSeed = {
  repos: [
    {
      owner: 'acme',
      repo: 'target',
      branches: ['release/1.x'],
      workflows: sampleWorkflows('gitea-1.25').slice(0, 2),
    },
  ],
};

describe.each([
  ['github', '.github/workflows', '.gitea/workflows'],
  ['ghes-3.19', '.github/workflows', '.gitea/workflows'],
  ['gitea-1.24', '.gitea/workflows', '.github/workflows'],
  ['gitea-1.26', '.gitea/workflows', '.github/workflows'],
  ['forgejo', '.gitea/workflows', '.forgejo/workflows'],
] as [Dialect, string, string][])('contents on %s', (dialect, dir, otherDir) => {
  const gh = dialect === 'github' || dialect.startsWith('ghes-');

  it('serves each workflow file, base64, with its git blob sha, on every branch and branch head', async () => {
    sim = await startSim({ dialect, seed });
    const specs = seed.repos[0]!.workflows!;
    for (const spec of specs) {
      for (const ref of ['', '?ref=main', '?ref=release%2F1.x']) {
        const r = await call(sim.apiUrl, 'GET', `${T}/contents/${dir}/${spec.file}${ref}`);
        expect(r.status, r.text).toBe(200);
        expect(r.body).toMatchObject({
          type: 'file',
          encoding: 'base64',
          name: spec.file,
          path: `${dir}/${spec.file}`,
        });
        const text = decode(r.body);
        expectFaithful(text, spec);
        expect(r.body.sha).toBe(blobSha(text));
        expect(r.body.size).toBe(Buffer.byteLength(text));
        expect(r.body.url).toBe(
          `${sim.apiUrl}${T}/contents/${dir}/${spec.file}?ref=${ref ? ref.slice(5) : 'main'}`,
        );
        // GitHub wraps base64 at 60 characters; Gitea sends one line.
        expect(r.body.content.includes('\n')).toBe(gh);
      }
    }
    const head = sim.core.store.getRepo('acme', 'target')!.branches.get('main')!;
    const bySha = await call(sim.apiUrl, 'GET', `${T}/contents/${dir}/build.yml?ref=${head}`);
    expect(bySha.status).toBe(200);
    if (!gh) expect(bySha.body.last_commit_sha).toBe(head);
    const short = await call(sim.apiUrl, 'GET', `${T}/contents/${dir}/build.yml?ref=${head.slice(0, 7)}`);
    // GitHub resolves an abbreviated sha; Gitea wants a branch, a tag or a full commit id.
    expect(short.status).toBe(gh ? 200 : 404);
    const fullRef = await call(sim.apiUrl, 'GET', `${T}/contents/${dir}/build.yml?ref=refs%2Fheads%2Fmain`);
    expect(fullRef.status).toBe(gh ? 200 : 404);
  });

  it('404s in the forge shape for an unknown ref, file, directory or repository', async () => {
    sim = await startSim({ dialect, seed });
    const answers = await Promise.all(
      [
        `${T}/contents/${dir}/build.yml?ref=nope`,
        `${T}/contents/${dir}/missing.yml`,
        `${T}/contents/${otherDir}/build.yml`,
        '/repos/acme/nothing/contents/x.yml',
      ].map((p) => call(sim!.apiUrl, 'GET', p)),
    );
    for (const a of answers) expect(a.status).toBe(404);
    const [ref, file] = answers;
    if (gh) {
      expect(ref!.body).toMatchObject({ message: 'No commit found for the ref nope', status: '404' });
      expect(file!.body).toMatchObject({
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest/repos/contents#get-repository-content',
        status: '404',
      });
    } else {
      expect(ref!.body).toEqual({
        message: "The target couldn't be found.",
        url: `${sim.url}/api/swagger`,
        errors: ['object does not exist [id: nope, rel_path: ]'],
      });
      expect(file!.body).toEqual({
        message: 'GetContentsOrList',
        url: `${sim.url}/api/swagger`,
        errors: [`object does not exist [id: , rel_path: ${dir}/missing.yml]`],
      });
    }
  });

  it('lists the workflow directory and its parent, without content', async () => {
    sim = await startSim({ dialect, seed });
    const list = await call(sim.apiUrl, 'GET', `${T}/contents/${dir}`);
    expect(list.status).toBe(200);
    expect(list.body.map((e: any) => [e.type, e.name])).toEqual([
      ['file', 'build.yml'],
      ['file', 'fail.yml'],
    ]);
    for (const e of list.body) expect(e.content ?? undefined).toBeUndefined();
    const file = await call(sim.apiUrl, 'GET', `${T}/contents/${dir}/build.yml`);
    expect(list.body[0].sha).toBe(file.body.sha);
    const parent = await call(sim.apiUrl, 'GET', `${T}/contents/${dir.split('/')[0]}`);
    expect(parent.body).toMatchObject([{ type: 'dir', name: 'workflows', path: dir, download_url: null }]);
  });

  it('serves download_url and html_url from the sim', async () => {
    sim = await startSim({ dialect, seed });
    const file = await call(sim.apiUrl, 'GET', `${T}/contents/${dir}/fail.yml?ref=release%2F1.x`);
    const raw = await call(sim.url, 'GET', file.body.download_url.slice(sim.url.length));
    expect(raw.status).toBe(200);
    expect(raw.text).toBe(decode(file.body));
    const html = await call(sim.url, 'GET', file.body.html_url.slice(sim.url.length));
    expect(html.status).toBe(200);
    expect(html.text).toContain('run-name: Fail');
  });
});

describe('contents, counted and cached like any GET', () => {
  it('GitHub: ETag, a free 304, counted under the route template', async () => {
    sim = await startSim({ dialect: 'github' });
    const path = `${T}/contents/.github/workflows/build.yml`;
    const first = await call(sim.apiUrl, 'GET', path);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    const again = await call(sim.apiUrl, 'GET', path, undefined, { 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.headers.get('x-ratelimit-remaining')).toBe(first.headers.get('x-ratelimit-remaining'));
    expect(sim.stats().byRoute['GET /repos/{owner}/{repo}/contents/{path}']).toEqual({
      total: 2,
      counted: 1,
      notModified: 1,
    });
  });

  it('Gitea: counted under {filepath}, no ETag; a replaced workflow is served anew', async () => {
    sim = await startSim({ dialect: 'gitea-1.25' });
    const path = `${T}/contents/.gitea/workflows/build.yml`;
    const before = await call(sim.apiUrl, 'GET', path);
    expect(before.headers.get('etag')).toBeNull();
    const spec = sampleWorkflows('gitea-1.25')[0]!;
    const replaced: WorkflowSpec = {
      ...spec,
      on: { workflow_dispatch: { inputs: { only_this: { required: true } } } },
    };
    await call(sim.url, 'POST', '/_sim/repos/acme/target/workflows', replaced);
    const after = await call(sim.apiUrl, 'GET', path);
    expect(after.body.sha).not.toBe(before.body.sha);
    expect(Object.keys(parse(decode(after.body)).on.workflow_dispatch.inputs)).toEqual(['only_this']);
    expect(sim.stats().byRoute['GET /repos/{owner}/{repo}/contents/{filepath}']).toEqual({
      total: 2,
      counted: 2,
      notModified: 0,
    });
  });
});

describe('the undeclared-input path a Gitea client can now check', () => {
  it('the file names exactly the inputs Gitea keeps: an undeclared one is dropped from the run', async () => {
    sim = await startSim({ dialect: 'gitea-1.25', timeScale: 1000 });
    const file = await call(sim.apiUrl, 'GET', `${T}/contents/.gitea/workflows/build.yml?ref=main`);
    const declared = Object.keys(parse(decode(file.body)).on.workflow_dispatch.inputs);
    const sent = { correlation_id: 'xrd-undeclared', typo_input: 'lost' };
    const undeclared = Object.keys(sent).filter((k) => !declared.includes(k));
    expect(undeclared).toEqual(['typo_input']);
    const d = await call(sim.apiUrl, 'POST', `${T}/actions/workflows/build.yml/dispatches`, {
      ref: 'main',
      inputs: sent,
    });
    expect(d.status).toBe(204);
    const [run] = (await call(sim.url, 'GET', '/_sim/runs')).body;
    expect(Object.keys(run.inputs).sort()).toEqual([...declared].sort());
    expect(run.inputs.typo_input).toBeUndefined();
  });
});
