import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendDeliveryLoad } from './delivery-load.ts';
import { HOOK_SECRET } from './service-process.ts';

const servers: http.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.close();
    server.closeAllConnections();
  }
});

const template = {
  payload: {
    action: 'opened',
    number: 1,
    pull_request: { number: 1, head: { sha: 'x', ref: 'feature/pr-1' } },
  },
  headers: { 'x-github-event': 'pull_request', 'user-agent': 'GitHub-Hookshot/test' },
};

describe('sendDeliveryLoad (the open-loop generator in its own process)', () => {
  it('sends every delivery signed, for its own PR, at the rate, and reports each answer', async () => {
    const seen: Array<{ id: string; pr: number; signed: boolean }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        const signature = `sha256=${createHmac('sha256', HOOK_SECRET).update(body).digest('hex')}`;
        const payload = JSON.parse(body) as { number: number };
        seen.push({
          id: String(req.headers['x-github-delivery']),
          pr: payload.number,
          signed: req.headers['x-hub-signature-256'] === signature,
        });
        res.writeHead(202).end();
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/gh`;
    const result = await sendDeliveryLoad(
      {
        url,
        template,
        first: 10,
        tag: 't',
        ratePerSecond: 200,
        warmUpMs: 50,
        maxRequests: 40,
        maxMs: 1000,
        maxSockets: 8,
      },
      new AbortController().signal,
    );
    // 10 warm-up deliveries (50 ms at 200/s) and 40 measured, each answered 202.
    expect(result.warmUpRequests).toBe(10);
    expect(result.requests).toBe(40);
    expect(result.byStatus).toEqual({ '202': 40 });
    expect(seen).toHaveLength(50);
    expect(seen.every((s) => s.signed)).toBe(true);
    expect(seen.map((s) => s.pr).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 11 + i));
    expect(new Set(seen.map((s) => s.id)).size).toBe(50);
  });

  it('stops the generator when the signal aborts', async () => {
    const server = http.createServer(() => undefined); // never answers
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/gh`;
    const stop = new AbortController();
    const load = sendDeliveryLoad(
      {
        url,
        template,
        first: 0,
        tag: 'a',
        ratePerSecond: 100,
        warmUpMs: 0,
        maxRequests: 1000,
        maxMs: 10_000,
        maxSockets: 4,
      },
      stop.signal,
    );
    setTimeout(() => stop.abort(), 300);
    await expect(load).rejects.toThrow(/load generator exited/);
  });
});
