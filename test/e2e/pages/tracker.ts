// Page objects named for what a person does in the app; the specs speak in these terms.
import { readFile } from 'node:fs/promises';
import { expect, type Browser, type BrowserContext, type CDPSession, type Page } from '@playwright/test';

export type Mark = '○' | '△' | '－';

/** A word typed through the IME: its kana as typed, then the text it is converted to. */
export interface ImeWord {
  kana: string;
  commit: string;
}

export class TrackerApp {
  constructor(readonly page: Page) {}

  /** Runs the page `rate` times slower (CDP), as on a mid-range tablet; 1 puts it back. */
  async slowCpu(rate: number): Promise<void> {
    const cdp = await this.page.context().newCDPSession(this.page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  }

  /** Signs in on the login screen (the embedded server's demo accounts by default). */
  async login(email = 'lead@demo', password = 'demo1234'): Promise<void> {
    await this.page.goto('/');
    await this.page.getByLabel('メールアドレス').fill(email);
    await this.page.getByLabel('パスワード').fill(password);
    await this.page.getByRole('button', { name: 'ログイン' }).click();
    // The list, or the plan itself once the first sync brings the user's only plan.
    await expect(
      this.page
        .getByRole('heading', { name: '事業計画の一覧' })
        .or(this.page.getByRole('group', { name: '評価で絞り込み' }))
        .first(),
    ).toBeVisible();
  }

  /** The plan list (/plans: the start, /, opens the only plan), once the first sync has brought the demo plan. */
  async openPlans(): Promise<void> {
    await this.page.goto('/plans');
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

  /** Opens a plan from the list; at the start (/) with only one plan, the app opened it already. */
  async openPlan(title: RegExp | string): Promise<PlanScreen> {
    const opened = this.page.getByRole('heading', { name: title, level: 1 });
    await expect(async () => {
      if (!(await opened.isVisible())) await this.page.getByRole('link', { name: title }).first().click({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    const plan = new PlanScreen(this.page);
    await plan.waitForTree();
    return plan;
  }

  pendingEdits() {
    return this.page.getByTestId('pending-count');
  }

  /** From the plan list: pastes a plan's text and has it read; returns the review screen. */
  async pastePlanText(text: string): Promise<TextImportReview> {
    await this.page.getByRole('link', { name: '計画の文章を貼り付けて読み込む' }).click();
    await this.page.getByRole('textbox', { name: '計画の文章' }).fill(text);
    await this.page.getByRole('button', { name: '読み取る' }).click();
    const review = new TextImportReview(this.page);
    await expect(review.lines()).toBeVisible({ timeout: 30_000 });
    return review;
  }

  /** From the plan list: imports a plan file (as an admin). */
  async importPlanFile(path: string): Promise<void> {
    await this.page.getByLabel(/^計画ファイルを読み込む/).setInputFiles(path);
  }

  /** The status bar's word on the live connection. */
  liveState() {
    return this.page.getByTestId('live-state');
  }

  /** Waits until commits of others reach this device at once. */
  async waitUntilLive(): Promise<void> {
    await expect(this.liveState()).toHaveText('リアルタイム同期: 接続中', { timeout: 30_000 });
  }

  /** The status bar's 「前の利用者（氏名）の未送信 N件」 for an earlier person on this device. */
  previousUserPending(name: string) {
    return this.page.getByRole('status', { name: '状態' }).getByText(`前の利用者（${name}）の未送信`);
  }

  /** Opens the status chip's details (who is signed in, last sync, 今すぐ同期 …) unless open. */
  async openStatus(): Promise<void> {
    const chip = this.page.getByRole('status', { name: '状態' }).getByRole('button', { expanded: false }).filter({ hasText: '未同期' });
    if (await chip.count()) await chip.click();
    await expect(this.page.locator('#status-details')).toBeVisible();
  }

  /** ログアウト, keeping the data on the device (works offline). */
  async logout(): Promise<void> {
    await this.openStatus();
    await this.page.getByRole('button', { name: 'ログアウト', exact: true }).click();
    await this.page.getByRole('dialog', { name: 'ログアウト' }).getByRole('button', { name: 'ログアウト（データは残す）' }).click();
    await expect(this.page.getByRole('heading', { name: 'ログイン', level: 1 })).toBeVisible();
  }

  /** ログアウト with 「この端末のデータを消す」, accepting the warning that lists what is unsent. */
  async logoutErasingDevice(): Promise<string> {
    await this.openStatus();
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

  /**
   * Reloads, and waits until this tab has made a round trip since: the screen then shows what
   * the server holds now (conflicts included), not only what the device kept.
   */
  async reloadAndPull(): Promise<void> {
    const since = Date.now();
    await this.page.reload();
    const lastSync = this.page.getByTestId('last-sync').locator('time');
    await expect
      .poll(async () => Date.parse((await lastSync.getAttribute('datetime', { timeout: 1_000 }).catch(() => null)) ?? ''), { timeout: 30_000 })
      .toBeGreaterThan(since);
  }

  /** Presses 今すぐ同期 and waits until nothing waits to sync. */
  async syncNow(): Promise<void> {
    await this.openStatus();
    await this.page.getByRole('button', { name: '今すぐ同期' }).click();
    await this.waitUntilSynced();
  }
}

/**
 * A device of its own (a browser context) on which `email` signs in, once the first sync has
 * brought the demo plan and the live channel is up.
 */
export async function signInOnNewDevice(browser: Browser, email: string): Promise<{ context: BrowserContext; app: TrackerApp }> {
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  const app = new TrackerApp(await context.newPage());
  await app.login(email);
  await app.openPlans();
  await app.waitUntilLive();
  return { context, app };
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

  /** The marker on an item's row that says who else has it open. */
  othersOn(text: RegExp | string) {
    return this.page.getByRole('link', { name: text }).first().locator('.presence-marker');
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

  next() {
    return this.page.getByRole('textbox', { name: '今後の実施予定等' });
  }

  field(name: '実施状況' | '今後の実施予定等') {
    return name === '実施状況' ? this.done() : this.next();
  }

  /** Selects everything in a field and deletes it, with the keyboard. */
  async clear(name: '実施状況' | '今後の実施予定等'): Promise<void> {
    await this.field(name).click();
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.press('Delete');
    await expect(this.field(name)).toHaveValue('');
  }

  /** Types key by key at the end of a field, as a person does, `delay` ms between keys. */
  async typeKeys(name: '実施状況' | '今後の実施予定等', text: string, delay: number): Promise<void> {
    await this.field(name).click();
    await this.page.keyboard.press('Control+End');
    await this.page.keyboard.type(text, { delay });
  }

  /**
   * Puts the caret right after the first `anchor` in a field (the end of a paragraph, say),
   * or selects `anchor` itself with `select`, as a person does with a tap or a drag.
   */
  async placeCaret(name: '実施状況' | '今後の実施予定等', anchor: string, select = false): Promise<void> {
    await this.field(name).click();
    await this.field(name).evaluate(
      (el: HTMLTextAreaElement, [text, selecting]) => {
        const at = el.value.indexOf(text);
        if (at < 0) throw new Error(`「${text}」 is not in the field: ${el.value}`);
        el.setSelectionRange(selecting ? at : at + text.length, at + text.length);
      },
      [anchor, select] as const,
    );
  }

  /** Types key by key right after `anchor` in a field, `delay` ms between keys. */
  async typeKeysAfter(name: '実施状況' | '今後の実施予定等', anchor: string, text: string, delay: number): Promise<void> {
    await this.placeCaret(name, anchor);
    await this.page.keyboard.type(text, { delay });
  }

  /** Selects `old` in a field and types `text` over it key by key. */
  async replaceKeys(name: '実施状況' | '今後の実施予定等', old: string, text: string, delay: number): Promise<void> {
    await this.placeCaret(name, old, true);
    await this.page.keyboard.type(text, { delay });
  }

  /**
   * Types Japanese through the IME as Chromium gets it from one: each kana step as the open
   * composition (Input.imeSetComposition), then the converted text committed (Input.insertText).
   */
  async typeWithIme(name: '実施状況' | '今後の実施予定等', words: readonly ImeWord[], delay: number): Promise<void> {
    await this.field(name).click();
    await this.page.keyboard.press('Control+End');
    await this.compose(words, delay);
  }

  /** typeWithIme, right after `anchor` in the field. */
  async typeWithImeAfter(name: '実施状況' | '今後の実施予定等', anchor: string, words: readonly ImeWord[], delay: number): Promise<void> {
    await this.placeCaret(name, anchor);
    await this.compose(words, delay);
  }

  /**
   * Selects `old` in a field and composes `kana` over it through the IME, left open (not yet
   * converted) until `commit` converts it to `text`.
   */
  async composeOver(name: '実施状況' | '今後の実施予定等', old: string, kana: string, delay: number): Promise<{ commit: (text: string) => Promise<void> }> {
    await this.placeCaret(name, old, true);
    const cdp = await this.page.context().newCDPSession(this.page);
    await this.composeKana(cdp, kana, delay);
    return {
      commit: async (text) => {
        await cdp.send('Input.insertText', { text });
        await cdp.detach();
      },
    };
  }

  private async compose(words: readonly ImeWord[], delay: number): Promise<void> {
    const cdp = await this.page.context().newCDPSession(this.page);
    for (const { kana, commit } of words) {
      await this.composeKana(cdp, kana, delay);
      await cdp.send('Input.insertText', { text: commit });
      await this.page.waitForTimeout(delay);
    }
    await cdp.detach();
  }

  /** The open composition grows kana by kana, as an IME shows what is typed before conversion. */
  private async composeKana(cdp: CDPSession, kana: string, delay: number): Promise<void> {
    const chars = [...kana];
    for (let i = 1; i <= chars.length; i++) {
      const text = chars.slice(0, i).join('');
      await cdp.send('Input.imeSetComposition', { text, selectionStart: text.length, selectionEnd: text.length });
      await this.page.waitForTimeout(delay);
    }
  }

  noteBox() {
    return this.page.getByRole('textbox', { name: 'メモ', exact: true });
  }

  /** Who else has this item open, as the screen lists them. */
  othersHere() {
    return this.page.getByRole('region', { name: 'この項目を開いている人' });
  }

  /** Back to the plan by the breadcrumb. */
  async backToPlan(): Promise<PlanScreen> {
    await this.page.getByRole('navigation', { name: 'パンくず' }).getByRole('link').click();
    const plan = new PlanScreen(this.page);
    await plan.waitForTree();
    return plan;
  }

  /** The 破棄 button shown while a メモ draft is kept on the device. */
  noteDraftDiscard() {
    return this.page.getByRole('button', { name: 'メモの下書きを破棄' });
  }

  /** Waits until the メモ draft says it is on the device (保存済み), as a person would see. */
  async waitUntilNoteDraftKept(): Promise<void> {
    await expect(this.noteDraftDiscard().locator('xpath=..')).toContainText('保存済み');
  }

  async waitUntilSaved(): Promise<void> {
    await expect(this.page.getByTestId('save-state')).toContainText('保存済み');
  }

  conflicts() {
    return this.page.getByRole('region', { name: '競合' });
  }

  /** 変更履歴: the changes the server recorded, who made them and the texts before and after. */
  history() {
    return this.page.getByRole('region', { name: '変更履歴' });
  }

  /** A lead writes the merged text of a conflict and saves it. */
  async resolveConflictWithMerge(text: string): Promise<void> {
    const panel = this.conflicts();
    await panel.getByRole('textbox', { name: '統合した内容' }).fill(text);
    await panel.getByRole('button', { name: '統合して保存' }).click();
    await expect(panel).toHaveCount(0);
  }

  /** The form that adds a メモ or records a visit. */
  noteForm() {
    return new NoteForm(this.page);
  }

  /** The notes and visits shown on the item, newest first. */
  notes() {
    return this.page.getByRole('list', { name: 'メモの一覧' });
  }

  /** 訂正 of the note that says `text`: its fields become a form; `result` replaces its text. */
  async correctNote(text: string, result: string): Promise<void> {
    const entry = this.notes().getByRole('listitem').filter({ hasText: text });
    await entry.getByRole('button', { name: /を訂正$/ }).click();
    const form = this.page.getByRole('form', { name: /の訂正$/ });
    await form.getByRole('textbox', { name: /^(結果|メモ)$/ }).fill(result);
    await form.getByRole('button', { name: '訂正を保存' }).click();
    await expect(this.notes()).toContainText(result);
  }

  /** 削除 of the note that says `text`, confirmed. */
  async removeNote(text: string): Promise<void> {
    const entry = this.notes().getByRole('listitem').filter({ hasText: text });
    await entry.getByRole('button', { name: /を削除$/ }).click();
    await entry.getByRole('button', { name: '削除する' }).click();
    await expect(this.notes().getByText(text)).toHaveCount(0);
  }

  /** Adds a メモ with `text` (typed over whatever the box holds, e.g. a draft). */
  async addNote(text: string): Promise<void> {
    await this.page.getByRole('textbox', { name: 'メモ', exact: true }).fill(text);
    await this.page.getByRole('button', { name: 'メモを追加' }).click();
    await expect(this.page.getByText(text, { exact: true })).toBeVisible();
  }
}

/** The note form of an item screen, as a field worker uses it for a visit (訪問). */
export class NoteForm {
  constructor(readonly page: Page) {}

  form() {
    return this.page.getByRole('form', { name: /^(訪問の記録|メモの追加)$/ });
  }

  /** Switches the form to 訪問 unless it already is (it opens in the kind saved last). */
  async chooseVisit(): Promise<void> {
    const toggle = this.form().getByRole('button', { name: '訪問', exact: true });
    if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
    await expect(this.page.getByRole('form', { name: '訪問の記録' })).toBeVisible();
  }

  isVisit() {
    return this.form().getByRole('button', { name: '訪問', exact: true });
  }

  /** One tap on a recently visited employer: its name and 事業所記号 are filled in. */
  async chooseRecentEmployer(name: string): Promise<void> {
    await this.form().getByRole('group', { name: '最近訪問した事業所' }).getByRole('button', { name }).click();
  }

  async typeEmployer(name: string, code?: string): Promise<void> {
    await this.form().getByRole('combobox', { name: '事業所名' }).fill(name);
    if (code !== undefined) await this.form().getByRole('textbox', { name: '事業所記号' }).fill(code);
  }

  employerCode() {
    return this.form().getByRole('textbox', { name: '事業所記号' });
  }

  async togglePurpose(name: string): Promise<void> {
    await this.form().getByRole('group', { name: '訪問目的' }).getByRole('button', { name }).click();
  }

  async typeResult(text: string): Promise<void> {
    await this.form().getByRole('textbox', { name: '結果' }).fill(text);
  }

  async setNextVisit(isoDate: string): Promise<void> {
    await this.form().getByLabel('次回訪問予定').fill(isoDate);
  }

  saveButton() {
    return this.form().getByRole('button', { name: '訪問を保存' });
  }

  async save(): Promise<void> {
    await this.saveButton().click();
    await expect(this.page.getByText(/への訪問を保存しました。/)).toBeVisible();
  }
}

/** 訪問記録: the plan's visits by month, filtered by month, employer and staff member, with CSV. */
export class VisitsScreen {
  constructor(readonly page: Page) {}

  static async open(page: Page): Promise<VisitsScreen> {
    await page.getByRole('navigation', { name: '計画のメニュー' }).getByRole('link', { name: '訪問記録' }).click();
    await expect(page.getByRole('heading', { name: '訪問記録', level: 1 })).toBeVisible();
    return new VisitsScreen(page);
  }

  list() {
    return this.page.locator('.visit-cards');
  }

  count() {
    return this.page.locator('.visit-summary [role=status]');
  }

  async filterByEmployer(name: string): Promise<void> {
    await this.page.getByRole('combobox', { name: '事業所' }).selectOption(name);
  }

  async filterByStaff(name: string): Promise<void> {
    await this.page.getByRole('combobox', { name: '担当者' }).selectOption(name);
  }

  /** Downloads 訪問記録CSV (what the list shows) and returns its text. */
  async downloadCsv(): Promise<string> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByRole('button', { name: '訪問記録CSV' }).click()]);
    return readFile(await download.path(), 'utf8');
  }
}

/** The review of a pasted plan: every line with what it became, and the plan it makes. */
export class TextImportReview {
  constructor(readonly page: Page) {}

  lines() {
    return this.page.getByRole('table', { name: /読み取った行/ });
  }

  /** 「柱 3・節 37・項目 86・KPI 17…」 */
  counts() {
    return this.page.getByRole('status').filter({ hasText: /^柱 / });
  }

  async setKind(line: number, kind: '柱' | '節' | '項目' | 'KPI' | '理由' | '無視'): Promise<void> {
    await this.lines()
      .getByRole('combobox', { name: `${line}行目の種類`, exact: true })
      .selectOption({ label: kind });
  }

  /** Confirms: the plan is made and opened. */
  async createPlan(): Promise<PlanScreen> {
    await this.page.getByRole('button', { name: 'この内容で計画を作成' }).click();
    const plan = new PlanScreen(this.page);
    await plan.waitForTree();
    return plan;
  }
}
