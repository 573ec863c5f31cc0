/**
 * Parser for the IDX format used by MNIST: two zero bytes, a dtype byte, a
 * dimension count, that many big-endian uint32 sizes, then the raw data.
 * Only uint8 data is supported, which is all image datasets here need.
 */

export class IdxError extends Error {
  override name = 'IdxError';
}

const DTYPE_NAMES: Record<number, string> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

export function parseIdx(buffer: ArrayBuffer | Uint8Array, name = 'file'): { shape: number[]; data: Uint8Array } {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxError(`${name} is not an IDX file (it does not start with the IDX magic number).`);
  }
  const dtype = bytes[2];
  if (dtype !== 0x08) {
    const known = DTYPE_NAMES[dtype];
    if (!known) throw new IdxError(`${name} is not an IDX file (unknown data type code 0x${dtype.toString(16)}).`);
    throw new IdxError(`${name} holds ${known} data; only uint8 IDX files are supported.`);
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new IdxError(`${name} is an IDX file with no dimensions.`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new IdxError(`${name} is truncated: expected at least ${headerBytes} header bytes, got ${bytes.length}.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let size = 1;
  for (let d = 0; d < ndims; d++) {
    const dim = view.getUint32(4 + 4 * d, false);
    shape.push(dim);
    size *= dim;
  }
  const expected = headerBytes + size;
  if (bytes.length < expected) {
    throw new IdxError(
      `${name} is truncated: expected ${expected} bytes for shape [${shape.join(', ')}], got ${bytes.length}.`,
    );
  }
  // Trailing bytes are ignored rather than rejected: some mirrors pad files.
  return { shape, data: bytes.subarray(headerBytes, expected) };
}
