/**
 * Draws a decision-boundary map as TensorFlow Playground does: each grid cell
 * in its predicted class's colour, paler where the model is unsure, smoothed
 * up to the canvas, then the training points (white rim) and test points
 * (dark rim) on top.
 */
import type { BoundaryGrid } from '../../lib/data/plane';
import type { PlanePoints } from '../../state/boundary.svelte';
import { classColour, rgb } from '../common/palette';

/** The grid as an image of size × size pixels: colour = predicted class, opacity = how sure. */
function gridImage(grid: BoundaryGrid): ImageData {
  const { size, numClasses, predicted, probs } = grid;
  const img = new ImageData(size, size);
  const floor = 1 / Math.max(2, numClasses);
  for (let k = 0; k < size * size; k++) {
    const c = predicted[k];
    const sure = (probs[k * numClasses + c] - floor) / (1 - floor);
    const [r, g, b] = classColour(c);
    img.data.set([r, g, b, Math.round(255 * (0.12 + 0.6 * Math.max(0, Math.min(1, sure))))], k * 4);
  }
  return img;
}

export function drawBoundary(canvas: HTMLCanvasElement, grid: BoundaryGrid, points: PlanePoints | null): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width: w, height: h } = canvas;
  const small = document.createElement('canvas');
  small.width = small.height = grid.size;
  small.getContext('2d')?.putImageData(gridImage(grid), 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, w, h);
  if (!points) return;
  const { x0, x1, y0, y1 } = grid.extent;
  const dot = (xy: Float32Array, y: Uint8Array, rim: string) => {
    ctx.lineWidth = 1;
    ctx.strokeStyle = rim;
    for (let i = 0; i < y.length; i++) {
      const px = ((xy[2 * i] - x0) / (x1 - x0)) * w;
      const py = ((y1 - xy[2 * i + 1]) / (y1 - y0)) * h;
      ctx.beginPath();
      ctx.arc(px, py, 2.6, 0, 2 * Math.PI);
      ctx.fillStyle = rgb(classColour(y[i]));
      ctx.fill();
      ctx.stroke();
    }
  };
  dot(points.train.xy, points.train.y, 'rgba(255, 255, 255, 0.9)');
  dot(points.test.xy, points.test.y, 'rgba(0, 0, 0, 0.85)');
}

/** The share of the plane each class holds: [0.48, 0.52]. */
export function classShares(grid: BoundaryGrid): number[] {
  const counts = new Array<number>(grid.numClasses).fill(0);
  for (const c of grid.predicted) counts[c]++;
  return counts.map((n) => n / grid.predicted.length);
}
