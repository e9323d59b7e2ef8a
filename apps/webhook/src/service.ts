// Assembles the service from a validated config: store, forges, worker, HTTP server. `startService`
// is what the binary runs; tests and embedders can pass their own store or forge factory.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { createForge } from '@xrd/connect';
import type { Forge } from '@xrd/core';
import { configSecrets, type ForgeConfig, type ServiceConfig } from './config.js';
import { createHandler } from './http.js';
import { createLogger, type Logger } from './log.js';
import type { MemoryPolicy } from './memory.js';
import { Metrics } from './metrics.js';
import { createPostgresStore } from './store/postgres.js';
import type { SqlStoreOptions } from './store/sql-store.js';
import { createSqliteStore } from './store/sqlite.js';
import type { Store } from './store/types.js';
import { Worker } from './worker.js';

export interface ServiceOptions {
  readonly store?: Store;
  readonly logger?: Logger;
  readonly createForge?: (forge: ForgeConfig) => Forge;
  /** When the worker gives memory back after a burst of work (tests shorten it). */
  readonly memory?: MemoryPolicy;
}

export interface RunningService {
  readonly url: string;
  readonly server: Server;
  readonly store: Store;
  readonly metrics: Metrics;
  /** Graceful: stop accepting, drain the worker, close the store. */
  stop(): Promise<void>;
}

function defaultForge(f: ForgeConfig): Forge {
  return createForge({
    kind: f.kind,
    apiUrl: f.apiUrl,
    userAgent: 'xrd-webhook',
    ...(f.token !== undefined ? { token: f.token } : {}),
    ...(f.app !== undefined ? { app: f.app } : {}),
    ...(f.apiVersion !== undefined ? { apiVersion: f.apiVersion } : {}),
    ...(f.minWriteIntervalMs !== undefined ? { minWriteIntervalMs: f.minWriteIntervalMs } : {}),
  });
}

export function openStore(config: ServiceConfig, options: SqlStoreOptions = {}): Store {
  return config.store.kind === 'postgres'
    ? createPostgresStore(config.store.url, {
        ...(config.store.schema ? { schema: config.store.schema } : {}),
        maxConnections: Math.min(20, config.worker.concurrency + 4),
        ...options,
      })
    : createSqliteStore(config.store.path, options);
}

export async function startService(
  config: ServiceConfig,
  options: ServiceOptions = {},
): Promise<RunningService> {
  const logger = options.logger ?? createLogger(config.logLevel, configSecrets(config));
  const metrics = new Metrics();
  let store: Store | undefined;
  try {
    store =
      options.store ??
      openStore(config, {
        // A stored row that cannot be read is taken out of the queue; say so, once, with the reason.
        onSetAside: (row) => {
          logger.warn('stored row set aside: it cannot be processed', { ...row });
          metrics.setAside.inc({ table: row.table });
        },
      });
    await store.migrate();
  } catch (error) {
    // A store opened here is closed again (a PostgreSQL pool would hold the process for its idle timeout).
    if (!options.store) await store?.close().catch(() => undefined);
    // The driver's own words ("unable to open database file", "connect ECONNREFUSED …") name
    // neither the setting nor the fix. The URL itself is left out: it may carry a password.
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(
      config.store.kind === 'postgres'
        ? `the PostgreSQL store (store.url or DATABASE_URL) cannot be used: ${why}; check the host, port, database and credentials.`
        : `the store file ${config.store.path} (store.path or XRD_STORE_PATH) cannot be opened: ${why}; check that its directory exists and is writable.`,
    );
  }
  if (store.kind === 'sqlite') {
    // The embedded store has exactly one process: leases left by a killed predecessor are void.
    await store.releaseAllLeases();
  }
  const forges = new Map<string, Forge>();
  for (const f of config.forges) forges.set(f.name, (options.createForge ?? defaultForge)(f));

  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const worker = new Worker({
    config,
    store,
    forges,
    logger,
    metrics,
    owner,
    ...(options.memory ? { memory: options.memory } : {}),
  });
  let ready = false;
  const handler = createHandler({
    config,
    store,
    logger,
    metrics,
    onStored: () => worker.intake(),
    ready: () => ready,
    beforeMetrics: async () => {
      const counts = await store.counts();
      metrics.pendingDeliveries.set({}, counts.deliveriesPending);
      for (const [state, n] of Object.entries(counts.dispatches)) {
        if (state !== 'done') metrics.inflight.set({ state }, n);
      }
    },
  });
  const server = createServer(handler);
  // Forges keep connections alive; a long idle timeout avoids racing their reuse of a socket.
  server.keepAliveTimeout = 65_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.listen.port, config.listen.host, () => resolve());
    });
  } catch (error) {
    // Not listening (the port taken, say): nothing runs, and a store opened here is closed.
    if (!options.store) await store.close().catch(() => undefined);
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  worker.start();
  ready = true;
  logger.info('listening', {
    url,
    store: store.kind,
    forges: config.forges.map((f) => f.name),
    routes: config.routes.map((r) => r.name),
    owner,
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      ready = false;
      logger.info('shutting down: draining work');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await worker.stop();
      await closed;
      await store.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { url, server, store, metrics, stop };
}
