// The shared table of bad values (core's BAD_OPTION_CASES) through the action's own input reading:
// every value the CLI and the webhook config refuse is refused here in the same sentence, named as
// the workflow wrote the input. `prepare` reads and validates everything without sending a request.
import { OPTIONS } from '@xrd/core';
import { BAD_OPTION_CASES, badOptionMessage } from '@xrd/core/testing';
import { describe, expect, it } from 'vitest';
import { prepare } from './main.js';
import { createRunner } from './runner.js';

/** A runner whose inputs come from `getInput` (everything else as on a runner without files). */
const runnerOf = (getInput: (name: string) => string) => ({ ...createRunner({}), getInput });

const valid: Record<string, string> = {
  repo: 'acme/target',
  workflow: 'build.yml',
  ref: 'main',
  token: 'job-token',
};

const cases = BAD_OPTION_CASES.filter(
  (c) => OPTIONS[c.option].action !== undefined && !c.skip?.includes('action'),
);

describe('the action refuses the shared bad values', () => {
  it.each(cases.map((c) => [`${c.option} ${JSON.stringify(c.value.slice(0, 30))}`, c] as const))(
    '%s',
    (_name, c) => {
      const inputs: Record<string, string> = { ...valid, ...c.with, [c.option]: c.value };
      for (const name of c.without ?? []) delete inputs[name];
      // The runner trims inputs (runner.ts getInput); a value inside stays as it is.
      let message: string | undefined;
      try {
        prepare(
          runnerOf((name) => (inputs[name] ?? '').trim()),
          {},
        );
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toBe(badOptionMessage(c, c.option));
    },
  );

  it('takes an empty input for one not given (the runner passes both as "")', () => {
    const inputs: Record<string, string> = { ...valid, 'correlation-id': '', 'status-context': '' };
    const prepared = prepare(
      runnerOf((name) => inputs[name] ?? ''),
      {},
    );
    expect(prepared.options).not.toHaveProperty('correlationId');
    expect(prepared.options.report).toBeUndefined();
  });
});

describe('the cross-repo-dispatch `user`', () => {
  it('is a user name within the target forge’s limit', () => {
    const inputs = (extra: Record<string, string>) => {
      const all: Record<string, string> = { ...valid, ...extra };
      return (name: string) => all[name] ?? '';
    };
    expect(() => prepare(runnerOf(inputs({ user: 'bot user' })), {})).toThrow(
      '`user` must be a user or organisation name, not "bot user".',
    );
    expect(() => prepare(runnerOf(inputs({ user: 'u'.repeat(40) })), {})).toThrow('GitHub allows at most 39');
    const gitea = { forge: 'gitea', 'server-url': 'https://gitea.example.com' };
    expect(prepare(runnerOf(inputs({ ...gitea, user: 'u'.repeat(40) })), {}).inputs.user).toBe(
      'u'.repeat(40),
    );
  });
});
