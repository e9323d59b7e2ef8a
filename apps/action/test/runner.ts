// A tiny Actions runner for the end-to-end tests: it runs the bundled dist/index.js exactly as the
// GitHub runner and act_runner do — `node dist/index.js` with `INPUT_<NAME>` variables (action.yml
// defaults applied here, as the runner does), real GITHUB_OUTPUT / GITHUB_STEP_SUMMARY /
// GITHUB_STATE files, and the post phase with `STATE_<name>` variables from the saved state.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(root, 'dist', 'index.js');

interface ActionYml {
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description?: string }>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string };
}

let cachedYml: ActionYml | undefined;
export async function actionYml(): Promise<ActionYml> {
  cachedYml ??= parse(await readFile(join(root, 'action.yml'), 'utf8')) as ActionYml;
  return cachedYml;
}

/** The runner's variable name for an input: upper-cased, spaces → `_`, hyphens kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Parses a file-command file (`name<<delimiter` / value lines / `delimiter`, or `name=value`). */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delimiter) value.push(lines[i++]!);
      if (i >= lines.length) throw new Error(`unterminated value for ${name} (delimiter ${delimiter})`);
      out[name!] = value.join('\n');
    } else {
      const eq = line.indexOf('=');
      if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return out;
}

export interface StepOptions {
  readonly phase: 'main' | 'post';
  /** The Node that runs the bundle (default: the one running the tests, the workspace's Node 24). */
  readonly node?: string;
  /** The `with:` map of the workflow step, as written (defaults are applied from action.yml). */
  readonly with?: Record<string, string>;
  /** Runner variables (GITHUB_SERVER_URL, GITEA_ACTIONS, …). */
  readonly env?: Record<string, string>;
  /** `github.token` as the runner would expand `${{ github.token }}`. */
  readonly jobToken?: string;
  /** The event payload written to GITHUB_EVENT_PATH. */
  readonly event?: unknown;
  /** The state saved by the main phase (post only). */
  readonly state?: Record<string, string>;
}

export interface StepResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly state: Record<string, string>;
  readonly summary: string;
  /** `::error …::message` lines, decoded. */
  readonly errors: string[];
  /** The step's working directory (GITHUB_WORKSPACE on a runner). */
  readonly workdir: string;
}

export interface StartedStep {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  readonly stdout: () => string;
  readonly statePath: string;
  readonly result: Promise<StepResult>;
}

function expand(value: string, jobToken: string): string {
  return value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    if (expr === 'github.token') return jobToken;
    throw new Error(`the test runner cannot evaluate \${{ ${expr} }}`);
  });
}

function decodeCommand(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

export async function startStep(options: StepOptions): Promise<StartedStep> {
  const yml = await actionYml();
  const dir = await mkdtemp(join(tmpdir(), `xrd-action-${options.phase}-`));
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_PATH: join(dir, 'path'),
  };
  for (const file of Object.values(files)) await writeFile(file, '');
  const eventPath = join(dir, 'event.json');
  await writeFile(eventPath, JSON.stringify(options.event ?? {}));

  const given = options.with ?? {};
  for (const name of Object.keys(given)) {
    if (!(name in yml.inputs)) throw new Error(`action.yml declares no input "${name}"`);
  }
  const inputEnv: Record<string, string> = {};
  for (const [name, spec] of Object.entries(yml.inputs)) {
    const value = given[name] ?? spec.default;
    if (value !== undefined) inputEnv[inputEnvName(name)] = expand(String(value), options.jobToken ?? '');
  }
  const stateEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.state ?? {})) stateEnv[`STATE_${name}`] = value;

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    RUNNER_TEMP: dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_PATH: eventPath,
    ...files,
    ...options.env,
    ...inputEnv,
    ...stateEnv,
  };
  const child = spawn(options.node ?? process.execPath, [DIST], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const result = new Promise<StepResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      void (async () => {
        const [output, state, summary] = await Promise.all([
          readFile(files.GITHUB_OUTPUT, 'utf8'),
          readFile(files.GITHUB_STATE, 'utf8'),
          readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
        ]);
        const errors = [...stdout.matchAll(/^::error(?: [^:]*)?::(.*)$/gm)].map((m) => decodeCommand(m[1]!));
        resolve({
          code,
          signal,
          stdout,
          stderr,
          outputs: parseFileCommands(output),
          state: parseFileCommands(state),
          summary,
          errors,
          workdir: dir,
        });
      })().catch(reject);
    });
  });
  return { child, stdout: () => stdout, statePath: files.GITHUB_STATE, result };
}

export async function runStep(options: StepOptions): Promise<StepResult> {
  return (await startStep(options)).result;
}

/** Runs main, then — when `cancelled` holds, as `post-if: cancelled()` says — post with its state. */
export async function runPost(main: StepResult, options: Omit<StepOptions, 'phase' | 'state'>) {
  return runStep({ ...options, phase: 'post', state: main.state });
}
