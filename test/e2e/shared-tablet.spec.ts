// Two people on one tablet. 担当 signs in, goes offline, sets 評価 and 実施状況, signs out keeping
// the data; リーダー signs in online on the same tablet: 担当's edits are never sent (the server's
// audit has neither them nor anything recorded under リーダー for that item), the status bar names
// 担当; 担当 signs in again and the edits arrive under 担当's name. Then 「この端末のデータを消す」
// leaves nothing of the plan on the device (IndexedDB and localStorage).
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { auditResponseSchema, loginResponseSchema, type AuditEntry } from '../../src/model/protocol';
import { TrackerApp } from './pages/tracker';

const DEMO_PLAN = /令和6年度 東京支部事業計画/;
const ITEM = /医療費適正化等に努めるとともに/;

/** The demo branch's audit since `from` as the server has it, read by its lead through the API. */
async function audit(request: APIRequestContext, from: string): Promise<AuditEntry[]> {
  const login = await request.post('/api/login', { data: { email: 'lead@demo', password: 'demo1234' } });
  const { token } = loginResponseSchema.parse(await login.json());
  const answer = await request.get(`/api/branches/demo-tokyo/audit?format=json&from=${encodeURIComponent(from)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(answer.status()).toBe(200);
  return auditResponseSchema.parse(await answer.json()).entries;
}

function changesWith(entries: AuditEntry[], text: string): AuditEntry[] {
  return entries.filter((e) => Object.values(e.changes).some((c) => c.to === text));
}

/** What the device keeps of the plans: rows per IndexedDB store and the localStorage keys. */
function deviceContents(page: Page) {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('jigyo-keikaku-tracker');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const counts: Record<string, number> = {};
    const metaKeys: string[] = [];
    for (const name of Array.from(db.objectStoreNames)) {
      const store = db.transaction(name).objectStore(name);
      counts[name] = await new Promise<number>((resolve) => {
        const req = store.count();
        req.onsuccess = () => resolve(req.result);
      });
      if (name === 'meta') {
        const keys = await new Promise<IDBValidKey[]>((resolve) => {
          const req = store.getAllKeys();
          req.onsuccess = () => resolve(req.result);
        });
        metaKeys.push(...keys.map(String));
      }
    }
    db.close();
    return { counts, metaKeys, localStorageKeys: Object.keys(localStorage) };
  });
}

test('an earlier person’s offline edits are never sent under the next login, and arrive under their own name later', async ({ page, request }) => {
  // Three sign-ins, an offline spell and three syncs: more steps than the default budget allows on a busy machine.
  test.slow();
  const start = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const done = `担当がオフラインで入力した実施状況 ${Date.now()}`;
  const app = new TrackerApp(page);
  await app.login('staff@demo');
  await app.openPlans();
  await app.waitUntilAvailableOffline();
  await app.goOffline();
  const item = await (await app.openPlan(DEMO_PLAN)).openItem(ITEM);
  await item.setEvaluation('－');
  await item.typeDone(done);
  await item.waitUntilSaved();
  await expect(app.pendingEdits()).toContainText('未同期 1件');
  await app.logout();

  await app.goOnline();
  await app.login('lead@demo');
  await expect(app.previousUserPending('デモ 担当')).toContainText('前の利用者（デモ 担当）の未送信 1件');
  await app.syncNow();
  await expect(app.previousUserPending('デモ 担当')).toBeVisible();
  // On the server: neither the edit nor anything under the lead since the test began.
  const before = await audit(request, start);
  expect(changesWith(before, done)).toEqual([]);
  expect(before.filter((e) => e.by === 'デモ リーダー')).toEqual([]);
  // On the tablet the edit is still laid over the item, waiting.
  const onTablet = await (await app.openPlan(DEMO_PLAN)).openItem(ITEM);
  await expect(onTablet.done()).toHaveValue(done);
  await onTablet.expectEvaluation('－');
  await app.logout();

  await app.login('staff@demo');
  await app.syncNow();
  await expect(app.previousUserPending('デモ 担当')).toHaveCount(0);
  const after = changesWith(await audit(request, start), done);
  expect(after).toHaveLength(1);
  expect(after[0]).toMatchObject({ by: 'デモ 担当', emails: ['staff@demo'], changes: { evaluation: { to: '－' }, done: { to: done } } });
  const history = (await (await app.openPlan(DEMO_PLAN)).openItem(ITEM)).page.getByRole('region', { name: '変更履歴' });
  await expect(history).toContainText('デモ 担当');
});

test('「この端末のデータを消す」 leaves nothing of the plan on the device, after listing what is unsent', async ({ page }) => {
  const app = new TrackerApp(page);
  await app.login('staff@demo');
  await app.openPlans();
  await app.waitUntilAvailableOffline();
  await app.goOffline();
  const item = await (await app.openPlan(DEMO_PLAN)).openItem(ITEM);
  await item.typeDone(`消される入力 ${Date.now()}`);
  await item.waitUntilSaved();
  await page.goBack();
  const kept = await deviceContents(page);
  expect(kept.counts.items).toBeGreaterThan(0);
  expect(kept.localStorageKeys.some((k) => k.startsWith('jigyo-keikaku-tracker'))).toBe(true);

  const warning = await app.logoutErasingDevice();
  expect(warning).toContain('・デモ 担当 1件');
  const erased = await deviceContents(page);
  // Only the device secrets stay: they let each owner of this tablet past the login throttle
  // (docs/sync-protocol.md) and hold nothing of the plan.
  expect(erased.metaKeys).toEqual(['sync.deviceSecrets']);
  expect(Object.entries(erased.counts).filter(([name, n]) => n > (name === 'meta' ? erased.metaKeys.length : 0))).toEqual([]);
  expect(erased.localStorageKeys.filter((k) => k.startsWith('jigyo-keikaku-tracker'))).toEqual([]);
  await app.goOnline();
});
