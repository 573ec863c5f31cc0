/**
 * Small 2-D point sets for watching a network learn a decision boundary. Points
 * lie roughly in [-1, 1]²; `noise` is the standard deviation of Gaussian jitter
 * added to each coordinate. The same options and seed always give the same points.
 */
import { mulberry32 } from './rng';

export type GeneratedKind = 'spiral' | 'circles' | 'xor' | 'gaussians';

export interface GeneratedSetInfo {
  id: GeneratedKind;
  name: string;
  description: string;
  defaultClasses: number;
  minClasses: number;
  maxClasses: number;
}

export const GENERATED_SETS: GeneratedSetInfo[] = [
  { id: 'spiral', name: 'Spiral', description: 'Interleaved spiral arms, one per class: hard for a straight line, easy for a few hidden layers.', defaultClasses: 2, minClasses: 2, maxClasses: 6 },
  { id: 'circles', name: 'Circles', description: 'Concentric rings, one per class: the boundary is a circle.', defaultClasses: 2, minClasses: 2, maxClasses: 5 },
  { id: 'xor', name: 'XOR', description: 'Four quadrants, opposite corners share a class: the classic problem a single layer cannot solve.', defaultClasses: 2, minClasses: 2, maxClasses: 2 },
  { id: 'gaussians', name: 'Gaussian clusters', description: 'Round blobs of points around evenly spaced centres, one per class.', defaultClasses: 3, minClasses: 2, maxClasses: 8 },
];

export interface GenerateOptions {
  samples: number;
  noise: number;
  seed: number;
  classes?: number;
}

export function generate2d(kind: GeneratedKind, opts: GenerateOptions): { x: Float32Array; y: Uint8Array; classes: string[] } {
  const info = GENERATED_SETS.find((s) => s.id === kind);
  if (!info) throw new RangeError(`There is no generated set called "${kind}".`);
  const k = opts.classes ?? info.defaultClasses;
  if (!Number.isInteger(k) || k < info.minClasses || k > info.maxClasses) {
    const range = info.minClasses === info.maxClasses ? `exactly ${info.minClasses}` : `${info.minClasses} to ${info.maxClasses}`;
    throw new RangeError(`${info.name} takes ${range} classes; got ${k}.`);
  }
  if (!Number.isInteger(opts.samples) || opts.samples < k) throw new RangeError(`Ask for at least ${k} samples (one per class).`);
  if (!(opts.noise >= 0)) throw new RangeError('Noise must be zero or more.');

  const rand = mulberry32(opts.seed);
  // Box–Muller: two uniforms to one standard normal.
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const x = new Float32Array(opts.samples * 2);
  const y = new Uint8Array(opts.samples);
  let n = 0;
  for (let c = 0; c < k; c++) {
    // As even as possible: the first (samples mod k) classes get one extra point.
    const count = Math.floor(opts.samples / k) + (c < opts.samples % k ? 1 : 0);
    for (let i = 0; i < count; i++, n++) {
      let px: number;
      let py: number;
      if (kind === 'spiral') {
        const t = count === 1 ? 0.5 : i / (count - 1);
        // 1.75 turns from the centre outwards, arms evenly rotated.
        const angle = (2 * Math.PI * c) / k + t * 1.75 * 2 * Math.PI;
        px = t * Math.cos(angle);
        py = t * Math.sin(angle);
      } else if (kind === 'circles') {
        const angle = 2 * Math.PI * rand();
        const radius = (c + 1) / k;
        px = radius * Math.cos(angle);
        py = radius * Math.sin(angle);
      } else if (kind === 'xor') {
        // Class 0 in quadrants with x·y > 0, class 1 where x·y < 0; kept off the axes so labels are unambiguous before jitter.
        const sx = rand() < 0.5 ? -1 : 1;
        const sy = c === 0 ? sx : -sx;
        px = sx * (0.05 + 0.95 * rand());
        py = sy * (0.05 + 0.95 * rand());
      } else {
        const angle = (2 * Math.PI * c) / k;
        px = 0.7 * Math.cos(angle) + 0.15 * gauss();
        py = 0.7 * Math.sin(angle) + 0.15 * gauss();
      }
      x[2 * n] = px + opts.noise * gauss();
      x[2 * n + 1] = py + opts.noise * gauss();
      y[n] = c;
    }
  }
  const classes = kind === 'xor' ? ['same sign', 'opposite signs'] : Array.from({ length: k }, (_, c) => `class ${c + 1}`);
  return { x, y, classes };
}
