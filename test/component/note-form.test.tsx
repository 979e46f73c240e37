// The note and visit form on the item screen, as a field worker uses it: 訪問 with a known
// employer in a tap (its 事業所記号 filled), purpose chips as toggle buttons, 結果 and 次回訪問予定,
// a draft that survives the screen going away, and 訂正 / 削除 only for the note's author or a lead.
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { readDraft } from '../../src/db/drafts';
import type { Role } from '../../src/model/protocol';
import { noteSchema, type Note } from '../../src/model/schemas';
import { localIsoDate } from '../../src/model/wareki';
import { DbContext, SessionNameContext } from '../../src/ui/data/hooks';
import { SyncContext } from '../../src/ui/data/sync-context';
import { ItemPage } from '../../src/ui/item-page';
import { FakeSyncEngine, session } from './fake-sync-engine';
import { dbWithFixturePlan, PLAN_ID, ref } from './plan-fixture';

const ITEM = ref('p2-5-1');
/** A next visit a month from today (one may be planned up to two years ahead). */
const NEXT_VISIT = localIsoDate(new Date(Date.now() + 30 * 86_400_000));
const BRANCH = 'branch-tokyo';

function visitNote(partial: Partial<Note>): Note {
  return noteSchema.parse({
    id: 'earlier-visit',
    planId: PLAN_ID,
    itemId: ITEM,
    date: '2024-05-10',
    author: '佐藤（リーダー）',
    text: '健康宣言の案内を渡した。',
    createdAt: '2024-05-10T01:00:00.000Z',
    visit: { employer: '山田製作所', employerCode: '12-ヤマ', purposes: ['健康宣言'] },
    ...partial,
  });
}

async function seeded(): Promise<TrackerDb> {
  const db = await dbWithFixturePlan();
  await db.plans.update(PLAN_ID, { branchId: BRANCH });
  await db.notes.put(visitNote({}));
  return db;
}

function renderAs(db: TrackerDb, role: Role | null) {
  const page = <ItemPage planId={PLAN_ID} itemId={ITEM} periodId="2024-H1" />;
  if (!role) return render(<DbContext.Provider value={db}>{page}</DbContext.Provider>);
  const signedIn = session(role, BRANCH);
  return render(
    <DbContext.Provider value={db}>
      <SyncContext.Provider value={new FakeSyncEngine({ session: signedIn })}>
        <SessionNameContext.Provider value={signedIn.user.name}>{page}</SessionNameContext.Provider>
      </SyncContext.Provider>
    </DbContext.Provider>,
  );
}

async function chooseVisit() {
  fireEvent.click(await screen.findByRole('button', { name: '訪問' }));
  return screen.findByRole('form', { name: '訪問の記録' });
}

describe('the visit form', () => {
  it('records a visit on a known employer: one tap fills name and code, chips toggle, the outbox gets the visit', async () => {
    const db = await seeded();
    renderAs(db, 'staff');
    const form = await chooseVisit();
    expect(within(form).getByRole('button', { name: '訪問' }).getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(within(await within(form).findByRole('group', { name: '最近訪問した事業所' })).getByRole('button', { name: '山田製作所' }));
    expect((within(form).getByRole('combobox', { name: '事業所名' }) as HTMLInputElement).value).toBe('山田製作所');
    expect((within(form).getByRole('textbox', { name: '事業所記号' }) as HTMLInputElement).value).toBe('12-ヤマ');
    const purposes = within(form).getByRole('group', { name: '訪問目的' });
    expect(
      within(purposes)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['健診勧奨', '健康宣言', '保健指導', '加入勧奨', 'その他']);
    const chip = within(purposes).getByRole('button', { name: '健康宣言' });
    fireEvent.click(chip);
    expect(chip.getAttribute('aria-pressed')).toBe('true');
    fireEvent.input(within(form).getByRole('textbox', { name: '結果' }), { target: { value: '健康宣言の申込書を受け取った。' } });
    fireEvent.input(within(form).getByLabelText('次回訪問予定'), { target: { value: NEXT_VISIT } });
    fireEvent.click(within(form).getByRole('button', { name: '訪問を保存' }));
    expect(await screen.findByText('山田製作所への訪問を保存しました。')).toBeTruthy();
    const outbox = await db.outbox.toArray();
    expect(outbox).toEqual([
      expect.objectContaining({
        table: 'notes',
        changes: expect.objectContaining({
          text: '健康宣言の申込書を受け取った。',
          visit: { employer: '山田製作所', employerCode: '12-ヤマ', purposes: ['健康宣言'], nextDate: NEXT_VISIT },
        }),
      }),
    ]);
    // The form stays a visit form for the next one, empty again.
    expect((within(form).getByRole('combobox', { name: '事業所名' }) as HTMLInputElement).value).toBe('');
  });

  it('fills the code of a known employer typed or picked from the list', async () => {
    renderAs(await seeded(), null);
    const form = await chooseVisit();
    await within(form).findByRole('group', { name: '最近訪問した事業所' });
    fireEvent.input(within(form).getByRole('combobox', { name: '事業所名' }), { target: { value: '山田製作所' } });
    expect((within(form).getByRole('textbox', { name: '事業所記号' }) as HTMLInputElement).value).toBe('12-ヤマ');
  });

  it('says what is missing and saves nothing', async () => {
    const db = await seeded();
    renderAs(db, null);
    const form = await chooseVisit();
    fireEvent.click(within(form).getByRole('button', { name: '訪問を保存' }));
    expect((await screen.findByRole('alert')).textContent).toBe('事業所名を入力してください。');
    fireEvent.input(within(form).getByRole('combobox', { name: '事業所名' }), { target: { value: '新田商店' } });
    fireEvent.click(within(form).getByRole('button', { name: '訪問を保存' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('結果を入力してください。'));
    expect(await db.outbox.count()).toBe(0);
  });

  it('keeps the visit being written as a draft across the screen going away', async () => {
    const db = await seeded();
    const first = renderAs(db, null);
    const form = await chooseVisit();
    fireEvent.input(within(form).getByRole('combobox', { name: '事業所名' }), { target: { value: '新田商店' } });
    fireEvent.click(within(within(form).getByRole('group', { name: '訪問目的' })).getByRole('button', { name: '加入勧奨' }));
    await waitFor(async () =>
      expect((await readDraft(db, `note:${ITEM}`))?.fields).toMatchObject({ kind: 'visit', employer: '新田商店', purposes: '加入勧奨' }),
    );
    first.unmount();
    renderAs(db, null);
    const again = await screen.findByRole('form', { name: '訪問の記録' });
    await waitFor(() => expect((within(again).getByRole('combobox', { name: '事業所名' }) as HTMLInputElement).value).toBe('新田商店'));
    expect(within(again).getByRole('button', { name: '加入勧奨' }).getAttribute('aria-pressed')).toBe('true');
  });
});

describe('訂正 and 削除', () => {
  it('are not offered to staff on another person’s note', async () => {
    renderAs(await seeded(), 'staff');
    const list = await screen.findByRole('list', { name: 'メモの一覧' });
    expect(within(list).getByText('健康宣言の案内を渡した。')).toBeTruthy();
    expect(within(list).queryByRole('button', { name: /訂正/ })).toBeNull();
    expect(within(list).queryByRole('button', { name: /削除/ })).toBeNull();
  });

  it('let a lead correct a visit (a change with its base) and remove it, with 元に戻す', async () => {
    const db = await seeded();
    renderAs(db, 'lead');
    const list = await screen.findByRole('list', { name: 'メモの一覧' });
    fireEvent.click(within(list).getByRole('button', { name: '令和6年5月10日の訪問記録を訂正' }));
    const fix = await screen.findByRole('form', { name: '訪問記録の訂正' });
    fireEvent.input(within(fix).getByRole('textbox', { name: '結果' }), { target: { value: '健康宣言の案内と申込書を渡した。' } });
    fireEvent.click(within(fix).getByRole('button', { name: '訂正を保存' }));
    expect(await screen.findByText('訪問記録を訂正しました。前の内容は変更履歴に残ります。')).toBeTruthy();
    expect((await db.notes.get('earlier-visit'))?.text).toBe('健康宣言の案内と申込書を渡した。');
    // Saved, the form closes and stays closed as the corrected note redraws the entry.
    await within(list).findByText('健康宣言の案内と申込書を渡した。');
    expect(screen.queryByRole('form', { name: '訪問記録の訂正' })).toBeNull();
    expect(await db.outbox.toArray()).toEqual([
      expect.objectContaining({
        table: 'notes',
        create: null,
        changes: { text: '健康宣言の案内と申込書を渡した。' },
        base: { text: '健康宣言の案内を渡した。' },
      }),
    ]);

    fireEvent.click(within(list).getByRole('button', { name: '令和6年5月10日の訪問記録を削除' }));
    fireEvent.click(await screen.findByRole('button', { name: '削除する' }));
    await screen.findByText('訪問記録を削除しました。');
    expect((await db.notes.get('earlier-visit'))?.deleted).toBe(true);
    await waitFor(() => expect(screen.queryByText('健康宣言の案内と申込書を渡した。')).toBeNull());
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: '元に戻す' }));
    });
    await screen.findByText('健康宣言の案内と申込書を渡した。');
  });

  it('keep a removed note restorable after its message is gone, in a folded list, for those who may', async () => {
    const db = await seeded();
    await db.notes.update('earlier-visit', { deleted: true });
    const asStaff = renderAs(db, 'staff');
    await screen.findByRole('heading', { name: 'メモ・訪問記録' });
    expect(screen.queryByText(/削除したメモ・訪問記録/)).toBeNull();
    asStaff.unmount();

    renderAs(db, 'lead');
    fireEvent.click(await screen.findByText('削除したメモ・訪問記録（1件）'));
    fireEvent.click(screen.getByRole('button', { name: '令和6年5月10日の訪問記録を元に戻す' }));
    await screen.findByText('訪問記録を元に戻しました。');
    expect((await db.notes.get('earlier-visit'))?.deleted).toBe(false);
    expect(await within(await screen.findByRole('list', { name: 'メモの一覧' })).findByText('健康宣言の案内を渡した。')).toBeTruthy();
    expect(screen.queryByText(/削除したメモ・訪問記録/)).toBeNull();
  });

  it('keep a correction being written as a draft, which reopens after the screen goes away', async () => {
    const db = await seeded();
    const first = renderAs(db, 'lead');
    fireEvent.click(await screen.findByRole('button', { name: '令和6年5月10日の訪問記録を訂正' }));
    const fix = await screen.findByRole('form', { name: '訪問記録の訂正' });
    fireEvent.input(within(fix).getByRole('textbox', { name: '結果' }), { target: { value: '書きかけの訂正' } });
    await waitFor(async () => expect((await readDraft(db, 'note-fix:earlier-visit'))?.fields.text).toBe('書きかけの訂正'));
    first.unmount();
    renderAs(db, 'lead');
    const again = await screen.findByRole('form', { name: '訪問記録の訂正' });
    expect((within(again).getByRole('textbox', { name: '結果' }) as HTMLTextAreaElement).value).toBe('書きかけの訂正');
  });

  it('send a correction based on the note it started from when a colleague’s correction arrived meanwhile', async () => {
    const db = await seeded();
    renderAs(db, 'lead');
    fireEvent.click(await screen.findByRole('button', { name: '令和6年5月10日の訪問記録を訂正' }));
    const fix = await screen.findByRole('form', { name: '訪問記録の訂正' });
    fireEvent.input(within(fix).getByRole('textbox', { name: '結果' }), { target: { value: '健康宣言の案内を渡した。来月再訪。' } });
    await waitFor(async () => expect((await readDraft(db, 'note-fix:earlier-visit'))?.fields.text).toBe('健康宣言の案内を渡した。来月再訪。'));
    // The colleague's correction arrives (as a pull writes it).
    await act(async () => {
      await db.notes.update('earlier-visit', { text: '健康宣言の案内と資料を渡した。', updatedAt: '2024-05-11T00:00:00.000Z', updatedBy: '鈴木（担当）' });
    });
    const reopened = await screen.findByRole('form', { name: '訪問記録の訂正' });
    await waitFor(() =>
      expect((within(reopened).getByRole('textbox', { name: '結果' }) as HTMLTextAreaElement).value).toBe('健康宣言の案内を渡した。来月再訪。'),
    );
    fireEvent.click(within(reopened).getByRole('button', { name: '訂正を保存' }));
    await screen.findByText('訪問記録を訂正しました。前の内容は変更履歴に残ります。');
    expect(await db.outbox.toArray()).toEqual([
      expect.objectContaining({ table: 'notes', changes: { text: '健康宣言の案内を渡した。来月再訪。' }, base: { text: '健康宣言の案内を渡した。' } }),
    ]);
  });

  it('keep the field being typed in (same element, focus) when a colleague’s correction arrives, and keep the colleague’s employer', async () => {
    const db = await seeded();
    renderAs(db, 'lead');
    fireEvent.click(await screen.findByRole('button', { name: '令和6年5月10日の訪問記録を訂正' }));
    const fix = await screen.findByRole('form', { name: '訪問記録の訂正' });
    const result = within(fix).getByRole('textbox', { name: '結果' }) as HTMLTextAreaElement;
    result.focus();
    fireEvent.input(result, { target: { value: '健康宣言の案内を渡した。追記中' } });
    await waitFor(async () => expect((await readDraft(db, 'note-fix:earlier-visit'))?.fields.text).toBe('健康宣言の案内を渡した。追記中'));
    await act(async () => {
      await db.notes.update('earlier-visit', {
        visit: { employer: '山田製作所株式会社', employerCode: '12-ヤマ', purposes: ['健康宣言'] },
        updatedAt: '2024-05-11T00:00:00.000Z',
        updatedBy: '鈴木（担当）',
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(within(screen.getByRole('form', { name: '訪問記録の訂正' })).getByRole('textbox', { name: '結果' })).toBe(result);
    expect(document.activeElement).toBe(result);
    expect(result.value).toBe('健康宣言の案内を渡した。追記中');
    fireEvent.click(within(screen.getByRole('form', { name: '訪問記録の訂正' })).getByRole('button', { name: '訂正を保存' }));
    await screen.findByText('訪問記録を訂正しました。前の内容は変更履歴に残ります。');
    // Only the text the lead typed is sent; the employer the colleague corrected stays.
    expect(await db.outbox.toArray()).toEqual([expect.objectContaining({ table: 'notes', changes: { text: '健康宣言の案内を渡した。追記中' } })]);
    expect((await db.notes.get('earlier-visit'))?.visit?.employer).toBe('山田製作所株式会社');
  });
});
