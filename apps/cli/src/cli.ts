// The `xrd` program: commander definitions and the glue from argv/env to core and back to
// stdout / stderr / exit code. No business logic lives here: options are validated by core's
// parseRunOptions, the forge is built by @xrd/connect, and the flow is core's.
import {
  type CliFlagSpec,
  type CliGroup,
  describeRunSettings,
  isXrdError,
  OPTIONS,
  redact,
  runFlow,
} from '@xrd/core';
import { Command, CommanderError, Option } from 'commander';
import { completionScript, SHELLS, type Shell } from './completion.js';
import { DEMO_DIALECTS, DEMO_TIME_SCALE } from './demo-dialects.js';
import { EXIT, exitCodeForError } from './exit-codes.js';
import { runFanOutCommand } from './fan-out.js';
import { RUN_FLAGS, type RunFlags } from './flags.js';
import { type JsonDocument, jsonDispatch, jsonReport, jsonResult, renderJson } from './output.js';
import {
  locateRun,
  OUTPUTS_ENV,
  type RunCommandFlags,
  type RunCommandName,
  resolveRunTarget,
  runCommands,
} from './run-commands.js';
import {
  type CliIo,
  type CommonFlags,
  checkOutputsEnv,
  finishRun,
  type OutputsFlags,
  parseDispatchOptions,
  Session,
} from './session.js';
import type { Palette } from './ui.js';
import { VERSION } from './version.js';

async function runDispatch(s: Session, flags: RunFlags & CommonFlags & OutputsFlags): Promise<number> {
  checkOutputsEnv(flags);
  // --outputs-env prints the remote outputs, so it reads them.
  const plan = await parseDispatchOptions(
    flags.outputsEnv ? { ...flags, remoteOutputs: true } : flags,
    s.io.env,
    s.io.readFile,
  );
  if (plan.kind === 'fan-out') return runFanOutCommand(s, plan.options, flags);
  const { options } = plan;
  const forge = await s.connect(options, flags, true);
  // The defaults --sha brings are said, not just applied; xrd's own with --verbose.
  if (options.reference) s.progress.line(describeRunSettings(options));
  else s.progress.onProgress({ type: 'debug', message: describeRunSettings(options) });
  s.progress.setPhase('dispatching');
  // core runs the flow (and closes the pending status on every error path); this prints it.
  const { receipt, run, result, apiCost } = await runFlow(forge, options, {
    signal: s.io.signal,
    onProgress: (event) => {
      // Every status and comment written to the source goes into --json too.
      if (event.type === 'reported')
        s.doc = { ...s.doc, reports: [...(s.doc.reports ?? []), jsonReport(event.write)] };
      s.progress.onProgress(event);
    },
    onReceipt: (sent) => {
      s.doc = { ...s.doc, dispatch: jsonDispatch(sent) };
    },
    // Kept in the --json document even when an artifact then fails the command (exit 8).
    onResult: (finished) => {
      s.doc = { ...s.doc, ...jsonResult(finished) };
    },
    // The run's verdict decides the exit code; a status the token may not write only warns.
    onReportError: (error) => warnReport(s, error),
  });
  if (result) return finishRun(s, result, options.failOn, { outputsEnv: flags.outputsEnv === true });

  // --no-wait: the run is known (from the dispatch's answer, or found by correlation), not followed.
  const htmlUrl = run.htmlUrl || receipt.htmlUrl;
  s.doc = {
    ...s.doc,
    dispatch: jsonDispatch({ ...receipt, runId: run.id, ...(htmlUrl ? { htmlUrl } : {}) }),
    apiCost,
  };
  s.progress.stop();
  s.out(
    `${s.palette.bold('dispatched')} ${receipt.correlationId}: run ${run.id}${htmlUrl ? `\n  ${htmlUrl}` : ''}\n`,
  );
  return s.finish(EXIT.ok);
}

function warnReport(s: Session, error: unknown): void {
  s.warn(
    `could not report to the source repository: ${error instanceof Error ? error.message : String(error)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// commander definitions

function addCommon(cmd: Command, withToken = true): Command {
  cmd
    .option('--json', 'print one JSON document on stdout (schema in the README) and nothing else')
    .option('-q, --quiet', 'no progress output on stderr (warnings still print)')
    .option('-v, --verbose', 'also show engine debug lines (fallbacks, poll waits)')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)');
  if (withToken) {
    cmd
      .option('--token-env <name>', 'read the token from this environment variable')
      .option('--token-file <path>', 'read the token from this file')
      .addOption(flagOption(OPTIONS.token.cli as CliFlagSpec));
  }
  return cmd;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * A flag from core's option schema. Its choices are shown (help, completion) but not enforced by
 * commander: core checks the value, so `--forge gitlab` gets the same sentence as `forge: gitlab`
 * in the action and `kind: gitlab` in the webhook config.
 */
function flagOption(cli: CliFlagSpec, unit?: string): Option {
  const help = unit === undefined ? cli.help : `${cli.help}; a bare number means ${unit}`;
  const option = new Option(cli.arg === undefined ? cli.flag : `${cli.flag} ${cli.arg}`, help);
  if (cli.choices) option.argChoices = [...cli.choices];
  return option;
}

/** Declares the schema's flags of one group, in the table's order. */
function addFlags(cmd: Command, group: CliGroup): Command {
  for (const { name, cli, unit } of RUN_FLAGS) {
    if (cli.group !== group) continue;
    // `--input KEY=VALUE` is the CLI's own way to give the same option as --inputs-json.
    if (name === 'inputs') cmd.option('--input <key=value>', 'a workflow input; repeat for more', collect);
    // `--target SPEC` (repeatable) is the CLI's own way to give the same option as --targets FILE.
    if (name === 'targets') {
      cmd.option(
        '--target <spec>',
        'a target: owner/name:workflow.yml[,key=value…] (keys ref, forge, server-url, api-url, token-env, expected-duration, input.NAME); repeat for more',
        collect,
      );
    }
    const option = flagOption(cli, unit);
    // Repeatable: each pattern is one line of the option's value, as in the action's input.
    if (name === 'download-artifacts') option.argParser(collect);
    cmd.addOption(option);
    if (cli.negate) cmd.option(cli.negate.flag, cli.negate.help);
  }
  return cmd;
}

const EXAMPLES = {
  dispatch: `
Examples:
  $ xrd dispatch --repo acme/target --workflow build.yml --input version=1.2.3
  $ xrd dispatch --forge gitea --server https://gitea.example.com --repo acme/target \\
      --workflow build-from-pr.yml --inputs-json '{"pr_number":"7"}' --timeout 30m
  $ xrd dispatch --repo acme/target --event-type build --client-payload '{"env":"staging"}' --sha "$GIT_COMMIT"
  $ xrd dispatch --repo acme/target --workflow build.yml --no-wait --json | jq .dispatch.correlationId
  $ xrd dispatch --repo acme/target --workflow build.yml --report-status $SHA --source-repo acme/source
  $ xrd dispatch --repo acme/target --workflow release.yml --download-artifacts 'dist-*' --artifacts-dir out
  $ xrd dispatch --repo acme/target --workflow release.yml --outputs-env >> "$GITHUB_ENV"
  $ xrd dispatch --workflow build.yml --target acme/target --target acme/target,input.version=2.0.0 --fail-fast
  $ xrd dispatch --target acme/target:build.yml \\
      --target acme/target:build.yml,forge=gitea,server-url=https://gitea.example.com \\
      --json | jq -r '.targets[] | "\\(.name): \\(.verdict)"'`,
  wait: `
Examples:
  $ xrd wait https://github.com/acme/target/actions/runs/123456
  $ xrd wait 123456 --repo acme/target --timeout 20m --cancel-on-interrupt
  $ xrd wait https://gitea.example.com/api/v1/repos/acme/target/actions/runs/42 --json`,
  status: `
Examples:
  $ xrd status https://github.com/acme/target/actions/runs/123456
  $ xrd status 42 --forge gitea --server https://gitea.example.com --repo acme/target --json`,
  cancel: `
Examples:
  $ xrd cancel https://github.com/acme/target/actions/runs/123456
  $ xrd cancel 42 --forge forgejo --server https://codeberg.org --repo acme/target`,
  artifacts: `
Examples:
  $ xrd artifacts https://github.com/acme/target/actions/runs/123456
  $ xrd artifacts 123456 --repo acme/target --download dist --download 'report-*' --artifacts-dir out
  $ xrd artifacts 123456 --repo acme/target --outputs-env`,
  logs: `
Examples:
  $ xrd logs https://github.com/acme/target/actions/runs/123456 --failed
  $ xrd logs 123456 --repo acme/target --job build
  $ xrd logs https://gitea.example.com/acme/target/actions/runs/42/jobs/0`,
  demo: `
Examples:
  $ xrd demo
  $ xrd demo --dialect gitea-1.25
  $ xrd demo --json | jq '.demo[] | {dialect, path, conclusion}'`,
  completion: `
Examples:
  $ eval "$(xrd completion bash)"
  $ source <(xrd completion zsh)
  $ xrd completion fish | source`,
} as const;

function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('xrd')
    .description(
      'Cross-repo dispatch: start a workflow in another repository (GitHub, GHES, Gitea, Forgejo),\nfind exactly the run it started, follow it live, and exit with its result.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Errors are printed by runCli as one sentence; commander's own printing is switched off.
      outputError: () => {},
    })
    .addHelpText(
      'after',
      `
Exit codes: 0 success · 1 run concluded in --fail-on · 2 usage or input error · 3 timed out
            4 dispatch rejected / not found / not authorised · 5 run not correlated
            6 forge error or rate limited · 7 cancel: run had already finished
            8 an artifact asked for is missing, expired, too large or unsafe
            130 interrupted (SIGINT) · 143 terminated (SIGTERM)

Examples:
  $ xrd demo                                    # the whole flow against the built-in simulator
  $ xrd dispatch --repo acme/target --workflow build.yml --input version=1.2.3
  $ xrd wait https://github.com/acme/target/actions/runs/123456 --json`,
    );

  const dispatchCmd = program
    .command('dispatch')
    .description(
      'dispatch a workflow (or a repository_dispatch event), find its run, wait for it; or several at once (--target)',
    );
  addFlags(dispatchCmd, 'location');
  addFlags(dispatchCmd, 'dispatch');
  addFlags(dispatchCmd, 'wait');
  addCommon(dispatchCmd).addHelpText('after', EXAMPLES.dispatch);
  dispatchCmd.option(OUTPUTS_ENV.flag, OUTPUTS_ENV.help);
  dispatchCmd.action(async (flags: RunFlags & CommonFlags & OutputsFlags) => {
    const s = new Session(io, 'dispatch', flags);
    setExit(await guard(s, () => runDispatch(s, flags)));
  });

  const runCmd = (name: RunCommandName, description: string): Command => {
    const cmd = program
      .command(name)
      .description(description)
      .argument('<run>', 'run id (with --repo) or run URL (web or API)');
    addFlags(cmd, 'location');
    return cmd;
  };

  const waitCmd = runCmd('wait', 'wait for an existing run to finish; exit with its result');
  addFlags(waitCmd, 'wait');
  addCommon(waitCmd).addHelpText('after', EXAMPLES.wait);
  const statusCmd = addCommon(runCmd('status', 'show a run and its jobs once')).addHelpText(
    'after',
    EXAMPLES.status,
  );
  const cancelCmd = addCommon(runCmd('cancel', 'request cancellation of a run')).addHelpText(
    'after',
    EXAMPLES.cancel,
  );
  const artifactsCmd = runCmd(
    'artifacts',
    "list a run's artifacts (with links); download some; read its outputs",
  )
    .addOption(
      new Option(
        '--download <pattern>',
        'download the artifacts with this name or glob (repeatable)',
      ).argParser(collect),
    )
    .addOption(flagOption(OPTIONS['artifacts-path'].cli as CliFlagSpec))
    .addOption(flagOption(OPTIONS['remote-outputs'].cli as CliFlagSpec))
    .option(OUTPUTS_ENV.flag, OUTPUTS_ENV.help);
  addCommon(artifactsCmd).addHelpText('after', EXAMPLES.artifacts);
  const logsCmd = runCmd('logs', "print a run's job logs")
    .option('--job <name>', 'only the job with this name')
    .option('--failed', 'only jobs that failed');
  addCommon(logsCmd).addHelpText('after', EXAMPLES.logs);

  for (const [cmd, name] of [
    [waitCmd, 'wait'],
    [statusCmd, 'status'],
    [cancelCmd, 'cancel'],
    [logsCmd, 'logs'],
    [artifactsCmd, 'artifacts'],
  ] as const) {
    cmd.action(async (run: string, flags: RunCommandFlags & CommonFlags) => {
      const s = new Session(io, name, flags);
      setExit(
        await guard(s, async () => {
          const target = await locateRun(run, flags, s.io.env);
          const forge = await s.connect(target, flags, name === 'cancel');
          return runCommands[name](s, forge, await resolveRunTarget(forge, target, s.io.signal), flags);
        }),
      );
    });
  }

  const demoCmd = program
    .command('demo')
    .description('run the whole flow live against the built-in forge simulator, on every dialect')
    .addOption(new Option('--dialect <name>', 'only this dialect').choices(DEMO_DIALECTS))
    .option('--time-scale <n>', `simulated time runs this many times faster (default ${DEMO_TIME_SCALE})`);
  addCommon(demoCmd, false).addHelpText('after', EXAMPLES.demo);
  demoCmd.action(async (flags: CommonFlags & { dialect?: string; timeScale?: string }) => {
    const s = new Session(io, 'demo', flags);
    setExit(
      await guard(s, async () => {
        const { runDemo } = await import('./demo.js');
        return runDemo(s, flags);
      }),
    );
  });

  program
    .command('completion')
    .description('print a shell completion script')
    .addArgument(program.createArgument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .addHelpText('after', EXAMPLES.completion)
    .action((shell: Shell) => {
      io.stdout.write(completionScript(program, shell));
      setExit(EXIT.ok);
    });

  return program;
}

/** Runs a command body; every failure ends here and becomes one message and one exit code. */
async function guard(s: Session, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    s.progress.stop();
    const code = exitCodeForError(error, s.io.signal);
    const err = error instanceof Error ? error : new Error(String(error));
    s.io.stderr.write(`${s.scrub(errorSentence(err, s.palette, s.command))}\n`);
    return s.finish(code, err);
  }
}

function errorSentence(error: Error, p: Palette, command: string): string {
  if (isXrdError(error)) {
    // Bad input gets exactly one sentence; a forge problem may add what to do next.
    if (error.code === 'INVALID_INPUT') return `${p.red('xrd:')} ${error.message}`;
    if (error.code === 'ABORTED') return `${p.yellow('xrd:')} interrupted.`;
    return `${p.red('xrd:')} ${error.message}${error.hint ? ` ${p.dim(error.hint)}` : ''}`;
  }
  // Not an XrdError: a network failure below the adapter, or a bug. Say so plainly, no stack.
  return `${p.red('xrd:')} ${command} failed: ${error.message}`;
}

/** Makes commander's messages ("error: unknown option '--x'") one sentence with a pointer to help. */
function usageSentence(error: CommanderError, argv: readonly string[]): string {
  const text = error.message
    .replace(/^error:\s*/i, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\.$/, '')
    // "… is invalid. Allowed choices are …" → one sentence.
    .replace(/\. ([A-Z])/g, (_m, c: string) => `; ${c.toLowerCase()}`);
  const command = argv.find((a) => !a.startsWith('-'));
  const help = command && !text.startsWith('unknown command') ? `xrd ${command} --help` : 'xrd --help';
  return `xrd: ${text}; see \`${help}\`.`;
}

/** `--json` anywhere before `--` puts even a usage error into a JSON document on stdout. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

export async function runCli(io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  if (io.argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...io.argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync')
        return EXIT.ok;
      // commander quotes the arguments it could not use: a URL with a password among them too.
      const sentence = redact(usageSentence(error, io.argv));
      io.stderr.write(`${sentence}\n`);
      if (wantsJson(io.argv)) {
        const doc: JsonDocument = {
          schemaVersion: 1,
          command: io.argv.find((a) => !a.startsWith('-')) ?? '',
          ok: false,
          exitCode: EXIT.usage,
          error: { code: 'INVALID_INPUT', message: sentence.replace(/^xrd: /, '') },
        };
        io.stdout.write(renderJson(doc, []));
      }
      return EXIT.usage;
    }
    // guard() catches everything inside commands; this is a bug in the glue itself.
    io.stderr.write(`xrd: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.forge;
  }
}
