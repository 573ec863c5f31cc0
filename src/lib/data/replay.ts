/**
 * Replay against forgetting: while a saved model is fine-tuned on new data, a
 * share of every batch is drawn from the data it first learned from. The new
 * data sets the epoch (every new sample once per epoch, as without replay); each
 * of its batches is topped up with round(m × share / (1 − share)) replayed
 * samples, m being the new samples in it, so replayed samples are `share` of the
 * whole. With batch size 128 and share 0.25, a batch is 96 new samples and 32 old.
 *
 * The replayed samples come from the original source's own shuffled epochs,
 * passed through in turn; epoch e of the mix starts at the original's pass
 * e × PASS_STRIDE, so an epoch's batches depend on (seed, e) alone and a resumed
 * run replays what an uninterrupted one would have.
 */
import type { Batch, BatchSource } from './source';

/** Passes of the original data set aside per epoch: far more than an epoch of new data ever draws. */
const PASS_STRIDE = 1 << 16;

/** The new samples in each batch, so that topped up with replay the batch has about batchSize samples. */
export function newSamplesPerBatch(batchSize: number, share: number): number {
  return Math.max(1, batchSize - Math.round(batchSize * share));
}

/** How many replayed samples go with m new ones. */
export function replayCount(m: number, share: number): number {
  return share > 0 ? Math.round((m * share) / (1 - share)) : 0;
}

/** The original's samples as one endless stream of its shuffled epochs, handed out in any count. */
function sampleStream(original: BatchSource, firstPass: number) {
  const per = original.sampleShape[0] * original.sampleShape[1] * original.sampleShape[2];
  let pass = firstPass;
  let batches: AsyncIterator<Batch> = original.epoch(pass)[Symbol.asyncIterator]();
  let held: Batch | null = null;
  let used = 0;
  let emptyPasses = 0;
  return {
    /** n samples as a batch of their own. */
    async take(n: number): Promise<Batch> {
      const x = new Float32Array(n * per);
      const labels = new (original.numClasses === 0 ? Float32Array : Uint8Array)(n);
      let filled = 0;
      while (filled < n) {
        if (!held || used === held.size) {
          const item = await batches.next();
          if (item.done) {
            if (++emptyPasses > 1) throw new Error('The original training data is empty, so nothing can be replayed.');
            batches = original.epoch(++pass)[Symbol.asyncIterator]();
            held = null;
            continue;
          }
          emptyPasses = 0;
          held = item.value;
          used = 0;
        }
        const k = Math.min(n - filled, held.size - used);
        x.set(held.x.subarray(used * per, (used + k) * per), filled * per);
        labels.set(held.labels.subarray(used, used + k), filled);
        used += k;
        filled += k;
      }
      return { x, labels, size: n };
    },
    close: () => batches.return?.(),
  };
}

/**
 * `fresh` (batched at newSamplesPerBatch) with `original` mixed into every batch.
 * Both must give samples of one shape and classes of one count.
 */
export function withReplay(fresh: BatchSource, original: BatchSource, share: number): BatchSource {
  if (!(share >= 0 && share < 1)) throw new Error(`The replay share must be from 0 to below 1; got ${share}.`);
  if (share === 0) return fresh;
  const same = fresh.sampleShape.every((d, i) => d === original.sampleShape[i]);
  if (!same || fresh.numClasses !== original.numClasses) {
    throw new Error(
      `The original data cannot be replayed: its samples are ${original.sampleShape.join('×')} in ${original.numClasses} classes, ` +
        `the new data's ${fresh.sampleShape.join('×')} in ${fresh.numClasses}.`,
    );
  }
  const per = fresh.sampleShape[0] * fresh.sampleShape[1] * fresh.sampleShape[2];
  const fullBatches = Math.floor(fresh.samples / fresh.batchSize);
  const lastSize = fresh.samples - fullBatches * fresh.batchSize;
  const replayed = fullBatches * replayCount(fresh.batchSize, share) + replayCount(lastSize, share);
  return {
    samples: fresh.samples + replayed,
    batchSize: fresh.batchSize + replayCount(fresh.batchSize, share),
    batchesPerEpoch: fresh.batchesPerEpoch,
    sampleShape: fresh.sampleShape,
    numClasses: fresh.numClasses,
    async *epoch(e: number): AsyncGenerator<Batch> {
      const old = sampleStream(original, e * PASS_STRIDE);
      try {
        for await (const batch of fresh.epoch(e)) {
          const extra = await old.take(replayCount(batch.size, share));
          const x = new Float32Array((batch.size + extra.size) * per);
          x.set(batch.x);
          x.set(extra.x, batch.x.length);
          const labels = new (batch.labels instanceof Float32Array ? Float32Array : Uint8Array)(batch.size + extra.size);
          labels.set(batch.labels);
          labels.set(extra.labels, batch.size);
          yield { x, labels, size: labels.length };
        }
      } finally {
        await old.close();
      }
    },
  };
}
