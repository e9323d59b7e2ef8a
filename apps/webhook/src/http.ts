// The HTTP face of the service: webhook intake and the operations endpoints.
// Intake order matters: size limit → signature on the raw bytes → only then parse and look at
// anything the sender controls. A delivery is stored before the 202, so an acknowledged delivery is
// never lost; forges give a hook 10 s to answer (GitHub: "respond within 10 seconds"), and storing
// one row takes well under that.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ForgeConfig, ServiceConfig } from './config.js';
import { deliveryId, eventName, normaliseEvent } from './events.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { isKnownRepo, matchRoutes } from './plan.js';
import { verifySignature } from './signature.js';
import type { Store } from './store/types.js';
import type { StoredEvent } from './worker.js';

export interface HttpOptions {
  readonly config: ServiceConfig;
  readonly store: Store;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Called after a delivery is stored, to wake the worker. */
  readonly onStored: () => void;
  /** False while starting or draining: /readyz answers 503. */
  readonly ready: () => boolean;
  /** Gauges refreshed at scrape time. */
  readonly beforeMetrics?: () => Promise<void>;
}

type Answer = { status: number; body: Record<string, unknown> };

function send(
  res: ServerResponse,
  status: number,
  body: Record<string, unknown> | string,
  type = 'application/json',
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

class TooLarge extends Error {}

/** The client went away before its body was complete (a timeout on its side, a cancelled upload). */
class ClientAborted extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new TooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    // Node reports an upload cut short as an `aborted` error (ECONNRESET) and closes the request
    // before `end`: the client gave up, the store was never involved.
    req.on('error', (error) => reject(new ClientAborted(error.message)));
    req.on('close', () => {
      if (!req.complete) reject(new ClientAborted('connection closed before the body was complete'));
    });
  });
}

/** Gitea can be set to send `application/x-www-form-urlencoded` with the JSON in `payload`. */
function jsonText(req: IncomingMessage, body: Buffer): string {
  const type = String(req.headers['content-type'] ?? '');
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return new URLSearchParams(body.toString('utf8')).get('payload') ?? '';
  }
  return body.toString('utf8');
}

/** The events the service knows, as metric labels; any other header value is `other`. */
const EVENT_LABELS = new Set([
  'pull_request',
  'push',
  'workflow_run',
  'workflow_job',
  'ping',
  // Forgejo's run events (events.ts).
  'action_run_success',
  'action_run_failure',
  'action_run_recover',
]);

export function eventLabel(name: string | undefined): string {
  if (name === undefined) return 'none';
  return EVENT_LABELS.has(name) ? name : 'other';
}

export function createHandler(o: HttpOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const forges = new Map(o.config.forges.map((f) => [f.name, f]));

  async function intake(req: IncomingMessage, forge: ForgeConfig): Promise<Answer> {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > o.config.maxBodyBytes) {
      req.resume();
      return { status: 413, body: { error: `body larger than ${o.config.maxBodyBytes} bytes` } };
    }
    let body: Buffer;
    try {
      body = await readBody(req, o.config.maxBodyBytes);
    } catch (error) {
      if (error instanceof TooLarge) {
        return { status: 413, body: { error: `body larger than ${o.config.maxBodyBytes} bytes` } };
      }
      throw error;
    }
    if (!verifySignature(forge.kind, forge.webhookSecret, body, req.headers)) {
      return { status: 401, body: { error: 'signature missing or invalid' } };
    }
    const event = eventName(req.headers);
    if (event === 'ping') return { status: 200, body: { status: 'pong' } };
    const id = deliveryId(req.headers);
    if (!id)
      return { status: 400, body: { error: 'no delivery id header (X-GitHub-Delivery / X-Gitea-Delivery)' } };
    // Forges send a GUID (GitHub) or a UUID (Gitea); the id becomes the store's key.
    if (!/^[A-Za-z0-9._:-]{1,128}$/.test(id))
      return {
        status: 400,
        body: { error: 'the delivery id header is not a GUID (at most 128 characters)' },
      };
    let payload: unknown;
    try {
      payload = JSON.parse(jsonText(req, body));
    } catch {
      return { status: 400, body: { error: 'body is not valid JSON' } };
    }
    const normalised = normaliseEvent(forge.kind, event, payload);
    if ('invalid' in normalised) return { status: 400, body: { error: normalised.invalid } };
    if ('ignored' in normalised)
      return { status: 202, body: { status: 'ignored', reason: normalised.ignored } };
    if (normalised.type === 'workflow_run') {
      if (!isKnownRepo(o.config, forge.name, normalised.repo, 'target')) {
        return { status: 202, body: { status: 'ignored', reason: 'not a target repository of any route' } };
      }
    } else if (matchRoutes(o.config, forge.name, normalised).length === 0) {
      return { status: 202, body: { status: 'ignored', reason: 'no route for this repository and event' } };
    }
    const receivedAt = Date.now();
    const stored: StoredEvent = { event: normalised, eventAt: receivedAt };
    const fresh = await o.store.insertDelivery({
      id: `${forge.name}:${id}`,
      forge: forge.name,
      event: normalised.type,
      payload: JSON.stringify(stored),
      receivedAt,
    });
    if (fresh) o.onStored();
    return { status: 202, body: { status: fresh ? 'accepted' : 'duplicate', delivery: id } };
  }

  return (req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (req.method === 'POST' && path.startsWith('/hooks/')) {
      const forge = forges.get(path.slice('/hooks/'.length));
      if (!forge) {
        req.resume();
        send(res, 404, { error: 'no forge with that name in the config' });
        return;
      }
      // Metric labels come from closed sets only: the event name is the sender's header, and an
      // unsigned sender must not be able to create series (or memory) with it.
      const event = eventLabel(eventName(req.headers));
      intake(req, forge)
        .then(({ status, body }) => {
          const result = status === 202 ? String(body.status) : `http_${status}`;
          o.metrics.deliveries.inc({ forge: forge.name, event, result });
          if (status >= 400) {
            o.logger.warn('delivery refused', { forge: forge.name, status, reason: body.error });
          } else {
            o.logger.debug('delivery', { forge: forge.name, result, delivery: body.delivery });
          }
          if (status === 413) res.setHeader('connection', 'close');
          send(res, status, body);
          o.metrics.ackSeconds.observe((performance.now() - started) / 1000);
        })
        .catch((error) => {
          if (error instanceof ClientAborted) {
            // Nothing to answer and nothing lost: the forge redelivers what it did not get through.
            o.logger.info('delivery upload aborted by the client; nothing stored', {
              forge: forge.name,
              reason: error.message,
            });
            o.metrics.deliveries.inc({ forge: forge.name, event, result: 'aborted' });
            return;
          }
          // The store failed: the forge sees a 503 and can redeliver; nothing was acknowledged.
          o.logger.error('delivery could not be stored', { forge: forge.name, error });
          o.metrics.deliveries.inc({ forge: forge.name, event, result: 'error' });
          if (!res.headersSent) send(res, 503, { error: 'delivery could not be stored; retry' });
        });
      return;
    }
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/readyz') {
      if (!o.ready()) return send(res, 503, { status: 'not ready' });
      o.store
        .ping()
        .then(() => send(res, 200, { status: 'ready', store: o.store.kind }))
        .catch(() => send(res, 503, { status: 'store unreachable' }));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      (o.beforeMetrics?.() ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => send(res, 200, o.metrics.render(), 'text/plain; version=0.0.4; charset=utf-8'));
      return;
    }
    req.resume();
    send(res, 404, { error: 'not found' });
  };
}
