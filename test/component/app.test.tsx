// The app shell: the always-visible status (pending edits), storage trouble banners, and the
// update prompt, which writes what is being typed before the new version takes over.
import { act, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { progressId } from '../../src/model/schemas';
import { readDraft } from '../../src/db/drafts';
import { App } from '../../src/ui/app';
import { navigate, paths } from '../../src/ui/router';
import { dbWithFixturePlan, PLAN_ID, ref } from './plan-fixture';

describe('App', () => {
  it('lists the plans and counts the edits waiting to sync', async () => {
    history.replaceState(null, '', '/plans');
    const db = await dbWithFixturePlan();
    render(<App db={db} />);
    expect(await screen.findByRole('link', { name: /令和6年度 東京支部事業計画/ })).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('pending-count').textContent).toContain('未同期 0件'));
  });

  it('says on screen when this device’s data cannot be read, instead of loading forever', async () => {
    const db = await dbWithFixturePlan();
    history.replaceState(null, '', '/');
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // A read the browser refuses (e.g. a corrupt store): every list of plans fails.
    vi.spyOn(db.plans, 'toArray').mockRejectedValue(new Error('UnknownError: the store cannot be read'));
    try {
      render(<App db={db} />);
      const alert = await screen.findByRole('alert');
      expect(alert.textContent).toContain('この端末のデータを読み込めませんでした。再読み込みしてください。（UnknownError: the store cannot be read）');
      expect(screen.getByRole('button', { name: '再読み込み' })).toBeTruthy();
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('applies an update only after what is being typed is saved', async () => {
    const db = await dbWithFixturePlan();
    history.replaceState(null, '', `/plans/${PLAN_ID}/items/${encodeURIComponent(ref('p2-5-1'))}?period=2024-H1`);
    let offerUpdate: ((apply: () => void) => void) | undefined;
    const savedWhenApplied: Promise<string | undefined>[] = [];
    render(<App db={db} subscribeUpdate={(onReady) => (offerUpdate = onReady)} />);
    const done = await screen.findByRole('textbox', { name: '実施状況' });
    act(() => offerUpdate!(() => savedWhenApplied.push(db.progress.get(progressId(ref('p2-5-1'), '2024-H1')).then((p) => p?.done))));
    fireEvent.input(done, { target: { value: '更新直前の入力' } });
    fireEvent.click(await screen.findByRole('button', { name: '更新する' }));
    await waitFor(() => expect(savedWhenApplied).toHaveLength(1));
    expect(await savedWhenApplied[0]).toBe('更新直前の入力');
    await waitFor(() => expect(screen.getByTestId('pending-count').textContent).toContain('未同期 1件'));
  });

  it('applies an update only after a メモ being written is kept as a draft', async () => {
    const db = await dbWithFixturePlan();
    history.replaceState(null, '', `/plans/${PLAN_ID}/items/${encodeURIComponent(ref('p2-5-1'))}?period=2024-H1`);
    let offerUpdate: ((apply: () => void) => void) | undefined;
    const draftWhenApplied: Promise<string | undefined>[] = [];
    render(<App db={db} subscribeUpdate={(onReady) => (offerUpdate = onReady)} />);
    const note = await screen.findByRole('textbox', { name: 'メモ' });
    act(() => offerUpdate!(() => draftWhenApplied.push(readDraft(db, `note:${ref('p2-5-1')}`).then((d) => d?.fields.text))));
    for (const text of ['訪', '訪問', '訪問で説', '訪問で説明した']) fireEvent.input(note, { target: { value: text } });
    fireEvent.click(await screen.findByRole('button', { name: '更新する' }));
    await waitFor(() => expect(draftWhenApplied).toHaveLength(1));
    expect(await draftWhenApplied[0]).toBe('訪問で説明した');
  });

  it('from one item straight to another carries no typed text over: each item keeps its own', async () => {
    const db = await dbWithFixturePlan();
    const [a, b] = [ref('p2-5-1'), ref('p1-2-2')];
    history.replaceState(null, '', paths.item(PLAN_ID, a, '2024-H1'));
    render(<App db={db} />);
    fireEvent.input(await screen.findByRole('textbox', { name: 'メモ' }), { target: { value: '項目Aのメモ' } });
    const doneOfA = await screen.findByRole('textbox', { name: '実施状況' });
    fireEvent.input(doneOfA, { target: { value: `${(doneOfA as HTMLTextAreaElement).value}（A に追記）` } });
    await screen.findByText(/この端末に保存済み/);
    const storedB = (await db.progress.get(progressId(b, '2024-H1')))?.done ?? '';
    act(() => navigate(paths.item(PLAN_ID, b, '2024-H1')));
    await waitFor(() => expect((screen.getByRole('textbox', { name: '実施状況' }) as HTMLTextAreaElement).value).toBe(storedB));
    expect(((await screen.findByRole('textbox', { name: 'メモ' })) as HTMLTextAreaElement).value).toBe('');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await db.progress.get(progressId(b, '2024-H1')))?.done ?? '').toBe(storedB);
    expect((await readDraft(db, `note:${a}`))?.fields.text).toBe('項目Aのメモ');
    expect(await readDraft(db, `note:${b}`)).toBeNull();
    await waitFor(async () => expect((await db.progress.get(progressId(a, '2024-H1')))?.done).toContain('（A に追記）'));
  });

  it('asks for a reload when another tab upgraded the database', async () => {
    const db = await dbWithFixturePlan();
    render(<App db={db} />);
    act(() => db.health.set({ state: 'upgrade', code: 'db.upgrade' }));
    expect((await screen.findByRole('alert')).textContent).toContain('新しいバージョンが別のタブで開かれました。再読み込みしてください。');
    expect(screen.getByRole('button', { name: '再読み込み' })).toBeTruthy();
  });

  it('offers to reconnect after the connection was lost', async () => {
    history.replaceState(null, '', '/plans');
    const db = await dbWithFixturePlan();
    render(<App db={db} />);
    await screen.findByRole('link', { name: /令和6年度 東京支部事業計画/ });
    act(() => db.close({ disableAutoOpen: true }));
    expect((await screen.findByRole('alert')).textContent).toContain('データベースとの接続が切れました。再接続してください。');
    fireEvent.click(screen.getByRole('button', { name: '再接続' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(db.isOpen()).toBe(true);
  });
});
