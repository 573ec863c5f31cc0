/**
 * Hearth's service worker: after the first visit the app starts with no network.
 *
 * This file is not bundled: the build strips its types and prepends PRECACHE (the
 * built files and a hash of their contents, see plugin.ts), so it must import nothing.
 * A new build gives a new hash, hence a new sw.js, which the browser installs beside
 * the old one; it takes over once no tab runs the old version (no skipWaiting: a page
 * still running must keep finding the chunks and workers it was built with), and then
 * deletes the old version's cache.
 *
 * What it serves: the app's own files from the cache first (a navigation gets the
 * cached index.html). The built-in datasets' files under /datasets/ are never cached
 * here: a dataset the person loads is copied into IndexedDB, which is what works
 * offline; caching the files as well would store every dataset twice.
 */
export {};

declare const PRECACHE: { version: string; assets: string[] };

const sw = self as unknown as ServiceWorkerGlobalScope;
/** Every cache this worker makes starts with this; "delete everything" removes them all. */
const PREFIX = 'hearth-app-';
const CACHE = PREFIX + PRECACHE.version;
const INDEX = '/index.html';

sw.addEventListener('install', (event) => {
  // cache: 'reload' skips the HTTP cache, so the precache never keeps a stale copy.
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE.assets.map((url) => new Request(url, { cache: 'reload' })))),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
      // The first install takes the page that registered it, so it works offline from now on.
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin || url.pathname.startsWith('/datasets/')) return;
  event.respondWith(cacheFirst(request, url));
});

async function cacheFirst(request: Request, url: URL): Promise<Response> {
  const key = request.mode === 'navigate' ? INDEX : url.pathname;
  // caches.match, not caches.open: opening would make the cache again after the person deleted it.
  const hit = await caches.match(key, { cacheName: CACHE });
  return hit ?? fetch(request);
}
