/**
 * Starts Hearth as an embed (a page whose URL has `embed=`): a Hearth on the
 * embed's own database that never writes the page's URL, the focused view, and
 * the bridge to the host page, which talks to the declared host origin only.
 */
import { mount } from 'svelte';
import EmbedApp from './ui/embed/EmbedApp.svelte';
import { createHearth } from './state/hearth.svelte';
import { EmbedBridge, windowChannel } from './state/embedBridge.svelte';
import { EMBED_FIELDS, embedDbName, type EmbedOptions } from './lib/embed/options';
import { hostOrigin } from './lib/embed/origin';

/** The same experiment in the full app: the link without the embed's options. */
function fullAppUrl(): string {
  const params = new URLSearchParams(location.search);
  for (const key of Object.keys(EMBED_FIELDS)) params.delete(key);
  return `${location.origin}${location.pathname}?${params}`;
}

/**
 * Whether this frame may use IndexedDB: a browser that blocks third-party storage (a private window,
 * third-party cookies blocked) denies it to a page embedded by another site.
 */
function storageAllowed(dbName: string): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const open = indexedDB.open(dbName);
      open.onsuccess = () => (open.result.close(), resolve(true));
      open.onerror = () => resolve(false);
      // A first open creates the database; let Hearth's own upgrade make its stores.
      open.onupgradeneeded = () => (open.transaction?.abort(), resolve(true));
    } catch {
      resolve(false);
    }
  });
}

export async function startEmbed(target: HTMLElement, embed: { options: EmbedOptions; problems: string[] }): Promise<void> {
  const { options, problems } = embed;
  const storage = await storageAllowed(embedDbName(options.embed));
  const hearth = createHearth({ writeUrl: false, dbName: embedDbName(options.embed) });
  const host = hostOrigin(options.origin, {
    ancestorOrigins: location.ancestorOrigins ? Array.from(location.ancestorOrigins) : undefined,
    referrer: document.referrer,
    framed: window.parent !== window,
  });
  const bridge = new EmbedBridge(hearth, options, host.origin, windowChannel(window));
  if (options.title) document.title = `${options.title} — Hearth`;
  mount(EmbedApp, { target, props: { hearth, options, bridge, problems, hostProblem: host.problem, fullUrl: fullAppUrl(), storage } });
  if (!storage) return;
  bridge.connect();
  hearth.start(location.search);
}
