/**
 * A stored record as bytes, and back: what is encrypted. The structure goes as
 * JSON, every typed array and ArrayBuffer as raw bytes after it, so a shard of
 * 3 MB of pixels costs a copy, not a 20 MB JSON text. What JSON would lose is
 * kept: NaN, ±Infinity, -0 and undefined (a diverged run's loss is NaN).
 *
 *   unpack(pack({ x: new Float32Array([1, NaN]), n: -0 }))  // { x: Float32Array [1, NaN], n: -0 }
 *
 * Layout: 4 bytes (little-endian) the JSON's length, the JSON, then each binary
 * part at an offset aligned to 8 bytes. Every typed array comes back owning a
 * buffer of its own, as a record read from IndexedDB does.
 */

const TYPED = {
  Uint8Array,
  Uint8ClampedArray,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
} as const;
type TypedName = keyof typeof TYPED;

/** A marker object stands for a value JSON cannot hold; a real object with a "$" key is wrapped, so nothing is ambiguous. */
type Marker =
  | { $: 'num'; v: 'NaN' | 'Infinity' | '-Infinity' | '-0' }
  | { $: 'undef' }
  | { $: 'bin'; t: TypedName | 'ArrayBuffer'; o: number; n: number }
  | { $: 'obj'; v: Record<string, unknown> };

const align8 = (n: number) => (n + 7) & ~7;

export function pack(value: unknown): Uint8Array {
  const parts: Uint8Array[] = [];
  let binLength = 0;
  const addBytes = (bytes: Uint8Array): number => {
    const offset = binLength;
    parts.push(bytes);
    binLength = align8(binLength + bytes.byteLength);
    return offset;
  };
  const encode = (v: unknown): unknown => {
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return { $: 'num', v: 'NaN' };
      if (v === Infinity) return { $: 'num', v: 'Infinity' };
      if (v === -Infinity) return { $: 'num', v: '-Infinity' };
      if (Object.is(v, -0)) return { $: 'num', v: '-0' };
      return v;
    }
    if (v === undefined) return { $: 'undef' };
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (v instanceof ArrayBuffer) return { $: 'bin', t: 'ArrayBuffer', o: addBytes(new Uint8Array(v)), n: v.byteLength };
    if (ArrayBuffer.isView(v)) {
      const t = v.constructor.name as TypedName;
      if (!(t in TYPED)) throw new TypeError(`A ${t} cannot be stored encrypted.`);
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      return { $: 'bin', t, o: addBytes(bytes), n: v.byteLength };
    }
    if (Array.isArray(v)) return v.map(encode);
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = encode(x);
      return '$' in out ? { $: 'obj', v: out } : out;
    }
    throw new TypeError(`A ${Object.prototype.toString.call(v)} cannot be stored encrypted.`);
  };
  const json = new TextEncoder().encode(JSON.stringify(encode(value)));
  const head = align8(4 + json.byteLength);
  const out = new Uint8Array(head + binLength);
  new DataView(out.buffer).setUint32(0, json.byteLength, true);
  out.set(json, 4);
  let at = head;
  for (const p of parts) {
    out.set(p, at);
    at += align8(p.byteLength);
  }
  return out;
}

export function unpack(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(0, true);
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + jsonLength))) as unknown;
  const head = align8(4 + jsonLength);
  const decode = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(decode);
    if (v === null || typeof v !== 'object') return v;
    const m = v as Marker;
    switch (m.$) {
      case 'num':
        return m.v === '-0' ? -0 : Number(m.v);
      case 'undef':
        return undefined;
      case 'bin': {
        const start = bytes.byteOffset + head + m.o;
        const own = bytes.buffer.slice(start, start + m.n) as ArrayBuffer;
        return m.t === 'ArrayBuffer' ? own : new TYPED[m.t](own);
      }
      case 'obj':
        return decodeEntries(m.v);
      default:
        return decodeEntries(v as Record<string, unknown>);
    }
  };
  const decodeEntries = (o: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decode(x);
    return out;
  };
  return decode(json);
}
