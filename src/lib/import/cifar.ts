/**
 * CIFAR-10 binary batches (data_batch_1.bin … test_batch.bin): records of one label
 * byte then a 32×32 image stored as three planes, all red, then green, then blue.
 * The app stores pixels interleaved (HWC), so each record is transposed on the way in.
 */
import { ImportError, formatCount } from './errors';

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

const SIDE = 32;
const PLANE = SIDE * SIDE;
const IMAGE = 3 * PLANE;
export const CIFAR10_RECORD_BYTES = 1 + IMAGE;

export function parseCifar10Batch(bytes: Uint8Array, fileName: string): { x: Uint8Array; y: Uint8Array; count: number } {
  if (bytes.length === 0) throw new ImportError(fileName, `${fileName} is empty.`);
  if (bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    const record = Math.floor(bytes.length / CIFAR10_RECORD_BYTES) + 1;
    // CIFAR-100 records carry a coarse and a fine label byte, one more than CIFAR-10.
    const hint = bytes.length % (CIFAR10_RECORD_BYTES + 1) === 0 ? ' It looks like a CIFAR-100 file, which is not supported.' : '';
    throw new ImportError(
      fileName,
      `${fileName} is not a CIFAR-10 batch: its length (${formatCount(bytes.length)} bytes) is not a multiple of ${formatCount(CIFAR10_RECORD_BYTES)} (record ${formatCount(record)} is cut short).${hint}`,
      { record },
    );
  }
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  const x = new Uint8Array(count * IMAGE);
  const y = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const base = n * CIFAR10_RECORD_BYTES;
    const label = bytes[base];
    if (label > 9) {
      throw new ImportError(
        fileName,
        `${fileName}, record ${formatCount(n + 1)}: label byte ${label} is not a CIFAR-10 class (0–9), so this is not a CIFAR-10 batch.`,
        { record: n + 1 },
      );
    }
    y[n] = label;
    const out = n * IMAGE;
    for (let p = 0; p < PLANE; p++) {
      x[out + 3 * p] = bytes[base + 1 + p];
      x[out + 3 * p + 1] = bytes[base + 1 + PLANE + p];
      x[out + 3 * p + 2] = bytes[base + 1 + 2 * PLANE + p];
    }
  }
  return { x, y, count };
}

/** The official archive names its test batch test_batch.bin; every other batch is training data. */
export function isCifarTestBatch(fileName: string): boolean {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  return base.toLowerCase() === 'test_batch.bin';
}
