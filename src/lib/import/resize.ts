/**
 * Decoded RGBA images to the fixed-size uint8 samples a dataset stores. Each axis is
 * resampled on its own: area-averaged when shrinking (every source pixel counts, so
 * thin strokes survive) and bilinear when enlarging.
 */

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, row-major, as ImageData holds it. */
  data: Uint8ClampedArray;
}

export const MIN_IMAGE_SIZE = 8;
export const MAX_IMAGE_SIZE = 224;

/**
 * Image files bigger than this are skipped unread. A 24-bit BMP of 33 megapixels is
 * 100 MB, and every image is shrunk to at most 224×224: a bigger file is a video, a
 * disk image or a decompression bomb, and unpacking it could exhaust the tab's memory.
 */
export const MAX_IMAGE_FILE_BYTES = 100_000_000;
/** 25 megapixels (a 6000×4000 camera photo): decoding and resampling take about 30 bytes a pixel. */
export const MAX_IMAGE_PIXELS = 25_000_000;

/** Why a decoded image of this size cannot be used, or null when it can. */
export function imageProblem(width: number, height: number): string | null {
  if (!(width >= 1)) return 'the image is 0 pixels wide; open it in an image editor and save it again, or remove it';
  if (!(height >= 1)) return 'the image is 0 pixels high; open it in an image editor and save it again, or remove it';
  if (width * height > MAX_IMAGE_PIXELS) {
    return `the image is ${width}×${height} pixels, more than the ${MAX_IMAGE_PIXELS / 1e6} megapixels Hearth reads; shrink it first`;
  }
  return null;
}

/** Rec. 601 luma, the weights most image libraries use for greyscale. */
const LUMA = [0.299, 0.587, 0.114];

/** Per output pixel: the first source pixel it draws from and the weights of the run starting there. */
function weightsFor(from: number, to: number): { first: Int32Array; weights: Float64Array[] } {
  const first = new Int32Array(to);
  const weights: Float64Array[] = [];
  const scale = from / to;
  for (let i = 0; i < to; i++) {
    if (scale >= 1) {
      // Box: the share of each source pixel covered by [i·scale, (i+1)·scale).
      const lo = i * scale;
      const hi = lo + scale;
      const start = Math.floor(lo);
      const end = Math.min(from, Math.ceil(hi - 1e-9));
      const w = new Float64Array(end - start);
      for (let s = start; s < end; s++) w[s - start] = (Math.min(hi, s + 1) - Math.max(lo, s)) / scale;
      first[i] = start;
      weights.push(w);
    } else {
      // Bilinear on pixel centres, clamped at the edges.
      const pos = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), from - 1);
      const start = Math.min(Math.floor(pos), from - 2 < 0 ? 0 : from - 2);
      const t = pos - start;
      first[i] = start;
      weights.push(from === 1 ? Float64Array.of(1) : Float64Array.of(1 - t, t));
    }
  }
  return { first, weights };
}

export function checkImageSize(size: number): void {
  if (!Number.isInteger(size) || size < MIN_IMAGE_SIZE || size > MAX_IMAGE_SIZE) {
    throw new RangeError(`Image size must be a whole number from ${MIN_IMAGE_SIZE} to ${MAX_IMAGE_SIZE}; got ${size}.`);
  }
}

export function resizeToUint8(image: DecodedImage, size: number, channels: 1 | 3): Uint8Array {
  checkImageSize(size);
  const { width, height, data } = image;
  const problem = imageProblem(width, height);
  if (problem) throw new RangeError(problem);
  if (data.length < width * height * 4) throw new RangeError(`The image should have ${width * height} pixels, but has data for fewer.`);

  // To float planes, transparent pixels laid over white (how a browser shows them).
  const n = width * height;
  const planes = Array.from({ length: channels }, () => new Float64Array(n));
  for (let p = 0; p < n; p++) {
    const a = data[4 * p + 3] / 255;
    const white = 255 * (1 - a);
    const r = data[4 * p] * a + white;
    const g = data[4 * p + 1] * a + white;
    const b = data[4 * p + 2] * a + white;
    if (channels === 1) planes[0][p] = LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
    else {
      planes[0][p] = r;
      planes[1][p] = g;
      planes[2][p] = b;
    }
  }

  const cols = weightsFor(width, size);
  const rows = weightsFor(height, size);
  const out = new Uint8Array(size * size * channels);
  const across = new Float64Array(height * size);
  planes.forEach((plane, k) => {
    for (let y = 0; y < height; y++) {
      for (let i = 0; i < size; i++) {
        const w = cols.weights[i];
        let v = 0;
        for (let s = 0; s < w.length; s++) v += w[s] * plane[y * width + cols.first[i] + s];
        across[y * size + i] = v;
      }
    }
    for (let j = 0; j < size; j++) {
      const w = rows.weights[j];
      for (let i = 0; i < size; i++) {
        let v = 0;
        for (let s = 0; s < w.length; s++) v += w[s] * across[(rows.first[j] + s) * size + i];
        out[(j * size + i) * channels + k] = Math.min(255, Math.max(0, Math.round(v)));
      }
    }
  });
  return out;
}
