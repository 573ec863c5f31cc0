/**
 * The page's handle on the training worker. Starts the worker on first use,
 * fans its events out to subscribers, and turns a worker crash into an ordinary
 * 'error' event so the page has one error path. Runs on the page: no tfjs here.
 */
import type { WorkerEvent, WorkerRequest } from '../lib/protocol';

type Listener = (ev: WorkerEvent) => void;

const defaultWorker = () => new Worker(new URL('./training.worker.ts', import.meta.url), { type: 'module' });

export class TrainingClient {
  private worker: Worker | null = null;
  private readonly listeners = new Set<Listener>();
  private lastRunId = '';
  private readonly createWorker: () => Worker;

  constructor(createWorker: () => Worker = defaultWorker) {
    this.createWorker = createWorker;
  }

  request(req: WorkerRequest): void {
    const worker = this.worker ?? this.start();
    this.lastRunId = req.runId;
    if (req.type === 'predict' && req.pixels.buffer instanceof ArrayBuffer) {
      // Transferred, not copied: the caller's array is detached afterwards.
      worker.postMessage(req, [req.pixels.buffer]);
    } else {
      worker.postMessage(req);
    }
  }

  subscribe(listener: Listener): () => void {
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
    const worker = this.createWorker();
    worker.onmessage = (e: MessageEvent<WorkerEvent>) => {
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
    this.emit({
      type: 'error',
      kind: 'internal',
      runId: this.lastRunId,
      message: `The training worker stopped unexpectedly: ${detail.replace(/\.+$/, '')}. Your datasets and saved models are safe.`,
    });
  }

  private emit(ev: WorkerEvent): void {
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
