/**
 * A text file's bytes to text, in slices, so a file larger than the longest string a
 * browser can hold (Chromium's Blob.text() returns "" past about 512 MB) still reads.
 * Also decides what the bytes are: UTF-8, UTF-16 with or without a byte-order mark,
 * Windows-1252 when they are not valid UTF-8, or not text at all.
 */
import { ImportError, formatBytes } from './errors';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';
export type EncodingChoice = TextEncodingName | 'auto';

/** How each encoding is named to people, in the order the CSV form lists them. */
export const ENCODING_LABELS: Record<TextEncodingName, string> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16 LE',
  'utf-16be': 'UTF-16 BE',
  'windows-1252': 'Latin-1 (Windows-1252)',
};

export interface Sniffed {
  encoding: TextEncodingName;
  /** Bytes of byte-order mark to skip. */
  bom: number;
}

/** Enough of a file to tell its encoding and whether it is text. */
export const HEAD_BYTES = 64 * 1024;
/** Slices read and decoded at a time. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

function bomOf(head: Uint8Array): Sniffed | null {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bom: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bom: 2 };
  return null;
}

/** The byte-order mark to skip when the encoding is chosen by hand: only one that matches it. */
export function bomLength(head: Uint8Array, encoding: TextEncodingName): number {
  const bom = bomOf(head);
  return bom?.encoding === encoding ? bom.bom : 0;
}

/**
 * Text in UTF-16 without a byte-order mark is mostly ASCII, so every other byte is
 * zero: the odd ones for little-endian, the even ones for big-endian.
 */
function utf16Order(head: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const pairs = Math.min(head.length, 4096) >> 1;
  if (pairs < 2) return null;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) even++;
    if (head[2 * i + 1] === 0) odd++;
  }
  if (odd >= 0.3 * pairs && even <= 0.05 * pairs) return 'utf-16le';
  if (even >= 0.3 * pairs && odd <= 0.05 * pairs) return 'utf-16be';
  return null;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    // stream: a character cut in two at the end of the slice is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

export function sniffEncoding(head: Uint8Array): Sniffed {
  const bom = bomOf(head);
  if (bom) return bom;
  const utf16 = utf16Order(head);
  if (utf16) return { encoding: utf16, bom: 0 };
  return { encoding: isUtf8(head) ? 'utf-8' : 'windows-1252', bom: 0 };
}

/**
 * Refuses a file whose first bytes decode to NUL or more than a few control characters
 * (other than tab, line breaks and form feed): an image, a spreadsheet or an archive
 * renamed .csv, which would otherwise fail later with a puzzling parse error.
 */
export function assertText(head: Uint8Array, sniffed: Sniffed, fileName: string, size: number): void {
  const text = new TextDecoder(sniffed.encoding).decode(head.subarray(sniffed.bom, Math.min(head.length, 8192)), { stream: true });
  let controls = 0;
  let firstAt = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const control = c === 0 || c === 0x7f || (c < 32 && c !== 9 && c !== 10 && c !== 12 && c !== 13);
    if (!control) continue;
    if (firstAt < 0) firstAt = i;
    controls++;
    if (c === 0 || controls > Math.max(4, text.length / 100)) {
      const what = c === 0 ? 'a NUL byte' : 'control characters';
      throw new ImportError(
        fileName,
        `${fileName} (${formatBytes(size)}) is not a text file: its start holds ${what} (character ${(c === 0 ? i : firstAt) + 1}), as an image, a spreadsheet or an archive does. Save the table as CSV or TSV text and import that file.`,
      );
    }
  }
}

/** Thrown by a fatal UTF-8 decoder part-way through a file that began as valid UTF-8. */
export class NotUtf8Error extends Error {
  override name = 'NotUtf8Error';
}

export interface ReadTextOptions {
  sniffed: Sniffed;
  /** Fail with NotUtf8Error on bytes that are not UTF-8, instead of replacing them. */
  fatal: boolean;
  chunkBytes?: number;
  signal?: AbortSignal;
  /** Fraction of the file's bytes read so far. */
  onProgress?: (fraction: number) => void;
  onText: (text: string) => void;
}

/** Reads and decodes `file` slice by slice, handing each piece of text to onText. */
export async function readText(file: Blob, fileName: string, o: ReadTextOptions): Promise<void> {
  const decoder = new TextDecoder(o.sniffed.encoding, { fatal: o.fatal });
  const step = o.chunkBytes ?? CHUNK_BYTES;
  const decode = (bytes?: Uint8Array, more = false) => {
    try {
      return bytes ? decoder.decode(bytes, { stream: more }) : decoder.decode();
    } catch (err) {
      if (o.fatal) throw new NotUtf8Error(String(err));
      throw err;
    }
  };
  for (let at = o.sniffed.bom; at < file.size; at += step) {
    o.signal?.throwIfAborted();
    const end = Math.min(file.size, at + step);
    const bytes = await readSlice(file, fileName, at, end);
    o.onText(decode(bytes, true));
    o.onProgress?.(end / file.size);
  }
  const rest = decode();
  if (rest) o.onText(rest);
}

export async function readSlice(file: Blob, fileName: string, start: number, end: number): Promise<Uint8Array> {
  try {
    return new Uint8Array(await file.slice(start, end).arrayBuffer());
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/\.+$/, '') : String(err);
    throw new ImportError(
      fileName,
      `${fileName} (${formatBytes(file.size)}) could not be read at byte ${start} (${reason}). If it changed since it was picked, or lives on a network drive, copy it to this computer and pick it again.`,
    );
  }
}
