// The service's one typed options object, built from a YAML file plus environment overrides and
// validated before anything starts. Every problem is reported as one sentence naming the key, all
// of them at once, so a config is fixed in one round. The keys that are options of the action and
// the CLI too (a route's workflow, ref, correlation, report switches; a forge's kind, api-url and
// token) are read through core's option schema: the same parsers and the same sentences, with the
// key path as the option's name. Durations are core's as well: a bare number is seconds.
import { readFileSync } from 'node:fs';
import {
  type CorrelationMode,
  defaultStatusContext,
  durationParser,
  FAN_OUT_CONTEXT,
  type ForgeKind,
  InvalidInputError,
  OPTION_LIST,
  OPTIONS,
  type OptionContext,
  type OptionName,
  type OptionParser,
  type OptionValue,
  parseFanOutOptions,
  parseInputsObject,
  parseSwitch,
  type RawRunOptionName,
  type RepoRef,
  readValue,
  targetContext,
} from '@xrd/core';
import { parse as parseYaml } from 'yaml';
import { COMMON_VARIABLES, checkTemplate, PR_VARIABLES, PUSH_VARIABLES, renderTemplate } from './template.js';

export interface GitHubAppCredentials {
  readonly appId: string;
  readonly privateKey: string;
  readonly installationId?: number;
}

export interface ForgeConfig {
  /** The name routes refer to; also the webhook path `/hooks/<name>`. */
  readonly name: string;
  readonly kind: ForgeKind;
  readonly apiUrl: string;
  readonly token?: string;
  readonly app?: GitHubAppCredentials;
  readonly apiVersion?: string;
  readonly webhookSecret: string;
  /**
   * GitHub: spacing between write requests (statuses, comments, dispatches). Default: the adapter's
   * (1 s, GitHub's advice against secondary rate limits).
   */
  readonly minWriteIntervalMs?: number;
}

export type PullRequestAction = 'opened' | 'synchronize' | 'reopened';
export const PULL_REQUEST_ACTIONS: readonly PullRequestAction[] = ['opened', 'synchronize', 'reopened'];

export interface RouteConfig {
  readonly name: string;
  readonly when: {
    readonly forge: string;
    readonly repo: RepoRef;
    /** Pull request actions that trigger the route; empty = pull requests do not. */
    readonly pullRequest: readonly PullRequestAction[];
    /** Branches whose pushes trigger the route; empty = pushes do not. */
    readonly push: readonly string[];
  };
  readonly dispatch: {
    readonly forge: string;
    readonly repo: RepoRef;
    readonly workflow?: string | number;
    readonly eventType?: string;
    /** Template; default the target's `main`. */
    readonly ref: string;
    readonly inputs: Readonly<Record<string, string>>;
    readonly correlationInput: string;
    readonly correlation: CorrelationMode;
  };
  readonly report: {
    readonly context: string;
    readonly status: boolean;
    readonly comment: boolean;
  };
  /**
   * Several targets (`dispatch.targets`): each is dispatched and followed as a dispatch of its own,
   * and answered together (fan-out.ts). `dispatch` then holds the first target.
   */
  readonly fanOut?: FanOutConfig;
  /** A newer push to the same PR (or branch) supersedes the older dispatch. */
  readonly supersede: boolean;
  /** Also cancel the superseded run. */
  readonly cancelSuperseded: boolean;
}

/** One target of a fan-out route, checked by core's `parseFanOutOptions`; `ref` and inputs are templates. */
export interface RouteTarget {
  /** `acme/app build.yml` (`#2` added when repeated): its row in the comment. */
  readonly name: string;
  /** A configured forge's name. */
  readonly forge: string;
  readonly repo: RepoRef;
  readonly workflow?: string | number;
  readonly eventType?: string;
  readonly ref: string;
  readonly inputs: Readonly<Record<string, string>>;
  /** Its own status context (`status-per-target`): core's `targetContext`. */
  readonly context: string;
}

export interface FanOutConfig {
  readonly targets: readonly RouteTarget[];
  /** Once one target fails, cancel the others' runs and dispatch no more. */
  readonly failFast: boolean;
  /** At most this many dispatches of the route under way at once. */
  readonly concurrency: number;
  /** Besides the one status (`report.context`, default `xrd/targets`), one per target. */
  readonly statusPerTarget: boolean;
  /** One deadline for all targets, from the event (only when `dispatch.timeout` is given). */
  readonly timeoutMs?: number;
  /** Cancel the runs still open at the deadline. */
  readonly cancelOnTimeout: boolean;
}

/** A route's keys that only a route with `dispatch.targets` takes (core's fan-out options). */
const FAN_OUT_KEYS = {
  dispatch: ['targets', 'fail-fast', 'concurrency', 'timeout', 'cancel-on-timeout'],
  report: ['status-per-target'],
} as const;

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string };

export interface ServiceConfig {
  readonly listen: { readonly host: string; readonly port: number };
  readonly store: StoreConfig;
  readonly logLevel: LogLevel;
  /** Largest accepted webhook body in bytes (GitHub caps payloads at 25 MB). */
  readonly maxBodyBytes: number;
  readonly worker: {
    readonly concurrency: number;
    readonly pollIntervalMs: number;
    readonly leaseMs: number;
    readonly drainTimeoutMs: number;
  };
  readonly reconcile: {
    /** Check interval for runs on targets that send no `workflow_run` hooks. */
    readonly intervalMs: number;
    /** Check interval when hooks are expected: the safety net for a lost delivery. */
    readonly safetyIntervalMs: number;
    /** How long to search for a dispatched run by correlation id before calling it absent. */
    readonly correlationTimeoutMs: number;
  };
  readonly forges: readonly ForgeConfig[];
  readonly routes: readonly RouteConfig[];
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** All problems found in a config, each one sentence naming its key. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The keys core's option schema declares under one section of a route (`dispatch.ref` → `ref`). */
function routeKeys(section: string): string[] {
  return OPTION_LIST.flatMap((o) =>
    o.config?.scope === 'route' && o.config.key.startsWith(`${section}.`)
      ? [o.config.key.slice(section.length + 1)]
      : [],
  );
}

/** A report switch's default in the service (on: it reports on the event's commit and PR). */
function switchDefault(name: OptionName): boolean {
  return OPTIONS[name].config?.default === 'true';
}

/** Environment variable name for a forge-specific override: `XRD_FORGE_<NAME>_<KEY>`. */
export function forgeEnvName(forge: string, key: string): string {
  return `XRD_FORGE_${forge.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${key}`;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads, overrides and validates the config; throws ConfigError listing every problem. */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  if (!file) {
    throw new ConfigError([
      '--config is required: pass the path of the YAML config file, e.g. --config xrd-webhook.yml.',
    ]);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError([`--config ${file} cannot be read: check that the file exists and is readable.`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError([`--config ${file} is not valid YAML (${why}): fix the syntax.`]);
  }
  return parseConfig(raw ?? {}, env);
}

/** Validates a parsed config document with environment overrides applied. */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): ServiceConfig {
  const problems: string[] = [];
  const doc: Obj = isObj(raw) ? raw : {};
  if (!isObj(raw)) problems.push('The config must be a YAML mapping with the keys forges and routes.');

  const section = (key: string): Obj => {
    const value = doc[key];
    if (value === undefined || value === null) return {};
    if (!isObj(value)) {
      problems.push(`${key} must be a mapping.`);
      return {};
    }
    return value;
  };

  const str = (obj: Obj, key: string, path: string, envValue?: string): string | undefined => {
    const value = envValue ?? obj[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string') {
      problems.push(`${path} must be a string.`);
      return undefined;
    }
    return value;
  };

  const int = (value: unknown, path: string, min: number, max: number, fallback: number): number => {
    if (value === undefined || value === null || value === '') return fallback;
    const n = typeof value === 'string' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      problems.push(`${path} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}.`);
      return fallback;
    }
    return n;
  };

  /** A YAML scalar as the text a user would have typed; undefined when absent or null. */
  const scalar = (value: unknown, path: string): string | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    problems.push(`${path} must be a single value, not a list or a mapping.`);
    return undefined;
  };

  /** A value through one of core's parsers; its sentence becomes a problem. */
  const parsed = <T>(parse: OptionParser<T>, value: unknown, at: OptionContext): T | undefined => {
    const text = scalar(value, at.label);
    if (text === undefined) return undefined;
    try {
      return readValue(parse, text, at);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.push(error.message);
      return undefined;
    }
  };

  /** An option of core's schema, named by its key path (or the environment variable it came from). */
  const option = <N extends OptionName>(
    name: N,
    value: unknown,
    label: string,
    forge?: ForgeKind,
  ): OptionValue<N> | undefined =>
    parsed(OPTIONS[name].parse as OptionParser<OptionValue<N>>, value, {
      label,
      ...(forge !== undefined ? { forge } : {}),
    });

  // Durations as in the action and the CLI: `30s`, `5m`, `250ms`, or a bare number of seconds.
  const anyDuration = durationParser();
  const duration = (value: unknown, path: string, fallback: number): number =>
    parsed(anyDuration, value, { label: path }) ?? fallback;

  const bool = (value: unknown, path: string, fallback: boolean): boolean =>
    parsed(parseSwitch, value, { label: path }) ?? fallback;

  // A misspelt key would otherwise be dropped without a word: `stor:` silently ran on the default
  // ./xrd-webhook.db, `cancel-superseeded: true` silently stayed false.
  const knownKeys = (obj: Obj, path: string, keys: readonly string[]): void => {
    for (const key of Object.keys(obj)) {
      if (!keys.includes(key)) {
        problems.push(`${path}${key} is not a known key; use one of ${keys.join(', ')}.`);
      }
    }
  };
  if (isObj(raw)) {
    knownKeys(doc, '', ['listen', 'store', 'log', 'limits', 'worker', 'reconcile', 'forges', 'routes']);
  }

  // listen, store, log, limits, worker, reconcile
  const listen = section('listen');
  knownKeys(listen, 'listen.', ['host', 'port']);
  const host = str(listen, 'host', 'listen.host', env.XRD_LISTEN_HOST) ?? '127.0.0.1';
  const port = int(env.XRD_LISTEN_PORT ?? listen.port, 'listen.port', 0, 65535, 8080);

  const storeRaw = section('store');
  knownKeys(storeRaw, 'store.', ['path', 'url', 'schema']);
  const url = str(storeRaw, 'url', 'store.url', env.DATABASE_URL);
  const path = str(storeRaw, 'path', 'store.path', env.XRD_STORE_PATH) ?? 'xrd-webhook.db';
  let store: StoreConfig = { kind: 'sqlite', path };
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      problems.push('store.url (or DATABASE_URL) must be a postgres:// or postgresql:// URL.');
    }
    const schema = str(storeRaw, 'schema', 'store.schema', env.XRD_STORE_SCHEMA);
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
      problems.push('store.schema must be a lower-case SQL identifier (letters, digits, underscores).');
    }
    store = schema === undefined ? { kind: 'postgres', url } : { kind: 'postgres', url, schema };
  }

  const logRaw = section('log');
  knownKeys(logRaw, 'log.', ['level']);
  const level = str(logRaw, 'level', 'log.level', env.XRD_LOG_LEVEL) ?? 'info';
  if (!LOG_LEVELS.includes(level as LogLevel)) {
    problems.push(`log.level must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(level)}.`);
  }

  const limits = section('limits');
  knownKeys(limits, 'limits.', ['max-body-bytes']);
  const maxBodyBytes = int(
    env.XRD_MAX_BODY_BYTES ?? limits['max-body-bytes'],
    'limits.max-body-bytes',
    1024,
    1024 * 1024 * 1024,
    25 * 1024 * 1024,
  );

  const workerRaw = section('worker');
  knownKeys(workerRaw, 'worker.', ['concurrency', 'poll-interval', 'lease', 'drain-timeout']);
  const worker = {
    concurrency: int(env.XRD_WORKER_CONCURRENCY ?? workerRaw.concurrency, 'worker.concurrency', 1, 256, 16),
    pollIntervalMs: duration(workerRaw['poll-interval'], 'worker.poll-interval', 1000),
    leaseMs: duration(workerRaw.lease, 'worker.lease', 60_000),
    drainTimeoutMs: duration(workerRaw['drain-timeout'], 'worker.drain-timeout', 20_000),
  };
  const reconcileRaw = section('reconcile');
  knownKeys(reconcileRaw, 'reconcile.', ['interval', 'safety-interval', 'correlation-timeout']);
  const reconcile = {
    intervalMs: duration(reconcileRaw.interval, 'reconcile.interval', 30_000),
    safetyIntervalMs: duration(reconcileRaw['safety-interval'], 'reconcile.safety-interval', 300_000),
    correlationTimeoutMs: duration(
      reconcileRaw['correlation-timeout'],
      'reconcile.correlation-timeout',
      120_000,
    ),
  };

  // forges
  const forges: ForgeConfig[] = [];
  const forgesRaw = doc.forges;
  if (!Array.isArray(forgesRaw) || forgesRaw.length === 0) {
    problems.push('forges must list at least one forge (name, kind, api-url, token, webhook-secret).');
  } else {
    forgesRaw.forEach((f: unknown, i) => {
      const at = `forges[${i}]`;
      if (!isObj(f)) {
        problems.push(`${at} must be a mapping with name, kind, api-url, token and webhook-secret.`);
        return;
      }
      knownKeys(f, `${at}.`, [
        'name',
        'kind',
        'api-url',
        'token',
        'app',
        'webhook-secret',
        'api-version',
        'min-write-interval',
      ]);
      const name = str(f, 'name', `${at}.name`);
      if (name === undefined || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
        problems.push(
          `${at}.name must be lower-case letters, digits and dashes (it becomes the URL path /hooks/<name>).`,
        );
        return;
      }
      if (forges.some((g) => g.name === name)) {
        problems.push(`${at}.name ${name} is used twice: give each forge its own name.`);
        return;
      }
      const fenv = (key: string) => env[forgeEnvName(name, key)];
      // A value from the environment is named by its variable, so the sentence points at it.
      const fromEnv = (key: string, envKey: string): [unknown, string] => {
        const value = fenv(envKey);
        return value !== undefined ? [value, forgeEnvName(name, envKey)] : [f[key], `${at}.${key}`];
      };
      if (f.kind === undefined || f.kind === null) {
        problems.push(`${at}.kind is required: github, gitea or forgejo.`);
      }
      const kind = option('forge', f.kind, `${at}.kind`);
      const [apiUrlRaw, apiUrlLabel] = fromEnv('api-url', 'API_URL');
      if (apiUrlRaw === undefined || apiUrlRaw === null) {
        problems.push(
          `${at}.api-url is required (or ${forgeEnvName(name, 'API_URL')}): the forge's http(s) API base URL, e.g. https://api.github.com.`,
        );
      }
      const apiUrl = option('api-url', apiUrlRaw, apiUrlLabel);
      const [tokenRaw, tokenLabel] = fromEnv('token', 'TOKEN');
      const tokenGiven = tokenRaw !== undefined && tokenRaw !== null;
      const token = option('token', tokenRaw, tokenLabel);
      const webhookSecret = str(f, 'webhook-secret', `${at}.webhook-secret`, fenv('WEBHOOK_SECRET'));
      if (webhookSecret === undefined) {
        problems.push(
          `${at}.webhook-secret is required (or ${forgeEnvName(name, 'WEBHOOK_SECRET')}): unsigned webhooks are never accepted.`,
        );
      }
      let app: GitHubAppCredentials | undefined;
      const appRaw = f.app;
      if (appRaw !== undefined) {
        if (!isObj(appRaw)) {
          problems.push(`${at}.app must be a mapping with app-id, private-key and installation-id.`);
        } else {
          knownKeys(appRaw, `${at}.app.`, ['app-id', 'private-key', 'installation-id']);
          const appId = str(appRaw, 'app-id', `${at}.app.app-id`, fenv('APP_ID'));
          const privateKey = str(appRaw, 'private-key', `${at}.app.private-key`, fenv('APP_PRIVATE_KEY'));
          const installation = appRaw['installation-id'] ?? fenv('APP_INSTALLATION_ID');
          if (appId === undefined) problems.push(`${at}.app.app-id is required for GitHub App credentials.`);
          if (privateKey === undefined || !privateKey.includes('PRIVATE KEY')) {
            problems.push(`${at}.app.private-key must be the App's PEM private key.`);
          }
          if (kind !== undefined && kind !== 'github') {
            problems.push(`${at}.app is only for kind github; use token for ${kind}.`);
          }
          if (appId !== undefined && privateKey !== undefined) {
            app =
              installation === undefined
                ? { appId, privateKey }
                : {
                    appId,
                    privateKey,
                    installationId: int(
                      installation,
                      `${at}.app.installation-id`,
                      1,
                      Number.MAX_SAFE_INTEGER,
                      1,
                    ),
                  };
          }
        }
      }
      if (!tokenGiven && app === undefined) {
        problems.push(
          `${at}.token is required (or ${forgeEnvName(name, 'TOKEN')}, or app credentials on GitHub).`,
        );
      }
      if (tokenGiven && app !== undefined) {
        problems.push(`${at} has both token and app: keep one of them.`);
      }
      const apiVersion = str(f, 'api-version', `${at}.api-version`);
      const spacingRaw = fenv('MIN_WRITE_INTERVAL') ?? f['min-write-interval'];
      const minWriteIntervalMs =
        spacingRaw === undefined ? undefined : duration(spacingRaw, `${at}.min-write-interval`, 1000);
      if (minWriteIntervalMs !== undefined && kind !== undefined && kind !== 'github') {
        problems.push(`${at}.min-write-interval only applies to kind github.`);
      }
      if (kind === undefined || apiUrl === undefined || webhookSecret === undefined) return;
      forges.push({
        name,
        kind,
        apiUrl,
        webhookSecret,
        ...(token === undefined ? {} : { token }),
        ...(app === undefined ? {} : { app }),
        ...(apiVersion === undefined ? {} : { apiVersion }),
        ...(minWriteIntervalMs === undefined ? {} : { minWriteIntervalMs }),
      });
    });
  }

  // routes
  const routes: RouteConfig[] = [];
  const routesRaw = doc.routes;
  const forgeNames = forges.map((f) => f.name);
  // A forge that is declared but has its own problems is named as such, not as unknown.
  const declaredNames = Array.isArray(forgesRaw)
    ? forgesRaw.map((f: unknown) => (isObj(f) ? f.name : undefined))
    : [];
  const forgeRef = (value: unknown, path: string): string | undefined => {
    if (typeof value === 'string' && !forgeNames.includes(value) && declaredNames.includes(value)) {
      problems.push(`${path} names forge ${value}, which is not usable until its problems above are fixed.`);
      return undefined;
    }
    if (typeof value !== 'string' || !forgeNames.includes(value)) {
      problems.push(
        `${path} must name a forge from forges (${forgeNames.join(', ') || 'none defined'}), not ${JSON.stringify(value ?? null)}.`,
      );
      return undefined;
    }
    return value;
  };
  if (!Array.isArray(routesRaw) || routesRaw.length === 0) {
    problems.push('routes must list at least one route (name, when, dispatch, report).');
  } else {
    routesRaw.forEach((r: unknown, i) => {
      const at = `routes[${i}]`;
      if (!isObj(r)) {
        problems.push(`${at} must be a mapping with name, when, dispatch and report.`);
        return;
      }
      knownKeys(r, `${at}.`, ['name', 'when', 'dispatch', 'report', 'supersede', 'cancel-superseded']);
      const name = str(r, 'name', `${at}.name`) ?? `route-${i + 1}`;
      if (routes.some((x) => x.name === name)) problems.push(`${at}.name ${name} is used twice.`);
      const when = isObj(r.when) ? r.when : undefined;
      const dispatch = isObj(r.dispatch) ? r.dispatch : undefined;
      const report = isObj(r.report) ? r.report : {};
      if (!when) problems.push(`${at}.when must be a mapping with forge, repo and pull_request or push.`);
      if (!dispatch) problems.push(`${at}.dispatch must be a mapping with forge, repo and workflow.`);
      knownKeys(report, `${at}.report.`, [...routeKeys('report'), ...FAN_OUT_KEYS.report]);
      if (!when || !dispatch) return;
      knownKeys(when, `${at}.when.`, ['forge', ...routeKeys('when'), 'pull_request', 'push']);
      knownKeys(dispatch, `${at}.dispatch.`, ['forge', ...routeKeys('dispatch'), ...FAN_OUT_KEYS.dispatch]);

      const sourceForge = forgeRef(when.forge, `${at}.when.forge`);
      /** The route's value of an option of core's schema, at the option's config key. */
      const keyed = (name: OptionName): [unknown, string] => {
        const key = OPTIONS[name].config?.key ?? name;
        let value: unknown = r;
        for (const part of key.split('.')) value = isObj(value) ? value[part] : undefined;
        return [value, `${at}.${key}`];
      };
      const kindOf = (forgeName: string | undefined) => forges.find((f) => f.name === forgeName)?.kind;
      const required = (name: OptionName, what: string): void => {
        const [value, path] = keyed(name);
        if (value === undefined || value === null) problems.push(`${path} is required: ${what}.`);
      };

      // The source repository: its events fire the route, and it receives the status and comment.
      required('source-repo', 'the source repository as owner/name, e.g. acme/source');
      const sourceRepo = option('source-repo', ...keyed('source-repo'), kindOf(sourceForge));
      let pullRequest: PullRequestAction[] = [];
      const pr = when.pull_request;
      if (pr === true) pullRequest = [...PULL_REQUEST_ACTIONS];
      else if (Array.isArray(pr)) {
        for (const action of pr) {
          if (!PULL_REQUEST_ACTIONS.includes(action as PullRequestAction)) {
            problems.push(
              `${at}.when.pull_request lists ${JSON.stringify(action)}; allowed: ${PULL_REQUEST_ACTIONS.join(', ')}.`,
            );
          } else pullRequest.push(action as PullRequestAction);
        }
      } else if (pr !== undefined && pr !== false && pr !== null) {
        problems.push(
          `${at}.when.pull_request must be true or a list of actions (${PULL_REQUEST_ACTIONS.join(', ')}).`,
        );
      }
      let push: string[] = [];
      const pushRaw = when.push;
      if (typeof pushRaw === 'string') push = [pushRaw];
      else if (Array.isArray(pushRaw) && pushRaw.every((b) => typeof b === 'string' && b !== ''))
        push = pushRaw;
      else if (pushRaw !== undefined && pushRaw !== null) {
        problems.push(`${at}.when.push must be a branch name or a list of branch names.`);
      }
      if (pullRequest.length === 0 && push.length === 0) {
        problems.push(
          `${at}.when needs pull_request (true or actions) or push (branches): otherwise it never fires.`,
        );
      }

      // Several targets: the dispatch's forge, workflow, ref and inputs are the targets' defaults.
      const many = dispatch.targets !== undefined && dispatch.targets !== null;
      if (!many) {
        for (const [sectionName, holder] of [
          ['dispatch', dispatch],
          ['report', report],
        ] as const) {
          for (const key of FAN_OUT_KEYS[sectionName]) {
            if (key !== 'targets' && holder[key] !== undefined) {
              problems.push(
                `${at}.${sectionName}.${key} is only for a route with dispatch.targets: add the targets, or leave it out.`,
              );
            }
          }
        }
      }
      const targetForge =
        many && (dispatch.forge === undefined || dispatch.forge === null)
          ? undefined
          : forgeRef(dispatch.forge, `${at}.dispatch.forge`);
      const targetKind = kindOf(targetForge);
      if (!many) required('repo', 'the target repository as owner/name, e.g. acme/target');
      const targetRepo = many ? undefined : option('repo', ...keyed('repo'), targetKind);
      const [workflowRaw, workflowPath] = keyed('workflow');
      const [eventTypeRaw, eventTypePath] = keyed('event-type');
      if (!many && (workflowRaw == null) === (eventTypeRaw == null)) {
        problems.push(
          `${at}.dispatch needs exactly one of workflow (workflow_dispatch) or event-type (repository_dispatch).`,
        );
      }
      const workflow = option('workflow', workflowRaw, workflowPath);
      const eventType = option('event-type', eventTypeRaw, eventTypePath, targetKind);
      const available = [
        ...COMMON_VARIABLES,
        ...(pullRequest.length > 0 && push.length === 0 ? PR_VARIABLES : []),
        ...(push.length > 0 && pullRequest.length === 0 ? PUSH_VARIABLES : []),
      ];
      const templ = (value: string, path: string): boolean => {
        const problem = checkTemplate(value, available);
        if (problem) problems.push(`${path} ${problem}.`);
        return problem === undefined;
      };
      // A template is checked with every variable filled in by a plain stand-in, so its literal
      // parts follow the option's own rules (`ref: "{{ pr.head.ref }} x"` has a space); the
      // sentence quotes the template as written.
      const standIns = Object.fromEntries(available.map((v) => [v, 'x']));
      const [refRaw, refPath] = keyed('ref');
      let ref = OPTIONS.ref.config?.default as string;
      const refText = scalar(refRaw, refPath);
      if (refText !== undefined && templ(refText, refPath)) {
        const checked = parsed(OPTIONS.ref.parse, renderTemplate(refText, standIns), {
          label: refPath,
          shown: refText,
        });
        if (checked !== undefined) ref = refText.trim();
      }
      const inputs: Record<string, string> = {};
      const [inputsRaw, inputsPath] = keyed('inputs');
      if (inputsRaw !== undefined && inputsRaw !== null) {
        try {
          // Names and scalar values as the action's and the CLI's JSON inputs; values are templates.
          for (const [key, value] of Object.entries(parseInputsObject(inputsRaw, { label: inputsPath }))) {
            if (templ(value, `${inputsPath}.${key}`)) inputs[key] = value;
          }
        } catch (error) {
          if (!(error instanceof InvalidInputError)) throw error;
          problems.push(error.message);
        }
      }
      const correlationInput =
        option('correlation-input', ...keyed('correlation-input')) ?? OPTIONS['correlation-input'].default;
      // run-name by default (the table says why): an interrupted dispatch can then be proven absent.
      const correlation =
        option('correlation', ...keyed('correlation')) ??
        (OPTIONS.correlation.config?.default as CorrelationMode);

      // On/off switches here: the service reports on the event's own commit and pull request.
      const reportStatus = bool(...keyed('report-status'), switchDefault('report-status'));
      const reportComment = bool(...keyed('report-comment'), switchDefault('report-comment'));

      /**
       * The targets, read by core's `parseFanOutOptions` as the action's and the CLI's are (the same
       * keys, defaults and sentences, named by their key path). The service's own parts are read
       * first: a target's `forge` names a configured forge (whose kind, API URL and token it uses),
       * `api-url` is taken where a configured forge has it, and `ref` and `inputs` are templates,
       * checked and filled with stand-ins before core reads them.
       */
      const readFanOut = (): FanOutConfig | undefined => {
        const listPath = `${at}.dispatch.targets`;
        const items = dispatch.targets;
        let ok = true;
        const own: { forge?: string; ref?: string; inputs: Record<string, string> }[] = [];
        const forCore = !Array.isArray(items)
          ? items
          : items.map((item: unknown, j) => {
              const here = `${listPath}[${j}]`;
              own.push({ inputs: {} });
              if (!isObj(item)) return item; // core says what an item must be
              const mine = own[j] as { forge?: string; ref?: string; inputs: Record<string, string> };
              const copy: Obj = { ...item };
              for (const key of ['forge', 'api-url', 'server-url', 'client-payload']) delete copy[key];
              if (item.forge !== undefined) {
                const named = forgeRef(item.forge, `${here}.forge`);
                if (named === undefined) ok = false;
                else mine.forge = named;
              }
              if (item['api-url'] !== undefined) {
                const url = String(item['api-url']).replace(/\/+$/, '');
                const byUrl = forges.find((f) => f.apiUrl.replace(/\/+$/, '') === url);
                if (byUrl === undefined) {
                  problems.push(
                    `${here}.api-url ${JSON.stringify(url)} is not the api-url of a configured forge: name one of forges (${forgeNames.join(', ')}) with ${here}.forge instead.`,
                  );
                  ok = false;
                } else if (mine.forge !== undefined && mine.forge !== byUrl.name) {
                  problems.push(
                    `${here} names forge ${mine.forge} and the api-url of forge ${byUrl.name}: keep one.`,
                  );
                  ok = false;
                } else mine.forge = byUrl.name;
              }
              for (const [key, why] of [
                ['server-url', `name a configured forge with ${here}.forge (${forgeNames.join(', ')})`],
                [
                  'client-payload',
                  "the service sends a target's inputs as the client_payload of an event-type; use inputs",
                ],
                [
                  'expected-duration',
                  "the service learns a run's end from the target's hooks (and checks every reconcile.interval), not from a poll schedule",
                ],
              ] as const) {
                if (item[key] !== undefined) {
                  problems.push(`${here}.${key} is not taken here: ${why}.`);
                  ok = false;
                }
              }
              if (mine.forge === undefined && targetForge === undefined && ok) {
                problems.push(
                  `${here} names no forge: set ${here}.forge, or ${at}.dispatch.forge for every target.`,
                );
                ok = false;
              }
              const location = forges.find((f) => f.name === (mine.forge ?? targetForge));
              if (location !== undefined) {
                copy.forge = location.kind;
                copy['api-url'] = location.apiUrl;
              }
              if (item.ref !== undefined && item.ref !== null) {
                const text = scalar(item.ref, `${here}.ref`);
                if (text !== undefined && templ(text, `${here}.ref`)) {
                  mine.ref = text.trim();
                  copy.ref = renderTemplate(text, standIns);
                } else ok = false;
              }
              if (isObj(item.inputs)) {
                const filled: Obj = {};
                for (const [key, value] of Object.entries(item.inputs)) {
                  if (typeof value === 'string') {
                    if (templ(value, `${here}.inputs.${key}`)) mine.inputs[key] = value;
                    else ok = false;
                    filled[key] = renderTemplate(value, standIns);
                  } else {
                    if (value !== null && typeof value !== 'object') mine.inputs[key] = String(value);
                    filled[key] = value;
                  }
                }
                copy.inputs = filled;
              }
              return copy;
            });
        if (!ok) return undefined;
        const raw: Partial<Record<RawRunOptionName, string>> = {};
        const put = (name: RawRunOptionName, value: unknown): void => {
          if (value === undefined || value === null) return;
          raw[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
        };
        put('targets', forCore);
        const location = forges.find((f) => f.name === targetForge);
        if (location !== undefined) {
          raw.forge = location.kind;
          raw['api-url'] = location.apiUrl;
        }
        put('repo', dispatch.repo);
        put('owner', dispatch.owner);
        put('workflow', workflowRaw);
        put('event-type', eventTypeRaw);
        raw.ref = renderTemplate(ref, standIns);
        put(
          'inputs',
          Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, renderTemplate(v, standIns)])),
        );
        put('fail-fast', dispatch['fail-fast']);
        put('concurrency', dispatch.concurrency);
        put('timeout', dispatch.timeout);
        put('cancel-on-timeout', dispatch['cancel-on-timeout']);
        put('status-per-target', report['status-per-target']);
        raw['report-status'] = String(reportStatus);
        put('source-repo', when.repo);
        const paths: Partial<Record<RawRunOptionName, string>> = {
          targets: listPath,
          'fail-fast': `${at}.dispatch.fail-fast`,
          concurrency: `${at}.dispatch.concurrency`,
          timeout: `${at}.dispatch.timeout`,
          'cancel-on-timeout': `${at}.dispatch.cancel-on-timeout`,
          'status-per-target': `${at}.report.status-per-target`,
          forge: `${at}.dispatch.forge`,
          'api-url': `${at}.dispatch.forge`,
        };
        const label = (name: RawRunOptionName): string =>
          paths[name] ??
          `${at}.${(OPTIONS as Record<string, { config?: { key: string } }>)[name]?.config?.key ?? name}`;
        try {
          const fan = parseFanOutOptions(raw, {
            targetToken: 'none',
            label,
            // Stand-ins: the service reports on each event's own commit.
            sourceSha: '0'.repeat(40),
            sourcePr: 1,
          });
          return {
            targets: fan.targets.map((t) => {
              const mine = own[t.index] ?? { inputs: {} };
              return {
                name: t.name,
                forge: mine.forge ?? (targetForge as string),
                repo: t.repo,
                ...(t.workflow !== undefined ? { workflow: t.workflow } : {}),
                ...(t.eventType !== undefined ? { eventType: t.eventType } : {}),
                ref: mine.ref ?? ref,
                inputs: { ...inputs, ...mine.inputs },
                context: targetContext(t, fan.targets),
              };
            }),
            failFast: fan.failFast,
            concurrency: fan.concurrency,
            statusPerTarget: fan.statusPerTarget,
            // Unlike the action's, no default: a single route's run is followed until it ends too.
            ...(raw.timeout !== undefined ? { timeoutMs: fan.timeoutMs } : {}),
            cancelOnTimeout: fan.cancelOnTimeout,
          };
        } catch (error) {
          if (!(error instanceof InvalidInputError)) throw error;
          problems.push(error.message);
          return undefined;
        }
      };
      const fanOut = many ? readFanOut() : undefined;

      // The default is core's, per target workflow: two routes from one PR keep two statuses.
      const context =
        option('status-context', ...keyed('status-context')) ??
        (many
          ? FAN_OUT_CONTEXT
          : targetRepo
            ? defaultStatusContext(targetRepo, {
                ...(workflow !== undefined ? { workflow } : {}),
                ...(eventType !== undefined ? { eventType } : {}),
              })
            : 'xrd');
      const supersede = bool(r.supersede, `${at}.supersede`, true);
      const cancelSuperseded = bool(r['cancel-superseded'], `${at}.cancel-superseded`, false);

      if (!sourceForge || !sourceRepo) return;
      const first = fanOut?.targets[0];
      const target = first
        ? {
            forge: first.forge,
            repo: first.repo,
            ...(first.workflow !== undefined ? { workflow: first.workflow } : {}),
            ...(first.eventType !== undefined ? { eventType: first.eventType } : {}),
            ref: first.ref,
            inputs: first.inputs,
          }
        : targetForge && targetRepo && !many
          ? {
              forge: targetForge,
              repo: targetRepo,
              ...(workflow === undefined ? {} : { workflow }),
              ...(eventType === undefined ? {} : { eventType }),
              ref,
              inputs,
            }
          : undefined;
      if (target === undefined) return;
      routes.push({
        name,
        when: { forge: sourceForge, repo: sourceRepo, pullRequest, push },
        dispatch: { ...target, correlationInput, correlation },
        report: { context, status: reportStatus, comment: reportComment },
        ...(fanOut !== undefined ? { fanOut } : {}),
        supersede,
        cancelSuperseded,
      });
    });
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    listen: { host, port },
    store,
    logLevel: level as LogLevel,
    maxBodyBytes,
    worker,
    reconcile,
    forges,
    routes,
  };
}

/** Every secret in the config, so logs can redact them. */
export function configSecrets(config: ServiceConfig): string[] {
  const secrets: string[] = [];
  for (const f of config.forges) {
    secrets.push(f.webhookSecret);
    if (f.token) secrets.push(f.token);
    if (f.app) secrets.push(f.app.privateKey);
  }
  if (config.store.kind === 'postgres') {
    const password = safePassword(config.store.url);
    if (password) secrets.push(password);
  }
  return secrets;
}

function safePassword(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}
