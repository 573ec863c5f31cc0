/**
 * The cryptography of encryption at rest, on WebCrypto alone: a key derived
 * from the passphrase with PBKDF2 (SHA-256, 600,000 iterations, a random salt
 * of 16 bytes), and AES-GCM with a 256-bit key and a fresh random 96-bit IV
 * for every value sealed. GCM authenticates: a changed byte, a wrong key or a
 * value moved to another record (its place is the additional data) fails to
 * open rather than opening to garbage.
 */

/** OWASP's figure for PBKDF2-HMAC-SHA256 (2023); a stored vault asking for fewer is refused. */
export const MIN_ITERATIONS = 600_000;
export const KDF_HASH = 'SHA-256';
export const SALT_BYTES = 16;
export const IV_BYTES = 12;

export interface KdfParams {
  name: 'PBKDF2';
  hash: typeof KDF_HASH;
  iterations: number;
  salt: Uint8Array;
}

/** What a sealed value holds: its IV and the ciphertext with GCM's 16-byte tag at the end. */
export interface Sealed {
  iv: Uint8Array;
  data: ArrayBuffer;
}

export class WrongPassphraseError extends Error {
  override name = 'WrongPassphraseError';
  constructor() {
    super('That passphrase is not the one this data was encrypted with. Check it (letters’ case counts) and try again.');
  }
}

const subtle = () => {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('This browser offers no Web Crypto here (it needs a secure page: https or localhost), so encryption is not available.');
  return s;
};

export function newKdfParams(): KdfParams {
  return { name: 'PBKDF2', hash: KDF_HASH, iterations: MIN_ITERATIONS, salt: globalThis.crypto.getRandomValues(new Uint8Array(SALT_BYTES)) };
}

/** The AES-GCM key of a passphrase. Not extractable: it can encrypt and decrypt, and be handed to a worker, never read out. */
export async function deriveKey(passphrase: string, params: KdfParams): Promise<CryptoKey> {
  if (params.name !== 'PBKDF2' || params.hash !== KDF_HASH || params.iterations < MIN_ITERATIONS || params.salt.byteLength < SALT_BYTES) {
    throw new Error('The stored encryption settings are weaker than Hearth accepts; they were not written by Hearth.');
  }
  const material = await subtle().importKey('raw', new TextEncoder().encode(passphrase.normalize('NFC')), 'PBKDF2', false, ['deriveKey']);
  return subtle().deriveKey(
    { name: 'PBKDF2', hash: params.hash, iterations: params.iterations, salt: params.salt as Uint8Array<ArrayBuffer> },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** Encrypts `plain`; `place` (the record's store and key) is bound to it, so it opens only there. */
export async function encrypt(key: CryptoKey, plain: Uint8Array, place: string): Promise<Sealed> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const data = await subtle().encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(place) },
    key,
    plain as Uint8Array<ArrayBuffer>,
  );
  return { iv, data };
}

/** Opens a sealed value; rejects (an OperationError) if the key, the place or any byte differs. */
export async function decrypt(key: CryptoKey, sealed: Sealed, place: string): Promise<Uint8Array> {
  const plain = await subtle().decrypt(
    { name: 'AES-GCM', iv: sealed.iv as Uint8Array<ArrayBuffer>, additionalData: new TextEncoder().encode(place) },
    key,
    sealed.data,
  );
  return new Uint8Array(plain);
}
