/**
 * "Try it" for an image model: a picture (a file, a camera frame, a drawing on a
 * pad of another size) made into the model's input the way an image import makes
 * samples (import/resize.ts: area-averaged, greyscale by luma), then scaled to 0–1
 * as training scales stored pixels. Pure, so it is unit-tested.
 */
import { MAX_IMAGE_SIZE, MIN_IMAGE_SIZE, imageProblem, resizeToUint8, type DecodedImage } from '../lib/import/resize';

/** Why pictures cannot be fed to a model of this input shape, or null when they can. */
export function pictureProblem([h, w, c]: readonly number[]): string | null {
  if (h !== w) return `This model takes ${h}×${w} images; trying it on pictures needs square ones.`;
  if (c !== 1 && c !== 3) return `This model takes images of ${c} channels; pictures have 1 (grey) or 3 (colour).`;
  if (h < MIN_IMAGE_SIZE || h > MAX_IMAGE_SIZE) return `This model takes ${h}×${w} images; pictures can be made ${MIN_IMAGE_SIZE} to ${MAX_IMAGE_SIZE} pixels square.`;
  return null;
}

/** The largest centred square of an image, as the model's square input crops it rather than squashing it. */
export function centreSquare(width: number, height: number): { x: number; y: number; side: number } {
  const side = Math.min(width, height);
  return { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), side };
}

/**
 * The model input for a picture: h×w×c values in 0–1. `invert` turns dark ink on
 * light paper into the light-on-dark of MNIST-style sets.
 */
export function pictureToInput(image: DecodedImage, shape: readonly number[], invert = false): Float32Array {
  const problem = pictureProblem(shape) ?? imageProblem(image.width, image.height);
  if (problem) throw new RangeError(problem);
  const bytes = resizeToUint8(image, shape[0], shape[2] as 1 | 3);
  return Float32Array.from(bytes, (v) => (invert ? 255 - v : v) / 255);
}

/** True when most of a picture is light, as a photo of ink on paper is: MNIST-style models want it inverted. */
export function mostlyLight(input: Float32Array): boolean {
  let sum = 0;
  for (const v of input) sum += v;
  return input.length > 0 && sum / input.length > 0.5;
}

/** How Try it speaks of what to draw or show: a digit set asks for a digit, any other for one of its classes. */
export function subjectOf(classes: string[]): string {
  if (classes.length === 10 && classes.every((c, i) => c === String(i))) return 'a digit';
  const named = classes.slice(0, 4).join(', ');
  return classes.length > 4 ? `one of its classes (${named}, …)` : `one of its classes (${named})`;
}

/** Why the camera did not start, from getUserMedia's error, in words a person can act on. */
export function cameraProblem(err: unknown): string {
  const name = (err as { name?: string } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return 'Camera access was denied. Allow it in the browser’s site settings (the icon left of the address), or pick a picture instead.';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found on this device. Pick a picture instead.';
  if (name === 'NotReadableError') return 'The camera is in use by another program, or the system blocked it. Close that program, or pick a picture instead.';
  return `The camera could not be started (${err instanceof Error ? err.message : String(err)}). Pick a picture instead.`;
}
