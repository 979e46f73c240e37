// Typing as people type, in Debian's Chromium: key by key at 10, 30 and 60 ms per key into both
// autosaved fields (also with the CPU slowed 4×, a mid-range tablet), and Japanese through IME
// composition (kana by kana, then the converted text committed) at 50–250 ms per kana, each
// with a second tab open on the same item. Not one character may be lost, on screen or after a
// reload. Each test uses its own item; one sign-in serves them all (one browser context), so
// the time goes into typing.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { ItemScreen, TrackerApp } from './pages/tracker';

const DEMO_PLAN = /令和6年度 東京支部事業計画/;

test.describe.configure({ mode: 'serial', timeout: 180_000 });

let context: BrowserContext;
let page: Page;

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext();
  page = await context.newPage();
  const app = new TrackerApp(page);
  await app.login('staff@demo');
  await app.openPlans();
});

test.afterAll(async () => {
  await context.close();
});

/** Opens the demo plan's `index`-th item, and the same item in a second tab. */
async function openItemInTwoTabs(index: number): Promise<{ item: ItemScreen; other: ItemScreen }> {
  for (const p of context.pages()) if (p !== page) await p.close();
  await page.goto('/');
  const app = new TrackerApp(page);
  const plan = await app.openPlan(DEMO_PLAN);
  await plan.itemLink(/./).and(page.locator('.item-link')).nth(index).click();
  const item = new ItemScreen(page);
  await expect(item.evaluation()).toBeVisible();
  // The demo plan has text in some items: start each field empty, as a person would clear it.
  await item.clear('実施状況');
  await item.clear('今後の実施予定等');
  await item.waitUntilSaved();
  const second = await context.newPage();
  await second.goto(page.url());
  const other = new ItemScreen(second);
  await expect(other.evaluation()).toBeVisible();
  await page.bringToFront();
  return { item, other };
}

async function expectKeptEverywhere(item: ItemScreen, other: ItemScreen, done: string, next: string): Promise<void> {
  await expect(item.done()).toHaveValue(done);
  await expect(item.next()).toHaveValue(next);
  await item.waitUntilSaved();
  await expect(other.done()).toHaveValue(done);
  await expect(other.next()).toHaveValue(next);
  await page.reload();
  const reloaded = new ItemScreen(page);
  await expect(reloaded.done()).toHaveValue(done);
  await expect(reloaded.next()).toHaveValue(next);
}

const DONE = 'Setsumeikai 2024-06: 3 jigyosho, 41 people; kenko sengen +5.';
const NEXT = 'Next: visit 12 employers (Q3), follow up by mail.';

for (const [i, delay] of [10, 30, 60].entries()) {
  test(`key by key at ${delay} ms per key, with a second tab open, keeps every character`, async () => {
    const { item, other } = await openItemInTwoTabs(i);
    await item.typeKeys('実施状況', DONE, delay);
    await item.typeKeys('今後の実施予定等', NEXT, delay);
    await expectKeptEverywhere(item, other, DONE, NEXT);
  });
}

test('key by key at 30 ms per key with the CPU slowed 4×, with a second tab open, keeps every character', async () => {
  const { item, other } = await openItemInTwoTabs(3);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await item.typeKeys('実施状況', DONE, 30);
  await item.typeKeys('今後の実施予定等', NEXT, 30);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await expectKeptEverywhere(item, other, DONE, NEXT);
});

const WORDS = [
  { kana: 'けんこうきぎょうせんげん', commit: '健康企業宣言' },
  { kana: 'の', commit: 'の' },
  { kana: 'とりくみじょうきょう', commit: '取組状況' },
  { kana: 'を', commit: 'を' },
  { kana: 'かくにんした', commit: '確認した' },
  { kana: '。', commit: '。' },
] as const;
const JAPANESE = WORDS.map((w) => w.commit).join('');

for (const [i, delay] of [50, 250].entries()) {
  test(`Japanese through the IME at ${delay} ms per kana, with a second tab open, comes out as committed`, async () => {
    const { item, other } = await openItemInTwoTabs(4 + i);
    await item.typeWithIme('実施状況', WORDS, delay);
    await item.typeWithIme('今後の実施予定等', WORDS.slice(0, 2), delay);
    await expectKeptEverywhere(item, other, JAPANESE, '健康企業宣言の');
  });
}

test('a メモ being written is kept as a draft through a reload, until it is added', async () => {
  for (const p of context.pages()) if (p !== page) await p.close();
  await page.goto('/');
  await new TrackerApp(page).openPlan(DEMO_PLAN);
  await page.locator('.item-link').nth(6).click();
  const item = new ItemScreen(page);
  // Unique per run, so a repeated run on the same server finds its own note.
  const memo = `Houmon: setsumei shiryo wo watashita ${Date.now().toString(36)}`;
  await item.noteBox().click();
  await page.keyboard.type(memo, { delay: 20 });
  await item.waitUntilNoteDraftKept();
  await page.reload();
  const reloaded = new ItemScreen(page);
  await expect(reloaded.noteBox()).toHaveValue(memo);
  await expect(reloaded.noteDraftDiscard()).toBeVisible();
  await reloaded.addNote(memo);
  await expect(reloaded.noteBox()).toHaveValue('');
  await expect(reloaded.noteDraftDiscard()).toHaveCount(0);
});
