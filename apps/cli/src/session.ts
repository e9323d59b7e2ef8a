// One command invocation: where its output goes (stdout for the result or the --json document,
// stderr for progress and errors), which secrets to scrub, and the shared steps every command takes
// (validate options through core, build the forge, print a finished run).
import {
  type FanOutOptions,
  type Forge,
  InvalidInputError,
  isFailingConclusion,
  isXrdError,
  type LocationOptions,
  type ParseRunOptionsContext,
  parseDuration,
  parseFanOutOptions,
  parseLocationOptions,
  parseRunOptions,
  type RawRunOptions,
  type RunOptions,
  type RunResult,
  readOption,
  redact,
  type TargetLocation,
  type XrdError,
} from '@xrd/core';
import { EXIT } from './exit-codes.js';
import { environmentDefaults, type RunFlags, toRawRunOptions } from './flags.js';
import { loadConnect } from './lazy.js';
import { envLines, humanRun, type JsonDocument, type JsonError, jsonResult, renderJson } from './output.js';
import { resolveToken, type TokenFlags, tokenEnvNames } from './token.js';
import { createPalette, type Palette, ProgressReporter, useColor, type Writable } from './ui.js';

export interface CliIo {
  /** Arguments after the program name. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writable & { readonly isTTY?: boolean };
  readonly stderr: Writable & { readonly isTTY?: boolean };
  /** Aborted on SIGINT or SIGTERM, with the signal's name as its reason. */
  readonly signal: AbortSignal;
  readonly readFile?: (path: string) => string;
}

/** `--outputs-env` (xrd dispatch, xrd artifacts). */
export interface OutputsFlags {
  readonly outputsEnv?: boolean;
}

/** Flags every command that talks to a forge shares. */
export interface CommonFlags extends TokenFlags {
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
  readonly color?: boolean;
}

/** What a command handler gets: output channels, and the helpers that keep them consistent. */
export class Session {
  readonly json: boolean;
  readonly palette: Palette;
  readonly progress: ProgressReporter;
  readonly io: CliIo;
  readonly command: string;
  private readonly secrets: string[] = [];
  /** Parts of the JSON document gathered as the command goes (kept on error too). */
  doc: Partial<JsonDocument> = {};

  constructor(io: CliIo, command: string, flags: CommonFlags) {
    this.io = io;
    this.command = command;
    this.json = flags.json === true;
    const tty = io.stderr.isTTY === true;
    this.palette = createPalette(flags.color !== false && useColor(tty, io.env));
    this.progress = new ProgressReporter({
      stream: { write: (s) => io.stderr.write(this.scrub(s)) },
      tty,
      palette: this.palette,
      verbose: flags.verbose === true,
      quiet: flags.quiet === true,
    });
  }

  addSecret(secret: string | undefined): void {
    if (secret) this.secrets.push(secret);
  }

  scrub(text: string): string {
    return redact(text, this.secrets);
  }

  /** Human output on stdout; suppressed with --json (stdout then holds only the document). */
  out(text: string): void {
    if (!this.json) this.io.stdout.write(this.scrub(text));
  }

  // A warning is not progress: `--quiet` must not hide that a requested commit status or comment
  // could not be written, or that the token was passed on the command line.
  warn(text: string): void {
    this.progress.warn(text);
  }

  /** Ends the command: writes the --json document and returns the exit code. */
  finish(exitCode: number, error?: XrdError | Error): number {
    this.progress.stop();
    if (this.json) {
      const doc: JsonDocument = {
        schemaVersion: 1,
        command: this.command,
        ok: exitCode === EXIT.ok,
        exitCode,
        ...this.doc,
        ...(error ? { error: errorJson(error) } : {}),
      };
      this.io.stdout.write(renderJson(doc, this.secrets));
    }
    return exitCode;
  }

  /**
   * A builder of forge clients for several targets, each with its token: the target's `token-env`
   * variable, else the one the flags or the environment give for its forge. Every location is
   * checked here, before anything is sent: a missing token is said once, up front.
   */
  async connectTargets(
    locations: readonly TargetLocation[],
    flags: TokenFlags,
  ): Promise<(location: TargetLocation) => Forge> {
    const { createForge } = await loadConnect();
    const timeoutMs = requestTimeoutMs(this.io.env);
    const warned = new Set<string>();
    const build = (location: TargetLocation): Forge => {
      let token: string | undefined;
      if (location.tokenEnv !== undefined) {
        token = this.io.env[location.tokenEnv]?.trim();
        if (!token) {
          throw new InvalidInputError(
            `token-env names $${location.tokenEnv}, which is not set or empty; export it or name another variable.`,
            { input: 'token-env' },
          );
        }
        readOption('token', token, { label: `$${location.tokenEnv}` });
      } else {
        const resolved = resolveToken(flags, location.forge, this.io.env, this.io.readFile);
        for (const w of resolved.warnings) {
          if (!warned.has(w)) this.warn(w);
          warned.add(w);
        }
        token = resolved.token;
        if (!token) {
          const names = tokenEnvNames(location.forge)
            .map((n) => `$${n}`)
            .join(', ');
          throw new InvalidInputError(
            `No token found for ${location.forge}: set one of ${names}, pass --token-env NAME or --token-file PATH, or give the target its own token-env.`,
            { input: '--token' },
          );
        }
      }
      this.addSecret(token);
      return createForge({
        kind: location.forge,
        apiUrl: location.apiUrl,
        token,
        requestTimeoutMs: timeoutMs,
      });
    };
    for (const location of locations) build(location);
    return build;
  }

  /** Builds the forge client with the token from the flags or the environment. */
  async connect(
    options: Pick<RunOptions, 'forge' | 'apiUrl'>,
    flags: TokenFlags,
    required: boolean,
  ): Promise<Forge> {
    const resolved = resolveToken(flags, options.forge, this.io.env, this.io.readFile);
    for (const w of resolved.warnings) this.warn(w);
    if (!resolved.token && required) {
      const names = tokenEnvNames(options.forge)
        .map((n) => `$${n}`)
        .join(', ');
      throw new InvalidInputError(
        `No token found for ${options.forge}: set one of ${names}, or pass --token-env NAME or --token-file PATH.`,
        { input: '--token' },
      );
    }
    this.addSecret(resolved.token);
    const timeoutMs = requestTimeoutMs(this.io.env);
    const { createForge } = await loadConnect();
    return createForge({
      kind: options.forge,
      apiUrl: options.apiUrl,
      ...(resolved.token ? { token: resolved.token } : {}),
      requestTimeoutMs: timeoutMs,
    });
  }
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** `XRD_REQUEST_TIMEOUT` (a duration, default 60s): the longest one HTTP request to the forge may take. */
export function requestTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const text = env.XRD_REQUEST_TIMEOUT?.trim();
  if (!text) return DEFAULT_REQUEST_TIMEOUT_MS;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1) {
    throw new InvalidInputError(
      `$XRD_REQUEST_TIMEOUT must be a duration such as 30s or 2m, not "${text}"; fix it or unset it.`,
      { input: 'XRD_REQUEST_TIMEOUT' },
    );
  }
  return ms;
}

function errorJson(error: Error): JsonError {
  if (isXrdError(error)) {
    return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  }
  return { code: 'FORGE_HTTP', message: error.message };
}

/** Flags → core's raw options, labelled with the flags, with the CI runner's defaults. */
async function coreInput(
  flags: RunFlags,
  env: CliIo['env'],
  readFile?: (path: string) => string,
): Promise<{ raw: RawRunOptions; ctx: ParseRunOptionsContext }> {
  const { raw, label } = toRawRunOptions(flags, readFile);
  const { detectForgeFromEnv } = await loadConnect();
  return { raw, ctx: { label, defaults: environmentDefaults(raw, detectForgeFromEnv(env), env) } };
}

/** What `xrd dispatch` was asked: one target, or several (`--target`, `--targets FILE`). */
export type DispatchPlan =
  | { readonly kind: 'single'; readonly options: RunOptions }
  | { readonly kind: 'fan-out'; readonly options: FanOutOptions };

/** Validates the run options of `xrd dispatch` through core (the action's validation). */
export async function parseDispatchOptions(
  flags: RunFlags,
  env: CliIo['env'],
  readFile?: (path: string) => string,
): Promise<DispatchPlan> {
  const { raw, ctx } = await coreInput(flags, env, readFile);
  // --ref may be left out: the dispatch then goes to the target's default branch.
  if (raw.targets !== undefined) {
    return {
      kind: 'fan-out',
      // A target's token is named by the variable holding it (token-env), never written out.
      options: parseFanOutOptions(raw, { ...ctx, refOptional: true, targetToken: 'token-env' }),
    };
  }
  return { kind: 'single', options: parseRunOptions(raw, { ...ctx, refOptional: true }) };
}

/** Validates the location and wait flags of `xrd wait|status|cancel|logs` the same way. */
export async function parseLocationFlags(flags: RunFlags, env: CliIo['env']): Promise<LocationOptions> {
  const { raw, ctx } = await coreInput(flags, env);
  return parseLocationOptions(raw, ctx);
}

/** Prints a finished run and turns its conclusion into the exit code (--fail-on). */
export function finishRun(
  s: Session,
  result: RunResult,
  failOn: RunOptions['failOn'],
  options: { readonly outputsEnv?: boolean } = {},
): number {
  s.doc = { ...s.doc, ...jsonResult(result) };
  s.progress.stop();
  if (options.outputsEnv) printOutputsEnv(s, result.remoteOutputs ?? {});
  else
    s.out(
      humanRun(s.palette, result.run, result.repo, result.jobs, {
        durationMs: result.durationMs,
        failedJobs: result.failedJobs,
        apiCost: result.apiCost,
        ...(result.artifacts ? { artifacts: result.artifacts } : {}),
        ...(result.remoteOutputs ? { remoteOutputs: result.remoteOutputs } : {}),
      }),
    );
  if (isFailingConclusion(result.conclusion, failOn)) {
    s.progress.line(
      s.palette.red(
        `run ${result.runId} concluded ${result.conclusion}, which --fail-on counts as a failure.`,
      ),
    );
    return s.finish(EXIT.runFailed);
  }
  return s.finish(EXIT.ok);
}

/** `--outputs-env`: stdout holds only the remote outputs, one `KEY=value` line each. */
export function printOutputsEnv(s: Session, outputs: Readonly<Record<string, unknown>>): void {
  const { lines, skipped } = envLines(outputs);
  if (skipped.length > 0) {
    s.warn(`remote outputs left out of the KEY=value lines (not variable names): ${skipped.join(', ')}`);
  }
  s.out(lines.map((line) => `${line}\n`).join(''));
}

/** `--outputs-env` prints plain lines, `--json` one document: stdout cannot hold both. */
export function checkOutputsEnv(flags: { readonly json?: boolean; readonly outputsEnv?: boolean }): void {
  if (flags.json && flags.outputsEnv) {
    throw new InvalidInputError(
      '--outputs-env and --json both want stdout; use one (the --json document has remoteOutputs).',
      { input: '--outputs-env' },
    );
  }
}
