// argv → the canonical raw option map that `parseRunOptions` (@xrd/core) validates for the action
// and the CLI alike. Which flag carries which option comes from core's option schema (`OPTIONS`),
// the same table the commander declarations in cli.ts are built from. Nothing is validated here
// beyond the CLI's own syntax (`--input KEY=VALUE`): every error about a value comes from core,
// labelled with the flag the user typed. A flag given with an empty value (`--ref ''`) is passed
// on as empty, and core refuses it instead of treating it as not given.
import { readFileSync } from 'node:fs';
import {
  type CliFlagSpec,
  InvalidInputError,
  OPTION_LIST,
  type OptionSpec,
  type RawRunOptionName,
  type RawRunOptions,
} from '@xrd/core';

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
  readonly expectedDuration?: string;
  readonly maxRuns?: string;
  readonly correlation?: string;
  readonly correlationId?: string;
  readonly sha?: string;
  readonly correlationInput?: string;
  readonly failOn?: string;
  readonly reportStatus?: string;
  readonly reportComment?: string;
  readonly statusContext?: string;
  readonly sourceRepo?: string;
  readonly cancelOnTimeout?: boolean;
  readonly cancelOnInterrupt?: boolean;
  /** Repeatable: commander collects every `--download-artifacts`. */
  readonly downloadArtifacts?: readonly string[];
  readonly artifactsDir?: string;
  readonly remoteOutputs?: boolean;
  /** `--targets FILE`: a YAML list of targets. */
  readonly targets?: string;
  /** Repeatable: one target each (see `parseTargetSpecs`). */
  readonly target?: readonly string[];
  readonly failFast?: boolean;
  readonly concurrency?: string;
  readonly statusPerTarget?: boolean;
}

/** The run options that have a CLI flag, in the table's order. */
export const RUN_FLAGS: readonly (OptionSpec<unknown> & { readonly cli: CliFlagSpec })[] = OPTION_LIST.filter(
  (o): o is OptionSpec<unknown> & { readonly cli: CliFlagSpec } =>
    o.cli !== undefined && o.cli.group !== 'common',
);

/** commander's attribute for a flag: `--api-url` → `apiUrl`. */
export function attributeOf(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

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

/**
 * `--target` values → the `targets` list core reads (as JSON, which is YAML). One target per flag:
 * `OWNER/NAME[:WORKFLOW][,KEY=VALUE…]`, keys as in a `--targets` file (`ref`, `event-type`, `forge`,
 * `server-url`, `api-url`, `token-env`, …) and `input.NAME=VALUE` for one workflow input. A value
 * holding a comma belongs in a `--targets` file.
 */
export function parseTargetSpecs(specs: readonly string[]): string {
  const list = specs.map((spec, index) => {
    const item: Record<string, unknown> = {};
    const inputs: Record<string, string> = {};
    const parts = spec.split(',');
    for (const [i, part] of parts.entries()) {
      const eq = part.indexOf('=');
      if (i === 0 && eq < 0) {
        // owner/name, or owner/name:workflow
        const colon = part.indexOf(':');
        item.repo = (colon < 0 ? part : part.slice(0, colon)).trim();
        if (colon >= 0) item.workflow = part.slice(colon + 1).trim();
        continue;
      }
      const key = eq < 0 ? '' : part.slice(0, eq).trim();
      if (key === '') {
        throw new InvalidInputError(
          `\`--target[${index}]\` has "${part.trim().slice(0, 60)}", which is not KEY=VALUE; write it as --target acme/app:build.yml,ref=main (keys after the first part).`,
          { input: '--target' },
        );
      }
      const value = part.slice(eq + 1);
      if (key.startsWith('input.')) inputs[key.slice('input.'.length)] = value;
      else item[key] = value;
    }
    if (Object.keys(inputs).length > 0) item.inputs = inputs;
    return item;
  });
  return JSON.stringify(list);
}

/** `--targets FILE` or `--target` (repeated): the text of the `targets` option, and how it is named. */
function targetsOf(
  flags: RunFlags,
  readFile: (path: string) => string,
): { readonly text?: string; readonly label: string } {
  const specs = flags.target ?? [];
  if (flags.targets !== undefined && specs.length > 0) {
    throw new InvalidInputError(
      'Give the targets either with --target (repeated) or with --targets FILE, not both.',
      {
        input: '--target',
      },
    );
  }
  if (specs.length > 0) return { text: parseTargetSpecs(specs), label: '--target' };
  if (flags.targets === undefined) return { label: '--targets' };
  try {
    return { text: readFile(flags.targets), label: '--targets' };
  } catch {
    throw new InvalidInputError(
      `--targets "${flags.targets}" cannot be read; check the path and its permissions.`,
      { input: '--targets' },
    );
  }
}

export function toRawRunOptions(
  flags: RunFlags,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): MappedRunOptions {
  const pairs = flags.input ?? [];
  const given = flags as Readonly<Record<string, unknown>>;
  const raw: Partial<Record<RawRunOptionName, string>> = {};
  const targets = targetsOf(flags, readFile);
  for (const { name, cli } of RUN_FLAGS) {
    // --input pairs are the CLI's own syntax for the same option as --inputs-json; --target specs
    // and a --targets file both give the `targets` list.
    const value =
      name === 'inputs'
        ? mergeInputs(flags.inputsJson, pairs)
        : name === 'targets'
          ? targets.text
          : given[attributeOf(cli.flag)];
    // A repeated flag (--download-artifacts) is one value per line, as the action's input.
    const text =
      typeof value === 'boolean'
        ? String(value)
        : Array.isArray(value)
          ? value.join('\n')
          : (value as string | undefined);
    // No default for most (without --ref, core's runFlow asks the target for its default branch);
    // the table gives the CLI's own where it differs from the action's (--cancel-on-interrupt).
    const chosen = text ?? cli.default;
    if (chosen !== undefined) raw[name as RawRunOptionName] = chosen;
  }
  const inputsFlag = flags.inputsJson !== undefined && pairs.length === 0 ? '--inputs-json' : '--input';
  const flagOf = new Map(RUN_FLAGS.map((o) => [o.name, o.cli.flag]));
  return {
    raw,
    label: (name) =>
      name === 'inputs' ? inputsFlag : name === 'targets' ? targets.label : (flagOf.get(name) ?? name),
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
