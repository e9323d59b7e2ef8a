// Which Node.js versions an app runs on. The one statement of it is the app's package.json
// `engines.node` (npm shows it to users and warns on install); the build compiles that range into the
// app's tiny entry file, which calls `exitOnUnsupportedNode` before it loads the bundle, and the tests
// read the same range to decide which Node versions must run the app and which must be refused.
//
// Only the range syntax the apps use is understood — `>=X.Y.Z` and `^X.Y.Z` alternatives joined by
// `||` — so this file stays small enough to run first on any Node; anything else throws, at build
// time (the build parses the range once).

type Version = readonly [number, number, number];

interface Comparator {
  /** `>=`: this version or later; `^`: this version or a later one of the same major. */
  readonly op: '>=' | '^';
  readonly min: Version;
}

function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

const show = (v: Version) => v.join('.');

/** The alternatives of an `engines.node` range; throws on syntax this checker does not understand. */
export function parseEngines(range: string): Comparator[] {
  return range.split('||').map((part) => {
    const m = /^\s*(>=|\^)\s*(\S+)\s*$/.exec(part);
    const min = m ? parseVersion(m[2]!) : undefined;
    if (!m || !min) {
      throw new Error(
        `engines.node "${range}": "${part.trim()}" is not ">=X.Y.Z" or "^X.Y.Z" (the only forms the start-up check understands)`,
      );
    }
    return { op: m[1] as '>=' | '^', min };
  });
}

function accepts(c: Comparator, v: Version): boolean {
  if (compare(v, c.min) < 0) return false;
  return c.op === '>=' || v[0] === c.min[0];
}

/** Whether Node `version` (`22.15.0` or `v22.15.0`) satisfies `range`. */
export function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  if (!v) throw new Error(`"${version}" is not a Node.js version`);
  return parseEngines(range).some((c) => accepts(c, v));
}

/**
 * The one sentence an app prints on a Node it does not support, or `undefined` when `version` is
 * supported. It names the nearest version that would do: the lowest minimum above the running one
 * (on Node 20 with `^22.15.0 || >=23.8.0` that is 22.15.0; on Node 23.5 it is 23.8.0).
 */
export function unsupportedNodeMessage(app: string, range: string, version: string): string | undefined {
  const v = parseVersion(version);
  if (!v) throw new Error(`"${version}" is not a Node.js version`);
  const comparators = parseEngines(range);
  if (comparators.some((c) => accepts(c, v))) return undefined;
  const above = comparators
    .map((c) => c.min)
    .filter((min) => compare(min, v) > 0)
    .sort(compare)[0];
  const needs = above ? `Node.js ${show(above)} or later` : `Node.js ${range}`;
  return `${app} needs ${needs}; this is Node.js ${show(v)}.`;
}

/**
 * Called first by an app's entry file: on an unsupported Node, one sentence on stderr and exit
 * code 2 (a usage error: the user must run it with another Node), no stack trace.
 */
export function exitOnUnsupportedNode(app: string, range: string): void {
  const message = unsupportedNodeMessage(app, range, process.versions.node);
  if (message === undefined) return;
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/**
 * What an app's entry file does: refuse an unsupported Node (see above), else load the app's bundle
 * `main`. The import is dynamic and its specifier computed, so a bundler leaves it to run time and
 * nothing of the bundle is parsed before the check.
 */
export async function startOnSupportedNode(app: string, range: string, main: URL): Promise<void> {
  exitOnUnsupportedNode(app, range);
  await import(main.href);
}
