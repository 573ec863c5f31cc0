/**
 * Turns a drawing into an MNIST-style input, the way the MNIST digits were
 * prepared: crop to the ink's bounding box, scale the longest side to 20 px
 * (area-averaged, keeping the aspect ratio), then place it in a 28×28 frame so
 * the centre of mass sits at the centre. Pure, so it is unit-tested.
 */

export interface GrayImage {
  /** One intensity per pixel 0–255, or RGBA when channels is 4 (the red channel is read). */
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels?: 1 | 4;
}

export const MNIST_SIZE = 28;
const BOX = 20;
/** Faint anti-aliasing fringes should not widen the bounding box. */
const INK_THRESHOLD = 16;

/** Returns 28×28 values in 0–1, or null when nothing is drawn. */
export function downsampleDrawing(img: GrayImage): Float32Array | null {
  const { width, height } = img;
  const ch = img.channels ?? 1;
  const at = (x: number, y: number) => img.data[(y * width + x) * ch] / 255;

  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (img.data[(y * width + x) * ch] > INK_THRESHOLD) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;

  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = BOX / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale));
  const th = Math.max(1, Math.round(bh * scale));

  // Separable box filter: each target pixel averages the source area it covers.
  const rows = new Float32Array(bh * tw);
  for (let y = 0; y < bh; y++) {
    for (let tx = 0; tx < tw; tx++) rows[y * tw + tx] = areaMean((sx) => at(x0 + sx, y0 + y), bw, tx, tw);
  }
  const small = new Float32Array(th * tw);
  for (let tx = 0; tx < tw; tx++) {
    for (let ty = 0; ty < th; ty++) small[ty * tw + tx] = areaMean((sy) => rows[sy * tw + tx], bh, ty, th);
  }

  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const cx = mass > 0 ? mx / mass : tw / 2;
  const cy = mass > 0 ? my / mass : th / 2;
  const ox = Math.round(MNIST_SIZE / 2 - cx);
  const oy = Math.round(MNIST_SIZE / 2 - cy);

  const out = new Float32Array(MNIST_SIZE * MNIST_SIZE);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const X = x + ox, Y = y + oy;
      if (X >= 0 && X < MNIST_SIZE && Y >= 0 && Y < MNIST_SIZE) {
        out[Y * MNIST_SIZE + X] = Math.min(1, Math.max(0, small[y * tw + x]));
      }
    }
  }
  return out;
}

/** Mean of get(s) over the source interval that target cell t of n covers, weighting partly covered source cells. */
function areaMean(get: (s: number) => number, srcLen: number, t: number, n: number): number {
  const a = (t * srcLen) / n;
  const b = ((t + 1) * srcLen) / n;
  let sum = 0;
  for (let s = Math.floor(a); s < Math.ceil(b) && s < srcLen; s++) {
    const w = Math.min(b, s + 1) - Math.max(a, s);
    if (w > 0) sum += w * get(s);
  }
  return sum / (b - a);
}
