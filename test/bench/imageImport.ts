// Imports `count` small PNGs (28×28 digits drawn here, 10 classes, as MNIST exported
// as PNGs would be) through the import worker, as one .zip or as a picked folder's
// files, and reports how long it took and what was stored.
import { zipSync } from 'fflate';
import type { ImportSource } from '../../src/lib/import/protocol';
import { ImportClient, importWorker } from '../../src/worker/importClient';
import { DB_NAME } from '../../src/lib/storage/db';
import { ask, storedCount, watchFrames } from './importRun';

const CLASSES = 10;
const VARIANTS = 20;

/** VARIANTS distinct PNGs per class: the digit drawn at a shifted place and size. */
async function digitPngs(): Promise<Uint8Array[][]> {
  const canvas = new OffscreenCanvas(28, 28);
  const g = canvas.getContext('2d')!;
  const out: Uint8Array[][] = [];
  for (let c = 0; c < CLASSES; c++) {
    out.push([]);
    for (let v = 0; v < VARIANTS; v++) {
      g.fillStyle = '#000';
      g.fillRect(0, 0, 28, 28);
      g.fillStyle = '#fff';
      g.font = `${16 + (v % 6)}px sans-serif`;
      g.fillText(String(c), 6 + (v % 5), 20 + (v % 4));
      out[c].push(new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer()));
    }
  }
  return out;
}

export interface ImageImportFigures {
  from: 'zip' | 'folder';
  images: number;
  bytes: number;
  /** Building the files in the page; not part of the import. */
  prepareSeconds: number;
  /** How long the page was blocked handing the request (every File, for a folder) to the worker. */
  postMs: number;
  importSeconds: number;
  longestFrameMs: number;
  stored: number;
  classes: number;
  skipped: number;
}

export async function imageImport(count: number, from: 'zip' | 'folder'): Promise<ImageImportFigures> {
  const t0 = performance.now();
  const pngs = await digitPngs();
  const entries = Array.from({ length: count }, (_, i) => {
    const c = i % CLASSES;
    return { path: `digits/${c}/${String(i).padStart(6, '0')}.png`, bytes: pngs[c][Math.floor(i / CLASSES) % VARIANTS] };
  });
  const bytes = entries.reduce((n, e) => n + e.bytes.length, 0);
  const options = { name: `${count} digits (${from})`, size: 28, channels: 1 as const, seed: 1 };
  let source: ImportSource;
  if (from === 'zip') {
    const files: Record<string, Uint8Array> = {};
    for (const e of entries) files[e.path] = e.bytes;
    // Stored, not deflated: PNGs are compressed already, as zip tools notice.
    source = { kind: 'image-zip', file: new File([zipSync(files, { level: 0 }) as Uint8Array<ArrayBuffer>], 'digits.zip'), options };
  } else {
    source = { kind: 'image-folder', files: entries.map((e) => ({ path: e.path, file: new File([e.bytes as Uint8Array<ArrayBuffer>], e.path.split('/').pop()!) })), options };
  }
  const client = new ImportClient(importWorker(DB_NAME));
  const frames = watchFrames();
  try {
    const t1 = performance.now();
    const done = ask(client, { type: 'import', jobId: `images-${from}`, source }, 'imported');
    const postMs = performance.now() - t1;
    const ev = await done;
    const t2 = performance.now();
    return {
      from,
      images: count,
      bytes: from === 'zip' && source.kind === 'image-zip' ? source.file.size : bytes,
      prepareSeconds: (t1 - t0) / 1000,
      postMs,
      importSeconds: (t2 - t1) / 1000,
      longestFrameMs: frames.stop(),
      stored: storedCount(ev),
      classes: ev.type === 'imported' ? ev.dataset.classes.length : 0,
      skipped: ev.type === 'imported' ? ev.skipped.length : -1,
    };
  } finally {
    frames.stop();
    client.terminate();
  }
}
