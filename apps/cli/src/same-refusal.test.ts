// The shared table of bad values (core's BAD_OPTION_CASES) through the CLI, in process: argv and
// environment as a user gives them, the sentence on stderr, exit 2. The same values are refused by
// the action and the webhook config in the same words (their own tests run the same table).
import { OPTIONS } from '@xrd/core';
import { BAD_OPTION_CASES, badOptionMessage, URL_PASSWORD } from '@xrd/core/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

const base: Record<string, string> = {
  'api-url': 'http://127.0.0.1:1',
  repo: 'acme/target',
  workflow: 'build.yml',
};

/** Runs `xrd …` in process; the signal is aborted up front, so nothing can be sent. */
async function xrd(argv: readonly string[], env: Record<string, string>) {
  const out = { stdout: '', stderr: '' };
  const code = await runCli({
    argv,
    env: { NO_COLOR: '1', ...env },
    stdout: {
      write: (s: string) => {
        out.stdout += s;
      },
    },
    stderr: {
      write: (s: string) => {
        out.stderr += s;
      },
    },
    signal: AbortSignal.abort(),
  });
  return { code, ...out };
}

function dispatch(options: Record<string, string>, env: Record<string, string>) {
  const argv = ['dispatch'];
  for (const [name, value] of Object.entries(options)) {
    const flag = name === 'inputs' ? '--inputs-json' : OPTIONS[name as keyof typeof OPTIONS].cli?.flag;
    argv.push(flag as string, value);
  }
  return xrd(argv, env);
}

// The CLI's switches (--wait, --cancel-on-timeout, --cancel-on-interrupt) take no value.
const cases = BAD_OPTION_CASES.filter(
  (c) => OPTIONS[c.option].cli?.arg !== undefined && !c.skip?.includes('cli'),
);

describe('the CLI refuses the shared bad values', () => {
  it.each(cases.map((c) => [`${c.option} ${JSON.stringify(c.value.slice(0, 30))}`, c] as const))(
    '%s',
    async (_name, c) => {
      const options: Record<string, string> = { ...base, ...c.with };
      for (const name of c.without ?? []) delete options[name];
      // The token is not a flag worth testing with (visible in ps): the environment is the usual way.
      const env: Record<string, string> = { XRD_TOKEN: 'ghp_valid' };
      let label: string = OPTIONS[c.option].cli?.flag ?? c.option;
      if (c.option === 'token') {
        env.XRD_TOKEN = c.value;
        label = '$XRD_TOKEN';
      } else {
        options[c.option] = c.value;
        if (c.option === 'inputs') label = '--inputs-json';
      }
      const r = await dispatch(options, env);
      expect(r.stderr).toBe(`xrd: ${badOptionMessage(c, label)}\n`);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    },
  );

  it('never prints a password given inside a URL, wherever it is given', async () => {
    const url = `https://bot:${URL_PASSWORD}@example.com`;
    for (const argv of [
      ['dispatch', '--server', url, '--repo', 'a/b', '--workflow', 'b.yml'],
      ['wait', `${url}/acme/target/actions/runs/5`, '--forge', 'github'],
      ['status', '5', '--repo', url],
      ['dispatch', '--bogus', url],
      ['dispatch', '--api-url', url, '--json'],
    ]) {
      const { code, stdout, stderr } = await xrd(argv, { XRD_TOKEN: 'ghp_valid' });
      const out = stdout + stderr;
      expect(code, argv.join(' ')).toBe(2);
      expect(out, argv.join(' ')).not.toContain(URL_PASSWORD);
    }
  });
});
