/**
 * A whole Hearth on fake workers and a fresh fake-indexeddb database: what a
 * state test builds instead of a page. `training` and `imports` record what
 * each worker was sent and let the test answer as the worker.
 */
import { FakeWorker } from './fakeWorker';
import { freshDb } from './fakeDb';
import { TrainingClient } from '../../../src/worker/client';
import { ImportClient } from '../../../src/worker/importClient';
import { createHearth } from '../../../src/state/hearth.svelte';
import type { HearthDb } from '../../../src/lib/storage/db';
import type { WorkerEvent, WorkerRequest } from '../../../src/lib/protocol';
import type { ImportEvent, ImportRequest } from '../../../src/lib/import/protocol';

/** Workers made for one client only, so two instances never see each other's. */
function workerSide<Req, Ev>() {
  const created: FakeWorker<Req, Ev>[] = [];
  return {
    create: () => {
      const worker = new FakeWorker<Req, Ev>();
      created.push(worker);
      return worker as unknown as Worker;
    },
    created,
    /** Every request sent so far, oldest first, across restarts of the worker. */
    sent: (): Req[] => created.flatMap((w) => w.posted.map((p) => p.msg)),
    /** Answers as the worker that is running now. */
    emit: (ev: Ev) => created[created.length - 1].emit(ev),
  };
}

export async function testHearth(options: { writeUrl?: boolean; db?: HearthDb } = {}) {
  const training = workerSide<WorkerRequest, WorkerEvent>();
  const imports = workerSide<ImportRequest, ImportEvent>();
  const db = options.db ?? (await freshDb()).db;
  const downloads: [string, number][] = [];
  const hearth = createHearth({
    writeUrl: options.writeUrl ?? false,
    services: {
      training: new TrainingClient(training.create),
      imports: new ImportClient(imports.create),
      db: () => Promise.resolve(db),
    },
    download: (name, data) => downloads.push([name, data.byteLength]),
  });
  return { hearth, training, imports, db, downloads };
}

/** Lets pending promise callbacks (IndexedDB reads included) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
}
