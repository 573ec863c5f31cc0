/**
 * Which backend TensorFlow.js uses, and why it fell back if it did. A probe
 * answers before any run; afterwards each run reports the backend it got.
 */
import type { BackendChoice, BackendName } from '../lib/config';
import type { WorkerEvent } from '../lib/protocol';
import { newRunId, type Services } from './services';
import type { ErrorBanner } from './errors.svelte';

export interface BackendDeps {
  training: Services['training'];
  errors: ErrorBanner;
}

export class BackendStatus {
  private readonly deps: BackendDeps;
  name = $state<BackendName | null>(null);
  fallbackReason = $state<string | null>(null);
  /** True while a probe is unanswered. */
  probing = $state(false);
  /** Why the last probe found no backend it could use; null when it found one. */
  failure = $state<string | null>(null);

  private latestId: string | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(deps: BackendDeps) {
    this.deps = deps;
  }

  private listen(): void {
    this.unsubscribe ??= this.deps.training.subscribe((ev) => this.onEvent(ev));
  }

  probe(choice: BackendChoice): void {
    this.listen();
    this.latestId = newRunId('probe');
    this.probing = true;
    this.deps.training.request({ type: 'probe', runId: this.latestId, backend: choice });
  }

  /** A run's backend event supersedes any probe. */
  follow(runId: string): void {
    this.listen();
    this.latestId = runId;
  }

  private onEvent(ev: WorkerEvent): void {
    if (ev.runId !== this.latestId) return;
    if (ev.type === 'backend') {
      this.name = ev.backend;
      this.fallbackReason = ev.fallbackReason;
      this.failure = null;
      this.probing = false;
    } else if (ev.type === 'error') {
      this.probing = false;
      // A run's errors are the run panel's to report; a probe's are ours.
      if (ev.runId.startsWith('probe')) {
        this.failure = ev.message;
        this.deps.errors.show(ev.message);
      }
    } else if (ev.type === 'done') {
      this.probing = false;
    }
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
