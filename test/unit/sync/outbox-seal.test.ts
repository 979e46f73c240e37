// The outbox seal's own SHA-256 and HMAC (computed synchronously inside IndexedDB transactions)
// against Web Crypto's, over lengths around the block boundaries; canonical JSON; the seal's check.
import { describe, expect, it } from 'vitest';
import { canonicalJson, deriveSigningKey, hmacSha256, sealOf, sealVerifies, sha256 } from '../../../src/sync/outbox-seal';

const hex = (b: Uint8Array | ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);

describe('sha256 and hmacSha256', () => {
  it.each([0, 1, 55, 56, 63, 64, 65, 119, 120, 1000])('agree with Web Crypto on %i bytes', async (n) => {
    const data = bytes(n);
    expect(hex(sha256(data))).toBe(hex(await crypto.subtle.digest('SHA-256', data)));
    for (const keyLength of [16, 32, 64, 100]) {
      const key = bytes(keyLength).reverse();
      const cryptoKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      expect(hex(hmacSha256(key, data))).toBe(hex(await crypto.subtle.sign('HMAC', cryptoKey, data)));
    }
  });
});

describe('the seal', () => {
  const entry = {
    mutationId: 'm1',
    table: 'progress',
    recordId: 'r1',
    planId: 'p1',
    changes: { done: '訪問した', evaluation: '△' },
    base: { done: '' },
    create: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    author: { id: 'u1', name: '担当' },
  };

  it('sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
  });

  it('S30: verifies under the author’s key only, and not once anything it covers changed', async () => {
    const key = (await deriveSigningKey('demo1234', 'u1'))!;
    expect(key).toBe(await deriveSigningKey('demo1234', 'u1'));
    const other = (await deriveSigningKey('demo1234', 'u2'))!;
    const seal = sealOf(key, entry);
    expect(sealVerifies(key, { ...entry, changes: { evaluation: '△', done: '訪問した' } }, seal)).toBe(true);
    expect(sealVerifies(other, entry, seal)).toBe(false);
    expect(sealVerifies(key, { ...entry, author: { id: 'u2', name: '担当' } }, seal)).toBe(false);
    expect(sealVerifies(key, { ...entry, changes: { ...entry.changes, deleted: true } }, seal)).toBe(false);
    expect(sealVerifies(key, entry, undefined)).toBe(false);
  });
});
