/** Reads a float32 or int .npy file (what np.save writes), for checking what Python produced. */
export function readNpy(bytes: Uint8Array): { shape: number[]; data: Float32Array } {
  const headerLen = bytes[8] | (bytes[9] << 8);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').filter((s) => s.trim()).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error('Fortran-ordered arrays are not read here.');
  // A copy: a Node Buffer's slice shares (and may start inside) a larger pool.
  const body = new Uint8Array(bytes.subarray(10 + headerLen));
  const data = descr === '<f4' ? new Float32Array(body.buffer) : descr === '<f8' ? Float32Array.from(new Float64Array(body.buffer)) : null;
  if (!data) throw new Error(`Unexpected dtype ${descr}.`);
  return { shape, data };
}
