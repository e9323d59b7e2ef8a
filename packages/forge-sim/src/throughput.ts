// A small load driver: N keep-alive connections hammer one URL until a request count or a time
// limit, whichever comes first (every loop bounded), and report requests per second and latency
// percentiles. Used by `pnpm --filter @xrd/forge-sim bench` and available to bench/.
import { Agent, request } from 'node:http';

export interface ThroughputOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  concurrency?: number;
  /** Hard cap on requests (default 20 000). */
  maxRequests?: number;
  /** Hard cap on time (default 3 000 ms). */
  maxMs?: number;
}

export interface ThroughputResult {
  requests: number;
  errors: number;
  elapsedMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  byStatus: Record<string, number>;
}

export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const concurrency = options.concurrency ?? 16;
  const maxRequests = options.maxRequests ?? 20_000;
  const maxMs = options.maxMs ?? 3_000;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(options.url);
  const latencies: number[] = [];
  const byStatus: Record<string, number> = {};
  let started = 0;
  let errors = 0;
  const t0 = performance.now();
  const deadline = t0 + maxMs;

  const one = () =>
    new Promise<void>((resolve) => {
      const s = performance.now();
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: options.method ?? 'GET',
          headers: options.headers,
        },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => {
            latencies.push(performance.now() - s);
            const k = String(res.statusCode);
            byStatus[k] = (byStatus[k] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(options.body);
    });

  const worker = async () => {
    while (started < maxRequests && performance.now() < deadline) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - t0;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    requests: latencies.length,
    errors,
    elapsedMs,
    perSecond: (latencies.length / elapsedMs) * 1000,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    byStatus,
  };
}
