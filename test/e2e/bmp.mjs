// Images for browser tests, written byte by byte so no image library is needed.

/** A 24-bit BMP, bottom-up rows padded to 4 bytes, written by hand. */
export function bmp(width, height, pixel) {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + rowBytes * height;
  const buf = Buffer.alloc(size);
  buf.write('BM', 0, 'ascii');
  buf.writeUInt32LE(size, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  buf.writeUInt32LE(rowBytes * height, 34);
  buf.writeInt32LE(2835, 38);
  buf.writeInt32LE(2835, 42);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const v = pixel(x, y);
      buf[row + x * 3] = buf[row + x * 3 + 1] = buf[row + x * 3 + 2] = v;
    }
  }
  return new Uint8Array(buf);
}
