// Help that never lies: every `xrd` command example — each `$ xrd …` line of the built CLI's --help
// (the text in apps/cli/src) and each `xrd …` line of a shell code block in the READMEs (root,
// apps/*, packages/*, examples) — runs with bash, as written, against forge-sim, and must succeed.
//
// What the test supplies is the world the examples assume, nothing in their flags:
// - the servers they name are simulators: https://github.com is a GitHub Enterprise simulator (the
//   only GitHub whose address can be a local one), https://gitea.example.com Gitea 1.26,
//   https://codeberg.org Forgejo — their addresses replace those hosts in the text;
// - the run ids they name (123456 on GitHub, 42 on Gitea/Forgejo) are replaced by a run the test
//   started there just before (its number in a Gitea/Forgejo web URL, which names runs by number);
// - `xrd` is on PATH, a token is in $XRD_TOKEN, $SHA and $GIT_COMMIT hold commits, and the job runs
//   on a GitHub runner of that GitHub server (GITHUB_SERVER_URL, GITHUB_API_URL, GITHUB_REPOSITORY),
//   which is where an example without --forge/--server goes;
// - acme/target's build.yml declares the `version` input the examples pass.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Dialect, type Sim, startSim } from '@xrd/forge-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { control, XRD, xrd } from './harness.js';
import { hasShell } from './shells.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Example {
  readonly where: string;
  readonly command: string;
}

/** `$ xrd …` lines of every --help, continuation lines joined. */
async function helpExamples(): Promise<Example[]> {
  const out: Example[] = [];
  const commands = ['', 'dispatch', 'wait', 'status', 'cancel', 'logs', 'demo', 'completion'];
  // Read side by side; the examples are then collected in this order.
  const helps = await Promise.all(commands.map((c) => xrd([...(c ? [c] : []), '--help'])));
  for (const [n, command] of commands.entries()) {
    const help = helps[n]!.stdout;
    const lines = help.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const match = /^ {2}\$ (.*)$/.exec(lines[i]!);
      if (!match) continue;
      let text = match[1]!;
      while (text.endsWith('\\')) text = `${text.slice(0, -1).trimEnd()} ${lines[++i]!.trim()}`;
      out.push({ where: `xrd ${command || ''} --help`.replace('  ', ' '), command: text });
    }
  }
  return out;
}

/** `xrd …` lines (also `$ xrd …`) of the shell code blocks of the READMEs. */
function readmeExamples(): Example[] {
  const dirs = [
    '.',
    ...['apps', 'packages'].flatMap((d) => readdirSync(join(ROOT, d)).map((n) => join(d, n))),
    'examples',
  ];
  const out: Example[] = [];
  for (const dir of dirs) {
    let text: string;
    try {
      text = readFileSync(join(ROOT, dir, 'README.md'), 'utf8');
    } catch {
      continue;
    }
    for (const block of text.matchAll(/^```(sh|bash|shell|console)?\n([\s\S]*?)^```/gm)) {
      for (const line of block[2]!.split('\n')) {
        const match = /^(?:\$ )?(xrd\s.*)$/.exec(line.trim());
        if (match) out.push({ where: join(dir, 'README.md'), command: match[1]! });
      }
    }
  }
  return out;
}

let github: Sim;
let gitea: Sim;
let forgejo: Sim;
let bin: string;
const COMMIT = 'c0ffee'.repeat(7).slice(0, 40);

beforeAll(async () => {
  const sim = (dialect: Dialect) => startSim({ dialect, port: 0, timeScale: 20 });
  [github, gitea, forgejo] = await Promise.all([sim('ghes-3.20'), sim('gitea-1.26'), sim('forgejo')]);
  // The examples pass `--input version=…`: their build.yml declares it (GitHub refuses an
  // input the workflow does not declare).
  await control(github, 'POST', 'repos/acme/target/workflows', {
    file: 'build.yml',
    name: 'Build',
    on: {
      workflow_dispatch: {
        inputs: { version: { required: false }, correlation_id: { required: false } },
      },
    },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression
    runName: 'Build ${{ inputs.version }} ${{ inputs.correlation_id }}',
    jobs: [{ name: 'build', steps: ['Checkout', 'Build'], durationMs: 3000 }],
  });
  bin = mkdtempSync(join(tmpdir(), 'xrd-examples-'));
  writeFileSync(join(bin, 'xrd'), `#!/bin/sh\nexec "${process.execPath}" "${XRD}" "$@"\n`);
  chmodSync(join(bin, 'xrd'), 0o755);
});
afterAll(() => Promise.all([github, gitea, forgejo].map((sim) => sim?.close())));

interface SimRun {
  id: number;
  runNumber: number;
  owner: string;
  repo: string;
  workflow: string;
  status: string;
}

/** Starts a run of `workflow` in acme/target and returns it once it is as far as asked. */
async function startRun(sim: Sim, workflow: string, until: 'completed' | 'started'): Promise<SimRun> {
  const known = new Set(((await control(sim, 'GET', 'runs')) as SimRun[]).map((r) => r.id));
  if (until === 'started') {
    await control(sim, 'POST', `repos/acme/target/workflows/${workflow}/script`, {
      runs: [{ durationMs: 3_600_000 }],
    });
  }
  const response = await fetch(`${sim.apiUrl}/repos/acme/target/actions/workflows/${workflow}/dispatches`, {
    method: 'POST',
    headers: { authorization: 'token examples', 'content-type': 'application/json' },
    body: JSON.stringify({ ref: 'main', inputs: {} }),
  });
  expect(response.ok).toBe(true);
  for (let i = 0; i < 200; i++) {
    const run = ((await control(sim, 'GET', 'runs')) as SimRun[]).find((r) => !known.has(r.id));
    if (run && (until === 'started' || run.status === 'completed')) return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${until} run of ${workflow}`);
}

const HOSTS: Readonly<Record<string, () => Sim>> = {
  'https://api.github.com': () => github,
  'https://github.com': () => github,
  'https://gitea.example.com': () => gitea,
  'https://codeberg.org': () => forgejo,
};

/** The example as bash will run it here: simulator addresses, and a real run for the ids. */
async function prepare(command: string): Promise<string> {
  const hosts = [...command.matchAll(/https?:\/\/[^/\s'"]+/g)].map((m) => m[0]);
  const unknown = hosts.filter((h) => !(h in HOSTS));
  if (unknown.length > 0) throw new Error(`add ${unknown.join(', ')} to HOSTS so this example can run`);
  const sim = hosts.length > 0 ? HOSTS[hosts[0]!]!() : github;
  let text = command;
  for (const host of hosts) {
    const target = HOSTS[host]!();
    text = text.replaceAll(host, host === 'https://api.github.com' ? target.apiUrl : target.url);
  }
  const id = /\b(123456|42)\b/.exec(text)?.[1];
  if (id === undefined) return text;
  const cancel = /^xrd cancel /.test(text);
  const workflow = / --failed\b/.test(text) ? 'fail.yml' : 'build.yml';
  const run = await startRun(sim, workflow, cancel ? 'started' : 'completed');
  const webOfGitea = sim !== github && new RegExp(`${sim.url}/acme/target/actions/runs/${id}\\b`).test(text);
  return text.replaceAll(new RegExp(`\\b${id}\\b`, 'g'), String(webOfGitea ? run.runNumber : run.id));
}

/**
 * The example run by its shell (bash, or zsh / fish for their completion examples), with `xrd` on
 * PATH and the environment the examples assume.
 */
function inShell(command: string, shell: 'bash' | 'zsh' | 'fish' = 'bash') {
  const args = {
    bash: ['-o', 'pipefail', '-c', command],
    zsh: ['-f', '-c', command],
    fish: ['--no-config', '-c', command],
  }[shell];
  return xrd(args, {
    bin: shell,
    // Examples that write files (--artifacts-dir out, >> "$GITHUB_ENV") write them here.
    cwd: bin,
    timeoutMs: 60_000,
    env: {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: bin,
      XRD_TOKEN: 'examples-token-0123456789',
      SHA: 'a'.repeat(40),
      GIT_COMMIT: COMMIT,
      GITHUB_ACTIONS: 'true',
      GITHUB_SERVER_URL: github.url,
      GITHUB_API_URL: github.apiUrl,
      GITHUB_REPOSITORY: 'acme/source',
      GITHUB_ENV: join(bin, 'github-env'),
    },
  });
}

/** Each example once, with every place that shows it. */
function distinct(all: readonly Example[]): Example[] {
  const places = new Map<string, string[]>();
  for (const { where, command } of all) places.set(command, [...(places.get(command) ?? []), where]);
  return [...places].map(([command, where]) => ({ command, where: where.join(', ') }));
}

// Examples that name a run id (123456, 42) get a run started for them just before (`prepare`), found
// as the run that was not there yet and, for a cancel, made long by a script the next dispatch of
// build.yml takes: those run one at a time, after the others. Every other example runs side by side:
// `xrd demo` and completion need no shared simulator, and a dispatch finds its own run by its
// correlation id, which is what xrd does against a busy forge anyway.
const namesARun = (e: Example): boolean => /\b(123456|42)\b/.test(e.command);
// As long as inShell lets an example run: several `xrd demo` (about 16 s each, mostly real-time
// waits) side by side on a loaded machine can pass vitest's default 20 s.
const EXAMPLE_TIMEOUT_MS = 60_000;

describe('every command example in --help and the READMEs', async () => {
  const examples = distinct([...(await helpExamples()), ...readmeExamples()]);

  it('finds the examples of every command and of the READMEs', () => {
    const commands = new Set(examples.map((e) => /xrd (\w+)/.exec(e.command)?.[1]));
    expect([...commands].sort()).toEqual([
      'cancel',
      'completion',
      'demo',
      'dispatch',
      'logs',
      'status',
      'wait',
    ]);
    expect(examples.some((e) => e.where.endsWith('README.md'))).toBe(true);
  });

  it.concurrent.each(examples.filter((e) => !namesARun(e)))('$where: $command', run, EXAMPLE_TIMEOUT_MS);
  it.each(examples.filter(namesARun))('$where: $command', run, EXAMPLE_TIMEOUT_MS);
});

async function run({ command }: Example): Promise<void> {
  // Completion for shells this machine may not have: the script is printed and non-empty.
  const shell = /completion (zsh|fish)/.exec(command)?.[1];
  if (shell !== undefined && !hasShell(shell)) {
    const r = await inShell(`xrd completion ${shell}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cancel-on-interrupt');
    return;
  }
  // The zsh and fish examples, in their own shell, and the completion they load must work there: zsh
  // (after compinit, as in a .zshrc) maps `xrd` to the script's function, fish completes a command.
  if (shell === 'zsh') {
    const r = await inShell(
      `autoload -Uz compinit && compinit -u -D && ${command} && [[ $_comps[xrd] == _xrd ]]`,
      'zsh',
    );
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return;
  }
  if (shell === 'fish') {
    const r = await inShell(`${command}; and complete -C 'xrd dispa' | string match -q 'dispatch*'`, 'fish');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return;
  }
  const r = await inShell(await prepare(command));
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  if (/\| jq /.test(command)) expect(r.stdout.trim()).not.toBe('');
}
