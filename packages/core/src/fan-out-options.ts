// The options of a dispatch to several targets (`targets`): each target is read by the same
// `parseRunOptions` as a single dispatch, with the step's own options as its defaults, so a value a
// target gives is refused in the same words as the option on its own, named `targets[2].repo`.
// What belongs to the step as a whole (waiting, the deadline, fail-fast, the report) is read once.

import type { ResultsRequest } from './artifacts.js';
import { repoName } from './internal.js';
import { OPTIONS, type RawTarget, readOption, refuse, type TargetKey } from './options.js';
import {
  type ParseRunOptionsContext,
  parseRunOptions,
  type RawRunOptionName,
  type RawRunOptions,
  type ReportOptions,
  type RunOptions,
  reader,
  readReport,
  readResults,
  readWaitSettings,
  resolveApiUrl,
  type WaitSettings,
} from './run-options.js';
import type { ForgeKind } from './types.js';

/** One target, validated: what `runFlow` would dispatch, plus how it is named and reached. */
export interface TargetOptions extends RunOptions {
  /** Position in the list, 0-based. */
  readonly index: number;
  /** How logs, the summary and the comment name it: `acme/app build.yml` (`#2` added when repeated). */
  readonly name: string;
  /** The target's own token, for its forge (the action's `targets[i].token`). */
  readonly token?: string;
  /** The environment variable holding the target's token (the CLI's `token-env`). */
  readonly tokenEnv?: string;
  /** The target names its own forge (`forge`, `server-url` or `api-url`) instead of the step's. */
  readonly ownLocation: boolean;
}

export interface FanOutOptions extends WaitSettings {
  readonly targets: readonly TargetOptions[];
  readonly wait: boolean;
  /** At most this many dispatches under way at once. */
  readonly concurrency: number;
  /** Once one target fails, cancel the others and dispatch no more. */
  readonly failFast: boolean;
  /** The one status (context `status-context`, default `xrd/targets`) and the one comment. */
  readonly report?: ReportOptions;
  /** Also one status per target (its own default context), with `report`'s commit. */
  readonly statusPerTarget: boolean;
  /** The forge the report goes to (the step's own location), when there is a report. */
  readonly source?: { readonly forge: ForgeKind; readonly apiUrl: string };
  /** Remote outputs, read per target. */
  readonly results?: ResultsRequest;
}

export interface ParseFanOutContext extends ParseRunOptionsContext {
  /**
   * How a target's token is given in this front end: the action takes `token` (a secret the runner
   * masks), the CLI `token-env` (a variable's name: a token written in a file or on the command
   * line leaks); `none` where tokens belong to the configured forges (a service's config). The
   * other key is refused, saying which to use.
   */
  readonly targetToken: 'token' | 'token-env' | 'none';
}

/** The default context of the one status for several targets (and the key of the one comment). */
export const FAN_OUT_CONTEXT = 'xrd/targets';

/** Step options each target takes unless it sets its own. */
const INHERITED: readonly RawRunOptionName[] = [
  'forge',
  'server-url',
  'api-url',
  'workflow',
  'event-type',
  'ref',
  'inputs',
  'client-payload',
  'correlation',
  'correlation-input',
  'max-runs',
  'timeout',
  'poll-interval',
  'fail-on',
  'cancel-on-timeout',
  'cancel-on-cancel',
  'wait',
];
const LOCATION: readonly RawRunOptionName[] = ['forge', 'server-url', 'api-url'];
const WHAT: readonly RawRunOptionName[] = ['workflow', 'event-type'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses and validates a dispatch to several targets (`raw.targets` given). Nothing is sent: every
 * target is checked before the first dispatch, so a mistake in the last one leaves nothing half done.
 */
export function parseFanOutOptions(raw: RawRunOptions, ctx: ParseFanOutContext): FanOutOptions {
  const r = reader(raw, ctx);
  const { label } = r;
  const fail = (name: RawRunOptionName, message: string): never => refuse(r.at(name), message);
  const list = label('targets');

  // What names one target cannot be said once for all of them.
  for (const name of ['repo', 'owner'] as const) {
    if (r.given(name))
      fail(name, `${label(name)} and ${list} are both given; give the repository in each target instead.`);
  }
  if (r.given('correlation-id'))
    fail(
      'correlation-id',
      `${label('correlation-id')} names one run, but each target gets its own; leave it out with ${list}.`,
    );
  if (r.given('sha'))
    fail(
      'sha',
      `${label('sha')} (the cross-repo-dispatch mode) dispatches one target; leave it out with ${list}.`,
    );
  if (r.given('download-artifacts')) {
    fail(
      'download-artifacts',
      `${label('download-artifacts')} is not supported with ${list} yet; leave it out (${label('remote-outputs')} works per target).`,
    );
  }

  const rawTargets = r.value('targets') ?? fail('targets', `${list} is empty; give at least one target.`);
  const wait = r.valueOr('wait', OPTIONS.wait.default);
  const waitSettings = readWaitSettings(r);
  const concurrency = r.valueOr('concurrency', OPTIONS.concurrency.default);
  const failFast = r.valueOr('fail-fast', OPTIONS['fail-fast'].default);
  const statusPerTarget = r.valueOr('status-per-target', OPTIONS['status-per-target'].default);

  const parsed = rawTargets.map((target) => parseTarget(raw, target, ctx));
  const names = new Map<string, number>();
  for (const t of parsed) names.set(t.name, (names.get(t.name) ?? 0) + 1);
  const targets = parsed.map((t) => (names.get(t.name) === 1 ? t : { ...t, name: `${t.name} #${t.index}` }));

  const results = readResults(r, wait);
  // The report goes to the source, through the step's own forge location.
  let report: ReportOptions | undefined;
  let source: FanOutOptions['source'];
  if (r.given('report-status') || r.given('report-comment') || r.given('status-context')) {
    const forge = r.valueOr('forge', OPTIONS.forge.default);
    report = readReport(r, forge, FAN_OUT_CONTEXT);
    if (report !== undefined) source = { forge, apiUrl: resolveApiUrl(forge, r) };
  }
  if (statusPerTarget && report?.sha === undefined) {
    fail(
      'status-per-target',
      `${label('status-per-target')} puts a status per target on the source commit; set ${label('report-status')} as well, or leave it out.`,
    );
  }
  return {
    targets,
    wait,
    ...waitSettings,
    concurrency,
    failFast,
    ...(report !== undefined ? { report } : {}),
    statusPerTarget,
    ...(source !== undefined ? { source } : {}),
    ...(results !== undefined ? { results } : {}),
  };
}

function parseTarget(raw: RawRunOptions, target: RawTarget, ctx: ParseFanOutContext): TargetOptions {
  const own = target.values;
  const prefix = `${ctx.label ? ctx.label('targets') : 'targets'}[${target.index}]`;
  const at = (key: TargetKey) => ({ label: `${prefix}.${key}` });
  const ownLocation = LOCATION.some((name) => own[name as TargetKey] !== undefined);
  const ownWhat = WHAT.some((name) => own[name as TargetKey] !== undefined);
  if (own.repo === undefined) {
    refuse(
      { label: `${prefix}.repo` },
      `\`${prefix}\` has no \`repo\`; every target needs one, as owner/name, e.g. acme/target.`,
    );
  }

  // The step's options, except a location or a workflow the target replaces as a whole (a Gitea
  // target does not take the step's GitHub server; an event type does not take its workflow).
  const merged: Partial<Record<RawRunOptionName, string>> = {};
  for (const name of INHERITED) {
    if ((ownLocation && LOCATION.includes(name)) || (ownWhat && WHAT.includes(name))) continue;
    const value = raw[name];
    if (value !== undefined) merged[name] = value;
  }
  const ownKeys = new Set<RawRunOptionName>();
  for (const [key, value] of Object.entries(own) as [TargetKey, string][]) {
    if (key === 'token' || key === 'token-env') continue;
    ownKeys.add(key);
    merged[key] = value;
  }
  // A target's inputs (or client_payload) add to the step's, key by key: both are checked first,
  // each under its own name.
  for (const name of ['inputs', 'client-payload'] as const) {
    if (own[name] === undefined || raw[name] === undefined || raw[name]?.trim() === '') continue;
    const step = readOption(name, raw[name] as string, { label: ctx.label ? ctx.label(name) : name });
    const mine = readOption(name, own[name] as string, at(name));
    merged[name] = JSON.stringify({ ...step, ...mine });
  }

  const label = (name: RawRunOptionName): string =>
    ownKeys.has(name) ? `${prefix}.${name}` : ctx.label ? ctx.label(name) : name;
  // The runner's own forge is a default only for a target that names none.
  const defaults = ownLocation
    ? Object.fromEntries(
        Object.entries(ctx.defaults ?? {}).filter(([k]) => !LOCATION.includes(k as RawRunOptionName)),
      )
    : ctx.defaults;
  const options = parseRunOptions(merged, {
    label,
    ...(defaults !== undefined ? { defaults } : {}),
    ...(ctx.refOptional !== undefined ? { refOptional: ctx.refOptional } : {}),
  });

  let token: string | undefined;
  let tokenEnv: string | undefined;
  for (const key of ['token', 'token-env'] as const) {
    if (own[key] === undefined || key === ctx.targetToken) continue;
    refuse(
      at(key),
      ctx.targetToken === 'none'
        ? `\`${prefix}.${key}\` is not taken here: a target's token is its forge's, where the forge is configured.`
        : key === 'token'
          ? `\`${prefix}.token\` would keep a token in a file or on the command line; put it in an environment variable and name that with token-env.`
          : `\`${prefix}.token-env\` is for the CLI; give the token itself, e.g. \`token: \${{ secrets.TARGET_TOKEN }}\`.`,
    );
  }
  if (own.token !== undefined) token = readOption('token', own.token, at('token'));
  if (own['token-env'] !== undefined) {
    const name = own['token-env'].trim();
    if (!ENV_NAME.test(name)) {
      refuse(
        at('token-env'),
        `\`${prefix}.token-env\` must be the name of an environment variable, e.g. GITEA_TOKEN, not ${JSON.stringify(name.slice(0, 80))}.`,
      );
    }
    tokenEnv = name;
  }
  const what = options.workflow !== undefined ? String(options.workflow) : `event ${options.eventType}`;
  return {
    ...options,
    index: target.index,
    name: `${repoName(options.repo)} ${what}`,
    ...(token !== undefined ? { token } : {}),
    ...(tokenEnv !== undefined ? { tokenEnv } : {}),
    ownLocation,
  };
}
