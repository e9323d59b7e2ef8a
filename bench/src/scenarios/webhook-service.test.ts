import { describe, expect, it } from 'vitest';
import type { OpenLoadResult } from '../http-load.ts';
import { poolOpenLoads } from './webhook-service.ts';

function run(latencies: number[], extra: Partial<OpenLoadResult> = {}): OpenLoadResult {
  return {
    requests: latencies.length,
    errors: 0,
    byStatus: { '202': latencies.length },
    elapsedMs: 1000,
    perSecond: latencies.length,
    p50Ms: null,
    p99Ms: null,
    latencies,
    ratePerSecond: 100,
    warmUpRequests: 10,
    sent: latencies.length,
    sentPerSecond: 100,
    maxLatencyMs: Math.max(...latencies),
    lagP50Ms: 1,
    lagP99Ms: 2,
    lagMaxMs: 3,
    socketWaits: 0,
    maxInFlight: 5,
    ...extra,
  };
}

describe('poolOpenLoads', () => {
  it("takes the percentiles of every run's latencies together, so one run's worse tail counts in full", () => {
    // 100 fast answers in each of two runs, and a third run whose 100 answers all took 50 ms.
    const fast = Array.from({ length: 100 }, (_, i) => 1 + i / 100);
    const pooled = poolOpenLoads([
      run(fast),
      run(fast, { lagP99Ms: 9, lagMaxMs: 30, maxInFlight: 12, byStatus: { '202': 99, '503': 1 } }),
      run(Array(100).fill(50), { errors: 2, firstError: 'socket hang up' }),
    ]);
    expect(pooled.requests).toBe(300);
    expect(pooled.latencies).toHaveLength(300);
    expect(pooled.p99Ms).toBe(50);
    expect(pooled.p50Ms).toBeLessThan(2);
    expect(pooled.maxLatencyMs).toBe(50);
    expect(pooled.byStatus).toEqual({ '202': 299, '503': 1 });
    expect(pooled.errors).toBe(2);
    expect(pooled.firstError).toBe('socket hang up');
    expect(pooled).toMatchObject({
      lagP99Ms: 9,
      lagMaxMs: 30,
      maxInFlight: 12,
      sent: 300,
      warmUpRequests: 30,
    });
    expect(pooled.perSecond).toBe(100);
  });
});
