// biome-ignore-all lint/suspicious/noExplicitAny: test answers are untyped JSON.
// A webhook receiver on 127.0.0.1 for the tests: records each delivery's headers, raw body and JSON.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call } from './http.js';

export interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: any;
}

let open: Server | undefined;

/** Starts the receiver (one at a time); `closeReceiver` in afterEach stops it. */
export async function startReceiver(status = 200): Promise<{ url: string; got: Received[] }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      got.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(status).end();
    });
  });
  open = server;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

export async function closeReceiver(): Promise<void> {
  const server = open;
  open = undefined;
  if (server) await new Promise<void>((r) => server.close(() => r()));
}

/** Registers a hook on acme/<repo> for these events (the control API's POST /_sim/hooks). */
export function addHook(simUrl: string, repo: string, url: string, events: string[], secret = 's') {
  return call(simUrl, 'POST', '/_sim/hooks', { owner: 'acme', repo, url, secret, events });
}
