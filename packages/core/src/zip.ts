// A zip reader on node:zlib, for the one kind of archive xrd opens: an artifact a forge serves
// (upload-artifact v4 zips; Gitea and Forgejo serve the same). It reads the central directory (the
// sizes there are the true ones: streamed zips put zeros in the local headers and the real sizes in
// data descriptors), checks every entry BEFORE anything is inflated, and inflates each entry with a
// hard cap at its declared size, so a lying header cannot make it allocate more (zip bombs):
//
// - names: no absolute paths, drive letters, `..` segments, NUL, or duplicates (after `\` → `/`);
// - types: regular files and directories only (a Unix symlink, device or FIFO entry is refused);
// - no encryption, methods stored (0) and deflate (8) only, no ZIP64 (the limits sit far below 4 GiB);
// - limits: entries, bytes per file and bytes in all, from the declared sizes, then enforced while
//   inflating; every entry's CRC-32 is checked.
//
// Format: PKWARE APPNOTE.TXT 6.3.10, sections 4.3.7 (local header), 4.3.12 (central directory
// header), 4.3.16 (end of central directory), 4.4.2 (version made by: host 3 = Unix, whose mode sits
// in the high 16 bits of the external attributes).
import { inflateRawSync } from 'node:zlib';
import { ArtifactError } from './errors.js';

export interface ZipLimits {
  /** Most entries (files and directories). */
  readonly maxEntries: number;
  /** Most bytes one file may inflate to. */
  readonly maxFileBytes: number;
  /** Most bytes all files together may inflate to. */
  readonly maxTotalBytes: number;
}

export interface ZipEntry {
  /** The normalised relative path: `/`-separated, no `.` or empty segments. */
  readonly path: string;
  /** The name as stored in the archive (for messages). */
  readonly rawName: string;
  readonly directory: boolean;
  /** Bytes it inflates to. */
  readonly size: number;
  readonly compressedSize: number;
  /** 0 stored, 8 deflate. */
  readonly method: number;
  readonly crc32: number;
  /** Offset of its local file header. */
  readonly localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const UNIX_HOST = 3;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

const refuse = (label: string, what: string) =>
  new ArtifactError('unsafe', `${label} holds ${what}; the archive was not extracted.`);
const malformed = (label: string, what: string) =>
  new ArtifactError('invalid', `${label} is not a readable zip archive (${what}); nothing was extracted.`);

/** Reads and checks an archive's directory; throws `ArtifactError` on anything it would not extract. */
export function readZip(bytes: Uint8Array, limits: ZipLimits, label: string): ZipEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfDirectory(buf, label);
  const count = buf.readUInt16LE(end + 10);
  const dirSize = buf.readUInt32LE(end + 12);
  const dirOffset = buf.readUInt32LE(end + 16);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    throw new ArtifactError(
      'too-large',
      `${label} is a ZIP64 archive, which only archives beyond 4 GiB or 65,535 entries need; nothing was extracted.`,
    );
  }
  if (buf.readUInt16LE(end + 4) !== 0 || buf.readUInt16LE(end + 8) !== count) {
    throw malformed(label, 'it spans several disks');
  }
  if (count > limits.maxEntries) {
    throw new ArtifactError(
      'too-large',
      `${label} holds ${count} entries, more than the limit of ${limits.maxEntries}; nothing was extracted.`,
    );
  }
  if (dirOffset + dirSize > end) throw malformed(label, 'its central directory lies outside the file');
  const entries: ZipEntry[] = [];
  const files = new Set<string>();
  const dirs = new Set<string>();
  let total = 0;
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || buf.readUInt32LE(at) !== CENTRAL)
      throw malformed(label, `entry ${i + 1} is damaged`);
    const madeBy = buf.readUInt16LE(at + 4);
    const flags = buf.readUInt16LE(at + 8);
    const method = buf.readUInt16LE(at + 10);
    const crc32 = buf.readUInt32LE(at + 16);
    const compressedSize = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const external = buf.readUInt32LE(at + 38);
    const localOffset = buf.readUInt32LE(at + 42);
    const nameEnd = at + 46 + nameLength;
    if (nameEnd > end) throw malformed(label, `entry ${i + 1} is damaged`);
    // Bit 11: the name is UTF-8; otherwise IBM 437, whose ASCII part is what the checks look at.
    const rawName = buf.toString(flags & 0x800 ? 'utf8' : 'latin1', at + 46, nameEnd);
    at = nameEnd + extraLength + commentLength;
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) {
      throw new ArtifactError(
        'too-large',
        `${label} holds ZIP64 entry "${rawName}", which only files beyond 4 GiB need; nothing was extracted.`,
      );
    }
    const mode = madeBy >> 8 === UNIX_HOST ? (external >>> 16) & S_IFMT : 0;
    if (mode === S_IFLNK) throw refuse(label, `"${rawName}", a symbolic link`);
    if (mode !== 0 && mode !== S_IFREG && mode !== S_IFDIR) {
      throw refuse(label, `"${rawName}", which is neither a file nor a directory`);
    }
    if (flags & 0x1) throw refuse(label, `"${rawName}", an encrypted entry`);
    const directory = rawName.endsWith('/') || rawName.endsWith('\\') || mode === S_IFDIR;
    const path = safePath(rawName, label);
    if (path === '') {
      if (!directory) throw refuse(label, `a file without a name`);
      continue;
    }
    // A file may not also be a directory (`a` and `a/b`), nor appear twice.
    for (let cut = path.indexOf('/'); cut >= 0; cut = path.indexOf('/', cut + 1)) {
      const parent = path.slice(0, cut);
      if (files.has(parent)) throw refuse(label, `"${rawName}" inside a file`);
      dirs.add(parent);
    }
    if (files.has(path)) throw refuse(label, `"${rawName}" twice`);
    if (directory) dirs.add(path);
    else if (dirs.has(path)) throw refuse(label, `"${rawName}", a file where a directory is`);
    else files.add(path);
    if (directory) {
      entries.push({ path, rawName, directory, size: 0, compressedSize: 0, method, crc32, localOffset });
      continue;
    }
    if (method !== 0 && method !== 8) {
      throw malformed(
        label,
        `"${rawName}" uses compression method ${method}; only stored and deflate are read`,
      );
    }
    if (method === 0 && compressedSize !== size)
      throw malformed(label, `"${rawName}" has inconsistent sizes`);
    if (size > limits.maxFileBytes) {
      throw new ArtifactError(
        'too-large',
        `${label} holds "${rawName}" of ${size} bytes, more than the limit of ${limits.maxFileBytes} per file; nothing was extracted.`,
      );
    }
    total += size;
    if (total > limits.maxTotalBytes) {
      throw new ArtifactError(
        'too-large',
        `${label} inflates to more than the limit of ${limits.maxTotalBytes} bytes in all; nothing was extracted.`,
      );
    }
    if (localOffset + 30 > dirOffset) throw malformed(label, `"${rawName}" points outside the archive`);
    entries.push({ path, rawName, directory, size, compressedSize, method, crc32, localOffset });
  }
  return entries;
}

/** The inflated content of a file entry, at most its declared size, CRC-checked. */
export function entryContent(bytes: Uint8Array, entry: ZipEntry, label: string): Buffer {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localOffset;
  if (buf.readUInt32LE(at) !== LOCAL) throw malformed(label, `"${entry.rawName}" has no local header`);
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const stop = start + entry.compressedSize;
  if (stop > buf.length) throw malformed(label, `"${entry.rawName}" is cut short`);
  const data = buf.subarray(start, stop);
  let content: Buffer;
  if (entry.method === 0) content = Buffer.from(data);
  else {
    try {
      // The cap is the declared size: a stream that inflates to more is refused, not followed.
      content = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size) });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ArtifactError(
          'unsafe',
          `${label} holds "${entry.rawName}", which inflates to more than its declared ${entry.size} bytes (a zip bomb); the archive was not extracted.`,
        );
      }
      throw malformed(label, `"${entry.rawName}" does not inflate: ${(error as Error).message}`);
    }
  }
  if (content.length !== entry.size) {
    throw malformed(
      label,
      `"${entry.rawName}" inflates to ${content.length} bytes, not the declared ${entry.size}`,
    );
  }
  if (crc32(content) !== entry.crc32) throw malformed(label, `"${entry.rawName}" fails its CRC-32 check`);
  return content;
}

/**
 * The entry's path, relative and normalised, or a refusal when it would leave the extraction folder:
 * an absolute path (`/x`, `\\x`, `C:x`), a `..` segment, or a NUL. `\` counts as a separator (some
 * Windows tools write it, and a Windows reader would follow it).
 */
function safePath(raw: string, label: string): string {
  if (raw.includes('\0')) throw refuse(label, `a name with a NUL character`);
  const name = raw.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    throw refuse(label, `"${raw}", an absolute path outside its folder`);
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw refuse(label, `"${raw}", a path that leaves its folder`);
  return parts.join('/');
}

function findEndOfDirectory(buf: Buffer, label: string): number {
  // The record is 22 bytes plus a comment of at most 65,535; search back from the end.
  const floor = Math.max(0, buf.length - 22 - 0xffff);
  for (let at = buf.length - 22; at >= floor; at--) {
    if (buf.readUInt32LE(at) === EOCD && at + 22 + buf.readUInt16LE(at + 20) === buf.length) return at;
  }
  throw malformed(label, 'no end of central directory');
}

let table: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3), as zip stores it. zlib.crc32 needs Node 20.15; the action runs on 20.3. */
export function crc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++)
    crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
