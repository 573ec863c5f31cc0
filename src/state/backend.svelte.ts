/**
 * Which backend TensorFlow.js uses, and why it fell back if it did. A probe
 * answers before any run; afterwards each run reports the backend it got.
 */
import type { BackendChoice, BackendName } from '../lib/config';
import type { WorkerEvent } from '../lib/protocol';
import { newRunId, trainingClient } from './services';
import { errorBanner } from './errors.svelte';

export class BackendStatus {
  name = $state<BackendName | null>(null);
  fallbackReason = $state<string | null>(null);
  /** True while a probe is unanswered. */
  probing = $state(false);

  private latestId: string | null = null;
  private unsubscribe: (() => void) | null = null;

  private listen(): void {
    this.unsubscribe ??= trainingClient().subscribe((ev) => this.onEvent(ev));
  }

  probe(choice: BackendChoice): void {
    this.listen();
    this.latestId = newRunId('probe');
    this.probing = true;
    trainingClient().request({ type: 'probe', runId: this.latestId, backend: choice });
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
      this.probing = false;
    } else if (ev.type === 'error') {
      this.probing = false;
      // A run's errors are the run panel's to report; a probe's are ours.
      if (ev.runId.startsWith('probe')) errorBanner.show(ev.message);
    } else if (ev.type === 'done') {
      this.probing = false;
    }
  }
}

export const backendStatus = new BackendStatus();
