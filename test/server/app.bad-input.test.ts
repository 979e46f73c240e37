// Bad input gets its 4xx code and changes nothing: each case compares the whole database
// (better-sqlite3's serialize() of the in-memory file) before and after the request.
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { progressId } from '../../src/model/schemas';
import { LIMITS, PROTOCOL_VERSION } from '../../src/model/protocol';
import { TOKEN_TTL_MS } from '../../src/server/accounts';
import { client, ITEM, OTHER_ITEM, OTHER_PLAN, progressCreate, startTestServer, T0, type TestServer } from './helpers';

let s: TestServer;
let staff: string;
let lead: string;

beforeAll(async () => {
  s = await startTestServer();
  staff = await s.login('staff@demo');
  lead = await s.login('lead@demo');
});

const H1 = progressId(ITEM, '2024-H1');

async function unchanged<T>(run: () => Promise<T>): Promise<T> {
  const before = s.snapshot();
  const result = await run();
  expect(s.snapshot().equals(before)).toBe(true);
  return result;
}

function body(c: ReturnType<typeof client>, mutations: unknown[], extra: Record<string, unknown> = {}) {
  return { protocolVersion: PROTOCOL_VERSION, clientId: c.clientId, mutations, cursor: null, ...extra };
}

async function raw(init: RequestInit & { headers?: Record<string, string> }, token: string | null = staff) {
  const res = await s.app.request('/api/sync', {
    method: 'POST',
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers },
    ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  return { status: res.status, json: (await res.json()) as { error: { code: string; message: string; mutationId?: string } } };
}

describe('S42: a refused sync request changes nothing', () => {
  it('(control) an accepted edit does change the bytes compared', async () => {
    const c = client();
    const before = s.snapshot();
    const res = await s.post(
      '/api/sync',
      body(c, [c.m({ changes: { next: `control ${c.clientId}` }, base: { next: (await s.record('progress', H1))!.next } })]),
      staff,
    );
    expect(res.status).toBe(200);
    expect(s.snapshot().equals(before)).toBe(false);
  });

  it('malformed JSON → 400 bad_request', async () => {
    const res = await unchanged(() => raw({ body: '{"protocolVersion": 2, "clientId": ' }));
    expect(res).toMatchObject({ status: 400, json: { error: { code: 'bad_request' } } });
  });

  it('a body that is not UTF-8 → 400 bad_request', async () => {
    const res = await unchanged(() => raw({ body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }));
    expect(res).toMatchObject({ status: 400, json: { error: { code: 'bad_request' } } });
  });

  it.each([
    ['seq as a string', (c: ReturnType<typeof client>) => body(c, [{ ...c.m({ changes: { done: 'x' } }), seq: '1' }])],
    ['an unknown table', (c: ReturnType<typeof client>) => body(c, [{ ...c.m({ changes: { done: 'x' } }), table: 'users' }])],
    ['mutations not an array', (c: ReturnType<typeof client>) => body(c, {} as unknown as unknown[])],
    ['a short client id', (c: ReturnType<typeof client>) => ({ ...body(c, []), clientId: 'x' })],
    ['a missing cursor', (c: ReturnType<typeof client>) => ({ protocolVersion: PROTOCOL_VERSION, clientId: c.clientId, mutations: [] })],
    ['a pull limit over the page size', (c: ReturnType<typeof client>) => body(c, [], { pullLimit: LIMITS.pullPage + 1 })],
    ['an unknown top-level field', (c: ReturnType<typeof client>) => body(c, [], { since: 0 })],
    ['an unknown mutation field', (c: ReturnType<typeof client>) => body(c, [{ ...c.m({ changes: { done: 'x' } }), branchId: 'demo-tokyo' }])],
    [
      'too many mutations',
      (c: ReturnType<typeof client>) =>
        body(
          c,
          Array.from({ length: LIMITS.mutationsPerRequest + 1 }, () => c.m({ changes: { done: 'x' } })),
        ),
    ],
    ['a JSON array', () => [1, 2, 3]],
  ])('S1, S23: wrong types or fields: %s → 400 bad_request', async (_name, make) => {
    const res = await unchanged(() => s.post('/api/sync', make(client()), staff));
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('bad_request');
  });

  it('S22: an oversized body → 413 payload_too_large', async () => {
    const c = client();
    const big = JSON.stringify(body(c, [c.m({ changes: { done: 'x'.repeat(LIMITS.requestBytes) } })]));
    const res = await unchanged(() => raw({ body: big }));
    expect(res).toMatchObject({ status: 413, json: { error: { code: 'payload_too_large' } } });
  });

  it('S22: an oversized body whose Content-Length lies (streamed) → 413 payload_too_large', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > LIMITS.requestBytes + chunk.byteLength) controller.close();
        else {
          sent += chunk.byteLength;
          controller.enqueue(chunk);
        }
      },
    });
    const res = await unchanged(() => raw({ body: stream, headers: { 'content-length': '100' } }));
    expect(res).toMatchObject({ status: 413, json: { error: { code: 'payload_too_large' } } });
  });

  it('S43, S44: a wrong protocol version → 426 protocol_version', async () => {
    const c = client();
    const res = await unchanged(() =>
      s.post('/api/sync', { ...body(c, [c.m({ changes: { done: 'x' } })]), protocolVersion: PROTOCOL_VERSION + 1, somethingNew: true }, staff),
    );
    expect(res.status).toBe(426);
    expect(res.json.error.code).toBe('protocol_version');
  });

  it('S44: an app from before order keys (protocol 1, integer orders) → 426 protocol_version, nothing applied', async () => {
    const c = client();
    const move = c.m({ table: 'sections', recordId: 'demo-tokyo-r6/p1', changes: { order: 2 }, base: { order: 0 } });
    const res = await unchanged(() => s.post('/api/sync', { ...body(c, [move]), protocolVersion: 1 }, staff));
    expect(res.status).toBe(426);
    expect(res.json.error.code).toBe('protocol_version');
  });

  it('S32, S35: a forged branch (a plan of another branch) → 403 forbidden naming the mutation', async () => {
    const c = client();
    const good = c.m({ changes: { done: 'applied?' }, base: { done: (await s.record('progress', H1))!.done } });
    const forged = c.m(progressCreate(OTHER_ITEM, '2024-H2', { done: 'x' }, OTHER_PLAN));
    const res = await unchanged(() => s.post('/api/sync', body(c, [good, forged]), staff));
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ code: 'forbidden', mutationId: forged.id });
  });

  it('S35: a record of another plan named under this plan → 403 forbidden', async () => {
    const c = client();
    const forged = c.m({ recordId: progressId(OTHER_ITEM, '2024-H1'), planId: DEMO_PLAN_ID, changes: { done: 'x' } });
    const res = await unchanged(() => s.post('/api/sync', body(c, [forged]), staff));
    expect(res).toMatchObject({ status: 403, json: { error: { code: 'forbidden', mutationId: forged.id } } });
  });

  it('S35: a create whose record names another plan or id → 403 forbidden', async () => {
    const c = client();
    const create = progressCreate(ITEM, '2024-H2', { done: 'x' });
    for (const forged of [
      c.m({ ...create, create: { ...create.create, planId: OTHER_PLAN } }),
      c.m({ ...create, create: { ...create.create, id: 'someone-else' } }),
    ]) {
      const res = await unchanged(() => s.post('/api/sync', body(c, [forged]), staff));
      expect(res).toMatchObject({ status: 403, json: { error: { code: 'forbidden', mutationId: forged.id } } });
    }
  });

  it('S32: a staff account changing plan structure → 403 forbidden', async () => {
    const c = client();
    const m = c.m({ table: 'items', recordId: ITEM, changes: { text: '書き換え' }, base: { text: (await s.record('items', ITEM))!.text } });
    const res = await unchanged(() => s.post('/api/sync', body(c, [m]), staff));
    expect(res).toMatchObject({ status: 403, json: { error: { code: 'forbidden', mutationId: m.id } } });
  });

  it('S15: a merged record that fails its schema → 400 bad_request naming the mutation, earlier ones not applied', async () => {
    const c = client();
    const good = c.m({ changes: { done: 'ok' }, base: { done: (await s.record('progress', H1))!.done } });
    const bad = c.m({ changes: { evaluation: '◎' }, base: { evaluation: '○' } });
    const res = await unchanged(() => s.post('/api/sync', body(c, [good, bad]), staff));
    expect(res).toMatchObject({ status: 400, json: { error: { code: 'bad_request', mutationId: bad.id } } });
  });

  it('S10: a natural-key record under another id → 400 bad_request', async () => {
    const c = client();
    const create = progressCreate(ITEM, '2024-H2', { done: 'x' });
    const m = c.m({ ...create, recordId: 'progress-random-id', create: { ...create.create, id: 'progress-random-id' } });
    const res = await unchanged(() => s.post('/api/sync', body(c, [m]), staff));
    expect(res).toMatchObject({ status: 400, json: { error: { code: 'bad_request', mutationId: m.id } } });
  });

  it('S15, S25: a note over the length limit → 400 bad_request', async () => {
    const c = client();
    const note = { id: 'long-note', planId: DEMO_PLAN_ID, itemId: ITEM, date: '2026-04-01', author: 'me', text: 'あ'.repeat(5001) };
    const { id: _, ...fields } = note;
    const m = c.m({ table: 'notes', recordId: note.id, changes: fields, create: note });
    const res = await unchanged(() => s.post('/api/sync', body(c, [m]), lead));
    expect(res).toMatchObject({ status: 400, json: { error: { code: 'bad_request', mutationId: m.id } } });
  });

  it('no token → 401 unauthorized', async () => {
    const c = client();
    const res = await unchanged(() => s.post('/api/sync', body(c, [c.m({ changes: { done: 'x' } })])));
    expect(res).toMatchObject({ status: 401, json: { error: { code: 'unauthorized' } } });
  });

  it('an unknown token → 401 unauthorized', async () => {
    const c = client();
    const res = await unchanged(() => s.post('/api/sync', body(c, [c.m({ changes: { done: 'x' } })]), 'A'.repeat(43)));
    expect(res).toMatchObject({ status: 401, json: { error: { code: 'unauthorized' } } });
  });

  it('an expired token → 401 token_expired', async () => {
    const c = client();
    s.setClock(new Date(T0.getTime() + TOKEN_TTL_MS + 1));
    try {
      const res = await unchanged(() => s.post('/api/sync', body(c, [c.m({ changes: { done: 'x' } })]), staff));
      expect(res).toMatchObject({ status: 401, json: { error: { code: 'token_expired' } } });
    } finally {
      s.setClock(T0);
    }
  });

  it('S42: the error body parses with the protocol’s schema', async () => {
    const { apiErrorSchema } = await import('../../src/model/protocol');
    const res = await s.post('/api/sync', '{', staff);
    expect(apiErrorSchema.parse(res.json).error.code).toBe('bad_request');
  });
});

describe('a refused login changes nothing', () => {
  it.each([
    ['malformed JSON', '{"email":'],
    ['a missing password', { email: 'staff@demo' }],
    ['an unknown field', { email: 'staff@demo', password: 'demo1234', remember: true }],
    ['a number for the email', { email: 42, password: 'demo1234' }],
  ])('%s → 400 bad_request', async (_name, payload) => {
    const res = await unchanged(() => s.post('/api/login', payload));
    expect(res).toMatchObject({ status: 400, json: { error: { code: 'bad_request' } } });
  });

  it('S26: an oversized login body → 413', async () => {
    const res = await unchanged(() => s.post('/api/login', { email: 'staff@demo', password: 'x'.repeat(100_000) }));
    expect(res).toMatchObject({ status: 413, json: { error: { code: 'payload_too_large' } } });
  });
});
