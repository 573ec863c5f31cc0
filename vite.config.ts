import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { createReadStream, existsSync, statSync, cpSync } from 'node:fs';
import { resolve, join, normalize } from 'node:path';
import { availableParallelism } from 'node:os';
import { offlineServiceWorker } from './src/lib/offline/plugin.ts';

const DATASETS_DIR = resolve(import.meta.dirname, 'static-datasets');

/**
 * The Content-Security-Policy: scripts, workers, connections and data only from the
 * app's own origin, so nothing a dataset or a model file contains can run or phone
 * home. The build carries it in a meta tag; the dev and preview servers also send it
 * as a header, which is what covers the workers (a meta tag applies to the page only).
 * The dev server needs inline styles: Vite injects each component's CSS as a <style>.
 */
function contentSecurityPolicy(dev: boolean): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "worker-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data: blob:",
    `style-src 'self'${dev ? " 'unsafe-inline'" : ''}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const CSP_PLACEHOLDER = '%HEARTH_CSP%';

function securityPolicy(): Plugin {
  let dev = false;
  const header = (res: import('node:http').ServerResponse) => res.setHeader('Content-Security-Policy', contentSecurityPolicy(dev));
  return {
    name: 'hearth-content-security-policy',
    configResolved(config) {
      dev = config.command === 'serve' && !config.isProduction;
    },
    // index.html holds the meta tag with a placeholder, before any script or stylesheet it must cover.
    transformIndexHtml: (html) => html.replace(CSP_PLACEHOLDER, contentSecurityPolicy(dev)),
    configureServer(server) {
      server.middlewares.use((_req, res, next) => (header(res), next()));
    },
    configurePreviewServer(server) {
      server.middlewares.use((_req, res, next) => (header(res), next()));
    },
  };
}

/**
 * Serves the generated files under static-datasets/ at /datasets/ (dev and preview)
 * and copies them into the build. They are generated at install time, not committed.
 */
function staticDatasets(): Plugin {
  const serve = (url: string | undefined, res: import('node:http').ServerResponse, next: () => void) => {
    if (!url?.startsWith('/datasets/')) return next();
    const rel = normalize(decodeURIComponent(url.slice('/datasets/'.length).split('?')[0]));
    const file = join(DATASETS_DIR, rel);
    if (!file.startsWith(DATASETS_DIR) || !existsSync(file) || !statSync(file).isFile()) return next();
    res.setHeader('Content-Length', statSync(file).size);
    res.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
    createReadStream(file).pipe(res);
  };
  let outDir = 'dist';
  let copyOnClose = false;
  return {
    name: 'hearth-static-datasets',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
      // Vitest resolves a build config too (with a dummy outDir); only a real build copies.
      copyOnClose = config.command === 'build' && !process.env.VITEST;
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => serve(req.url, res, next));
    },
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => serve(req.url, res, next));
    },
    closeBundle() {
      if (copyOnClose && existsSync(DATASETS_DIR)) {
        cpSync(DATASETS_DIR, join(outDir, 'datasets'), {
          recursive: true,
          filter: (src) => !src.endsWith('.mjs'),
        });
      }
    },
  };
}

export default defineConfig({
  plugins: [svelte(), staticDatasets(), securityPolicy(), offlineServiceWorker()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    // Guards against a hung test, not a speed check: training tests run several times
    // slower when the machine is busy, and a busy machine must not fail them.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // One test file per core. Vitest leaves a core to its main process by default, which
    // on a two-core machine runs the files one at a time while that core mostly waits.
    maxWorkers: availableParallelism(),
  },
});
