import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { evaluateSamples, validate } from '../../src/lib/train/evaluate';
import { memorySource } from './helpers/memorySource';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * A Stop reaches the training worker as a message. An evaluation whose batches and reads settle
 * as promises alone (memory here; a GPU read in the browser can too) must still give that
 * message its turn, or the Stop is read only after the last batch.
 */
describe('a Stop sent as a message during an evaluation', () => {
  const BATCHES = 20;
  const source = () =>
    memorySource({ x: Float32Array.from({ length: 2 * BATCHES }, (_, i) => i - BATCHES), labels: new Uint8Array(2 * BATCHES), sampleShape: [1, 1, 1], numClasses: 2, batchSize: 2 });
  const model = () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [1, 1, 1] }), tf.layers.dense({ units: 2, activation: 'softmax' })] });
  /** A flag set by a message posted now, as the worker's onmessage sets it. */
  function stopMessage(): () => boolean {
    let stopped = false;
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      stopped = true;
      channel.port1.close();
    };
    channel.port2.postMessage({ type: 'stop' });
    return () => stopped;
  }

  it('ends evaluateSamples within a batch or two, with no scores', async () => {
    const m = model();
    const progress: number[] = [];
    const out = await evaluateSamples(m, source(), { shouldStop: stopMessage(), onProgress: (done) => progress.push(done) });
    expect(out).toBeNull();
    expect(progress.length).toBeLessThanOrEqual(2);
    // Without a Stop the same pass goes to the end.
    const whole: number[] = [];
    expect(await evaluateSamples(m, source(), { onProgress: (done) => whole.push(done) })).not.toBeNull();
    expect(whole).toHaveLength(BATCHES);
    m.dispose();
  });

  it('ends validate with no figures', async () => {
    const m = model();
    expect(await validate(m, source(), stopMessage())).toBeNull();
    expect(await validate(m, source())).toMatchObject({ acc: expect.any(Number) });
    m.dispose();
  });
});
