import { describe, expect, it } from 'vitest';
import type { OpenLoadResult } from '../http-load.ts';
import { histogramBuckets } from '../service-process.ts';
import { combineBuckets, poolOpenLoads, shareWithin } from './webhook-service.ts';

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

describe("the service's own ack histogram", () => {
  const metrics = (n10: number, n25: number, all: number) =>
    [
      '# HELP xrd_webhook_ack_seconds Time from receiving a delivery to answering it.',
      '# TYPE xrd_webhook_ack_seconds histogram',
      `xrd_webhook_ack_seconds_bucket{le="0.01"} ${n10}`,
      `xrd_webhook_ack_seconds_bucket{le="0.025"} ${n25}`,
      `xrd_webhook_ack_seconds_bucket{le="+Inf"} ${all}`,
      `xrd_webhook_ack_seconds_sum 1.5`,
      `xrd_webhook_ack_seconds_count ${all}`,
      'xrd_webhook_ack_seconds_other_bucket{le="0.01"} 999',
    ].join('\n');

  it('reads cumulative bucket counts by upper bound, and nothing of other metrics', () => {
    expect(histogramBuckets(metrics(90, 99, 100), 'xrd_webhook_ack_seconds')).toEqual(
      new Map([
        [0.01, 90],
        [0.025, 99],
        [Number.POSITIVE_INFINITY, 100],
      ]),
    );
  });

  it('gives the share of a run within a bound: after − before, pooled over runs', () => {
    const before = histogramBuckets(metrics(10, 10, 10), 'xrd_webhook_ack_seconds');
    const after = histogramBuckets(metrics(100, 108, 110), 'xrd_webhook_ack_seconds');
    const run = combineBuckets(after, before, -1);
    expect(shareWithin(run, 0.01)).toBe(0.9);
    const pooled = combineBuckets(run, histogramBuckets(metrics(50, 100, 100), 'xrd_webhook_ack_seconds'), 1);
    expect(shareWithin(pooled, 0.01)).toBe(140 / 200);
    expect(shareWithin(pooled, 0.025)).toBe(198 / 200);
    expect(shareWithin(new Map(), 0.01)).toBeNull();
  });
});
