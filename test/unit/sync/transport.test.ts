// The transport over a fake fetch: bodies are parsed with the protocol's schemas, error bodies
// become typed TransportErrors (with the mutation they name), and nothing unparsed gets through.
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type SyncRequest } from '../../../src/model/protocol';
import { TransportError, fetchTransport, type FetchLike } from '../../../src/sync/transport';

const request: SyncRequest = { protocolVersion: PROTOCOL_VERSION, clientId: 'client-0001', mutations: [], cursor: null };
const okBody = { protocolVersion: PROTOCOL_VERSION, results: [], changes: [], cursor: 'c1', hasMore: false, reset: false };

function json(status: number, body: unknown): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

async function caught(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TransportError) return e;
    throw e;
  }
  throw new Error('expected a TransportError');
}

describe('fetchTransport', () => {
  it('posts the request with the token and parses the answer', async () => {
    const calls: [string, RequestInit][] = [];
    const fetchFn: FetchLike = (url, init) => {
      calls.push([url, init]);
      return json(200, { ...okBody, extra: 'ignored' });
    };
    const answer = await fetchTransport(fetchFn, { baseUrl: 'https://example.jp' }).sync(request, 'tok');
    expect(answer).toEqual(okBody);
    expect(calls[0]![0]).toBe('https://example.jp/api/sync');
    expect(calls[0]![1]).toMatchObject({ method: 'POST', headers: { authorization: 'Bearer tok' } });
    expect(JSON.parse(String(calls[0]![1].body))).toEqual(request);
  });

  it('turns an error body into a typed error with the mutation it names', async () => {
    const t = fetchTransport(() => json(403, { error: { code: 'forbidden', message: '権限がありません', mutationId: 'm1' } }));
    const e = await caught(t.sync(request, 'tok'));
    expect(e).toMatchObject({ kind: 'http', status: 403, code: 'forbidden', mutationId: 'm1', message: '権限がありません' });
  });

  it('keeps the status of an error that is not ours', async () => {
    const e = await caught(fetchTransport(() => new Response('<html>bad gateway</html>', { status: 502 })).info());
    expect(e).toMatchObject({ kind: 'http', status: 502, code: null, mutationId: null });
  });

  it('refuses a successful answer that does not follow the protocol', async () => {
    for (const body of ['not json', { ...okBody, cursor: 5 }, { ...okBody, changes: [{ table: 'secrets', id: 'x', version: 1, record: {} }] }]) {
      const e = await caught(fetchTransport(() => json(200, body)).sync(request, 'tok'));
      expect(e).toMatchObject({ kind: 'http', status: 200, code: null });
    }
  });

  it('posts a logout with the token', async () => {
    const calls: [string, RequestInit][] = [];
    await fetchTransport((url, init) => {
      calls.push([url, init]);
      return json(200, { ok: true });
    }).logout('tok');
    expect(calls[0]![0]).toBe('/api/logout');
    expect(calls[0]![1]).toMatchObject({ method: 'POST', headers: { authorization: 'Bearer tok' } });
  });

  it('reads Retry-After (seconds or a date) of a refusal', async () => {
    const refused = (status: number, retryAfter: string | null) => () =>
      new Response(JSON.stringify({ error: { code: status === 429 ? 'too_many_attempts' : 'internal', message: 'x' } }), {
        status,
        headers: retryAfter === null ? {} : { 'retry-after': retryAfter },
      });
    expect(await caught(fetchTransport(refused(429, '120')).login({ email: 'a@b.jp', password: 'x' }))).toMatchObject({
      status: 429,
      code: 'too_many_attempts',
      retryAfterMs: 120_000,
    });
    expect(await caught(fetchTransport(refused(503, '7')).sync(request, 'tok'))).toMatchObject({ status: 503, retryAfterMs: 7_000 });
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const dated = (await caught(fetchTransport(refused(503, inAMinute)).sync(request, 'tok'))) as { retryAfterMs: number };
    expect(dated.retryAfterMs).toBeGreaterThan(50_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(60_000);
    for (const header of [null, 'soon', '-5'])
      expect(await caught(fetchTransport(refused(429, header)).sync(request, 'tok'))).toMatchObject({ retryAfterMs: null });
  });

  it('reports a failed fetch, a body cut off and a timeout as network errors', async () => {
    const cut = new Response(new ReadableStream({ start: (c) => c.error(new Error('reset')) }), { status: 200 });
    const hanging: FetchLike = (_url, init) => new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    for (const t of [
      fetchTransport(() => Promise.reject(new TypeError('Failed to fetch'))),
      fetchTransport(() => cut),
      fetchTransport(hanging, { timeoutMs: 10 }),
    ]) {
      expect(await caught(t.login({ email: 'a@b.jp', password: 'x' }))).toMatchObject({ kind: 'network', status: null });
    }
  });
});
