#!/usr/bin/env node
// `pnpm sim [--port N] [--dialect D] [--seed FILE] [--time-scale N]`: prints the API base URL as its
// first line (scripts read it), then serves until SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { startSim } from './sim.js';
import { DIALECTS, type Dialect, type SimOptions, type SimSeed } from './types.js';

export interface CliArgs {
  port: number;
  dialect: Dialect;
  seed: SimSeed | undefined;
  timeScale: number;
  secondaryLimitPerMinute?: number;
  rateLimit?: number;
  listingDelayMs?: number;
}

const USAGE =
  'usage: sim [--port N] [--dialect github|ghes-3.19|ghes-3.20|gitea-1.24|gitea-1.25|gitea-1.26|forgejo] [--seed FILE.json|FILE.yaml] [--time-scale N] [--rate-limit N] [--secondary-limit N] [--listing-delay MS]';

export function parseCliArgs(argv: string[]): CliArgs {
  const args: CliArgs = { port: 0, dialect: 'github', seed: undefined, timeScale: 1 };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const [flag, inline] = raw.includes('=')
      ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)]
      : [raw, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value. ${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0 || n > 65535)
          throw new Error('--port must be a port number (0 picks a free one).');
        args.port = n;
        break;
      }
      case '--dialect': {
        const d = value() as Dialect;
        if (!DIALECTS.includes(d))
          throw new Error(`--dialect "${d}" is unknown: use one of ${DIALECTS.join(', ')}.`);
        args.dialect = d;
        break;
      }
      case '--seed': {
        const file = value();
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          throw new Error(`--seed ${file} cannot be read: give the path of a JSON or YAML seed file.`);
        }
        const seed = (/\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text)) as SimSeed;
        if (!seed || !Array.isArray(seed.repos))
          throw new Error(`--seed ${file} must hold { repos: [...] }.`);
        args.seed = seed;
        break;
      }
      case '--time-scale': {
        const n = Number(value());
        if (!(n > 0)) throw new Error('--time-scale must be a positive number, e.g. 60.');
        args.timeScale = n;
        break;
      }
      case '--secondary-limit': {
        const n = Number(value());
        if (!(n >= 0)) throw new Error('--secondary-limit must be a number of writes per minute (0 = off).');
        args.secondaryLimitPerMinute = n;
        break;
      }
      case '--rate-limit': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1)
          throw new Error('--rate-limit must be the primary budget per user per hour, e.g. 5000.');
        args.rateLimit = n;
        break;
      }
      case '--listing-delay': {
        const n = Number(value());
        if (!(n >= 0))
          throw new Error(
            '--listing-delay must be the ms a new run takes to show in run lists, e.g. 3000 (0 = at once).',
          );
        args.listingDelayMs = n;
        break;
      }
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`Unknown option ${raw}. ${USAGE}`);
    }
  }
  return args;
}

async function main(): Promise<void> {
  let args: CliArgs;
  try {
    args = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const options: SimOptions = {
    port: args.port,
    dialect: args.dialect,
    seed: args.seed,
    timeScale: args.timeScale,
    ...(args.secondaryLimitPerMinute !== undefined
      ? { secondaryLimitPerMinute: args.secondaryLimitPerMinute }
      : {}),
    ...(args.rateLimit !== undefined ? { rateLimit: args.rateLimit } : {}),
    ...(args.listingDelayMs !== undefined ? { listingDelayMs: args.listingDelayMs } : {}),
  };
  const sim = await startSim(options);
  process.stdout.write(`${sim.apiUrl}\n`);
  process.stderr.write(`forge-sim ${sim.dialect} serving ${sim.url} (control API: ${sim.url}/_sim/stats)\n`);
  const stop = () => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Run only as a program, not when a test imports parseCliArgs.
if (process.argv[1] && /cli\.(js|ts)$/.test(process.argv[1])) void main();
