/**
 * TensorFlow.js model files as someone hands them to Hearth — model.json and its
 * .bin weight files, with or without hearth-preprocessing.json, loose or in a
 * .zip — gathered into one model: the parsed model.json, its weights joined in
 * manifest order, and the sidecar if there is one. Every way this can fail
 * throws ModelImportError with a message that names the file at fault.
 */
import { unzipSync } from 'fflate';
import { PREPROCESSING_FILE } from './preprocessing';
import { InputError } from '../train/errors';

/** A bad model file: reported like any bad input, with its own message. */
export class ModelImportError extends InputError {}

export interface GivenFile {
  name: string;
  data: Uint8Array;
}

export interface GatheredModel {
  /** The model.json file's name, for messages and the model's default name. */
  fileName: string;
  json: Record<string, unknown>;
  /** Weight entries of every manifest group, in order. */
  specs: unknown[];
  weightData: ArrayBuffer;
  /** The sidecar's parsed JSON, or null when none was given. */
  preprocessing: unknown;
}

/** Entries past this are not unpacked: no layers model Hearth trains comes near it. */
const MAX_ENTRY_BYTES = 1 << 30;
const baseName = (path: string) => path.split(/[\\/]/).pop() ?? path;
const isZip = (f: GivenFile) => /\.zip$/i.test(f.name) || (f.data[0] === 0x50 && f.data[1] === 0x4b && f.data[2] === 0x03 && f.data[3] === 0x04);

function unpack(file: GivenFile): GivenFile[] {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(file.data, { filter: (e) => !e.name.endsWith('/') && !baseName(e.name).startsWith('.') && e.originalSize <= MAX_ENTRY_BYTES });
  } catch (err) {
    throw new ModelImportError(`"${file.name}" is not a readable .zip (${err instanceof Error ? err.message : String(err)}).`);
  }
  return Object.entries(entries).map(([name, data]) => ({ name: baseName(name), data }));
}

function parseJson(file: GivenFile): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(file.data));
  } catch (err) {
    throw new ModelImportError(`"${file.name}" is not valid JSON (${err instanceof Error ? err.message : String(err)}).`);
  }
}

export function gatherModelFiles(given: GivenFile[]): GatheredModel {
  const files = given.flatMap((f) => (isZip(f) ? unpack(f) : [{ ...f, name: baseName(f.name) }]));
  const jsons = files.filter((f) => /\.json$/i.test(f.name));
  const sidecarFile = jsons.find((f) => f.name === PREPROCESSING_FILE) ?? null;
  const candidates = jsons.filter((f) => f !== sidecarFile);
  const parsed = candidates.map((f) => ({ file: f, json: parseJson(f) })).filter((c) => typeof c.json === 'object' && c.json !== null && 'modelTopology' in c.json);
  if (parsed.length === 0) {
    const had = files.length ? `Got ${files.map((f) => `"${f.name}"`).slice(0, 5).join(', ')}.` : 'No files were given.';
    throw new ModelImportError(`No TensorFlow.js model.json (a JSON file with "modelTopology") among the files. ${had}`);
  }
  if (parsed.length > 1) throw new ModelImportError(`Import one model at a time: ${parsed.map((p) => `"${p.file.name}"`).join(' and ')} both describe a model.`);
  const [{ file, json }] = parsed as { file: GivenFile; json: Record<string, unknown> }[];
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) throw new ModelImportError(`"${file.name}" has no weightsManifest: it does not say which files hold its weights.`);
  const specs: unknown[] = [];
  const parts: Uint8Array[] = [];
  for (const group of manifest as unknown[]) {
    const g = (group ?? {}) as Record<string, unknown>;
    if (!Array.isArray(g.paths) || !Array.isArray(g.weights)) throw new ModelImportError(`"${file.name}": a weightsManifest group lacks its "paths" or "weights" list.`);
    specs.push(...g.weights);
    for (const path of g.paths) {
      const name = baseName(String(path));
      const found = files.find((f) => f.name === name);
      if (!found) throw new ModelImportError(`Missing weights file "${name}": "${file.name}" lists it, but it was not among the files given. Add it (or give the .zip holding all the files).`);
      parts.push(found.data);
    }
  }
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const weightData = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    weightData.set(p, at);
    at += p.byteLength;
  }
  return { fileName: file.name, json, specs, weightData: weightData.buffer, preprocessing: sidecarFile ? parseJson(sidecarFile) : null };
}
