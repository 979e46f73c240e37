// The structure screen on a real (in-memory) database: every change goes through the repository,
// lands in the outbox, and deletes are tombstones that 「元に戻す」 brings back.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext } from '../../src/ui/data/hooks';
import { updateRecord } from '../../src/sync/edits';
import { StructurePage } from '../../src/ui/structure-page';
import { dbWithFixturePlan, discardDb, PLAN_ID, ref } from './plan-fixture';

const SECTION = '区分「（２） サービス水準の向上」';
const MAIL_ITEM = '項目「② 現金給付等の申請に係る郵送化の促進」';

let db: TrackerDb;

beforeEach(async () => {
  db = await dbWithFixturePlan();
});

afterEach(() => discardDb(db));

function renderPage() {
  render(
    <DbContext.Provider value={db}>
      <StructurePage planId={PLAN_ID} />
    </DbContext.Provider>,
  );
}

const outboxOf = (table: string) => db.outbox.filter((e) => e.table === table).toArray();

describe('StructurePage', () => {
  it('renames a section', async () => {
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: `${SECTION}を編集` }));
    const form = within(screen.getByRole('form', { name: '区分の編集' }));
    expect((form.getByRole('textbox', { name: '番号' }) as HTMLInputElement).value).toBe('（２）');
    fireEvent.input(form.getByRole('textbox', { name: '名前' }), { target: { value: '  サービス水準の一層の向上 ' } });
    fireEvent.click(form.getByRole('button', { name: '保存' }));
    expect(await screen.findByRole('button', { name: '区分「（２） サービス水準の一層の向上」を編集' })).toBeTruthy();
    expect(screen.queryByRole('form', { name: '区分の編集' })).toBeNull();
    expect((await db.sections.get(ref('p1-2')))?.title).toBe('サービス水準の一層の向上');
    const entries = await outboxOf('sections');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      recordId: ref('p1-2'),
      planId: PLAN_ID,
      changes: { title: 'サービス水準の一層の向上' },
      base: { title: 'サービス水準の向上' },
    });
  });

  it('refuses an empty section name and writes nothing', async () => {
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: `${SECTION}を編集` }));
    const form = within(screen.getByRole('form', { name: '区分の編集' }));
    fireEvent.input(form.getByRole('textbox', { name: '名前' }), { target: { value: '　 ' } });
    fireEvent.click(form.getByRole('button', { name: '保存' }));
    expect((await form.findByRole('alert')).textContent).toBe('区分の名前を入力してください。');
    expect(await db.outbox.count()).toBe(0);
  });

  it('adds an item to a section with its group and tags', async () => {
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: `${SECTION}に項目を追加` }));
    const form = within(screen.getByRole('form', { name: '項目の追加' }));
    // The next circled number is offered.
    expect((form.getByRole('textbox', { name: '番号' }) as HTMLInputElement).value).toBe('③');
    fireEvent.input(form.getByRole('textbox', { name: '事業計画' }), { target: { value: '電話相談の品質向上を図る。' } });
    fireEvent.input(form.getByRole('combobox', { name: '担当グループ' }), { target: { value: '業務' } });
    fireEvent.click(form.getByRole('checkbox', { name: '重要度：高' }));
    fireEvent.click(form.getByRole('button', { name: '保存' }));
    expect(await screen.findByRole('button', { name: '項目「③ 電話相談の品質向上を図る。」を編集' })).toBeTruthy();
    const added = (await db.items.filter((i) => i.sectionId === ref('p1-2')).toArray()).find((i) => i.label === '③');
    expect(added).toMatchObject({ planId: PLAN_ID, text: '電話相談の品質向上を図る。', group: '業務', tags: ['重要度：高'], deleted: false });
    // After its last sibling (a1), with two random digits so another device's addition does not tie.
    expect(added!.order).toMatch(/^a2[0-9A-Za-z]{2}$/);
    const entries = await outboxOf('items');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ recordId: added!.id, base: {}, create: { id: added!.id } });
  });

  it('refuses an item without text and writes nothing', async () => {
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: `${SECTION}に項目を追加` }));
    const form = within(screen.getByRole('form', { name: '項目の追加' }));
    fireEvent.click(form.getByRole('button', { name: '保存' }));
    expect((await form.findByRole('alert')).textContent).toBe('事業計画の文言を入力してください。');
    expect(await db.items.count()).toBe(3);
    expect(await db.outbox.count()).toBe(0);
  });

  it('deletes an item as a tombstone and brings it back with 元に戻す', async () => {
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: `${MAIL_ITEM}を削除` }));
    await waitFor(() => expect(screen.queryByRole('button', { name: `${MAIL_ITEM}を編集` })).toBeNull());
    const status = screen.getByRole('status', { name: 'お知らせ' });
    expect(status.textContent).toContain(`${MAIL_ITEM}を削除しました。`);
    expect((await db.items.get(ref('p1-2-2')))?.deleted).toBe(true);

    fireEvent.click(within(status).getByRole('button', { name: '元に戻す' }));
    expect(await screen.findByRole('button', { name: `${MAIL_ITEM}を編集` })).toBeTruthy();
    await waitFor(() => expect(status.textContent).toContain(`${MAIL_ITEM}を元に戻しました。`));
    expect((await db.items.get(ref('p1-2-2')))?.deleted).toBe(false);
    // Both writes fold into one pending entry for the record, with the tombstone flag in it.
    const entries = await outboxOf('items');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ recordId: ref('p1-2-2'), changes: { deleted: false } });
  });

  it('moves an item down among its siblings, writing only its own order key', async () => {
    renderPage();
    const first = '項目「① サービススタンダードの遵守」';
    expect((await screen.findByRole('button', { name: `${first}を上へ` })).hasAttribute('disabled')).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: `${first}を下へ` }));
    // Between ② ('a1') and the end: the next key after it.
    await waitFor(async () => expect((await db.items.get(ref('p1-2-1')))?.order).toBe('a2'));
    expect((await db.items.get(ref('p1-2-2')))?.order).toBe('a1');
    await waitFor(() => expect(screen.getByRole('button', { name: `${first}を下へ` }).hasAttribute('disabled')).toBe(true));
    expect((await outboxOf('items')).map((e) => e.recordId)).toEqual([ref('p1-2-1')]);
  });

  it('offers, after a move, to renumber the siblings in their new order, as one edit that can be undone', async () => {
    renderPage();
    const first = '項目「① サービススタンダードの遵守」';
    fireEvent.click(await screen.findByRole('button', { name: `${first}を下へ` }));
    const status = screen.getByRole('status', { name: 'お知らせ' });
    await waitFor(() => expect(status.textContent).toContain('番号が並びと合っていません（② ①）。① ② と振り直せます。'));
    // The move alone is written; the labels change only when asked.
    expect((await db.items.get(ref('p1-2-1')))?.label).toBe('①');

    fireEvent.click(within(status).getByRole('button', { name: '番号を振り直す' }));
    expect(await screen.findByRole('button', { name: '項目「① 現金給付等の申請に係る郵送化の促進」を編集' })).toBeTruthy();
    expect(screen.getByRole('button', { name: '項目「② サービススタンダードの遵守」を編集' })).toBeTruthy();
    expect([(await db.items.get(ref('p1-2-2')))?.label, (await db.items.get(ref('p1-2-1')))?.label]).toEqual(['①', '②']);
    // Through the normal edit path: each label is a field change waiting to sync.
    const entries = await outboxOf('items');
    expect(entries.find((e) => e.recordId === ref('p1-2-2'))?.changes).toEqual({ label: '①' });
    expect(entries.find((e) => e.recordId === ref('p1-2-1'))?.changes).toMatchObject({ label: '②' });

    fireEvent.click(within(status).getByRole('button', { name: '元に戻す' }));
    await waitFor(() => expect(status.textContent).toContain('番号を元に戻しました。'));
    expect([(await db.items.get(ref('p1-2-2')))?.label, (await db.items.get(ref('p1-2-1')))?.label]).toEqual(['②', '①']);
  });

  it('offers no renumbering when the numbers still stand in order or are not one numbered sequence', async () => {
    await updateRecord(db, 'items', ref('p1-2-2'), { label: '' }, 'テスト');
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: '項目「① サービススタンダードの遵守」を下へ' }));
    await waitFor(async () => expect((await db.items.get(ref('p1-2-1')))?.order).toBe('a2'));
    expect(screen.queryByRole('button', { name: '番号を振り直す' })).toBeNull();
  });

  it('moves an item to another section', async () => {
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: `${MAIL_ITEM}を編集` }));
    const form = within(screen.getByRole('form', { name: '項目の編集' }));
    fireEvent.change(form.getByRole('combobox', { name: '区分' }), { target: { value: ref('p2-5') } });
    fireEvent.click(form.getByRole('button', { name: '保存' }));
    await waitFor(async () => expect((await db.items.get(ref('p1-2-2')))?.sectionId).toBe(ref('p2-5')));
    expect((await db.items.get(ref('p1-2-2')))?.order).toMatch(/^a1[0-9A-Za-z]{2}$/);
  });

  it('will not delete a section that still has items', async () => {
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: `${SECTION}を削除` }));
    expect((await screen.findByRole('alert')).textContent).toContain(`${SECTION}には項目2件・下位の区分0件があります。`);
    expect((await db.sections.get(ref('p1-2')))?.deleted).toBe(false);
    expect(await db.outbox.count()).toBe(0);
  });

  it('adds a KPI, and refuses a target that is not a number', async () => {
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: '＋ KPIを追加' }));
    const form = within(screen.getByRole('form', { name: 'KPIの追加' }));
    fireEvent.input(form.getByRole('textbox', { name: '指標名' }), { target: { value: '電話の応答率' } });
    fireEvent.change(form.getByRole('combobox', { name: '事業計画' }), { target: { value: ref('p1-2') } });
    fireEvent.input(form.getByRole('textbox', { name: '目標値' }), { target: { value: '九十五' } });
    fireEvent.click(form.getByRole('button', { name: '保存' }));
    expect((await form.findByRole('alert')).textContent).toContain('目標値を数値で入力してください');
    expect(await db.kpis.count()).toBe(5);

    fireEvent.input(form.getByRole('textbox', { name: '目標値' }), { target: { value: '９５．０' } });
    fireEvent.click(form.getByRole('radio', { name: '以下' }));
    fireEvent.click(form.getByRole('button', { name: '保存' }));
    expect(await screen.findByRole('button', { name: 'KPI「電話の応答率」を編集' })).toBeTruthy();
    const added = (await db.kpis.toArray()).find((k) => k.name === '電話の応答率');
    expect(added).toMatchObject({ sectionId: ref('p1-2'), unit: '%', target: { kind: 'value', value: 95, direction: '以下' } });
    expect(await outboxOf('kpis')).toHaveLength(1);
  });

  it('deletes a KPI and brings it back', async () => {
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'KPI「SNSによる情報発信」を削除' }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'KPI「SNSによる情報発信」を編集' })).toBeNull());
    fireEvent.click(screen.getByRole('button', { name: '元に戻す' }));
    expect(await screen.findByRole('button', { name: 'KPI「SNSによる情報発信」を編集' })).toBeTruthy();
    expect((await db.kpis.get(ref('k-sns')))?.deleted).toBe(false);
  });

  it('changes the plan’s title and reporting period', async () => {
    renderPage();
    const form = within(await screen.findByRole('form', { name: '計画の設定' }));
    fireEvent.input(form.getByRole('textbox', { name: '計画名' }), { target: { value: '令和6年度 東京支部事業計画（改訂）' } });
    fireEvent.change(form.getByRole('combobox', { name: '報告期間' }), { target: { value: 'quarter' } });
    fireEvent.click(form.getByRole('button', { name: '設定を保存' }));
    await waitFor(() => expect(form.getByRole('status').textContent).toBe('計画の設定を保存しました。'));
    expect(await db.plans.get(PLAN_ID)).toMatchObject({ title: '令和6年度 東京支部事業計画（改訂）', periodKind: 'quarter' });
    expect(await outboxOf('plans')).toHaveLength(1);
  });

  it('merges a rename made in another tab into the name being typed, never swapping it', async () => {
    renderPage();
    const form = within(await screen.findByRole('form', { name: '計画の設定' }));
    const box = form.getByRole('textbox', { name: '計画名' }) as HTMLInputElement;
    const before = box.value;
    fireEvent.input(box, { target: { value: `${before}（改訂）` } });
    await updateRecord(db, 'plans', PLAN_ID, { title: `【案】${before}` }, '別のタブ');
    await waitFor(() => expect(box.value).toBe(`【案】${before}（改訂）`));
  });
});
