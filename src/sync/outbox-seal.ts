// The seal on an outbox entry: an HMAC-SHA-256 over the entry's content and author, keyed with a
// secret derived from the author's password at login (PBKDF2). The key is on the device only
// while its person is signed in (a meta row erased at sign-out and when someone else signs in),
// and the same password gives the same key at their next login, so their own entries still
// verify then. An entry someone else wrote into the browser's storage (DevTools) claiming them
// as author has no seal that verifies, and is never sent under their login.
//
// The seal is made inside the write's IndexedDB transaction, where awaiting Web Crypto would end
// the transaction; so SHA-256 and HMAC are computed here, synchronously (FIPS 180-4, RFC 2104).
// Only the key derivation at login uses Web Crypto.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  const bitLength = data.length * 8;
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32));
  view.setUint32(padded.length - 4, bitLength >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      const s0 = ror(a, 7) ^ ror(a, 18) ^ (a >>> 3);
      const s1 = ror(b, 17) ^ ror(b, 19) ^ (b >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h as unknown as [number, number, number, number, number, number, number, number];
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) >>> 0;
      const t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] = h[0]! + a;
    h[1] = h[1]! + b;
    h[2] = h[2]! + c;
    h[3] = h[3]! + d;
    h[4] = h[4]! + e;
    h[5] = h[5]! + f;
    h[6] = h[6]! + g;
    h[7] = h[7]! + hh;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setUint32(i * 4, h[i]!);
  return out;
}

function ror(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

/** HMAC-SHA-256 of `message` under `key`. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  const block = new Uint8Array(64);
  block.set(key.length > 64 ? sha256(key) : key);
  const inner = new Uint8Array(64 + message.length);
  const outer = new Uint8Array(64 + 32);
  for (let i = 0; i < 64; i++) {
    inner[i] = block[i]! ^ 0x36;
    outer[i] = block[i]! ^ 0x5c;
  }
  inner.set(message, 64);
  outer.set(sha256(inner), 64);
  return sha256(outer);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** JSON with object keys sorted at every level, so equal content always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What a seal covers: everything the entry sends, and who it is from. */
export interface SealedContent {
  mutationId: string;
  table: string;
  recordId: string;
  planId: string;
  changes: Record<string, unknown>;
  base: Record<string, unknown>;
  create: Record<string, unknown> | null;
  createdAt: string;
  author?: { id: string; name: string };
}

/** The seal of an entry under a signing key (hex). */
export function sealOf(signingKey: string, e: SealedContent): string {
  const content = {
    mutationId: e.mutationId,
    table: e.table,
    recordId: e.recordId,
    planId: e.planId,
    changes: e.changes,
    base: e.base,
    create: e.create,
    createdAt: e.createdAt,
    authorId: e.author?.id ?? null,
  };
  return hex(hmacSha256(fromHex(signingKey), new TextEncoder().encode(canonicalJson(content))));
}

/** The entry with its author's seal, or with none when their key is not on the device. */
export function withSeal<T extends SealedContent & { seal?: string }>(entry: T, signingKey: string | null): T {
  const { seal: _old, ...rest } = entry;
  return (signingKey ? { ...rest, seal: sealOf(signingKey, rest) } : rest) as T;
}

/** Whether `seal` is the entry's seal under the key (compared in constant time). */
export function sealVerifies(signingKey: string, e: SealedContent, seal: string | undefined): boolean {
  if (seal === undefined) return false;
  const expected = sealOf(signingKey, e);
  if (expected.length !== seal.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ seal.charCodeAt(i);
  return diff === 0;
}

/** PBKDF2 rounds: a key taken from a device costs a guesser this much per password tried. */
export const SIGNING_KEY_ROUNDS = 210_000;

/**
 * The signing key of a person: from their password, salted with their user id (hex, 32 bytes).
 * Undefined where Web Crypto is not offered (a page not served over HTTPS, where the service
 * worker does not run either): entries are then not sealed, and not checked.
 */
export async function deriveSigningKey(password: string, userId: string): Promise<string | undefined> {
  if (typeof crypto === 'undefined' || !crypto.subtle) {
    console.warn('Web Crypto is not available (is the app served over HTTPS?): outbox entries are not sealed');
    return undefined;
  }
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: new TextEncoder().encode(`jigyo-keikaku-tracker outbox seal:${userId}`), iterations: SIGNING_KEY_ROUNDS },
    material,
    256,
  );
  return hex(new Uint8Array(bits));
}
