// The machine a result was measured on: numbers without it mean little.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  readonly cpuCount: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  /** 1/5/15-minute load averages when the suite started: the machine may be shared. */
  readonly loadAverage: readonly number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuCount: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: os.platform(),
    arch: os.arch(),
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

export function describeMachine(info: MachineInfo): string {
  const gib = (info.memoryBytes / 1024 ** 3).toFixed(1);
  return `${info.cpuCount} × ${info.cpuModel}, ${gib} GiB RAM, Node ${info.node}, ${info.platform}/${info.arch}, load average ${info.loadAverage.join(' / ')} at start`;
}

/** The machine's CPU counters (the first line of Linux's /proc/stat): busy and total jiffies. */
export function cpuTimes(procStat: string): { readonly busy: number; readonly total: number } | null {
  const line = procStat.split('\n', 1)[0] ?? '';
  if (!line.startsWith('cpu ')) return null;
  // user nice system idle iowait irq softirq steal (guest time is already in user and nice).
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 5 || fields.some((n) => !Number.isFinite(n))) return null;
  const total = fields.reduce((sum, n) => sum + n, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** The share of all cores that was busy between two readings, 0–1. */
export function busyShare(
  before: { readonly busy: number; readonly total: number },
  after: { readonly busy: number; readonly total: number },
): number {
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : 0;
}

export interface Settled {
  /** How long it waited. */
  readonly waitedMs: number;
  /** The busy share of the last sample (null where /proc/stat cannot be read). */
  readonly busy: number | null;
  /** False when the machine was still busier than asked at the end of the wait. */
  readonly quiet: boolean;
}

/**
 * Waits until the machine is quiet: at most `maxBusy` of all cores busy over one sample of
 * `sampleMs`, waiting at most `maxWaitMs`. A latency row measured in the seconds after an earlier
 * section — its processes exiting, the bench process collecting a large heap — measured that.
 */
export async function settle(
  options: { maxBusy?: number; sampleMs?: number; maxWaitMs?: number; read?: () => string } = {},
): Promise<Settled> {
  const { maxBusy = 0.15, sampleMs = 500, maxWaitMs = 15_000 } = options;
  const read = options.read ?? (() => readFileSync('/proc/stat', 'utf8'));
  const sample = (): ReturnType<typeof cpuTimes> => {
    try {
      return cpuTimes(read());
    } catch {
      return null;
    }
  };
  const started = performance.now();
  let busy: number | null = null;
  for (;;) {
    const before = sample();
    if (before === null) return { waitedMs: performance.now() - started, busy: null, quiet: true };
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    const after = sample();
    if (after === null) return { waitedMs: performance.now() - started, busy: null, quiet: true };
    busy = busyShare(before, after);
    const waitedMs = performance.now() - started;
    if (busy <= maxBusy) return { waitedMs, busy, quiet: true };
    if (waitedMs + sampleMs > maxWaitMs) return { waitedMs, busy, quiet: false };
  }
}
