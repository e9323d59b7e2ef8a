// One typed options object shared by the action and the CLI: both turn their raw inputs (action
// inputs, argv flags) into the same canonical raw map, and `parseRunOptions` validates it before
// any request is sent. Each error names the input as the user wrote it (via `label`).

import { parseFailOn } from './conclusions.js';
import { isValidCorrelationId } from './correlation-id.js';
import type { CorrelationMode } from './engine-types.js';
import { InvalidInputError } from './errors.js';
import type { ForgeKind, RepoRef, RunConclusion } from './types.js';

/** Canonical raw option names (the action's input names). Values are the user's strings. */
export type RawRunOptionName =
  | 'forge'
  | 'server-url'
  | 'api-url'
  | 'repo'
  | 'owner'
  | 'workflow'
  | 'event-type'
  | 'ref'
  | 'inputs'
  | 'client-payload'
  | 'wait'
  | 'timeout'
  | 'poll-interval'
  | 'max-runs'
  | 'fail-on'
  | 'correlation'
  | 'correlation-id'
  | 'correlation-input'
  | 'report-status'
  | 'status-context'
  | 'report-comment'
  | 'source-repo'
  | 'cancel-on-timeout'
  | 'cancel-on-cancel';

export type RawRunOptions = Readonly<Partial<Record<RawRunOptionName, string | undefined>>>;

export interface ReportOptions {
  /** The source repository that receives the status and the comment. */
  readonly repo: RepoRef;
  /** Commit to put the status on (report-status). */
  readonly sha?: string;
  /** Status context. Default `xrd/<target repo>`. */
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
// Validation. No network: everything here is checked before a request is sent.

const FORGES: readonly ForgeKind[] = ['github', 'gitea', 'forgejo'];
const MODES: readonly CorrelationMode[] = ['auto', 'run-name', 'step-name'];
const NAME = /^[A-Za-z0-9_.-]+$/;
const SHA = /^[0-9a-f]{7,64}$/i;

export const RUN_OPTION_DEFAULTS = {
  forge: 'github' as ForgeKind,
  githubApiUrl: 'https://api.github.com',
  timeoutMs: 3_600_000,
  intervalMs: 2_000,
  maxRuns: 10,
  correlationInput: 'correlation_id',
} as const;

type Label = (name: RawRunOptionName) => string;
type Fail = (name: RawRunOptionName, message: string) => never;

/** Reads raw options: the user's value, else the environment's default; errors name the input. */
interface Reader {
  readonly label: Label;
  readonly fail: Fail;
  readonly get: (name: RawRunOptionName) => string | undefined;
  readonly bool: (name: RawRunOptionName, fallback: boolean) => boolean;
  readonly duration: (name: RawRunOptionName, fallback: number, minMs: number) => number;
  readonly ctx: ParseRunOptionsContext;
}

function reader(raw: RawRunOptions, ctx: ParseRunOptionsContext): Reader {
  const label = (name: RawRunOptionName): string => `\`${ctx.label ? ctx.label(name) : name}\``;
  const fail = (name: RawRunOptionName, message: string): never => {
    throw new InvalidInputError(message, { input: ctx.label ? ctx.label(name) : name });
  };
  const get = (name: RawRunOptionName): string | undefined => {
    const own = raw[name]?.trim();
    if (own) return own;
    const fallback = ctx.defaults?.[name]?.trim();
    return fallback ? fallback : undefined;
  };
  const bool = (name: RawRunOptionName, fallback: boolean): boolean => {
    const text = get(name);
    if (text === undefined) return fallback;
    const value = parseBoolean(text);
    if (value === undefined)
      fail(name, `${label(name)} must be true or false (also yes/no, 1/0), not "${text}".`);
    return value as boolean;
  };
  const duration = (name: RawRunOptionName, fallback: number, minMs: number): number => {
    const text = get(name);
    if (text === undefined) return fallback;
    const ms = parseDuration(text);
    if (ms === undefined) {
      fail(name, `${label(name)} must be a duration such as 600 (seconds), 30s, 10m or 1h, not "${text}".`);
    }
    if ((ms as number) < minMs)
      fail(name, `${label(name)} must be at least ${minMs / 1000}s, not "${text}".`);
    return ms as number;
  };
  return { label, fail, get, bool, duration, ctx };
}

/**
 * Parses and validates where a run lives and how it is waited for (`forge`, `server-url`,
 * `api-url`, `repo`, `owner`, `timeout`, `poll-interval`, `fail-on`, `cancel-on-timeout`,
 * `cancel-on-cancel`); every other name in `raw` is ignored. The same checks and messages as
 * `parseRunOptions`, for commands that follow a run instead of dispatching one.
 */
export function parseLocationOptions(raw: RawRunOptions, ctx: ParseRunOptionsContext = {}): LocationOptions {
  const r = reader(raw, ctx);
  return { ...readLocation(r), ...readWaitSettings(r) };
}

function readLocation(r: Reader): RunLocation {
  const forgeText = (r.get('forge') ?? RUN_OPTION_DEFAULTS.forge).toLowerCase();
  if (!(FORGES as readonly string[]).includes(forgeText)) {
    r.fail('forge', `${r.label('forge')} must be github, gitea or forgejo, not "${forgeText}".`);
  }
  const forge = forgeText as ForgeKind;
  const apiUrl = resolveApiUrl(forge, r.get('api-url'), r.get('server-url'), r.label, r.fail);
  const repo = parseRepo(r.get('repo'), r.get('owner'), r.label, r.fail);
  return { forge, apiUrl, repo };
}

function readWaitSettings(r: Reader): WaitSettings {
  return {
    timeoutMs: r.duration('timeout', RUN_OPTION_DEFAULTS.timeoutMs, 1_000),
    intervalMs: r.duration('poll-interval', RUN_OPTION_DEFAULTS.intervalMs, 1_000),
    failOn: parseFailOn(r.get('fail-on'), r.ctx.label ? r.ctx.label('fail-on') : 'fail-on'),
    cancelOnTimeout: r.bool('cancel-on-timeout', false),
    cancelOnAbort: r.bool('cancel-on-cancel', true),
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
  const { label, fail, get } = r;

  // forge, its API URL and the target repository
  const location = readLocation(r);
  const { forge } = location;

  // what to dispatch
  const workflowText = get('workflow');
  const eventType = get('event-type');
  if (workflowText !== undefined && eventType !== undefined) {
    fail('event-type', `Give either ${label('workflow')} or ${label('event-type')}, not both.`);
  }
  if (workflowText === undefined && eventType === undefined) {
    fail(
      'workflow',
      `${label('workflow')} is required: the workflow file to dispatch, e.g. build.yml (or give ${label('event-type')} for a repository_dispatch).`,
    );
  }
  let workflow: string | number | undefined;
  if (workflowText !== undefined) {
    const file = workflowText.split('/').pop() ?? workflowText;
    if (/^\d+$/.test(file)) workflow = Number(file);
    else if (/^[^\s/]+\.ya?ml$/.test(file)) workflow = file;
    else
      fail(
        'workflow',
        `${label('workflow')} must be a workflow file name ending in .yml or .yaml (e.g. build.yml) or a numeric id, not "${workflowText}".`,
      );
  }
  if (eventType !== undefined) {
    if (forge !== 'github') {
      fail(
        'event-type',
        `${label('event-type')} needs GitHub: ${forge === 'gitea' ? 'Gitea' : 'Forgejo'} has no repository_dispatch, so give ${label('workflow')} instead.`,
      );
    }
    if (eventType.length > 100)
      fail('event-type', `${label('event-type')} must be at most 100 characters long.`);
  }

  const ref = get('ref');
  if (ref === undefined && ctx.refOptional !== true)
    fail('ref', `${label('ref')} is required: the branch, tag or commit of the target to run, e.g. main.`);
  if (ref !== undefined && /\s/.test(ref))
    fail('ref', `${label('ref')} must not contain spaces, got "${ref}".`);

  // payload
  const inputsText = get('inputs');
  const payloadText = get('client-payload');
  if (inputsText !== undefined && eventType !== undefined) {
    fail(
      'inputs',
      `${label('inputs')} only apply to a workflow dispatch; put the data in ${label('client-payload')} for ${label('event-type')}.`,
    );
  }
  if (payloadText !== undefined && eventType === undefined) {
    fail(
      'client-payload',
      `${label('client-payload')} only applies to ${label('event-type')}; use ${label('inputs')} for a workflow dispatch.`,
    );
  }
  const inputs =
    inputsText === undefined ? {} : parseInputs(inputsText, label('inputs'), (m) => fail('inputs', m));
  const clientPayload =
    payloadText === undefined
      ? undefined
      : parseClientPayload(payloadText, label('client-payload'), (m) => fail('client-payload', m));

  // correlation
  const correlationText = (get('correlation') ?? 'auto').toLowerCase();
  if (!(MODES as readonly string[]).includes(correlationText)) {
    fail(
      'correlation',
      `${label('correlation')} must be auto, run-name or step-name, not "${correlationText}".`,
    );
  }
  const correlationId = get('correlation-id');
  if (correlationId !== undefined && !isValidCorrelationId(correlationId)) {
    fail(
      'correlation-id',
      `${label('correlation-id')} may only contain letters, digits, ".", "_" and "-" (at most 100), not "${correlationId}".`,
    );
  }
  const correlationInput = get('correlation-input') ?? RUN_OPTION_DEFAULTS.correlationInput;
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(correlationInput)) {
    fail(
      'correlation-input',
      `${label('correlation-input')} must be an input name such as correlation_id, not "${correlationInput}".`,
    );
  }

  // waiting
  const wait = r.bool('wait', true);
  const waitSettings = readWaitSettings(r);
  const maxRunsText = get('max-runs');
  let maxRuns: number = RUN_OPTION_DEFAULTS.maxRuns;
  if (maxRunsText !== undefined) {
    if (!/^\d+$/.test(maxRunsText) || Number(maxRunsText) < 1 || Number(maxRunsText) > 100) {
      fail('max-runs', `${label('max-runs')} must be a whole number from 1 to 100, not "${maxRunsText}".`);
    }
    maxRuns = Number(maxRunsText);
  }

  // report-back
  const report = parseReport(get, label, fail, ctx, location.repo);

  return {
    ...location,
    ...(workflow !== undefined ? { workflow } : {}),
    ...(eventType !== undefined ? { eventType } : {}),
    ...(ref !== undefined ? { ref } : {}),
    inputs,
    ...(clientPayload !== undefined ? { clientPayload } : {}),
    correlation: correlationText as CorrelationMode,
    ...(correlationId !== undefined ? { correlationId } : {}),
    correlationInput,
    wait,
    ...waitSettings,
    maxRuns,
    ...(report !== undefined ? { report } : {}),
  };
}

/** true/false, yes/no, on/off, 1/0 (any case); undefined for anything else. */
export function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (['true', 'yes', 'y', 'on', '1'].includes(t)) return true;
  if (['false', 'no', 'n', 'off', '0'].includes(t)) return false;
  return undefined;
}

/** `600` (seconds), `30s`, `10m`, `1h`, `1h30m`, `500ms` → milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    const unit = m[2] as 'ms' | 'h' | 'm' | 's';
    total += Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit];
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== t.length) return undefined;
  return Math.round(total);
}

function resolveApiUrl(
  forge: ForgeKind,
  apiUrl: string | undefined,
  serverUrl: string | undefined,
  label: Label,
  fail: Fail,
): string {
  const check = (name: RawRunOptionName, text: string): string => {
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      fail(name, `${label(name)} must be an http(s) URL such as https://gitea.example.com, not "${text}".`);
    }
    return text.replace(/\/+$/, '');
  };
  if (apiUrl !== undefined) return check('api-url', apiUrl);
  if (serverUrl !== undefined) {
    const server = check('server-url', serverUrl);
    if (forge === 'github') {
      return /^https?:\/\/github\.com$/i.test(server) ? RUN_OPTION_DEFAULTS.githubApiUrl : `${server}/api/v3`;
    }
    return `${server}/api/v1`;
  }
  if (forge === 'github') return RUN_OPTION_DEFAULTS.githubApiUrl;
  return fail(
    'server-url',
    `${label('server-url')} is required for ${forge}: the address of your server, e.g. https://${forge}.example.com.`,
  );
}

function parseRepo(
  repoText: string | undefined,
  owner: string | undefined,
  label: Label,
  fail: Fail,
): RepoRef {
  if (repoText === undefined) {
    return fail(
      'repo',
      `${label('repo')} is required: the target repository as owner/name, e.g. acme/target.`,
    );
  }
  const parts = repoText.split('/');
  if (parts.length === 2) {
    const [o, r] = parts as [string, string];
    if (!NAME.test(o) || !NAME.test(r))
      fail('repo', `${label('repo')} must look like owner/name, e.g. acme/target, not "${repoText}".`);
    if (owner !== undefined && owner !== o) {
      fail(
        'owner',
        `${label('owner')} "${owner}" contradicts ${label('repo')} "${repoText}"; drop ${label('owner')} or make them agree.`,
      );
    }
    return { owner: o, repo: r };
  }
  if (parts.length === 1 && NAME.test(repoText)) {
    if (owner === undefined) {
      fail(
        'repo',
        `${label('repo')} must be owner/name, e.g. my-org/${repoText}, or set ${label('owner')} as well.`,
      );
    }
    if (!NAME.test(owner as string))
      fail('owner', `${label('owner')} must be a user or organisation name, not "${owner}".`);
    return { owner: owner as string, repo: repoText };
  }
  return fail('repo', `${label('repo')} must look like owner/name, e.g. acme/target, not "${repoText}".`);
}

/**
 * Workflow inputs: a JSON object, or a flat YAML map (`key: value` per line; `#` comments; values may
 * be quoted). Values become strings: workflow_dispatch inputs are strings on the wire.
 */
export function parseInputs(
  text: string,
  label: string,
  fail: (message: string) => never,
): Record<string, string> {
  const trimmed = text.trim();
  const out: Record<string, string> = {};
  if (trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      fail(
        `${label} is not valid JSON (${(error as Error).message}); give a JSON object or key: value lines.`,
      );
    }
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item === null || typeof item === 'object') {
        fail(
          `${label} value "${key}" must be a string, number or boolean, since workflow inputs are scalars.`,
        );
      }
      out[key] = String(item);
    }
    return out;
  }
  if (trimmed.startsWith('[')) fail(`${label} must be an object (key: value), not a list.`);
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const content = line.trim();
    if (content === '' || content.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_-]*)\s*:(?:\s+(.*))?$/.exec(content);
    if (!match) {
      fail(
        `${label} line ${index + 1} ("${content}") is not \`key: value\`; give a JSON object or one key: value per line.`,
      );
    }
    const [, key, rawValue] = match as RegExpExecArray;
    out[key as string] = unquote(stripComment(rawValue ?? ''));
  }
  return out;
}

function stripComment(value: string): string {
  const v = value.trim();
  if (v.startsWith('"') || v.startsWith("'")) return v;
  const hash = v.search(/\s#/);
  return hash >= 0 ? v.slice(0, hash).trim() : v;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      return String(JSON.parse(value));
    } catch {
      return value.slice(1, -1);
    }
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'"))
    return value.slice(1, -1).replace(/''/g, "'");
  return value;
}

/** client_payload: a JSON object with at most 10 top-level keys, under 64 KB (GitHub's limits). */
export function parseClientPayload(
  text: string,
  label: string,
  fail: (message: string) => never,
): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(
      `${label} is not valid JSON (${(error as Error).message}); give a JSON object such as {"key": "value"}.`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(`${label} must be a JSON object such as {"key": "value"}.`);
  }
  const keys = Object.keys(value as object).length;
  if (keys > 10) fail(`${label} has ${keys} top-level keys but GitHub accepts at most 10; nest the rest.`);
  if (new TextEncoder().encode(JSON.stringify(value)).length >= 65_536) {
    fail(`${label} must be smaller than 64 KB when serialized; send a reference to the data instead.`);
  }
  return value as Record<string, unknown>;
}

function parseReport(
  get: (name: RawRunOptionName) => string | undefined,
  label: Label,
  fail: Fail,
  ctx: ParseRunOptionsContext,
  target: RepoRef,
): ReportOptions | undefined {
  const statusText = get('report-status');
  const commentText = get('report-comment');
  let sha: string | undefined;
  if (statusText !== undefined && parseBoolean(statusText) !== false) {
    if (parseBoolean(statusText) === true) {
      sha = ctx.sourceSha;
      if (!sha)
        fail(
          'report-status',
          `${label('report-status')} is true but the source commit is unknown here; give the commit sha instead.`,
        );
    } else sha = statusText;
    if (!SHA.test(sha as string)) {
      fail(
        'report-status',
        `${label('report-status')} must be true, false or a commit sha (7–64 hex digits), not "${sha}".`,
      );
    }
  }
  let pr: number | undefined;
  if (commentText !== undefined && parseBoolean(commentText) !== false) {
    if (parseBoolean(commentText) === true && !/^1$/.test(commentText)) {
      pr = ctx.sourcePr;
      if (pr === undefined) {
        fail(
          'report-comment',
          `${label('report-comment')} is true but no pull request is known here; give the pull request number instead.`,
        );
      }
    } else if (/^#?\d+$/.test(commentText) && Number(commentText.replace('#', '')) > 0) {
      pr = Number(commentText.replace('#', ''));
    } else {
      fail(
        'report-comment',
        `${label('report-comment')} must be true, false or a pull request number, not "${commentText}".`,
      );
    }
  }
  if (sha === undefined && pr === undefined) return undefined;
  const sourceText = get('source-repo');
  if (sourceText === undefined) {
    return fail(
      'source-repo',
      `${label('source-repo')} is required to report back: the repository to report to, as owner/name.`,
    );
  }
  const parts = sourceText.split('/');
  if (parts.length !== 2 || !NAME.test(parts[0] ?? '') || !NAME.test(parts[1] ?? '')) {
    fail(
      'source-repo',
      `${label('source-repo')} must look like owner/name, e.g. acme/source, not "${sourceText}".`,
    );
  }
  const context = get('status-context') ?? `xrd/${target.owner}/${target.repo}`;
  return {
    repo: { owner: parts[0] as string, repo: parts[1] as string },
    ...(sha !== undefined ? { sha } : {}),
    context,
    ...(pr !== undefined ? { pr } : {}),
  };
}
