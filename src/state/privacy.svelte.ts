/**
 * The "Your data" panel's state: what the page can show about where data goes
 * (the Content-Security-Policy, every request since the page opened) and what is
 * kept on the device (every store and cache, counted from the storage itself),
 * and deleting all of it.
 */
import { announce } from '../lib/storage/changes';
import { describeStorageError } from '../lib/storage/db';
import { summarizeCaches, summarizeStores, type CacheSummary, type StoreSummary } from '../lib/storage/inventory';
import { wipeEverything, WipeError } from '../lib/storage/wipe';
import { parsePolicy, selfOnly, tallyRequests, type RequestTally } from '../lib/privacy/policy';
import type { Services } from './services';
import type { Library } from './library.svelte';
import type { Models } from './models.svelte';
import type { Run } from './run.svelte';
import type { Runs } from './runs.svelte';

/** The browser's parts the panel reads and deletes through; tests pass fakes. */
export interface PrivacyPlatform {
  origin: string;
  /** The policy in the page's meta tag, or null when there is none. */
  policy: string | null;
  indexedDB: IDBFactory | null;
  caches: CacheStorage | null;
  serviceWorker: ServiceWorkerContainer | null;
  /** Calls onUrls with the URLs of requests made so far and then of each new one; returns a function that stops. */
  observeRequests(onUrls: (urls: string[]) => void): () => void;
}

export function browserPlatform(): PrivacyPlatform {
  const hasWindow = typeof window !== 'undefined' && typeof document !== 'undefined';
  return {
    origin: hasWindow ? location.origin : '',
    policy: hasWindow ? (document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? null) : null,
    indexedDB: globalThis.indexedDB ?? null,
    caches: globalThis.caches ?? null,
    serviceWorker: typeof navigator !== 'undefined' && 'serviceWorker' in navigator ? navigator.serviceWorker : null,
    observeRequests(onUrls) {
      if (!hasWindow || typeof PerformanceObserver === 'undefined') return () => {};
      const observer = new PerformanceObserver((list) => onUrls(list.getEntries().map((e) => e.name)));
      // buffered: the requests made before the panel's state existed are delivered first.
      for (const type of ['navigation', 'resource']) observer.observe({ type, buffered: true });
      return () => observer.disconnect();
    },
  };
}

export interface PrivacyDeps {
  db: Services['db'];
  dbName: string;
  library: Library;
  models: Models;
  run: Run;
  runs: Runs;
  /** Whether a run, a held model, a load or an import would be lost. */
  busy: () => boolean;
  platform?: PrivacyPlatform;
  /** Called once the database is gone: encryption's record went with it. */
  onWiped?: () => Promise<void>;
}

type WipeState = 'idle' | 'confirming' | 'deleting' | 'done' | 'failed';

export class Privacy {
  private readonly deps: PrivacyDeps;
  private readonly platform: PrivacyPlatform;
  private stopObserving: (() => void) | null = null;
  readonly policy: string | null;
  readonly directives: [string, string[]][];
  /** Whether the policy lets the page connect (fetch, workers' fetches, sockets) to this origin only. */
  readonly connectsToSelfOnly: boolean;
  readonly scriptsFromSelfOnly: boolean;

  requests = $state.raw<RequestTally>({ total: 0, foreign: [] });
  stores = $state.raw<StoreSummary[] | null>(null);
  caches = $state.raw<CacheSummary[] | null>(null);
  reading = $state(false);
  readError = $state<string | null>(null);
  wipe = $state<WipeState>('idle');
  wipeMessage = $state<string | null>(null);
  /** Bumped by show(): the panel opens, comes into view and takes the focus. */
  shown = $state(0);

  constructor(deps: PrivacyDeps) {
    this.deps = deps;
    this.platform = deps.platform ?? browserPlatform();
    this.policy = this.platform.policy;
    this.directives = this.policy ? parsePolicy(this.policy) : [];
    this.connectsToSelfOnly = selfOnly(this.directives, 'connect-src');
    this.scriptsFromSelfOnly = selfOnly(this.directives, 'script-src') && selfOnly(this.directives, 'worker-src');
  }

  get origin(): string {
    return this.platform.origin;
  }

  /** Starts counting requests; called once at start-up. */
  watchRequests(): void {
    if (this.stopObserving) return;
    this.stopObserving = this.platform.observeRequests((urls) => {
      const { total, foreign } = this.requests;
      this.requests = tallyRequests(urls, this.platform.origin, { total, foreign: [...foreign] });
    });
  }

  /** The footer's "see and delete your data" link, and a page opened at #your-data. */
  show(): void {
    this.shown++;
  }

  /** Reads every store and cache afresh. */
  async refresh(): Promise<void> {
    this.reading = true;
    this.readError = null;
    try {
      this.stores = await summarizeStores(await this.deps.db());
      this.caches = this.platform.caches ? await summarizeCaches(this.platform.caches) : [];
    } catch (err) {
      this.readError = describeStorageError(err);
    } finally {
      this.reading = false;
    }
    await this.deps.library.refreshEstimate();
  }

  askToDelete(): void {
    if (this.wipe !== 'deleting') this.wipe = 'confirming';
    this.wipeMessage = null;
  }

  cancelDelete(): void {
    if (this.wipe === 'confirming') this.wipe = 'idle';
  }

  /** Deletes the database(s), the caches and the service worker; says what failed, if anything did. */
  async deleteEverything(): Promise<void> {
    if (this.wipe === 'deleting') return;
    const { library, models, run, runs } = this.deps;
    if (this.deps.busy()) {
      this.wipe = 'failed';
      this.wipeMessage = 'Nothing was deleted: stop the run, save or discard the trained model, and let a load or import finish first.';
      return;
    }
    const { indexedDB: factory } = this.platform;
    if (!factory) {
      this.wipe = 'failed';
      this.wipeMessage = 'This browser offers no IndexedDB here, so there is no database to delete.';
      return;
    }
    this.wipe = 'deleting';
    this.wipeMessage = null;
    const gone = [
      ...library.datasets.map((d) => ({ store: 'datasets' as const, id: d.id })),
      ...models.list.map((m) => ({ store: 'models' as const, id: m.id })),
      ...runs.list.map((r) => ({ store: 'runs' as const, id: r.id })),
    ];
    let failure: string | null = null;
    try {
      await wipeEverything({ factory, dbNames: [this.deps.dbName], caches: this.platform.caches, serviceWorker: this.platform.serviceWorker });
    } catch (err) {
      failure = err instanceof WipeError ? err.message : `Deleting failed: ${describeStorageError(err)}`;
    }
    // Whatever happened, show what is really there now, here and in other tabs; the outcome
    // is set last, so once it reads "done" every list on the page is already the new one.
    for (const change of gone) announce(this.deps.dbName, { ...change, change: 'deleted' });
    await this.deps.onWiped?.();
    run.forgetFinished();
    models.selectedId = null;
    models.showEvaluation(null);
    runs.picked = [];
    await Promise.all([library.refresh(), models.refresh(), runs.refresh()]);
    await this.refresh();
    this.wipe = failure ? 'failed' : 'done';
    this.wipeMessage = failure ?? 'Everything Hearth stored on this device was deleted.';
  }

  dispose(): void {
    this.stopObserving?.();
    this.stopObserving = null;
  }
}
