import { describe, expect, it } from 'vitest';
import { environmentDefaults, parseInputPairs, parseTargetSpecs, toRawRunOptions } from './flags.js';

describe('toRawRunOptions', () => {
  it('maps every flag onto the canonical (action) option name', () => {
    const { raw } = toRawRunOptions({
      forge: 'gitea',
      server: 'https://git.example.com',
      apiUrl: 'https://git.example.com/api/v1',
      repo: 'acme/target',
      workflow: 'build.yml',
      eventType: 'build',
      ref: 'main',
      clientPayload: '{"a":1}',
      wait: false,
      timeout: '30m',
      interval: '5s',
      maxRuns: '4',
      correlation: 'run-name',
      correlationId: 'abc',
      correlationInput: 'cid',
      failOn: 'failure',
      reportStatus: 'deadbeef',
      reportComment: '7',
      statusContext: 'ci/x',
      sourceRepo: 'acme/source',
      cancelOnTimeout: true,
      cancelOnInterrupt: true,
    });
    expect(raw).toEqual({
      forge: 'gitea',
      'server-url': 'https://git.example.com',
      'api-url': 'https://git.example.com/api/v1',
      repo: 'acme/target',
      workflow: 'build.yml',
      'event-type': 'build',
      ref: 'main',
      'client-payload': '{"a":1}',
      wait: 'false',
      timeout: '30m',
      'poll-interval': '5s',
      'max-runs': '4',
      correlation: 'run-name',
      'correlation-id': 'abc',
      'correlation-input': 'cid',
      'fail-on': 'failure',
      'report-status': 'deadbeef',
      'status-context': 'ci/x',
      'report-comment': '7',
      'source-repo': 'acme/source',
      'cancel-on-timeout': 'true',
      'cancel-on-cancel': 'true',
    });
  });

  it("leaves out what was not given (no ref: the target's default branch), except the CLI-specific ones", () => {
    expect(toRawRunOptions({ repo: 'a/b' }).raw).toEqual({
      repo: 'a/b',
      'cancel-on-cancel': 'false',
    });
  });

  it('labels options with the flags the user typed', () => {
    const { label } = toRawRunOptions({});
    expect(label('server-url')).toBe('--server');
    expect(label('poll-interval')).toBe('--interval');
    expect(label('cancel-on-cancel')).toBe('--cancel-on-interrupt');
    expect(label('inputs')).toBe('--input');
    expect(toRawRunOptions({ inputsJson: '{}' }).label('inputs')).toBe('--inputs-json');
  });

  it('turns --input pairs into a JSON object and merges them over --inputs-json', () => {
    expect(toRawRunOptions({ input: ['a=1', 'b=x=y', 'c='] }).raw.inputs).toBe('{"a":"1","b":"x=y","c":""}');
    expect(toRawRunOptions({ inputsJson: 'not json' }).raw.inputs).toBe('not json');
    expect(toRawRunOptions({ inputsJson: '{"a":"0","z":"9"}', input: ['a=1'] }).raw.inputs).toBe(
      '{"a":"1","z":"9"}',
    );
    expect(() => toRawRunOptions({ inputsJson: '[1]', input: ['a=1'] })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: --inputs-json is not a JSON object; write it as '{"name":"value"}'.]`,
    );
  });

  it('rejects an --input without KEY=', () => {
    expect(() => parseInputPairs(['novalue'])).toThrowErrorMatchingInlineSnapshot(
      `[InvalidInputError: --input "novalue" is not KEY=VALUE; write it as --input name=value (repeat --input for more).]`,
    );
    expect(() => parseInputPairs(['=x'])).toThrow(/is not KEY=VALUE/);
  });
});

describe('environmentDefaults', () => {
  const detected = { kind: 'gitea', apiUrl: 'https://g.example/api/v1', serverUrl: 'https://g.example' };

  it("uses the runner's forge only when no location flag was given", () => {
    expect(environmentDefaults({}, detected, {})).toEqual({
      forge: 'gitea',
      'api-url': 'https://g.example/api/v1',
      'server-url': 'https://g.example',
    });
    expect(environmentDefaults({ 'server-url': 'https://other' }, detected, {})).toEqual({});
    expect(environmentDefaults({ forge: 'github' }, detected, {})).toEqual({});
  });

  it('takes the source repository from GITHUB_REPOSITORY', () => {
    expect(environmentDefaults({}, undefined, { GITHUB_REPOSITORY: 'acme/source' })).toEqual({
      'source-repo': 'acme/source',
    });
  });
});

describe('--target and --targets', () => {
  it('reads owner/name:workflow, then KEY=VALUE pairs, input.NAME for one input', () => {
    expect(
      JSON.parse(
        parseTargetSpecs([
          'acme/app:build.yml',
          'acme/mirror:ci.yml,forge=gitea,api-url=https://git.example.com/api/v1,token-env=MIRROR,input.version=1.2.3',
          'acme/lib',
          'repo=acme/x,event-type=deploy',
        ]),
      ),
    ).toEqual([
      { repo: 'acme/app', workflow: 'build.yml' },
      {
        repo: 'acme/mirror',
        workflow: 'ci.yml',
        forge: 'gitea',
        'api-url': 'https://git.example.com/api/v1',
        'token-env': 'MIRROR',
        inputs: { version: '1.2.3' },
      },
      { repo: 'acme/lib' },
      { repo: 'acme/x', 'event-type': 'deploy' },
    ]);
  });

  it('says which part of which --target is not KEY=VALUE', () => {
    expect(() => parseTargetSpecs(['acme/app:build.yml', 'acme/lib,main'])).toThrow(
      '`--target[1]` has "main", which is not KEY=VALUE; write it as --target acme/app:build.yml,ref=main (keys after the first part).',
    );
  });

  it('reads a --targets file as the text of the option, and names it in messages', () => {
    const { raw, label } = toRawRunOptions({ targets: 'list.yml' }, (path) => `- repo: acme/a # ${path}`);
    expect(raw.targets).toBe('- repo: acme/a # list.yml');
    expect(label('targets')).toBe('--targets');
    expect(() =>
      toRawRunOptions({ targets: 'missing.yml' }, () => {
        throw new Error('ENOENT');
      }),
    ).toThrow('--targets "missing.yml" cannot be read; check the path and its permissions.');
    expect(() => toRawRunOptions({ targets: 'a.yml', target: ['acme/b'] })).toThrow(
      'Give the targets either with --target (repeated) or with --targets FILE, not both.',
    );
  });
});
