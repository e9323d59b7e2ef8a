import { describe, expect, it } from 'vitest';
import { busyShare, cpuTimes, settle } from './machine.ts';

const stat = (busy: number, idle: number) =>
  // user nice system idle iowait irq softirq steal guest guest_nice
  `cpu  ${busy - 10} 0 10 ${idle - 5} 5 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n`;

describe('cpuTimes and busyShare', () => {
  it('reads busy and total jiffies from the first line of /proc/stat', () => {
    expect(cpuTimes('cpu  237720 9664 30979 282532 2061 0 8613 9584 0 0\ncpu0 1 2 3\n')).toEqual({
      busy: 237720 + 9664 + 30979 + 8613 + 9584,
      total: 237720 + 9664 + 30979 + 282532 + 2061 + 8613 + 9584,
    });
    expect(cpuTimes('intr 1 2 3')).toBeNull();
    expect(cpuTimes('cpu  a b c d e')).toBeNull();
  });

  it('gives the share of all cores busy between two readings', () => {
    expect(busyShare({ busy: 100, total: 1000 }, { busy: 150, total: 1200 })).toBe(0.25);
    expect(busyShare({ busy: 100, total: 1000 }, { busy: 100, total: 1000 })).toBe(0);
  });
});

describe('settle', () => {
  /** /proc/stat readings in order; the last repeats. */
  const readings = (texts: string[]) => {
    let i = 0;
    return () => texts[Math.min(i++, texts.length - 1)] as string;
  };

  it('returns after one sample on a quiet machine', async () => {
    const result = await settle({ sampleMs: 1, read: readings([stat(100, 900), stat(105, 990)]) });
    expect(result).toMatchObject({ quiet: true });
    expect(result.busy).toBeCloseTo(5 / 95);
  });

  it('samples again while the machine is busy', async () => {
    const read = readings([stat(100, 900), stat(190, 910), stat(190, 910), stat(195, 1000)]);
    const result = await settle({ sampleMs: 1, read });
    expect(result.quiet).toBe(true);
    expect(result.busy).toBeCloseTo(5 / 95);
  });

  it('gives up after maxWaitMs and says the machine was not quiet', async () => {
    let busy = 100;
    let idle = 900;
    let reads = 0;
    const read = () => {
      reads += 1;
      busy += 90;
      idle += 10;
      return stat(busy, idle);
    };
    const result = await settle({ sampleMs: 1, maxWaitMs: 20, read });
    expect(result.quiet).toBe(false);
    expect(result.busy).toBeGreaterThan(0.15);
    // It stops once another sample would go past maxWaitMs: each sample (two reads) takes ≥ 1 ms.
    expect(reads).toBeLessThanOrEqual(2 * 20);
    expect(reads).toBeGreaterThanOrEqual(2);
  });

  it('does not wait where /proc/stat cannot be read', async () => {
    const result = await settle({
      sampleMs: 1,
      read: () => {
        throw new Error('ENOENT');
      },
    });
    expect(result).toMatchObject({ quiet: true, busy: null });
  });
});
