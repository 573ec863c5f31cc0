/**
 * Reading .zip files without trusting them. Sizes come from the central directory
 * (right even for archives written with data descriptors, as macOS does), the
 * declared total is checked against the space left before anything is inflated,
 * and inflation is streamed so an entry that grows past what its header declared
 * is stopped early instead of filling memory.
 */
import { Inflate } from 'fflate';
import { ImportError, formatBytes } from './errors';
import { entryPath, isJunkPath } from './paths';

export { isJunkPath };

export interface FileEntry {
  path: string;
  bytes: Uint8Array;
}

export interface ZipEntryInfo {
  path: string;
  /** Declared uncompressed size. */
  size: number;
}

interface CentralEntry extends ZipEntryInfo {
  method: number;
  encrypted: boolean;
  compressedSize: number;
  localOffset: number;
}

const CHUNK = 16 * 1024;
const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const u64 = (b: Uint8Array, o: number) => u32(b, o) + u32(b, o + 4) * 2 ** 32;

/**
 * Random access to the zip's bytes. A zip picked from disk is read in slices
 * (the table of contents, then one entry at a time), so a zip bigger than the
 * tab can hold in memory still lists, and a huge entry that is skipped is never read.
 */
interface ByteSource {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

function byteSource(zip: Uint8Array | Blob): ByteSource {
  if (zip instanceof Uint8Array) return { size: zip.length, read: async (o, n) => zip.subarray(o, o + n) };
  return { size: zip.size, read: async (o, n) => new Uint8Array(await zip.slice(o, o + n).arrayBuffer()) };
}

async function readCentralDirectory(zip: ByteSource, fileName: string): Promise<CentralEntry[]> {
  const broken = (why: string): never => {
    throw new ImportError(fileName, `${fileName} is not a readable .zip file (${why}).`);
  };
  if (zip.size === 0) throw new ImportError(fileName, `${fileName} is empty.`);
  // The end record sits in the last 22 bytes plus a comment of up to 64 KB; the ZIP64 locator just before it.
  const tailStart = Math.max(0, zip.size - 22 - 0xffff - 20);
  const tail = await zip.read(tailStart, zip.size - tailStart);
  let eocd = -1;
  for (let o = tail.length - 22; o >= Math.max(0, tail.length - 22 - 0xffff); o--) {
    if (u32(tail, o) === 0x06054b50) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) broken('its table of contents is missing; it may be cut short');
  let count = u16(tail, eocd + 10);
  let length = u32(tail, eocd + 12);
  let offset = u32(tail, eocd + 16);
  if ((count === 0xffff || offset === 0xffffffff || length === 0xffffffff) && eocd >= 20 && u32(tail, eocd - 20) === 0x07064b50) {
    const z64 = u64(tail, eocd - 12);
    const record = z64 + 56 <= zip.size ? await zip.read(z64, 56) : new Uint8Array(0);
    if (record.length < 56 || u32(record, 0) !== 0x06064b50) broken('its ZIP64 table of contents is damaged');
    count = u64(record, 32);
    length = u64(record, 40);
    offset = u64(record, 48);
  }
  if (offset + length > zip.size) broken('its table of contents points past the end of the file; it may be cut short');
  const cd = await zip.read(offset, length);
  const entries: CentralEntry[] = [];
  const decoder = new TextDecoder();
  // Some writers (fflate among them) store 65,536 entries or more without ZIP64, so the 16-bit count wraps:
  // entries that follow inside the table's declared length are read too.
  const more = (o: number) => o + 46 <= cd.length && u32(cd, o) === 0x02014b50;
  for (let i = 0, o = 0; i < count || more(o); i++) {
    if (o + 46 > cd.length || u32(cd, o) !== 0x02014b50) broken(`entry ${i + 1} of its table of contents is damaged`);
    const nameLength = u16(cd, o + 28);
    const extraLength = u16(cd, o + 30);
    let compressedSize = u32(cd, o + 20);
    let size = u32(cd, o + 24);
    let localOffset = u32(cd, o + 42);
    const path = decoder.decode(cd.subarray(o + 46, o + 46 + nameLength));
    // ZIP64: the sizes and offset that did not fit in 32 bits follow, in this order, in extra field 0x0001.
    for (let e = o + 46 + nameLength; e + 4 <= o + 46 + nameLength + extraLength; e += 4 + u16(cd, e + 2)) {
      if (u16(cd, e) !== 0x0001) continue;
      let p = e + 4;
      if (size === 0xffffffff) (size = u64(cd, p)), (p += 8);
      if (compressedSize === 0xffffffff) (compressedSize = u64(cd, p)), (p += 8);
      if (localOffset === 0xffffffff) localOffset = u64(cd, p);
    }
    entries.push({ path, size, compressedSize, localOffset, method: u16(cd, o + 10), encrypted: (u16(cd, o + 8) & 1) === 1 });
    o += 46 + nameLength + extraLength + u16(cd, o + 32);
  }
  return entries;
}

export interface OpenZip {
  /**
   * Files only: no folders, no operating-system junk. Paths as entryPath spells them,
   * except a name that leads outside the archive, which is listed as written (and never read).
   */
  entries: ZipEntryInfo[];
  /** Inflates one entry, found by any spelling of its path; throws ImportError if it is damaged, encrypted or bigger than declared. */
  read(path: string): Promise<Uint8Array>;
}

export interface OpenZipOptions {
  /** The zip is refused when the entries it could read declare more than this in all. */
  maxTotalBytes: number;
  /** Entries declaring more are listed but never inflated, and left out of the total: no file that big is read. */
  maxEntryBytes?: number;
}

/**
 * Lists a zip and refuses it when the declared contents exceed maxTotalBytes. Entries
 * are read and inflated one at a time on read(), so neither the zip nor the image
 * folder in it has to be in memory whole: pass the File itself, not its bytes.
 */
export async function openZip(file: Uint8Array | Blob, fileName: string, opts: OpenZipOptions): Promise<OpenZip> {
  const zip = byteSource(file);
  const maxEntry = opts.maxEntryBytes ?? Infinity;
  const entries: ZipEntryInfo[] = [];
  const byPath = new Map<string, CentralEntry>();
  let declared = 0;
  for (const e of await readCentralDirectory(zip, fileName)) {
    const path = entryPath(e.path);
    if (path === '' || path?.endsWith('/') || (path !== null && isJunkPath(path))) continue;
    entries.push({ path: path ?? e.path, size: e.size });
    // Two spellings of one path: the first is the file; planning reports the second.
    if (path === null || e.size > maxEntry || byPath.has(path)) continue;
    byPath.set(path, e);
    declared += e.size;
  }
  if (declared > opts.maxTotalBytes) {
    throw new ImportError(
      fileName,
      `${fileName} would expand to ${formatBytes(declared)}, more than the ${formatBytes(opts.maxTotalBytes)} of space left.`,
    );
  }
  let inflatedTotal = 0;

  async function inflate(entry: CentralEntry): Promise<Uint8Array> {
    const fail = (why: string): never => {
      throw new ImportError(fileName, `${fileName}: "${entry.path}" ${why}`);
    };
    if (entry.encrypted) fail('is password-protected; Hearth can only read unencrypted zip files.');
    const o = entry.localOffset;
    const header = o + 30 <= zip.size ? await zip.read(o, 30) : new Uint8Array(0);
    if (header.length < 30 || u32(header, 0) !== 0x04034b50) fail('is damaged (its local header is missing).');
    const start = o + 30 + u16(header, 26) + u16(header, 28);
    if (start + entry.compressedSize > zip.size) fail('is cut short.');
    const data = await zip.read(start, entry.compressedSize);
    const chunks: Uint8Array[] = [];
    let length = 0;
    const take = (chunk: Uint8Array) => {
      length += chunk.length;
      inflatedTotal += chunk.length;
      if (length > entry.size || inflatedTotal > opts.maxTotalBytes) {
        fail(`holds more data than the zip declares (${formatBytes(entry.size)}); the file is damaged or deliberately misleading, so the import stopped.`);
      }
      chunks.push(chunk);
    };
    if (entry.method === 0) take(data.slice());
    else if (entry.method === 8) {
      const inflater = new Inflate((chunk) => take(chunk));
      try {
        for (let p = 0; p < data.length; p += CHUNK) inflater.push(data.subarray(p, p + CHUNK), p + CHUNK >= data.length);
        if (data.length === 0) inflater.push(new Uint8Array(0), true);
      } catch (e) {
        if (e instanceof ImportError) throw e;
        fail(`is damaged and cannot be decompressed (${(e as Error).message}).`);
      }
    } else fail(`uses compression method ${entry.method}, which is not supported; re-create the zip with ordinary (deflate) compression.`);
    if (chunks.length === 1) return chunks[0];
    const out = new Uint8Array(length);
    let at = 0;
    for (const c of chunks) out.set(c, (at += c.length) - c.length);
    return out;
  }

  return {
    entries,
    async read(path: string) {
      const entry = byPath.get(entryPath(path) ?? path);
      if (!entry) throw new ImportError(fileName, `${fileName} has no file "${path}" that can be read.`);
      return inflate(entry);
    },
  };
}

/** Every file of a zip in memory at once: fine for small archives; openZip for big ones. */
export async function readZipEntries(zip: Uint8Array | Blob, fileName: string, opts: OpenZipOptions): Promise<FileEntry[]> {
  const archive = await openZip(zip, fileName, opts);
  const out: FileEntry[] = [];
  for (const { path } of archive.entries) out.push({ path, bytes: await archive.read(path) });
  return out;
}
