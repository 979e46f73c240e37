// The item screen as a person uses it: 評価 as a radio group named ○ △ －, autosaved 実施状況 and
// 今後の実施予定等 with a visible saved state, earlier periods, and the notes timeline.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext } from '../../src/ui/data/hooks';
import { progressId } from '../../src/model/schemas';
import { ItemPage } from '../../src/ui/item-page';
import { dbWithFixturePlan, PLAN_ID, ref } from './plan-fixture';

function renderItem(db: TrackerDb, itemRef: string, periodId: string | null = '2024-H1') {
  return render(
    <DbContext.Provider value={db}>
      <ItemPage planId={PLAN_ID} itemId={ref(itemRef)} periodId={periodId} />
    </DbContext.Provider>,
  );
}

describe('ItemPage', () => {
  it('shows the plan text and this period’s evaluation as a radio group', async () => {
    renderItem(await dbWithFixturePlan(), 'p1-2-2');
    const group = await screen.findByRole('radiogroup', { name: '評価' });
    expect(screen.getByText(/郵送化の促進/)).toBeTruthy();
    const radios = within(group).getAllByRole('radio');
    expect(radios.map((r) => r.getAttribute('aria-label'))).toEqual(['○', '△', '－']);
    expect((within(group).getByRole('radio', { name: '△' }) as HTMLInputElement).checked).toBe(true);
  });

  it('sets the evaluation and queues it for sync in the same write', async () => {
    const db = await dbWithFixturePlan();
    renderItem(db, 'p1-2-2');
    const group = await screen.findByRole('radiogroup', { name: '評価' });
    fireEvent.click(within(group).getByRole('radio', { name: '○' }));
    await waitFor(async () => expect((await db.progress.get(progressId(ref('p1-2-2'), '2024-H1')))?.evaluation).toBe('○'));
    const outbox = await db.outbox.toArray();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ table: 'progress', changes: { evaluation: '○' }, base: { evaluation: '△' } });
    await waitFor(() => expect((within(group).getByRole('radio', { name: '○' }) as HTMLInputElement).checked).toBe(true));
  });

  it('autosaves 実施状況 and 今後の実施予定等 and says when it is saved', async () => {
    const db = await dbWithFixturePlan();
    renderItem(db, 'p2-5-1');
    const done = await screen.findByRole('textbox', { name: '実施状況' });
    fireEvent.input(done, { target: { value: '健康宣言の説明会を2回開催した。' } });
    fireEvent.input(screen.getByRole('textbox', { name: '今後の実施予定等' }), { target: { value: '下期に事業所訪問を行う。' } });
    await waitFor(() => expect(screen.getByTestId('save-state').textContent).toContain('保存済み'));
    const saved = await db.progress.get(progressId(ref('p2-5-1'), '2024-H1'));
    expect(saved).toMatchObject({ done: '健康宣言の説明会を2回開催した。', next: '下期に事業所訪問を行う。', evaluation: null });
    // Both fields of one new record: one outbox entry that creates it, based on the empty record.
    const outbox = await db.outbox.toArray();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ base: { done: '', next: '' }, changes: { done: '健康宣言の説明会を2回開催した。', next: '下期に事業所訪問を行う。' } });
    expect(outbox[0]!.create).toMatchObject({ itemId: ref('p2-5-1'), periodId: '2024-H1', evaluation: null });
  });

  it('shows other periods’ entries', async () => {
    renderItem(await dbWithFixturePlan(), 'p1-2-2', '2024-H2');
    const earlier = await screen.findByRole('region', { name: 'ほかの期間の記入' });
    expect(within(earlier).getByRole('heading', { name: /上半期.*評価: △/ })).toBeTruthy();
  });

  it('adds a note dated today by default, newest first, and refuses an empty one', async () => {
    const db = await dbWithFixturePlan();
    renderItem(db, 'p2-5-1');
    const date = (await screen.findByLabelText('日付')) as HTMLInputElement;
    const today = new Date();
    expect(date.value).toBe(`${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`);
    fireEvent.click(screen.getByRole('button', { name: 'メモを追加' }));
    expect((await screen.findByRole('alert')).textContent).toContain('メモの内容を入力してください');
    expect(await db.notes.count()).toBe(1);

    fireEvent.input(screen.getByRole('textbox', { name: 'メモ' }), { target: { value: '事業所を再訪問した。' } });
    fireEvent.click(screen.getByRole('button', { name: 'メモを追加' }));
    await screen.findByText('事業所を再訪問した。');
    const timeline = screen.getByRole('list', { name: 'メモの一覧' });
    expect(within(timeline).getAllByRole('listitem')[0]!.textContent).toContain('事業所を再訪問した。');
    expect(await db.notes.count()).toBe(2);
    expect((await db.outbox.toArray()).filter((e) => e.table === 'notes')).toHaveLength(1);
  });

  it('refuses a note over the length limit and writes nothing', async () => {
    const db = await dbWithFixturePlan();
    renderItem(db, 'p2-5-1');
    fireEvent.input(await screen.findByRole('textbox', { name: 'メモ' }), { target: { value: 'あ'.repeat(5001) } });
    fireEvent.click(screen.getByRole('button', { name: 'メモを追加' }));
    expect((await screen.findByRole('alert')).textContent).toContain('5000文字まで');
    expect(await db.notes.count()).toBe(1);
    expect(await db.outbox.count()).toBe(0);
  });
});
