/**
 * Telling other tabs and workers that the library changed. Datasets are written by
 * the import worker or the page, models by the training worker, and any of them may
 * belong to another tab: each announces what it changed on a BroadcastChannel named
 * after the database, and every page listening refreshes its lists.
 */

export interface StorageChange {
  store: 'datasets' | 'models' | 'runs';
  id: string;
  change: 'added' | 'deleted';
}

/** Identifies this page or worker, so it does not hear its own announcements. */
const SENDER = Math.random().toString(36).slice(2);

const channelName = (dbName: string) => `${dbName}:changes`;

export function announce(dbName: string, change: StorageChange): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const channel = new BroadcastChannel(channelName(dbName));
  try {
    channel.postMessage({ ...change, sender: SENDER });
  } finally {
    channel.close();
  }
}

/** Calls onChange for every change announced by another page or worker; returns a function that stops listening. */
export function watchChanges(dbName: string, onChange: (change: StorageChange) => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {};
  const channel = new BroadcastChannel(channelName(dbName));
  channel.onmessage = (e: MessageEvent) => {
    const m = e.data as Partial<StorageChange & { sender: string }> | null;
    if (!m || m.sender === SENDER || !(m.store === 'datasets' || m.store === 'models' || m.store === 'runs') || typeof m.id !== 'string') return;
    onChange({ store: m.store, id: m.id, change: m.change === 'deleted' ? 'deleted' : 'added' });
  };
  return () => channel.close();
}
