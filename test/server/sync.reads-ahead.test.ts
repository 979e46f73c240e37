// On PostgreSQL a sync write's first reads go with the transaction's BEGIN, shared by the writes
// queued with it: a request whose ids the database would refuse (a NUL in its mutation id, a
// field name or its client id) must fail alone, never the colleagues' writes sent at the same time.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/model/protocol';
import { progressId } from '../../src/model/schemas';
import { openPostgresStorage } from '../../src/server/storage/postgres';
import { client, ITEM, startTestServer, type TestServer } from './helpers';
import { describePostgres } from './postgres-env';

describePostgres('reads ahead with BEGIN', (env) => {
  let s: TestServer;
  beforeAll(async () => {
    s = (await startTestServer({ openStorage: () => openPostgresStorage(env.url, { schema: env.newSchema(), poolSize: 4 }) })) as unknown as TestServer;
  });
  afterAll(async () => {
    await s.storage.close();
  });

  it('refuses a request with a NUL in its ids alone, and applies the ones sent with it', async () => {
    const staff = await s.login('staff@demo');
    const H1 = progressId(ITEM, '2024-H1');
    for (let round = 0; round < 3; round++) {
      const current = (await s.record('progress', H1))!;
      const bad = client();
      const good = client();
      const badMutation = { ...bad.m({ changes: { next: 'x' }, base: { next: current.next } }), id: `bad\u0000${round}` };
      const badField = bad.m({ changes: { ['next\u0000']: 'x' }, base: {} });
      const goodMutation = good.m({ changes: { next: `良い${round}` }, base: { next: current.next } });
      const send = (clientId: string, mutations: unknown[]) =>
        s.post('/api/sync', { protocolVersion: PROTOCOL_VERSION, clientId, mutations, cursor: null }, staff);
      const [r1, r2, r3, ok] = await Promise.all([
        send(bad.clientId, [badMutation]),
        send(bad.clientId, [badField]),
        send(`nul\u0000client-${round}`, [good.m({ changes: { next: 'y' }, base: { next: current.next } })]),
        send(good.clientId, [goodMutation]),
      ]);
      for (const r of [r1, r2, r3]) expect(r.status).not.toBe(200);
      expect(ok.status).toBe(200);
      expect(ok.json.results).toEqual([{ mutationId: goodMutation.id, status: 'applied' }]);
      expect((await s.record('progress', H1))!.next).toBe(`良い${round}`);
    }
  });
});
