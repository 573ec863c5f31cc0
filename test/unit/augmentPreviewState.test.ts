// The settings' augmentation preview, driven through a Hearth on a fake training worker.
import { describe, expect, it } from 'vitest';
import { testHearth } from './helpers/hearth';
import type { WorkerRequest } from '../../src/lib/protocol';
import { PREVIEW_SAMPLES, PREVIEW_VARIANTS } from '../../src/state/augmentPreview.svelte';

const AUGMENT = { rotate: 15, shift: 0.1, shear: 0, zoom: 0.1, flip: false, brightness: 0 };
type PreviewRequest = Extract<WorkerRequest, { type: 'augment-preview' }>;

describe('AugmentPreviewer', () => {
  it('asks the training worker, keeps the newest answer only, and draws anew on a redraw', async () => {
    const { hearth, training } = await testHearth();
    const previewer = hearth.augmentPreview;
    previewer.request('mnist', AUGMENT, 42);
    previewer.request('mnist', AUGMENT, 42, true);
    const [older, newer] = training.sent() as PreviewRequest[];
    expect(older).toMatchObject({ type: 'augment-preview', datasetId: 'mnist', augment: AUGMENT, seed: 42, draw: 0, samples: PREVIEW_SAMPLES, variants: PREVIEW_VARIANTS });
    expect(newer.draw).toBe(1);
    expect(previewer.pending).toBe(true);

    const answer = { shape: [1, 1, 1] as [number, number, number], perSample: 2, labels: ['7'], pixels: new Float32Array([0.5, 0.25]) };
    training.emit({ type: 'augment-preview', runId: older.runId, ...answer, labels: ['stale'] });
    expect(previewer.preview).toBeNull();
    training.emit({ type: 'augment-preview', runId: newer.runId, ...answer });
    expect(previewer.preview).toEqual(answer);
    expect(previewer.pending).toBe(false);
    hearth.dispose();
  });

  it('keeps the worker\'s reason when a preview cannot be made', async () => {
    const { hearth, training } = await testHearth();
    hearth.augmentPreview.request('iris', AUGMENT, 1);
    const { runId } = training.sent()[0] as PreviewRequest;
    training.emit({ type: 'error', runId, kind: 'bad-config', message: 'Iris is a table: augmentation moves the pixels of images, so it does not apply.' });
    expect(hearth.augmentPreview.message).toBe('Iris is a table: augmentation moves the pixels of images, so it does not apply.');
    expect(hearth.augmentPreview.pending).toBe(false);
    hearth.dispose();
  });
});
