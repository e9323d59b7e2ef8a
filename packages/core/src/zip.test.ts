// The zip reader against archives as upload-artifact v4 writes them (forge-sim's writer: data
// descriptors, zero sizes in the local headers) and against hostile ones.
import { createZip } from '@xrd/forge-sim';
import { describe, expect, it } from 'vitest';
import { ArtifactError } from './errors.js';
import { crc32, entryContent, readZip, type ZipLimits } from './zip.js';

const LIMITS: ZipLimits = { maxEntries: 100, maxFileBytes: 1_000_000, maxTotalBytes: 2_000_000 };
const LABEL = 'Artifact "dist" of acme/target run 7';

function problemOf(run: () => unknown): { problem: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof ArtifactError) return { problem: error.problem, message: error.message };
    throw error;
  }
  throw new Error('expected an ArtifactError');
}

describe('readZip', () => {
  it('reads a streamed archive (sizes only in the central directory) and inflates each file', () => {
    const zip = createZip([
      { name: 'bin/app', content: 'binary '.repeat(500) },
      { name: 'docs', kind: 'dir' },
      { name: 'docs/README.md', content: '# hi\n', method: 'store' },
      { name: 'tree\\win.txt', content: 'backslash' },
    ]);
    const entries = readZip(zip, LIMITS, LABEL);
    expect(entries.map((e) => [e.path, e.directory, e.size])).toEqual([
      ['bin/app', false, 3500],
      ['docs', true, 0],
      ['docs/README.md', false, 5],
      ['tree/win.txt', false, 9],
    ]);
    expect(entryContent(zip, entries[0]!, LABEL).toString()).toBe('binary '.repeat(500));
    expect(entryContent(zip, entries[2]!, LABEL).toString()).toBe('# hi\n');
  });

  it.each([
    ['../evil.sh', 'a path that leaves its folder'],
    ['a/../../evil.sh', 'a path that leaves its folder'],
    ['..\\evil.sh', 'a path that leaves its folder'],
    ['/etc/passwd', 'an absolute path'],
    ['\\\\server\\share\\x', 'an absolute path'],
    ['C:\\Windows\\x', 'an absolute path'],
  ])('refuses %s (%s) before inflating anything', (name, what) => {
    const zip = createZip([
      { name: 'fine.txt', content: 'ok' },
      { name, content: 'pwned' },
    ]);
    const { problem, message } = problemOf(() => readZip(zip, LIMITS, LABEL));
    expect(problem).toBe('unsafe');
    expect(message).toContain(what);
    expect(message).toMatch(
      /^Artifact "dist" of acme\/target run 7 holds ".+", .+; the archive was not extracted\.$/,
    );
  });

  it('refuses symbolic links, duplicates and a file that is also a folder', () => {
    const link = createZip([{ name: 'link', kind: 'symlink', content: '/etc' }]);
    expect(problemOf(() => readZip(link, LIMITS, LABEL)).message).toContain('"link", a symbolic link');
    const twice = createZip([
      { name: 'a.txt', content: '1' },
      { name: './a.txt', content: '2' },
    ]);
    expect(problemOf(() => readZip(twice, LIMITS, LABEL)).message).toContain('"./a.txt" twice');
    const nested = createZip([
      { name: 'a', content: 'file' },
      { name: 'a/b', content: 'inside a file' },
    ]);
    expect(problemOf(() => readZip(nested, LIMITS, LABEL)).message).toContain('inside a file');
  });

  it('holds every size limit from the directory, before inflating', () => {
    const many = createZip(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, content: 'x' })));
    expect(problemOf(() => readZip(many, { ...LIMITS, maxEntries: 4 }, LABEL))).toMatchObject({
      problem: 'too-large',
      message: expect.stringContaining('5 entries, more than the limit of 4'),
    });
    const big = createZip([{ name: 'big', content: 'x'.repeat(2000) }]);
    expect(problemOf(() => readZip(big, { ...LIMITS, maxFileBytes: 1000 }, LABEL)).message).toContain(
      '"big" of 2000 bytes, more than the limit of 1000 per file',
    );
    const sum = createZip([
      { name: 'a', content: 'x'.repeat(600) },
      { name: 'b', content: 'x'.repeat(600) },
    ]);
    expect(problemOf(() => readZip(sum, { ...LIMITS, maxTotalBytes: 1000 }, LABEL)).message).toContain(
      'more than the limit of 1000 bytes in all',
    );
  });

  it('stops a zip bomb that declares a small size at that size', () => {
    // 10 MB of zeros deflate to ~10 KB; the directory claims 100 bytes.
    const bomb = createZip([{ name: 'bomb', content: '\0'.repeat(10_000_000), declaredSize: 100 }]);
    const [entry] = readZip(bomb, LIMITS, LABEL);
    expect(problemOf(() => entryContent(bomb, entry!, LABEL))).toMatchObject({
      problem: 'unsafe',
      message: expect.stringContaining('inflates to more than its declared 100 bytes (a zip bomb)'),
    });
  });

  it('refuses damaged archives and content that fails its CRC', () => {
    expect(problemOf(() => readZip(Buffer.from('not a zip at all, just text'), LIMITS, LABEL)).problem).toBe(
      'invalid',
    );
    const zip = createZip([{ name: 'a.txt', content: 'hello', method: 'store' }]);
    const damaged = Buffer.from(zip);
    damaged[damaged.indexOf('hello')] = 'j'.charCodeAt(0);
    const [entry] = readZip(damaged, LIMITS, LABEL);
    expect(problemOf(() => entryContent(damaged, entry!, LABEL)).message).toContain('fails its CRC-32 check');
  });

  it('computes CRC-32 as zip does', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });
});
