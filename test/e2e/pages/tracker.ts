// Page objects named for what a person does in the app; the specs speak in these terms.
import { expect, type Page } from '@playwright/test';

export type Mark = '○' | '△' | '－';

export class TrackerApp {
  constructor(readonly page: Page) {}

  /** Signs in on the login screen (the embedded server's demo accounts by default). */
  async login(email = 'lead@demo', password = 'demo1234'): Promise<void> {
    await this.page.goto('/');
    await this.page.getByLabel('メールアドレス').fill(email);
    await this.page.getByLabel('パスワード').fill(password);
    await this.page.getByRole('button', { name: 'ログイン' }).click();
    await expect(this.page.getByRole('heading', { name: '事業計画の一覧' })).toBeVisible();
  }

  /** The plan list, once the first sync has brought the demo plan. */
  async openPlans(): Promise<void> {
    await this.page.goto('/');
    await expect(this.page.getByRole('heading', { name: '事業計画の一覧' })).toBeVisible();
    await expect(this.page.getByRole('link', { name: /東京支部事業計画/ }).first()).toBeVisible({ timeout: 30_000 });
  }

  /** Waits until the status bar says nothing waits to sync and a sync has happened. */
  async waitUntilSynced(): Promise<void> {
    await expect(this.pendingEdits()).toContainText('未同期 0件', { timeout: 30_000 });
  }

  /** Waits until the service worker controls the page: from then on the app opens offline. */
  async waitUntilAvailableOffline(): Promise<void> {
    // `ready` resolves once a worker is active, i.e. its precache install has completed.
    const controlled = await this.page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      return navigator.serviceWorker.controller !== null;
    });
    // A document whose request left before the worker took over stays uncontrolled (the
    // worker's clients.claim() ran before it existed); the next load is controlled.
    if (!controlled) await this.page.reload();
    await this.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  }

  async goOffline(): Promise<void> {
    await this.page.context().setOffline(true);
  }

  async goOnline(): Promise<void> {
    await this.page.context().setOffline(false);
  }

  async openPlan(title: RegExp | string): Promise<PlanScreen> {
    await this.page.getByRole('link', { name: title }).first().click();
    const plan = new PlanScreen(this.page);
    await plan.waitForTree();
    return plan;
  }

  pendingEdits() {
    return this.page.getByTestId('pending-count');
  }

  /** The status bar's 「前の利用者（氏名）の未送信 N件」 for an earlier person on this device. */
  previousUserPending(name: string) {
    return this.page.getByRole('status', { name: '状態' }).getByText(`前の利用者（${name}）の未送信`);
  }

  /** ログアウト, keeping the data on the device (works offline). */
  async logout(): Promise<void> {
    await this.page.getByRole('button', { name: 'ログアウト', exact: true }).click();
    await this.page.getByRole('dialog', { name: 'ログアウト' }).getByRole('button', { name: 'ログアウト（データは残す）' }).click();
    await expect(this.page.getByRole('heading', { name: 'ログイン', level: 1 })).toBeVisible();
  }

  /** ログアウト with 「この端末のデータを消す」, accepting the warning that lists what is unsent. */
  async logoutErasingDevice(): Promise<string> {
    await this.page.getByRole('button', { name: 'ログアウト', exact: true }).click();
    const warning = new Promise<string>((resolve) => {
      this.page.once('dialog', (dialog) => {
        resolve(dialog.message());
        void dialog.accept();
      });
    });
    await this.page.getByRole('dialog', { name: 'ログアウト' }).getByRole('button', { name: 'この端末のデータを消す' }).click();
    await expect(this.page.getByRole('heading', { name: 'ログイン', level: 1 })).toBeVisible();
    return warning;
  }

  /** Presses 今すぐ同期 and waits until nothing waits to sync. */
  async syncNow(): Promise<void> {
    await this.page.getByRole('button', { name: '今すぐ同期' }).click();
    await this.waitUntilSynced();
  }
}

export class PlanScreen {
  constructor(readonly page: Page) {}

  async waitForTree(): Promise<void> {
    await expect(this.page.getByRole('group', { name: '評価で絞り込み' })).toBeVisible();
    await expect(this.page.locator('.item-link').first()).toBeVisible();
  }

  itemLink(text: RegExp | string) {
    return this.page.getByRole('link', { name: text });
  }

  async openItem(text: RegExp | string): Promise<ItemScreen> {
    await this.itemLink(text).first().click();
    const item = new ItemScreen(this.page);
    await expect(item.evaluation()).toBeVisible();
    return item;
  }

  async search(text: string): Promise<void> {
    await this.page.getByRole('searchbox', { name: '検索' }).fill(text);
  }

  async filterByEvaluation(mark: Mark | '未評価'): Promise<void> {
    await this.page.getByRole('group', { name: '評価で絞り込み' }).getByRole('button', { name: mark, exact: true }).click();
  }

  shownCount() {
    return this.page.locator('.tree-meta [role=status]');
  }

  async openKpis(): Promise<void> {
    await this.page.getByRole('link', { name: 'KPI', exact: true }).click();
  }

  /** Counts of marks per pillar and group, the △ items and the off-track KPIs. */
  async openDashboard(): Promise<void> {
    await this.page.getByRole('link', { name: 'ダッシュボード' }).click();
    await expect(this.page.getByRole('table').first()).toBeVisible();
  }

  /** The printable progress report for this period, with the filters set here. */
  async openReport(): Promise<ReportScreen> {
    await this.page.getByRole('link', { name: '報告書（印刷）' }).click();
    const report = new ReportScreen(this.page);
    await expect(report.title()).toBeVisible();
    return report;
  }
}

export class ReportScreen {
  constructor(readonly page: Page) {}

  title() {
    return this.page.getByRole('heading', { level: 1 });
  }

  printButton() {
    return this.page.getByRole('button', { name: '印刷 / PDF' });
  }

  filterNote() {
    return this.page.locator('.report-filter');
  }

  /** What 印刷 / PDF gives with Chromium's "Save as PDF": the print CSS, A4 landscape. */
  async printToPdf(path: string): Promise<void> {
    await this.page.emulateMedia({ media: 'print' });
    await this.page.pdf({ path, preferCSSPageSize: true, printBackground: true });
    await this.page.emulateMedia({ media: null });
  }
}

export class ItemScreen {
  constructor(readonly page: Page) {}

  evaluation() {
    return this.page.getByRole('radiogroup', { name: '評価' });
  }

  async setEvaluation(mark: Mark): Promise<void> {
    await this.evaluation().getByRole('radio', { name: mark, exact: true }).check();
  }

  async expectEvaluation(mark: Mark): Promise<void> {
    await expect(this.evaluation().getByRole('radio', { name: mark, exact: true })).toBeChecked();
  }

  done() {
    return this.page.getByRole('textbox', { name: '実施状況' });
  }

  async typeDone(text: string): Promise<void> {
    await this.done().fill(text);
  }

  async waitUntilSaved(): Promise<void> {
    await expect(this.page.getByTestId('save-state')).toContainText('保存済み');
  }

  conflicts() {
    return this.page.getByRole('region', { name: '競合' });
  }

  /** A lead writes the merged text of a conflict and saves it. */
  async resolveConflictWithMerge(text: string): Promise<void> {
    const panel = this.conflicts();
    await panel.getByRole('textbox', { name: '統合した内容' }).fill(text);
    await panel.getByRole('button', { name: '統合して保存' }).click();
    await expect(panel).toHaveCount(0);
  }

  async addNote(text: string): Promise<void> {
    await this.page.getByRole('textbox', { name: 'メモ', exact: true }).fill(text);
    await this.page.getByRole('button', { name: 'メモを追加' }).click();
    await expect(this.page.getByText(text, { exact: true })).toBeVisible();
  }
}
