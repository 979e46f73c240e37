// Page objects for finding one's way: the plan screen's place (scroll, filters) and search
// results, and the item screen's ← and 前の項目 / 次の項目 (by tap, keyboard or swipe).
import { expect, type Page } from '@playwright/test';
import { ItemScreen, PlanScreen } from './tracker';

export class PlanPlace extends PlanScreen {
  constructor(page: Page) {
    super(page);
  }

  rows() {
    return this.page.locator('.item-link');
  }

  /** Scrolls until the `n`-th item row (1-based) stands `top` px below the window's top. */
  async scrollRowTo(n: number, top: number): Promise<void> {
    const row = this.rows().nth(n - 1);
    await row.scrollIntoViewIfNeeded();
    await this.page.evaluate(
      ([index, y]) => {
        const el = document.querySelectorAll('.item-link')[index]!;
        window.scrollBy(0, el.getBoundingClientRect().top - y);
      },
      [n - 1, top] as const,
    );
    // The screen keeps the place once scrolling settles.
    await this.page.waitForTimeout(600);
  }

  /** Where the `n`-th row's top is in the window, in px. */
  async rowTop(n: number): Promise<number> {
    return this.rows()
      .nth(n - 1)
      .evaluate((el) => Math.round(el.getBoundingClientRect().top));
  }

  async rowText(n: number): Promise<string> {
    return (
      (await this.rows()
        .nth(n - 1)
        .textContent()) ?? ''
    );
  }

  async openRow(n: number): Promise<WalkingItemScreen> {
    await this.rows()
      .nth(n - 1)
      .click();
    const item = new WalkingItemScreen(this.page);
    await expect(item.evaluation()).toBeVisible();
    return item;
  }

  async filterByGroup(group: string): Promise<void> {
    await this.page.getByRole('combobox', { name: '担当グループ' }).selectOption(group);
  }

  groupFilter() {
    return this.page.getByRole('combobox', { name: '担当グループ' });
  }

  searchBox() {
    return this.page.getByRole('searchbox', { name: '検索' });
  }

  /** The items a search found, best first. */
  results() {
    return this.page.getByRole('region', { name: '検索結果の項目' }).getByRole('link');
  }

  /** The KPIs a search found. */
  kpiResults() {
    return this.page.getByRole('region', { name: /^KPI（\d+件）$/ }).getByRole('link');
  }

  async openPlanList(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'パンくず' }).getByRole('link', { name: '計画の一覧' }).click();
    await expect(this.page.getByRole('heading', { name: '事業計画の一覧' })).toBeVisible();
  }
}

export class WalkingItemScreen extends ItemScreen {
  constructor(page: Page) {
    super(page);
  }

  walk() {
    return this.page.getByRole('navigation', { name: '項目の移動' });
  }

  nextLink() {
    return this.walk().getByRole('link', { name: /^次の項目/ });
  }

  previousLink() {
    return this.walk().getByRole('link', { name: /^前の項目/ });
  }

  /** The plan text of the item shown. */
  planText() {
    return this.page.locator('.plan-text');
  }

  async goNext(): Promise<void> {
    const name = await this.nextLink().getAttribute('aria-label');
    await this.nextLink().click();
    await this.expectShowing(name!.replace(/^次の項目 /, ''));
  }

  async goPrevious(): Promise<void> {
    const name = await this.previousLink().getAttribute('aria-label');
    await this.previousLink().click();
    await this.expectShowing(name!.replace(/^前の項目 /, ''));
  }

  /** 次の項目 with the keyboard: focus it by Tab order and press Enter. */
  async goNextByKeyboard(): Promise<void> {
    const name = await this.nextLink().getAttribute('aria-label');
    await this.nextLink().focus();
    await this.page.keyboard.press('Enter');
    await this.expectShowing(name!.replace(/^次の項目 /, ''));
  }

  /** A finger moving sideways across the plan text (touch events, as a tablet sends them). */
  async swipe(direction: 'left' | 'right'): Promise<void> {
    const box = (await this.planText().boundingBox())!;
    const y = box.y + box.height / 2;
    const [from, to] = direction === 'left' ? [box.x + box.width * 0.8, box.x + box.width * 0.2] : [box.x + box.width * 0.2, box.x + box.width * 0.8];
    const cdp = await this.page.context().newCDPSession(this.page);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: from, y }] });
    for (let i = 1; i <= 5; i++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: from + ((to - from) * i) / 5, y }] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await cdp.detach();
  }

  /** `name`: 「② 現金給付等の…」 as the walk links name an item (its label, if any, and text). */
  async expectShowing(name: string): Promise<void> {
    const shown = async () => {
      const label =
        (await this.page
          .locator('.item-header h1 .label')
          .textContent({ timeout: 1_000 })
          .catch(() => null)) ?? '';
      const text =
        (await this.planText()
          .textContent({ timeout: 1_000 })
          .catch(() => null)) ?? '';
      return `${label} ${text.replace(/\s+/g, ' ')}`.trim();
    };
    await expect.poll(shown).toContain(name.replace(/…$/, ''));
  }

  position() {
    return this.walk().locator('.walk-position');
  }

  /** ← on the item screen. */
  async backByLink(): Promise<PlanPlace> {
    await this.page.getByRole('navigation', { name: 'パンくず' }).getByRole('link').click();
    const plan = new PlanPlace(this.page);
    await plan.waitForTree();
    return plan;
  }

  /** The browser's back button. */
  async backByBrowser(): Promise<PlanPlace> {
    await this.page.goBack();
    const plan = new PlanPlace(this.page);
    await plan.waitForTree();
    return plan;
  }
}
