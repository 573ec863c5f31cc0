/**
 * Draws a model input (h×w×c values in 0–1) on a canvas of h×w pixels, so the page
 * shows a picture as the model sees it after resizing and greyscale.
 */
export function paintInput(canvas: HTMLCanvasElement, input: Float32Array | Uint8Array | null, [h, w, c]: readonly number[]): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  canvas.width = w;
  canvas.height = h;
  const img = ctx.createImageData(w, h);
  const scale = input instanceof Uint8Array ? 1 : 255;
  for (let p = 0; p < h * w; p++) {
    const at = (k: number) => Math.round((input?.[p * c + Math.min(k, c - 1)] ?? 0) * scale);
    img.data.set([at(0), at(1), at(2), 255], p * 4);
  }
  ctx.putImageData(img, 0, 0);
}
