// biome-ignore-all lint/suspicious/noExplicitAny: test answers are untyped JSON.
// GitHub's primary budget is per user (docs "Rate limits for the REST API": a personal access token's
// requests, and an app's on the user's behalf, "count towards your personal rate limit"), Basic auth
// included; a request refused because the budget is spent costs nothing; answers are gzipped when asked.

import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sim, startSim } from './sim.js';
import { call } from './test-support/http.js';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const T = '/repos/acme/target';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const remaining = async (s: Sim, authorization: string) =>
  Number(
    (await call(s.apiUrl, 'GET', `${T}/actions/runs`, undefined, { authorization })).headers.get(
      'x-ratelimit-remaining',
    ),
  );

describe('per-user primary budgets', () => {
  it('a user’s tokens and Basic login share one budget; another user has their own', async () => {
    sim = await startSim({ dialect: 'github', users: { ghp_alice1: 'alice', ghp_alice2: 'alice' } });
    expect(await remaining(sim, 'token ghp_alice1')).toBe(4999);
    expect(await remaining(sim, 'Bearer ghp_alice2')).toBe(4998);
    // Basic auth with the token as password (the reference action's user + pat), or a password.
    expect(await remaining(sim, basic('anyone', 'ghp_alice1'))).toBe(4997);
    expect(await remaining(sim, basic('alice', 'a password'))).toBe(4996);
    // Someone else, and a token nobody mapped (a user of its own), start full.
    expect(await remaining(sim, basic('bob', 'pw'))).toBe(4999);
    expect(await remaining(sim, 'token ghp_unmapped')).toBe(4999);
    // Basic auth with a secret nobody mapped is the user it names.
    expect(await remaining(sim, basic('bob', 'ghp_unmapped'))).toBe(4998);
    const rl = await call(sim.apiUrl, 'GET', '/rate_limit', undefined, { authorization: 'token ghp_alice2' });
    expect(rl.body.resources.core).toMatchObject({ limit: 5000, used: 4, remaining: 4996 });
  });

  it('users can be mapped through the control API, and the 403 names the user', async () => {
    sim = await startSim({ dialect: 'ghes-3.19', rateLimit: 2 });
    expect((await call(sim.url, 'POST', '/_sim/auth', { users: { t1: 'carol' } })).status).toBe(200);
    expect((await call(sim.url, 'POST', '/_sim/auth', { users: { t2: '' } })).status).toBe(400);
    await remaining(sim, 'token t1');
    await remaining(sim, basic('carol', 'pw'));
    const refused = await call(sim.apiUrl, 'GET', `${T}/actions/runs`, undefined, {
      authorization: 'token t1',
    });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/^API rate limit exceeded for user ID \d+\./);
    expect(refused.headers.get('x-github-enterprise-version')).toBe('3.19.0');
  });
});

describe('a spent budget', () => {
  it('answers 403 without counting it: used stays at the limit, stats count no request', async () => {
    sim = await startSim({ dialect: 'github', rateLimit: 2 });
    for (let i = 0; i < 2; i++) expect((await call(sim.apiUrl, 'GET', `${T}/actions/runs`)).status).toBe(200);
    await call(sim.url, 'POST', '/_sim/stats/reset');
    for (let i = 0; i < 3; i++) {
      const r = await call(sim.apiUrl, 'GET', `${T}/actions/runs`);
      expect(r.status).toBe(403);
      expect([r.headers.get('x-ratelimit-used'), r.headers.get('x-ratelimit-remaining')]).toEqual(['2', '0']);
    }
    expect(sim.stats().requests).toEqual({ total: 3, counted: 0, notModified: 0 });
  });
});

/** A raw GET (fetch would decompress on its own and hide the encoding). */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('compression', () => {
  it('GitHub gzips an answer when the client accepts gzip, and not otherwise', async () => {
    sim = await startSim({ dialect: 'github' });
    const url = `${sim.apiUrl}${T}/actions/workflows`;
    const zipped = await rawGet(url, { authorization: 'token t', 'accept-encoding': 'gzip, deflate' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(String(zipped.headers.vary)).toContain('Accept-Encoding');
    const body = JSON.parse(gunzipSync(zipped.body).toString('utf8'));
    expect(body.total_count).toBeGreaterThan(0);
    const plain = await rawGet(url, { authorization: 'token t' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.body.toString('utf8'))).toEqual(body);
    const refused = await rawGet(url, { authorization: 'token t', 'accept-encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  it('Gitea and Forgejo do not (their gzip is off unless the admin turns it on)', async () => {
    sim = await startSim({ dialect: 'forgejo' });
    const r = await rawGet(`${sim.apiUrl}${T}`, { authorization: 'token t', 'accept-encoding': 'gzip' });
    expect(r.headers['content-encoding']).toBeUndefined();
  });
});
