import { getEventListeners } from 'node:events';
import { createServer } from 'node:net';
import type { CallContext, RequestRecord } from '@xrd/core';
import { createVirtualClock } from '@xrd/core/testing';
import { describe, expect, it } from 'vitest';
import { classifyAnswer, classifyFailure, failureError } from './classify.js';
import { TransportError } from './network.js';
import { rateLimitInfo, retryAtOf } from './rate-limit.js';
import { createTransport, type HttpRequest, readBytes } from './transport.js';

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

/** A fetch that answers from a script and records what it was asked. */
function scripted(replies: Reply[] | ((n: number) => Reply)) {
  const calls: Array<{ url: string; method: string; headers: Headers; body?: string }> = [];
  const mock = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const n = calls.length;
    calls.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
    });
    const reply = typeof replies === 'function' ? replies(n) : (replies[n] ?? replies.at(-1));
    if (!reply) throw new Error('no reply scripted');
    if (reply instanceof Error) throw reply;
    const body =
      reply.body === undefined
        ? null
        : typeof reply.body === 'string'
          ? reply.body
          : JSON.stringify(reply.body);
    return new Response(reply.status === 304 ? null : body, {
      status: reply.status,
      ...(reply.headers ? { headers: reply.headers } : {}),
    });
  }) as typeof globalThis.fetch;
  return { fetch: mock, calls };
}

function context(extra: Partial<CallContext> = {}) {
  const clock = createVirtualClock();
  const records: RequestRecord[] = [];
  const debug: string[] = [];
  const ctx: CallContext = {
    now: clock.now,
    sleep: clock.sleep,
    meter: { record: (r) => records.push(r) },
    debug: (m) => debug.push(m),
    ...extra,
  };
  return { clock, ctx, records, debug };
}

const GET: HttpRequest = {
  method: 'GET',
  url: 'https://forge.test/api/runs/1',
  route: 'GET /runs/{id}',
  retry: 'safe',
};
const POST: HttpRequest = {
  method: 'POST',
  url: 'https://forge.test/api/dispatches',
  route: 'POST /dispatches',
  retry: 'never',
  body: '{}',
};

const refused = () =>
  Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
  });
const reset = () =>
  Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' }),
  });

describe('one retry owner', () => {
  it('a read against a server that answers 502 forever sends 4 requests, then gives the 502 back', async () => {
    const { fetch, calls } = scripted([{ status: 502, body: { message: 'Bad Gateway' } }]);
    const { ctx, clock, debug } = context();
    const t0 = clock.now();
    const response = await createTransport({ fetch }).send(GET, ctx);
    expect(response.status).toBe(502);
    expect(calls).toHaveLength(4);
    // Backoff 1 s, 2 s, 4 s on the virtual clock.
    expect(clock.now() - t0).toBe(7_000);
    expect(debug[0]).toBe('GET /runs/{id} answered 502; retry 1 of 3 in 1000 ms.');
  });

  it('a dispatch (never) is sent once, whatever the answer', async () => {
    const { fetch, calls } = scripted([{ status: 502 }]);
    const response = await createTransport({ fetch }).send(POST, context().ctx);
    expect(response.status).toBe(502);
    expect(calls).toHaveLength(1);
  });

  it('a dispatch whose connection breaks is not sent again, and says it may have been received', async () => {
    const { fetch, calls } = scripted([reset()]);
    const error = await createTransport({ fetch })
      .send(POST, context().ctx)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).sent).toBe('maybe');
    expect(calls).toHaveLength(1);
  });

  it('honours retry-after and stops at the caller deadline', async () => {
    const { fetch, calls } = scripted([{ status: 503, headers: { 'retry-after': '5' } }]);
    const { ctx, clock } = context();
    const start = clock.now();
    const response = await createTransport({ fetch }).send(GET, { ...ctx, deadline: start + 12_000 });
    expect(response.status).toBe(503);
    // 0 s, 5 s, 10 s; a third retry at 15 s would pass the deadline.
    expect(calls).toHaveLength(3);
    expect(clock.now() - start).toBe(10_000);
  });

  it('waits out a primary rate limit until its reset when that is within maxWaitMs', async () => {
    const { ctx, clock } = context();
    const reset = Math.floor(clock.now() / 1000) + 30;
    const { fetch, calls } = scripted([
      {
        status: 403,
        body: { message: 'API rate limit exceeded' },
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      },
      { status: 200, body: { id: 1 } },
    ]);
    const response = await createTransport({ fetch }).send(GET, ctx);
    expect(response.status).toBe(200);
    expect(calls).toHaveLength(2);
    expect(clock.now()).toBe(reset * 1000);
  });

  it("reads the reset on the forge's clock (its Date) when this machine's runs 10 minutes ahead", async () => {
    const { ctx, clock, records } = context();
    // The forge's clock is 10 minutes behind: its reset, 30 s away for it, is 9.5 minutes in the past here.
    const forgeNow = clock.now() - 600_000;
    const headers = {
      date: new Date(forgeNow).toUTCString(),
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.floor(forgeNow / 1000) + 30),
    };
    const { fetch, calls } = scripted([
      { status: 403, body: { message: 'API rate limit exceeded' }, headers },
      { status: 200, body: { id: 1 } },
    ]);
    const start = clock.now();
    const response = await createTransport({ fetch }).send(GET, ctx);
    expect(response.status).toBe(200);
    expect(calls).toHaveLength(2);
    // Waited the 30 s the forge meant, not 0 (a reset taken as past) — as the meter's record says.
    expect(clock.now() - start).toBe(30_000);
    expect(records[0]?.rateLimit?.resetAt).toBe(start + 30_000);
  });

  it('takes clocks within a few seconds as one (a Date is whole seconds)', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0, 900);
    const headers = {
      date: new Date(now - 2_000).toUTCString(),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(now / 1000 + 60),
    };
    expect(retryAtOf('primary', headers, now)).toBe(now + 60_000);
    expect(rateLimitInfo(headers, now)?.resetAt).toBe(now + 60_000);
  });

  it('gives a rate limit back at once when its reset is beyond maxWaitMs', async () => {
    const { ctx, clock } = context();
    const { fetch, calls } = scripted([{ status: 429, headers: { 'retry-after': '3600' } }]);
    const response = await createTransport({ fetch }).send(GET, ctx);
    expect(response.status).toBe(429);
    expect(calls).toHaveLength(1);
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1));
  });

  it('retries a comment POST (rejections-only) after a rate limit, not after a 502', async () => {
    const limited = scripted([
      {
        status: 403,
        body: { message: 'You have exceeded a secondary rate limit' },
        headers: { 'retry-after': '1' },
      },
      { status: 201 },
    ]);
    const comment = { ...POST, retry: 'rejections-only' as const };
    expect((await createTransport({ fetch: limited.fetch }).send(comment, context().ctx)).status).toBe(201);
    expect(limited.calls).toHaveLength(2);
    const broken = scripted([{ status: 502 }, { status: 201 }]);
    expect((await createTransport({ fetch: broken.fetch }).send(comment, context().ctx)).status).toBe(502);
    expect(broken.calls).toHaveLength(1);
  });

  it('retries a refused connection for a read, not a name that does not resolve', async () => {
    const down = scripted([refused(), refused(), { status: 200, body: {} }]);
    expect((await createTransport({ fetch: down.fetch }).send(GET, context().ctx)).status).toBe(200);
    expect(down.calls).toHaveLength(3);
    const dns = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }),
    });
    const nowhere = scripted([dns]);
    const error = await createTransport({ fetch: nowhere.fetch })
      .send(GET, context().ctx)
      .catch((e: unknown) => e);
    expect((error as TransportError).sent).toBe('no');
    expect(nowhere.calls).toHaveLength(1);
  });
});

describe('conditional reads and metering', () => {
  it('sends the ETag, answers a 304 from the cache as a 200, and records it as free', async () => {
    const { fetch, calls } = scripted([
      {
        status: 200,
        body: { id: 1, status: 'queued' },
        headers: {
          etag: '"v1"',
          'x-ratelimit-remaining': '4999',
          'x-ratelimit-limit': '5000',
          'x-ratelimit-reset': '1767229200',
        },
      },
      {
        status: 304,
        headers: {
          etag: '"v1"',
          'x-ratelimit-remaining': '4998',
          'x-ratelimit-limit': '5000',
          'x-ratelimit-reset': '1767229200',
        },
      },
    ]);
    const { ctx, records } = context();
    const t = createTransport({ fetch });
    await t.send(GET, ctx);
    const second = await t.send(GET, ctx);
    expect(calls[1]?.headers.get('if-none-match')).toBe('"v1"');
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ id: 1, status: 'queued' });
    expect(second.headers.get('x-ratelimit-remaining')).toBe('4998');
    expect(records.map((r) => [r.status, r.counted, r.notModified])).toEqual([
      [200, true, false],
      [304, false, true],
    ]);
    expect(records[1]?.rateLimit).toEqual({ limit: 5000, remaining: 4998, resetAt: 1767229200_000 });
  });

  it('keeps at most cacheSize URLs', async () => {
    const { fetch, calls } = scripted(() => ({ status: 200, body: {}, headers: { etag: '"e"' } }));
    const t = createTransport({ fetch, cacheSize: 2 });
    const { ctx } = context();
    for (const id of [1, 2, 3, 1]) await t.send({ ...GET, url: `https://forge.test/runs/${id}` }, ctx);
    // Run 1 was the oldest entry when run 3 came in: it was dropped, so no ETag is sent for it.
    expect(calls[3]?.headers.get('if-none-match')).toBeNull();
  });
});

describe('deadlines', () => {
  it('ends a request the server never answers after requestTimeoutMs, as a maybe-sent timeout', async () => {
    const server = createServer(() => {
      /* accept and never answer */
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const t = createTransport({ requestTimeoutMs: 200, retry: { retries: 0 } });
      const error = await t.send({ ...POST, url: `http://127.0.0.1:${port}/x` }, {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransportError);
      expect((error as TransportError).timedOut).toBe(true);
      expect(classifyFailure(error, { kind: 'dispatch', write: true })).toMatchObject({
        situation: 'timeout',
        code: 'FORGE_HTTP',
        ambiguous: true,
      });
    } finally {
      server.close();
    }
  });

  it('ends each request deadline with the request: nothing stays attached once the body is read', async () => {
    // A long-lived caller signal (a webhook service's) must not collect a listener per request.
    const fetch = (async () =>
      new Response(JSON.stringify({ id: 1 }), { status: 200 })) as typeof globalThis.fetch;
    const t = createTransport({ fetch, requestTimeoutMs: 60_000 });
    const caller = new AbortController();
    for (let i = 0; i < 50; i++) {
      await (await t.send({ ...GET, url: `${GET.url}?n=${i}` }, { signal: caller.signal })).json();
    }
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('holds the deadline over the body: a body that stops coming is cut at requestTimeoutMs', async () => {
    const fetch = (async (_input: unknown, init?: RequestInit) => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"partial":'));
          init?.signal?.addEventListener('abort', () => controller.error(init.signal?.reason));
        },
      });
      return new Response(body, { status: 200 });
    }) as typeof globalThis.fetch;
    const response = await createTransport({ fetch, requestTimeoutMs: 100 }).send(GET, {});
    await expect(response.text()).rejects.toThrow('no complete answer within 100 ms');
  });

  it('spaces the starts of writes by minWriteIntervalMs', async () => {
    const { ctx, clock } = context();
    const starts: number[] = [];
    const fetch = (async () => {
      starts.push(clock.now());
      return new Response(null, { status: 204 });
    }) as typeof globalThis.fetch;
    const t = createTransport({ fetch, minWriteIntervalMs: 1_000 });
    await Promise.all([t.send(POST, ctx), t.send(POST, ctx), t.send(POST, ctx)]);
    expect(starts.map((s) => s - starts[0]!)).toEqual([0, 1_000, 2_000]);
  });
});

describe('one classification', () => {
  const now = Date.UTC(2026, 0, 1);
  const dispatch = { kind: 'dispatch', write: true } as const;
  const read = { kind: 'run', write: false } as const;

  it.each([
    [401, {}, undefined, 'AUTH'],
    [403, {}, 'Resource not accessible by personal access token', 'AUTH'],
    [403, { 'x-ratelimit-remaining': '0' }, 'API rate limit exceeded', 'RATE_LIMITED'],
    [403, { 'retry-after': '30' }, 'forbidden', 'RATE_LIMITED'],
    [403, {}, 'You have exceeded a secondary rate limit', 'RATE_LIMITED'],
    [429, {}, undefined, 'RATE_LIMITED'],
    [404, {}, 'Not Found', 'DISPATCH_REJECTED'],
    [422, {}, 'No ref found for: nope', 'DISPATCH_REJECTED'],
    [502, {}, 'Bad Gateway', 'FORGE_HTTP'],
  ] as const)('dispatch answered %i %j %s → %s', (status, headers, message, code) => {
    expect(classifyAnswer({ status, headers, ...(message ? { message } : {}) }, dispatch, now).code).toBe(
      code,
    );
  });

  it('a 404 on a run read is RUN_NOT_FOUND; a 5xx on a write is ambiguous, on a read it is not', () => {
    expect(classifyAnswer({ status: 404 }, read, now).code).toBe('RUN_NOT_FOUND');
    expect(classifyAnswer({ status: 500 }, dispatch, now).ambiguous).toBe(true);
    expect(classifyAnswer({ status: 500 }, read, now).ambiguous).toBe(false);
  });

  it('a refused connection or a TLS failure was never sent; a reset may have been', () => {
    const tls = new TransportError('fetch failed', { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    expect(classifyFailure(tls, dispatch)).toMatchObject({
      situation: 'unreachable',
      ambiguous: false,
      tls: true,
    });
    expect(classifyFailure(new TransportError('x', { code: 'EHOSTUNREACH' }), dispatch).ambiguous).toBe(
      false,
    );
    expect(classifyFailure(new TransportError('x', { code: 'ECONNRESET' }), dispatch).ambiguous).toBe(true);
  });

  it('messages name the forge and the URL, never a secret', () => {
    const error = failureError(new TransportError('fetch failed', { code: 'ECONNREFUSED' }), dispatch, {
      forge: 'Gitea',
      apiUrl: 'https://git.example.com/api/v1',
      action: 'dispatch build.yml with token s3cr3t-token',
      secrets: ['s3cr3t-token'],
    });
    expect(error.code).toBe('FORGE_HTTP');
    expect(error.message).toBe(
      'Could not reach Gitea at https://git.example.com/api/v1 to dispatch build.yml with token *** (ECONNREFUSED); check the API URL and the network.',
    );
  });
});

describe('downloads (a redirect target in blob storage)', () => {
  const tooLarge = (limit: number) => new Error(`over ${limit}`);

  it('are sent without credentials or ETags, recorded as not counted, and answer bytes', async () => {
    const { fetch, calls } = scripted([{ status: 200, body: 'PK zip bytes', headers: { etag: 'W/"1"' } }]);
    const transport = createTransport({ fetch });
    const { ctx, records } = context();
    const url = 'https://blob.test/artifact.zip?sig=abc';
    const first = await transport.download(url, { retry: 'safe' }, ctx);
    // A second download of the same URL is not made conditional by an ETag the first one carried.
    await transport.download(url, { retry: 'safe' }, ctx);
    expect(first.status).toBe(200);
    expect(Buffer.from(first.body).toString()).toBe('PK zip bytes');
    expect(calls.map((c) => [c.headers.get('authorization'), c.headers.get('if-none-match')])).toEqual([
      [null, null],
      [null, null],
    ]);
    expect(records.map((r) => [r.route, r.counted])).toEqual([
      ['GET (blob storage download)', false],
      ['GET (blob storage download)', false],
    ]);
  });

  it('stop at the size limit: a declared length beyond it, or a body that grows beyond it', async () => {
    const big = 'x'.repeat(5000);
    const { fetch } = scripted([
      { status: 200, body: big },
      { status: 200, body: big, headers: { 'content-length': '5000' } },
    ]);
    const transport = createTransport({ fetch });
    await expect(
      transport.download('https://blob.test/a', { retry: 'safe', maxBytes: 4999, tooLarge }, {}),
    ).rejects.toThrow('over 4999');
    await expect(
      transport.download('https://blob.test/a', { retry: 'safe', maxBytes: 100, tooLarge }, {}),
    ).rejects.toThrow('over 100');
    const { fetch: exact } = scripted([{ status: 200, body: big }]);
    const got = await createTransport({ fetch: exact }).download('https://blob.test/a', {
      retry: 'safe',
      maxBytes: 5000,
      tooLarge,
    });
    expect(got.body.byteLength).toBe(5000);
  });

  it('readBytes cancels the stream it stops reading', async () => {
    let pulled = 0;
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1000));
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(readBytes(new Response(stream), 2500, tooLarge)).rejects.toThrow('over 2500');
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(6);
  });
});
