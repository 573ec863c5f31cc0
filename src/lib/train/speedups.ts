/**
 * Switches for the WebGPU speed-ups, all on by default. They exist so a benchmark can
 * measure each one's effect and so any one can be turned off if a GPU stack is found
 * where it does not help. A change applies to backends started and optimizers made
 * after it.
 */
export interface Speedups {
  /** Tensors made from JavaScript values reach the GPU through queue.writeBuffer into pooled buffers. */
  pooledUploads: boolean;
  /** One WebGPU kernel per weight tensor for the Adam, SGD-momentum and RMSprop updates. */
  fusedOptimizer: boolean;
}

const DEFAULTS: Speedups = { pooledUploads: true, fusedOptimizer: true };

export const speedups: Speedups = { ...DEFAULTS };

/** Sets some switches; with no argument, puts all of them back to their defaults. */
export function setSpeedups(changes: Partial<Speedups> = DEFAULTS): void {
  Object.assign(speedups, changes);
}
