/** Draws one image of a sample array onto a canvas of its size: grey for one channel, RGB for three. */
export function drawPixels(
  canvas: HTMLCanvasElement,
  pixels: ArrayLike<number>,
  /** Index of the image in `pixels`. */
  index: number,
  shape: readonly [number, number, number],
  /** Multiplies a value to 0–255: 1 for stored bytes, 255 for values in 0–1. */
  scale = 1,
): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const [h, w, c] = shape;
  const img = ctx.createImageData(w, h);
  const base = index * h * w * c;
  for (let i = 0; i < h * w; i++) {
    const r = pixels[base + i * c] * scale;
    const g = c === 3 ? pixels[base + i * c + 1] * scale : r;
    const b = c === 3 ? pixels[base + i * c + 2] * scale : r;
    img.data.set([r, g, b, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}
