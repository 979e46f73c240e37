// Typing into the item page's autosaved fields while the live query echoes each write back (the
// reported loss: the echo of the previous write was put back on screen and the next key landed
// on it), through IME composition, and with another tab changing the same text meanwhile.
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext } from '../../src/ui/data/hooks';
import { restoreField, saveProgress } from '../../src/sync/edits';
import { progressId } from '../../src/model/schemas';
import { ItemPage } from '../../src/ui/item-page';
import { dbWithFixturePlan, discardDb, PLAN_ID, ref } from './plan-fixture';

const ITEM = 'p2-5-1';
const KEY = { planId: PLAN_ID, itemId: ref(ITEM), periodId: '2024-H1' };
let db: TrackerDb | null = null;

afterEach(async () => {
  if (db) await discardDb(db);
  db = null;
});

async function openItem(): Promise<TrackerDb> {
  db = await dbWithFixturePlan();
  render(
    <DbContext.Provider value={db}>
      <ItemPage planId={PLAN_ID} itemId={ref(ITEM)} periodId="2024-H1" />
    </DbContext.Provider>,
  );
  return db;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Composition events are dispatched as the browser does (fireEvent's do not reach the listeners in jsdom).

/** One key as the browser delivers it: the character goes in at the caret, then an input event. */
function typeKey(box: HTMLTextAreaElement, ch: string) {
  const at = box.selectionStart;
  box.value = box.value.slice(0, at) + ch + box.value.slice(box.selectionEnd);
  box.setSelectionRange(at + ch.length, at + ch.length);
  fireEvent.input(box);
}

async function stored(field: 'done' | 'next'): Promise<string | undefined> {
  return (await db!.progress.get(progressId(ref(ITEM), '2024-H1')))?.[field];
}

describe('typing into an autosaved field', () => {
  it('keeps every key while each write comes back from the live query', async () => {
    await openItem();
    const box = (await screen.findByRole('textbox', { name: '実施状況' })) as HTMLTextAreaElement;
    box.focus();
    const text = 'タブ1オンライン入力で健康宣言の説明会を開いた';
    for (const [i, ch] of [...text].entries()) {
      typeKey(box, ch);
      await pause(i % 3);
    }
    await waitFor(async () => expect(await stored('done')).toBe(text));
    await waitFor(() => expect(screen.getByTestId('save-state').textContent).toContain('保存済み'));
    expect(box.value).toBe(text);
  });

  it('writes nothing mid-composition and keeps the committed text', async () => {
    const db = await openItem();
    const box = (await screen.findByRole('textbox', { name: '今後の実施予定等' })) as HTMLTextAreaElement;
    box.focus();
    typeKey(box, '次は');
    await waitFor(async () => expect(await stored('next')).toBe('次は'));
    box.dispatchEvent(new CompositionEvent('compositionstart', { bubbles: true }));
    for (const kana of ['け', 'けん', 'けんこ', 'けんこう']) {
      box.value = `次は${kana}`;
      fireEvent.input(box, { isComposing: true });
      await pause(5);
      expect(await stored('next')).toBe('次は');
    }
    box.value = '次は健康';
    box.dispatchEvent(new CompositionEvent('compositionend', { bubbles: true, data: '健康' }));
    await waitFor(async () => expect(await stored('next')).toBe('次は健康'));
    expect(box.value).toBe('次は健康');
    expect((await db.outbox.toArray()).every((e) => !Object.values(e.changes).some((v) => typeof v === 'string' && /[けこう]$/.test(v)))).toBe(true);
  });

  it('merges another tab’s change into the text being typed and keeps the caret', async () => {
    const db = await openItem();
    const box = (await screen.findByRole('textbox', { name: '実施状況' })) as HTMLTextAreaElement;
    box.focus();
    for (const ch of '本文を書く') typeKey(box, ch);
    await waitFor(async () => expect(await stored('done')).toBe('本文を書く'));
    // The caret after 本文; another tab puts a heading in front meanwhile.
    box.setSelectionRange(2, 2);
    await saveProgress(db, KEY, { done: '【上期】本文を書く' }, '別のタブ');
    await waitFor(() => expect(box.value).toBe('【上期】本文を書く'));
    expect(box.selectionStart).toBe(6);
    typeKey(box, 'は');
    await waitFor(async () => expect(await stored('done')).toBe('【上期】本文はを書く'));
    expect(box.value).toBe('【上期】本文はを書く');
  });

  it('shows a restored earlier value and keeps it when the person types on (「この値に戻す」)', async () => {
    const db = await openItem();
    const box = (await screen.findByRole('textbox', { name: '実施状況' })) as HTMLTextAreaElement;
    box.focus();
    for (const ch of '説明会') typeKey(box, ch);
    await waitFor(async () => expect(await stored('done')).toBe('説明会'));
    for (const ch of 'を中止') typeKey(box, ch);
    await waitFor(async () => expect(await stored('done')).toBe('説明会を中止'));
    await waitFor(() => expect(screen.getByTestId('save-state').textContent).toContain('保存済み'));
    // A lead puts back the value the field held a moment ago.
    await restoreField(db, 'progress', progressId(ref(ITEM), '2024-H1'), 'done', '説明会', 'リーダー');
    await waitFor(() => expect(box.value).toBe('説明会'));
    typeKey(box, '。');
    await waitFor(async () => expect(await stored('done')).toBe('説明会。'));
    expect(box.value).toBe('説明会。');
  });

  it('takes another tab’s revert to an earlier text mid-typing and merges the person’s keys into it', async () => {
    const db = await openItem();
    const box = (await screen.findByRole('textbox', { name: '実施状況' })) as HTMLTextAreaElement;
    box.focus();
    for (const ch of '前文。') typeKey(box, ch);
    await waitFor(async () => expect(await stored('done')).toBe('前文。'));
    box.setSelectionRange(0, 0);
    for (const ch of '追記') typeKey(box, ch);
    await waitFor(async () => expect(await stored('done')).toBe('追記前文。'));
    box.setSelectionRange(5, 5);
    // The other tab takes 追記 out again (the text it had before) while the person types at the end.
    await saveProgress(db, KEY, { done: '前文。' }, '別のタブ');
    typeKey(box, '本文');
    await waitFor(async () => expect(await stored('done')).toBe('前文。本文'));
    await waitFor(() => expect(box.value).toBe('前文。本文'));
  });
});
