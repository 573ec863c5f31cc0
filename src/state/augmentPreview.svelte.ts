/**
 * The augmentation preview the settings show: asks the training worker to
 * augment the first few training images of the chosen dataset with the current
 * setting and keeps the newest answer. A newer request supersedes an older one;
 * a redraw asks for new random draws of the same setting.
 */
import type { WorkerEvent } from '../lib/protocol';
import type { AugmentPreview } from '../lib/augment/preview';
import type { Augment } from '../lib/augment/spec';
import { newRunId, type Services } from './services';

export interface AugmentPreviewerDeps {
  training: Services['training'];
}

/** Rows of the grid, and augmented copies per row beside the image as stored. */
export const PREVIEW_SAMPLES = 4;
export const PREVIEW_VARIANTS = 5;

export class AugmentPreviewer {
  private readonly deps: AugmentPreviewerDeps;
  preview = $state.raw<AugmentPreview | null>(null);
  pending = $state(false);
  /** Why the last preview could not be made. */
  message = $state<string | null>(null);
  private draw = 0;
  private latestId: string | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(deps: AugmentPreviewerDeps) {
    this.deps = deps;
  }

  /** Previews `augment` on `datasetId`'s first training images; `redraw` asks for new random draws. */
  request(datasetId: string, augment: Augment, seed: number, redraw = false): void {
    this.unsubscribe ??= this.deps.training.subscribe((ev) => this.onEvent(ev));
    if (redraw) this.draw += 1;
    this.latestId = newRunId('augment');
    this.pending = true;
    this.deps.training.request({
      type: 'augment-preview',
      runId: this.latestId,
      datasetId,
      augment: { ...augment },
      seed,
      draw: this.draw,
      samples: PREVIEW_SAMPLES,
      variants: PREVIEW_VARIANTS,
    });
  }

  clear(): void {
    this.latestId = null;
    this.preview = null;
    this.pending = false;
    this.message = null;
  }

  private onEvent(ev: WorkerEvent): void {
    if (ev.runId !== this.latestId) return;
    if (ev.type === 'augment-preview') {
      const { type: _type, runId: _runId, ...preview } = ev;
      this.preview = preview;
      this.message = null;
      this.pending = false;
    } else if (ev.type === 'error') {
      this.message = ev.message;
      this.pending = false;
    }
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
