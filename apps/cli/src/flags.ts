// argv → the canonical raw option map that `parseRunOptions` (@xrd/core) validates for the action
// and the CLI alike. Nothing is validated here beyond the CLI's own syntax (`--input KEY=VALUE`):
// every error about a value comes from core, labelled with the flag the user typed.
import type { RawRunOptionName, RawRunOptions } from '@xrd/core';
import { InvalidInputError } from '@xrd/core';

/** The flags of `xrd dispatch` (and the subset the RUN commands share), as commander parses them. */
export interface RunFlags {
  readonly forge?: string;
  readonly server?: string;
  readonly apiUrl?: string;
  readonly repo?: string;
  readonly owner?: string;
  readonly workflow?: string;
  readonly eventType?: string;
  readonly ref?: string;
  readonly input?: readonly string[];
  readonly inputsJson?: string;
  readonly clientPayload?: string;
  readonly wait?: boolean;
  readonly timeout?: string;
  readonly interval?: string;
  readonly maxRuns?: string;
  readonly correlation?: string;
  readonly correlationId?: string;
  readonly correlationInput?: string;
  readonly failOn?: string;
  readonly reportStatus?: string;
  readonly reportComment?: string;
  readonly statusContext?: string;
  readonly sourceRepo?: string;
  readonly cancelOnTimeout?: boolean;
  readonly cancelOnInterrupt?: boolean;
}

/** How each canonical option is spelled on the command line, for core's error messages. */
const FLAG_OF: Readonly<Record<RawRunOptionName, string>> = {
  forge: '--forge',
  'server-url': '--server',
  'api-url': '--api-url',
  repo: '--repo',
  owner: '--owner',
  workflow: '--workflow',
  'event-type': '--event-type',
  ref: '--ref',
  inputs: '--input',
  'client-payload': '--client-payload',
  wait: '--wait',
  timeout: '--timeout',
  'poll-interval': '--interval',
  'max-runs': '--max-runs',
  'fail-on': '--fail-on',
  correlation: '--correlation',
  'correlation-id': '--correlation-id',
  'correlation-input': '--correlation-input',
  'report-status': '--report-status',
  'status-context': '--status-context',
  'report-comment': '--report-comment',
  'source-repo': '--source-repo',
  'cancel-on-timeout': '--cancel-on-timeout',
  'cancel-on-cancel': '--cancel-on-interrupt',
};

export interface MappedRunOptions {
  readonly raw: RawRunOptions;
  readonly label: (name: RawRunOptionName) => string;
}

/** `--input KEY=VALUE` (repeatable) → a plain object; the key may not be empty, the value may. */
export function parseInputPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (eq < 0 || key === '') {
      throw new InvalidInputError(
        `--input "${pair}" is not KEY=VALUE; write it as --input name=value (repeat --input for more).`,
        { input: '--input' },
      );
    }
    out[key] = pair.slice(eq + 1);
  }
  return out;
}

/**
 * Merges `--inputs-json` and `--input` pairs into the one `inputs` value core parses. When only one
 * is given it is passed through untouched, so core reports its errors; when both are, the pairs win
 * key by key (a later, more specific flag overrides the bulk one).
 */
function mergeInputs(inputsJson: string | undefined, pairs: readonly string[]): string | undefined {
  if (pairs.length === 0) return inputsJson;
  const fromPairs = parseInputPairs(pairs);
  if (inputsJson === undefined) return JSON.stringify(fromPairs);
  let base: unknown;
  try {
    base = JSON.parse(inputsJson);
  } catch {
    base = undefined;
  }
  if (base === null || typeof base !== 'object' || Array.isArray(base)) {
    throw new InvalidInputError(`--inputs-json is not a JSON object; write it as '{"name":"value"}'.`, {
      input: '--inputs-json',
    });
  }
  return JSON.stringify({ ...(base as Record<string, unknown>), ...fromPairs });
}

function bool(value: boolean | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

export function toRawRunOptions(flags: RunFlags): MappedRunOptions {
  const pairs = flags.input ?? [];
  const entries: [RawRunOptionName, string | undefined][] = [
    ['forge', flags.forge],
    ['server-url', flags.server],
    ['api-url', flags.apiUrl],
    ['repo', flags.repo],
    ['owner', flags.owner],
    ['workflow', flags.workflow],
    ['event-type', flags.eventType],
    // No default here: without --ref, core's runFlow asks the target for its default branch.
    ['ref', flags.ref],
    ['inputs', mergeInputs(flags.inputsJson, pairs)],
    ['client-payload', flags.clientPayload],
    ['wait', bool(flags.wait)],
    ['timeout', flags.timeout],
    ['poll-interval', flags.interval],
    ['max-runs', flags.maxRuns],
    ['fail-on', flags.failOn],
    ['correlation', flags.correlation],
    ['correlation-id', flags.correlationId],
    ['correlation-input', flags.correlationInput],
    ['report-status', flags.reportStatus],
    ['status-context', flags.statusContext],
    ['report-comment', flags.reportComment],
    ['source-repo', flags.sourceRepo],
    ['cancel-on-timeout', bool(flags.cancelOnTimeout)],
    // Core's default suits the action (cancel when the job is cancelled); a Ctrl-C at a terminal
    // only cancels the remote run when asked to.
    ['cancel-on-cancel', String(flags.cancelOnInterrupt === true)],
  ];
  const raw: Partial<Record<RawRunOptionName, string>> = {};
  for (const [name, value] of entries) if (value !== undefined) raw[name] = value;
  const inputsFlag = flags.inputsJson !== undefined && pairs.length === 0 ? '--inputs-json' : '--input';
  return {
    raw,
    label: (name) => (name === 'inputs' ? inputsFlag : FLAG_OF[name]),
  };
}

/**
 * Defaults from the environment (a CI runner's own forge, the source repository). The forge's
 * location is taken from the environment only when the user named none of --forge, --server and
 * --api-url: mixing a flag with a runner default would point at two different servers.
 */
export function environmentDefaults(
  raw: RawRunOptions,
  detected: { readonly kind: string; readonly apiUrl: string; readonly serverUrl: string } | undefined,
  env: Readonly<Record<string, string | undefined>>,
): RawRunOptions {
  const defaults: Partial<Record<RawRunOptionName, string>> = {};
  const located = raw.forge !== undefined || raw['server-url'] !== undefined || raw['api-url'] !== undefined;
  if (!located && detected) {
    defaults.forge = detected.kind;
    defaults['api-url'] = detected.apiUrl;
    defaults['server-url'] = detected.serverUrl;
  }
  // The commit status / PR comment go to the repository whose CI runs xrd, as in the action.
  if (env.GITHUB_REPOSITORY) defaults['source-repo'] = env.GITHUB_REPOSITORY;
  return defaults;
}
