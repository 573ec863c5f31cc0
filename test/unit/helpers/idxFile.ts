/** Builds a uint8 IDX file by hand, independently of the parser under test. */
export function makeIdx(shape: number[], data: ArrayLike<number>): Uint8Array {
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + data.length);
  out[2] = 0x08;
  out[3] = shape.length;
  shape.forEach((dim, i) => {
    out[4 + 4 * i] = (dim >>> 24) & 0xff;
    out[5 + 4 * i] = (dim >>> 16) & 0xff;
    out[6 + 4 * i] = (dim >>> 8) & 0xff;
    out[7 + 4 * i] = dim & 0xff;
  });
  out.set(data, header);
  return out;
}
