// The correlation id: a unique token the dispatch carries and the target echoes (in its run-name or
// a step name). Matching is by whole token, so `xrd-1` never matches a run carrying `xrd-12`.

/** Characters allowed in a correlation id: safe in a run-name, a step name, a URL and a shell. */
export const CORRELATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

// Random bytes are drawn from the platform's cryptographic source a page at a time: one
// `getRandomValues` call costs ≈ 8 µs on Node 24 whatever its size (OpenSSL's per-call overhead),
// and the webhook service makes an id for every dispatch it plans — the same pooling node:crypto's
// `randomUUID` does. Each byte is handed out once.
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let used = 0;
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** `xrd-` and 16 hex digits (64 bits) from the platform's cryptographic random source. */
export function generateCorrelationId(): string {
  if (used + 8 > pool.length) {
    pool = new Uint8Array(POOL_BYTES);
    globalThis.crypto.getRandomValues(pool);
    used = 0;
  }
  let hex = 'xrd-';
  for (let i = used; i < used + 8; i += 1) hex += HEX[pool[i] as number];
  pool.fill(0, used, used + 8);
  used += 8;
  return hex;
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
