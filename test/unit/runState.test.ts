// The page's Run state, driven by a fake worker: how a run that goes wrong ends, and what each button sends.
import { describe, expect, it } from 'vitest';
import { testHearth } from './helpers/hearth';
import type { WorkerEvent } from '../../src/lib/protocol';

/** A started run, and a way to answer as its worker. */
async function started() {
  const t = await testHearth();
  const { run } = t.hearth;
  run.start();
  const runId = run.runId!;
  const sent = () => t.training.sent().map((m) => m.type);
  const emit = (ev: Record<string, unknown>) => t.training.emit({ runId, ...ev } as WorkerEvent);
  emit({ type: 'started', paramCount: 10, trainSamples: 100, valSamples: 0, batchesPerEpoch: 2, epochs: 1 });
  return { run, runId, sent, emit, downloads: t.downloads };
}

describe('Run', () => {
  it('lets Stop end the evaluation after a Stop ended training', async () => {
    const { run, sent, emit } = await started();
    run.stop();
    expect(run.stopRequested).toBe(true);
    emit({ type: 'evaluating', done: 0, total: 1000, etaSeconds: 40 });
    expect(run.state).toBe('evaluating');
    expect(run.stopRequested).toBe(false);
    expect(run.evalProgress).toMatchObject({ done: 0, total: 1000, etaSeconds: 40 });
    run.stop();
    expect(sent()).toEqual(['train', 'stop', 'stop']);
    emit({ type: 'evaluating', done: 256, total: 1000, etaSeconds: 30 });
    expect(run.stopRequested).toBe(true);
    emit({ type: 'done', stopped: true, evaluated: false });
    expect(run.state).toBe('stopped');
    expect(run.evaluated).toBe(false);
    expect(run.active).toBe(false);
  });

  it('ends as diverged with the worker message', async () => {
    const { run, emit } = await started();
    const message = 'Diverged at epoch 1, batch 2: the loss became NaN. Try a lower learning rate (now 10). The model was not saved: its weights are no longer numbers.';
    emit({ type: 'diverged', epoch: 1, batch: 2, batchesPerEpoch: 2, during: 'training', value: 'NaN', message });
    expect(run.state).toBe('diverged');
    expect(run.active).toBe(false);
    expect(run.diverged?.message).toBe(message);
  });

  it('holds an unsaved model: no new run until it is saved, downloaded or discarded', async () => {
    const { run, runId, sent, emit, downloads } = await started();
    emit({ type: 'evaluating', done: 0, total: 10, etaSeconds: 1 });
    emit({ type: 'unsaved', name: 'M', bytes: 4000, diskFull: true, message: 'Not enough disk space…' });
    expect(run.state).toBe('unsaved');
    expect(run.unsaved).toMatchObject({ diskFull: true, bytes: 4000 });
    run.start();
    expect(sent()).toEqual(['train']);

    run.retrySave();
    run.retrySave();
    run.download();
    expect(run.holding).toBe('saving');
    expect(sent()).toEqual(['train', 'save']);
    emit({ type: 'unsaved', name: 'M', bytes: 4000, diskFull: true, message: 'Still full' });
    expect(run.holding).toBeNull();
    expect(run.unsaved?.message).toBe('Still full');

    run.download();
    expect(run.holding).toBe('archiving');
    emit({ type: 'archive', fileName: 'm.zip', data: new Uint8Array(7) });
    expect(downloads).toEqual([['m.zip', 7]]);
    expect(run.holding).toBeNull();
    expect(run.state).toBe('unsaved');

    run.retrySave();
    emit({
      type: 'saved',
      model: { id: 'm1', name: 'M', createdAt: 1, history: [], evaluation: null, trainSeconds: 3, classes: [], config: {}, bytes: 4000 },
    });
    emit({ type: 'done', stopped: false, evaluated: true });
    expect(sent()).toEqual(['train', 'save', 'export', 'save']);
    expect(run.state).toBe('done');
    expect(run.unsaved).toBeNull();
    expect(run.finalSeconds).toBe(3);
    expect(runId).toBe(run.runId);
  });

  it('discards a held model when asked, and can train again', async () => {
    const { run, sent, emit } = await started();
    emit({ type: 'unsaved', name: 'M', bytes: 4000, diskFull: false, message: 'Could not save' });
    run.discard();
    expect(run.state).toBe('discarded');
    expect(run.unsaved).toBeNull();
    expect(sent()).toEqual(['train', 'discard']);
    run.start();
    expect(sent()).toEqual(['train', 'discard', 'train']);
  });
});
