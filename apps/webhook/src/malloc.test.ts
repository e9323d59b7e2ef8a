import { describe, expect, it } from 'vitest';
import { MALLOC_SETTINGS, planMalloc, type Runtime, YOUNG_GENERATION_FLAG } from './malloc.js';

const linux: Runtime = { platform: 'linux', hasExecve: true, glibc: true, ipc: false, execArgv: [] };

describe('planMalloc', () => {
  it('restarts with both settings added to the environment as it is', () => {
    expect(planMalloc({ PATH: '/bin', NODE_OPTIONS: '--inspect' }, linux)).toEqual({
      exec: true,
      env: { PATH: '/bin', NODE_OPTIONS: '--inspect', ...MALLOC_SETTINGS },
      execArgv: [YOUNG_GENERATION_FLAG],
    });
    expect(planMalloc({ XRD_WEBHOOK_MALLOC: '' }, linux).exec).toBe(true);
  });

  it("never overrides the operator's own glibc malloc settings (and so never restarts twice)", () => {
    expect(planMalloc({ MALLOC_ARENA_MAX: '4' }, linux)).toEqual({ exec: false });
    expect(planMalloc({ MALLOC_TRIM_THRESHOLD_: '0' }, linux)).toEqual({ exec: false });
    expect(planMalloc({ MALLOC_ARENA_MAX: '' }, linux)).toEqual({ exec: false });
    expect(planMalloc({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=8' }, linux)).toEqual({ exec: false });
    expect(planMalloc({ GLIBC_TUNABLES: 'glibc.pthread.rseq=0' }, linux).exec).toBe(true);
    const plan = planMalloc({}, linux);
    expect(plan.exec && planMalloc(plan.env, linux)).toEqual({ exec: false });
  });

  it("adds a small young generation to Node's flags, unless the operator chose a size", () => {
    const flags = (env: NodeJS.ProcessEnv, execArgv: string[]) => {
      const plan = planMalloc(env, { ...linux, execArgv });
      return plan.exec ? plan.execArgv : undefined;
    };
    expect(flags({}, ['--enable-source-maps'])).toEqual(['--enable-source-maps', YOUNG_GENERATION_FLAG]);
    expect(flags({}, ['--max-semi-space-size=8'])).toEqual(['--max-semi-space-size=8']);
    expect(flags({ NODE_OPTIONS: '--inspect --max-semi-space-size=16' }, [])).toEqual([]);
  });

  it('does nothing with XRD_WEBHOOK_MALLOC=default, and refuses another value', () => {
    expect(planMalloc({ XRD_WEBHOOK_MALLOC: 'default' }, linux)).toEqual({ exec: false });
    expect(planMalloc({ XRD_WEBHOOK_MALLOC: 'Default' }, linux)).toEqual({
      exec: false,
      error:
        'XRD_WEBHOOK_MALLOC must be "default" (keep glibc\'s allocator settings) or unset, not "Default".',
    });
  });

  it('does nothing where it would change nothing or cannot be done', () => {
    expect(planMalloc({}, { ...linux, platform: 'darwin' })).toEqual({ exec: false });
    expect(planMalloc({}, { ...linux, hasExecve: false })).toEqual({ exec: false });
    expect(planMalloc({}, { ...linux, glibc: false })).toEqual({ exec: false });
    expect(planMalloc({}, { ...linux, ipc: true })).toEqual({ exec: false });
  });
});
