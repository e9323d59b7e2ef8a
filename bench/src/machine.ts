// The machine a result was measured on: numbers without it mean little.
import os from 'node:os';

export interface MachineInfo {
  readonly cpuCount: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
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
  };
}

export function describeMachine(info: MachineInfo): string {
  const gib = (info.memoryBytes / 1024 ** 3).toFixed(1);
  return `${info.cpuCount} × ${info.cpuModel}, ${gib} GiB RAM, Node ${info.node}, ${info.platform}/${info.arch}`;
}
