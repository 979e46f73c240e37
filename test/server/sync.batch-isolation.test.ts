// On PostgreSQL the writes of colleagues queued at the same moment share one transaction and
// one read ahead (kysely-storage.ts, runBatch): what one request sends must never fail the
// others'. Found by the review of issue 14: a read ahead of thousands of keys exceeded
// PostgreSQL's stack, and ids differing only in a lone surrogate became one id in the database.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_FIELDS_PER_MUTATION, PROTOCOL_VERSION } from '../../src/model/protocol';
import { progressId } from '../../src/model/schemas';
import { openPostgresStorage } from '../../src/server/storage/postgres';
import { client, ITEM, startTestServer, type TestServer } from './helpers';
import { describePostgres } from './postgres-env';

describePostgres('writes sharing a transaction', (env) => {
  let s: TestServer;
  let staff: string;
  beforeAll(async () => {
    s = (await startTestServer({ openStorage: () => openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 4 }) })) as unknown as TestServer;
    staff = await s.login('staff@demo');
  });
  afterAll(async () => {
    await s.storage.close();
  });
  const H1 = progressId(ITEM, '2024-H1');
  const send = (clientId: string, mutations: unknown[]) => s.post('/api/sync', { protocolVersion: PROTOCOL_VERSION, clientId, mutations, cursor: null }, staff);

  /** Sends `bad` together with six colleagues' edits, three times; returns the colleagues' statuses and the bad ones'. */
  async function withColleagues(bad: () => Promise<{ status: number }>): Promise<{ colleagues: number[]; bad: number[] }> {
    const colleagues: number[] = [];
    const bads: number[] = [];
    for (let round = 0; round < 3; round++) {
      const current = (await s.record('progress', H1))!;
      const goods = Array.from({ length: 6 }, () => client());
      const [first, ...rest] = await Promise.all([
        bad(),
        ...goods.map((g) => send(g.clientId, [g.m({ changes: { next: `良い ${round}` }, base: { next: current.next } })])),
      ]);
      bads.push(first!.status);
      colleagues.push(...rest.map((r) => r.status));
    }
    return { colleagues, bad: bads };
  }

  it('refuses ids and field names with a lone surrogate (400), which the database would make one with their U+FFFD twin', async () => {
    const before = await s.storage.dump();
    const c = client();
    const m = c.m({ changes: { next: 'x' }, base: {} });
    for (const [clientId, mutation] of [
      [`device-\uD800-1`, m],
      [c.clientId, { ...m, id: 'poison\uD800' }],
      [c.clientId, { ...m, changes: { 'next\uDC00': 'x' } }],
      [c.clientId, { ...m, recordId: `${m.recordId}\uDBFF` }],
    ] as const) {
      const res = await send(clientId, [mutation]);
      expect(res.status).toBe(400);
    }
    expect(await s.storage.dump()).toEqual(before);
  });

  it('applies colleagues’ writes sent with a request of lone surrogates', async () => {
    const bad = client();
    const current = (await s.record('progress', H1))!;
    const b1 = { ...bad.m({ changes: { next: 'x' }, base: { next: current.next } }), id: 'poison\uD800' };
    const b2 = { ...bad.m({ changes: { next: 'y' }, base: { next: 'x' } }), id: 'poison\uDBFF' };
    const { colleagues, bad: bads } = await withColleagues(() => send(bad.clientId, [b1, b2]));
    expect(bads).toEqual([400, 400, 400]);
    expect(colleagues.every((x) => x === 200)).toBe(true);
  });

  it(`refuses a mutation of more than ${MAX_FIELDS_PER_MUTATION} fields, and a request reading ahead thousands of keys fails no colleague`, async () => {
    const bad = client();
    const tooMany = Object.fromEntries(Array.from({ length: MAX_FIELDS_PER_MUTATION + 1 }, (_, i) => [`f${i}`, 1]));
    expect((await send(bad.clientId, [bad.m({ changes: tooMany, base: {} })])).status).toBe(400);
    // 200 mutations of 64 field names: 13,200 keys read ahead, where an IN list of rows of
    // some 7,000 exceeded the stack and failed the whole transaction.
    const wide = Object.fromEntries(Array.from({ length: MAX_FIELDS_PER_MUTATION }, (_, i) => [`f${i}`, 1]));
    const { colleagues } = await withColleagues(() =>
      send(
        bad.clientId,
        Array.from({ length: 200 }, () => bad.m({ changes: wide, base: {} })),
      ),
    );
    expect(colleagues.every((x) => x === 200)).toBe(true);
  });

  it('syncs every device coming back online with its queue (200 edits each) at once', async () => {
    const devices = Array.from({ length: 24 }, () => client());
    const all = await Promise.all(
      devices.map((d) =>
        send(
          d.clientId,
          Array.from({ length: 200 }, (_, i) => d.m({ changes: { next: `d ${i}` }, base: {} })),
        ),
      ),
    );
    expect(all.map((r) => r.status)).toEqual(devices.map(() => 200));
  }, 120_000);
});
