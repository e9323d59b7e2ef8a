// The webhook service as a library, for embedding and tests; the binary is src/server.ts.
export type { ForgeConfig, RouteConfig, ServiceConfig, StoreConfig } from './config.js';
export { ConfigError, loadConfig, parseConfig } from './config.js';
export type { RunningService, ServiceOptions } from './service.js';
export { openStore, startService } from './service.js';
export { signBody, verifySignature } from './signature.js';
export { createPostgresStore } from './store/postgres.js';
export { createSqliteStore } from './store/sqlite.js';
export type { DispatchRow, DispatchState, Store } from './store/types.js';
