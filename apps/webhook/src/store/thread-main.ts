// Entry of the store thread (built as dist/store-thread.js; see thread.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { createSqliteStore } from './sqlite.js';
import { type StoreThreadData, serveStore } from './thread.js';

const { path } = workerData as StoreThreadData;
if (parentPort) serveStore(parentPort, (onSetAside) => createSqliteStore(path, { onSetAside }));
