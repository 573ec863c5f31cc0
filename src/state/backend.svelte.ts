/**
 * Which backend TensorFlow.js uses, and why it fell back if it did. A probe
 * answers before any run; afterwards each run reports the backend it got.
 * The training rates the worker measured to choose 'auto' are kept in the
 * browser's storage and handed back with each probe, so a device is measured once.
 */
import type { BackendChoice, BackendName } from '../lib/config';
import { backendLabel } from '../lib/backendRates';
import type { WorkerEvent } from '../lib/protocol';
import { newRunId, type Services } from './services';
import type { ErrorBanner } from './errors.svelte';

/** The part of the Web Storage API the rates are kept in. */
export type ProbeStorage = Pick<Storage, 'getItem' | 'setItem'>;

/** Where the measured rates are kept (per origin, as every record of Hearth's). */
export const PROBE_STORAGE_KEY = 'hearth.backendProbe';

export interface BackendDeps {
  training: Services['training'];
  errors: ErrorBanner;
  /** Where measured rates are kept: the page's localStorage by default; null keeps none. */
  storage?: ProbeStorage | null;
}

/** localStorage, or null where the page may not use it (some sandboxed frames throw on access). */
function pageStorage(): ProbeStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export class BackendStatus {
  private readonly deps: BackendDeps;
  name = $state<BackendName | null>(null);
  fallbackReason = $state<string | null>(null);
  /** WebGPU on a software adapter (SwiftShader): works, slowly. */
  software = $state(false);
  /** What the header shows: "WebGPU (software)", "WebGL", "CPU"… */
  label = $derived(this.name ? backendLabel(this.name, this.software) : null);
  /** True while a probe is unanswered. */
  probing = $state(false);
  /** Why the last probe found no backend it could use; null when it found one. */
  failure = $state<string | null>(null);

  private latestId: string | null = null;
  private unsubscribe: (() => void) | null = null;

  private readonly storage: ProbeStorage | null;

  constructor(deps: BackendDeps) {
    this.deps = deps;
    this.storage = deps.storage === undefined ? pageStorage() : deps.storage;
  }

  /** The rates kept from an earlier visit, as stored: the worker checks them. Undefined when none or unreadable. */
  private keptRates(): unknown {
    try {
      const text = this.storage?.getItem(PROBE_STORAGE_KEY);
      return text ? JSON.parse(text) : undefined;
    } catch {
      return undefined;
    }
  }

  private keepRates(record: unknown): void {
    try {
      this.storage?.setItem(PROBE_STORAGE_KEY, JSON.stringify(record));
    } catch {
      // A full or refused storage only means measuring again next time.
    }
  }

  private listen(): void {
    this.unsubscribe ??= this.deps.training.subscribe((ev) => this.onEvent(ev));
  }

  probe(choice: BackendChoice): void {
    this.listen();
    this.latestId = newRunId('probe');
    this.probing = true;
    const measured = choice === 'auto' ? this.keptRates() : undefined;
    this.deps.training.request({ type: 'probe', runId: this.latestId, backend: choice, ...(measured === undefined ? {} : { measured }) });
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
      this.software = ev.software === true;
      if (ev.measured) this.keepRates(ev.measured);
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
