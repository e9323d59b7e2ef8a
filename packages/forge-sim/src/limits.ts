// GitHub's rate limits as "Rate limits for the REST API" documents them: a primary budget per token per
// hour (x-ratelimit-* headers; an authorised 304 does not count), and a secondary limit on
// content-creating requests (POST/PATCH/PUT/DELETE) per minute, answered 403 with retry-after.

export interface Bucket {
  limit: number;
  remaining: number;
  resetAt: number; // epoch ms
}

export class RateLimits {
  private readonly buckets = new Map<string, Bucket>();
  private readonly writes = new Map<string, number[]>();
  limit: number;
  /** Overrides applied to every bucket, set by POST /_sim/rate-limit. */
  private override: { remaining?: number; resetAt?: number } | undefined;

  constructor(
    limit: number,
    public secondaryPerMinute: number,
    private readonly now: () => number,
  ) {
    this.limit = limit;
  }

  bucket(key: string): Bucket {
    const now = this.now();
    let b = this.buckets.get(key);
    const limit = key === 'anonymous' ? 60 : this.limit;
    if (!b || now >= b.resetAt) {
      b = { limit, remaining: limit, resetAt: now + 3_600_000 };
      // A configured state holds until its reset; then the budget refills, as GitHub's does when the
      // window `x-ratelimit-reset` names has passed (docs "Rate limits for the REST API").
      if (this.override?.resetAt !== undefined && this.override.resetAt > now) {
        if (this.override.remaining !== undefined) b.remaining = Math.min(limit, this.override.remaining);
        b.resetAt = this.override.resetAt;
      }
      this.buckets.set(key, b);
    }
    return b;
  }

  configure(opts: {
    limit?: number;
    remaining?: number;
    resetInSeconds?: number;
    secondaryPerMinute?: number;
  }) {
    if (opts.limit !== undefined) this.limit = opts.limit;
    if (opts.secondaryPerMinute !== undefined) this.secondaryPerMinute = opts.secondaryPerMinute;
    const resetAt = this.now() + (opts.resetInSeconds ?? 3600) * 1000;
    this.override = { resetAt, ...(opts.remaining !== undefined ? { remaining: opts.remaining } : {}) };
    this.buckets.clear();
    this.writes.clear();
  }

  /** Records a content-creating request; returns seconds to wait when over the secondary limit. */
  secondary(key: string): number | undefined {
    if (this.secondaryPerMinute <= 0) return undefined;
    const now = this.now();
    const list = (this.writes.get(key) ?? []).filter((t) => t > now - 60_000);
    if (list.length >= this.secondaryPerMinute) {
      this.writes.set(key, list);
      return Math.max(1, Math.ceil((list[0]! + 60_000 - now) / 1000));
    }
    list.push(now);
    this.writes.set(key, list);
    return undefined;
  }

  headers(b: Bucket): Record<string, string> {
    return {
      'x-ratelimit-limit': String(b.limit),
      'x-ratelimit-remaining': String(b.remaining),
      'x-ratelimit-used': String(b.limit - b.remaining),
      'x-ratelimit-reset': String(Math.ceil(b.resetAt / 1000)),
      'x-ratelimit-resource': 'core',
    };
  }
}
