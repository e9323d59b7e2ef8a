// The Actions runner protocol, the part this step uses — written out instead of taking
// @actions/core, whose OIDC client bundles a second HTTP stack (undici 6, ~0.9 MB) into an action
// that only ever talks through the one transport on the platform's fetch. The protocol is small and
// documented ("Workflow commands for GitHub Actions"; act_runner implements the same commands):
//
// - inputs arrive as `INPUT_<NAME>` (upper-cased, spaces → `_`), state as `STATE_<name>`;
// - outputs and state are appended to the files named by `GITHUB_OUTPUT` / `GITHUB_STATE` as
//   `name<<delimiter` / value / `delimiter` (a random delimiter that occurs in neither), or, where a
//   runner provides no file, printed as `::set-output` / `::save-state` commands;
// - messages are workflow commands on stdout: `::debug::`, `::warning::`, `::error title=…::`,
//   `::add-mask::`, `::group::` / `::endgroup::`, with `%`, CR and LF escaped in the data (and `:`
//   and `,` too in properties);
// - the job summary is Markdown appended to the file named by `GITHUB_STEP_SUMMARY`.
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';

type Env = Readonly<Record<string, string | undefined>>;

export interface Runner {
  getInput(name: string): string;
  getState(name: string): string;
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  setSecret(value: string): void;
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string, properties?: { readonly title?: string }): void;
  startGroup(name: string): void;
  endGroup(): void;
  /** Marks the step failed (exit code 1) with an error annotation. */
  setFailed(message: string): void;
  /** Appends Markdown to the job summary; false when the runner provides no summary file. */
  appendSummary(markdown: string): boolean;
}

const escapeData = (text: string): string =>
  text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (text: string): string => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function createRunner(
  env: Env = process.env,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Runner {
  const command = (name: string, message: string, properties: Record<string, string> = {}): void => {
    const props = Object.entries(properties)
      .map(([key, value]) => `${key}=${escapeProperty(value)}`)
      .join(',');
    write(`::${name}${props ? ` ${props}` : ''}::${escapeData(message)}${EOL}`);
  };

  /** `name<<delimiter` value `delimiter` into a runner file, or the command where there is none. */
  const fileCommand = (variable: string, fallback: string, name: string, value: string): void => {
    const file = env[variable];
    if (!file) {
      command(fallback, value, { name });
      return;
    }
    const delimiter = `ghadelimiter_${randomUUID()}`;
    if (name.includes(delimiter) || value.includes(delimiter)) {
      throw new Error(
        `The ${variable} delimiter occurs in "${name}"; this cannot happen with a random delimiter.`,
      );
    }
    appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8');
  };

  return {
    getInput: (name) => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim(),
    getState: (name) => env[`STATE_${name}`] ?? '',
    setOutput: (name, value) => fileCommand('GITHUB_OUTPUT', 'set-output', name, value),
    saveState: (name, value) => fileCommand('GITHUB_STATE', 'save-state', name, value),
    setSecret: (value) => command('add-mask', value),
    debug: (message) => command('debug', message),
    info: (message) => write(`${message}${EOL}`),
    warning: (message) => command('warning', message),
    error: (message, properties = {}) =>
      command('error', message, properties.title === undefined ? {} : { title: properties.title }),
    startGroup: (name) => command('group', name),
    endGroup: () => command('endgroup', ''),
    setFailed(message) {
      process.exitCode = 1;
      command('error', message);
    },
    appendSummary(markdown) {
      const file = env.GITHUB_STEP_SUMMARY;
      if (!file) return false;
      appendFileSync(file, `${markdown}${EOL}`, 'utf8');
      return true;
    },
  };
}
