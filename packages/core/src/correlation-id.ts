// The correlation id: a unique token the dispatch carries and the target echoes (in its run-name or
// a step name). Matching is by whole token, so `xrd-1` never matches a run carrying `xrd-12`.

/** Characters allowed in a correlation id: safe in a run-name, a step name, a URL and a shell. */
export const CORRELATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** `xrd-` and 16 hex digits from the platform's cryptographic random source. */
export function generateCorrelationId(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return `xrd-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function isValidCorrelationId(id: string): boolean {
  return CORRELATION_ID_PATTERN.test(id);
}

// An id may contain dots (`v1.2`), so a dot is a boundary only where no id character follows it
// (before the match) or precedes it (after): `v1.2` is in "release v1.2." and "(v1.2)", not in
// "release v1.2.3" or "x.v1.2", where it is the start or the end of a longer id.
const CONTINUES_AFTER = /^\.*[A-Za-z0-9_-]/;
const CONTINUES_BEFORE = /[A-Za-z0-9_-]\.*$/;

/** True when `text` contains `id` as a whole token (not as a part of a longer id). */
export function containsCorrelationId(text: string | undefined, id: string): boolean {
  if (!text || !id) return false;
  let from = 0;
  for (;;) {
    const at = text.indexOf(id, from);
    if (at < 0) return false;
    const before = text.slice(0, at);
    const after = text.slice(at + id.length);
    if (!CONTINUES_BEFORE.test(before) && !CONTINUES_AFTER.test(after)) return true;
    from = at + 1;
  }
}
