// A small closed-loop HTTP load generator on keep-alive sockets: `concurrency` workers each send
// the next request as soon as the previous answer is read, until `maxRequests` or `maxMs`.
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
      const body = options.body?.(index);
      const headers: Record<string, string | number> = { ...(options.headers?.(index) ?? {}) };
      if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
      const t0 = performance.now();
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
          response.on('end', () => {
            latencies.push(performance.now() - t0);
            const key = String(response.statusCode);
            byStatus[key] = (byStatus[key] ?? 0) + 1;
            resolve();
          });
          response.on('error', (error) => {
            errors += 1;
            firstError ??= error.message;
            resolve();
          });
        },
      );
      request.on('error', (error) => {
        errors += 1;
        firstError ??= error.message;
        resolve();
      });
      if (body !== undefined) request.write(body);
      request.end();
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
