// Webhook signatures, checked on the raw body before anything else is looked at.
// GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`
//   (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries).
// Gitea/Forgejo: `X-Gitea-Signature: <bare hex>` (Forgejo also `X-Forgejo-Signature`), and since
//   Gitea 1.19 `X-Hub-Signature-256` as on GitHub (services/webhook/deliver.go).
// The comparison is timing-safe so a forger learns nothing from response times.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ForgeKind } from '@xrd/core';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The hex HMAC-SHA256 of `body` under `secret`. */
export function signBody(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function hexEqual(expectedHex: string, givenHex: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(givenHex)) return false;
  const a = Buffer.from(expectedHex, 'hex');
  const b = Buffer.from(givenHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * True when the delivery carries a valid signature of `body` for `secret`. GitHub deliveries must
 * carry `X-Hub-Signature-256`; Gitea and Forgejo deliveries may carry either form (any present one
 * must be valid). Header names are lower-case, as node:http gives them.
 */
export function verifySignature(kind: ForgeKind, secret: string, body: Buffer, headers: Headers): boolean {
  const expected = signBody(secret, body);
  const hub = header(headers, 'x-hub-signature-256');
  const candidates: string[] = [];
  if (hub !== undefined) {
    if (!hub.startsWith('sha256=')) return false;
    candidates.push(hub.slice('sha256='.length));
  }
  if (kind !== 'github') {
    for (const name of ['x-gitea-signature', 'x-forgejo-signature']) {
      const value = header(headers, name);
      if (value !== undefined) candidates.push(value);
    }
  }
  if (candidates.length === 0) return false;
  // Every signature present must match: a forged header next to a valid one is still a forgery.
  return candidates.every((c) => hexEqual(expected, c.trim()));
}
