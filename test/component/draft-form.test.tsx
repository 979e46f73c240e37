// Drafts kept on the device: a メモ being written and a KPI actual being entered survive the page
// going away (a reload, a killed tab, an app update all start the screen again from the
// database), show as 下書き, and go away only when submitted or discarded (破棄).
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { readDraft } from '../../src/db/drafts';
import { DbContext } from '../../src/ui/data/hooks';
import { ItemPage } from '../../src/ui/item-page';
import { KpiPage } from '../../src/ui/kpi-page';
import { dbWithFixturePlan, discardDb, PLAN_ID, ref } from './plan-fixture';

const ITEM = ref('p2-5-1');
const MAIL = '現金給付等の申請に係る郵送化率';
let db: TrackerDb | null = null;

afterEach(async () => {
  if (db) await discardDb(db);
  db = null;
});

function showItem(database: TrackerDb) {
  render(
    <DbContext.Provider value={database}>
      <ItemPage planId={PLAN_ID} itemId={ITEM} periodId="2024-H1" />
    </DbContext.Provider>,
  );
}

function showKpis(database: TrackerDb) {
  render(
    <DbContext.Provider value={database}>
      <KpiPage planId={PLAN_ID} />
    </DbContext.Provider>,
  );
}

async function openKpi(name: string) {
  fireEvent.click(await screen.findByRole('button', { name }));
  return within(await screen.findByRole('region', { name: `${name}の詳細` }));
}

describe('drafts', () => {
  it('keeps a メモ being written across the page going away, until it is added', async () => {
    db = await dbWithFixturePlan();
    showItem(db);
    fireEvent.input(await screen.findByRole('textbox', { name: 'メモ' }), { target: { value: '訪問先で説明資料を渡した' } });
    await waitFor(async () => expect((await readDraft(db!, `note:${ITEM}`))?.fields.text).toBe('訪問先で説明資料を渡した'));
    cleanup();

    showItem(db);
    await waitFor(async () => expect((screen.getByRole('textbox', { name: 'メモ' }) as HTMLTextAreaElement).value).toBe('訪問先で説明資料を渡した'));
    expect(screen.getByText(/下書き/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'メモを追加' }));
    await screen.findByText('メモを保存しました。');
    expect((screen.getByRole('textbox', { name: 'メモ' }) as HTMLTextAreaElement).value).toBe('');
    expect(await readDraft(db, `note:${ITEM}`)).toBeNull();
    expect(screen.queryByRole('button', { name: 'メモの下書きを破棄' })).toBeNull();
  });

  it('typing faster than the device writes keeps the latest text, and says 保存済み only once it is kept', async () => {
    db = await dbWithFixturePlan();
    showItem(db);
    const box = await screen.findByRole('textbox', { name: 'メモ' });
    let writes = 0;
    db.meta.hook('creating', () => void writes++);
    db.meta.hook('updating', () => void writes++);
    const text = '訪問先で説明資料を渡し、次回の健診案内も依頼した';
    for (let i = 1; i <= text.length; i++) fireEvent.input(box, { target: { value: text.slice(0, i) } });
    expect(screen.getByText(/下書きを保存しています/)).toBeTruthy();
    await screen.findByText(/この端末に保存済み/);
    expect((await readDraft(db, `note:${ITEM}`))?.fields.text).toBe(text);
    // One write under way and the latest one after it, not one per key.
    expect(writes).toBeLessThanOrEqual(2);
  });

  it('says so when the device cannot keep the draft, instead of 保存済み', async () => {
    db = await dbWithFixturePlan();
    showItem(db);
    const box = await screen.findByRole('textbox', { name: 'メモ' });
    const put = db.meta.put.bind(db.meta);
    // Full storage, as IndexedDB reports it, for draft rows only.
    db.meta.put = ((row: { key: string; value: unknown }) =>
      row.key.startsWith('draft:') ? Promise.reject(new DOMException('full', 'QuotaExceededError')) : put(row)) as typeof db.meta.put;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    fireEvent.input(box, { target: { value: '保存できないメモ' } });
    await screen.findByText(/下書きをこの端末に保存できませんでした/);
    expect(screen.queryByText(/この端末に保存済み/)).toBeNull();
    db.meta.put = put;
    fireEvent.input(box, { target: { value: '保存できないメモ。' } });
    await screen.findByText(/この端末に保存済み/);
    errors.mockRestore();
  });

  it('discards a メモ draft when the person presses 破棄', async () => {
    db = await dbWithFixturePlan();
    showItem(db);
    fireEvent.input(await screen.findByRole('textbox', { name: 'メモ' }), { target: { value: 'やめておく' } });
    fireEvent.click(await screen.findByRole('button', { name: 'メモの下書きを破棄' }));
    await waitFor(() => expect((screen.getByRole('textbox', { name: 'メモ' }) as HTMLTextAreaElement).value).toBe(''));
    await waitFor(async () => expect(await readDraft(db!, `note:${ITEM}`)).toBeNull());
    cleanup();
    showItem(db);
    await screen.findByRole('textbox', { name: 'メモ' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((screen.getByRole('textbox', { name: 'メモ' }) as HTMLTextAreaElement).value).toBe('');
  });

  it('keeps a KPI actual being entered across the page going away, until it is saved', async () => {
    db = await dbWithFixturePlan();
    showKpis(db);
    let detail = await openKpi(MAIL);
    fireEvent.change(detail.getByRole('combobox', { name: '時点' }), { target: { value: '2024-08' } });
    fireEvent.input(detail.getByRole('textbox', { name: '実績' }), { target: { value: '97.5' } });
    await waitFor(async () => expect((await readDraft(db!, `measurement:${ref('k-mail')}`))?.fields).toBeTruthy());
    cleanup();

    showKpis(db);
    detail = await openKpi(MAIL);
    await waitFor(() => expect((detail.getByRole('textbox', { name: '実績' }) as HTMLInputElement).value).toBe('97.5'));
    expect((detail.getByRole('combobox', { name: '時点' }) as HTMLSelectElement).value).toBe('2024-08');
    expect(detail.getByRole('button', { name: '実績の下書きを破棄' })).toBeTruthy();
    fireEvent.click(detail.getByRole('button', { name: '保存' }));
    await waitFor(() => expect(detail.getByRole('status').textContent).toContain('の実績 97.5% を保存しました。'));
    expect(detail.queryByRole('button', { name: '実績の下書きを破棄' })).toBeNull();
  });
});
