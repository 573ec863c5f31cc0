/**
 * Runs TypeScript code on tfjs's WebGPU backend in Node, through Dawn (the WebGPU
 * implementation Chrome uses; npm `webgpu`). The entry is bundled into one ESM file
 * with Vite's bundler, so the same file can be copied to a machine that has a GPU
 * but no node_modules, and run in a child process whose environment points Dawn's
 * Vulkan loader at a driver: here Chromium's SwiftShader, on a GPU machine its own.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'vite';

const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM_LIB = '/usr/lib/chromium';

/** Vulkan on SwiftShader, from Chromium's own copies of the loader and the driver. */
export function dawnEnv(): NodeJS.ProcessEnv {
  const icd = join(CHROMIUM_LIB, 'vk_swiftshader_icd.json');
  if (!existsSync(icd)) throw new Error(`Dawn needs Chromium's SwiftShader (${icd}); install it with: apt-get install -y chromium`);
  const lib = [CHROMIUM_LIB, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { ...process.env, VK_ICD_FILENAMES: icd, LD_LIBRARY_PATH: lib };
}

/**
 * Bundles `entry` (a path from the repository root) with everything it imports except
 * the `webgpu` package, into `outDir`. The default is a new folder under node_modules,
 * where the bundle's one import, `webgpu`, resolves; a bundle copied elsewhere needs
 * node_modules/webgpu beside it. Returns the bundle's path.
 */
export async function bundleForDawn(entry: string, outDir?: string): Promise<string> {
  if (!outDir) {
    mkdirSync(join(ROOT, 'node_modules/.hearth-dawn'), { recursive: true });
    outDir = mkdtempSync(join(ROOT, 'node_modules/.hearth-dawn/run-'));
  }
  const name = entry.replace(/^.*\//, '').replace(/\.[mc]?[tj]s$/, '');
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    publicDir: false, // the app's public/ files have no place beside a bundle
    ssr: { noExternal: true, external: ['webgpu'] },
    build: {
      ssr: resolve(ROOT, entry),
      outDir,
      emptyOutDir: false,
      minify: false,
      target: 'node20',
      rollupOptions: { output: { format: 'es', entryFileNames: `${name}.mjs`, codeSplitting: false } },
    },
  });
  return join(outDir, `${name}.mjs`);
}

export interface DawnResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a bundle in a child Node process on Dawn. */
export function runBundle(file: string, args: string[] = [], env: NodeJS.ProcessEnv = dawnEnv()): Promise<DawnResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/**
 * Bundles and runs `entry` on Dawn and returns what it printed last on stdout, parsed
 * as JSON (the convention for entries: one JSON line at the end).
 */
export async function runOnDawn<T = unknown>(entry: string, args: string[] = []): Promise<T> {
  const file = await bundleForDawn(entry);
  const { code, stdout, stderr } = await runBundle(file, args);
  rmSync(dirname(file), { recursive: true, force: true });
  const last = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`${entry} on Dawn exited with ${code}\n${stderr.slice(-4000)}`);
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${entry} on Dawn printed no JSON at the end:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`);
  }
}
