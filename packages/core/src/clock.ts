// The forge's clock, read from its answers. Runs are stamped by the forge's clock (`created_at`), the
// dispatch by the client's: a client whose clock is ahead would look for its run in a window that
// starts after the run was created. Every HTTP answer carries the server's clock in its `Date`
// header (RFC 9110 §6.6.1: an origin server with a clock MUST send it; whole seconds), so the
// dispatch answer tells how far apart the two clocks are.

/** The server's clock from a `Date` header (epoch ms, whole seconds), or undefined. */
export function serverTimeOf(header: unknown): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const ms = Date.parse(header);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * When the run of a dispatch sent at client time `dispatchedAt` can have been created, on the forge's
 * clock, at the earliest — the start of the correlation window before its margin. The client's own
 * time unless the forge's clock was behind it when it answered (`clockOffsetMs` < 0): a window is
 * only ever widened by the forge's word, never narrowed (a `Date` is whole seconds).
 */
export function earliestRunTime(receipt: {
  readonly dispatchedAt: number;
  readonly clockOffsetMs?: number | undefined;
}): number {
  return receipt.dispatchedAt + Math.min(0, receipt.clockOffsetMs ?? 0);
}
