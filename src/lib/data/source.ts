/**
 * The seam between the data pipeline and the training loop. A BatchSource hands
 * out float32 batches a few at a time, so the whole split never sits in memory
 * as float32; where the samples come from (IndexedDB shards, an in-memory test
 * fixture) is the source's business.
 */

export interface Batch {
  /** size × prod(sampleShape) values: pixels scaled to 0–1, or tabular features as stored. */
  x: Float32Array;
  /** size class indices, or (regression) size targets. */
  labels: Uint8Array | Float32Array;
  size: number;
}

export interface BatchSource {
  /** Samples per epoch. */
  readonly samples: number;
  readonly batchSize: number;
  /** ceil(samples / batchSize). */
  readonly batchesPerEpoch: number;
  /** Per-sample shape [height, width, channels]. */
  readonly sampleShape: [number, number, number];
  /** Number of classes; 0 for regression. */
  readonly numClasses: number;
  /**
   * The batches of one epoch. A shuffled source visits every sample exactly once
   * per epoch, in an order fixed by (seed, epoch); an unshuffled one in stored order.
   */
  epoch(epochIndex: number): AsyncIterable<Batch>;
}
