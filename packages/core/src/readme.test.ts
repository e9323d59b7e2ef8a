// Keeps README.md's usage example true: runs it against the memory forge and compares its output.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';

const here = new URL('.', import.meta.url).pathname;
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
let dir: string | undefined;

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

it('the README usage example prints what the README says', async () => {
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  const output = /```text\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  expect(output).toBeDefined();
  dir = mkdtempSync(join(here, '..', '.readme-'));
  const file = join(dir, 'example.ts');
  writeFileSync(
    file,
    code!
      .replace("from '@xrd/core/testing'", `from '${join(here, 'testing', 'index.ts')}'`)
      .replace("from '@xrd/core'", `from '${join(here, 'index.ts')}'`),
  );
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.join(' '));
  });
  await import(file);
  expect(lines.join('\n')).toBe(output!.trimEnd());
});
