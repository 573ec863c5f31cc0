/**
 * A stand-in image format for Node tests, where no real decoder exists:
 * "IMG", width, height, then width × height RGBA pixels.
 */
export function fakeImage(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): Uint8Array {
  const out = new Uint8Array(5 + width * height * 4);
  out.set([73, 77, 71, width, height]);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.set(pixel(x, y), 5 + 4 * (y * width + x));
  return out;
}

export async function decodeFake(bytes: Uint8Array, path: string): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  if (bytes[0] !== 73 || bytes[1] !== 77 || bytes[2] !== 71) throw new Error(`${path} is not a picture`);
  const [width, height] = [bytes[3], bytes[4]];
  return { width, height, data: new Uint8ClampedArray(bytes.subarray(5, 5 + width * height * 4)) };
}

/** Overwrites the uncompressed size of every central-directory entry, as a lying or huge archive would have. */
export function setDeclaredSizes(zip: Uint8Array, size: (path: string) => number | undefined): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  for (let o = 0; o + 46 <= out.length; o++) {
    if (view.getUint32(o, true) !== 0x02014b50) continue;
    const nameLength = view.getUint16(o + 28, true);
    const path = new TextDecoder().decode(out.subarray(o + 46, o + 46 + nameLength));
    const s = size(path);
    if (s !== undefined) view.setUint32(o + 24, s, true);
  }
  return out;
}
