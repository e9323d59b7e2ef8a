// Durations in the config are written the way people say them (`30s`, `5m`, `250ms`) or as plain
// milliseconds, so `reconcile.interval: 30s` needs no arithmetic in the reader's head.

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `250ms`, `30s`, `5m`, `1h`, `1.5s` or a number of milliseconds; undefined when invalid. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!match) return undefined;
  const unit = UNITS[match[2] ?? 'ms'] ?? 1;
  return Math.round(Number(match[1]) * unit);
}
