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

it('each README usage example prints what the README says', async () => {
  const codes = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const outputs = [...readme.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(codes.length).toBeGreaterThan(0);
  expect(outputs).toHaveLength(codes.length);
  dir = mkdtempSync(join(here, '..', '.readme-'));
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.join(' '));
  });
  for (const [index, code] of codes.entries()) {
    const file = join(dir, `example-${index}.ts`);
    writeFileSync(
      file,
      code
        .replace("from '@xrd/core/testing'", `from '${join(here, 'testing', 'index.ts')}'`)
        .replace("from '@xrd/core'", `from '${join(here, 'index.ts')}'`),
    );
    lines.length = 0;
    await import(file);
    expect(lines.join('\n')).toBe(outputs[index]!.trimEnd());
  }
});
