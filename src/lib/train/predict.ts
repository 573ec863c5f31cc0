/**
 * Predictions with saved models. The last model used stays loaded, so drawing
 * digit after digit does not reload its weights from IndexedDB each time.
 *
 * Inputs arrive ready for the model: pixels in 0–1, or a row already encoded
 * with the model's tabular encoding. A regression model (no classes) answers
 * one value, de-standardised into the target's own units.
 */
import * as tf from '@tensorflow/tfjs';
import type { HearthDb } from '../storage/db';
import { getModelMeta } from '../storage/models';
import { loadModel } from '../storage/modelIO';
import type { SavedModelMeta } from '../types';
import { InputError, ModelMissingError } from './errors';

export class Predictor {
  private cached: { id: string; model: tf.LayersModel; meta: SavedModelMeta } | null = null;
  private readonly db: HearthDb;

  constructor(db: HearthDb) {
    this.db = db;
  }

  async predict(modelId: string, pixels: Float32Array): Promise<number[]> {
    const { model, meta } = await this.load(modelId);
    const [h, w, c] = meta.inputShape;
    const n = h * w * c;
    const what = meta.tabular ? 'input' : 'image';
    if (pixels.length !== n) {
      throw new InputError(
        meta.tabular
          ? `The model "${meta.name}" expects ${n} encoded feature values; got ${pixels.length}.`
          : `The model "${meta.name}" expects an image of ${h}×${w}×${c} = ${n} values; got ${pixels.length}.`,
      );
    }
    if (!pixels.every(Number.isFinite)) throw new InputError(`The ${what} contains values that are not numbers.`);
    const out = tf.tidy(() => model.predict(tf.tensor(pixels, [1, h, w, c])) as tf.Tensor);
    try {
      const values = Array.from(await out.data());
      // A 1-unit sigmoid head gives the second class's probability; the first has the rest.
      if (meta.classes.length === 2 && values.length === 1) return [1 - values[0], values[0]];
      if (meta.classes.length > 0) return values;
      const { mean, std } = meta.tabular?.target ?? { mean: 0, std: 1 };
      return [values[0] * std + mean];
    } finally {
      out.dispose();
    }
  }

  /** The saved model, loaded (and kept, as for predictions). */
  model(modelId: string): Promise<{ model: tf.LayersModel; meta: SavedModelMeta }> {
    return this.load(modelId);
  }

  dispose(): void {
    this.cached?.model.dispose();
    this.cached = null;
  }

  private async load(id: string) {
    if (this.cached?.id === id) return this.cached;
    if (!(await getModelMeta(this.db, id))) {
      throw new ModelMissingError('This model is no longer stored (it may have been deleted in another tab). Pick another model.');
    }
    const { model, meta } = await loadModel(this.db, id);
    this.dispose();
    this.cached = { id, model, meta };
    return this.cached;
  }
}
