/**
 * train_keras.py: the experiment in Keras (TensorFlow 2, Keras 2 or 3), on one
 * device by default, with tf.distribute's multi-worker set-up ready to switch
 * on. Samples stay channels-last, as in Hearth; weights.npz is in PyTorch's
 * layout, so loading it undoes weights.ts's conversions.
 */
import type { OptimizerId } from '../../config';
import type { LayerSpec } from '../../model/layers';
import type { LossId } from '../../model/loss';
import { MATRIX_PY, SCHEDULE_PY, constants, docHeader, py, type PythonExperiment } from './experiment';
import type { PlannedLayer } from './plan';

/** The keras.layers constructor of one layer; activations are the layers' own, as in Hearth. */
export function kerasLayer(l: PlannedLayer): string {
  const s: LayerSpec = l.spec;
  const name = `name=${py(l.name)}`;
  switch (s.type) {
    case 'dense':
      return `layers.Dense(${s.units}, activation=${py(s.activation)}, ${name})`;
    case 'conv2d':
      return `layers.Conv2D(${s.filters}, ${s.kernel}, strides=${s.stride}, padding=${py(s.padding)}, activation=${py(s.activation)}, ${name})`;
    case 'maxPool':
      return `layers.MaxPooling2D(${s.size}, strides=${s.stride}, padding=${py(s.padding)}, ${name})`;
    case 'avgPool':
      return `layers.AveragePooling2D(${s.size}, strides=${s.stride}, padding=${py(s.padding)}, ${name})`;
    case 'flatten':
      return `layers.Flatten(${name})`;
    case 'batchNorm':
      return `layers.BatchNormalization(momentum=0.99, epsilon=0.001, ${name})`;
    case 'dropout':
      return `layers.Dropout(${py(s.rate)}, ${name})`;
  }
}

/** Python lines that set one layer's weights from weights.npz (PyTorch layout) back in Keras's layout. */
export function kerasWeightLines(l: PlannedLayer): string[] {
  const s = l.spec;
  const w = (k: string) => `w[${py(`${l.name}.${k}`)}]`;
  // Undo the channels-first order of features that came from a Flatten: (c, y, x) → (y, x, c).
  const unflat = (expr: string, lead: string) => {
    if (!l.grid) return expr;
    const [h, wd, c] = l.grid;
    return `${expr}.reshape(${lead}${c}, ${h}, ${wd}).transpose(${lead ? '2, 3, 1, 0' : '1, 2, 0'}).reshape(${lead ? `${h * wd * c}, ${lead.slice(0, -2)}` : '-1'})`;
  };
  const set = (parts: string[]) => [`    model.get_layer(${py(l.name)}).set_weights([${parts.join(', ')}])`];
  switch (s.type) {
    case 'dense':
      return set([l.grid ? unflat(w('weight'), `${s.units}, `) : `${w('weight')}.T`, w('bias')]);
    case 'conv2d':
      return set([`${w('weight')}.transpose(2, 3, 1, 0)`, w('bias')]); // OIHW → HWIO
    case 'batchNorm':
      return set(['weight', 'bias', 'running_mean', 'running_var'].map((k) => unflat(w(k), '')));
    default:
      return [];
  }
}

/** The Keras script's load_hearth_weights(model, path): needs only numpy and a model's get_layer(name).set_weights. */
export function kerasWeightLoader(plan: readonly PlannedLayer[]): string {
  const lines = plan.flatMap(kerasWeightLines);
  return `def load_hearth_weights(model, path):
    """Hearth's trained weights from weights.npz, which holds them in PyTorch's layout."""
    w = np.load(path)
${lines.length ? lines.join('\n') : '    pass  # no layer has weights'}
`;
}

const LOSS_PY: Record<LossId, string> = {
  // Categorical cross-entropy on class indices rather than one-hot rows: the same loss.
  'categorical-crossentropy': '"sparse_categorical_crossentropy"',
  'binary-crossentropy': '"binary_crossentropy"',
  mse: '"mse"',
  mae: '"mae"',
};

const OPTIMIZER_PY: Record<OptimizerId, string> = {
  adam: 'keras.optimizers.Adam(LEARNING_RATE, beta_1=BETA1, beta_2=BETA2, epsilon=EPSILON',
  sgd: 'keras.optimizers.SGD(LEARNING_RATE, momentum=MOMENTUM, nesterov=NESTEROV and MOMENTUM > 0',
  rmsprop: 'keras.optimizers.RMSprop(LEARNING_RATE, rho=RHO, momentum=MOMENTUM, epsilon=EPSILON',
};

/** The optimizer's constructor; decoupled weight decay is Keras's own weight_decay argument. */
const optimizerPy = (e: PythonExperiment) => `${OPTIMIZER_PY[e.config.optimizer]}${e.config.weightDecay > 0 ? ', weight_decay=WEIGHT_DECAY' : ''})`;

const USAGE = `Run (Python 3 with tensorflow and numpy; data.npz beside this file):
  python3 train_keras.py                 one machine: CPU, or one GPU
  Several GPUs of one machine: use tf.distribute.MirroredStrategy() in make_strategy().
  Several machines: use MultiWorkerMirroredStrategy() in make_strategy() and start the script
  on every machine with TF_CONFIG naming all of them and this one's index, e.g. on machine 0:
    TF_CONFIG='{"cluster": {"worker": ["host0:12345", "host1:12345"]}, "task": {"type": "worker", "index": 0}}' python3 train_keras.py
Options: --data data.npz  --weights weights.npz (start from Hearth's trained weights)
         --epochs N (0: only evaluate)  --out model.keras  --predictions test_outputs.npy`;

const AUGMENT_PY = `def augment(images):
    """Hearth's augmentation: each image its own rotation, shift, shear, zoom and flip about
    its centre (bilinear, edges repeated), then its own brightness change, clipped to 0-1.
    The same projective transform Hearth hands tf.image.transform."""
    n = tf.shape(images)[0]
    h, w = INPUT_SHAPE[0], INPUT_SHAPE[1]

    def either(m):
        return (tf.random.uniform([n]) * 2 - 1) * m

    angle, tx, ty = either(AUGMENT["rotate"]) * math.pi / 180, either(AUGMENT["shift"]) * w, either(AUGMENT["shift"]) * h
    shear, scale = either(AUGMENT["shear"]) * math.pi / 180, 1 + either(AUGMENT["zoom"])
    flip = 1 - 2 * tf.cast(tf.random.uniform([n]) < 0.5, tf.float32) if AUGMENT["flip"] else tf.ones([n])
    bright = either(AUGMENT["brightness"])
    cos, sin, k = tf.cos(angle), tf.sin(angle), tf.tan(shear)
${MATRIX_PY}    zeros = tf.zeros([n])
    transforms = tf.stack([a0, a1, cx - (a0 * ux + a1 * uy), b0, b1, cy - (b0 * ux + b1 * uy), zeros, zeros], axis=1)
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.constant([h, w]), fill_value=0.0,
        interpolation="BILINEAR", fill_mode="NEAREST")
    return tf.clip_by_value(out + bright[:, None, None, None], 0.0, 1.0)
`;

export function kerasScript(e: PythonExperiment): string {
  const regression = e.task === 'regression';
  return `${docHeader(e, 'Keras', USAGE)}
import argparse
import math
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

HERE = os.path.dirname(os.path.abspath(__file__))

# The experiment, as Hearth ran it.
${constants(e)}


def make_strategy():
    # One machine, one device. For several GPUs of one machine:
    #   return tf.distribute.MirroredStrategy()
    # For several machines (set TF_CONFIG on each, see the top of this file):
    #   return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def build_model():
    return keras.Sequential([
        keras.Input(shape=INPUT_SHAPE),
${e.plan.map((l) => `        ${kerasLayer(l)},`).join('\n')}
    ])


${kerasWeightLoader(e.plan)}

def load_data(path):
    d = np.load(path)

    def xs(name):
        a = d[name]
        a = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)
        return a.reshape((len(a),) + INPUT_SHAPE)

    def ys(name):
        a = d[name]
        if TASK == "regression":
            return ((a - TARGET_MEAN) / TARGET_STD).astype(np.float32)[:, None]
        return a.astype(np.int64) if LOSS != "binary-crossentropy" else a.astype(np.float32)[:, None]

    return {s: (xs(f"x_{s}"), ys(f"y_{s}")) for s in ("train", "val", "test") if len(d[f"x_{s}"])}


def mae_in_units(y, out):
    """Mean absolute error in the target's own units."""
    return tf.reduce_mean(tf.abs(y - out)) * TARGET_STD


${SCHEDULE_PY}

class HearthSchedule(keras.callbacks.Callback):
    """Sets each epoch's learning rate from the schedule and the losses seen so far."""

    def __init__(self, has_val):
        super().__init__()
        self.key, self.watched = ("val_loss" if has_val else "loss"), []

    def on_epoch_begin(self, epoch, logs=None):
        self.model.optimizer.learning_rate.assign(learning_rate_at(epoch, self.watched))

    def on_epoch_end(self, epoch, logs=None):
        self.watched.append(float(logs[self.key]))


${AUGMENT_PY}

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "data.npz"))
    ap.add_argument("--weights", help="start from these weights (weights.npz exported by Hearth)")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--out", default="model.keras")
    ap.add_argument("--predictions", help="save the model's outputs on the test split here (.npy)")
    args = ap.parse_args()

    keras.utils.set_random_seed(SEED)
    splits = load_data(args.data)
    strategy = make_strategy()
    with strategy.scope():
        model = build_model()
        if args.weights:
            load_hearth_weights(model, args.weights)
        optimizer = ${optimizerPy(e)}
        if WEIGHT_DECAY > 0:
            # Kernels only, as in Hearth: biases and batch-normalisation parameters are not decayed.
            optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
        model.compile(optimizer=optimizer, loss=${LOSS_PY[e.loss]}, metrics=[${regression ? 'mae_in_units' : '"accuracy"'}])
    model.summary()

    x_train, y_train = splits["train"]
    train = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(len(x_train), seed=SEED, reshuffle_each_iteration=True).batch(BATCH_SIZE)
    if AUGMENT is not None:
        train = train.map(lambda x, y: (augment(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    train = train.prefetch(tf.data.AUTOTUNE)
    val = tf.data.Dataset.from_tensor_slices(splits["val"]).batch(256) if "val" in splits else None
    callbacks = [HearthSchedule("val" in splits)]
    if PATIENCE > 0:
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss" if "val" in splits else "loss", patience=PATIENCE, restore_best_weights=True))
    if args.epochs > 0:
        model.fit(train, validation_data=val, epochs=args.epochs, callbacks=callbacks, verbose=2)
        model.save(args.out)
        print(f"saved {args.out}")
    if "test" in splits:
        x_test, y_test = splits["test"]
        loss, score = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
        print(f"test loss {loss:.4f}  test {'mae' if TASK == 'regression' else 'accuracy'} {score:.4f}")
        if args.predictions:
            np.save(args.predictions, model.predict(x_test, batch_size=256, verbose=0))


if __name__ == "__main__":
    main()
`;
}
