import { describe, expect, it } from 'vitest';
import { fakeWorkers } from './helpers/fakeWorker';
import { ImportClient } from '../../src/worker/importClient';
import type { ImportEvent, ImportRequest } from '../../src/lib/import/protocol';

let workers = fakeWorkers<ImportRequest, ImportEvent>();

function setup() {
  workers = fakeWorkers<ImportRequest, ImportEvent>();
  const client = new ImportClient(workers.create);
  const events: ImportEvent[] = [];
  client.subscribe((ev) => events.push(ev));
  return { client, events };
}

const file = new File(['a,b\n1,2\n'], 'data.csv');

describe('ImportClient', () => {
  it('starts the worker on the first request, posts requests as they are and delivers events', () => {
    const { client, events } = setup();
    expect(workers.created).toHaveLength(0);
    const inspect: ImportRequest = { type: 'inspect-csv', jobId: 'j1', file };
    client.request(inspect);
    client.request({ type: 'cancel', jobId: 'j1' });
    const worker = workers.created[0];
    expect(workers.created).toHaveLength(1);
    expect(worker.posted.map((p) => [p.msg, p.transfer])).toEqual([
      [inspect, undefined],
      [{ type: 'cancel', jobId: 'j1' }, undefined],
    ]);
    const progress: ImportEvent = { type: 'progress', jobId: 'j1', phase: 'read', fraction: 0.5 };
    worker.emit(progress);
    expect(events).toEqual([progress]);
  });

  it('reports a crashed worker as an error of the last job, then starts afresh', () => {
    const { client, events } = setup();
    client.request({ type: 'inspect-csv', jobId: 'j1', file });
    client.request({ type: 'import', jobId: 'j2', source: { kind: 'cifar10', files: [], name: 'c' } });
    const first = workers.created[0];
    first.crash('Out of memory.');
    expect(first.terminated).toBe(true);
    expect(events).toEqual([
      { type: 'error', jobId: 'j2', message: 'The import worker stopped unexpectedly: Out of memory. Nothing was stored.' },
    ]);
    first.emit({ type: 'error', jobId: 'j2', message: 'late' });
    expect(events).toHaveLength(1);

    client.request({ type: 'inspect-csv', jobId: 'j3', file });
    expect(workers.created).toHaveLength(2);
    first.onmessageerror?.({} as MessageEvent);
    expect(events).toHaveLength(1);
    workers.created[1].onmessageerror?.({} as MessageEvent);
    expect(events[1]).toEqual({
      type: 'error',
      jobId: 'j3',
      message: 'The import worker stopped unexpectedly: a message could not be read. Nothing was stored.',
    });
  });
});
