import { describe, expect, it } from 'vitest';
import { InvalidInputError, redact } from './errors.js';
import { parseFanOutOptions } from './fan-out-options.js';
import {
  durationParser,
  OPTION_LIST,
  OPTIONS,
  type OptionName,
  parseInputsObject,
  readOption,
} from './options.js';
import { parseRunOptions, type RawRunOptionName, type RawRunOptions } from './run-options.js';
import { BAD_OPTION_CASES, badOptionMessage, URL_PASSWORD } from './testing/bad-options.js';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('expected an InvalidInputError');
}

describe('the option table', () => {
  it('declares each option under its own name, each flag, input and alias once', () => {
    for (const [key, spec] of Object.entries(OPTIONS)) expect(spec.name).toBe(key);
    const flags = OPTION_LIST.flatMap((o) =>
      o.cli ? [o.cli.flag, ...(o.cli.negate ? [o.cli.negate.flag] : [])] : [],
    );
    expect(new Set(flags).size).toBe(flags.length);
    const inputs = OPTION_LIST.flatMap((o) =>
      o.action ? [o.name, ...(o.action.aliases ?? []).map((a) => a.name)] : [],
    );
    expect(new Set(inputs).size).toBe(inputs.length);
    const keys = OPTION_LIST.flatMap((o) => (o.config ? [`${o.config.scope}:${o.config.key}`] : []));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives every duration a unit, and that unit is what a bare number means', () => {
    const durations = OPTION_LIST.filter((o) => o.unit !== undefined);
    expect(durations.map((o) => o.name)).toEqual(['timeout', 'poll-interval', 'expected-duration']);
    for (const o of durations) expect(o.parse('90', { label: o.name })).toBe(90_000);
  });
});

describe('readOption', () => {
  it('refuses an explicitly empty value instead of taking it as not given', () => {
    expect(refusal(() => readOption('ref', '  ', { label: '--ref' }))).toBe(
      '`--ref` is empty; give it a value or leave it out.',
    );
    expect(readOption('ref', ' main ', { label: 'ref' })).toBe('main');
  });

  it('names limits by forge: owner 39 on GitHub, 40 on Gitea and Forgejo; repository 100', () => {
    const owner40 = `${'o'.repeat(40)}/target`;
    expect(refusal(() => readOption('repo', owner40, { label: 'repo', forge: 'github' }))).toContain(
      'GitHub allows at most 39',
    );
    expect(readOption('repo', owner40, { label: 'repo', forge: 'gitea' })).toEqual({
      owner: 'o'.repeat(40),
      repo: 'target',
    });
    expect(
      refusal(() => readOption('repo', `${'o'.repeat(41)}/t`, { label: 'repo', forge: 'forgejo' })),
    ).toBe('`repo` has an owner name of 41 characters, but Forgejo allows at most 40; check the value.');
    expect(readOption('repo', `acme/${'r'.repeat(100)}`, { label: 'repo' }).repo).toHaveLength(100);
    expect(readOption('repo', 'acme/c++', { label: 'repo', forge: 'forgejo' })).toEqual({
      owner: 'acme',
      repo: 'c++',
    });
    expect(refusal(() => readOption('repo', 'acme/c++', { label: 'repo', forge: 'gitea' }))).toContain(
      'must look like owner/name',
    );
    expect(refusal(() => readOption('repo', './x', { label: 'repo' }))).toContain(
      'must look like owner/name',
    );
  });

  it('never quotes a password back, nor a line break, nor 10,000 characters', () => {
    const url = `https://u:${URL_PASSWORD}@example.com`;
    for (const name of ['api-url', 'server-url'] as const) {
      const message = refusal(() => readOption(name, url, { label: name }));
      expect(message).not.toContain(URL_PASSWORD);
    }
    // No scheme: `new URL` would take this for a path; it is still refused without an echo.
    expect(
      refusal(() => readOption('api-url', `u:${URL_PASSWORD}@example.com`, { label: 'x' })),
    ).not.toContain(URL_PASSWORD);
    expect(
      refusal(() => readOption('repo', `https://u:${URL_PASSWORD}@x/y`, { label: 'repo' })),
    ).not.toContain(URL_PASSWORD);
    expect(refusal(() => readOption('workflow', 'a\nb', { label: 'workflow' }))).toContain('"a\\nb"');
    expect(
      refusal(() => readOption('correlation-id', 'x '.repeat(5000), { label: 'c' })).length,
    ).toBeLessThan(200);
  });

  it('refuses URLs with line breaks that `new URL` would silently drop', () => {
    expect(refusal(() => readOption('api-url', 'https://exa\tmple.com', { label: 'api-url' }))).toContain(
      'must be an http(s) URL',
    );
    expect(readOption('api-url', 'https://example.com/api/v1//', { label: 'api-url' })).toBe(
      'https://example.com/api/v1',
    );
  });

  it('refuses refs git would refuse, and takes the ones it accepts', () => {
    for (const ok of ['main', 'refs/heads/feature/x', 'v1.2.3', 'a'.repeat(40), 'release-1.x']) {
      expect(readOption('ref', ok, { label: 'ref' })).toBe(ok);
    }
    for (const bad of [
      'a b',
      'a..b',
      'a~1',
      'x^',
      'a:b',
      'a?',
      'a*',
      'a[b',
      'a\\b',
      'a@{1}',
      '@',
      '/a',
      'a/',
      'a.',
      'a//b',
      'a/.x',
      'x.lock',
      'm\u0001',
    ]) {
      expect(
        refusal(() => readOption('ref', bad, { label: 'ref' })),
        bad,
      ).toContain('must be a branch, tag or commit');
    }
  });

  it('reads workflows by file name or safe numeric id', () => {
    expect(readOption('workflow', '.github/workflows/build.yml', { label: 'w' })).toBe('build.yml');
    expect(readOption('workflow', '42', { label: 'w' })).toBe(42);
    expect(refusal(() => readOption('workflow', '0', { label: 'w' }))).toContain('numeric id');
    expect(refusal(() => readOption('workflow', '99999999999999999999', { label: 'w' }))).toContain(
      'numeric id',
    );
  });

  it('refuses event types on forges without repository_dispatch, and control characters', () => {
    expect(refusal(() => readOption('event-type', 'build', { label: 'event-type', forge: 'forgejo' }))).toBe(
      '`event-type` needs GitHub: Forgejo has no repository_dispatch, so dispatch a workflow instead.',
    );
    expect(refusal(() => readOption('event-type', 'a\nb', { label: 'e' }))).toContain('control characters');
  });

  it('reads report switches: on, off, a sha, a pull request number (1 is #1)', () => {
    expect(readOption('report-status', 'yes', { label: 's' })).toBe(true);
    expect(readOption('report-status', 'ABCDEF1', { label: 's' })).toBe('ABCDEF1');
    expect(readOption('report-comment', '1', { label: 'c' })).toBe(1);
    expect(readOption('report-comment', '#7', { label: 'c' })).toBe(7);
    expect(readOption('report-comment', 'off', { label: 'c' })).toBe(false);
    expect(refusal(() => readOption('status-context', 'a\nb', { label: 'c' }))).toBe(
      '`c` must be one line without control characters.',
    );
  });

  it('takes printable ASCII tokens only', () => {
    expect(readOption('token', ' ghp_abc ', { label: 't' })).toBe('ghp_abc');
    for (const bad of ['a b', 'a\nb', 'a\u0000b', 'tökén']) {
      expect(refusal(() => readOption('token', bad, { label: 't' }))).toContain(
        'put only the token itself there',
      );
    }
  });

  it('durations: bare numbers are seconds; a minimum applies where asked', () => {
    const any = durationParser();
    expect(any('120', { label: 'x' })).toBe(120_000);
    expect(any('250ms', { label: 'x' })).toBe(250);
    expect(refusal(() => durationParser(1_000)('500ms', { label: 'x' }))).toBe(
      '`x` must be at least 1s, not "500ms".',
    );
  });
});

describe('parseInputsObject', () => {
  it('takes scalar values under input names, and nothing else', () => {
    expect(parseInputsObject({ a: 1, b_c: true, 'd-e': 'x' }, { label: 'i' })).toEqual({
      a: '1',
      b_c: 'true',
      'd-e': 'x',
    });
    expect(refusal(() => parseInputsObject({ 'bad name': 'x' }, { label: 'i' }))).toBe(
      '`i` has "bad name", which is not an input name (a letter or _, then letters, digits, - and _).',
    );
    expect(refusal(() => parseInputsObject('text', { label: 'i' }))).toBe(
      '`i` must be an object (key: value) of workflow inputs.',
    );
    expect(refusal(() => parseInputsObject({ a: { b: 1 } }, { label: 'i' }))).toContain(
      'since workflow inputs are scalars',
    );
  });
});

describe('the shared bad values (BAD_OPTION_CASES), through parseRunOptions', () => {
  const base: RawRunOptions = { repo: 'acme/target', workflow: 'build.yml', ref: 'main' };
  it.each(BAD_OPTION_CASES.map((c) => [`${c.option} ${JSON.stringify(c.value.slice(0, 30))}`, c] as const))(
    '%s',
    (_name, c) => {
      const raw: Record<string, string | undefined> = { ...base, ...c.with, [c.option]: c.value };
      for (const name of c.without ?? []) delete raw[name];
      const run =
        c.option === 'token'
          ? () => readOption('token', c.value, { label: 'token' })
          : raw.targets !== undefined
            ? () => parseFanOutOptions(raw as RawRunOptions, { targetToken: 'token' })
            : () => parseRunOptions(raw as RawRunOptions);
      expect(refusal(run)).toBe(badOptionMessage(c, c.option));
    },
  );

  it('covers every run option the action and the CLI validate', () => {
    const covered = new Set<OptionName>(BAD_OPTION_CASES.map((c) => c.option));
    const runOptions = Object.keys(OPTIONS).filter(
      (n) => !['token', 'user', 'comment-title'].includes(n),
    ) as RawRunOptionName[];
    // No value of these is wrong on its own: they only clash with others (tested above).
    const combinational: readonly RawRunOptionName[] = ['cancel-on-timeout', 'cancel-on-cancel'];
    expect(runOptions.filter((n) => !covered.has(n) && !combinational.includes(n))).toEqual([]);
  });
});

describe('redact', () => {
  it('removes user:password@ from any URL in a text, whatever the scheme', () => {
    expect(
      redact(
        `fetch failed: Request cannot be constructed from a URL that includes credentials: https://bot:${URL_PASSWORD}@git.example.com/api/v1/repos`,
      ),
    ).toBe(
      'fetch failed: Request cannot be constructed from a URL that includes credentials: https://***@git.example.com/api/v1/repos',
    );
    expect(redact(`postgres://xrd:${URL_PASSWORD}@db:5432/x and http://u:p@ss@host/p`)).toBe(
      'postgres://***@db:5432/x and http://***@host/p',
    );
    // Not credentials: an @ in a path or query, an e-mail address.
    expect(redact('https://host/a@b?x=c@d mail me@example.com')).toBe(
      'https://host/a@b?x=c@d mail me@example.com',
    );
  });

  it('removes given secrets and well-known token shapes', () => {
    expect(redact('token abcd1234 and ghp_abcdefghijklmnopqrstuvwxyz0123', ['abcd1234'])).toBe(
      'token *** and ***',
    );
    expect(redact('Authorization: Bearer xyz')).toBe('Authorization: Bearer ***');
  });
});
