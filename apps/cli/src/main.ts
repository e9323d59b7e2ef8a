// The CLI's bundle (dist/main.js), loaded by the `xrd` entry (bin.ts) once the Node version is known
// to be supported: wires the process (argv, env, stdio, SIGINT and SIGTERM) to runCli.
import { readFileSync } from 'node:fs';
import { runCli } from './cli.js';
import { EXIT, type StopSignal } from './exit-codes.js';

const controller = new AbortController();
let stops = 0;
// SIGINT (Ctrl-C) and SIGTERM (how Jenkins, GitLab and Buildkite cancel a job) are handled alike:
// the first aborts the operation — the remote run is cancelled with --cancel-on-interrupt and a
// commit status of --report-status is closed with an error — and the command exits 130 or 143. A
// second one means "do not wait for that": leave at once.
const onStop = (signal: StopSignal): void => {
  stops++;
  if (stops > 1) process.exit(signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
  controller.abort(signal);
};
process.on('SIGINT', () => onStop('SIGINT'));
process.on('SIGTERM', () => onStop('SIGTERM'));

// A closed pipe (`xrd status … | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

const code = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
  readFile: (path) => readFileSync(path, 'utf8'),
});
process.exitCode = code;
// Keep-alive sockets of the HTTP client must not hold the process open once the answer is known.
setTimeout(() => process.exit(code), 50).unref();
