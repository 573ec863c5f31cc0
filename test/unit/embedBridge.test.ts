// An embedded Hearth and its host page, on a fake worker and a fake window: the events it posts, to whom,
// and which commands it obeys.
import { describe, expect, it } from 'vitest';
import { testHearth } from './helpers/hearth';
import { tinyDataset } from './helpers/fakeDb';
import { writeDataset } from '../../src/lib/storage/datasets';
import { EmbedBridge, type HostChannel, type HostMessage } from '../../src/state/embedBridge.svelte';
import { eventProblem, type EmbedEvent } from '../../src/lib/embed/events';
import type { EmbedOptions } from '../../src/lib/embed/options';
import type { WorkerEvent } from '../../src/lib/protocol';

const HOST = 'https://course.example.org';
const OPTIONS: EmbedOptions = { embed: 'q1', panels: ['run'], unlock: ['epochs'], title: '', note: '', origin: HOST };

function fakeChannel() {
  const posted: { event: EmbedEvent; to: string }[] = [];
  let handler: ((m: HostMessage) => void) | null = null;
  const channel: HostChannel = {
    post: (event, to) => posted.push({ event, to }),
    listen(h) {
      handler = h;
      return () => (handler = null);
    },
  };
  const send = (data: unknown, origin = HOST, fromParent = true) => handler?.({ data, origin, fromParent });
  return { channel, posted, send, listening: () => handler !== null };
}

async function embedded(host: string | null = HOST) {
  const t = await testHearth();
  const data = tinyDataset('tiny', { train: 6, test: 3 }, 4);
  await writeDataset(t.db, data.meta, data.data);
  t.hearth.settings.initFromUrl('?datasetId=tiny&epochs=2');
  await t.hearth.library.init();
  const fake = fakeChannel();
  const bridge = new EmbedBridge(t.hearth, OPTIONS, host, fake.channel);
  bridge.connect();
  const sentTypes = () => t.training.sent().map((m) => m.type);
  const events = () => fake.posted.map((p) => p.event);
  return { ...t, ...fake, bridge, sentTypes, events };
}

describe('EmbedBridge', () => {
  it('posts a run as run-started, one epoch event per epoch and run-finished with the test accuracy, to the host origin only', async () => {
    const e = await embedded();
    e.send({ source: 'hearth-host', version: 1, type: 'start' });
    expect(e.sentTypes()).toEqual(['train']);
    const runId = e.hearth.run.runId!;
    const emit = (ev: Record<string, unknown>) => e.training.emit({ runId, ...ev } as WorkerEvent);
    emit({ type: 'started', paramCount: 10, trainSamples: 6, valSamples: 0, batchesPerEpoch: 1, epochs: 2 });
    const log = (epoch: number, acc: number) => ({ epoch, loss: 1 / epoch, acc, valLoss: null, valAcc: null, seconds: 0.1, samplesPerSec: 60 });
    emit({ type: 'epoch', log: log(1, 0.5), numTensors: 4, learningRate: 0.001 });
    emit({ type: 'epoch', log: log(2, 0.75), numTensors: 4, learningRate: 0.001 });
    const result = { accuracy: 2 / 3, loss: 0.4, confusion: [1, 0, 0, 0, 1, 0, 0, 1, 0], numClasses: 3, perClass: [], macroF1: 0.5, samples: 3 };
    emit({ type: 'evaluation', result });
    emit({ type: 'saved', model: { id: 'm', name: 'M' } });
    emit({ type: 'done', stopped: false, evaluated: true });
    // An event of another run (an older one) says nothing.
    e.training.emit({ type: 'epoch', runId: 'other', log: log(9, 1), numTensors: 4, learningRate: 0.001 });

    expect(e.posted.every((p) => p.to === HOST)).toBe(true);
    expect(e.events().map((ev) => eventProblem(ev))).toEqual(e.events().map(() => null));
    expect(e.events().map((ev) => ev.type)).toEqual(['run-started', 'epoch', 'epoch', 'run-finished']);
    expect(e.events()[0]).toMatchObject({ embed: 'q1', runId, datasetId: 'tiny', epochs: 2, config: { datasetId: 'tiny', epochs: 2 } });
    expect(e.events()[2]).toEqual({ source: 'hearth', version: 1, embed: 'q1', type: 'epoch', runId, epoch: 2, epochs: 2, loss: 0.5, accuracy: 0.75, valLoss: null, valAccuracy: null });
    expect(e.events()[3]).toEqual({ source: 'hearth', version: 1, embed: 'q1', type: 'run-finished', runId, outcome: 'finished', epochs: 2, testAccuracy: 2 / 3 });
  });

  it('reports a stopped run without an evaluation as stopped, with no test accuracy', async () => {
    const e = await embedded();
    e.hearth.run.start();
    const runId = e.hearth.run.runId!;
    e.training.emit({ type: 'started', runId, paramCount: 1, trainSamples: 6, valSamples: 0, batchesPerEpoch: 1, epochs: 2 });
    e.send({ source: 'hearth-host', version: 1, type: 'stop' });
    expect(e.sentTypes()).toEqual(['train', 'stop']);
    e.training.emit({ type: 'done', runId, stopped: true, evaluated: false });
    expect(e.events().at(-1)).toMatchObject({ type: 'run-finished', outcome: 'stopped', epochs: 0, testAccuracy: null });
  });

  it('ignores commands from another origin or another window, counting them, and answers none of them', async () => {
    const e = await embedded();
    e.send({ source: 'hearth-host', version: 1, type: 'start' }, 'https://evil.example');
    e.send({ source: 'hearth-host', version: 1, type: 'set', field: 'epochs', value: 9 }, HOST, false);
    e.send({ type: 'start' }, 'https://evil.example'); // not a command at all: not even counted
    expect(e.bridge.ignored).toBe(2);
    expect(e.sentTypes()).toEqual([]);
    expect(e.hearth.settings.config.epochs).toBe(2);
    expect(e.posted).toEqual([]);
  });

  it('sets an unlocked field from the host and refuses a locked one, saying why', async () => {
    const e = await embedded();
    e.send({ source: 'hearth-host', version: 1, type: 'set', field: 'epochs', value: 7 });
    expect(e.hearth.settings.config.epochs).toBe(7);
    expect(e.hearth.settings.drafts.epochs).toBe('7');
    e.send({ source: 'hearth-host', version: 1, type: 'set', field: 'learningRate', value: 0.5 });
    expect(e.hearth.settings.config.learningRate).toBe(0.001);
    e.send({ source: 'hearth-host', version: 1, type: 'stop' });
    expect(e.events()).toEqual([
      { source: 'hearth', version: 1, embed: 'q1', type: 'refused', command: 'set', reason: 'learningRate is locked in this embed (unlocked: epochs)' },
      { source: 'hearth', version: 1, embed: 'q1', type: 'refused', command: 'stop', reason: 'no run is in progress' },
    ]);
  });

  it('refuses to start before its dataset is stored, and to change settings during a run', async () => {
    const e = await embedded();
    e.hearth.settings.set('datasetId', 'circles');
    e.send({ source: 'hearth-host', version: 1, type: 'start' });
    expect(e.events().at(-1)).toMatchObject({ type: 'refused', command: 'start', reason: 'the dataset is not loaded yet' });
    e.hearth.settings.set('datasetId', 'tiny');
    e.send({ source: 'hearth-host', version: 1, type: 'start' });
    e.send({ source: 'hearth-host', version: 1, type: 'set', field: 'epochs', value: 3 });
    e.send({ source: 'hearth-host', version: 1, type: 'start' });
    expect(e.sentTypes()).toEqual(['train']);
    expect(e.hearth.settings.config.epochs).toBe(2);
    expect(e.events().slice(-2).map((ev) => ev.type === 'refused' && ev.reason)).toEqual(['settings cannot change during a run', 'a run is in progress']);
  });

  it('without a host origin posts nothing and obeys no one', async () => {
    const e = await embedded(null);
    e.send({ source: 'hearth-host', version: 1, type: 'start' }, HOST);
    e.bridge.size(640);
    expect(e.posted).toEqual([]);
    expect(e.sentTypes()).toEqual([]);
    expect(e.bridge.ignored).toBe(1);
  });

  it('reports its height when it changes, and stops listening when disposed', async () => {
    const e = await embedded();
    e.bridge.size(640.2);
    e.bridge.size(640.9);
    e.bridge.size(700);
    expect(e.events()).toMatchObject([{ type: 'size', height: 641 }, { type: 'size', height: 700 }]);
    expect(e.listening()).toBe(true);
    e.bridge.dispose();
    expect(e.listening()).toBe(false);
  });
});
