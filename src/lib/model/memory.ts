/**
 * An estimate of the memory one training step needs, in bytes, every value a
 * 4-byte float:
 *
 *   weights      = P                       every weight (BatchNormalization's moving statistics too)
 *   gradients    = T                       one per trainable weight
 *   optimizer    = k · T                   k slots per trainable weight: Adam 2 (first and second
 *                                          moments), RMSProp 2, Adagrad 1, momentum 1, SGD 0
 *   activations  = B · (I + Σ Oᵢ)          the input and each layer's output, kept for backprop,
 *                                          for a batch of B samples
 *   total        = 4 · (P + T + k·T + B·(I + Σ Oᵢ))
 *
 * Worked example: dense 10 softmax on flattened 28×28×1, Adam, batch 128:
 * P = T = 7850, activations 128 · (784 + 784 + 10) = 201,984 values;
 * 4 · (7850 + 7850 + 15,700 + 201,984) = 933,536 bytes.
 *
 * It leaves out the backend's workspace and temporaries, so the real peak is
 * higher; it is for comparing models and spotting one that cannot fit.
 */
import type { LayerRow, Shape } from './shapes';

const BYTES = 4;

/** Optimizer state per trainable weight, by optimizer id; an unknown optimizer counts as Adam. */
export const OPTIMIZER_SLOTS: Record<string, number> = { sgd: 0, momentum: 1, adagrad: 1, rmsprop: 2, adadelta: 2, adam: 2, adamax: 2, adamw: 2 };

export interface MemoryEstimate {
  weights: number;
  gradients: number;
  optimizer: number;
  activations: number;
  total: number;
}

const size = (s: Shape) => s.reduce((a, b) => a * b, 1);

export function estimateMemory(rows: readonly LayerRow[], inputShape: Shape, batchSize: number, optimizer: string): MemoryEstimate {
  const params = rows.reduce((n, r) => n + r.params, 0);
  const trainable = rows.reduce((n, r) => n + r.trainable, 0);
  const slots = OPTIMIZER_SLOTS[optimizer] ?? 2;
  const perSample = rows.reduce((n, r) => n + size(r.output), size(inputShape));
  const out = {
    weights: BYTES * params,
    gradients: BYTES * trainable,
    optimizer: BYTES * slots * trainable,
    activations: BYTES * batchSize * perSample,
  };
  return { ...out, total: out.weights + out.gradients + out.optimizer + out.activations };
}
