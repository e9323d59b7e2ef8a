// The program as a whole: --version, --help with examples everywhere, completion scripts, the demo,
// and the live status line on a real terminal.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { at, json, Sims, XRD, xrd } from './harness.js';
import { fishComplete, folderWith, hasShell, scriptFile, zshCompletion } from './shells.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const sims = new Sims(20);
afterAll(() => sims.closeAll());

// Every test here runs its own processes and shares nothing but the one simulator of the terminal
// test: all of them run side by side, the long `xrd demo` alongside the rest.
describe.concurrent('xrd', () => {
  it('--version prints the package version', async () => {
    const r = await xrd(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it('without arguments shows the help on stderr and exits 2', async () => {
    const r = await xrd([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: xrd');
  });

  it.each(['dispatch', 'wait', 'status', 'cancel', 'logs', 'demo', 'completion'])(
    '%s --help shows usage and examples',
    async (command) => {
      const r = await xrd([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: xrd ${command}`);
      expect(r.stdout).toMatch(new RegExp(`Examples:\\n {2}\\$ (eval "\\$\\()?xrd ${command}`));
    },
  );

  it('--help lists every command and the exit codes', async () => {
    const r = await xrd(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['dispatch', 'wait', 'status', 'cancel', 'logs', 'demo', 'completion']) {
      expect(r.stdout).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
    }
    expect(r.stdout).toContain('130 interrupted');
  });

  it('completion bash is a script bash accepts that completes commands and flags', async () => {
    const r = await xrd(['completion', 'bash']);
    expect(r.code).toBe(0);
    execFileSync('bash', ['-n'], { input: r.stdout });
    const cwd = folderWith('targets.yml');
    const complete = (words: string) =>
      execFileSync(
        'bash',
        [
          '-c',
          `${r.stdout}\nCOMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _xrd; echo "\${COMPREPLY[*]}"`,
        ],
        { cwd },
      )
        .toString()
        .trim();
    expect(complete('xrd di')).toBe('dispatch');
    expect(complete('xrd dispatch --cancel-on-')).toBe('--cancel-on-timeout --cancel-on-interrupt');
    expect(complete('xrd dispatch --forge g')).toBe('github gitea');
    // A path value completes local files; a free-text one does not.
    expect(complete('xrd dispatch --targets t')).toBe('targets.yml');
    expect(complete('xrd dispatch --repo t')).toBe('');
    expect(complete("xrd dispatch --repo ''")).toBe('');
  });

  it.each(['zsh', 'fish'])('completion %s names the commands and flags', async (shell) => {
    const r = await xrd(['completion', shell]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('dispatch');
    expect(r.stdout).toContain('cancel-on-interrupt');
  });

  it.skipIf(!hasShell('fish'))(
    'completion fish: fish completes commands, flags and their values',
    async () => {
      const file = scriptFile((await xrd(['completion', 'fish'])).stdout, 'xrd.fish');
      const words = (line: string) =>
        fishComplete(file, line)
          .map((l) => l.split('\t')[0])
          .sort();
      expect(words('xrd dis')).toEqual(['dispatch']);
      expect(words('xrd dispatch --cancel-on-')).toEqual(['--cancel-on-interrupt', '--cancel-on-timeout']);
      expect(words('xrd dispatch --forge ')).toEqual(['forgejo', 'gitea', 'github']);
      expect(fishComplete(file, 'xrd dispatch --forg')).toEqual([
        "--forge\tforge family (default: github, or the CI runner's own)",
      ]);
      // Free-text values offer no local files; path values do.
      const cwd = folderWith('targets.yml');
      expect(fishComplete(file, 'xrd dispatch --repo t', cwd)).toEqual([]);
      expect(fishComplete(file, 'xrd dispatch --targets t', cwd).map((l) => l.split('\t')[0])).toEqual([
        'targets.yml',
      ]);
    },
  );

  it.skipIf(!hasShell('zsh'))('completion zsh: a real zsh completes commands, flags and shells', async () => {
    const script = (await xrd(['completion', 'zsh'])).stdout;
    execFileSync('zsh', ['-n'], { input: script });
    const file = scriptFile(script, '_xrd');
    expect(zshCompletion(file, 'xrd dis')).toBe('xrd dispatch');
    expect(zshCompletion(file, 'xrd dispatch --cancel-on-t')).toBe('xrd dispatch --cancel-on-timeout');
    expect(zshCompletion(file, 'xrd completion z')).toBe('xrd completion zsh');
    expect(zshCompletion(file, 'xrd dispatch --forge gitl')).toBe('xrd dispatch --forge gitl');
    const cwd = folderWith('targets.yml');
    expect(zshCompletion(file, 'xrd dispatch --repo t', cwd)).toBe('xrd dispatch --repo t');
    expect(zshCompletion(file, 'xrd dispatch --targets t', cwd)).toBe('xrd dispatch --targets targets.yml');
  });
});

describe.concurrent('xrd demo', () => {
  it('runs the whole flow on every dialect and ends with the result table', async () => {
    const r = await xrd(['demo'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^dialect\s+path\s+run\s+conclusion\s+duration\s+requests\/counted$/);
    const rows = lines.slice(2, -2).map((l) => l.split(/\s{2,}/));
    expect(rows.map((row) => row[0])).toEqual([
      'github',
      'github (repository_dispatch)',
      'ghes-3.19',
      'gitea-1.24',
      'gitea-1.25',
      'gitea-1.26',
      'forgejo',
    ]);
    expect(rows.map((row) => row[1])).toEqual([
      'run-details',
      'none → run-name',
      'none → run-name',
      'none → run-name',
      'none → run-name',
      'run-details',
      'run-info',
    ]);
    for (const row of rows) expect(row[3]).toBe('success');
    expect(lines.at(-1)).toBe('all 7 flows succeeded');
    // Live progress went to stderr.
    expect(r.stderr).toMatch(/gitea-1\.26\s+\[\d+\.\ds\] dispatched workflow build\.yml/);
  }, 60_000);

  it('--dialect with one flow ends with one sentence in the singular, at the time scale its help names', async () => {
    const help = await xrd(['demo', '--help']);
    const scale = /--time-scale <n>\s+simulated time runs this many times faster \(default (\d+)\)/.exec(
      help.stdout,
    )?.[1];
    expect(scale).toBeDefined();
    const r = await xrd(['demo', '--dialect', 'gitea-1.26']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('the flow succeeded');
    expect(r.stderr).toContain(`simulated time ×${scale};`);
  });

  it('--dialect runs one, and --json gives the rows', async () => {
    const r = await xrd(['demo', '--dialect', 'forgejo', '--json']);
    expect(r.code).toBe(0);
    const doc = json(r);
    expect(doc).toMatchObject({ command: 'demo', ok: true, exitCode: 0 });
    expect(doc.demo).toEqual([
      expect.objectContaining({
        dialect: 'forgejo',
        path: 'run-info',
        correlation: 'run-id',
        conclusion: 'success',
        ok: true,
      }),
    ]);
    const row = (doc.demo as { requests: number; counted: number }[])[0];
    expect(row?.requests).toBeGreaterThan(2);
    expect(row?.counted).toBeLessThanOrEqual(row?.requests ?? 0);
  });
});

/** Runs a shell command under `script` (a pseudo-terminal), without blocking the in-process simulator. */
function onTerminal(
  command: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', XRD_TOKEN: 'tty-token-1234', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout });
    });
  });
}

describe.concurrent('on a terminal', () => {
  // `script` gives the child a pseudo-terminal, as a person's shell would.
  const hasScript = spawnSync('script', ['--version']).status === 0;

  it.skipIf(!hasScript)(
    'shows a live status line with spinner, status and elapsed time, in colour',
    async () => {
      const sim = await sims.get('github');
      const command = [
        process.execPath,
        XRD,
        'dispatch',
        ...at(sim),
        '--repo',
        'acme/target',
        '--workflow',
        'build.yml',
      ]
        .map((a) => `'${a}'`)
        .join(' ');
      const out = await onTerminal(command, { TERM: 'xterm' });
      expect(out.status).toBe(0);
      const text = out.stdout;
      expect(text).toMatch(/\r\x1b\[2K\S*[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\S* (queued|in_progress|dispatching) · \d+\.\ds/);
      expect(text).toContain('\x1b[32msuccess\x1b[39m');

      const plain = await onTerminal(command, { TERM: 'xterm', NO_COLOR: '1' });
      expect(plain.status).toBe(0);
      expect(plain.stdout).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /);
      expect(plain.stdout).not.toMatch(/\x1b\[\d+m/);
    },
  );
});
