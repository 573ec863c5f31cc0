import { describe, expect, it } from 'vitest';
import { fakeWorkers } from './helpers/fakeWorker';
import { TrainingClient } from '../../src/worker/client';
import type { WorkerEvent, WorkerRequest } from '../../src/lib/protocol';
import { DEFAULT_CONFIG } from '../../src/lib/config';

let workers = fakeWorkers<WorkerRequest, WorkerEvent>();

function setup() {
  workers = fakeWorkers<WorkerRequest, WorkerEvent>();
  const client = new TrainingClient(workers.create);
  const events: WorkerEvent[] = [];
  const unsubscribe = client.subscribe((ev) => events.push(ev));
  return { client, events, unsubscribe };
}

const trainReq: WorkerRequest = { type: 'train', runId: 'r1', config: { ...DEFAULT_CONFIG } };

describe('TrainingClient', () => {
  it('starts the worker lazily and delivers its events', () => {
    const { client, events, unsubscribe } = setup();
    expect(workers.created).toHaveLength(0);
    client.request(trainReq);
    expect(workers.created).toHaveLength(1);
    expect(workers.created[0].posted[0].msg).toBe(trainReq);
    const ev: WorkerEvent = { type: 'done', runId: 'r1', stopped: false, evaluated: true };
    workers.created[0].emit(ev);
    expect(events).toEqual([ev]);
    unsubscribe();
    workers.created[0].emit(ev);
    expect(events).toHaveLength(1);
  });

  it('transfers the pixel buffer of a predict request', () => {
    const { client } = setup();
    const pixels = new Float32Array(784);
    client.request({ type: 'predict', runId: 'p1', modelId: 'm', pixels });
    const { transfer } = workers.created[0].posted[0];
    expect(transfer).toHaveLength(1);
    expect(transfer![0]).toBe(pixels.buffer);
  });

  it('turns a crash into an error event and starts a fresh worker next time', () => {
    const { client, events } = setup();
    client.request(trainReq);
    client.request({ type: 'stop', runId: 'r2' });
    const first = workers.created[0];
    first.crash('Out of memory.');
    expect(first.terminated).toBe(true);
    expect(events).toEqual([
      {
        type: 'error',
        kind: 'internal',
        runId: 'r2',
        message: 'The training worker stopped unexpectedly: Out of memory. Your datasets and saved models are safe.',
      },
    ]);
    // Late messages from the dead worker are ignored.
    first.emit({ type: 'done', runId: 'r2', stopped: true, evaluated: true });
    expect(events).toHaveLength(1);

    client.request({ type: 'probe', runId: 'r3', backend: 'auto' });
    expect(workers.created).toHaveLength(2);
    expect(workers.created[1].posted.map((p) => p.msg.runId)).toEqual(['r3']);
  });

  it('reports an unreadable message as a crash', () => {
    const { client, events } = setup();
    client.request(trainReq);
    workers.created[0].onmessageerror?.({} as MessageEvent);
    expect(events[0]).toMatchObject({ type: 'error', kind: 'internal', runId: 'r1' });
    expect((events[0] as { message: string }).message).toMatch(/^The training worker stopped unexpectedly: a message could not be read\./);
  });

  it('terminate stops the worker and the next request starts another', () => {
    const { client } = setup();
    client.request(trainReq);
    client.terminate();
    expect(workers.created[0].terminated).toBe(true);
    client.request(trainReq);
    expect(workers.created).toHaveLength(2);
  });
});
