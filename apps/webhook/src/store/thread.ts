// The embedded store on a thread of its own.
//
// node:sqlite is synchronous: in the service's own thread every statement — a group commit of
// deliveries, a claimed batch applied in one transaction, a checkpoint — holds the event loop that
// reads requests and sends the 202s, and a request that arrives meanwhile waits for it. At a steady
// 1,000 deliveries/s on 2 cores the service's loop thread was 61 % busy (7.3 s of CPU in 12 s) and
// ack p99 was 31–37 ms, against 18 ms with the worker switched off (bench/README.md, "webhook").
// Here ONE thread owns the ONE connection and runs every statement, of intake and of the worker
// alike; the loop thread only parses, verifies and answers. One connection, not one per thread: with
// two connections on the file, intake's commits waited in SQLite's busy handler (which sleeps 1, 2,
// 5 … ms) while the worker held the write lock — p99 104–110 ms when that was measured.
//
// Each call of the Store is a message to the thread and an answer back (structured clone:
// https://nodejs.org/api/worker_threads.html#portpostmessagevalue-transferlist); the thread runs
// them in order of arrival, as the in-process store does, and a delivery is answered only after
// the commit holding it returned there, so an acknowledgement still never precedes durability.
import { type MessagePort, Worker } from 'node:worker_threads';
import type { SetAside } from './sql-store.js';
import type { Store } from './types.js';

/** Every Store method the thread answers (`kind` is known here; nothing else crosses). */
const METHODS = [
  'migrate',
  'ping',
  'close',
  'insertDelivery',
  'claimDeliveries',
  'applySourceEvent',
  'applyRunCompletion',
  'applyDeliveries',
  'failDelivery',
  'claimDispatches',
  'renewLease',
  'transition',
  'release',
  'getDispatch',
  'listDispatches',
  'counts',
  'pruneDeliveries',
  'releaseMemory',
  'releaseAllLeases',
  'claimFanOuts',
  'fanOutRows',
  'settleFanOut',
  'touchFanOut',
  'deferDispatch',
  'enterSending',
  'hasNewerEvent',
  'stopFanOut',
] as const satisfies readonly (keyof Store)[];

type Method = (typeof METHODS)[number];

/** What the thread is started with (`workerData`). */
export interface StoreThreadData {
  readonly path: string;
}

interface Call {
  readonly id: number;
  readonly method: Method;
  readonly args: readonly unknown[];
}

interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: unknown;
}

type Answer =
  | { readonly id: number; readonly value: unknown }
  | { readonly id: number; readonly error: WireError }
  | { readonly setAside: SetAside };

/** An error as it crosses: its own `code` too (node:sqlite's `ERR_SQLITE_ERROR`, …). */
function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(error.stack !== undefined ? { stack: error.stack } : {}),
    ...(code !== undefined ? { code } : {}),
  };
}

function fromWire(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  if (wire.code !== undefined) (error as Error & { code?: unknown }).code = wire.code;
  return error;
}

/**
 * Messages sent in one turn of the event loop travel as one: every message wakes the other thread
 * (an eventfd write and a futex), and under load a turn holds several calls or answers.
 */
function batched<T>(post: (items: T[]) => void): (item: T) => void {
  let queue: T[] = [];
  const flush = (): void => {
    const items = queue;
    queue = [];
    post(items);
  };
  return (item) => {
    if (queue.length === 0) setImmediate(flush);
    queue.push(item);
  };
}

export interface ThreadStoreOptions {
  /** Told about each row a claim sets aside. */
  readonly onSetAside?: (row: SetAside) => void;
  /**
   * The thread stopped without being closed (an uncaught error, out of memory): every call waiting
   * and every later one fails with `error`; the service should stop.
   */
  readonly onFailure?: (error: Error) => void;
}

/**
 * The embedded store at `path`, run by a thread started from `entry` (the built
 * `dist/store-thread.js`, whose code is `serveStore`).
 */
export function createThreadStore(entry: URL, path: string, options: ThreadStoreOptions = {}): Store {
  const data: StoreThreadData = { path };
  const worker = new Worker(entry, { workerData: data, stdout: false, stderr: false });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const send = batched<Call>((calls) => worker.postMessage(calls));
  let next = 0;
  let failed: Error | undefined;
  let closing = false;

  const fail = (error: Error): void => {
    if (failed) return;
    failed = error;
    for (const call of pending.values()) call.reject(error);
    pending.clear();
    if (!closing) options.onFailure?.(error);
  };
  worker.on('message', (answers: readonly Answer[]) => {
    for (const answer of answers) {
      if ('setAside' in answer) {
        options.onSetAside?.(answer.setAside);
        continue;
      }
      const call = pending.get(answer.id);
      if (!call) continue;
      pending.delete(answer.id);
      if ('error' in answer) call.reject(fromWire(answer.error));
      else call.resolve(answer.value);
    }
  });
  worker.on('error', (error) => fail(new Error(`the store thread failed: ${error.message}`)));
  worker.on('exit', (code) => fail(new Error(`the store thread stopped (exit code ${code})`)));

  const call = (method: Method, args: readonly unknown[]): Promise<unknown> => {
    if (failed) return Promise.reject(failed);
    const id = next++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      send({ id, method, args });
    });
  };

  const store: Record<string, unknown> = { kind: 'sqlite' };
  for (const method of METHODS) store[method] = (...args: unknown[]) => call(method, args);
  store.close = async () => {
    if (failed) return;
    try {
      await call('close', []);
    } finally {
      closing = true;
      await worker.terminate();
    }
  };
  return store as unknown as Store;
}

/**
 * The thread's side: answers the calls arriving on `port` with `open`'s store, in order. A store
 * that cannot be opened answers every call with why (the service reports it at `migrate`).
 */
export function serveStore(port: MessagePort, open: (onSetAside: (row: SetAside) => void) => Store): void {
  const answer = batched<Answer>((answers) => port.postMessage(answers));
  let store: Store | undefined;
  let openError: unknown;
  try {
    store = open((row) => answer({ setAside: row }));
  } catch (error) {
    openError = error;
  }
  const run = async ({ method, args }: Call): Promise<unknown> => {
    if (!store) {
      if (method === 'close') return undefined; // nothing was opened
      throw openError;
    }
    const fn = store[method] as ((...a: readonly unknown[]) => Promise<unknown>) | undefined;
    if (fn === undefined) return undefined; // an optional method this store lacks
    return fn.apply(store, [...args]);
  };
  port.on('message', (calls: readonly Call[]) => {
    for (const call of calls) {
      run(call).then(
        (value) => answer({ id: call.id, value }),
        (error: unknown) => answer({ id: call.id, error: toWire(error) }),
      );
    }
  });
}
