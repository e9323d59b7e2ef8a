// Text helpers every part of xrd shares: one truncation (commit-status descriptions, messages) and
// one tail of a log, by bytes or by lines.

/** GitHub rejects a commit status description longer than 140 characters (GHES too); Gitea shows one line. */
export const MAX_DESCRIPTION = 140;

/**
 * Cuts `text` to at most `max` characters (code points, so a surrogate pair is never split), ending
 * with `…` when something was cut.
 */
export function truncate(text: string, max = MAX_DESCRIPTION): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * The last `maxBytes` bytes of a log, starting at a line start (the partial first line, and any
 * multi-byte character broken by the cut, are dropped). The whole text when it is short enough.
 */
export function tailBytes(text: string, maxBytes: number | undefined): string {
  if (maxBytes === undefined) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  const cut = bytes.subarray(bytes.length - maxBytes).toString('utf8');
  const newline = cut.indexOf('\n');
  return newline >= 0 ? cut.slice(newline + 1) : cut;
}

/** The last `count` lines of a log (trailing blank lines dropped). */
export function tailLines(text: string, count: number): string {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  return lines.slice(-count).join('\n');
}

/** `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1).replace(/\.0$/, '')} ${units[unit]}`;
}
