import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runLoad, runOpenLoad } from './http-load.ts';

/** Connections a test server saw: opened in all, open now, and most open at once. */
interface Seen {
  total: number;
  open: number;
  maxOpen: number;
}

const servers: net.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.close();
    if (server instanceof http.Server) server.closeAllConnections();
  }
});

function track(server: net.Server): Seen {
  const seen: Seen = { total: 0, open: 0, maxOpen: 0 };
  server.on('connection', (socket: net.Socket) => {
    seen.total += 1;
    seen.open += 1;
    seen.maxOpen = Math.max(seen.maxOpen, seen.open);
    socket.on('close', () => {
      seen.open -= 1;
    });
  });
  return seen;
}

async function listen(server: net.Server): Promise<{ url: string; seen: Seen }> {
  servers.push(server);
  const seen = track(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook?x=1`, seen };
}

/** A raw server: `answer(socket, n)` is called for the n-th request head (from 0) read on any socket. */
function rawServer(answer: (socket: net.Socket, n: number) => void): Promise<{ url: string; seen: Seen }> {
  let n = 0;
  const server = net.createServer((socket) => {
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      for (let end = text.indexOf('\r\n\r\n'); end >= 0; end = text.indexOf('\r\n\r\n')) {
        text = text.slice(end + 4);
        answer(socket, n);
        n += 1;
      }
    });
    socket.on('error', () => {});
  });
  return listen(server);
}

/** The generator closed every socket it opened: the server sees them all closed. */
async function allClosed(seen: Seen): Promise<void> {
  await vi.waitFor(() => expect(seen.open).toBe(0), { timeout: 2000 });
}

const load = { concurrency: 2, maxRequests: 6, maxMs: 4000 };

describe('runLoad on the raw HTTP/1.1 client', () => {
  it('sends the method, path, headers and body, reads content-length answers and counts each status', async () => {
    const { url, seen } = await listen(
      http.createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => {
          body += chunk;
        });
        request.on('end', () => {
          const ok =
            request.method === 'POST' &&
            request.url === '/hook?x=1' &&
            request.headers.host === new URL(url).host &&
            body === `{"n":${request.headers['x-n']}}`;
          response.statusCode = !ok ? 400 : Number(request.headers['x-n']) % 2 === 0 ? 202 : 404;
          response.end(JSON.stringify({ accepted: true }));
        });
      }),
    );
    const result = await runLoad({
      ...load,
      url,
      method: 'POST',
      headers: (i) => ({ 'content-type': 'application/json', 'x-n': String(i) }),
      body: (i) => (i % 2 === 0 ? `{"n":${i}}` : Buffer.from(`{"n":${i}}`)),
    });
    expect(result).toMatchObject({ requests: 6, errors: 0, byStatus: { '202': 3, '404': 3 } });
    expect(result.latencies).toHaveLength(6);
    await allClosed(seen);
  });

  it('reads chunked answers with trailers, and skips a 100 Continue before the answer', async () => {
    const { url, seen } = await listen(
      http.createServer((request, response) => {
        if (request.headers['x-n'] === '1') response.writeContinue();
        response.writeHead(200, { trailer: 'x-sum' });
        response.write('{"parts":');
        response.write('[1,2]}');
        response.addTrailers({ 'x-sum': '3' });
        response.end();
      }),
    );
    const result = await runLoad({ ...load, url, headers: (i) => ({ 'x-n': String(i) }) });
    expect(result).toMatchObject({ requests: 6, errors: 0, byStatus: { '200': 6 } });
    await allClosed(seen);
  });

  it('reads answers that arrive one byte at a time', async () => {
    const answer = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n';
    const { url, seen } = await rawServer(async (socket) => {
      for (const byte of answer) {
        socket.write(byte);
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    const result = await runLoad({ concurrency: 1, maxRequests: 3, maxMs: 4000, url });
    expect(result).toMatchObject({ requests: 3, errors: 0, byStatus: { '200': 3 } });
    await allClosed(seen);
  });

  it('reads several answers joined in one chunk, each for its own request', async () => {
    // The first request gets a 100 Continue, its answer and the answer to the next request in one write.
    const { url, seen } = await rawServer((socket, n) => {
      if (n === 0)
        socket.write(
          'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n',
        );
    });
    const result = await runLoad({ concurrency: 1, maxRequests: 2, maxMs: 4000, url });
    expect(result).toMatchObject({ requests: 2, errors: 0, byStatus: { '201': 1, '202': 1 } });
    await allClosed(seen);
  });

  it('closes a socket after an answer with connection: close and opens another for the next requests', async () => {
    const { url, seen } = await listen(
      http.createServer((request, response) => {
        if (request.headers['x-n'] === '1') response.setHeader('connection', 'close');
        response.end('{}');
      }),
    );
    const result = await runLoad({
      concurrency: 1,
      maxRequests: 4,
      maxMs: 4000,
      url,
      headers: (i) => ({ 'x-n': String(i) }),
    });
    expect(result).toMatchObject({ requests: 4, errors: 0, byStatus: { '200': 4 } });
    expect(seen.total).toBe(2);
    await allClosed(seen);
  });

  it('counts an error for a socket destroyed mid-answer, a read-until-close answer and a malformed one', async () => {
    const { url, seen } = await rawServer((socket, n) => {
      if (n === 0) socket.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc', () => socket.destroy());
      else if (n === 1) socket.write('HTTP/1.1 200 OK\r\n\r\nuntil close');
      else socket.write('HTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    });
    const errors: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const result = await runLoad({ concurrency: 1, maxRequests: 1, maxMs: 4000, url });
      expect(result).toMatchObject({ requests: 0, errors: 1 });
      errors.push(result.firstError ?? '');
    }
    expect(errors[0]).toMatch(/socket closed before the answer ended|ECONNRESET/);
    expect(errors[1]).toMatch(/read-until-close is not supported/);
    expect(errors[2]).toMatch(/malformed answer: status line/);
    await allClosed(seen);
  });

  it('keeps `concurrency` requests in flight on `concurrency` connections', async () => {
    // Answers are held until three requests wait: fewer workers would never get an answer.
    const held: http.ServerResponse[] = [];
    const { url, seen } = await listen(
      http.createServer((_request, response) => {
        held.push(response);
        if (held.length === 3) for (const r of held.splice(0)) r.end('{}');
      }),
    );
    const result = await runLoad({ concurrency: 3, maxRequests: 9, maxMs: 4000, url });
    expect(result).toMatchObject({ requests: 9, errors: 0, byStatus: { '200': 9 } });
    expect(seen.total).toBe(3);
    await allClosed(seen);
  });
});

describe('runOpenLoad on the raw HTTP/1.1 client', () => {
  it('never opens more than maxSockets connections; the requests beyond wait for a socket', async () => {
    // Each answer is held 250 ms, so the six requests due in the first 6 ms outnumber the two sockets
    // (unless the generator were 250 ms late: a margin for a loaded machine).
    const { url, seen } = await listen(
      http.createServer((_request, response) => {
        setTimeout(() => response.end('{}'), 250);
      }),
    );
    const result = await runOpenLoad({
      url,
      ratePerSecond: 1000,
      maxRequests: 6,
      maxMs: 1000,
      maxSockets: 2,
    });
    expect(result).toMatchObject({ sent: 6, requests: 6, errors: 0, byStatus: { '200': 6 } });
    expect(seen.maxOpen).toBeLessThanOrEqual(2);
    expect(result.socketWaits).toBeGreaterThan(0);
    await allClosed(seen);
  });

  it('destroys the requests still unanswered after the drain and counts them as errors', async () => {
    const { url, seen } = await listen(
      http.createServer((request, response) => {
        if (Number(request.headers['x-n']) < 2) response.end('{}');
      }),
    );
    const result = await runOpenLoad({
      url,
      ratePerSecond: 100,
      maxRequests: 4,
      maxMs: 1000,
      maxSockets: 4,
      drainMs: 100,
      headers: (i) => ({ 'x-n': String(i) }),
    });
    expect(result).toMatchObject({ sent: 4, requests: 2, errors: 2, byStatus: { '200': 2 } });
    expect(result.firstError).toBe('no answer within 100 ms of the last send');
    await allClosed(seen);
  });
});
