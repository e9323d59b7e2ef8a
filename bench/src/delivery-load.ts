// Signed deliveries sent at a steady rate (open loop) by a process of its own.
//
// The generator's lateness counts in every latency it reports (latency runs from the scheduled send),
// so it must not share an event loop, a heap or its garbage collections with the rest of the bench —
// in the full `pnpm bench` the webhook rows run after the peer rows, whose hundreds of tools leave
// the bench process's heap large — nor spend the cores it shares with the service on building
// requests. Each open-loop run forks a fresh generator, which builds and signs every delivery before
// its clock starts (src/http-load.ts), sends them, and hands the result back over IPC. Measured on
// the SQLite open-loop row at 1,000/s (2 cores, 2026-12-01, runs of 10 s): generator in the bench
// process, building each request when due — generator late by p99 8–13 ms, ack p99 23–31 ms; here —
// late by p99 4.2–4.7 ms, ack p99 15–23 ms, the service unchanged.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type OpenLoadResult, runOpenLoad } from './http-load.ts';
import { type DeliveryTemplate, signedDelivery } from './service-process.ts';
import { stopChild } from './sim.ts';

export interface DeliveryLoad {
  /** The service's webhook URL. */
  readonly url: string;
  readonly template: DeliveryTemplate;
  /** Delivery i is for PR #(first + i + 1), with delivery id `${tag}-${number}`. */
  readonly first: number;
  readonly tag: string;
  readonly ratePerSecond: number;
  readonly warmUpMs: number;
  readonly maxRequests: number;
  readonly maxMs: number;
  readonly maxSockets: number;
}

/** Request i → the signed delivery for PR #(first + i + 1) (headers, then body: a small cache keeps the pair). */
export function deliveries(template: DeliveryTemplate, first: number, tag: string) {
  const cache = new Map<number, ReturnType<typeof signedDelivery>>();
  const build = (i: number) => {
    let delivery = cache.get(i);
    if (!delivery) {
      const number = first + i + 1;
      delivery = signedDelivery(template, number, `${tag}-${number}`);
      cache.set(i, delivery);
      if (cache.size > 64) cache.delete(cache.keys().next().value as number);
    }
    return delivery;
  };
  return { headers: (i: number) => build(i).headers, body: (i: number) => build(i).body };
}

function runHere(load: DeliveryLoad, signal?: AbortSignal): Promise<OpenLoadResult> {
  return runOpenLoad({
    url: load.url,
    method: 'POST',
    ratePerSecond: load.ratePerSecond,
    warmUpMs: load.warmUpMs,
    maxRequests: load.maxRequests,
    maxMs: load.maxMs,
    maxSockets: load.maxSockets,
    ...(signal ? { signal } : {}),
    ...deliveries(load.template, load.first, load.tag),
  });
}

type Answer = { readonly result: OpenLoadResult } | { readonly error: string };

/** Runs `load` in a fresh child process; the signal stops it (the child is killed). */
export async function sendDeliveryLoad(load: DeliveryLoad, signal: AbortSignal): Promise<OpenLoadResult> {
  if (signal.aborted) throw new Error('stopped: the time budget ran out');
  const child = fork(fileURLToPath(import.meta.url), ['--generator'], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const onAbort = (): void => void stopChild(child, 1000);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const answer = await new Promise<Answer>((resolve, reject) => {
      child.once('message', (message: Answer) => resolve(message));
      child.once('exit', (code, how) =>
        reject(new Error(`the load generator exited (${how ?? code}) before it answered`)),
      );
      child.send(load);
    });
    if ('error' in answer) throw new Error(answer.error);
    return answer.result;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await stopChild(child, 1000);
  }
}

if (process.argv.includes('--generator')) {
  process.once('message', (load: DeliveryLoad) => {
    runHere(load).then(
      (result) => process.send?.({ result } satisfies Answer),
      (error: unknown) =>
        process.send?.({ error: error instanceof Error ? error.message : String(error) } satisfies Answer),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
