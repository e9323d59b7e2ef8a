// The shared table of bad values (core's BAD_OPTION_CASES) through the webhook config: each value
// the action and the CLI refuse is refused at the option's config key with the same sentence,
// named by the key path (`routes[0].dispatch.workflow`). Options the service does not take (the
// wait settings, which it does not poll with) and its on/off report switches are not in here.
import { OPTIONS } from '@xrd/core';
import { BAD_OPTION_CASES, badOptionMessage } from '@xrd/core/testing';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

type Obj = Record<string, unknown>;

function baseConfig(): { forges: Obj[]; routes: Obj[] } {
  return {
    forges: [
      {
        name: 'gh',
        kind: 'github',
        'api-url': 'https://api.github.com',
        token: 'ghp_valid',
        'webhook-secret': 's1',
      },
    ],
    routes: [
      {
        name: 'build',
        when: { forge: 'gh', repo: 'acme/source', pull_request: true },
        dispatch: { forge: 'gh', repo: 'acme/target', workflow: 'build.yml' },
      },
    ],
  };
}

/** Sets (or with `undefined`, removes) a dotted key inside an object. */
function setPath(obj: Obj, key: string, value: unknown): void {
  const parts = key.split('.');
  let at = obj;
  for (const part of parts.slice(0, -1)) {
    at[part] ??= {};
    at = at[part] as Obj;
  }
  const last = parts.at(-1) as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
}

function problems(config: unknown): readonly string[] {
  try {
    parseConfig(config, {});
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

const cases = BAD_OPTION_CASES.filter((c) => {
  const config = OPTIONS[c.option].config;
  return config !== undefined && config.toggle !== true && !c.skip?.includes('webhook');
});

describe('the webhook config refuses the shared bad values', () => {
  it.each(cases.map((c) => [`${c.option} ${JSON.stringify(c.value.slice(0, 30))}`, c] as const))(
    '%s',
    (_name, c) => {
      const config = baseConfig();
      const spec = OPTIONS[c.option].config as { key: string; scope: 'route' | 'forge' };
      const holder = (spec.scope === 'forge' ? config.forges[0] : config.routes[0]) as Obj;
      for (const name of c.without ?? []) setPath(holder, OPTIONS[name].config?.key as string, undefined);
      setPath(holder, spec.key, c.value);
      const label = `${spec.scope === 'forge' ? 'forges' : 'routes'}[0].${spec.key}`;
      expect(problems(config)[0]).toBe(badOptionMessage(c, label));
    },
  );

  it('covers every key of the schema the service reads', () => {
    const covered = new Set(cases.map((c) => c.option));
    const keys = Object.values(OPTIONS).filter((o) => o.config !== undefined && o.config.toggle !== true);
    // `inputs` is a mapping in the service: its own test below.
    expect(keys.map((o) => o.name).filter((n) => !covered.has(n) && n !== 'inputs')).toEqual([]);
  });
});
