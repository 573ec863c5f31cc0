/**
 * The page's handle on the import worker, which parses, decodes and stores
 * imported files off the page's thread. Runs on the page: no tfjs here.
 */
import type { ImportEvent, ImportRequest } from '../lib/import/protocol';
import { WorkerClient } from './client';

/** Starts an import worker on the database named `dbName` (the worker's name tells it which). */
export const importWorker = (dbName: string) => () =>
  new Worker(new URL('./import.worker.ts', import.meta.url), { type: 'module', name: dbName });

export class ImportClient extends WorkerClient<ImportRequest, ImportEvent> {
  constructor(createWorker: () => Worker) {
    super({
      createWorker,
      // writeDataset writes the meta record last, so a worker that died mid-import left no listed dataset;
      // its stray shards are removed by removeIncomplete at the next start.
      crashEvent: (jobId, detail) => ({
        type: 'error',
        jobId,
        message: `The import worker stopped unexpectedly: ${detail}. Nothing was stored.`,
      }),
    });
  }
}
