// The experiment a benchmark run asks the app's worker for: a preset on the first N MNIST images.
import { DEFAULT_CONFIG, type BackendName, type ExperimentConfig, type ModelPresetId } from '../../src/lib/config';
import type { AugmentSetting } from '../../src/lib/augment/spec';

export interface MnistJob {
  backend: BackendName;
  model?: ModelPresetId;
  /** Training samples; 0 for all 60,000. */
  samples: number;
  epochs: number;
  batchSize: number;
  validationSplit?: number;
  augment?: AugmentSetting;
  seed?: number;
}

export function mnistConfig(job: MnistJob): ExperimentConfig {
  return {
    ...DEFAULT_CONFIG,
    datasetId: 'mnist',
    model: job.model ?? 'mlp',
    backend: job.backend,
    trainLimit: job.samples,
    epochs: job.epochs,
    batchSize: job.batchSize,
    validationSplit: job.validationSplit ?? 0,
    augment: job.augment ?? null,
    seed: job.seed ?? DEFAULT_CONFIG.seed,
  };
}
