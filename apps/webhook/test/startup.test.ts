// Start-up failures of the built binary: one line per problem on stderr, naming the setting, no
// stack trace, no secret, and the documented exit code (2 for a config problem, 1 for a store that
// cannot be used). Nothing here reaches a forge: the config and the store are checked first.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { SECRET, SERVER, TOKEN } from './harness.js';

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
});
