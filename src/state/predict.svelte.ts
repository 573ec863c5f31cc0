/** "Try it": sends an input (a drawing, a picture, a table row) to the worker for the picked model and keeps the newest answer. */
import type { WorkerEvent } from '../lib/protocol';
import { newRunId, type Services } from './services';
import type { ErrorBanner } from './errors.svelte';

export interface PredictorDeps {
  training: Services['training'];
  errors: ErrorBanner;
}

export class Predictor {
  private readonly deps: PredictorDeps;
  probabilities = $state.raw<number[] | null>(null);
  /** The input last sent (pixels in 0–1, or an encoded row), so the page can show what the model saw and add it to a dataset. */
  input = $state.raw<Float32Array | null>(null);
  pending = $state(false);
  predicted = $derived.by(() => {
    const p = this.probabilities;
    if (!p || p.length === 0) return null;
    let best = 0;
    for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
    return best;
  });

  private latestId: string | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(deps: PredictorDeps) {
    this.deps = deps;
  }

  predict(modelId: string, pixels: Float32Array): void {
    this.unsubscribe ??= this.deps.training.subscribe((ev) => this.onEvent(ev));
    this.latestId = newRunId('predict');
    this.input = pixels;
    this.pending = true;
    // The worker may transfer the buffer; keep our copy for the preview.
    this.deps.training.request({ type: 'predict', runId: this.latestId, modelId, pixels: pixels.slice() });
  }

  clear(): void {
    this.latestId = null;
    this.probabilities = null;
    this.input = null;
    this.pending = false;
  }

  private onEvent(ev: WorkerEvent): void {
    if (ev.runId !== this.latestId) return;
    if (ev.type === 'prediction') {
      this.probabilities = ev.probabilities;
      this.pending = false;
    } else if (ev.type === 'error') {
      this.pending = false;
      this.deps.errors.show(ev.message);
    }
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
