// The one option schema. Every option the action, the CLI and the webhook service take is declared
// here once: its canonical name, the action input (and the cross-repo-dispatch names the action
// still accepts), the CLI flag, the webhook config key, the typed parser, the default and the help.
// The front ends only collect raw text (action inputs, argv, YAML values) and say how their user
// named each option; every refusal is one of the sentences below, whichever front end it came
// through, so a value the action refuses is refused by the CLI and the webhook config in the same
// words. Modelled on vitest's cli-config.ts (one typed table of options).

import { parse as parseYaml } from 'yaml';
import { DEFAULT_FAIL_ON, parseFailOn } from './conclusions.js';
import { isValidCorrelationId } from './correlation-id.js';
import type { CorrelationMode } from './engine-types.js';
import { InvalidInputError, redact } from './errors.js';
import type { ForgeKind, RepoRef, RunConclusion } from './types.js';

/** Canonical option names: the action's input names, and the keys of `RawRunOptions`. */
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
  | 'expected-duration'
  | 'max-runs'
  | 'fail-on'
  | 'correlation'
  | 'correlation-id'
  | 'sha'
  | 'correlation-input'
  | 'report-status'
  | 'status-context'
  | 'report-comment'
  | 'source-repo'
  | 'cancel-on-timeout'
  | 'cancel-on-cancel'
  | 'download-artifacts'
  | 'artifacts-path'
  | 'remote-outputs'
  | 'targets'
  | 'fail-fast'
  | 'concurrency'
  | 'status-per-target';

/** Every option of the schema: the run options, and the credentials and titles around them. */
export type OptionName = RawRunOptionName | 'token' | 'user' | 'comment-title';

/** Where a value is being parsed: how the user named it, and what the rules depend on. */
export interface OptionContext {
  /** The option as the user wrote it: `repo`, `--repo`, `$XRD_TOKEN`, `routes[0].dispatch.repo`. */
  readonly label: string;
  /** The forge the value is for: name lengths and repository_dispatch depend on it. */
  readonly forge?: ForgeKind;
  /** What to quote back instead of the text (a template, checked with its variables filled in). */
  readonly shown?: string;
}

/** Turns the user's text (trimmed, never empty) into a typed value, or throws one sentence. */
export type OptionParser<T> = (text: string, at: OptionContext) => T;

export interface ActionInputSpec {
  /** `required:` in action.yml. */
  readonly required?: boolean;
  /** `default:` in action.yml; absent: the input has no `default:` key. */
  readonly default?: string;
  /** `description:` in action.yml, as YAML folds it (one line). */
  readonly description: string;
  /** cross-repo-dispatch names of this input, with their own action.yml descriptions. */
  readonly aliases?: readonly { readonly name: string; readonly description: string }[];
}

/**
 * Which CLI commands take a flag: every run command (`location`), `dispatch` only, `dispatch` and
 * `wait`, or every command that talks to a forge (`common`, with the CLI's other token flags).
 */
export type CliGroup = 'location' | 'dispatch' | 'wait' | 'common';

export interface CliFlagSpec {
  /** `--server`; the option's value comes from commander's attribute of that name. */
  readonly flag: string;
  /** `<url>`; absent for a boolean switch. */
  readonly arg?: string;
  readonly help: string;
  readonly group: CliGroup;
  /** Values offered by shell completion and help (core still does the checking, in its words). */
  readonly choices?: readonly string[];
  /** The switch that turns a boolean off (`--no-wait`) and its help. */
  readonly negate?: { readonly flag: string; readonly help: string };
  /** The raw value when the flag is not given, where the CLI differs from the action. */
  readonly default?: string;
}

export interface ConfigKeySpec {
  /** Key path inside a route (`dispatch.workflow`) or a forge (`api-url`) of the webhook config. */
  readonly key: string;
  readonly scope: 'route' | 'forge';
  /** The service's default where it differs from the action's and the CLI's. */
  readonly default?: string;
  /** The key is a plain on/off switch in the service (it reports on the event's own commit/PR). */
  readonly toggle?: boolean;
}

export interface OptionSpec<T> {
  readonly name: OptionName;
  readonly parse: OptionParser<T>;
  /** The value when the option is not given (and no runner default applies). */
  readonly default?: T;
  /**
   * The cross-repo-dispatch action's own default, used instead of `default` in its compatibility
   * mode (on when `sha` is given: see `parseRunOptions`), so its steps keep their timing.
   */
  readonly reference?: { readonly default: T };
  /** What a bare number means. */
  readonly unit?: 'seconds';
  readonly action?: ActionInputSpec;
  readonly cli?: CliFlagSpec;
  readonly config?: ConfigKeySpec;
}

// ---------------------------------------------------------------------------------------------
// Sentences

const named = (at: OptionContext): string => `\`${at.label}\``;

/** Throws the one sentence for a refused value, naming the option as the user wrote it. */
export function refuse(at: OptionContext, message: string): never {
  throw new InvalidInputError(message, { input: at.label });
}

/**
 * The user's text quoted back: escaped (a line break stays on the line), cut to a readable length,
 * and never with a `user:password@` part.
 */
function quoted(text: string, at: OptionContext): string {
  const shown = redact(at.shown ?? text);
  return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 77)}…` : shown);
}

/**
 * Reads one value with a parser: trimmed, then parsed. A value given empty is refused rather than
 * taken as "not given": `--ref ''` would otherwise dispatch on the default branch,
 * `--correlation-id ''` would silently generate an id, `ref: ''` in the webhook config would run
 * on `main`.
 */
export function readValue<T>(parse: OptionParser<T>, text: string, at: OptionContext): T {
  const trimmed = text.trim();
  if (trimmed === '') refuse(at, `${named(at)} is empty; give it a value or leave it out.`);
  return parse(trimmed, at);
}

/** Reads one option of the table (see `readValue`). */
export function readOption<N extends OptionName>(name: N, text: string, at: OptionContext): OptionValue<N> {
  return readValue(OPTIONS[name].parse as OptionParser<OptionValue<N>>, text, at);
}

// ---------------------------------------------------------------------------------------------
// Parsers

const FORGES: readonly ForgeKind[] = ['github', 'gitea', 'forgejo'];
const MODES: readonly CorrelationMode[] = ['auto', 'run-name', 'step-name'];
const FORGE_NAMES: Readonly<Record<ForgeKind, string>> = {
  github: 'GitHub',
  gitea: 'Gitea',
  forgejo: 'Forgejo',
};

const parseForge: OptionParser<ForgeKind> = (text, at) => {
  const forge = text.toLowerCase();
  if (!(FORGES as readonly string[]).includes(forge))
    refuse(at, `${named(at)} must be github, gitea or forgejo, not ${quoted(forge, at)}.`);
  return forge as ForgeKind;
};

/** true/false, yes/no, on/off, 1/0 (any case); undefined for anything else. */
export function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (['true', 'yes', 'y', 'on', '1'].includes(t)) return true;
  if (['false', 'no', 'n', 'off', '0'].includes(t)) return false;
  return undefined;
}

/** An on/off switch: the action's `wait`, the webhook config's `report.status`. */
export const parseSwitch: OptionParser<boolean> = (text, at) => {
  const value = parseBoolean(text);
  if (value === undefined)
    refuse(at, `${named(at)} must be true or false (also yes/no, 1/0), not ${quoted(text, at)}.`);
  return value as boolean;
};

/**
 * `600` (seconds), `30s`, `10m`, `1h`, `1h30m`, `500ms` → milliseconds; undefined when malformed.
 * A bare number is seconds in every front end: the action's and the CLI's `timeout: 600`, the
 * webhook config's `correlation-timeout: 120`.
 */
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

/** A duration parser (bare numbers are seconds) refusing anything below `minMs`. */
export function durationParser(minMs = 0): OptionParser<number> {
  return (text, at) => {
    const ms = parseDuration(text);
    if (ms === undefined)
      refuse(
        at,
        `${named(at)} must be a duration such as 600 (seconds), 30s, 10m or 1h, not ${quoted(text, at)}.`,
      );
    if ((ms as number) < minMs)
      refuse(at, `${named(at)} must be at least ${minMs / 1000}s, not ${quoted(text, at)}.`);
    return ms as number;
  };
}

/**
 * The `user:password@` part of a URL-like text, found without trusting `new URL` (which accepts
 * `user:pw@host` with no scheme as a path).
 */
function hasCredentials(text: string): boolean {
  const authority = /^(?:[a-z][a-z0-9+.-]*:)?\/*([^/?#]*)/i.exec(text)?.[1] ?? '';
  return authority.includes('@');
}

/**
 * An http(s) base URL, without trailing slashes. Credentials inside it are refused, not stripped:
 * a password in an option ends up in shell history, workflow files and logs, and silently
 * dropping it would leave the user wondering why the server answers 401.
 */
const parseHttpUrl: OptionParser<string> = (text, at) => {
  if (hasCredentials(text)) {
    refuse(
      at,
      `${named(at)} must not contain a user name or password (user:password@); remove them from the URL and give the token as the token instead.`,
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  // `new URL` drops tabs and line breaks silently; the text itself is what gets used.
  if (
    url === undefined ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    /[\s\x00-\x1f\x7f]/.test(text)
  ) {
    refuse(
      at,
      `${named(at)} must be an http(s) URL such as https://gitea.example.com, not ${quoted(text, at)}.`,
    );
  }
  return text.replace(/\/+$/, '');
};

/**
 * The longest owner and repository names each forge accepts, so a name no forge can hold is
 * refused before a request carries it (a 10,000-character name used to reach the server).
 * - GitHub: user and organisation names have at most 39 characters (the sign-up and "new
 *   organization" forms' rule; collected with evidence in github.com/dead-claudia/github-limits);
 *   repository names at most 100 ("Name cannot be more than 100 characters", docs.github.com
 *   "Creating a new repository", github/docs#44518).
 * - Gitea: `CreateUserOption.Username` and `CreateOrgForm.OrgName` are `MaxSize(40)`,
 *   `CreateRepoOption.Name` is `AlphaDashDot;MaxSize(100)` (go-gitea/gitea modules/structs/
 *   admin_user.go, services/forms/org.go, modules/structs/repo.go).
 * - Forgejo keeps Gitea's 40 and 100 and allows `+` in repository names
 *   (`AlphaDashDotPlus;MaxSize(100)`, forgejo modules/structs/repo.go and admin_user.go).
 */
export const NAME_LIMITS: Readonly<Record<ForgeKind, { readonly owner: number; readonly repo: number }>> = {
  github: { owner: 39, repo: 100 },
  gitea: { owner: 40, repo: 100 },
  forgejo: { owner: 40, repo: 100 },
};

const NAME = /^[A-Za-z0-9_.-]+$/;
const FORGEJO_REPO_NAME = /^[A-Za-z0-9_.+-]+$/;

/** A name that is one URL path segment: `.` and `..` would climb the API path instead. */
function isName(text: string, part: 'owner' | 'repo', forge: ForgeKind | undefined): boolean {
  const chars = part === 'repo' && forge === 'forgejo' ? FORGEJO_REPO_NAME : NAME;
  return chars.test(text) && text !== '.' && text !== '..';
}

function checkLength(name: string, part: 'owner' | 'repo', at: OptionContext): void {
  const forge = at.forge ?? 'github';
  const max = NAME_LIMITS[forge][part];
  if (name.length > max) {
    const what = part === 'owner' ? 'an owner name' : 'a repository name';
    refuse(
      at,
      `${named(at)} has ${what} of ${name.length} characters, but ${FORGE_NAMES[forge]} allows at most ${max}; check the value.`,
    );
  }
}

/** A repository as `owner/name`, each part within the forge's limits. */
const parseRepoName: OptionParser<RepoRef> = (text, at) => {
  const parts = text.split('/');
  const [owner, repo] = parts as [string, string];
  if (parts.length !== 2 || !isName(owner, 'owner', at.forge) || !isName(repo, 'repo', at.forge)) {
    refuse(at, `${named(at)} must look like owner/name, e.g. acme/target, not ${quoted(text, at)}.`);
  }
  checkLength(owner, 'owner', at);
  checkLength(repo, 'repo', at);
  return { owner, repo };
};

/** A user or organisation name (`owner`, and the cross-repo-dispatch `user`). */
const parseOwner: OptionParser<string> = (text, at) => {
  if (!isName(text, 'owner', at.forge))
    refuse(at, `${named(at)} must be a user or organisation name, not ${quoted(text, at)}.`);
  checkLength(text, 'owner', at);
  return text;
};

/** A repository name alone, for `repo` together with `owner` (the cross-repo-dispatch pair). */
export function parseBareRepoName(text: string, at: OptionContext): string {
  if (!isName(text, 'repo', at.forge))
    refuse(at, `${named(at)} must look like owner/name, e.g. acme/target, not ${quoted(text, at)}.`);
  checkLength(text, 'repo', at);
  return text;
}

/** A workflow file name (a path is reduced to its file name) or a numeric id. */
const parseWorkflow: OptionParser<string | number> = (text, at) => {
  const file = text.split('/').pop() ?? text;
  const id = Number(file);
  if (/^\d+$/.test(file) && Number.isSafeInteger(id) && id > 0) return id;
  if (/^[^\s/\x00-\x1f\x7f]+\.ya?ml$/.test(file)) return file;
  return refuse(
    at,
    `${named(at)} must be a workflow file name ending in .yml or .yaml (e.g. build.yml) or a numeric id, not ${quoted(text, at)}.`,
  );
};

/** GitHub's `event_type`: at most 100 characters (REST "Create a repository dispatch event"). */
const parseEventType: OptionParser<string> = (text, at) => {
  if (at.forge !== undefined && at.forge !== 'github') {
    refuse(
      at,
      `${named(at)} needs GitHub: ${FORGE_NAMES[at.forge]} has no repository_dispatch, so dispatch a workflow instead.`,
    );
  }
  if (text.length > 100) refuse(at, `${named(at)} must be at most 100 characters long.`);
  if (/[\x00-\x1f\x7f]/.test(text))
    refuse(at, `${named(at)} must not contain line breaks or control characters.`);
  return text;
};

/**
 * A branch, tag or commit, by git's own rules for ref names (git-check-ref-format: no control
 * characters, space, `~ ^ : ? * [ \`, `..` or `@{`; no component starting with `.` or ending in
 * `.lock`; not ending in `/` or `.`), so a ref no repository can have is refused before a
 * request carries it.
 */
const parseRef: OptionParser<string> = (text, at) => {
  const bad =
    /[\x00-\x20\x7f~^:?*[\\]/.test(text) ||
    text.includes('..') ||
    text.includes('@{') ||
    text === '@' ||
    text.startsWith('/') ||
    text.endsWith('/') ||
    text.endsWith('.') ||
    text.split('/').some((part) => part === '' || part.startsWith('.') || part.endsWith('.lock'));
  if (bad) {
    refuse(
      at,
      `${named(at)} must be a branch, tag or commit git accepts (no spaces, control characters, ~ ^ : ? * [ \\ or ..), not ${quoted(text, at)}.`,
    );
  }
  return text;
};

/** A workflow input name, as GitHub and Gitea accept them in `on.workflow_dispatch.inputs`. */
const INPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Workflow inputs given as an object (the action's and the CLI's JSON, the webhook config's
 * mapping): names as workflows declare them, scalar values, which become strings on the wire.
 */
export function parseInputsObject(value: unknown, at: OptionContext): Record<string, string> {
  if (Array.isArray(value)) refuse(at, `${named(at)} must be an object (key: value), not a list.`);
  if (value === null || typeof value !== 'object')
    refuse(at, `${named(at)} must be an object (key: value) of workflow inputs.`);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (!INPUT_NAME.test(key)) {
      refuse(
        at,
        `${named(at)} has ${quoted(key, at)}, which is not an input name (a letter or _, then letters, digits, - and _).`,
      );
    }
    if (item === null || typeof item === 'object') {
      refuse(
        at,
        `${named(at)} value ${quoted(key, at)} must be a string, number or boolean, since workflow inputs are scalars.`,
      );
    }
    out[key] = String(item);
  }
  return out;
}

/**
 * Workflow inputs: a JSON object, or a flat YAML map (`key: value` per line; `#` comments; values may
 * be quoted). Values become strings: workflow_dispatch inputs are strings on the wire.
 */
const parseInputsText: OptionParser<Record<string, string>> = (text, at) => {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      refuse(
        at,
        `${named(at)} is not valid JSON (${(error as Error).message}); give a JSON object or key: value lines.`,
      );
    }
    return parseInputsObject(value, at);
  }
  const out: Record<string, string> = {};
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const content = line.trim();
    if (content === '' || content.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_-]*)\s*:(?:\s+(.*))?$/.exec(content);
    if (!match) {
      refuse(
        at,
        `${named(at)} line ${index + 1} (${quoted(content, at)}) is not \`key: value\`; give a JSON object or one key: value per line.`,
      );
    }
    const [, key, rawValue] = match as RegExpExecArray;
    out[key as string] = unquote(stripComment(rawValue ?? ''));
  }
  return out;
};

/** Workflow inputs from text, with errors labelled `label` (kept for callers of the old API). */
export function parseInputs(
  text: string,
  label: string,
  fail: (message: string) => never,
): Record<string, string> {
  try {
    return parseInputsText(text, { label });
  } catch (error) {
    return fail((error as Error).message);
  }
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
const parseClientPayloadText: OptionParser<Record<string, unknown>> = (text, at) => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    refuse(
      at,
      `${named(at)} is not valid JSON (${(error as Error).message}); give a JSON object such as {"key": "value"}.`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    refuse(at, `${named(at)} must be a JSON object such as {"key": "value"}.`);
  }
  const keys = Object.keys(value as object).length;
  if (keys > 10)
    refuse(at, `${named(at)} has ${keys} top-level keys but GitHub accepts at most 10; nest the rest.`);
  if (new TextEncoder().encode(JSON.stringify(value)).length >= 65_536) {
    refuse(
      at,
      `${named(at)} must be smaller than 64 KB when serialized; send a reference to the data instead.`,
    );
  }
  return value as Record<string, unknown>;
};

/** client_payload from text, with errors labelled `label` (kept for callers of the old API). */
export function parseClientPayload(
  text: string,
  label: string,
  fail: (message: string) => never,
): Record<string, unknown> {
  try {
    return parseClientPayloadText(text, { label });
  } catch (error) {
    return fail((error as Error).message);
  }
}

const parseMaxRuns: OptionParser<number> = (text, at) => {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 100)
    refuse(at, `${named(at)} must be a whole number from 1 to 100, not ${quoted(text, at)}.`);
  return Number(text);
};

const parseConclusions: OptionParser<readonly RunConclusion[]> = (text, at) => parseFailOn(text, at.label);

const parseCorrelation: OptionParser<CorrelationMode> = (text, at) => {
  const mode = text.toLowerCase();
  if (!(MODES as readonly string[]).includes(mode))
    refuse(at, `${named(at)} must be auto, run-name or step-name, not ${quoted(mode, at)}.`);
  return mode as CorrelationMode;
};

const parseCorrelationId: OptionParser<string> = (text, at) => {
  if (!isValidCorrelationId(text)) {
    refuse(
      at,
      `${named(at)} may only contain letters, digits, ".", "_" and "-" (at most 100), not ${quoted(text, at)}.`,
    );
  }
  return text;
};

const parseInputName: OptionParser<string> = (text, at) => {
  if (!INPUT_NAME.test(text))
    refuse(at, `${named(at)} must be an input name such as correlation_id, not ${quoted(text, at)}.`);
  return text;
};

const SHA = /^[0-9a-f]{7,64}$/i;

/** `report-status`: on (this job's commit), off, or the commit to report on. */
const parseReportStatus: OptionParser<boolean | string> = (text, at) => {
  const on = parseBoolean(text);
  if (on !== undefined) return on;
  if (!SHA.test(text)) {
    refuse(
      at,
      `${named(at)} must be true, false or a commit sha (7–64 hex digits), not ${quoted(text, at)}.`,
    );
  }
  return text;
};

/** `report-comment`: on (this job's pull request), off, or the pull request to comment on. */
const parseReportComment: OptionParser<boolean | number> = (text, at) => {
  // `1` is pull request #1, not "true": a number always names a pull request.
  if (/^#?\d+$/.test(text) && Number(text.replace('#', '')) > 0) return Number(text.replace('#', ''));
  const on = parseBoolean(text);
  if (on !== undefined) return on;
  return refuse(at, `${named(at)} must be true, false or a pull request number, not ${quoted(text, at)}.`);
};

/** Free text that goes into a request body or a heading: one line. */
const parseLine: OptionParser<string> = (text, at) => {
  if (/[\x00-\x1f\x7f]/.test(text)) refuse(at, `${named(at)} must be one line without control characters.`);
  return text;
};

/**
 * Tokens of GitHub, GHES, Gitea and Forgejo are printable ASCII. Anything else (a pasted token with
 * a line break inside, a stray control character) cannot go into an Authorization header: fetch
 * refuses it before sending, which used to surface as "could not reach the forge".
 */
const parseToken: OptionParser<string> = (text, at) => {
  if (!/^[\x21-\x7e]+$/.test(text)) {
    refuse(
      at,
      `${named(at)} contains a space, line break, control or non-ASCII character; put only the token itself there.`,
    );
  }
  return text;
};

/**
 * Artifact names or globs, one per line (the CLI joins its repeated flag the same way). Names may hold
 * commas and spaces, so only a line break separates them; `/` and `\\` cannot appear in an artifact's
 * name on any forge, so a pattern holding one is a path given by mistake.
 */
const parseArtifactPatterns: OptionParser<readonly string[]> = (text, at) => {
  const patterns = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  for (const pattern of patterns) {
    if (/[/\\\x00-\x1f\x7f]/.test(pattern)) {
      refuse(
        at,
        `${named(at)} holds ${quoted(pattern, at)}, which no artifact name can match (names have no / or \\); give artifact names or globs such as dist-*, one per line.`,
      );
    }
    if (pattern.length > 256) refuse(at, `${named(at)} holds a pattern longer than 256 characters.`);
  }
  return patterns;
};

/** A folder on the machine xrd runs on: one line, no control characters. */
const parseFolder: OptionParser<string> = (text, at) => {
  if (/[\x00-\x1f\x7f]/.test(text)) refuse(at, `${named(at)} must be one line without control characters.`);
  return text;
};

/**
 * What one item of a `targets` list may set. Each is the option of that name, read by the same
 * parser as the step's own (so `targets[2].repo` is refused in the same words as `repo`);
 * `token-env` is the CLI's way to name a target's token (an environment variable, never the token);
 * `expected-duration` replaces the step's for the runs of that target's repository.
 */
export const TARGET_KEYS = [
  'repo',
  'workflow',
  'event-type',
  'ref',
  'inputs',
  'client-payload',
  'forge',
  'server-url',
  'api-url',
  'token',
  'token-env',
  'expected-duration',
] as const;
export type TargetKey = (typeof TARGET_KEYS)[number];

/**
 * One item of a `targets` list as the user wrote it: each value as text (the same text the option
 * takes on its own; `inputs` and `client-payload` as JSON), checked later with the step's options.
 */
export interface RawTarget {
  /** Position in the list, 0-based, as the messages name it (`targets[2].repo`). */
  readonly index: number;
  readonly values: Readonly<Partial<Record<TargetKey, string>>>;
}

/** At most this many targets in one step or command: each is a dispatch and a run to follow. */
export const MAX_TARGETS = 100;

/**
 * A `targets` list, given as data (the webhook config's YAML, or the action's input once read as
 * YAML): a non-empty list of maps whose keys are `TARGET_KEYS`. Scalars become text; `inputs` and
 * `client-payload` maps become JSON, read later by their own parsers.
 */
export function parseTargetsValue(value: unknown, at: OptionContext): RawTarget[] {
  if (!Array.isArray(value)) {
    refuse(
      at,
      `${named(at)} must be a list of targets, each with at least \`repo\`, e.g. \`- repo: acme/app\` on its own line.`,
    );
  }
  const items = value as unknown[];
  if (items.length === 0) refuse(at, `${named(at)} is an empty list; give at least one target.`);
  if (items.length > MAX_TARGETS)
    refuse(at, `${named(at)} lists ${items.length} targets, but one step dispatches at most ${MAX_TARGETS}.`);
  return items.map((item, index) => {
    const here = `${at.label}[${index}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      refuse(
        { ...at, label: here },
        `\`${here}\` must be a map of keys such as repo and workflow, not ${Array.isArray(item) ? 'a list' : quoted(String(item), at)}.`,
      );
    }
    const values: Partial<Record<TargetKey, string>> = {};
    for (const [key, raw] of Object.entries(item as Record<string, unknown>)) {
      if (!(TARGET_KEYS as readonly string[]).includes(key)) {
        refuse(
          { ...at, label: `${here}.${key}` },
          `\`${here}\` has ${quoted(key, at)}, which is not a target key; use ${TARGET_KEYS.join(', ')}.`,
        );
      }
      const name = key as TargetKey;
      if (raw !== null && typeof raw === 'object') {
        if (name !== 'inputs' && name !== 'client-payload') {
          refuse(
            { ...at, label: `${here}.${key}` },
            `\`${here}.${key}\` must be a single value, not a ${Array.isArray(raw) ? 'list' : 'map'}.`,
          );
        }
        values[name] = JSON.stringify(raw);
      } else values[name] = raw === null || raw === undefined ? '' : String(raw);
    }
    return { index, values };
  });
}

/**
 * The tokens a `targets` text holds, found before anything is validated or printed, so a front end
 * can mask them first (the action's `::add-mask::`): every `token` value of every item that reads.
 * Text that is not a YAML list holds none this can find (and is refused before it is used).
 */
export function targetTokens(text: string): string[] {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => {
    const token = item !== null && typeof item === 'object' ? (item as { token?: unknown }).token : undefined;
    const text = typeof token === 'string' || typeof token === 'number' ? String(token).trim() : '';
    return text !== '' ? [text] : [];
  });
}

/** `targets` as text: a YAML list (JSON is YAML too), then `parseTargetsValue`. */
const parseTargetsText: OptionParser<readonly RawTarget[]> = (text, at) => {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    const reason = ((error as Error).message.split('\n')[0] ?? '').replace(/\.$/, '');
    refuse(
      at,
      `${named(at)} is not valid YAML (${reason}); give a list with one \`- repo: …\` item per target.`,
    );
  }
  return parseTargetsValue(value, at);
};

const parseConcurrency: OptionParser<number> = (text, at) => {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 20)
    refuse(at, `${named(at)} must be a whole number from 1 to 20, not ${quoted(text, at)}.`);
  return Number(text);
};

// ---------------------------------------------------------------------------------------------
// The table

// An option declared with a default keeps it in its type, so `OPTIONS.timeout.default` is a number.
function option<T>(spec: OptionSpec<T> & { readonly default: T }): OptionSpec<T> & { readonly default: T };
function option<T>(spec: OptionSpec<T>): OptionSpec<T>;
function option<T>(spec: OptionSpec<T>): OptionSpec<T> {
  return spec;
}

/**
 * Every option, in the order the CLI's help lists them. `action.description` is the text of
 * action.yml (a test holds the file to it); `cli.help` is the flag's line in `xrd … --help`.
 */
export const OPTIONS = {
  forge: option<ForgeKind>({
    name: 'forge',
    parse: parseForge,
    default: 'github',
    action: {
      default: '',
      description:
        'Which forge the target lives on: `github` (github.com and GHES), `gitea` or `forgejo`. Default: detected from the runner (`GITEA_ACTIONS`, `GITHUB_SERVER_URL`, `GITHUB_API_URL`).',
    },
    cli: {
      flag: '--forge',
      arg: '<kind>',
      help: "forge family (default: github, or the CI runner's own)",
      group: 'location',
      choices: FORGES,
    },
    config: { key: 'kind', scope: 'forge' },
  }),
  'server-url': option<string>({
    name: 'server-url',
    parse: parseHttpUrl,
    action: {
      default: '',
      description:
        "Web URL of the target forge, e.g. `https://gitea.example.com`. Default: the runner's own server (`GITHUB_SERVER_URL`).",
    },
    cli: {
      flag: '--server',
      arg: '<url>',
      help: 'web root of the forge, e.g. https://gitea.example.com (default https://github.com)',
      group: 'location',
    },
  }),
  'api-url': option<string>({
    name: 'api-url',
    parse: parseHttpUrl,
    action: {
      default: '',
      description:
        "API base URL of the target forge, e.g. `https://ghes.example.com/api/v3` or `https://gitea.example.com/api/v1`. Default: derived from `server-url`, else the runner's own (`GITHUB_API_URL`).",
    },
    cli: {
      flag: '--api-url',
      arg: '<url>',
      help: 'API base URL, when it is not derived from --server',
      group: 'location',
    },
    config: { key: 'api-url', scope: 'forge' },
  }),
  repo: option<RepoRef>({
    name: 'repo',
    parse: parseRepoName,
    action: {
      description:
        'Target repository, `owner/name`; or just `name` together with `owner` (the cross-repo-dispatch form). Required unless `targets` is given.',
    },
    cli: { flag: '--repo', arg: '<owner/name>', help: 'the target repository', group: 'location' },
    config: { key: 'dispatch.repo', scope: 'route' },
  }),
  owner: option<string>({
    name: 'owner',
    parse: parseOwner,
    action: { default: '', description: 'Owner of the target repository, when `repo` holds only its name.' },
    cli: {
      flag: '--owner',
      arg: '<name>',
      help: "owner of --repo when --repo is a bare name (the reference action's pair)",
      group: 'location',
    },
  }),
  workflow: option<string | number>({
    name: 'workflow',
    parse: parseWorkflow,
    action: {
      default: '',
      description:
        'Workflow to run with `workflow_dispatch`: its file name (`build.yml`) or numeric id. Set this or `event-type`.',
    },
    cli: {
      flag: '--workflow',
      arg: '<file|id>',
      help: 'workflow file name (build.yml) or numeric id, for workflow_dispatch',
      group: 'dispatch',
    },
    config: { key: 'dispatch.workflow', scope: 'route' },
  }),
  'event-type': option<string>({
    name: 'event-type',
    parse: parseEventType,
    action: {
      description:
        'Event type for a `repository_dispatch` (GitHub only). Set this or `workflow`. Same as `event_type`.',
      aliases: [
        { name: 'event_type', description: 'cross-repo-dispatch name of `event-type`: event type label.' },
      ],
    },
    cli: {
      flag: '--event-type',
      arg: '<type>',
      help: 'repository_dispatch event type (GitHub only), instead of --workflow',
      group: 'dispatch',
    },
    config: { key: 'dispatch.event-type', scope: 'route' },
  }),
  ref: option<string>({
    name: 'ref',
    parse: parseRef,
    action: {
      description:
        'Branch or tag of the target repository to run the workflow on, e.g. `main`. Required; with `targets`, unless every target sets its own.',
    },
    cli: {
      flag: '--ref',
      arg: '<ref>',
      help: "branch, tag or commit to run on (default: the target repository's default branch)",
      group: 'dispatch',
    },
    config: { key: 'dispatch.ref', scope: 'route', default: 'main' },
  }),
  inputs: option<Record<string, string>>({
    name: 'inputs',
    parse: parseInputsText,
    default: {},
    action: {
      default: '',
      description: 'Inputs of the `workflow_dispatch`, as a JSON object or a YAML map of strings.',
    },
    cli: {
      flag: '--inputs-json',
      arg: '<json>',
      help: 'workflow inputs as one JSON object',
      group: 'dispatch',
    },
    // The service's inputs are a mapping of templates: checked by `parseInputsObject`.
    config: { key: 'dispatch.inputs', scope: 'route' },
  }),
  'client-payload': option<Record<string, unknown>>({
    name: 'client-payload',
    parse: parseClientPayloadText,
    action: {
      description: '`client_payload` of a `repository_dispatch`, as a JSON object. Same as `client_payload`.',
      aliases: [
        {
          name: 'client_payload',
          description: 'cross-repo-dispatch name of `client-payload`: data to send to the workflow.',
        },
      ],
    },
    cli: {
      flag: '--client-payload',
      arg: '<json>',
      help: 'repository_dispatch client_payload (JSON object)',
      group: 'dispatch',
    },
  }),
  wait: option<boolean>({
    name: 'wait',
    parse: parseSwitch,
    default: true,
    action: {
      default: 'true',
      description:
        'Wait for the run to complete and fail the step according to `fail-on`. With `false` the step ends once the run is found (its id and URLs are set).',
    },
    cli: {
      flag: '--wait',
      help: 'wait for the run to finish (default)',
      group: 'dispatch',
      negate: { flag: '--no-wait', help: 'return once the run is known (found, not followed)' },
    },
  }),
  'max-runs': option<number>({
    name: 'max-runs',
    parse: parseMaxRuns,
    default: 10,
    action: {
      description:
        'At most this many candidate runs are inspected per search round when the server does not return the run id. Default: 10. Same as `max_runs`.',
      aliases: [
        {
          name: 'max_runs',
          description:
            'cross-repo-dispatch name of `max-runs`: max number of runs (starting at most recent) back to check for matching step "name".',
        },
      ],
    },
    cli: {
      flag: '--max-runs',
      arg: '<n>',
      help: 'at most this many candidate runs inspected per correlation round',
      group: 'dispatch',
    },
  }),
  correlation: option<CorrelationMode>({
    name: 'correlation',
    parse: parseCorrelation,
    default: 'auto',
    // cross-repo-dispatch finds its run by the step the target names after `sha`.
    reference: { default: 'step-name' },
    action: {
      default: '',
      description:
        "How the run is recognised when the server does not return its id: `auto` (its title, then its step names), `run-name` (the target's `run-name` shows the correlation id) or `step-name` (a step is named after it). Default: `auto`; `step-name` when `sha` is given.",
    },
    cli: {
      flag: '--correlation',
      arg: '<mode>',
      help: 'how the run is recognised when no run id comes back',
      group: 'dispatch',
      choices: MODES,
    },
    // The service matches `workflow_run` events by the id in the run's title, and only a title
    // proves a run absent after a crash: run-name by default there.
    config: { key: 'dispatch.correlation', scope: 'route', default: 'run-name' },
  }),
  'correlation-id': option<string>({
    name: 'correlation-id',
    parse: parseCorrelationId,
    action: {
      description:
        'The unique token the target echoes in its `run-name` or a step name. Default: generated (`xrd-` and 16 hex digits), or `sha` when that is given.',
    },
    cli: {
      flag: '--correlation-id',
      arg: '<id>',
      help: 'the unique id the target echoes (default: generated)',
      group: 'dispatch',
    },
  }),
  // The cross-repo-dispatch correlation, and the switch of its compatibility mode: `sha` is the
  // correlation id, sent as `client_payload.sha` and nothing else; the run is the one with a step
  // of that name; `timeout` and `poll-interval` default to that action's 600 s and 10 s.
  sha: option<string>({
    name: 'sha',
    parse: parseCorrelationId,
    action: {
      description:
        'cross-repo-dispatch: unique step name "sha" to search for in jobs. Switches on its compatibility: `sha` is the correlation id, sent as `client_payload.sha` with nothing else added; the run is the one with a step of that name (`correlation: step-name`); `timeout` and `poll-interval` default to 600 and 10 seconds, as in cross-repo-dispatch.',
    },
    cli: {
      flag: '--sha',
      arg: '<id>',
      help: 'the cross-repo-dispatch correlation: sent as client_payload.sha alone, the run is the one with a step named after it; --timeout and --interval then default to 10m and 10s',
      group: 'dispatch',
    },
  }),
  'correlation-input': option<string>({
    name: 'correlation-input',
    parse: parseInputName,
    default: 'correlation_id',
    action: {
      default: '',
      description:
        'Name of the workflow input (or `client_payload` key) that carries the correlation id. Default: `correlation_id`.',
    },
    cli: {
      flag: '--correlation-input',
      arg: '<name>',
      help: 'input / client_payload key that carries it (default correlation_id)',
      group: 'dispatch',
    },
    config: { key: 'dispatch.correlation-input', scope: 'route' },
  }),
  'report-status': option<boolean | string>({
    name: 'report-status',
    parse: parseReportStatus,
    default: false,
    action: {
      default: 'false',
      description:
        "Put a commit status on the source commit: `pending` (linking to the remote run) once the run is known, then the final state. `true` means this job's commit (the pull request's head for `pull_request` events, else `GITHUB_SHA`); a commit sha names another; `false` turns it off.",
    },
    cli: {
      flag: '--report-status',
      arg: '<sha>',
      help: 'set a commit status on this source commit (pending, then the result)',
      group: 'dispatch',
    },
    config: { key: 'report.status', scope: 'route', default: 'true', toggle: true },
  }),
  'report-comment': option<boolean | number>({
    name: 'report-comment',
    parse: parseReportComment,
    default: false,
    action: {
      default: 'false',
      description:
        "Comment on the source pull request with the result and links; one comment per pull request and `status-context`, edited in place on every later run. `true` means this job's pull request (an error on other events); a number names another; `false` turns it off.",
    },
    cli: {
      flag: '--report-comment',
      arg: '<pr>',
      help: 'post (and update) one comment with the result on this source PR',
      group: 'dispatch',
    },
    config: { key: 'report.comment', scope: 'route', default: 'true', toggle: true },
  }),
  'status-context': option<string>({
    name: 'status-context',
    parse: parseLine,
    action: {
      default: '',
      description:
        'Context of that commit status (and the key of the comment). Default: `xrd/<target owner>/<target repo>/<workflow>` — the workflow file without `.yml`, or the event type — so each target workflow keeps its own status and comment.',
    },
    cli: {
      flag: '--status-context',
      arg: '<name>',
      help: 'commit status context, also the key of the comment (default xrd/<owner>/<repo>/<workflow or event type>)',
      group: 'dispatch',
    },
    config: { key: 'report.context', scope: 'route' },
  }),
  'source-repo': option<RepoRef>({
    name: 'source-repo',
    parse: parseRepoName,
    action: {
      default: '',
      description:
        'Repository that receives the commit status and the comment, `owner/name`. Default: this repository (`GITHUB_REPOSITORY`).',
    },
    cli: {
      flag: '--source-repo',
      arg: '<owner/name>',
      help: 'repository that receives the status / comment (default $GITHUB_REPOSITORY)',
      group: 'dispatch',
    },
    // In the service the source repository is the one whose events fire the route.
    config: { key: 'when.repo', scope: 'route' },
  }),
  timeout: option<number>({
    name: 'timeout',
    parse: durationParser(1_000),
    default: 3_600_000,
    reference: { default: 600_000 },
    unit: 'seconds',
    action: {
      description:
        'How long to wait for the run to complete, counted from the dispatch (finding the run included), in seconds or with a unit (`90s`, `20m`, `1h`). Default: 3600 seconds; 600 when `sha` is given (as in cross-repo-dispatch). Same as `workflow_status_timeout`.',
      aliases: [
        {
          name: 'workflow_status_timeout',
          description:
            'cross-repo-dispatch name of `timeout`: timeout to fail getting workflow status, in seconds.',
        },
      ],
    },
    cli: {
      flag: '--timeout',
      arg: '<duration>',
      help: 'give up waiting after this long, e.g. 30m or 1h (exit 3; default 1h, 10m with --sha)',
      group: 'wait',
    },
  }),
  'poll-interval': option<number>({
    name: 'poll-interval',
    parse: durationParser(1_000),
    default: 2_000,
    reference: { default: 10_000 },
    unit: 'seconds',
    action: {
      description:
        "Shortest time between two polls, in seconds or with a unit: no poll comes sooner. On GitHub, where reading an unchanged run is free, every poll comes this long after the previous one; on Gitea and Forgejo polls are sparser, this close only around the run's expected end. Default: 2 seconds; 10 when `sha` is given (as in cross-repo-dispatch). Same as `workflow_status_retry_interval`.",
      aliases: [
        {
          name: 'workflow_status_retry_interval',
          description:
            'cross-repo-dispatch name of `poll-interval`: interval to retry getting workflow status, in seconds.',
        },
      ],
    },
    cli: {
      flag: '--interval',
      arg: '<duration>',
      help: 'shortest time between two polls, e.g. 2s (default 2s, 10s with --sha; every poll on GitHub)',
      group: 'wait',
    },
  }),
  'expected-duration': option<number>({
    name: 'expected-duration',
    parse: durationParser(1_000),
    unit: 'seconds',
    action: {
      description:
        "How long the remote run usually takes (from its creation to its end), in seconds or with a unit (`10m`). On Gitea and Forgejo, where every poll costs a request, polls then gather around that time instead of around the durations of the workflow's recent runs, which are not read (one request fewer): for a new workflow with no finished run yet. Ignored on GitHub, where polls are free.",
    },
    cli: {
      flag: '--expected-duration',
      arg: '<duration>',
      help: "how long the run usually takes, e.g. 10m: on Gitea/Forgejo polls gather around it (instead of the workflow's recent runs)",
      group: 'wait',
    },
  }),
  'fail-on': option<readonly RunConclusion[]>({
    name: 'fail-on',
    parse: parseConclusions,
    default: DEFAULT_FAIL_ON,
    action: {
      default: '',
      description:
        'Comma-separated conclusions that fail the step. Default: every conclusion but `success`, `skipped` and `neutral`.',
    },
    cli: {
      flag: '--fail-on',
      arg: '<conclusions>',
      help: 'comma list of conclusions that exit 1 (default: all but success, skipped, neutral)',
      group: 'wait',
    },
  }),
  'cancel-on-timeout': option<boolean>({
    name: 'cancel-on-timeout',
    parse: parseSwitch,
    default: false,
    action: { default: 'false', description: 'Cancel the remote run when `timeout` passes.' },
    cli: { flag: '--cancel-on-timeout', help: 'cancel the remote run when --timeout passes', group: 'wait' },
  }),
  'cancel-on-cancel': option<boolean>({
    name: 'cancel-on-cancel',
    parse: parseSwitch,
    default: true,
    action: { default: 'true', description: 'Cancel the remote run when this job is cancelled.' },
    cli: {
      flag: '--cancel-on-interrupt',
      help: 'cancel the remote run on Ctrl-C (SIGINT) or SIGTERM, then exit 130 / 143',
      group: 'wait',
      // A Ctrl-C at a terminal cancels the remote run only when asked to; a cancelled CI job does.
      default: 'false',
    },
  }),
  'download-artifacts': option<readonly string[]>({
    name: 'download-artifacts',
    parse: parseArtifactPatterns,
    default: [],
    action: {
      default: '',
      description:
        "Artifacts of the finished run to download, by name or glob (`*`, `?`), one per line; each is extracted into `<artifacts-path>/<name>`. An archive with a path that leaves its folder, a link, or more than the size limits is refused; GitHub's digest is checked.",
    },
    cli: {
      flag: '--download-artifacts',
      arg: '<pattern>',
      help: "download the run's artifacts with this name or glob, e.g. dist-* (repeatable)",
      group: 'dispatch',
    },
  }),
  'artifacts-path': option<string>({
    name: 'artifacts-path',
    parse: parseFolder,
    default: 'xrd-artifacts',
    action: {
      default: '',
      description:
        'Folder the downloaded artifacts go to, one subfolder per artifact. Default: `xrd-artifacts` in the working directory.',
    },
    cli: {
      flag: '--artifacts-dir',
      arg: '<dir>',
      help: 'folder for downloaded artifacts, one subfolder each (default ./xrd-artifacts)',
      group: 'dispatch',
    },
  }),
  'remote-outputs': option<boolean>({
    name: 'remote-outputs',
    parse: parseSwitch,
    default: false,
    action: {
      default: 'false',
      description:
        "Read the remote run's outputs: the JSON object in `outputs.json` of its `xrd-outputs` artifact. They become the `remote-outputs` output (use it with `fromJSON`) and a table in the comment.",
    },
    cli: {
      flag: '--remote-outputs',
      help: "read the run's outputs (the JSON object in its xrd-outputs artifact)",
      group: 'dispatch',
    },
  }),
  targets: option<readonly RawTarget[]>({
    name: 'targets',
    parse: parseTargetsText,
    action: {
      default: '',
      description:
        "Several targets in one step: a YAML list, one item per target with `repo` and `workflow` (or `event-type`), and optionally `ref`, `inputs`, `client-payload`, `forge`, `server-url`, `api-url`, `token` (a target on another forge) and `expected-duration` (its runs' usual duration, instead of the step's). The step's own `ref`, `inputs`, `workflow`, `forge`, `server-url` and `api-url` apply to every target that does not set them. The runs are watched together and answered once: the `results` output, one job summary table, one commit status and one comment with a row per target.",
    },
    cli: {
      flag: '--targets',
      arg: '<file>',
      help: 'a YAML file listing targets (repo, workflow, ref, inputs, forge, api-url, token-env); see --target',
      group: 'dispatch',
    },
  }),
  'fail-fast': option<boolean>({
    name: 'fail-fast',
    parse: parseSwitch,
    default: false,
    action: {
      default: 'false',
      description:
        'With `targets`: as soon as one target fails (by `fail-on`, or it cannot be dispatched, found or waited for), cancel the runs of the others and dispatch no more.',
    },
    cli: {
      flag: '--fail-fast',
      help: 'with several targets: cancel the others once one fails',
      group: 'dispatch',
    },
  }),
  concurrency: option<number>({
    name: 'concurrency',
    parse: parseConcurrency,
    default: 4,
    action: {
      default: '',
      description: 'With `targets`: at most this many dispatches are under way at once. Default: 4.',
    },
    cli: {
      flag: '--concurrency',
      arg: '<n>',
      help: 'with several targets: at most this many dispatches at once (default 4)',
      group: 'dispatch',
    },
  }),
  'status-per-target': option<boolean>({
    name: 'status-per-target',
    parse: parseSwitch,
    default: false,
    action: {
      default: 'false',
      description:
        'With `targets` and `report-status`: also put one commit status per target (context `xrd/<owner>/<repo>/<workflow>`), besides the one for all of them (`status-context`, default `xrd/targets`).',
    },
    cli: {
      flag: '--status-per-target',
      help: 'with several targets and --report-status: one status per target too',
      group: 'dispatch',
    },
  }),
  token: option<string>({
    name: 'token',
    parse: parseToken,
    action: {
      // An Actions expression the runner evaluates, not a JavaScript template.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the runner's `${{ }}` syntax
      default: '${{ github.token }}',
      description:
        "Token that may dispatch workflows in the target repository (and, with `report-status` / `report-comment`, write statuses and comments in this repository). Same as `pat`. Default: the job's own token, which can only reach this repository.",
      aliases: [
        {
          name: 'pat',
          description: 'cross-repo-dispatch name of `token`: target repo personal access token.',
        },
      ],
    },
    // --token-env and --token-file are the CLI's other ways to give it (apps/cli/src/token.ts).
    cli: {
      flag: '--token',
      arg: '<value>',
      help: 'the token itself (discouraged: visible in history and ps)',
      group: 'common',
    },
    config: { key: 'token', scope: 'forge' },
  }),
  user: option<string>({
    name: 'user',
    parse: parseOwner,
    action: {
      description:
        'cross-repo-dispatch: the user the `pat` belongs to. Accepted and named in messages; the token alone authenticates (GitHub ignores a user name sent with a token), so it can be dropped.',
    },
  }),
  'comment-title': option<string>({
    name: 'comment-title',
    parse: parseLine,
    action: {
      default: '',
      description:
        'Title of that comment; it is shown as `**<title> <conclusion>** — [run log](…)`. Default: `<owner>/<repo> <workflow name>` of the target.',
    },
  }),
} as const satisfies { readonly [N in OptionName]: OptionSpec<unknown> };

/** The typed value of an option. */
export type OptionValue<N extends OptionName> = (typeof OPTIONS)[N] extends OptionSpec<infer T> ? T : never;

/** The options in table order. */
export const OPTION_LIST: readonly OptionSpec<unknown>[] = Object.values(OPTIONS);
