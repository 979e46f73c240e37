// Employer visits (事業所訪問) as field staff record them: a visit recorded OFFLINE on one device
// reaches a lead's device and appears in 訪問記録 and its CSV; the lead corrects one visit and
// removes another, and the field worker's device shows both. The taps from opening the app to a
// saved visit on a known employer are counted and printed; the form is checked at phone size;
// screenshots of the form and 訪問記録 at the three sizes go to test-results/screenshots/, and
// axe finds no serious violation on either.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { localIsoDate } from '../../src/model/wareki';
import { ItemScreen, TrackerApp, VisitsScreen } from './pages/tracker';

const DEMO_PLAN = /令和6年度 東京支部事業計画/;
/** A next visit a month from today (one may be planned up to two years ahead). */
const NEXT_VISIT = localIsoDate(new Date(Date.now() + 30 * 86_400_000));
const ITEM = /健診データの取得促進に向け、事業所規模別に勧奨する/;
const TABLET = { width: 1024, height: 768 };
const PHONE = { width: 390, height: 844 };

/**
 * Counts the person's taps on the page: every trusted pointerdown, kept in sessionStorage so
 * that a reload or the app opening again does not lose the count.
 */
const COUNT_TAPS = () => {
  addEventListener(
    'pointerdown',
    (e) => {
      if (e.isTrusted) sessionStorage.setItem('taps', String(Number(sessionStorage.getItem('taps') ?? '0') + 1));
    },
    true,
  );
};
const taps = (page: Page) => page.evaluate(() => Number(sessionStorage.getItem('taps') ?? '0'));
const resetTaps = (page: Page) => page.evaluate(() => sessionStorage.setItem('taps', '0'));

/** axe finds no serious or critical violation on the screen shown. */
async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map(
      (v) =>
        `${v.id}: ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    ),
    `axe on ${screen}`,
  ).toEqual([]);
}

async function device(browser: Browser, email: string, viewport = TABLET) {
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport });
  await context.addInitScript(COUNT_TAPS);
  const app = new TrackerApp(await context.newPage());
  await app.login(email);
  await app.openPlans();
  return { context, app };
}

test('a visit recorded offline reaches a second device, 訪問記録 and its CSV; a lead corrects one and removes another', async ({ browser }) => {
  const stamp = Date.now();
  const employer = `東西運輸株式会社${stamp % 10_000}`;
  const firstResult = `大規模事業所として健診データの提供を依頼した ${stamp}`;
  const secondResult = `提供の同意書を受け取った ${stamp}`;
  const corrected = `提供の同意書と健康宣言の申込書を受け取った ${stamp}`;

  const field = await device(browser, 'staff@demo');
  const lead = await device(browser, 'lead@demo');
  try {
    await field.app.waitUntilAvailableOffline();
    await field.app.goOffline();

    // The first visit to this employer: its name and 事業所記号 are typed once.
    const item = await (await field.app.openPlan(DEMO_PLAN)).openItem(ITEM);
    const form = item.noteForm();
    await form.chooseVisit();
    await form.typeEmployer(employer, '33-トウ');
    await form.togglePurpose('健診勧奨');
    await form.typeResult(firstResult);
    await form.setNextVisit(NEXT_VISIT);
    await form.save();

    // From opening the app (with one plan it opens that plan) to a saved visit on the employer
    // just visited, offline. The tap into 結果 to type it goes with the typing.
    await field.app.page.goto('/');
    await resetTaps(field.app.page);
    const again = await (await field.app.openPlan(DEMO_PLAN)).openItem(ITEM);
    const visit = again.noteForm();
    await expect(visit.isVisit()).toHaveAttribute('aria-pressed', 'true');
    await visit.chooseRecentEmployer(employer);
    await expect(visit.employerCode()).toHaveValue('33-トウ');
    await visit.togglePurpose('健康宣言');
    await visit.typeResult(secondResult);
    await visit.save();
    const count = await taps(field.app.page);
    console.log(`taps to saved visit: ${count} (from opening the app, plus typing the result)`);
    expect(count).toBeLessThanOrEqual(5);
    await expect(field.app.pendingEdits()).toContainText('未同期 2件');

    await field.app.goOnline();
    await field.app.syncNow();

    // The lead's device: both visits in 訪問記録, by employer and staff member, and in its CSV.
    await lead.app.syncNow();
    await lead.app.openPlan(DEMO_PLAN);
    const visits = await VisitsScreen.open(lead.app.page);
    await visits.filterByEmployer(employer);
    await expect(visits.count()).toContainText('2件（1事業所）');
    await expect(visits.list().first()).toContainText(secondResult);
    await visits.filterByStaff('デモ 担当');
    await expect(visits.list()).toContainText(firstResult);
    const csv = await visits.downloadCsv();
    expect(csv.startsWith('\uFEFF訪問日,')).toBe(true);
    expect(csv).toContain(`${employer},33-トウ,健康宣言,${secondResult},,デモ 担当`);
    expect(csv).toContain(`${employer},33-トウ,健診勧奨,${firstResult},${NEXT_VISIT},デモ 担当`);

    // The KPI the purpose 健康宣言 counts towards lists the visit.
    await lead.app.page.getByRole('navigation', { name: 'パンくず' }).getByRole('link').click();
    await lead.app.page.getByRole('link', { name: 'KPI', exact: true }).click();
    await lead.app.page.getByRole('button', { name: /^健康宣言事業所数/ }).click();
    const kpiVisits = lead.app.page.getByRole('region', { name: /^訪問記録（健康宣言）/ });
    await expect(kpiVisits).toContainText(employer);
    await expect(kpiVisits).toContainText(secondResult);
    await kpiVisits.scrollIntoViewIfNeeded();
    await lead.app.page.screenshot({ path: 'test-results/screenshots/1024x768-kpi-visits.png' });
    await lead.app.page.goBack();
    await lead.app.page.goBack();
    await expect(visits.list().first()).toBeVisible();

    // The lead corrects the second visit and removes the first.
    await visits.list().getByRole('link').first().click();
    const leadItem = new ItemScreen(lead.app.page);
    await leadItem.correctNote(secondResult, corrected);
    await leadItem.removeNote(firstResult);
    await lead.app.syncNow();
    await expect(leadItem.history()).toContainText('メモを変更');

    // The field worker's device: the correction and the removal arrive; the history keeps the earlier text.
    await field.app.syncNow();
    await expect(again.notes()).toContainText(corrected);
    await expect(again.notes().getByText(firstResult)).toHaveCount(0);
    await expect(again.history()).toContainText(secondResult);
    // The visit is still the field worker's own: they may correct it further.
    await expect(
      again
        .notes()
        .getByRole('button', { name: /訪問記録を訂正$/ })
        .first(),
    ).toBeVisible();
  } finally {
    await field.context.close();
    await lead.context.close();
  }
});

test('the visit form works one-handed on a phone: big targets, 保存 in reach', async ({ browser }) => {
  const phone = await device(browser, 'staff@demo', PHONE);
  try {
    const item = await (await phone.app.openPlan(DEMO_PLAN)).openItem(ITEM);
    const form = item.noteForm();
    await form.chooseVisit();
    await form.typeEmployer('北町商店');
    await form.togglePurpose('加入勧奨');
    await form.typeResult('加入手続きを案内した。');
    const targets = form.form().getByRole('button');
    for (const box of await targets.evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ w: r.width, h: r.height })))) {
      expect(box.h).toBeGreaterThanOrEqual(44);
      expect(box.w).toBeGreaterThanOrEqual(44);
    }
    // While the form is on screen its 保存 stays within the screen, in the thumb's reach at the bottom.
    await form.form().getByRole('group', { name: '訪問目的' }).scrollIntoViewIfNeeded();
    const save = await form.saveButton().boundingBox();
    expect(save).not.toBeNull();
    expect(save!.y + save!.height).toBeLessThanOrEqual(PHONE.height);
    expect(save!.width).toBeGreaterThan(PHONE.width / 2);
    await form.save();
  } finally {
    await phone.context.close();
  }
});

for (const viewport of [
  { name: '1024x768', ...TABLET },
  { name: '768x1024', width: 768, height: 1024 },
  { name: '390x844', ...PHONE },
]) {
  test(`screenshots of the visit form and 訪問記録 at ${viewport.name}`, async ({ browser }) => {
    const { context, app } = await device(browser, 'staff@demo', viewport);
    try {
      const item = await (await app.openPlan(DEMO_PLAN)).openItem(ITEM);
      const form = item.noteForm();
      await form.chooseVisit();
      await form.typeEmployer('南浜精機株式会社', '41-ミナ');
      await form.togglePurpose('健診勧奨');
      await form.typeResult('健診データの提供について説明し、次回に同意書を受け取る。');
      await form.save();
      await form.typeEmployer('南浜');
      // The notes section at the top of the screen, under the header (its scroll-margin).
      await app.page.getByRole('region', { name: 'メモ・訪問記録' }).evaluate((e) => e.scrollIntoView({ block: 'start' }));
      await app.page.screenshot({ path: `test-results/screenshots/${viewport.name}-visit-form.png` });
      await expectAccessible(app.page, 'the item screen with the visit form');
      await item.backToPlan();
      const visits = await VisitsScreen.open(app.page);
      await expect(visits.list().first()).toBeVisible();
      await app.page.screenshot({ path: `test-results/screenshots/${viewport.name}-visits.png` });
      await expectAccessible(app.page, '訪問記録');
      const overflowing = await app.page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('.visits-page *')]
          .filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'auto')
          .map((e) => e.className),
      );
      expect(overflowing).toEqual([]);
    } finally {
      await context.close();
    }
  });
}
