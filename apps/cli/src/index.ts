// The CLI is used as the `xrd` binary (dist/xrd.js); these exports let tests and tools drive the
// same code in-process.

export { runCli } from './cli.js';
export { EXIT, type ExitCode, exitCodeForError } from './exit-codes.js';
export { parseInputPairs, type RunFlags, toRawRunOptions } from './flags.js';
export { parseRunArgument, type RunLocation } from './run-url.js';
export type { CliIo, CommonFlags } from './session.js';
export { type ResolvedToken, resolveToken, type TokenFlags } from './token.js';
