/**
 * The geometry of augmentation, as plain numbers: one random draw per image and
 * the projective matrix tf.image.transform takes for it. No tfjs here, so the
 * maths is tested on its own.
 *
 * Coordinates are pixels, x across and y down, (0, 0) the top-left pixel's centre.
 * The image is rotated, sheared, zoomed and flipped about its centre, then shifted:
 *
 *   out = A · (in − c) + c + t,   A = Flip · Rotate · Shear · Zoom
 *
 * tf.image.transform wants the other direction (for each output pixel, where to
 * read the input), so the matrix holds in = A⁻¹ · (out − c − t) + c. On a 28×28
 * image a 90° rotation (counter-clockwise as seen) with nothing else gives
 * [0, −1, 27, 1, 0, 0, 0, 0]: output (x, y) reads input (27 − y, x), so the
 * top-right pixel (27, 0) moves to the top-left (0, 0).
 */
import type { Augment } from './spec';

/** One image's draw. */
export interface Draw {
  /** Counter-clockwise, radians. */
  angle: number;
  /** Pixels, right and down. */
  tx: number;
  ty: number;
  /** Horizontal shear angle, radians: x moves by tan(shear) · y. */
  shear: number;
  /** Scale; above 1 enlarges. */
  scale: number;
  flip: boolean;
  /** Added to every pixel (0–1). */
  brightness: number;
}

export const IDENTITY: Readonly<Draw> = Object.freeze({ angle: 0, tx: 0, ty: 0, shear: 0, scale: 1, flip: false, brightness: 0 });

const RAD = Math.PI / 180;

/** A draw for an image of `width` × `height`; `rand` gives numbers in [0, 1). Always six calls, whatever is off, so one setting does not move the others' draws. */
export function drawFor(a: Augment, width: number, height: number, rand: () => number): Draw {
  const either = (max: number) => (rand() * 2 - 1) * max;
  return {
    angle: either(a.rotate) * RAD,
    tx: either(a.shift) * width,
    ty: either(a.shift) * height,
    shear: either(a.shear) * RAD,
    scale: 1 + either(a.zoom),
    flip: a.flip && rand() < 0.5,
    brightness: either(a.brightness),
  };
}

/** [a0, a1, a2, b0, b1, b2, c0, c1] for tf.image.transform: output (x, y) reads input (a0 x + a1 y + a2, b0 x + b1 y + b2). */
export function transformMatrix(d: Draw, width: number, height: number): number[] {
  const cos = Math.cos(d.angle);
  const sin = Math.sin(d.angle);
  const f = d.flip ? -1 : 1;
  // With y down, a counter-clockwise turn as seen is [[cos, sin], [−sin, cos]].
  // A = Flip · Rotate · Shear · Zoom, built as [[p, q], [r, s]].
  const k = Math.tan(d.shear);
  const p = f * cos * d.scale;
  const q = f * (cos * k + sin) * d.scale;
  const r = -sin * d.scale;
  const s = (-sin * k + cos) * d.scale;
  const det = p * s - q * r;
  // A⁻¹ = [[s, −q], [−r, p]] / det.
  const a0 = s / det;
  const a1 = -q / det;
  const b0 = -r / det;
  const b1 = p / det;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  // in = A⁻¹ · (out − c − t) + c, so the constant part is c − A⁻¹ · (c + t).
  const ux = cx + d.tx;
  const uy = cy + d.ty;
  return [a0, a1, cx - (a0 * ux + a1 * uy), b0, b1, cy - (b0 * ux + b1 * uy), 0, 0];
}
