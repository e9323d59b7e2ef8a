// biome-ignore-all lint/suspicious/noExplicitAny: test answers are untyped JSON.
// The logic both forges share (route-kit.ts), and the places where they still answer differently.
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchInputs, refName, shaOfRef } from './route-kit.js';
import { type Sim, startSim } from './sim.js';
import { call } from './test-support/http.js';
import type { Dialect } from './types.js';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const S = '/repos/acme/source';
const T = '/repos/acme/target';

describe('dispatch inputs', () => {
  const declared = { a: { default: 'A' }, b: {}, c: { required: true } };

  it('keeps declared inputs as strings, fills defaults, and says which required one is missing', () => {
    expect(dispatchInputs(declared, { b: 2, c: { x: 1 }, extra: 'x' }, 'omit')).toEqual({
      inputs: { a: 'A', b: '2', c: '{"x":1}' },
    });
    expect(dispatchInputs(declared, { c: 'C' }, 'empty')).toEqual({ inputs: { a: 'A', b: '', c: 'C' } });
    expect(dispatchInputs(declared, { c: '' }, 'omit')).toEqual({ missing: 'c' });
    expect(dispatchInputs({ c: { required: true, default: 'D' } }, {}, 'omit')).toEqual({
      inputs: { c: 'D' },
    });
  });

  it('takes refs with or without refs/heads/ and refs/tags/', () => {
    expect(['main', 'refs/heads/main', 'refs/tags/v1', 'refs/pull/1/head'].map(refName)).toEqual([
      'main',
      'main',
      'v1',
      'refs/pull/1/head',
    ]);
  });
});

describe('status refs', () => {
  it('resolve a branch to its head and pass a sha through, up to the forge’s length', async () => {
    sim = await startSim({ dialect: 'github' });
    const repo = sim.core.store.getRepo('acme', 'target')!;
    expect(shaOfRef(repo, 'refs/heads/main', 40)).toBe(repo.branches.get('main'));
    expect(shaOfRef(repo, 'ABCDEF1', 40)).toBe('abcdef1');
    expect(shaOfRef(repo, 'a'.repeat(64), 40)).toBeUndefined();
    expect(shaOfRef(repo, 'a'.repeat(64), 64)).toBe('a'.repeat(64));
    expect(shaOfRef(repo, 'nope', 64)).toBeUndefined();
  });
});

describe.each(['github', 'gitea-1.25'] as Dialect[])('issue comments (%s)', (dialect) => {
  const gh = dialect === 'github';
  const params = gh ? { issue: 'issue_number', comment: 'comment_id' } : { issue: 'index', comment: 'id' };

  it('create, list, get and edit; 404 for an unknown issue, comment or repo; the body is required', async () => {
    sim = await startSim({ dialect });
    const api = sim.apiUrl;
    const made = await call(api, 'POST', `${S}/issues/1/comments`, { body: 'first' });
    expect(made.status).toBe(201);
    await call(api, 'POST', `${S}/issues/1/comments`, { body: 'second' });
    const list = await call(api, 'GET', `${S}/issues/1/comments`);
    expect(list.body.map((c: any) => c.body)).toEqual(['first', 'second']);
    const edited = await call(api, 'PATCH', `${S}/issues/comments/${made.body.id}`, { body: '' });
    // An edit may empty a comment; a new comment may not be empty.
    expect(edited.status).toBe(200);
    expect((await call(api, 'GET', `${S}/issues/comments/${made.body.id}`)).body.body).toBe('');
    for (const [method, path, body] of [
      ['POST', `${S}/issues/99/comments`, { body: 'x' }],
      ['GET', `${S}/issues/99/comments`, undefined],
      ['GET', `${S}/issues/comments/999999`, undefined],
      ['PATCH', `${S}/issues/comments/999999`, { body: 'x' }],
      ['GET', `${T}/issues/comments/${made.body.id}`, undefined],
      ['GET', '/repos/acme/none/issues/1/comments', undefined],
    ] as const) {
      expect((await call(api, method, path, body)).status, `${method} ${path}`).toBe(404);
    }
    const empty = await call(api, 'POST', `${S}/issues/1/comments`, { body: '' });
    const noBody = await call(api, 'PATCH', `${S}/issues/comments/${made.body.id}`, {});
    expect([empty.status, noBody.status]).toEqual([422, 422]);
    expect(empty.body.message).toBe(gh ? 'Invalid request.\n\n"body" wasn\'t supplied.' : 'body is required');
    expect(noBody.body).toEqual(empty.body);
    const keys = Object.keys(sim.stats().byRoute);
    expect(keys).toContain(`GET /repos/{owner}/{repo}/issues/{${params.issue}}/comments`);
    expect(keys).toContain(`PATCH /repos/{owner}/{repo}/issues/comments/{${params.comment}}`);
  });

  it(
    gh
      ? 'GitHub pages the list and refuses a body over 65536 characters'
      : 'Gitea answers every comment at once, any length',
    async () => {
      sim = await startSim({ dialect });
      const api = sim.apiUrl;
      for (let i = 0; i < 3; i++) await call(api, 'POST', `${S}/issues/1/comments`, { body: `c${i}` });
      const paged = await call(api, 'GET', `${S}/issues/1/comments?per_page=2&limit=2`);
      expect(paged.body).toHaveLength(gh ? 2 : 3);
      expect(paged.headers.get('link') !== null).toBe(gh);
      const long = await call(api, 'POST', `${S}/issues/1/comments`, { body: 'x'.repeat(65537) });
      expect(long.status).toBe(gh ? 422 : 201);
      if (gh) expect(long.body.errors[0].message).toBe('body is too long (maximum is 65536 characters)');
    },
  );
});
