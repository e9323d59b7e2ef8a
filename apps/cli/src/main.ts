// The CLI's bundle (dist/main.js), loaded by the `xrd` entry (bin.ts) once the Node version is known
// to be supported: wires the process (argv, env, stdio, SIGINT) to runCli.
import { readFileSync } from 'node:fs';
import { runCli } from './cli.js';
import { EXIT } from './exit-codes.js';

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  // First Ctrl-C: abort the operation (and cancel the remote run with --cancel-on-interrupt).
  // Second Ctrl-C: the user does not want to wait for that; leave now.
  if (interrupts > 1) process.exit(EXIT.interrupted);
  controller.abort();
});

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
