/**
 * What the service worker keeps: the pure part of the build step in plugin.ts,
 * kept apart so it can be tested without a build.
 */

/** The script the browser registers, at the root so its scope is the whole app. */
export const SERVICE_WORKER_URL = '/sw.js';

/**
 * The URLs to precache from the built files' names (relative to the output folder):
 * everything but source maps, the service worker itself and the built-in datasets.
 *
 *   precacheList(['index.html', 'assets/index-a1.js', 'assets/index-a1.js.map', 'sw.js'])
 *   // → ['/index.html', '/assets/index-a1.js']
 */
export function precacheList(fileNames: Iterable<string>): string[] {
  const urls = new Set<string>();
  for (const name of fileNames) {
    const path = '/' + name.replace(/\\/g, '/').replace(/^\/+/, '');
    if (path.endsWith('.map') || path === SERVICE_WORKER_URL || path.startsWith('/datasets/')) continue;
    urls.add(path);
  }
  return [...urls].sort();
}

/** The service worker's source: the precache table, then the worker's own code. */
export function serviceWorkerScript(version: string, assets: string[], body: string): string {
  // The stripped module still ends in `export {};`, which a classic worker script cannot hold.
  const code = body.replace(/^\s*export\s*\{\s*\};?\s*$/m, '');
  return `const PRECACHE = ${JSON.stringify({ version, assets })};\n${code}`;
}
