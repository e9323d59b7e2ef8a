// Heavy modules (the HTTP clients behind @xrd/connect, the simulator) are loaded only by the
// commands that need them, so `xrd --version`, `--help` and `completion` start fast. esbuild keeps
// them in the one bundle and defers their evaluation to these imports.
type Connect = typeof import('@xrd/connect');

let connect: Promise<Connect> | undefined;

export function loadConnect(): Promise<Connect> {
  connect ??= import('@xrd/connect');
  return connect;
}
