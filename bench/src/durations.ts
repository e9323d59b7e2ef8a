// Run durations with a realistic spread: nine runs in ten within ±20 % of the nominal time
// (triangular, most near it), one in ten in a long tail of 1.2× to 1.8× (a cache miss, a slow
// runner, a retried step). Samples are quantiles, not random draws, so every bench run sees the
// same durations and the tools compare on identical runs.

/** The duration factor at quantile `u` (0 < u < 1). */
export function durationFactor(u: number): number {
  const p = Math.min(1, Math.max(0, u));
  if (p < 0.9) {
    const v = p / 0.9;
    return v < 0.5 ? 0.8 + 0.4 * Math.sqrt(v / 2) : 1.2 - 0.4 * Math.sqrt((1 - v) / 2);
  }
  return 1.2 + 0.6 * ((p - 0.9) / 0.1);
}

/** `count` durations spread over the distribution (mid-quantiles), in ms, in ascending order. */
export function spreadDurations(nominalMs: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.round(nominalMs * durationFactor((i + 0.5) / count)));
}
