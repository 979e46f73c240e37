// A refusal says why in Japanese (with an English gloss in brackets for logs and API clients),
// naming the role and what it may not change as people say them — never a table name alone.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { describeEachStorage } from './backends';
import { client, startTestServer, type TestServer } from './helpers';

describeEachStorage('refusals', (openStorage) => {
  let s: TestServer;
  beforeEach(async () => {
    s = await startTestServer({ openStorage });
  });
  afterEach(async () => {
    await s.storage.close();
  });

  it.each([
    ['items', { text: '担当が書き換えた' }, '担当の役割では項目を変更できません'],
    ['kpis', { name: '担当が書き換えた' }, '担当の役割ではKPIを変更できません'],
    ['sections', { title: '担当が書き換えた' }, '担当の役割では柱・区分を変更できません'],
  ] as const)('staff changing %s are told in Japanese', async (table, changes, said) => {
    const staff = await s.login('staff@demo');
    const c = client('tokyo-staff');
    const res = await s.post(
      '/api/sync',
      {
        protocolVersion: 3,
        clientId: c.clientId,
        cursor: null,
        mutations: [c.m({ table, recordId: `${DEMO_PLAN_ID}/p1-s1-i1`, planId: DEMO_PLAN_ID, changes })],
      },
      staff,
    );
    expect(res.status).toBe(403);
    expect(res.json.error.message).toBe(`${said} (role staff may not write ${table})`);
  });
});
