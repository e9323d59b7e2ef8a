// action.yml stays a hand-written file (it is what users read on the Marketplace and in the
// repository, with its comments), but every input in it is declared in core's option schema: this
// test holds the file's names, `required`, `default` and descriptions to the table, both ways.
import { readFileSync } from 'node:fs';
import { OPTION_LIST } from '@xrd/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface InputYml {
  readonly description?: string;
  readonly required?: boolean;
  readonly default?: string;
}
const yml = parse(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, InputYml>;
};

/** Every input the table declares, as action.yml should show it. */
function expectedInputs(): Record<string, InputYml> {
  const out: Record<string, InputYml> = {};
  for (const spec of OPTION_LIST) {
    if (!spec.action) continue;
    out[spec.name] = {
      description: spec.action.description,
      required: spec.action.required ?? false,
      ...(spec.action.default !== undefined ? { default: spec.action.default } : {}),
    };
    for (const alias of spec.action.aliases ?? []) {
      // An alias has no default, so that setting it and its xrd name differently is caught.
      out[alias.name] = { description: alias.description, required: false };
    }
  }
  return out;
}

describe('action.yml', () => {
  it('declares exactly the inputs of the option schema', () => {
    expect(Object.keys(yml.inputs).sort()).toEqual(Object.keys(expectedInputs()).sort());
  });

  it.each(Object.entries(expectedInputs()))('input %s matches the schema', (name, expected) => {
    const actual = yml.inputs[name] ?? {};
    expect({
      description: actual.description,
      required: actual.required ?? false,
      ...(actual.default !== undefined ? { default: actual.default } : {}),
    }).toEqual(expected);
  });
});
