/**
 * The import worker: parses, decodes and stores imports off the page's thread, one
 * at a time. The work itself lives in src/lib/import/pipeline.ts; this file only
 * wires in the browser's decoder, storage estimate and the message channel.
 */
import { imageProblem, type DecodedImage } from '../lib/import/resize';
import type { ImportEvent, ImportRequest } from '../lib/import/protocol';
import { describeImportError, inspectCsv, runImport, sourceFileNames, throttleProgress } from '../lib/import/pipeline';
import { DB_NAME, lazyHearthDb } from '../lib/storage/db';
import { acceptingKeys } from '../lib/storage/vault';
import { pythonExportFor } from '../lib/export/python/job';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (ev: ImportEvent) => scope.postMessage(ev);

// The page names the database its worker works on (the worker's name); the app's own by default.
const dbName = scope.name || DB_NAME;
const db = lazyHearthDb(undefined, dbName);

async function decode(bytes: Uint8Array, path: string): Promise<DecodedImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  } catch {
    throw new Error(`${path.split('/').pop()} is not an image format this browser can read`);
  }
  try {
    // Too big (or empty) to draw: the importer skips it by its size and says why, before any canvas is made.
    if (imageProblem(bitmap.width, bitmap.height)) return { width: bitmap.width, height: bitmap.height, data: new Uint8ClampedArray(0) };
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2-D canvas is available in this browser');
    context.drawImage(bitmap, 0, 0);
    const { width, height, data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width, height, data };
  } finally {
    bitmap.close();
  }
}

const estimate = () => (navigator.storage?.estimate ? navigator.storage.estimate() : Promise.resolve({}));

const controllers = new Map<string, AbortController>();
let queue: Promise<void> = Promise.resolve();

function handleImport(req: Extract<ImportRequest, { type: 'import' }>): void {
  const controller = new AbortController();
  controllers.set(req.jobId, controller);
  // One import at a time: two large ones at once would need twice the memory.
  queue = queue.then(async () => {
    const progress = throttleProgress((phase, fraction, detail) => post({ type: 'progress', jobId: req.jobId, phase, fraction, detail }));
    try {
      const result = await runImport(req.source, {
        db: await db(),
        decode,
        estimate,
        signal: controller.signal,
        onProgress: progress,
      });
      post({ type: 'imported', jobId: req.jobId, ...result });
    } catch (err) {
      post({ type: 'error', jobId: req.jobId, message: describeImportError(err, sourceFileNames(req.source)) });
    } finally {
      controllers.delete(req.jobId);
    }
  });
}

scope.onmessage = acceptingKeys(dbName, (e: MessageEvent<ImportRequest>) => {
  const req = e.data;
  switch (req.type) {
    case 'inspect-csv': {
      // A large file takes a while to read: its progress shows, and a cancel stops it.
      const controller = new AbortController();
      controllers.set(req.jobId, controller);
      const progress = throttleProgress((phase, fraction, detail) => post({ type: 'progress', jobId: req.jobId, phase, fraction, detail }));
      inspectCsv(req.file, { encoding: req.encoding, signal: controller.signal, onProgress: (f) => progress('read', f, req.file.name) })
        .then(
          (preview) => post({ type: 'csv-preview', jobId: req.jobId, preview }),
          (err: unknown) => post({ type: 'error', jobId: req.jobId, message: describeImportError(err, req.file.name) }),
        )
        .finally(() => controllers.delete(req.jobId));
      break;
    }
    case 'import':
      handleImport(req);
      break;
    case 'cancel':
      controllers.get(req.jobId)?.abort();
      break;
    case 'python-export':
      // Reading every split and zipping them takes seconds for a large dataset: here, not on the page.
      db()
        .then((database) => pythonExportFor(database, req.job))
        .then(
          ({ fileName, data }) => scope.postMessage({ type: 'python-export', jobId: req.jobId, fileName, data } satisfies ImportEvent, [data.buffer]),
          (err: unknown) => post({ type: 'error', jobId: req.jobId, message: err instanceof Error ? err.message : String(err) }),
        );
      break;
  }
});
