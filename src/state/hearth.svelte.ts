/**
 * One Hearth: every state object of an instance, made here with what each
 * depends on passed in, so any of them can be built alone (a test hands a
 * class a fake worker client and a fake-indexeddb database) and a page can
 * hold more than one Hearth. Components get theirs from Svelte context
 * (`useHearth()`), never from a module-level singleton.
 *
 *   const hearth = createHearth({ writeUrl: true });
 *   mount(App, { target, props: { hearth } });   // App calls provideHearth(hearth)
 *   hearth.start(location.search);
 */
import { createContext } from 'svelte';
import { DB_NAME } from '../lib/storage/db';
import type { Locks } from '../lib/storage/locks';
import { createServices, type Services } from './services';
import { ErrorBanner } from './errors.svelte';
import { Settings } from './settings.svelte';
import { Library } from './library.svelte';
import { Models } from './models.svelte';
import { BackendStatus } from './backend.svelte';
import { Run } from './run.svelte';
import { Runs } from './runs.svelte';
import { Importer } from './importer.svelte';
import { Predictor } from './predict.svelte';
import { Privacy, type PrivacyPlatform } from './privacy.svelte';
import { syncPresetWithDataset } from './presetSync.svelte';
import { clearOnDatasetSwitch } from './datasetSwitch.svelte';
import { AugmentPreviewer } from './augmentPreview.svelte';
import { Encryption } from './encryption.svelte';
import { announceVault } from '../lib/storage/encryptInPlace';
import { FineTuning } from './fineTune.svelte';
import { ModelTransfer } from './modelTransfer.svelte';
import { ErrorExplorer } from './explorer.svelte';
import { BoundaryMap } from './boundary.svelte';
import { Corrections } from './corrections.svelte';
import { PythonExport, exportInWorker } from './pythonExport.svelte';
import { SharedLink } from './sharedLink.svelte';

export interface HearthOptions {
  /** The database the instance keeps its datasets and models in; the app's own by default. */
  dbName?: string;
  /** Whether the settings are mirrored into the page's URL (the app does; an embedded instance must not). */
  writeUrl: boolean;
  /** Worker clients and database to use instead of the real ones (tests). */
  services?: Services;
  /** Hands a file to the person (a held model's archive); the browser's download by default. */
  download?: (fileName: string, data: Uint8Array) => void;
  /** Tells live runs from interrupted ones; the browser's lock manager by default, null for none (tests). */
  locks?: Locks | null;
  /** The browser parts the "Your data" panel reads and deletes through (tests pass fakes). */
  platform?: PrivacyPlatform;
}

export interface Hearth {
  services: Services;
  errors: ErrorBanner;
  settings: Settings;
  library: Library;
  models: Models;
  backend: BackendStatus;
  run: Run;
  /** Recorded runs: the list, resume, compare. */
  runs: Runs;
  importer: Importer;
  predictor: Predictor;
  augmentPreview: AugmentPreviewer;
  privacy: Privacy;
  /** Encryption at rest: locked or not, turning it on and off. */
  encryption: Encryption;
  /** Setting up a run that goes on training a saved model. */
  fineTune: FineTuning;
  /** Export of saved models (with each precision's size and score) and import of model files. */
  transfer: ModelTransfer;
  /** The test samples behind the evaluation: confusion-matrix cells, confident mistakes, residuals. */
  explorer: ErrorExplorer;
  /** The decision-boundary map of a run on a 2-D dataset. */
  boundary: BoundaryMap;
  /** Samples added to datasets as new versions (Try it's tray; `addSamples` for other views). */
  corrections: Corrections;
  /** "Export for Python": training scripts and data for a saved model or the current experiment. */
  pythonExport: PythonExport;
  /** What a share link says beyond the settings: it loads its built-in dataset, or names the dataset it needs. */
  link: SharedLink;
  /** Start-up: read the settings from a query string, ask for the backend, clean and list storage. */
  start(search: string): void;
  /** Whether leaving the page now would end a run, lose a held model or break off a load or import. */
  busy(): boolean;
  /** Stops listening to workers and other tabs and ends the workers. */
  dispose(): void;
}

export function createHearth(options: HearthOptions): Hearth {
  const dbName = options.dbName ?? DB_NAME;
  const services = options.services ?? createServices(dbName);
  const { training, imports, db } = services;
  const errors = new ErrorBanner();
  const settings = new Settings({ writeUrl: options.writeUrl });
  const library = new Library({ db, errors, settings });
  const models = new Models({ db, errors, library });
  const backend = new BackendStatus({ training, errors });
  const run = new Run({ training, errors, backend, models, settings, library, download: options.download });
  const runs = new Runs({ db, training, errors, run, settings, locks: options.locks });
  const transfer = new ModelTransfer({ training, errors, models, settings, download: options.download });
  const importer = new Importer({ imports, errors, library, settings, run, importModel: (files) => void transfer.importFiles(files) });
  const predictor = new Predictor({ training, errors });
  const augmentPreview = new AugmentPreviewer({ training });
  const corrections = new Corrections({ db, errors, library, locks: options.locks });
  const busy = () => run.active || run.state === 'unsaved' || library.loading !== null || importer.active || transfer.busy;
  const fineTune = new FineTuning({ settings, library, models });
  const reread = () => void Promise.all([library.refresh(), models.refresh(), runs.refresh()]);
  const encryption = new Encryption({ db, dbName, training, imports, busy, reread });
  const onWiped = () => {
    announceVault(dbName);
    return encryption.recheck();
  };
  const privacy = new Privacy({ db, dbName, library, models, run, runs, busy, platform: options.platform, onWiped });
  const explorer = new ErrorExplorer({ training, db, run, models, library });
  const boundary = new BoundaryMap({ training, db, run, library });
  const pythonExport = new PythonExport({ build: exportInWorker(imports), download: options.download });
  const link = new SharedLink();
  let stopFollowing: (() => void)[] = [];

  return {
    services,
    errors,
    settings,
    library,
    models,
    backend,
    run,
    runs,
    importer,
    predictor,
    augmentPreview,
    privacy,
    encryption,
    fineTune,
    transfer,
    explorer,
    boundary,
    corrections,
    pythonExport,
    link,
    start(search) {
      settings.initFromUrl(search);
      link.read(search);
      privacy.watchRequests();
      backend.probe(settings.config.backend);
      // Encrypted and locked, the lists wait for the passphrase rather than fail to read.
      void encryption.init().then(() => Promise.all([library.init(), models.init(), runs.init()]));
      if (stopFollowing.length === 0) {
        stopFollowing = [syncPresetWithDataset(library, settings), clearOnDatasetSwitch(settings, run, models), link.follow(library), fineTune.follow()];
      }
    },
    busy,
    dispose() {
      for (const stop of stopFollowing) stop();
      stopFollowing = [];
      for (const part of [run, runs, importer, predictor, augmentPreview, backend, library, models, privacy, transfer, explorer, boundary, encryption, corrections]) part.dispose();
      training.terminate();
      imports.terminate();
    },
  };
}

const [getHearth, setHearth] = createContext<Hearth>();

/** The Hearth of the component tree being rendered. */
export const useHearth = getHearth;

/** Gives a component tree its Hearth; App calls it with the one it is mounted with. */
export const provideHearth = setHearth;
