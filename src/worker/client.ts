/**
 * The page's handles on its workers. A WorkerClient starts its worker on first
 * use, fans the worker's events out to subscribers, and turns a crash into an
 * ordinary error event so the page has one error path. Runs on the page: no tfjs here.
 */
import type { WorkerEvent, WorkerRequest } from '../lib/protocol';

export interface WorkerClientOptions<Req, Ev> {
  createWorker: () => Worker;
  /** The event that reports a crash, for the request sent last. */
  crashEvent: (id: string, detail: string) => Ev;
  /** Buffers to hand over rather than copy; the caller's arrays are detached afterwards. */
  transfer?: (req: Req) => Transferable[] | undefined;
}

type Identified = { runId: string } | { jobId: string };
const idOf = (req: Identified) => ('runId' in req ? req.runId : req.jobId);

export class WorkerClient<Req extends Identified, Ev> {
  private worker: Worker | null = null;
  private readonly listeners = new Set<(ev: Ev) => void>();
  private lastId = '';
  private readonly options: WorkerClientOptions<Req, Ev>;

  constructor(options: WorkerClientOptions<Req, Ev>) {
    this.options = options;
  }

  request(req: Req): void {
    const worker = this.worker ?? this.start();
    this.lastId = idOf(req);
    const transfer = this.options.transfer?.(req);
    if (transfer?.length) worker.postMessage(req, transfer);
    else worker.postMessage(req);
  }

  subscribe(listener: (ev: Ev) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  private start(): Worker {
    const worker = this.options.createWorker();
    worker.onmessage = (e: MessageEvent<Ev>) => {
      if (worker === this.worker) this.emit(e.data);
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault?.();
      this.crashed(worker, e.message || 'the worker could not run');
    };
    worker.onmessageerror = () => this.crashed(worker, 'a message could not be read');
    this.worker = worker;
    return worker;
  }

  private crashed(worker: Worker, detail: string): void {
    if (worker !== this.worker) return;
    // A worker that reported an uncaught error may be in any state; the next request starts afresh.
    worker.terminate();
    this.worker = null;
    this.emit(this.options.crashEvent(this.lastId, detail.replace(/\.+$/, '')));
  }

  private emit(ev: Ev): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(ev);
      } catch (err) {
        // One faulty listener must not starve the others; rethrow where it is still reported.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}

/** Starts a training worker on the database named `dbName` (the worker's name tells it which). */
export const trainingWorker = (dbName: string) => () =>
  new Worker(new URL('./training.worker.ts', import.meta.url), { type: 'module', name: dbName });

export class TrainingClient extends WorkerClient<WorkerRequest, WorkerEvent> {
  constructor(createWorker: () => Worker) {
    super({
      createWorker,
      crashEvent: (runId, detail) => ({
        type: 'error',
        kind: 'internal',
        runId,
        message: `The training worker stopped unexpectedly: ${detail}. Your datasets and saved models are safe.`,
      }),
      transfer: (req) => {
        if (req.type === 'predict' && req.pixels.buffer instanceof ArrayBuffer) return [req.pixels.buffer];
        // Model files can be large: hand them over rather than copy them.
        if (req.type === 'import-model') return req.files.map((f) => f.data.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
        return undefined;
      },
    });
  }
}
