// `xrd-webhook --config FILE`: the service's entry point. Exit codes: 0 after a graceful stop, 1 on an
// unexpected failure, 2 on a config error (one line per problem on stderr).
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { startService } from './service.js';

declare const XRD_VERSION: string | undefined;

const USAGE = `Usage: xrd-webhook --config FILE

The xrd webhook service: forge webhooks in, dispatches and statuses out, durable state.

Options:
  -c, --config FILE   YAML config (forges, routes, store); see README.md
  -h, --help          show this help
  -v, --version       show the version

Environment overrides: XRD_LISTEN_HOST, XRD_LISTEN_PORT, XRD_STORE_PATH, DATABASE_URL,
XRD_LOG_LEVEL, XRD_WORKER_CONCURRENCY, XRD_MAX_BODY_BYTES, XRD_FORGE_<NAME>_TOKEN,
XRD_FORGE_<NAME>_WEBHOOK_SECRET, XRD_FORGE_<NAME>_API_URL, XRD_FORGE_<NAME>_APP_PRIVATE_KEY.
`;

async function main(argv: string[]): Promise<number> {
  let values: { config?: string | undefined; help?: boolean | undefined; version?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${typeof XRD_VERSION === 'string' ? XRD_VERSION : 'dev'}\n`);
    return 0;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(values.config ?? process.env.XRD_CONFIG);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
      return 2;
    }
    throw error;
  }
  const service = await startService(config);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      void signal;
      service.stop().then(resolve, resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Startup failures (store unreachable, port in use): one line, no stack, no secret.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`xrd-webhook: ${message}\n`);
    process.exitCode = 1;
  },
);
