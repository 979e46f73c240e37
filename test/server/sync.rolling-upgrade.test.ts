// A process of protocol 1 left running beside a database that migration 003 converted writes an
// integer order (docs/deploy.md, "Upgrading", item 4): the new server merges that record as if it
// held the key of the integer, so an edit of another field still applies and the record written
// back passes today's schema.
import { beforeAll, describe, expect, it } from 'vitest';
import { orderKeyOfNumber } from '../../src/model/order-key';
import { PROTOCOL_VERSION } from '../../src/model/protocol';
import { sectionSchema } from '../../src/model/schemas';
import { client, startTestServer, type TestServer } from './helpers';

let s: TestServer;
let lead: string;
beforeAll(async () => {
  s = await startTestServer();
  lead = await s.login('lead@demo');
});

const SECTION = 'demo-tokyo-r6/p1';

describe('a record an older process wrote after migration 003', () => {
  it('takes an edit of another field, and is written back with the key of its integer order', async () => {
    const current = (await s.record('sections', SECTION))!;
    const stored = (await s.storage.getRecord('sections', SECTION))!;
    await s.storage.write(['demo-tokyo'], async (tx) => {
      await tx.putRecord({ ...stored, data: { ...current, order: 3 } });
    });
    const c = client();
    const edit = c.m({ table: 'sections', recordId: SECTION, planId: String(current.planId), changes: { title: '新しい題' }, base: { title: current.title } });
    const res = await s.post('/api/sync', { protocolVersion: PROTOCOL_VERSION, clientId: c.clientId, mutations: [edit], cursor: null }, lead);
    expect(res.status).toBe(200);
    expect(res.json.results).toEqual([{ mutationId: edit.id, status: 'applied' }]);
    const after = await s.record('sections', SECTION);
    expect(after).toMatchObject({ title: '新しい題', order: orderKeyOfNumber(3) });
    expect(sectionSchema.safeParse(after).success).toBe(true);
  });
});
