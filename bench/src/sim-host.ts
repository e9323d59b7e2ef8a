// Many forge-sims in one child process, so that serving hundreds of clients does not share the
// bench's event loop (where a late timer reads as late detection, times the time scale). The
// parent asks over IPC: `{ id, op: 'start', dialect, timeScale }` → `{ id, url, apiUrl }`,
// `{ id, op: 'close', url }` → `{ id }`. Everything else goes over HTTP, as with any sim.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Dialect, startSim } from '@xrd/forge-sim';
import { Sim, stopChild } from './sim.ts';
import { requireExport } from './workspace.ts';

type Ask =
  | { readonly op: 'start'; readonly dialect: Dialect; readonly timeScale: number }
  | { readonly op: 'close'; readonly url: string };
type Request = Ask & { readonly id: number };
type Answer = {
  readonly id: number;
  readonly url?: string;
  readonly apiUrl?: string;
  readonly error?: string;
};

/** The parent's side: starts the host, hands out sims living in it. */
export class SimHost {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (answer: Answer) => void>();
  #next = 0;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (answer: Answer) => {
      this.#pending.get(answer.id)?.(answer);
      this.#pending.delete(answer.id);
    });
    child.on('exit', () => {
      for (const resolve of this.#pending.values()) resolve({ id: -1, error: 'the sim host exited' });
      this.#pending.clear();
    });
  }

  static start(): SimHost {
    const child = fork(fileURLToPath(import.meta.url), ['--host'], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new SimHost(child);
  }

  #ask(request: Ask): Promise<Answer> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (answer) => (answer.error ? reject(new Error(answer.error)) : resolve(answer)));
      this.#child.send({ ...request, id });
    });
  }

  async sim(dialect: Dialect, timeScale: number): Promise<Sim> {
    const { url, apiUrl } = await this.#ask({ op: 'start', dialect, timeScale });
    return new Sim({
      url: url!,
      apiUrl: apiUrl!,
      dialect,
      timeScale,
      close: async () => {
        await this.#ask({ op: 'close', url: url! });
      },
    });
  }

  close(): Promise<void> {
    return stopChild(this.#child);
  }
}

/** The child's side. */
async function host(): Promise<void> {
  const start = await requireExport<typeof startSim>('@xrd/forge-sim', 'startSim');
  const sims = new Map<string, Awaited<ReturnType<typeof startSim>>>();
  const answer = (message: Answer): void => {
    process.send?.(message);
  };
  process.on('message', async (request: Request) => {
    try {
      if (request.op === 'start') {
        const sim = await start({ dialect: request.dialect, port: 0, timeScale: request.timeScale });
        sims.set(sim.url, sim);
        answer({ id: request.id, url: sim.url, apiUrl: sim.apiUrl });
      } else {
        await sims.get(request.url)?.close();
        sims.delete(request.url);
        answer({ id: request.id });
      }
    } catch (error) {
      answer({ id: request.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

if (process.argv.includes('--host')) await host();
