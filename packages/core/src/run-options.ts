// One typed options object shared by the action and the CLI: both turn their raw inputs (action
// inputs, argv flags) into the same canonical raw map, and `parseRunOptions` validates it before
// any request is sent. Each error names the input as the user wrote it (via `label`).

import type { ResultsRequest } from './artifacts.js';
import type { CorrelationMode } from './engine-types.js';
import { formatDuration } from './internal.js';
import {
  OPTIONS,
  type OptionContext,
  type OptionValue,
  parseBareRepoName,
  type RawRunOptionName,
  readOption,
  refuse,
} from './options.js';
import { defaultStatusContext } from './report.js';
import type { ForgeKind, RepoRef, RunConclusion } from './types.js';

export type { RawRunOptionName } from './options.js';
export {
  parseBoolean,
  parseClientPayload,
  parseDuration,
  parseInputs,
} from './options.js';

export type RawRunOptions = Readonly<Partial<Record<RawRunOptionName, string | undefined>>>;

export interface ReportOptions {
  /** The source repository that receives the status and the comment. */
  readonly repo: RepoRef;
  /** Commit to put the status on (report-status). */
  readonly sha?: string;
  /** Status context (and comment key). Default `defaultStatusContext`: `xrd/<owner>/<repo>/<workflow>`. */
  readonly context: string;
  /** Pull request / issue number to comment on (report-comment). */
  readonly pr?: number;
}

/** Where a run lives: the forge, its API and the repository. */
export interface RunLocation {
  readonly forge: ForgeKind;
  /** API base URL (GitHub: https://api.github.com or https://HOST/api/v3; Gitea: https://HOST[/sub]). */
  readonly apiUrl: string;
  readonly repo: RepoRef;
}

/** How a run is followed and judged once it exists. */
export interface WaitSettings {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly failOn: readonly RunConclusion[];
  readonly cancelOnTimeout: boolean;
  readonly cancelOnAbort: boolean;
  /** The run's usual duration as the user stated it (`expected-duration`), where polls are paid. */
  readonly expectedDurationMs?: number;
}

/**
 * What a command that follows an existing run needs (`xrd wait|status|cancel|logs`): the location
 * and the wait settings, validated exactly as for a dispatch, without a dispatch target.
 */
export interface LocationOptions extends RunLocation, WaitSettings {}

export interface RunOptions extends LocationOptions {
  readonly workflow?: string | number;
  readonly eventType?: string;
  /**
   * Branch, tag or commit to dispatch on. Absent only when the caller parsed with `refOptional`
   * (the CLI): `runFlow` then dispatches on the target's default branch.
   */
  readonly ref?: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly clientPayload?: Readonly<Record<string, unknown>>;
  readonly correlation: CorrelationMode;
  readonly correlationId?: string;
  readonly correlationInput: string;
  readonly wait: boolean;
  readonly maxRuns: number;
  readonly report?: ReportOptions;
  /** The finished run's artifacts to download and whether to read its outputs, when asked for. */
  readonly results?: ResultsRequest;
  /**
   * The cross-repo-dispatch compatibility mode (`sha` given): its defaults for the timeout, the
   * poll interval and the correlation, and its payload (`client_payload.sha` only).
   */
  readonly reference: boolean;
}

/** Run options with a ref, as `parseRunOptions` returns them unless `refOptional` is set. */
export type RunOptionsWithRef = RunOptions & { readonly ref: string };

export interface ParseRunOptionsContext {
  /**
   * `ref` may be left out: the dispatch then goes to the target's default branch (`runFlow` asks
   * the forge). The CLI opts in; the action keeps `ref` required, as the reference action does.
   */
  readonly refOptional?: boolean;
  /** How the user wrote an option (`--repo` for the CLI, `repo` for the action). */
  readonly label?: (name: RawRunOptionName) => string;
  /** Defaults from the environment (runner variables), applied to options the user left empty. */
  readonly defaults?: RawRunOptions;
  /** The source commit (runner `GITHUB_SHA`); `report-status: true` reports on it. */
  readonly sourceSha?: string;
  /** The source pull request, when known; `report-comment: true` comments on it. */
  readonly sourcePr?: number;
}

// ---------------------------------------------------------------------------------------------
// Validation, through the option schema (options.ts). No network: everything here is checked
// before a request is sent. What is left here are the rules that tie options together.

export const RUN_OPTION_DEFAULTS = {
  forge: OPTIONS.forge.default,
  githubApiUrl: 'https://api.github.com',
  timeoutMs: OPTIONS.timeout.default,
  intervalMs: OPTIONS['poll-interval'].default,
  maxRuns: OPTIONS['max-runs'].default,
  correlationInput: OPTIONS['correlation-input'].default,
} as const;

/** Reads raw options: the user's value, else the environment's default; errors name the input. */
export interface Reader {
  /** `\`--repo\``: the option as the user named it, quoted for a sentence. */
  readonly label: (name: RawRunOptionName) => string;
  readonly at: (name: RawRunOptionName, forge?: ForgeKind) => OptionContext;
  /** The option's typed value, or undefined when neither the user nor the environment gave it. */
  readonly value: <N extends RawRunOptionName>(name: N, forge?: ForgeKind) => OptionValue<N> | undefined;
  /** The typed value, else the schema's default. */
  readonly valueOr: <N extends RawRunOptionName>(
    name: N,
    fallback: OptionValue<N>,
    forge?: ForgeKind,
  ) => OptionValue<N>;
  readonly given: (name: RawRunOptionName) => boolean;
  /** The raw text (the user's, else the environment's default), before trimming and parsing. */
  readonly text: (name: RawRunOptionName) => string | undefined;
  readonly ctx: ParseRunOptionsContext;
}

export function reader(raw: RawRunOptions, ctx: ParseRunOptionsContext): Reader {
  const nameOf = (name: RawRunOptionName): string => (ctx.label ? ctx.label(name) : name);
  const at = (name: RawRunOptionName, forge?: ForgeKind): OptionContext => ({
    label: nameOf(name),
    ...(forge !== undefined ? { forge } : {}),
  });
  // A value the user gave is read even when empty (and refused then); an empty default from the
  // environment (an unset runner variable) is no default.
  const text = (name: RawRunOptionName): string | undefined => {
    const own = raw[name];
    if (own !== undefined) return own;
    const fallback = ctx.defaults?.[name]?.trim();
    return fallback ? fallback : undefined;
  };
  const value = <N extends RawRunOptionName>(name: N, forge?: ForgeKind): OptionValue<N> | undefined => {
    const t = text(name);
    return t === undefined ? undefined : readOption(name, t, at(name, forge));
  };
  return {
    label: (name) => `\`${nameOf(name)}\``,
    at,
    value,
    valueOr: (name, fallback, forge) => value(name, forge) ?? fallback,
    given: (name) => text(name) !== undefined,
    text,
    ctx,
  };
}

/**
 * Parses and validates where a run lives and how it is waited for (`forge`, `server-url`,
 * `api-url`, `repo`, `owner`, `timeout`, `poll-interval`, `expected-duration`, `fail-on`,
 * `cancel-on-timeout`, `cancel-on-cancel`); every other name in `raw` is ignored. The same checks and messages as
 * `parseRunOptions`, for commands that follow a run instead of dispatching one.
 */
export function parseLocationOptions(raw: RawRunOptions, ctx: ParseRunOptionsContext = {}): LocationOptions {
  const r = reader(raw, ctx);
  return { ...readLocation(r), ...readWaitSettings(r) };
}

function readLocation(r: Reader): RunLocation {
  const forge = r.valueOr('forge', OPTIONS.forge.default);
  const apiUrl = resolveApiUrl(forge, r);
  const repo = readRepo(r, forge);
  return { forge, apiUrl, repo };
}

export function readWaitSettings(r: Reader, reference = false): WaitSettings {
  const expectedDurationMs = r.value('expected-duration');
  return {
    timeoutMs: r.valueOr('timeout', defaultOf('timeout', reference)),
    intervalMs: r.valueOr('poll-interval', defaultOf('poll-interval', reference)),
    failOn: r.valueOr('fail-on', OPTIONS['fail-on'].default),
    cancelOnTimeout: r.valueOr('cancel-on-timeout', OPTIONS['cancel-on-timeout'].default),
    cancelOnAbort: r.valueOr('cancel-on-cancel', OPTIONS['cancel-on-cancel'].default),
    ...(expectedDurationMs !== undefined ? { expectedDurationMs } : {}),
  };
}

/** Parses and validates the raw options shared by the action and the CLI. */
export function parseRunOptions(
  raw: RawRunOptions,
  ctx?: ParseRunOptionsContext & { readonly refOptional?: false },
): RunOptionsWithRef;
export function parseRunOptions(raw: RawRunOptions, ctx?: ParseRunOptionsContext): RunOptions;
export function parseRunOptions(raw: RawRunOptions, ctx: ParseRunOptionsContext = {}): RunOptions {
  const r = reader(raw, ctx);
  const { label } = r;
  const fail = (name: RawRunOptionName, message: string): never => refuse(r.at(name), message);

  // What only several targets use is not ignored when given alone (`false`, the default, is harmless).
  for (const name of ['fail-fast', 'concurrency', 'status-per-target'] as const) {
    const value = r.value(name);
    if (value !== undefined && value !== OPTIONS[name].default) {
      fail(name, `${label(name)} only applies to several targets; give ${label('targets')} or leave it out.`);
    }
  }

  // forge, its API URL and the target repository
  const location = readLocation(r);
  const { forge } = location;

  // what to dispatch
  if (r.given('workflow') && r.given('event-type')) {
    fail('event-type', `Give either ${label('workflow')} or ${label('event-type')}, not both.`);
  }
  if (!r.given('workflow') && !r.given('event-type')) {
    fail(
      'workflow',
      `${label('workflow')} is required: the workflow file to dispatch, e.g. build.yml (or give ${label('event-type')} for a repository_dispatch).`,
    );
  }
  const workflow = r.value('workflow');
  const eventType = r.value('event-type', forge);

  const ref = r.value('ref');
  if (ref === undefined && ctx.refOptional !== true)
    fail('ref', `${label('ref')} is required: the branch, tag or commit of the target to run, e.g. main.`);

  // payload
  if (r.given('inputs') && eventType !== undefined) {
    fail(
      'inputs',
      `${label('inputs')} only apply to a workflow dispatch; put the data in ${label('client-payload')} for ${label('event-type')}.`,
    );
  }
  if (r.given('client-payload') && eventType === undefined) {
    fail(
      'client-payload',
      `${label('client-payload')} only applies to ${label('event-type')}; use ${label('inputs')} for a workflow dispatch.`,
    );
  }
  const inputs = r.valueOr('inputs', {});
  const clientPayload = r.value('client-payload');

  // correlation. `sha` switches on the cross-repo-dispatch compatibility mode: every step of that
  // action has it (it is required there), and its meaning comes with it — the correlation id,
  // sent as client_payload.sha with nothing else added, found in a step name — as do its timing
  // defaults (the table's `reference` defaults).
  const sha = r.value('sha');
  const reference = sha !== undefined;
  const givenId = r.value('correlation-id');
  if (sha !== undefined && givenId !== undefined && givenId !== sha) {
    fail(
      'correlation-id',
      `${label('sha')} and ${label('correlation-id')} are both set and differ; both name the correlation id, so set only one of them.`,
    );
  }
  const correlationId = sha ?? givenId;
  const correlation = r.valueOr('correlation', defaultOf('correlation', reference));
  // cross-repo-dispatch's payload: the client_payload it was given, plus `sha`. A workflow
  // dispatch (which that action never sent) keeps xrd's input.
  const correlationInput = r.valueOr(
    'correlation-input',
    reference && eventType !== undefined ? 'sha' : OPTIONS['correlation-input'].default,
  );
  if (eventType !== undefined) {
    if (sha !== undefined) checkPayloadSha(r, clientPayload, sha);
    checkRoom(r, forge, 'client-payload', clientPayload, [
      correlationInput,
      ...(correlation !== 'run-name' ? ['sha'] : []),
    ]);
  } else checkRoom(r, forge, 'inputs', inputs, [correlationInput]);

  // waiting
  const wait = r.valueOr('wait', OPTIONS.wait.default);
  const waitSettings = readWaitSettings(r, reference);
  const maxRuns = r.valueOr('max-runs', OPTIONS['max-runs'].default);

  // the run's artifacts and outputs
  const results = readResults(r, wait);

  // report-back (a context given without a report is still checked: nothing given is ignored)
  const report = readReport(
    r,
    location.forge,
    defaultStatusContext(location.repo, {
      ...(workflow !== undefined ? { workflow } : {}),
      ...(eventType !== undefined ? { eventType } : {}),
    }),
  );

  return {
    ...location,
    ...(workflow !== undefined ? { workflow } : {}),
    ...(eventType !== undefined ? { eventType } : {}),
    ...(ref !== undefined ? { ref } : {}),
    inputs,
    ...(clientPayload !== undefined ? { clientPayload } : {}),
    correlation,
    ...(correlationId !== undefined ? { correlationId } : {}),
    correlationInput,
    wait,
    ...waitSettings,
    maxRuns,
    ...(report !== undefined ? { report } : {}),
    ...(results !== undefined ? { results } : {}),
    reference,
  };
}

/** Artifacts to download and remote outputs: only a run that is waited for has them. */
export function readResults(r: Reader, wait: boolean): ResultsRequest | undefined {
  const download = r.valueOr('download-artifacts', OPTIONS['download-artifacts'].default);
  const outputs = r.valueOr('remote-outputs', OPTIONS['remote-outputs'].default);
  const dir = r.valueOr('artifacts-path', OPTIONS['artifacts-path'].default);
  if (download.length === 0 && !outputs) return undefined;
  if (!wait) {
    const asked = download.length > 0 ? 'download-artifacts' : 'remote-outputs';
    refuse(
      r.at(asked),
      `${r.label(asked)} needs the run to finish, but ${r.label('wait')} is false; drop one of them.`,
    );
  }
  return { download, dir, outputs };
}

/** An option's default: cross-repo-dispatch's own in its compatibility mode, where it has one. */
function defaultOf<N extends 'timeout' | 'poll-interval' | 'correlation'>(
  name: N,
  reference: boolean,
): OptionValue<N> {
  const spec = OPTIONS[name];
  return ((reference ? spec.reference?.default : undefined) ?? spec.default) as OptionValue<N>;
}

/**
 * GitHub's limits on what a dispatch carries: at most 10 top-level `client_payload` keys and 25
 * workflow inputs (REST "Create a repository dispatch event", "Create a workflow dispatch event":
 * `maxProperties` 10 and 25 in the OpenAPI description). Gitea and Forgejo document none.
 */
const GITHUB_MAX = { 'client-payload': 10, inputs: 25 } as const;

/**
 * What a dispatch carries must fit GitHub's limits once xrd added its keys: the correlation key,
 * and `sha` where step names are searched on a repository_dispatch (see `prepareDispatch`). Said
 * here, where the options' names are known, so the sentence names what to change.
 */
function checkRoom(
  r: Reader,
  forge: ForgeKind,
  name: 'client-payload' | 'inputs',
  given: Readonly<Record<string, unknown>> | undefined,
  addedKeys: readonly string[],
): void {
  if (forge !== 'github') return;
  const own = Object.keys(given ?? {});
  const added = addedKeys.filter((key, i, all) => !own.includes(key) && all.indexOf(key) === i);
  const total = own.length + added.length;
  const max = GITHUB_MAX[name];
  if (total <= max) return;
  const fix =
    name === 'inputs'
      ? `pass at most ${max - added.length} inputs (e.g. several values in one JSON input).`
      : `nest ${total - max + 1} of your keys under one key.`;
  refuse(
    r.at(name),
    `${r.label(name)} has ${own.length} ${name === 'inputs' ? 'inputs' : 'top-level keys'} and xrd adds ${added.map((k) => `"${k}"`).join(' and ')} to find the run, which makes ${total}, but GitHub accepts at most ${max}; ${fix}`,
  );
}

/** cross-repo-dispatch sends `sha` as client_payload.sha: another `sha` in the payload contradicts it. */
function checkPayloadSha(
  r: Reader,
  payload: Readonly<Record<string, unknown>> | undefined,
  sha: string,
): void {
  if (payload?.sha !== undefined && payload.sha !== sha) {
    refuse(
      r.at('client-payload'),
      `${r.label('client-payload')} has a "sha" key that differs from ${r.label('sha')}; ${r.label('sha')} is sent as client_payload.sha, so remove "sha" from ${r.label('client-payload')}.`,
    );
  }
}

export function resolveApiUrl(forge: ForgeKind, r: Reader): string {
  // Both are checked when both are given: a server URL is never ignored unread.
  const apiUrl = r.value('api-url');
  const server = r.value('server-url');
  if (apiUrl !== undefined) return apiUrl;
  if (server !== undefined) {
    if (forge === 'github') {
      return /^https?:\/\/github\.com$/i.test(server) ? RUN_OPTION_DEFAULTS.githubApiUrl : `${server}/api/v3`;
    }
    return `${server}/api/v1`;
  }
  if (forge === 'github') return RUN_OPTION_DEFAULTS.githubApiUrl;
  return refuse(
    r.at('server-url'),
    `${r.label('server-url')} is required for ${forge}: the address of your server, e.g. https://${forge}.example.com.`,
  );
}

/** `repo` as owner/name, or (the cross-repo-dispatch form) a bare name with `owner`. */
function readRepo(r: Reader, forge: ForgeKind): RepoRef {
  const { label } = r;
  if (!r.given('repo')) {
    return refuse(
      r.at('repo'),
      `${label('repo')} is required: the target repository as owner/name, e.g. acme/target.`,
    );
  }
  const owner = r.value('owner', forge);
  const text = (r.text('repo') ?? '').trim();
  if (text !== '' && !text.includes('/')) {
    const name = parseBareRepoName(text, r.at('repo', forge));
    if (owner === undefined) {
      return refuse(
        r.at('repo'),
        `${label('repo')} must be owner/name, e.g. my-org/${name}, or set ${label('owner')} as well.`,
      );
    }
    return { owner, repo: name };
  }
  const repo = r.value('repo', forge) as RepoRef;
  if (owner !== undefined && owner !== repo.owner) {
    refuse(
      r.at('owner'),
      `${label('owner')} "${owner}" contradicts ${label('repo')} "${repo.owner}/${repo.repo}"; drop ${label('owner')} or make them agree.`,
    );
  }
  return repo;
}

/**
 * The commit status and the comment, when asked for; `true` means this job's commit / PR. The
 * context is `status-context`, else `defaultContext`; one given without a report is still checked
 * (nothing given is ignored unread).
 */
export function readReport(r: Reader, forge: ForgeKind, defaultContext: string): ReportOptions | undefined {
  const { label, ctx } = r;
  const givenContext = r.value('status-context');
  const status = r.valueOr('report-status', false, forge);
  const comment = r.valueOr('report-comment', false, forge);
  let sha: string | undefined;
  if (status === true) {
    sha = ctx.sourceSha;
    if (!sha) {
      refuse(
        r.at('report-status'),
        `${label('report-status')} is true but the source commit is unknown here; give the commit sha instead.`,
      );
    }
  } else if (status !== false) sha = status;
  let pr: number | undefined;
  if (comment === true) {
    pr = ctx.sourcePr;
    if (pr === undefined) {
      refuse(
        r.at('report-comment'),
        `${label('report-comment')} is true but no pull request is known here; give the pull request number instead.`,
      );
    }
  } else if (comment !== false) pr = comment;
  if (sha === undefined && pr === undefined) return undefined;
  // The status and the comment go through the same forge as the dispatch: same name limits.
  const source = r.value('source-repo', forge);
  if (source === undefined) {
    return refuse(
      r.at('source-repo'),
      `${label('source-repo')} is required to report back: the repository to report to, as owner/name.`,
    );
  }
  const context = givenContext ?? defaultContext;
  return {
    repo: source,
    ...(sha !== undefined ? { sha } : {}),
    context,
    ...(pr !== undefined ? { pr } : {}),
  };
}

/**
 * The settings a run is followed with, in one line for the log, so a default is never a surprise:
 * `timeout 1h, poll interval 2s, correlation auto`, or in cross-repo-dispatch mode
 * `cross-repo-dispatch mode (sha given): timeout 10m, poll interval 10s, the run is the one with a
 * step named "<sha>"`.
 */
export function describeRunSettings(options: RunOptions): string {
  const expected =
    options.expectedDurationMs !== undefined
      ? `, expected duration ${formatDuration(options.expectedDurationMs)}`
      : '';
  const timing = `timeout ${formatDuration(options.timeoutMs)}, poll interval ${formatDuration(options.intervalMs)}${expected}`;
  if (!options.reference) return `${timing}, correlation ${options.correlation}`;
  const found =
    options.correlation === 'step-name'
      ? `the run is the one with a step named "${options.correlationId}"`
      : `correlation ${options.correlation}`;
  return `cross-repo-dispatch mode (sha given): ${timing}, ${found}`;
}
