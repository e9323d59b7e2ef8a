// Zip archives as the forges serve artifacts. actions/upload-artifact v4 streams its zip through
// `archiver` (zip-stream): every local header has general-purpose bit 3 set and zero sizes, the sizes
// follow the data in a data descriptor, and only the central directory holds them up front
// (PKWARE APPNOTE.TXT 4.3.9, 4.4.4); entries are deflated, names UTF-8 (bit 11), made on Unix
// (version made by 3 << 8, mode in the high 16 bits of the external attributes). Gitea and Forgejo
// store and serve the very zip the runner uploaded. A client that trusts the local headers' sizes
// reads nothing; one that trusts the declared sizes can be fooled — `declaredSize` lets a test lie.
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntrySpec {
  /** Stored exactly as given: `../x`, `/abs` and `C:\\x` too (hostile archives for client tests). */
  name: string;
  /** Text content of a file (or the target of a symlink). */
  content?: string;
  /** Base64 content of a file, instead of `content`. */
  base64?: string;
  /** Default `file`. A `symlink` is stored with mode 0120777, its target as content. */
  kind?: 'file' | 'dir' | 'symlink';
  /** The uncompressed size the directory declares, when it should lie (a zip bomb's trick). */
  declaredSize?: number;
  /** Default `deflate`. */
  method?: 'deflate' | 'store';
}

const MODE = { file: 0o100644, dir: 0o040755, symlink: 0o120777 } as const;
// 2026-01-01 00:00 in MS-DOS time and date.
const DOS_TIME = 0;
const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1;

/** An archive of the entries, in order, as upload-artifact v4 writes one. */
export function createZip(entries: readonly ZipEntrySpec[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const kind = entry.kind ?? 'file';
    const name = Buffer.from(kind === 'dir' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name);
    const data =
      kind === 'dir'
        ? Buffer.alloc(0)
        : entry.base64 !== undefined
          ? Buffer.from(entry.base64, 'base64')
          : Buffer.from(entry.content ?? '');
    const stored = entry.method === 'store' || kind === 'dir';
    const body = stored ? data : deflateRawSync(data);
    const crc = crc32(data);
    const size = entry.declaredSize ?? data.length;
    const method = stored ? 0 : 8;
    const flags = 0x0800 | 0x0008;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    // crc and sizes stay 0: they follow in the data descriptor (bit 3).
    local.writeUInt16LE(name.length, 26);
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc, 4);
    descriptor.writeUInt32LE(body.length, 8);
    descriptor.writeUInt32LE(size, 12);
    parts.push(local, name, body, descriptor);

    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE((3 << 8) | 20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(flags, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt16LE(DOS_TIME, 12);
    header.writeUInt16LE(DOS_DATE, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(body.length, 20);
    header.writeUInt32LE(size, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE((MODE[kind] << 16) >>> 0, 38);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    offset += local.length + name.length + body.length + descriptor.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}
