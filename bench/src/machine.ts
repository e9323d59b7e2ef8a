// The machine a result was measured on: numbers without it mean little.
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
