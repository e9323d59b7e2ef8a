// The built service restarts itself once, in the same process (execve), with glibc's allocator
// settings MALLOC_ARENA_MAX=2 and MALLOC_TRIM_THRESHOLD_=1048576 (src/malloc.ts): what the kernel
// shows as the running process's environment, under the PID its parent started. An operator's own
// values and `XRD_WEBHOOK_MALLOC=default` are left alone; the inspector of `--inspect` (the bench
// reads memory through it) still answers on its port; SIGTERM still stops it with exit code 0.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { YOUNG_GENERATION_FLAG } from '../src/malloc.js';
import { freePort, SECRET, SERVER, TOKEN } from './harness.js';

const glibc =
  typeof (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
    ?.glibcVersionRuntime === 'string';
const supported = process.platform === 'linux' && typeof process.execve === 'function' && glibc;

const dir = mkdtempSync(join(tmpdir(), 'xrd-webhook-malloc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(): string {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(
    file,
    stringify({
      listen: { host: '127.0.0.1', port: 0 },
      store: { path: join(dir, `${Math.random().toString(36).slice(2)}.db`) },
      forges: [
        {
          name: 'gh',
          kind: 'github',
          'api-url': 'http://127.0.0.1:9',
          token: TOKEN,
          'webhook-secret': SECRET,
        },
      ],
      routes: [
        {
          name: 'build',
          when: { forge: 'gh', repo: 'acme/source', pull_request: true },
          dispatch: { forge: 'gh', repo: 'acme/target', workflow: 'build.yml', inputs: { sha: '{{ sha }}' } },
        },
      ],
    }),
  );
  return file;
}

/** This test process's environment without anything that decides the allocator settings. */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of [
    'MALLOC_ARENA_MAX',
    'MALLOC_TRIM_THRESHOLD_',
    'GLIBC_TUNABLES',
    'XRD_WEBHOOK_MALLOC',
    'NODE_OPTIONS',
  ]) {
    delete env[key];
  }
  return env;
}

interface Run {
  /** MALLOC_* entries of /proc/<pid>/environ while the service listens. */
  readonly malloc: Record<string, string>;
  /** Node's flags of the running process (/proc/<pid>/cmdline: between the binary and the script). */
  readonly flags: readonly string[];
  /** The PID the service reports for itself (its store owner `host:pid:…`). */
  readonly servicePid: number;
  readonly childPid: number;
  readonly code: number | string;
  readonly stderr: string;
  readonly inspector?: unknown;
}

async function run(extraEnv: Record<string, string>, inspectPort?: number, ipc = false): Promise<Run> {
  const child = spawn(process.execPath, [SERVER, '--config', config()], {
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? (['ipc'] as const) : [])],
    env: { ...baseEnv(), ...extraEnv },
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  try {
    const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === 'listening') resolve(entry);
      });
      void exited.then((code) => reject(new Error(`service exited (${code}) before listening: ${stderr}`)));
    });
    const pid = child.pid as number;
    const malloc = Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter((entry) => /^MALLOC_/.test(entry))
        .map((entry) => entry.split('=', 2) as [string, string]),
    );
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const flags = argv.slice(1, argv.indexOf(SERVER));
    // Answering requests (and past the moment its SIGTERM handler is installed, just after it logs
    // `listening`).
    expect((await fetch(`${String(listening.url)}/readyz`)).status).toBe(200);
    const inspector =
      inspectPort === undefined
        ? undefined
        : await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json();
    child.kill('SIGTERM');
    const code = await exited;
    return {
      malloc,
      flags,
      servicePid: Number(String(listening.owner).split(':')[1]),
      childPid: pid,
      code,
      stderr,
      inspector,
    };
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
}

describe.skipIf(!supported)('glibc allocator settings of the built service', () => {
  it('restarts itself in the same process with MALLOC_ARENA_MAX=2 and MALLOC_TRIM_THRESHOLD_=1048576', async () => {
    const r = await run({});
    expect(r.malloc).toEqual({ MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '1048576' });
    expect(r.flags).toEqual([YOUNG_GENERATION_FLAG]);
    expect(r.servicePid).toBe(r.childPid);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it("leaves an operator's own setting alone and adds nothing to it", async () => {
    const r = await run({ MALLOC_ARENA_MAX: '4' });
    expect(r.malloc).toEqual({ MALLOC_ARENA_MAX: '4' });
    expect(r.flags).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('adds nothing with XRD_WEBHOOK_MALLOC=default', async () => {
    const r = await run({ XRD_WEBHOOK_MALLOC: 'default' });
    expect(r.malloc).toEqual({});
    expect(r.flags).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('keeps the IPC channel of a parent that forked it (cluster, PM2): no restart', async () => {
    const r = await run({}, undefined, true);
    expect(r.malloc).toEqual({});
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('still serves the inspector of NODE_OPTIONS=--inspect on its port (as the bench uses it)', async () => {
    const port = await freePort();
    const r = await run({ NODE_OPTIONS: `--inspect=127.0.0.1:${port}` }, port);
    expect(r.malloc).toEqual({ MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '1048576' });
    // Node announces an inspector for each process image on the same port; the one that answers is
    // the restarted service's, announced last.
    const announced = [...r.stderr.matchAll(/^Debugger listening on (ws:\S+)$/gm)].map((m) => m[1]);
    expect(announced).toHaveLength(2);
    expect(r.inspector).toEqual([expect.objectContaining({ webSocketDebuggerUrl: announced[1] })]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('ExperimentalWarning');
    expect(r.stderr).not.toContain('failed');
  });
});

describe.skipIf(!supported)('a restart Node refuses', () => {
  // Node's permission model without --allow-child-process refuses process.execve with an error the
  // launcher catches: the service goes on with glibc's defaults, without Node's experimental warning.
  it('is no error and prints nothing', () => {
    const r = spawnSync(process.execPath, ['--permission', '--allow-fs-read=*', SERVER, '--version'], {
      env: baseEnv(),
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('the launcher around the restart', () => {
  const cli = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [SERVER, ...args], {
      env: { ...baseEnv(), ...env },
      encoding: 'utf8',
      timeout: 15_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  const missing = () => ['--config', join(dir, 'missing.yml')];
  it.each([
    ['--help', ['--help']],
    ['--version', ['--version']],
    ['a config error', missing()],
    ['an unknown option', ['--bogus']],
  ])('%s answers the same with and without the restart', (_, args) => {
    const restarted = cli(args);
    expect(restarted).toEqual(cli(args, { XRD_WEBHOOK_MALLOC: 'default' }));
    expect(restarted.stderr).not.toContain('Warning');
  });

  it('exit codes: 0 for --help and --version, 2 for a config error', () => {
    expect(cli(['--help']).code).toBe(0);
    expect(cli(['--version']).code).toBe(0);
    expect(cli(missing()).code).toBe(2);
  });

  it('refuses an XRD_WEBHOOK_MALLOC it does not know in one sentence, exit code 2', () => {
    expect(cli(['--version'], { XRD_WEBHOOK_MALLOC: 'off' })).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'config error: XRD_WEBHOOK_MALLOC must be "default" (keep glibc\'s allocator settings) or unset, not "off".\n',
    });
  });
});
