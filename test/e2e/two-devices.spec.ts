// Two devices, two people, one plan: A (a lead) edits 実施状況 and adds a note offline while B
// (staff) edits the same 実施状況 online. When A comes back the note reaches B, the conflict is
// shown on both with both values, nothing is lost, and A's merge clears it everywhere.
import { expect, test, type Browser } from '@playwright/test';
import { ItemScreen, TrackerApp } from './pages/tracker';

const DEMO_PLAN = /令和6年度 東京支部事業計画/;
const ITEM = /医療費適正化等に努めるとともに/;

async function device(browser: Browser, email: string) {
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  const app = new TrackerApp(await context.newPage());
  await app.login(email);
  await app.openPlans();
  return { context, app };
}

test('an offline edit meets an online one: the note arrives, the conflict shows on both and is resolved once', async ({ browser }) => {
  const stamp = Date.now();
  const aText = `A（オフライン）: 協議会で意見発信した ${stamp}`;
  const bText = `B（オンライン）: 保険者協議会に出席した ${stamp}`;
  const note = `A のメモ: 事業所訪問 ${stamp}`;
  const merged = `統合: 協議会に出席し意見発信した ${stamp}`;

  const a = await device(browser, 'lead@demo');
  const b = await device(browser, 'staff@demo');
  try {
    await a.app.waitUntilAvailableOffline();
    await a.app.goOffline();
    const aItem = await (await a.app.openPlan(DEMO_PLAN)).openItem(ITEM);
    await aItem.typeDone(aText);
    await aItem.waitUntilSaved();
    await aItem.addNote(note);
    await expect(a.app.pendingEdits()).toContainText('未同期 2件');

    const bItem = await (await b.app.openPlan(DEMO_PLAN)).openItem(ITEM);
    await bItem.typeDone(bText);
    await bItem.waitUntilSaved();
    await b.app.syncNow();

    await a.app.goOnline();
    await a.app.syncNow();
    // The server kept B's text (it arrived first); A's is kept in the conflict, not dropped.
    await expect(aItem.conflicts()).toBeVisible();
    await expect(aItem.conflicts()).toContainText(aText);
    await expect(aItem.conflicts()).toContainText(bText);

    await b.app.syncNow();
    await expect(b.app.page.getByText(note, { exact: true })).toBeVisible();
    await expect(bItem.conflicts()).toContainText(aText);
    await expect(bItem.conflicts()).toContainText(bText);

    await aItem.resolveConflictWithMerge(merged);
    await a.app.syncNow();
    await expect(aItem.done()).toHaveValue(merged);

    await b.app.syncNow();
    await expect(bItem.conflicts()).toHaveCount(0);
    await expect(bItem.done()).toHaveValue(merged);
    await expect(new ItemScreen(b.app.page).page.getByRole('region', { name: '変更履歴' })).toContainText('デモ リーダー');
  } finally {
    await a.context.close();
    await b.context.close();
  }
});
