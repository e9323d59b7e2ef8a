// Reads a child Node process's memory from outside, through its inspector (started with
// `--inspect=127.0.0.1:PORT`): a full garbage collection first, then `process.memoryUsage()`, so
// "heap after GC" is what the process really holds, not what the collector has not reached yet.
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 for `--inspect` (the inspector cannot report a port 0 back). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface MemoryAfterGc {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** Collects garbage in the process listening on `port`, then reads its memory usage. */
export async function memoryAfterGc(port: number): Promise<MemoryAfterGc> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot reach the inspector at ${url}`)), {
      once: true,
    });
  });
  let id = 0;
  const call = (method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    const mine = ++id;
    return new Promise((resolve, reject) => {
      const onMessage = (event: MessageEvent) => {
        const message = JSON.parse(String(event.data)) as {
          id?: number;
          result?: Record<string, unknown>;
          error?: { message: string };
        };
        if (message.id !== mine) return;
        socket.removeEventListener('message', onMessage);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result ?? {});
      };
      socket.addEventListener('message', onMessage);
      socket.send(JSON.stringify({ id: mine, method, params }));
    });
  };
  try {
    // Twice: the first collection can leave objects whose finalizers free more.
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const evaluated = await call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    });
    const value = (evaluated.result as { value?: string } | undefined)?.value;
    if (typeof value !== 'string') throw new Error('the inspector returned no memory usage');
    return JSON.parse(value) as MemoryAfterGc;
  } finally {
    socket.close();
  }
}
