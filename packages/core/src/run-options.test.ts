import { describe, expect, it } from 'vitest';
import { DEFAULT_FAIL_ON } from './conclusions.js';
import { prepareDispatch } from './dispatch.js';
import { InvalidInputError } from './errors.js';
import { dispatchRequestOf } from './flow.js';
import type { RawRunOptionName } from './options.js';
import {
  describeRunSettings,
  type ParseRunOptionsContext,
  parseBoolean,
  parseDuration,
  parseLocationOptions,
  parseRunOptions,
  type RawRunOptions,
} from './run-options.js';

const base: RawRunOptions = { repo: 'acme/target', workflow: 'build.yml', ref: 'main' };

/** `input: message` of the error parseRunOptions throws. */
function problem(raw: RawRunOptions, ctx?: ParseRunOptionsContext): string {
  try {
    parseRunOptions({ ...base, ...raw }, ctx);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    // The JSON parser's own words differ between Node versions.
    const message = (error as Error).message.replace(/not valid JSON \(.*\);/, 'not valid JSON (…);');
    return `${(error as InvalidInputError).input}: ${message}`;
  }
  throw new Error('expected an InvalidInputError');
}

describe('parseRunOptions', () => {
  it('expected-duration: a duration, said in the settings line; absent unless given', () => {
    const options = parseRunOptions({ ...base, 'expected-duration': '10m' });
    expect(options.expectedDurationMs).toBe(600_000);
    expect(describeRunSettings(options)).toBe(
      'timeout 1h, poll interval 2s, expected duration 10m, correlation auto',
    );
    expect(parseRunOptions({ ...base, 'expected-duration': '90' }).expectedDurationMs).toBe(90_000);
    expect('expectedDurationMs' in parseRunOptions(base)).toBe(false);
    expect(problem({ 'expected-duration': 'soon' })).toBe(
      'expected-duration: `expected-duration` must be a duration such as 600 (seconds), 30s, 10m or 1h, not "soon".',
    );
    expect(problem({ 'expected-duration': '0' })).toBe(
      'expected-duration: `expected-duration` must be at least 1s, not "0".',
    );
    expect(parseLocationOptions({ repo: 'acme/target', 'expected-duration': '5m' }).expectedDurationMs).toBe(
      300_000,
    );
  });

  it('fills every default', () => {
    expect(parseRunOptions(base)).toEqual({
      forge: 'github',
      apiUrl: 'https://api.github.com',
      repo: { owner: 'acme', repo: 'target' },
      workflow: 'build.yml',
      ref: 'main',
      inputs: {},
      correlation: 'auto',
      correlationInput: 'correlation_id',
      wait: true,
      timeoutMs: 3_600_000,
      intervalMs: 2_000,
      maxRuns: 10,
      failOn: DEFAULT_FAIL_ON,
      cancelOnTimeout: false,
      cancelOnAbort: true,
      reference: false,
    });
  });

  it('reads everything a user can give', () => {
    const options = parseRunOptions(
      {
        forge: 'Gitea',
        'server-url': 'https://git.example.com/sub/',
        owner: 'acme',
        repo: 'target',
        workflow: '.gitea/workflows/build-from-pr.yaml',
        inputs:
          'pr_number: 7\npr_head_sha: "abc"  \n# comment\n\nsource_repo: \'acme/source\'\nnote: a # trailing\nempty:',
        timeout: '10m',
        'poll-interval': '5s',
        'max-runs': '20',
        'fail-on': 'failure, timed_out',
        correlation: 'run-name',
        'correlation-id': 'pr-7',
        'correlation-input': 'xrd_id',
        wait: 'no',
        'report-status': 'true',
        'report-comment': '#7',
        'status-context': 'ci/target',
        'cancel-on-timeout': 'yes',
        'cancel-on-cancel': '0',
      },
      { defaults: { ref: 'main', 'source-repo': 'acme/source' }, sourceSha: 'a'.repeat(40) },
    );
    expect(options).toEqual({
      forge: 'gitea',
      apiUrl: 'https://git.example.com/sub/api/v1',
      repo: { owner: 'acme', repo: 'target' },
      workflow: 'build-from-pr.yaml',
      ref: 'main',
      inputs: { pr_number: '7', pr_head_sha: 'abc', source_repo: 'acme/source', note: 'a', empty: '' },
      correlation: 'run-name',
      correlationId: 'pr-7',
      correlationInput: 'xrd_id',
      wait: false,
      timeoutMs: 600_000,
      intervalMs: 5_000,
      maxRuns: 20,
      failOn: ['failure', 'timed_out'],
      report: { repo: { owner: 'acme', repo: 'source' }, sha: 'a'.repeat(40), context: 'ci/target', pr: 7 },
      cancelOnTimeout: true,
      cancelOnAbort: false,
      reference: false,
    });
  });

  it('leaves ref out only when the caller allows it (refOptional), and still checks a given one', () => {
    const { ref: _, ...noRef } = base;
    const options = parseRunOptions(noRef, { refOptional: true });
    expect(options).not.toHaveProperty('ref');
    expect(options.workflow).toBe('build.yml');
    expect(parseRunOptions(base, { refOptional: true }).ref).toBe('main');
    expect(problem({ ref: undefined }, { refOptional: false })).toMatchInlineSnapshot(
      `"ref: \`ref\` is required: the branch, tag or commit of the target to run, e.g. main."`,
    );
    expect(problem({ ref: 'a b' }, { refOptional: true })).toMatchInlineSnapshot(
      `"ref: \`ref\` must be a branch, tag or commit git accepts (no spaces, control characters, ~ ^ : ? * [ \\ or ..), not "a b"."`,
    );
  });

  it('reads a repository_dispatch with a JSON client payload and numeric workflow ids', () => {
    const options = parseRunOptions({
      repo: 'acme/target',
      ref: 'main',
      'event-type': 'build',
      'client-payload': '{"a": {"b": 1}}',
    });
    expect(options).toMatchObject({ eventType: 'build', clientPayload: { a: { b: 1 } } });
    expect(options).not.toHaveProperty('workflow');
    expect(parseRunOptions({ ...base, workflow: '12345' }).workflow).toBe(12345);
    expect(parseRunOptions({ ...base, inputs: '{"n": 1, "b": true, "s": "x"}' }).inputs).toEqual({
      n: '1',
      b: 'true',
      s: 'x',
    });
    expect(parseRunOptions({ ...base, inputs: 'q: "a\\"b"' }).inputs).toEqual({ q: 'a"b' });
    expect(parseRunOptions({ ...base, inputs: "q: 'it''s'" }).inputs).toEqual({ q: "it's" });
  });

  it('derives API URLs from server URLs', () => {
    expect(parseRunOptions({ ...base, 'server-url': 'https://github.com' }).apiUrl).toBe(
      'https://api.github.com',
    );
    expect(parseRunOptions({ ...base, 'server-url': 'https://ghe.example.com' }).apiUrl).toBe(
      'https://ghe.example.com/api/v3',
    );
    expect(
      parseRunOptions({ ...base, forge: 'forgejo', 'api-url': 'http://127.0.0.1:3000/api/v1/' }).apiUrl,
    ).toBe('http://127.0.0.1:3000/api/v1');
  });

  it('reports on a given sha and PR number, and to nothing when told false', () => {
    const options = parseRunOptions(
      { ...base, 'report-status': 'ABCDEF1', 'report-comment': 'true', 'source-repo': 'acme/source' },
      { sourcePr: 3 },
    );
    expect(options.report).toEqual({
      repo: { owner: 'acme', repo: 'source' },
      sha: 'ABCDEF1',
      context: 'xrd/acme/target/build',
      pr: 3,
    });
    expect(
      parseRunOptions({ ...base, 'report-status': 'false', 'report-comment': 'no' }).report,
    ).toBeUndefined();
    expect(parseRunOptions({ ...base, 'report-comment': '1', 'source-repo': 'acme/source' }).report?.pr).toBe(
      1,
    );
  });

  it('gives each target workflow (or event type) its own default status context, hence its own comment', () => {
    const reportOn = { 'report-status': 'ABCDEF1', 'source-repo': 'acme/source' };
    const contextOf = (extra: RawRunOptions) =>
      parseRunOptions({ ...base, ...reportOn, ...extra }).report?.context;
    expect(contextOf({ workflow: 'build.yml' })).toBe('xrd/acme/target/build');
    expect(contextOf({ workflow: '.github/workflows/lint.yaml' })).toBe('xrd/acme/target/lint');
    expect(contextOf({ workflow: '1234' })).toBe('xrd/acme/target/1234');
    expect(contextOf({ workflow: undefined, 'event-type': 'deploy' })).toBe('xrd/acme/target/deploy');
    expect(contextOf({ 'status-context': 'ci/target' })).toBe('ci/target');
  });

  it('counts the correlation input against GitHub’s 25 workflow inputs, and says so', () => {
    const inputs = (n: number) =>
      JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`i${i}`, 'v'])));
    expect(parseRunOptions({ ...base, inputs: inputs(24) }).inputs).toHaveProperty('i23');
    expect(problem({ inputs: inputs(25) })).toMatchInlineSnapshot(
      `"inputs: \`inputs\` has 25 inputs and xrd adds "correlation_id" to find the run, which makes 26, but GitHub accepts at most 25; pass at most 24 inputs (e.g. several values in one JSON input)."`,
    );
    // Already carried by the inputs: nothing is added.
    const carried = JSON.parse(inputs(24)) as Record<string, string>;
    expect(
      parseRunOptions({ ...base, inputs: JSON.stringify({ ...carried, correlation_id: 'pr-7' }) }).inputs,
    ).toHaveProperty('correlation_id', 'pr-7');
    // Gitea and Forgejo document no such limit.
    expect(
      parseRunOptions({
        ...base,
        forge: 'gitea',
        'server-url': 'https://git.example.com',
        inputs: inputs(30),
      }).inputs,
    ).toHaveProperty('i29');
  });

  describe('cross-repo-dispatch mode (sha given)', () => {
    // The reference README's step, as the action reads it (aliases mapped to their options).
    const referenceStep: RawRunOptions = {
      owner: 'my-repo-owner',
      repo: 'my-target-repo',
      ref: 'master',
      sha: 'a'.repeat(40),
      'event-type': 'Fix the parser',
      'client-payload': '{"misc_key":"misc_value"}',
      workflow: undefined,
    };
    const label = (name: RawRunOptionName): string =>
      ({ 'client-payload': 'client_payload', 'event-type': 'event_type' })[name as string] ?? name;
    const keys = (n: number) =>
      JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, String(i)])));

    it("takes that action's defaults: 600 s timeout, 10 s poll interval, step-name correlation, sha as the correlation id and client_payload key", () => {
      const options = parseRunOptions(referenceStep);
      expect(options).toMatchObject({
        reference: true,
        timeoutMs: 600_000,
        intervalMs: 10_000,
        correlation: 'step-name',
        correlationId: 'a'.repeat(40),
        correlationInput: 'sha',
      });
      expect(describeRunSettings(options)).toBe(
        `cross-repo-dispatch mode (sha given): timeout 10m, poll interval 10s, the run is the one with a step named "${'a'.repeat(40)}"`,
      );
      // What the user sets still wins.
      expect(
        parseRunOptions({ ...referenceStep, timeout: '1200', 'poll-interval': '3', correlation: 'auto' }),
      ).toMatchObject({ timeoutMs: 1_200_000, intervalMs: 3_000, correlation: 'auto' });
      // Without sha: xrd's own defaults.
      const { sha: _, ...xrdStep } = referenceStep;
      expect(parseRunOptions(xrdStep)).toMatchObject({
        reference: false,
        timeoutMs: 3_600_000,
        intervalMs: 2_000,
        correlation: 'auto',
        correlationInput: 'correlation_id',
      });
      expect(describeRunSettings(parseRunOptions(xrdStep))).toBe(
        'timeout 1h, poll interval 2s, correlation auto',
      );
    });

    it('sends client_payload with sha added and nothing else, so 9 keys of the user make the 10 GitHub allows', () => {
      const nine = JSON.parse(keys(9)) as Record<string, string>;
      const options = parseRunOptions({ ...referenceStep, 'client-payload': keys(9) });
      const { forgeRequest } = prepareDispatch(dispatchRequestOf(options));
      expect(forgeRequest.clientPayload).toEqual({ ...nine, sha: 'a'.repeat(40) });
      // A payload that already carries the same sha is sent as it is (10 keys).
      const ten = { ...nine, sha: 'a'.repeat(40) };
      const same = parseRunOptions({ ...referenceStep, 'client-payload': JSON.stringify(ten) });
      expect(prepareDispatch(dispatchRequestOf(same)).forgeRequest.clientPayload).toEqual(ten);
    });

    it('refuses, naming what to change, a payload the added keys push over 10, or a sha that contradicts', () => {
      expect(problem({ ...referenceStep, 'client-payload': keys(10) }, { label })).toMatchInlineSnapshot(
        `"client_payload: \`client_payload\` has 10 top-level keys and xrd adds "sha" to find the run, which makes 11, but GitHub accepts at most 10; nest 2 of your keys under one key."`,
      );
      // xrd's own repository_dispatch adds correlation_id and sha.
      const { sha: _, ...xrdStep } = referenceStep;
      expect(problem({ ...xrdStep, 'client-payload': keys(9) })).toMatchInlineSnapshot(
        `"client-payload: \`client-payload\` has 9 top-level keys and xrd adds "correlation_id" and "sha" to find the run, which makes 11, but GitHub accepts at most 10; nest 2 of your keys under one key."`,
      );
      expect(
        problem({ ...referenceStep, 'client-payload': '{"sha":"other"}' }, { label }),
      ).toMatchInlineSnapshot(
        `"client_payload: \`client_payload\` has a "sha" key that differs from \`sha\`; \`sha\` is sent as client_payload.sha, so remove "sha" from \`client_payload\`."`,
      );
      expect(problem({ ...referenceStep, 'correlation-id': 'other' })).toMatchInlineSnapshot(
        `"correlation-id: \`sha\` and \`correlation-id\` are both set and differ; both name the correlation id, so set only one of them."`,
      );
    });

    it('keeps correlation_id as the input of a workflow dispatch (which cross-repo-dispatch never sent)', () => {
      expect(parseRunOptions({ ...base, sha: 'abc1234' })).toMatchObject({
        reference: true,
        correlationId: 'abc1234',
        correlationInput: 'correlation_id',
        correlation: 'step-name',
      });
    });
  });

  it('names the input the way the user wrote it', () => {
    expect(problem({ repo: 'acme' }, { label: (name) => `--${name}` })).toMatchInlineSnapshot(
      `"--repo: \`--repo\` must be owner/name, e.g. my-org/acme, or set \`--owner\` as well."`,
    );
  });

  it('rejects every bad input with one sentence that says how to fix it', () => {
    const messages = [
      problem({ forge: 'gitlab' }),
      problem({ forge: 'gitea' }),
      problem({ 'api-url': 'ftp://x' }),
      problem({ 'server-url': 'not a url' }),
      problem({ repo: undefined }),
      problem({ repo: 'acme' }),
      problem({ repo: 'a/b/c' }),
      problem({ repo: 'acme/tar get' }),
      problem({ repo: 'acme/target', owner: 'other' }),
      problem({ repo: 'target', owner: 'bad owner' }),
      problem({ workflow: undefined }),
      problem({ 'event-type': 'build' }),
      problem({ workflow: 'build' }),
      problem({
        workflow: undefined,
        'event-type': 'build',
        forge: 'gitea',
        'server-url': 'https://g.example',
      }),
      problem({ workflow: undefined, 'event-type': 'x'.repeat(101) }),
      problem({ ref: undefined }),
      problem({ ref: 'my branch' }),
      problem({ inputs: '{"a": ' }),
      problem({ inputs: '{"a": {"b": 1}}' }),
      problem({ inputs: '[1, 2]' }),
      problem({ inputs: 'just text' }),
      problem({ workflow: undefined, 'event-type': 'build', inputs: 'a: 1' }),
      problem({ 'client-payload': '{}' }),
      problem({ workflow: undefined, 'event-type': 'build', 'client-payload': '{oops' }),
      problem({ workflow: undefined, 'event-type': 'build', 'client-payload': '[1]' }),
      problem({
        workflow: undefined,
        'event-type': 'build',
        'client-payload': JSON.stringify(
          Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i])),
        ),
      }),
      problem({
        workflow: undefined,
        'event-type': 'build',
        'client-payload': JSON.stringify({ big: 'x'.repeat(70_000) }),
      }),
      problem({ correlation: 'title' }),
      problem({ 'correlation-id': 'has space' }),
      problem({ 'correlation-input': 'a b' }),
      problem({ wait: 'maybe' }),
      problem({ timeout: 'soon' }),
      problem({ timeout: '0' }),
      problem({ 'poll-interval': '10x' }),
      problem({ 'max-runs': '0' }),
      problem({ 'max-runs': 'ten' }),
      problem({ 'fail-on': 'failure, exploded' }),
      problem({ 'report-status': 'true' }),
      problem({ 'report-status': 'main' }),
      problem({ 'report-comment': 'yes' }),
      problem({ 'report-comment': 'PR-7' }),
      problem({ 'report-status': 'abcdef1' }),
      problem({ 'report-status': 'abcdef1', 'source-repo': 'acme' }),
      problem({ 'cancel-on-timeout': 'sure' }),
    ];
    expect(messages).toMatchInlineSnapshot(`
      [
        "forge: \`forge\` must be github, gitea or forgejo, not "gitlab".",
        "server-url: \`server-url\` is required for gitea: the address of your server, e.g. https://gitea.example.com.",
        "api-url: \`api-url\` must be an http(s) URL such as https://gitea.example.com, not "ftp://x".",
        "server-url: \`server-url\` must be an http(s) URL such as https://gitea.example.com, not "not a url".",
        "repo: \`repo\` is required: the target repository as owner/name, e.g. acme/target.",
        "repo: \`repo\` must be owner/name, e.g. my-org/acme, or set \`owner\` as well.",
        "repo: \`repo\` must look like owner/name, e.g. acme/target, not "a/b/c".",
        "repo: \`repo\` must look like owner/name, e.g. acme/target, not "acme/tar get".",
        "owner: \`owner\` "other" contradicts \`repo\` "acme/target"; drop \`owner\` or make them agree.",
        "owner: \`owner\` must be a user or organisation name, not "bad owner".",
        "workflow: \`workflow\` is required: the workflow file to dispatch, e.g. build.yml (or give \`event-type\` for a repository_dispatch).",
        "event-type: Give either \`workflow\` or \`event-type\`, not both.",
        "workflow: \`workflow\` must be a workflow file name ending in .yml or .yaml (e.g. build.yml) or a numeric id, not "build".",
        "event-type: \`event-type\` needs GitHub: Gitea has no repository_dispatch, so dispatch a workflow instead.",
        "event-type: \`event-type\` must be at most 100 characters long.",
        "ref: \`ref\` is required: the branch, tag or commit of the target to run, e.g. main.",
        "ref: \`ref\` must be a branch, tag or commit git accepts (no spaces, control characters, ~ ^ : ? * [ \\ or ..), not "my branch".",
        "inputs: \`inputs\` is not valid JSON (…); give a JSON object or key: value lines.",
        "inputs: \`inputs\` value "a" must be a string, number or boolean, since workflow inputs are scalars.",
        "inputs: \`inputs\` must be an object (key: value), not a list.",
        "inputs: \`inputs\` line 1 ("just text") is not \`key: value\`; give a JSON object or one key: value per line.",
        "inputs: \`inputs\` only apply to a workflow dispatch; put the data in \`client-payload\` for \`event-type\`.",
        "client-payload: \`client-payload\` only applies to \`event-type\`; use \`inputs\` for a workflow dispatch.",
        "client-payload: \`client-payload\` is not valid JSON (…); give a JSON object such as {"key": "value"}.",
        "client-payload: \`client-payload\` must be a JSON object such as {"key": "value"}.",
        "client-payload: \`client-payload\` has 11 top-level keys but GitHub accepts at most 10; nest the rest.",
        "client-payload: \`client-payload\` must be smaller than 64 KB when serialized; send a reference to the data instead.",
        "correlation: \`correlation\` must be auto, run-name or step-name, not "title".",
        "correlation-id: \`correlation-id\` may only contain letters, digits, ".", "_" and "-" (at most 100), not "has space".",
        "correlation-input: \`correlation-input\` must be an input name such as correlation_id, not "a b".",
        "wait: \`wait\` must be true or false (also yes/no, 1/0), not "maybe".",
        "timeout: \`timeout\` must be a duration such as 600 (seconds), 30s, 10m or 1h, not "soon".",
        "timeout: \`timeout\` must be at least 1s, not "0".",
        "poll-interval: \`poll-interval\` must be a duration such as 600 (seconds), 30s, 10m or 1h, not "10x".",
        "max-runs: \`max-runs\` must be a whole number from 1 to 100, not "0".",
        "max-runs: \`max-runs\` must be a whole number from 1 to 100, not "ten".",
        "fail-on: \`fail-on\` has an unknown conclusion "exploded"; use \`never\` or a comma list of success, failure, cancelled, skipped, timed_out, action_required, neutral, stale, startup_failure.",
        "report-status: \`report-status\` is true but the source commit is unknown here; give the commit sha instead.",
        "report-status: \`report-status\` must be true, false or a commit sha (7–64 hex digits), not "main".",
        "report-comment: \`report-comment\` is true but no pull request is known here; give the pull request number instead.",
        "report-comment: \`report-comment\` must be true, false or a pull request number, not "PR-7".",
        "source-repo: \`source-repo\` is required to report back: the repository to report to, as owner/name.",
        "source-repo: \`source-repo\` must look like owner/name, e.g. acme/target, not "acme".",
        "cancel-on-timeout: \`cancel-on-timeout\` must be true or false (also yes/no, 1/0), not "sure".",
      ]
    `);
  });
});

describe('parseLocationOptions', () => {
  it('reads the location and the wait settings alone, ignoring dispatch options', () => {
    expect(
      parseLocationOptions({
        forge: 'forgejo',
        'server-url': 'https://codeberg.test',
        repo: 'acme/target',
        timeout: '90s',
        'poll-interval': '3s',
        'fail-on': 'never',
        'cancel-on-timeout': 'true',
        'cancel-on-cancel': 'false',
        // Not part of a location: neither required nor checked.
        workflow: 'not a workflow',
        'max-runs': 'many',
      }),
    ).toEqual({
      forge: 'forgejo',
      apiUrl: 'https://codeberg.test/api/v1',
      repo: { owner: 'acme', repo: 'target' },
      timeoutMs: 90_000,
      intervalMs: 3_000,
      failOn: [],
      cancelOnTimeout: true,
      cancelOnAbort: false,
    });
    expect(parseLocationOptions({ repo: 'acme/target' })).toEqual({
      forge: 'github',
      apiUrl: 'https://api.github.com',
      repo: { owner: 'acme', repo: 'target' },
      timeoutMs: 3_600_000,
      intervalMs: 2_000,
      failOn: DEFAULT_FAIL_ON,
      cancelOnTimeout: false,
      cancelOnAbort: true,
    });
  });

  it('rejects with the same sentences as parseRunOptions, named as the caller labels them', () => {
    const label = (name: string) => `--${name}`;
    const messages = [
      { repo: 'acme' },
      { repo: 'acme/target', forge: 'gitea' },
      { repo: 'acme/target', timeout: 'soon' },
      { repo: 'acme/target', 'cancel-on-cancel': 'maybe' },
    ].map((raw) => {
      try {
        parseLocationOptions(raw, { label });
      } catch (error) {
        expect(() => parseRunOptions({ ...base, ...raw }, { label })).toThrow((error as Error).message);
        return `${(error as InvalidInputError).input}: ${(error as Error).message}`;
      }
      throw new Error('expected an InvalidInputError');
    });
    expect(messages).toMatchInlineSnapshot(`
      [
        "--repo: \`--repo\` must be owner/name, e.g. my-org/acme, or set \`--owner\` as well.",
        "--server-url: \`--server-url\` is required for gitea: the address of your server, e.g. https://gitea.example.com.",
        "--timeout: \`--timeout\` must be a duration such as 600 (seconds), 30s, 10m or 1h, not "soon".",
        "--cancel-on-cancel: \`--cancel-on-cancel\` must be true or false (also yes/no, 1/0), not "maybe".",
      ]
    `);
  });
});

describe('parseBoolean and parseDuration', () => {
  it('accept the usual spellings', () => {
    expect(['true', 'YES', '1', 'on'].map(parseBoolean)).toEqual([true, true, true, true]);
    expect(['false', 'No', '0', 'off'].map(parseBoolean)).toEqual([false, false, false, false]);
    expect(parseBoolean('perhaps')).toBeUndefined();
    expect(['600', '30s', '10m', '1h', '1h30m', '500ms', '1.5'].map(parseDuration)).toEqual([
      600_000, 30_000, 600_000, 3_600_000, 5_400_000, 500, 1_500,
    ]);
    expect(['', '10 m', 'm', '5d', '10m5'].map(parseDuration)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
