/**
 * Scalars a training step multiplies by (the batch size, the weight-decay factor),
 * made once and kept, rather than made from a number in every step: on a GPU
 * backend each tensor made from a number is an upload, and a few dozen of them
 * per step cost more CPU time than the step's own kernels on some GPU stacks.
 * The values are the same float32 scalars tfjs would make, so results do not change.
 */
import * as tf from '@tensorflow/tfjs';

/** Enough for a full and a short last batch and several learning rates; older ones are let go. */
const MAX_KEPT = 16;

export class Scalars {
  private kept = new Map<number, tf.Scalar>();

  /** The kept scalar of this value; safe inside tf.tidy, which does not dispose it. */
  of(value: number): tf.Scalar {
    let s = this.kept.get(value);
    if (!s) {
      if (this.kept.size >= MAX_KEPT) {
        const [oldest, t] = this.kept.entries().next().value!;
        this.kept.delete(oldest);
        t.dispose();
      }
      s = tf.keep(tf.scalar(value));
      this.kept.set(value, s);
    }
    return s;
  }

  get size(): number {
    return this.kept.size;
  }

  dispose(): void {
    for (const s of this.kept.values()) s.dispose();
    this.kept.clear();
  }
}
