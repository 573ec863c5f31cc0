/**
 * Early stopping: watches the validation loss (the training loss when there is
 * no validation) after each epoch, keeps a copy of the weights of the best epoch
 * so far, and asks to stop once `patience` epochs pass without a new best. The
 * copy lives on the device; `restore` puts it back into the model and
 * `dispose` frees it (call it in a finally).
 */
import * as tf from '@tensorflow/tfjs';
import type { EpochLog } from '../types';
import { watchedLoss } from '../schedule';

export class EarlyStopping {
  /** 1-based epoch of the lowest watched loss so far; 0 before the first. */
  bestEpoch = 0;
  private best = Infinity;
  private kept: tf.Tensor[] | null = null;

  constructor(
    private readonly model: tf.LayersModel,
    readonly patience: number,
  ) {
    if (!Number.isInteger(patience) || patience < 1) throw new Error(`Early stopping needs a patience of 1 or more epochs; got ${patience}.`);
  }

  /** After each epoch; true when the run should stop. */
  afterEpoch(log: EpochLog): boolean {
    const loss = watchedLoss(log);
    if (loss < this.best) {
      this.best = loss;
      this.bestEpoch = log.epoch;
      tf.dispose(this.kept ?? []);
      this.kept = this.model.getWeights().map((w) => tf.keep(w.clone()));
      return false;
    }
    return log.epoch - this.bestEpoch >= this.patience;
  }

  /** Puts the best epoch's weights back; false when the model already holds them (the last epoch was the best) or none were kept. */
  restore(lastEpoch: number): boolean {
    if (!this.kept || this.bestEpoch === lastEpoch) return false;
    this.model.setWeights(this.kept);
    return true;
  }

  dispose(): void {
    tf.dispose(this.kept ?? []);
    this.kept = null;
  }
}
