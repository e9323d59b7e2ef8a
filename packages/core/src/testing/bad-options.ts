// Bad option values and the one sentence each must be refused with, in every front end: the action,
// the CLI and the webhook config each run this table through their own input reading and compare
// the sentence, with `{}` replaced by how that front end names the option (`repo`, `--repo`,
// `routes[0].dispatch.repo`). One table, three readers: a front end that accepted a value the
// others refuse, or worded it differently, fails its own test.
import type { OptionName } from '../options.js';

export type FrontEnd = 'action' | 'cli' | 'webhook';

export interface BadOptionCase {
  readonly option: OptionName;
  readonly value: string;
  /** The sentence, with `{}` where the front end's name of the option goes. */
  readonly message: string;
  /** Options the otherwise valid base must leave out (a repository_dispatch has no workflow). */
  readonly without?: readonly OptionName[];
  /** Other options the case needs in the action and the CLI (the webhook's routes need none). */
  readonly with?: Readonly<Partial<Record<OptionName, string>>>;
  /** Front ends where this value means something else, with the reason in a comment. */
  readonly skip?: readonly FrontEnd[];
}

/** A password that must never appear in any output. */
export const URL_PASSWORD = 'hunter2-url-password';

const EMPTY = '{} is empty; give it a value or leave it out.';
const REPO_SHAPE = (text: string) => `{} must look like owner/name, e.g. acme/target, not "${text}".`;

// The action cannot tell an input set to '' from one not set (the runner passes both as empty
// strings, and `${{ … }}` expressions that evaluate to nothing look the same), so there an empty
// input means "not given" and its default applies; the CLI and the webhook config see an explicit
// empty value and refuse it.
const EMPTY_IS_UNSET: readonly FrontEnd[] = ['action'];

export const BAD_OPTION_CASES: readonly BadOptionCase[] = [
  { option: 'forge', value: 'gitlab', message: '{} must be github, gitea or forgejo, not "gitlab".' },
  {
    option: 'api-url',
    value: 'ftp://example.com',
    message: '{} must be an http(s) URL such as https://gitea.example.com, not "ftp://example.com".',
  },
  {
    option: 'api-url',
    value: `https://xrd-user:${URL_PASSWORD}@example.com/api/v1`,
    message:
      '{} must not contain a user name or password (user:password@); remove them from the URL and give the token as the token instead.',
  },
  {
    option: 'server-url',
    value: `http://xrd-user:${URL_PASSWORD}@example.com`,
    message:
      '{} must not contain a user name or password (user:password@); remove them from the URL and give the token as the token instead.',
  },
  { option: 'repo', value: 'acme/target/extra', message: REPO_SHAPE('acme/target/extra') },
  { option: 'repo', value: 'acme/..', message: REPO_SHAPE('acme/..') },
  {
    option: 'repo',
    value: `acme/${'x'.repeat(10_000)}`,
    message: '{} has a repository name of 10000 characters, but GitHub allows at most 100; check the value.',
  },
  {
    option: 'repo',
    value: `${'o'.repeat(40)}/target`,
    message: '{} has an owner name of 40 characters, but GitHub allows at most 39; check the value.',
  },
  {
    option: 'owner',
    value: 'bad owner',
    with: { repo: 'target' },
    message: '{} must be a user or organisation name, not "bad owner".',
  },
  {
    option: 'workflow',
    value: 'build',
    message:
      '{} must be a workflow file name ending in .yml or .yaml (e.g. build.yml) or a numeric id, not "build".',
  },
  {
    option: 'event-type',
    value: 'x'.repeat(101),
    without: ['workflow'],
    message: '{} must be at most 100 characters long.',
  },
  {
    option: 'ref',
    value: 'my branch',
    message:
      '{} must be a branch, tag or commit git accepts (no spaces, control characters, ~ ^ : ? * [ \\ or ..), not "my branch".',
  },
  { option: 'ref', value: '', message: EMPTY, skip: EMPTY_IS_UNSET },
  // The webhook's inputs are a YAML mapping of templates, not text: its own test feeds objects.
  {
    option: 'inputs',
    value: '[1, 2]',
    message: '{} must be an object (key: value), not a list.',
    skip: ['webhook'],
  },
  {
    option: 'client-payload',
    value: '[1]',
    without: ['workflow'],
    with: { 'event-type': 'build' },
    message: '{} must be a JSON object such as {"key": "value"}.',
  },
  { option: 'wait', value: 'maybe', message: '{} must be true or false (also yes/no, 1/0), not "maybe".' },
  {
    option: 'timeout',
    value: 'soon',
    message: '{} must be a duration such as 600 (seconds), 30s, 10m or 1h, not "soon".',
  },
  { option: 'timeout', value: '0', message: '{} must be at least 1s, not "0".' },
  { option: 'poll-interval', value: '10ms', message: '{} must be at least 1s, not "10ms".' },
  {
    option: 'expected-duration',
    value: 'soon',
    message: '{} must be a duration such as 600 (seconds), 30s, 10m or 1h, not "soon".',
  },
  { option: 'expected-duration', value: '500ms', message: '{} must be at least 1s, not "500ms".' },
  { option: 'max-runs', value: '0', message: '{} must be a whole number from 1 to 100, not "0".' },
  {
    option: 'fail-on',
    value: 'failure,bogus',
    message:
      '{} has an unknown conclusion "bogus"; use `never` or a comma list of success, failure, cancelled, skipped, timed_out, action_required, neutral, stale, startup_failure.',
  },
  { option: 'correlation', value: 'title', message: '{} must be auto, run-name or step-name, not "title".' },
  {
    option: 'correlation-id',
    value: 'has space',
    message: '{} may only contain letters, digits, ".", "_" and "-" (at most 100), not "has space".',
  },
  { option: 'correlation-id', value: '', message: EMPTY, skip: EMPTY_IS_UNSET },
  {
    option: 'sha',
    value: 'not a sha!',
    message: '{} may only contain letters, digits, ".", "_" and "-" (at most 100), not "not a sha!".',
  },
  {
    option: 'correlation-input',
    value: 'bad name!',
    message: '{} must be an input name such as correlation_id, not "bad name!".',
  },
  {
    option: 'report-status',
    value: 'xyz',
    with: { 'source-repo': 'acme/source' },
    message: '{} must be true, false or a commit sha (7–64 hex digits), not "xyz".',
  },
  {
    option: 'report-comment',
    value: 'PR-7',
    with: { 'source-repo': 'acme/source' },
    message: '{} must be true, false or a pull request number, not "PR-7".',
  },
  { option: 'status-context', value: '', message: EMPTY, skip: EMPTY_IS_UNSET },
  {
    option: 'source-repo',
    value: 'source',
    with: { 'report-status': 'abcdef1' },
    message: REPO_SHAPE('source'),
  },
  {
    option: 'download-artifacts',
    value: 'dist/app.js',
    message:
      '{} holds "dist/app.js", which no artifact name can match (names have no / or \\); give artifact names or globs such as dist-*, one per line.',
  },
  {
    option: 'artifacts-path',
    value: 'out\tdir',
    message: '{} must be one line without control characters.',
  },
  {
    option: 'remote-outputs',
    value: 'sometimes',
    message: '{} must be true or false (also yes/no, 1/0), not "sometimes".',
  },
  // The CLI's --targets names a file (its own test reads one); the action and core take the text.
  {
    option: 'targets',
    value: 'repo: acme/a',
    without: ['repo'],
    message:
      '{} must be a list of targets, each with at least `repo`, e.g. `- repo: acme/app` on its own line.',
    skip: ['cli'],
  },
  {
    option: 'fail-fast',
    value: 'sometimes',
    message: '{} must be true or false (also yes/no, 1/0), not "sometimes".',
  },
  { option: 'concurrency', value: '0', message: '{} must be a whole number from 1 to 20, not "0".' },
  {
    option: 'status-per-target',
    value: 'maybe',
    message: '{} must be true or false (also yes/no, 1/0), not "maybe".',
  },
  {
    option: 'token',
    value: 'ghp_first-half\nsecond-half',
    message:
      '{} contains a space, line break, control or non-ASCII character; put only the token itself there.',
  },
  {
    option: 'token',
    value: 'ghp_\u0001token',
    message:
      '{} contains a space, line break, control or non-ASCII character; put only the token itself there.',
  },
];

/** The case's sentence as a front end names the option. */
export function badOptionMessage(c: BadOptionCase, label: string): string {
  return c.message.replace('{}', `\`${label}\``);
}
