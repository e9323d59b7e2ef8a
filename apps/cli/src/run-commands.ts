// `xrd wait|status|cancel|logs RUN`: find where the run lives (URL or id + --repo), then one call of
// core or the Forge port each.
import {
  collectRunResults,
  createMeter,
  type Forge,
  InvalidInputError,
  isFailingConclusion,
  type LocationOptions,
  OPTIONS,
  type RepoRef,
  RunNotFoundError,
  readOption,
  waitForRun,
} from '@xrd/core';
import { EXIT } from './exit-codes.js';
import type { RunFlags } from './flags.js';
import { loadConnect } from './lazy.js';
import {
  humanArtifacts,
  humanOutputs,
  humanRun,
  jsonArtifact,
  jsonJob,
  jsonRun,
  repoName,
} from './output.js';
import { parseRunArgument } from './run-url.js';
import {
  type CommonFlags,
  checkOutputsEnv,
  finishRun,
  type OutputsFlags,
  parseLocationFlags,
  printOutputsEnv,
  type Session,
} from './session.js';
import type { TokenFlags } from './token.js';

export interface RunCommandFlags extends TokenFlags {
  readonly forge?: string;
  readonly server?: string;
  readonly apiUrl?: string;
  readonly repo?: string;
  readonly owner?: string;
  readonly timeout?: string;
  readonly interval?: string;
  readonly expectedDuration?: string;
  readonly failOn?: string;
  readonly cancelOnTimeout?: boolean;
  readonly cancelOnInterrupt?: boolean;
  readonly job?: string;
  readonly failed?: boolean;
  /** `xrd artifacts --download` (repeatable). */
  readonly download?: readonly string[];
  readonly artifactsDir?: string;
  readonly remoteOutputs?: boolean;
  readonly outputsEnv?: boolean;
}

export type RunCommandName = 'wait' | 'status' | 'cancel' | 'logs' | 'artifacts';

/** The CLI's own output switch: the remote outputs as `KEY=value` lines and nothing else on stdout. */
export const OUTPUTS_ENV = {
  flag: '--outputs-env',
  help: 'print only the remote outputs, as KEY=value lines, on stdout (reads them; e.g. >> $GITHUB_ENV)',
} as const;

export interface RunTarget extends Pick<LocationOptions, 'forge' | 'apiUrl'> {
  readonly repo: RepoRef;
  readonly runId: number;
  /**
   * True when `runId` is really a run NUMBER: Gitea and Forgejo web pages show
   * `/{owner}/{repo}/actions/runs/{run index}`, while their API wants the run id.
   */
  readonly runIdIsNumber?: boolean;
  readonly jobId?: number;
  /** The validated options (timeout, interval, fail-on, cancel flags) for `wait`. */
  readonly options: LocationOptions;
}

/**
 * RUN + flags → where the run is. The URL gives what it can; flags fill in the rest (and --forge
 * settles a web URL of a self-hosted server, which could be GHES or Gitea). The location and the
 * wait flags are then validated by core (`parseLocationOptions`) exactly as for `xrd dispatch`.
 */
export async function locateRun(
  runArg: string,
  flags: RunCommandFlags,
  env: Readonly<Record<string, string | undefined>>,
): Promise<RunTarget> {
  const loc = parseRunArgument(runArg);
  if (loc.repo && flags.repo !== undefined && flags.repo !== repoName(loc.repo)) {
    throw new InvalidInputError(
      `--repo ${flags.repo} does not match the run URL's repository ${repoName(loc.repo)}; drop --repo or fix the URL.`,
      { input: '--repo' },
    );
  }
  if (!loc.repo && flags.repo === undefined) {
    throw new InvalidInputError(
      `RUN "${runArg}" is a bare run id, so --repo OWNER/NAME is needed to say where it ran.`,
      { input: '--repo' },
    );
  }
  let forge = flags.forge ?? loc.forge;
  if (forge === undefined && loc.source === 'html-url') {
    // A web URL of a self-hosted server: the runner's own forge, if it is the same server.
    const { detectForgeFromEnv } = await loadConnect();
    const detected = detectForgeFromEnv(env);
    if (detected && sameServer(detected.serverUrl, loc.serverUrl)) forge = detected.kind;
    if (forge === undefined) {
      throw new InvalidInputError(
        `The run URL ${loc.serverUrl} could be GitHub Enterprise or Gitea/Forgejo; pass --forge github, gitea or forgejo.`,
        { input: '--forge' },
      );
    }
  }
  const flagsForCore: RunFlags = {
    ...(forge !== undefined ? { forge } : {}),
    ...pick('server', flags.server ?? (flags.apiUrl === undefined ? loc.serverUrl : undefined)),
    ...pick('apiUrl', flags.apiUrl ?? (flags.server === undefined ? loc.apiUrl : undefined)),
    repo: loc.repo ? repoName(loc.repo) : (flags.repo as string),
    ...pick('owner', flags.owner),
    ...pick('timeout', flags.timeout),
    ...pick('interval', flags.interval),
    ...pick('expectedDuration', flags.expectedDuration),
    ...pick('failOn', flags.failOn),
    ...pick('cancelOnTimeout', flags.cancelOnTimeout),
    ...pick('cancelOnInterrupt', flags.cancelOnInterrupt),
  };
  // The RUN commands follow a run that exists: only the location and the wait flags are validated.
  const options = await parseLocationFlags(flagsForCore, env);
  return {
    forge: options.forge,
    apiUrl: options.apiUrl,
    repo: options.repo,
    runId: loc.runId,
    ...(loc.source === 'html-url' && options.forge !== 'github' ? { runIdIsNumber: true } : {}),
    ...(loc.jobId !== undefined ? { jobId: loc.jobId } : {}),
    options,
  };
}

function pick<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function sameServer(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

/**
 * A Gitea/Forgejo web URL names the run by its number; find its id among the repository's runs
 * (newest first, numbers falling), reading no more pages than needed.
 */
export async function resolveRunTarget(
  forge: Forge,
  target: RunTarget,
  signal: AbortSignal,
): Promise<RunTarget> {
  if (!target.runIdIsNumber) return target;
  const runNumber = target.runId;
  const MAX_PAGES = 20;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { runs, hasMore } = await forge.listRuns(target.repo, { page, perPage: 50 }, { signal });
    const found = runs.find((r) => r.runNumber === runNumber);
    if (found) return { ...target, runId: found.id, runIdIsNumber: false };
    const oldest = runs.at(-1)?.runNumber;
    if (!hasMore || runs.length === 0 || (oldest !== undefined && oldest < runNumber)) break;
  }
  throw new RunNotFoundError(
    `No run #${runNumber} in ${repoName(target.repo)}; check the run URL, or pass the run's API URL instead.`,
  );
}

type Handler = (
  s: Session,
  forge: Forge,
  target: RunTarget,
  flags: RunCommandFlags & CommonFlags,
) => Promise<number>;

const waitCommand: Handler = async (s, forge, target) => {
  const o = target.options;
  s.progress.setPhase('checking');
  const result = await waitForRun(forge, target.repo, target.runId, {
    signal: s.io.signal,
    onProgress: s.progress.onProgress,
    timeoutMs: o.timeoutMs,
    intervalMs: o.intervalMs,
    expectedDurationMs: o.expectedDurationMs,
    cancelOnTimeout: o.cancelOnTimeout,
    cancelOnAbort: o.cancelOnAbort,
  });
  return finishRun(s, result, o.failOn);
};

const statusCommand: Handler = async (s, forge, target) => {
  const meter = createMeter();
  const ctx = { signal: s.io.signal, meter };
  s.progress.setPhase('reading');
  const run = await forge.getRun(target.repo, target.runId, ctx);
  const jobs = await forge.listJobs(target.repo, target.runId, ctx);
  s.doc = { run: jsonRun(run, target.repo), jobs: jobs.map(jsonJob), apiCost: meter.cost() };
  s.progress.stop();
  s.out(humanRun(s.palette, run, target.repo, jobs));
  return s.finish(EXIT.ok);
};

const cancelCommand: Handler = async (s, forge, target) => {
  const meter = createMeter();
  s.progress.setPhase('cancelling');
  const outcome = await forge.cancelRun(target.repo, target.runId, { signal: s.io.signal, meter });
  const requested = outcome === 'requested';
  s.doc = { cancelled: requested, alreadyFinished: !requested, apiCost: meter.cost() };
  s.progress.stop();
  s.out(
    requested
      ? `cancellation of ${repoName(target.repo)} run ${target.runId} requested\n`
      : `${repoName(target.repo)} run ${target.runId} had already finished; nothing was cancelled\n`,
  );
  return s.finish(requested ? EXIT.ok : EXIT.alreadyFinished);
};

const logsCommand: Handler = async (s, forge, target, flags) => {
  const meter = createMeter();
  const ctx = { signal: s.io.signal, meter };
  s.progress.setPhase('reading jobs');
  const all = await forge.listJobs(target.repo, target.runId, ctx);
  let jobs = all;
  if (target.jobId !== undefined) jobs = jobs.filter((j) => j.id === target.jobId);
  if (flags.job !== undefined) {
    const wanted = flags.job.toLowerCase();
    jobs = jobs.filter((j) => j.name.toLowerCase() === wanted);
    if (jobs.length === 0) {
      const names = all.map((j) => j.name).join(', ') || 'none yet';
      throw new InvalidInputError(
        `--job "${flags.job}" names no job of run ${target.runId}; its jobs are: ${names}.`,
        { input: '--job' },
      );
    }
  }
  if (flags.failed) jobs = jobs.filter((j) => isFailingConclusion(j.conclusion, target.options.failOn));
  const logs = [];
  for (const job of jobs) {
    s.progress.setPhase(`reading log of ${job.name}`);
    const log = await forge.getJobLog(target.repo, job.id, ctx);
    logs.push({ jobId: job.id, name: job.name, conclusion: job.conclusion, log });
  }
  s.doc = { logs, apiCost: meter.cost() };
  s.progress.stop();
  if (logs.length === 0) {
    s.progress.line(flags.failed ? 'no failed jobs in this run' : 'no jobs in this run yet');
  }
  for (const entry of logs) {
    s.out(`${s.palette.bold(`==> ${entry.name} (${entry.conclusion ?? 'running'}) <==`)}\n`);
    s.out(entry.log.endsWith('\n') || entry.log === '' ? entry.log : `${entry.log}\n`);
  }
  return s.finish(EXIT.ok);
};

const artifactsCommand: Handler = async (s, forge, target, flags) => {
  checkOutputsEnv(flags as OutputsFlags & CommonFlags);
  // The same checks as --download-artifacts and --artifacts-dir of `xrd dispatch`, named as given here.
  const download =
    flags.download === undefined
      ? []
      : readOption('download-artifacts', flags.download.join('\n'), { label: '--download' });
  const dir =
    flags.artifactsDir === undefined
      ? OPTIONS['artifacts-path'].default
      : readOption('artifacts-path', flags.artifactsDir, { label: '--artifacts-dir' });
  const meter = createMeter();
  const ctx = { signal: s.io.signal, meter };
  s.progress.setPhase('reading the run');
  const run = await forge.getRun(target.repo, target.runId, ctx);
  if (run.status !== 'completed') {
    s.warn(`run ${run.id} is ${run.status}: it may upload more artifacts before it completes.`);
  }
  s.progress.setPhase('reading artifacts');
  const got = await collectRunResults(
    forge,
    { repo: target.repo, runId: run.id, htmlUrl: run.htmlUrl },
    { download, dir, outputs: flags.remoteOutputs === true || flags.outputsEnv === true },
    ctx,
  );
  for (const a of got.artifacts) if (a.path) s.progress.onProgress({ type: 'artifact', artifact: a });
  for (const message of got.notes) s.warn(message);
  s.doc = {
    run: jsonRun(run, target.repo),
    artifacts: got.artifacts.map(jsonArtifact),
    ...(got.outputs ? { remoteOutputs: got.outputs } : {}),
    apiCost: meter.cost(),
  };
  s.progress.stop();
  if (flags.outputsEnv) printOutputsEnv(s, got.outputs ?? {});
  else {
    const lines = humanArtifacts(s.palette, got.artifacts);
    s.out(
      `${s.palette.bold(`${repoName(target.repo)} run ${run.id}`)}: ${got.artifacts.length} artifact(s)\n`,
    );
    s.out(lines.length > 0 ? `${lines.join('\n')}\n` : '');
    const outputs = humanOutputs(got.outputs ?? {});
    s.out(outputs.length > 0 ? `${outputs.join('\n')}\n` : '');
  }
  if (got.error) throw got.error;
  return s.finish(EXIT.ok);
};

export const runCommands: Readonly<Record<RunCommandName, Handler>> = {
  wait: waitCommand,
  status: statusCommand,
  cancel: cancelCommand,
  logs: logsCommand,
  artifacts: artifactsCommand,
};
