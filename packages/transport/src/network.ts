// "Was it sent?" — the one rule. A write that failed may still have been applied by the server
// unless the failure proves the request never left this machine: the connection was refused, the
// name did not resolve, the route to the host did not exist, or the TLS handshake failed (the request
// bytes are only sent after it). Everything else (reset, closed socket, a timeout after connecting)
// leaves the write ambiguous (DESIGN.md: a dispatch is never retried blindly).

/** The TLS handshake failed: no request bytes went out, and asking again will not help. */
const TLS_FAILURES = [
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'EPROTO',
];

/** A name that does not resolve or a URL that cannot be used: never sent, and permanent. */
const BAD_ADDRESS = ['ENOTFOUND', 'EAI_NONAME', 'ERR_INVALID_URL', 'UND_ERR_INVALID_ARG'];

/** Error codes that prove the request was never sent. */
const NOT_SENT = new Set([
  ...BAD_ADDRESS,
  ...TLS_FAILURES,
  'ECONNREFUSED',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Failures that will not go away by asking again at once: a name that does not resolve, a bad URL,
 * a certificate or protocol mismatch. A refused connection or a reset may (a restarting server).
 */
const PERMANENT = new Set([...BAD_ADDRESS, ...TLS_FAILURES]);

const TLS = /CERT|SSL|TLS|EPROTO/;

/** Walks an error's `cause` chain (fetch wraps the socket error) for a Node / undici error code. */
export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A request that got no answer: how far it got. */
export class TransportError extends Error {
  /** The Node / undici code, when there is one (`ECONNREFUSED`, `UND_ERR_SOCKET`, …). */
  readonly code: string | undefined;
  /** `no`: it certainly never left this machine; `maybe`: the server may have received it. */
  readonly sent: 'no' | 'maybe';
  /** The transport's own request deadline ended it. */
  readonly timedOut: boolean;
  readonly timeoutMs: number | undefined;

  constructor(
    message: string,
    options: { cause?: unknown; code?: string; timedOut?: boolean; timeoutMs?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.code = options.code;
    this.timedOut = options.timedOut ?? false;
    this.timeoutMs = options.timeoutMs;
    this.sent = !this.timedOut && this.code !== undefined && NOT_SENT.has(this.code) ? 'no' : 'maybe';
  }

  /** Worth asking again (a restarting server, a dropped connection, a slow answer). */
  get transient(): boolean {
    return this.code === undefined || !PERMANENT.has(this.code);
  }

  get tls(): boolean {
    return this.code !== undefined && TLS.test(this.code);
  }
}

/** Finds a TransportError in an error's `cause` chain (Octokit wraps fetch failures in its own). */
export function findTransportError(error: unknown): TransportError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof TransportError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
