// Two devices online on one item (A a lead, B staff): B shows A's 評価 and 実施状況 without a
// reload and without anyone pressing 今すぐ同期, well before the 30-second pull could have
// brought them; B sees that A has the item open and is typing, and sees it clear when A leaves;
// on the plan screen B's row of the item carries A's name while A is on it. B stores the 評価
// from the signal's page, with no round trip of its own (S49).
import { expect, test, type Browser } from '@playwright/test';
import { TrackerApp } from './pages/tracker';

const DEMO_PLAN = /令和6年度 東京支部事業計画/;
const ITEM = /医療費適正化等に努めるとともに/;
/**
 * While the live channel is up the periodic pull waits a minute, so only the channel brings a
 * change this soon (the bound allows for a machine shared with other test runs).
 */
const LIVE = { timeout: 8_000 };

async function device(browser: Browser, email: string) {
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  const app = new TrackerApp(await context.newPage());
  await app.login(email);
  await app.openPlans();
  await app.waitUntilLive();
  return { context, app };
}

test('a colleague’s 評価 and text arrive live, and presence appears and clears', async ({ browser }) => {
  // Two logins and first syncs take most of it.
  test.setTimeout(180_000);
  const stamp = Date.now();
  const text = `A がリアルタイムに入力 ${stamp}`;
  const a = await device(browser, 'lead@demo');
  const b = await device(browser, 'staff@demo');
  try {
    const bItem = await (await b.app.openPlan(DEMO_PLAN)).openItem(ITEM);
    await expect(bItem.othersHere()).toHaveCount(0);

    const aItem = await (await a.app.openPlan(DEMO_PLAN)).openItem(ITEM);
    await expect(bItem.othersHere()).toContainText('デモ リーダー', LIVE);

    const marks = ['○', '△', '－'] as const;
    const checked = await Promise.all(marks.map((m) => aItem.evaluation().getByRole('radio', { name: m, exact: true }).isChecked()));
    const original = marks.find((_, k) => checked[k]);
    const mark = original === '△' ? '○' : '△';
    // S49: B stores the page the signal brings; it needs no round trip of its own for it.
    const bSyncs: string[] = [];
    const countSync = (r: { url(): string }) => {
      if (new URL(r.url()).pathname === '/api/sync') bSyncs.push(r.url());
    };
    b.app.page.on('request', countSync);
    await aItem.setEvaluation(mark);
    await expect(bItem.evaluation().getByRole('radio', { name: mark, exact: true })).toBeChecked(LIVE);
    b.app.page.off('request', countSync);
    expect(bSyncs, 'B pulled instead of storing the signal’s page').toEqual([]);
    // Put the demo's mark back (the report test prints it), and see that arrive live too.
    if (original) {
      await aItem.setEvaluation(original);
      await expect(bItem.evaluation().getByRole('radio', { name: original, exact: true })).toBeChecked(LIVE);
    }

    // One input: key-by-key typing loses characters in today's autosave (issue 9, item 1, being
    // reworked separately), which is not what this test is about.
    await aItem.typeDone(text);
    await expect(bItem.othersHere()).toContainText('実施状況に入力中…', LIVE);
    await expect(bItem.done()).toHaveValue(text, LIVE);

    await aItem.backToPlan();
    await expect(bItem.othersHere()).toHaveCount(0, LIVE);

    const bPlan = await bItem.backToPlan();
    await expect(bPlan.othersOn(ITEM)).toHaveCount(0);
    await a.app.page.getByRole('link', { name: ITEM }).first().click();
    await expect(bPlan.othersOn(ITEM)).toHaveText('● デモ リーダーが閲覧中', LIVE);
    await a.context.close();
    // A's tab is gone without saying so: the server forgets it within its presence lifetime.
    await expect(bPlan.othersOn(ITEM)).toHaveCount(0, { timeout: 10_000 });
  } finally {
    await a.context.close().catch(() => undefined);
    await b.context.close();
  }
});
