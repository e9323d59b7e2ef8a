// Packs a workspace package as `npm publish` would (`npm pack`) and installs the tarball into an
// empty folder as a user would (`npm install <tarball>`), offline: a package that bundles everything
// it runs has no dependency to fetch, so any registry access here would be a packaging mistake.
// npm is this package's pinned `npm` dependency, run on the workspace's Node, not the machine's.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const NPM_CLI = join(dirname(require.resolve('npm/package.json')), 'bin', 'npm-cli.js');

export interface InstalledPackage {
  /** The folder the tarball was installed into (it has `node_modules/.bin`). */
  readonly dir: string;
  /** The files `npm pack` put in the tarball, relative to the package root. */
  readonly files: readonly string[];
  /** The installed package's own folder. */
  readonly packageDir: string;
  /** `node_modules/.bin/<name>` of the install. */
  bin(name: string): string;
  cleanup(): void;
}

/** Runs the pinned npm with `args` in `cwd`; npm's own output is returned, its errors thrown. */
export function npm(args: readonly string[], cwd: string): string {
  return execFileSync(process.execPath, [NPM_CLI, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // No update check, no funding or audit chatter, no user config that could point elsewhere.
    env: {
      ...process.env,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      npm_config_userconfig: join(cwd, '.npmrc-none'),
    },
  });
}

export function packAndInstall(packageDir: string): InstalledPackage {
  const dir = mkdtempSync(join(tmpdir(), 'xrd-pack-'));
  try {
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], packageDir)) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const tarball = join(dir, packed[0]!.filename);
    const install = join(dir, 'install');
    mkdirSync(install);
    npm(['install', '--offline', '--no-package-lock', tarball], install);
    const { name } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string };
    return {
      dir: install,
      files: packed[0]!.files.map((f) => f.path).sort(),
      packageDir: join(install, 'node_modules', ...name.split('/')),
      bin: (bin) => join(install, 'node_modules', '.bin', bin),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Names in `node_modules` of an install, to show it pulled in nothing but the package itself. */
export function installedPackages(dir: string): string[] {
  const root = join(dir, 'node_modules');
  return readdirSync(root)
    .filter((n) => !n.startsWith('.'))
    .flatMap((n) => (n.startsWith('@') ? readdirSync(join(root, n)).map((m) => `${n}/${m}`) : [n]))
    .sort();
}

/** What a user's install holds: the tarball's files, the packages installed, the manifest's say. */
export function installedShape(installed: InstalledPackage): {
  files: readonly string[];
  packages: string[];
  dependencies: Record<string, string>;
  private: boolean;
} {
  const manifest = JSON.parse(readFileSync(join(installed.packageDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    private?: boolean;
  };
  return {
    files: installed.files,
    packages: installedPackages(installed.dir),
    dependencies: manifest.dependencies ?? {},
    private: manifest.private ?? false,
  };
}
