// A small HTTP load generator on keep-alive sockets, in two modes:
// - closed loop (`runLoad`): `concurrency` workers each send the next request as soon as the
//   previous answer is read, until `maxRequests` or `maxMs`. At saturation its latency is mostly
//   the queue the workers themselves keep full (latency ≈ concurrency / throughput).
// - open loop (`runOpenLoad`): request i is due at t0 + i / rate whatever the earlier answers, as
//   webhooks from a forge arrive; its latency counts from that due time, so time spent waiting for
//   a socket or for the generator itself is in it (no coordinated omission), and the generator's
//   own lateness is reported beside it.
import http from 'node:http';
import { percentile } from './stats.ts';

export interface LoadOptions {
  readonly url: string;
  readonly method?: string;
  readonly headers?: (index: number) => Record<string, string>;
  readonly body?: (index: number) => string | Buffer;
  readonly concurrency: number;
  readonly maxRequests: number;
  readonly maxMs: number;
  readonly signal?: AbortSignal;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly byStatus: Record<string, number>;
  readonly elapsedMs: number;
  readonly perSecond: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly firstError?: string;
  /** Every request's latency in ms, for pooling several generators' percentiles. */
  readonly latencies: readonly number[];
}

/**
 * One request of `options` (index i's headers and body) on `agent`; `onEnd` gets the status once the
 * answer was read to its end, `onError` the message of a failure on the request or the answer.
 */
function send(
  agent: http.Agent,
  target: URL,
  options: Pick<LoadOptions, 'method' | 'headers' | 'body'>,
  index: number,
  onEnd: (status: number | undefined) => void,
  onError: (message: string) => void,
): http.ClientRequest {
  const body = options.body?.(index);
  const headers: Record<string, string | number> = { ...(options.headers?.(index) ?? {}) };
  if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
  const request = http.request(
    {
      agent,
      host: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method: options.method ?? 'GET',
      headers,
    },
    (response) => {
      response.resume();
      response.on('end', () => onEnd(response.statusCode));
      response.on('error', (error) => onError(error.message));
    },
  );
  request.on('error', (error) => onError(error.message));
  if (body !== undefined) request.write(body);
  request.end();
  return request;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  const byStatus: Record<string, number> = {};
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const stopAt = started + options.maxMs;

  const one = (index: number): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      send(
        agent,
        target,
        options,
        index,
        (status) => {
          latencies.push(performance.now() - t0);
          const key = String(status);
          byStatus[key] = (byStatus[key] ?? 0) + 1;
          resolve();
        },
        (message) => {
          errors += 1;
          firstError ??= message;
          resolve();
        },
      );
    });

  const worker = async (): Promise<void> => {
    while (issued < options.maxRequests && performance.now() < stopAt && !options.signal?.aborted) {
      const index = issued;
      issued += 1;
      await one(index);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  const done = latencies.length;
  return {
    requests: done,
    errors,
    byStatus,
    elapsedMs,
    perSecond: done / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    latencies,
    ...(firstError ? { firstError } : {}),
  };
}

export interface OpenLoadOptions {
  readonly url: string;
  readonly method?: string;
  readonly headers?: (index: number) => Record<string, string>;
  readonly body?: (index: number) => string | Buffer;
  /** Request i is due at t0 + i / ratePerSecond, whatever the answers to earlier ones. */
  readonly ratePerSecond: number;
  /**
   * First this long at the same rate, left out of every reported number but `warmUpRequests` and
   * `errors` (default 0): the target's start-up (JIT, first connections) is not its steady state.
   */
  readonly warmUpMs?: number;
  /** Measured requests at most (after the warm-up). */
  readonly maxRequests: number;
  /** Length of the measured schedule: requests due at warm-up end + maxMs or later are not sent. */
  readonly maxMs: number;
  /**
   * Sockets at most (default 256): a due request goes out on a free keep-alive socket, or a new
   * one below the cap; at the cap it waits for a socket, and that wait is in its latency.
   */
  readonly maxSockets?: number;
  /** How long to wait for the last answers after the last send (default 10 s); then they are errors. */
  readonly drainMs?: number;
  readonly signal?: AbortSignal;
}

export interface OpenLoadResult extends LoadResult {
  /** The rate asked for. */
  readonly ratePerSecond: number;
  /** Requests sent in the warm-up (not in the other numbers). */
  readonly warmUpRequests: number;
  /** Measured requests sent (answered or not). */
  readonly sent: number;
  /** Sent ÷ the time the sends took: the rate the generator really achieved. */
  readonly sentPerSecond: number;
  /** The slowest answer, from its due time. */
  readonly maxLatencyMs: number | null;
  /** How late the generator itself sent requests (actual send − due time). */
  readonly lagP50Ms: number | null;
  readonly lagP99Ms: number | null;
  readonly lagMaxMs: number | null;
  /** Requests sent while every socket under the cap was busy: they waited for one. */
  readonly socketWaits: number;
  /** Most requests in flight at once, those waiting for a socket included. */
  readonly maxInFlight: number;
}

/**
 * Open loop: request i is due at t0 + i / rate. A timer wakes the generator when the next request
 * is due and it sends every request whose time has come (several, when it woke late), so its cost
 * stays small; latency = end of the answer − due time. With a warm-up, requests i ≥ rate × warm-up
 * are the measured ones.
 */
export async function runOpenLoad(options: OpenLoadOptions): Promise<OpenLoadResult> {
  const target = new URL(options.url);
  const maxSockets = options.maxSockets ?? 256;
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const interval = 1000 / options.ratePerSecond;
  const warm = Math.ceil((options.warmUpMs ?? 0) / interval);
  const limit = warm + Math.min(options.maxRequests, Math.ceil(options.maxMs / interval));
  const latencies: number[] = [];
  const lags: number[] = [];
  const byStatus: Record<string, number> = {};
  const inFlight = new Set<http.ClientRequest>();
  let errors = 0;
  let firstError: string | undefined;
  let socketWaits = 0;
  let maxInFlight = 0;
  let lastSend = 0;
  let lastAnswer = 0;
  let settled: (() => void) | undefined;

  const fail = (request: http.ClientRequest, message: string): void => {
    if (!inFlight.delete(request)) return;
    errors += 1;
    firstError ??= message;
    if (inFlight.size === 0) settled?.();
  };

  const fire = (index: number, due: number): void => {
    const sentAt = performance.now();
    const measured = index >= warm;
    if (measured) {
      lags.push(sentAt - due);
      lastSend = sentAt;
      if (inFlight.size >= maxSockets) socketWaits += 1;
    }
    const request: http.ClientRequest = send(
      agent,
      target,
      options,
      index,
      (status) => {
        if (!inFlight.delete(request)) return;
        if (measured) {
          lastAnswer = performance.now();
          latencies.push(lastAnswer - due);
          const key = String(status);
          byStatus[key] = (byStatus[key] ?? 0) + 1;
        }
        if (inFlight.size === 0) settled?.();
      },
      (message) => fail(request, message),
    );
    inFlight.add(request);
    if (measured) maxInFlight = Math.max(maxInFlight, inFlight.size);
  };

  const t0 = performance.now();
  let next = 0;
  await new Promise<void>((scheduleDone) => {
    const tick = (): void => {
      if (!options.signal?.aborted) {
        const due = Math.min(limit, Math.floor((performance.now() - t0) / interval) + 1);
        for (; next < due; next += 1) fire(next, t0 + next * interval);
      }
      if (options.signal?.aborted || next >= limit) {
        scheduleDone();
        return;
      }
      const wait = t0 + next * interval - performance.now();
      if (wait <= 0) setImmediate(tick);
      else setTimeout(tick, wait);
    };
    tick();
  });

  // The last answers: bounded, and cut short by the signal.
  if (inFlight.size > 0) {
    const drainMs = options.drainMs ?? 10_000;
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', finish);
        settled = undefined;
        resolve();
      };
      const timer = setTimeout(finish, drainMs);
      options.signal?.addEventListener('abort', finish, { once: true });
      settled = finish;
      if (options.signal?.aborted) finish();
    });
    const why = options.signal?.aborted
      ? 'stopped unanswered: the time budget ran out'
      : `no answer within ${drainMs} ms of the last send`;
    for (const request of [...inFlight]) request.destroy(new Error(why));
  }
  agent.destroy();

  const sent = lags.length;
  const done = latencies.length;
  const measureStart = t0 + warm * interval;
  const elapsedMs = sent > 0 ? Math.max(lastAnswer, lastSend) - measureStart : 0;
  return {
    requests: done,
    errors,
    byStatus,
    elapsedMs,
    perSecond: elapsedMs > 0 ? done / (elapsedMs / 1000) : 0,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    latencies,
    ratePerSecond: options.ratePerSecond,
    warmUpRequests: Math.min(warm, next),
    sent,
    sentPerSecond: sent > 0 ? sent / ((lastSend - measureStart + interval) / 1000) : 0,
    maxLatencyMs: percentile(latencies, 100),
    lagP50Ms: percentile(lags, 50),
    lagP99Ms: percentile(lags, 99),
    lagMaxMs: percentile(lags, 100),
    socketWaits,
    maxInFlight,
    ...(firstError ? { firstError } : {}),
  };
}
