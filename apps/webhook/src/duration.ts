// Durations in the config are written the way people say them (`30s`, `5m`, `250ms`) or as plain
// milliseconds, so `reconcile.interval: 30s` needs no arithmetic in the reader's head. Units are
// core's `parseDuration` (the one the action and the CLI use); only the unit-less form differs:
// a bare number here is milliseconds (YAML numbers in a service config), not seconds.
import { parseDuration as parseUnits } from '@xrd/core';

/** Parses `250ms`, `30s`, `5m`, `1h`, `1.5s`, `1m30s` or a number of milliseconds; undefined when invalid. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.replace(/\s+/g, '');
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text));
  return parseUnits(text);
}
