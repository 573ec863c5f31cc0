import { describe, expect, it } from 'vitest';
import { cameraProblem, centreSquare, mostlyLight, pictureProblem, pictureToInput, subjectOf } from '../../src/state/imageInput';

/** A width×height RGBA image, every pixel `rgb`. */
function flat(width: number, height: number, rgb: [number, number, number]) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([...rgb, 255], p * 4);
  return { width, height, data };
}

describe('pictures as model input', () => {
  it('shrinks to the model size in greyscale by luma and scales to 0–1', () => {
    const out = pictureToInput(flat(56, 56, [255, 0, 0]), [28, 28, 1]);
    expect(out.length).toBe(784);
    // Rec. 601: 0.299 × 255 = 76.2, stored as the byte 76.
    expect(out[0]).toBeCloseTo(76 / 255, 6);
    expect(out[783]).toBeCloseTo(76 / 255, 6);
  });

  it('keeps colour for a 3-channel model and inverts on request', () => {
    const out = pictureToInput(flat(20, 20, [255, 0, 51]), [10, 10, 3], true);
    expect(Array.from(out.slice(0, 3)).map((v) => Math.round(v * 255))).toEqual([0, 255, 204]);
    expect(mostlyLight(out)).toBe(true);
    expect(mostlyLight(pictureToInput(flat(20, 20, [0, 0, 0]), [10, 10, 1]))).toBe(false);
  });

  it('says which shapes pictures cannot feed', () => {
    expect(pictureProblem([28, 28, 1])).toBeNull();
    expect(pictureProblem([28, 14, 1])).toMatch(/square/);
    expect(pictureProblem([1, 1, 4])).toMatch(/4 channels/);
    expect(() => pictureToInput(flat(0, 10, [0, 0, 0]), [28, 28, 1])).toThrow(/0 pixels wide/);
  });

  it('crops the centred square of a landscape or portrait frame', () => {
    expect(centreSquare(640, 480)).toEqual({ x: 80, y: 0, side: 480 });
    expect(centreSquare(3, 8)).toEqual({ x: 0, y: 2, side: 3 });
  });

  it('asks for a digit only on digit sets', () => {
    expect(subjectOf(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])).toBe('a digit');
    expect(subjectOf(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat'])).toBe('one of its classes (T-shirt/top, Trouser, Pullover, Dress, …)');
    expect(subjectOf(['cat', 'dog'])).toBe('one of its classes (cat, dog)');
  });
});

describe('camera problems', () => {
  it('says in words why the camera did not start', () => {
    expect(cameraProblem(new DOMException('Permission denied', 'NotAllowedError'))).toMatch(/^Camera access was denied/);
    expect(cameraProblem(new DOMException('Requested device not found', 'NotFoundError'))).toBe('No camera was found on this device. Pick a picture instead.');
    expect(cameraProblem(new Error('boom'))).toBe('The camera could not be started (boom). Pick a picture instead.');
  });
});
