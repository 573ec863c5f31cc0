/**
 * The build step that makes Hearth work offline: once the app is written, it lists
 * every built file (public/ included), hashes their contents into a version, and
 * writes sw.js, the service worker with that list (see serviceWorker.ts). Build only:
 * the dev server has no service worker, so a stale cache never hides an edit.
 */
import type { Plugin } from 'vite';
import { transformWithOxc } from 'vite';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { precacheList, serviceWorkerScript, SERVICE_WORKER_URL } from './precache.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

export function offlineServiceWorker(): Plugin {
  let outDir = 'dist';
  return {
    name: 'hearth-offline-service-worker',
    apply: 'build',
    configResolved(config) {
      outDir = join(config.root, config.build.outDir);
    },
    async writeBundle() {
      const files = new Map(filesUnder(outDir).map((path) => [relative(outDir, path), path]));
      const assets = precacheList(files.keys());
      const hash = createHash('sha256');
      for (const url of assets) hash.update(url).update(readFileSync(files.get(url.slice(1))!));
      const version = hash.digest('hex').slice(0, 16);
      const source = readFileSync(join(import.meta.dirname, 'serviceWorker.ts'), 'utf8');
      const { code } = await transformWithOxc(source, 'serviceWorker.ts', { lang: 'ts' });
      writeFileSync(join(outDir, SERVICE_WORKER_URL.slice(1)), serviceWorkerScript(version, assets, code));
    },
  };
}
