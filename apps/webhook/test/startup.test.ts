// Start-up failures of the built binary: one line per problem on stderr, naming the setting, no
// stack trace, no secret, and the documented exit code (2 for a config problem, 1 for a store that
// cannot be used). Nothing here reaches a forge: the config and the store are checked first.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URL_PASSWORD } from '@xrd/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { SECRET, SERVER, startForge, TOKEN } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'xrd-webhook-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(overrides: Record<string, unknown>): string {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yml`);
  const base = {
    listen: { host: '127.0.0.1', port: 0 },
    store: { path: join(dir, 'state.db') },
    forges: [
      { name: 'gh', kind: 'github', 'api-url': 'http://127.0.0.1:9', token: TOKEN, 'webhook-secret': SECRET },
    ],
    routes: [
      {
        name: 'build',
        when: { forge: 'gh', repo: 'acme/source', pull_request: true },
        dispatch: { forge: 'gh', repo: 'acme/target', workflow: 'build.yml', inputs: { sha: '{{ sha }}' } },
      },
    ],
  };
  writeFileSync(file, stringify({ ...base, ...overrides }));
  return file;
}

async function run(configFile: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [SERVER, '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  // A service that wrongly starts would run until killed.
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stderr, stdout };
}

describe('start-up errors of the built service', () => {
  it('a misspelt key is a config error (exit 2), not silently ignored', async () => {
    const r = await run(config({ stor: { path: join(dir, 'elsewhere.db') }, store: undefined }));
    expect(r.stderr).toMatchInlineSnapshot(`
      "config error: stor is not a known key; use one of listen, store, log, limits, worker, reconcile, forges, routes.
      "
    `);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('a store file that cannot be opened names store.path (exit 1, one line)', async () => {
    const r = await run(config({ store: { path: join(dir, 'no-such-dir', 'state.db') } }));
    expect(r.stderr.replaceAll(dir, 'DIR')).toMatchInlineSnapshot(`
      "xrd-webhook: the store file DIR/no-such-dir/state.db (store.path or XRD_STORE_PATH) cannot be opened: unable to open database file; check that its directory exists and is writable.
      "
    `);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
  });

  // issue 20 and issue 13: the values the action and the CLI refuse stop the service at start, in
  // the same sentences, before it sends anything to the forge it is configured for.
  it('refuses tokens with control characters, URLs with passwords and bad route options, with zero requests', async () => {
    const forge = await startForge('gh', 'github', 1);
    try {
      const target = (extra: Record<string, unknown>) => ({
        name: 'gh',
        kind: 'github',
        'api-url': forge.sim.apiUrl,
        token: TOKEN,
        'webhook-secret': SECRET,
        ...extra,
      });
      const withPassword = forge.sim.apiUrl.replace('http://', `http://bot:${URL_PASSWORD}@`);
      const outcomes = [];
      for (const overrides of [
        { forges: [target({ token: 'ghp_first-half\nsecond-half' })] },
        { forges: [target({ 'api-url': withPassword })] },
        {
          forges: [target({})],
          routes: [
            {
              name: 'build',
              when: { forge: 'gh', repo: 'acme/source', pull_request: true },
              dispatch: {
                forge: 'gh',
                repo: 'acme/target',
                workflow: 'build',
                'correlation-input': 'bad name!',
              },
            },
          ],
        },
      ]) {
        const r = await run(config(overrides));
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).not.toContain(URL_PASSWORD);
        outcomes.push(r.stderr);
      }
      expect(outcomes).toMatchInlineSnapshot(`
        [
          "config error: \`forges[0].token\` contains a space, line break, control or non-ASCII character; put only the token itself there.
        ",
          "config error: \`forges[0].api-url\` must not contain a user name or password (user:password@); remove them from the URL and give the token as the token instead.
        config error: routes[0].when.forge names forge gh, which is not usable until its problems above are fixed.
        config error: routes[0].dispatch.forge names forge gh, which is not usable until its problems above are fixed.
        ",
          "config error: \`routes[0].dispatch.workflow\` must be a workflow file name ending in .yml or .yaml (e.g. build.yml) or a numeric id, not "build".
        config error: \`routes[0].dispatch.correlation-input\` must be an input name such as correlation_id, not "bad name!".
        ",
        ]
      `);
      expect(forge.sim.stats().requests.total).toBe(0);
    } finally {
      await forge.sim.close();
    }
  });
});
