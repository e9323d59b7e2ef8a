// A small HTTP load generator on keep-alive sockets, in two modes:
// - closed loop (`runLoad`): `concurrency` workers each send the next request as soon as the
//   previous answer is read, until `maxRequests` or `maxMs`. At saturation its latency is mostly
//   the queue the workers themselves keep full (latency ≈ concurrency / throughput).
// - open loop (`runOpenLoad`): request i is due at t0 + i / rate whatever the earlier answers, as
//   webhooks from a forge arrive; its latency counts from that due time, so time spent waiting for
//   a socket or for the generator itself is in it (no coordinated omission), and the generator's
//   own lateness is reported beside it.
//
// The client is a raw HTTP/1.1 one on `node:net` keep-alive sockets, not `node:http`: the generator
// shares the machine's cores with the service it measures, and every microsecond it spends per
// request is taken from the service and makes it send late (with node:http, lag p99 ~8 ms at 1,000/s
// beside the webhook service). Open loop, 1,000/s for 5 s against a trivial local server answering
// 202 (2 cores, generator CPU from process.cpuUsage): node:http 245 µs of CPU per request, this
// client 132 µs. It speaks only what the bench needs: one request at a time per socket, answers
// framed by content-length or chunked (read-until-close fails the request), 1xx answers skipped.
import net from 'node:net';
import { percentile } from './stats.ts';

export interface LoadOptions {
  readonly url: string;
  readonly method?: string;
  readonly headers?: (index: number) => Record<string, string>;
  readonly body?: (index: number) => string | Buffer;
  readonly concurrency: number;
  readonly maxRequests: number;
  readonly maxMs: number;
  readonly signal?: AbortSignal;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly byStatus: Record<string, number>;
  readonly elapsedMs: number;
  readonly perSecond: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly firstError?: string;
  /** Every request's latency in ms, for pooling several generators' percentiles. */
  readonly latencies: readonly number[];
}

/** A request handed to the caller: `destroy` fails it (onError) and destroys its socket, if it has one. */
interface SentRequest {
  destroy(error: Error): void;
}

interface Pending extends SentRequest {
  readonly bytes: Buffer;
  readonly onEnd: (status: number) => void;
  readonly onError: (message: string) => void;
  connection: Connection | undefined;
  finished: boolean;
}

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
/** An answer's head longer than this without its blank line is taken as malformed. */
const MAX_HEAD = 64 * 1024;

/**
 * One keep-alive socket and the parser of its answers, one request at a time. The parser keeps the
 * unread bytes, so an answer split over many TCP chunks, or several answers in one, read the same.
 */
class Connection {
  readonly socket: net.Socket;
  request: Pending | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private phase: 'head' | 'body' | 'size' | 'data' | 'dataEnd' | 'trailer' = 'head';
  private status = 0;
  private remaining = 0;
  private closeAfter = false;
  private socketError: string | undefined;
  private readonly pool: Pool;

  constructor(pool: Pool, port: number, host: string) {
    this.pool = pool;
    this.socket = net.connect({ port, host });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.parse();
    });
    this.socket.on('error', (error) => {
      this.socketError ??= error.message;
    });
    this.socket.on('close', () => {
      const request = this.request;
      this.request = undefined;
      this.pool.closed(this);
      if (request)
        this.pool.finish(request, undefined, this.socketError ?? 'socket closed before the answer ended');
    });
  }

  /** Sends `request` on this socket; bytes already read (an early answer) are parsed on the next tick. */
  start(request: Pending): void {
    this.request = request;
    request.connection = this;
    this.socket.write(request.bytes);
    if (this.buffered.length > 0) queueMicrotask(() => this.parse());
  }

  private fail(message: string): void {
    const request = this.request;
    this.request = undefined;
    this.socket.destroy();
    if (request) this.pool.finish(request, undefined, message);
  }

  private parse(): void {
    while (this.request) {
      const buffered = this.buffered;
      if (this.phase === 'head') {
        const end = buffered.indexOf(HEAD_END);
        if (end < 0) {
          if (buffered.length > MAX_HEAD) this.fail(`malformed answer: no end of head in ${MAX_HEAD} bytes`);
          return;
        }
        const lines = buffered.toString('latin1', 0, end).split('\r\n');
        this.buffered = buffered.subarray(end + 4);
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
        if (!status) {
          this.fail(`malformed answer: status line ${JSON.stringify(lines[0])}`);
          return;
        }
        this.status = Number(status[1]);
        // A 1xx answer (100 Continue) is an interim one: the real answer follows it.
        if (this.status < 200) continue;
        let length: number | undefined;
        let chunked = false;
        this.closeAfter = false;
        for (let i = 1; i < lines.length; i += 1) {
          const line = lines[i] as string;
          const colon = line.indexOf(':');
          if (colon <= 0) {
            this.fail(`malformed answer: header line ${JSON.stringify(line)}`);
            return;
          }
          const name = line.slice(0, colon).trim().toLowerCase();
          const value = line
            .slice(colon + 1)
            .trim()
            .toLowerCase();
          if (name === 'content-length') {
            length = /^\d+$/.test(value) ? Number(value) : Number.NaN;
            if (Number.isNaN(length)) {
              this.fail(`malformed answer: content-length ${value}`);
              return;
            }
          } else if (name === 'transfer-encoding')
            chunked = value.split(',').some((v) => v.trim() === 'chunked');
          else if (name === 'connection')
            this.closeAfter = value.split(',').some((v) => v.trim() === 'close');
        }
        if (chunked) this.phase = 'size';
        else if (length !== undefined) {
          this.phase = 'body';
          this.remaining = length;
        } else if (this.status === 204 || this.status === 304) {
          this.phase = 'body';
          this.remaining = 0;
        } else {
          this.fail('answer without content-length or chunked encoding (read-until-close is not supported)');
          return;
        }
      } else if (this.phase === 'body' || this.phase === 'data') {
        const take = Math.min(this.remaining, buffered.length);
        this.remaining -= take;
        this.buffered = buffered.subarray(take);
        if (this.remaining > 0) return;
        if (this.phase === 'body') this.complete();
        else this.phase = 'dataEnd';
      } else {
        const end = buffered.indexOf(CRLF);
        if (end < 0) {
          if (buffered.length > MAX_HEAD) this.fail('malformed answer: chunked framing line too long');
          return;
        }
        const line = buffered.toString('latin1', 0, end);
        this.buffered = buffered.subarray(end + 2);
        if (this.phase === 'dataEnd') {
          if (line !== '') {
            this.fail('malformed answer: chunk data not followed by CRLF');
            return;
          }
          this.phase = 'size';
        } else if (this.phase === 'size') {
          const size = /^[0-9a-fA-F]+/.exec(line);
          if (!size) {
            this.fail(`malformed answer: chunk size ${JSON.stringify(line)}`);
            return;
          }
          this.remaining = Number.parseInt(size[0], 16);
          this.phase = this.remaining === 0 ? 'trailer' : 'data';
        } else if (line === '') this.complete(); // the blank line after the trailers (skipped)
      }
    }
  }

  private complete(): void {
    const request = this.request as Pending;
    this.request = undefined;
    this.phase = 'head';
    if (this.closeAfter) this.socket.destroy();
    else this.pool.release(this);
    this.pool.finish(request, this.status, undefined);
  }
}

/**
 * The sockets of one run to one host:port: at most `max`; a request takes an idle socket, else opens
 * one below the cap, else waits in a FIFO queue until a socket is free.
 */
class Pool {
  private readonly idle: Connection[] = [];
  private readonly open = new Set<Connection>();
  private readonly queue: Pending[] = [];
  private readonly host: string;
  private readonly port: number;
  private readonly max: number;

  constructor(target: URL, max: number) {
    this.max = max;
    this.host = target.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(target.port || 80);
  }

  request(bytes: Buffer, onEnd: (status: number) => void, onError: (message: string) => void): SentRequest {
    const pending: Pending = {
      bytes,
      onEnd,
      onError,
      connection: undefined,
      finished: false,
      destroy: (error) => {
        if (pending.finished) return;
        if (pending.connection) pending.connection.socket.destroy();
        else this.queue.splice(this.queue.indexOf(pending), 1);
        this.finish(pending, undefined, error.message);
      },
    };
    this.queue.push(pending);
    this.dispatch();
    return pending;
  }

  /** Hands queued requests to idle sockets, or to new ones below the cap. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let connection = this.idle.pop();
      if (!connection) {
        if (this.open.size >= this.max) return;
        connection = new Connection(this, this.port, this.host);
        this.open.add(connection);
      }
      connection.start(this.queue.shift() as Pending);
    }
  }

  release(connection: Connection): void {
    this.idle.push(connection);
    this.dispatch();
  }

  closed(connection: Connection): void {
    this.open.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    this.dispatch();
  }

  finish(request: Pending, status: number | undefined, error: string | undefined): void {
    if (request.finished) return;
    request.finished = true;
    if (error !== undefined) request.onError(error);
    else request.onEnd(status as number);
  }

  /** Destroys every socket (the run is over), so nothing keeps the process alive. */
  close(): void {
    for (const request of this.queue.splice(0)) this.finish(request, undefined, 'the run ended');
    for (const connection of [...this.open]) connection.socket.destroy();
  }
}

/**
 * One request of `options` (index i's headers and body) on `pool`, written with one socket write;
 * `onEnd` gets the status once the answer was read to its end, `onError` the message of a failure on
 * the request or the answer. Neither is called before `send` returns.
 */
function send(
  pool: Pool,
  target: URL,
  options: Pick<LoadOptions, 'method' | 'headers' | 'body'>,
  index: number,
  onEnd: (status: number) => void,
  onError: (message: string) => void,
): SentRequest {
  return pool.request(requestBytes(target, options, index), onEnd, onError);
}

/** Request `index` as the bytes sent on the socket. */
function requestBytes(
  target: URL,
  options: Pick<LoadOptions, 'method' | 'headers' | 'body'>,
  index: number,
): Buffer {
  const body = options.body?.(index);
  let head = `${options.method ?? 'GET'} ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\n`;
  for (const [name, value] of Object.entries(options.headers?.(index) ?? {})) head += `${name}: ${value}\r\n`;
  if (body !== undefined) head += `content-length: ${Buffer.byteLength(body)}\r\n`;
  head += '\r\n';
  return body === undefined
    ? Buffer.from(head, 'latin1')
    : Buffer.concat([Buffer.from(head, 'latin1'), typeof body === 'string' ? Buffer.from(body) : body]);
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const pool = new Pool(target, options.concurrency);
  const latencies: number[] = [];
  const byStatus: Record<string, number> = {};
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const stopAt = started + options.maxMs;

  const one = (index: number): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      send(
        pool,
        target,
        options,
        index,
        (status) => {
          latencies.push(performance.now() - t0);
          const key = String(status);
          byStatus[key] = (byStatus[key] ?? 0) + 1;
          resolve();
        },
        (message) => {
          errors += 1;
          firstError ??= message;
          resolve();
        },
      );
    });

  const worker = async (): Promise<void> => {
    while (issued < options.maxRequests && performance.now() < stopAt && !options.signal?.aborted) {
      const index = issued;
      issued += 1;
      await one(index);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  pool.close();
  const done = latencies.length;
  return {
    requests: done,
    errors,
    byStatus,
    elapsedMs,
    perSecond: done / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    latencies,
    ...(firstError ? { firstError } : {}),
  };
}

export interface OpenLoadOptions {
  readonly url: string;
  readonly method?: string;
  readonly headers?: (index: number) => Record<string, string>;
  readonly body?: (index: number) => string | Buffer;
  /** Request i is due at t0 + i / ratePerSecond, whatever the answers to earlier ones. */
  readonly ratePerSecond: number;
  /**
   * First this long at the same rate, left out of every reported number but `warmUpRequests` and
   * `errors` (default 0): the target's start-up (JIT, first connections) is not its steady state.
   */
  readonly warmUpMs?: number;
  /** Measured requests at most (after the warm-up). */
  readonly maxRequests: number;
  /** Length of the measured schedule: requests due at warm-up end + maxMs or later are not sent. */
  readonly maxMs: number;
  /**
   * Sockets at most (default 256): a due request goes out on a free keep-alive socket, or a new
   * one below the cap; at the cap it waits for a socket, and that wait is in its latency.
   */
  readonly maxSockets?: number;
  /** How long to wait for the last answers after the last send (default 10 s); then they are errors. */
  readonly drainMs?: number;
  readonly signal?: AbortSignal;
}

export interface OpenLoadResult extends LoadResult {
  /** The rate asked for. */
  readonly ratePerSecond: number;
  /** Requests sent in the warm-up (not in the other numbers). */
  readonly warmUpRequests: number;
  /** Measured requests sent (answered or not). */
  readonly sent: number;
  /** Sent ÷ the time the sends took: the rate the generator really achieved. */
  readonly sentPerSecond: number;
  /** The slowest answer, from its due time. */
  readonly maxLatencyMs: number | null;
  /** How late the generator itself sent requests (actual send − due time). */
  readonly lagP50Ms: number | null;
  readonly lagP99Ms: number | null;
  readonly lagMaxMs: number | null;
  /** Requests sent while every socket under the cap was busy: they waited for one. */
  readonly socketWaits: number;
  /** Most requests in flight at once, those waiting for a socket included. */
  readonly maxInFlight: number;
}

/**
 * Open loop: request i is due at t0 + i / rate. A timer wakes the generator when the next request
 * is due and it sends every request whose time has come (several, when it woke late), so its cost
 * stays small; latency = end of the answer − due time. With a warm-up, requests i ≥ rate × warm-up
 * are the measured ones.
 */
export async function runOpenLoad(options: OpenLoadOptions): Promise<OpenLoadResult> {
  const target = new URL(options.url);
  const maxSockets = options.maxSockets ?? 256;
  const pool = new Pool(target, maxSockets);
  const interval = 1000 / options.ratePerSecond;
  const warm = Math.ceil((options.warmUpMs ?? 0) / interval);
  const limit = warm + Math.min(options.maxRequests, Math.ceil(options.maxMs / interval));
  const latencies: number[] = [];
  const lags: number[] = [];
  const byStatus: Record<string, number> = {};
  const inFlight = new Set<SentRequest>();
  let errors = 0;
  let firstError: string | undefined;
  let socketWaits = 0;
  let maxInFlight = 0;
  let lastSend = 0;
  let lastAnswer = 0;
  let settled: (() => void) | undefined;

  const fail = (request: SentRequest, message: string): void => {
    if (!inFlight.delete(request)) return;
    errors += 1;
    firstError ??= message;
    if (inFlight.size === 0) settled?.();
  };

  const fire = (index: number, due: number): void => {
    const sentAt = performance.now();
    const measured = index >= warm;
    if (measured) {
      lags.push(sentAt - due);
      lastSend = sentAt;
      if (inFlight.size >= maxSockets) socketWaits += 1;
    }
    const bytes = prebuilt[index] as Buffer;
    prebuilt[index] = undefined;
    const request: SentRequest = pool.request(
      bytes,
      (status) => {
        if (!inFlight.delete(request)) return;
        if (measured) {
          lastAnswer = performance.now();
          latencies.push(lastAnswer - due);
          const key = String(status);
          byStatus[key] = (byStatus[key] ?? 0) + 1;
        }
        if (inFlight.size === 0) settled?.();
      },
      (message) => fail(request, message),
    );
    inFlight.add(request);
    if (measured) maxInFlight = Math.max(maxInFlight, inFlight.size);
  };

  // Every request is built (and signed, by the caller's `headers`/`body`) before the clock starts:
  // the generator shares the cores with what it measures, and building them when due took that CPU
  // from it (src/delivery-load.ts has the numbers). Each is dropped once sent.
  const prebuilt: Array<Buffer | undefined> = Array.from({ length: limit }, (_, i) =>
    requestBytes(target, options, i),
  );
  const t0 = performance.now();
  let next = 0;
  await new Promise<void>((scheduleDone) => {
    const tick = (): void => {
      if (!options.signal?.aborted) {
        const due = Math.min(limit, Math.floor((performance.now() - t0) / interval) + 1);
        for (; next < due; next += 1) fire(next, t0 + next * interval);
      }
      if (options.signal?.aborted || next >= limit) {
        scheduleDone();
        return;
      }
      const wait = t0 + next * interval - performance.now();
      if (wait <= 0) setImmediate(tick);
      else setTimeout(tick, wait);
    };
    tick();
  });

  // The last answers: bounded, and cut short by the signal.
  if (inFlight.size > 0) {
    const drainMs = options.drainMs ?? 10_000;
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', finish);
        settled = undefined;
        resolve();
      };
      const timer = setTimeout(finish, drainMs);
      options.signal?.addEventListener('abort', finish, { once: true });
      settled = finish;
      if (options.signal?.aborted) finish();
    });
    const why = options.signal?.aborted
      ? 'stopped unanswered: the time budget ran out'
      : `no answer within ${drainMs} ms of the last send`;
    for (const request of [...inFlight]) request.destroy(new Error(why));
  }
  pool.close();

  const sent = lags.length;
  const done = latencies.length;
  const measureStart = t0 + warm * interval;
  const elapsedMs = sent > 0 ? Math.max(lastAnswer, lastSend) - measureStart : 0;
  return {
    requests: done,
    errors,
    byStatus,
    elapsedMs,
    perSecond: elapsedMs > 0 ? done / (elapsedMs / 1000) : 0,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    latencies,
    ratePerSecond: options.ratePerSecond,
    warmUpRequests: Math.min(warm, next),
    sent,
    sentPerSecond: sent > 0 ? sent / ((lastSend - measureStart + interval) / 1000) : 0,
    maxLatencyMs: percentile(latencies, 100),
    lagP50Ms: percentile(lags, 50),
    lagP99Ms: percentile(lags, 99),
    lagMaxMs: percentile(lags, 100),
    socketWaits,
    maxInFlight,
    ...(firstError ? { firstError } : {}),
  };
}
