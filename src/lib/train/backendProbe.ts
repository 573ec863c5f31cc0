/**
 * The measurement behind 'auto' on a software WebGPU adapter (see ../backendRates.ts):
 * training samples per second of a small model on the active backend.
 */
import * as tf from '@tensorflow/tfjs';

export interface ProbeBudget {
  /** Timed steps stop once this much time has passed (a step under way finishes)… */
  ms: number;
  /** …and there were at least this many, */
  minSteps: number;
  /** and at most this many. */
  maxSteps: number;
}

export const PROBE_BUDGET: ProbeBudget = { ms: 250, minSteps: 2, maxSteps: 20 };
const BATCH = 32;

/**
 * Training samples per second of a small MLP (784 → 128 → 10, batch 32: the shape of
 * the MNIST presets, smaller) on the active backend. Plain SGD on a squared error:
 * the matrix products that dominate a dense network's step are all there, while
 * fewer distinct kernels keep the shader compilation of the warm-up step short
 * (Adam's per-variable updates and a softmax cross-entropy each compile their own).
 * One warm-up step, then timed steps, each read back. Leaves no tensor behind.
 */
export async function measureTraining(budget: ProbeBudget = PROBE_BUDGET): Promise<number> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 128, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const optimizer = tf.train.sgd(0.01);
  const xs = tf.randomUniform([BATCH, 784], 0, 1, 'float32', 3);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 10), 'int32'), 10));
  const step = async () => {
    const loss = optimizer.minimize(() => tf.losses.meanSquaredError(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar, true);
    await loss!.data();
    loss!.dispose();
  };
  try {
    await step();
    const start = performance.now();
    let steps = 0;
    do {
      await step();
      steps++;
    } while (steps < budget.maxSteps && (steps < budget.minSteps || performance.now() - start < budget.ms));
    return ((steps * BATCH) / (performance.now() - start)) * 1000;
  } finally {
    tf.dispose([xs, ys]);
    optimizer.dispose();
    model.dispose();
  }
}
