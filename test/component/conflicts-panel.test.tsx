// Conflicts as a person sees them: a badge on the item in the plan tree, and on the item screen
// both values with who and when, where a lead keeps one or writes a merge — which writes the
// field and the resolution (two outbox entries) and clears the conflict. Staff see the values
// but leave the decision to a lead. The engine (for the session's role) is the small fake of
// fake-sync-engine.ts.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import type { ComponentChildren } from 'preact';
import { describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext, SessionNameContext } from '../../src/ui/data/hooks';
import { resolveConflict } from '../../src/sync/edits';
import { progressId, type Conflict } from '../../src/model/schemas';
import type { Role } from '../../src/model/protocol';
import { ItemPage } from '../../src/ui/item-page';
import { PlanPage } from '../../src/ui/plan-page';
import { SyncContext } from '../../src/ui/data/sync-context';
import { FakeSyncEngine, session } from './fake-sync-engine';
import { dbWithFixturePlan, PLAN_ID, ref } from './plan-fixture';

const ITEM = ref('p1-2-2');
const RECORD = progressId(ITEM, '2024-H1');
const SERVER_TEXT = '窓口来訪者に郵送での申請を案内した。';
const CLIENT_TEXT = '事業所あてに郵送化の案内文を送付した。';

/** A conflict as the server sends it; the local record already holds the server's value. */
async function seedConflict(db: TrackerDb, patch: Partial<Conflict> = {}): Promise<Conflict> {
  const conflict: Conflict = {
    id: 'conflict-1',
    planId: PLAN_ID,
    table: 'progress',
    recordId: RECORD,
    itemId: ITEM,
    field: 'done',
    baseValue: '郵送化率は98.2%（令和6年6月時点）で、前年度を下回っている。',
    serverValue: SERVER_TEXT,
    serverBy: '田中',
    serverAt: new Date(2026, 10, 20, 9, 5).toISOString(),
    clientValue: CLIENT_TEXT,
    clientBy: '山本',
    clientAt: new Date(2026, 10, 20, 9, 10).toISOString(),
    resolved: false,
    updatedAt: new Date(2026, 10, 20, 9, 11).toISOString(),
    updatedBy: 'server',
    ...patch,
  };
  await db.conflicts.put(conflict);
  await db.progress.update(conflict.recordId, { [conflict.field]: conflict.serverValue });
  return conflict;
}

function withProviders(db: TrackerDb, children: ComponentChildren, role?: Role) {
  const login = role ? session(role, 'branch-tokyo') : null;
  const engine = login ? new FakeSyncEngine({ session: login }) : null;
  // As the app shell does: the signed-in person's name is the one they write (and are) under.
  return (
    <DbContext.Provider value={db}>
      <SessionNameContext.Provider value={login?.user.name ?? null}>
        <SyncContext.Provider value={engine}>{children}</SyncContext.Provider>
      </SessionNameContext.Provider>
    </DbContext.Provider>
  );
}

const renderItem = (db: TrackerDb, role?: Role) => render(withProviders(db, <ItemPage planId={PLAN_ID} itemId={ITEM} periodId="2024-H1" />, role));

describe('conflicts', () => {
  it('keeps a merge being written as a draft when the page goes away, until it is discarded', async () => {
    const db = await dbWithFixturePlan();
    await seedConflict(db);
    renderItem(db);
    const box = await screen.findByRole('textbox', { name: '統合した内容' });
    fireEvent.input(box, { target: { value: '両方の内容をまとめた文章' } });
    await screen.findByRole('button', { name: '統合した内容の下書きを破棄' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    cleanup();
    renderItem(db);
    await waitFor(async () =>
      expect(((await screen.findByRole('textbox', { name: '統合した内容' })) as HTMLTextAreaElement).value).toBe('両方の内容をまとめた文章'),
    );
    fireEvent.click(screen.getByRole('button', { name: '統合した内容の下書きを破棄' }));
    await waitFor(() => expect((screen.getByRole('textbox', { name: '統合した内容' }) as HTMLTextAreaElement).value).not.toBe('両方の内容をまとめた文章'));
    expect(screen.queryByRole('button', { name: '統合した内容の下書きを破棄' })).toBeNull();
  });

  it('marks the items with unresolved conflicts on the plan screen', async () => {
    const db = await dbWithFixturePlan();
    await seedConflict(db);
    await seedConflict(db, { id: 'conflict-2', field: 'next', serverValue: '次の予定（サーバー）', clientValue: '次の予定（端末）' });
    await seedConflict(db, { id: 'settled', itemId: ref('p1-2-1'), recordId: progressId(ref('p1-2-1'), '2024-H1'), resolved: true });
    render(withProviders(db, <PlanPage planId={PLAN_ID} periodId="2024-H1" />));
    const link = await screen.findByRole('link', { name: /郵送化の促進/ });
    await waitFor(() => expect(within(link).getByText(/競合 2件/)).toBeTruthy());
    expect(link.textContent).toContain('競合 2件');
    expect(screen.getByRole('link', { name: /サービススタンダードの遵守/ }).textContent).not.toContain('競合');
  });

  it('shows both values with who and when; keeping the other one writes the field and the resolution, and clears it', async () => {
    const db = await dbWithFixturePlan();
    await seedConflict(db);
    renderItem(db);
    const panel = await screen.findByRole('region', { name: '競合' });
    const card = within(panel).getByRole('article', { name: '上半期（4〜9月）の実施状況' });
    // Each value named by who wrote it and when, never as the server's or "the other" one.
    expect(within(card).getByRole('heading', { name: '田中さん（令和8年11月20日 09:05）の値' }).nextElementSibling!.textContent).toBe(SERVER_TEXT);
    expect(within(card).getByRole('heading', { name: '山本さん（令和8年11月20日 09:10）の値' }).nextElementSibling!.textContent).toBe(CLIENT_TEXT);
    expect(card.textContent).not.toMatch(/サーバーの値|もう一方/);
    expect((screen.getByRole('textbox', { name: '実施状況' }) as HTMLTextAreaElement).value).toBe(SERVER_TEXT);

    fireEvent.click(within(card).getByRole('button', { name: '山本さんの値を採用' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: '競合' })).toBeNull());
    expect((await db.progress.get(RECORD))?.done).toBe(CLIENT_TEXT);
    expect((await db.conflicts.get('conflict-1'))?.resolved).toBe(true);
    const outbox = await db.outbox.toArray();
    expect(outbox).toHaveLength(2);
    expect(outbox).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ table: 'progress', recordId: RECORD, changes: { done: CLIENT_TEXT }, base: { done: SERVER_TEXT }, create: null }),
        expect.objectContaining({
          table: 'conflicts',
          recordId: 'conflict-1',
          planId: PLAN_ID,
          changes: { resolved: true },
          base: { resolved: false },
          create: null,
        }),
      ]),
    );
    await waitFor(() => expect((screen.getByRole('textbox', { name: '実施状況' }) as HTMLTextAreaElement).value).toBe(CLIENT_TEXT));
  });

  it('offers a lead of the branch a merge of both texts, saved as written', async () => {
    const db = await dbWithFixturePlan();
    await db.plans.update(PLAN_ID, { branchId: 'branch-tokyo' });
    await seedConflict(db);
    renderItem(db, 'lead');
    const merge = (await screen.findByRole('textbox', { name: '統合した内容' })) as HTMLTextAreaElement;
    expect(merge.value).toBe(`${SERVER_TEXT}\n${CLIENT_TEXT}`);
    fireEvent.input(merge, { target: { value: `${SERVER_TEXT}また、${CLIENT_TEXT}` } });
    fireEvent.click(screen.getByRole('button', { name: '統合して保存' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: '競合' })).toBeNull());
    expect((await db.progress.get(RECORD))?.done).toBe(`${SERVER_TEXT}また、${CLIENT_TEXT}`);
    expect(await db.outbox.count()).toBe(2);
  });

  it('keeps the server’s mark: only the resolution is sent, and marks have no merge', async () => {
    const db = await dbWithFixturePlan();
    await seedConflict(db, { field: 'evaluation', baseValue: '△', serverValue: '○', clientValue: '－' });
    renderItem(db);
    const card = await screen.findByRole('article', { name: '上半期（4〜9月）の評価' });
    expect(within(card).getByText('○')).toBeTruthy();
    expect(within(card).getByText('－')).toBeTruthy();
    expect(within(card).queryByRole('textbox')).toBeNull();
    fireEvent.click(within(card).getByRole('button', { name: '田中さんの値を採用' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: '競合' })).toBeNull());
    const outbox = await db.outbox.toArray();
    expect(outbox).toEqual([expect.objectContaining({ table: 'conflicts', changes: { resolved: true } })]);
    expect((await db.progress.get(RECORD))?.evaluation).toBe('○');
  });

  it('lets staff see the values but leaves the decision to a lead of the branch', async () => {
    const db = await dbWithFixturePlan();
    await db.plans.update(PLAN_ID, { branchId: 'branch-tokyo' });
    await seedConflict(db);
    renderItem(db, 'staff');
    const panel = await screen.findByRole('region', { name: '競合' });
    expect(panel.textContent).toContain(CLIENT_TEXT);
    expect(panel.textContent).toContain('解決はこの支部のリーダーまたは管理者が行います');
    expect(within(panel).queryByRole('button')).toBeNull();
  });

  it('writes nothing for a conflict that was resolved meanwhile (e.g. by another lead)', async () => {
    const db = await dbWithFixturePlan();
    const conflict = await seedConflict(db);
    expect(await resolveConflict(db, conflict, CLIENT_TEXT, '佐藤')).toBe(true);
    expect(await resolveConflict(db, conflict, SERVER_TEXT, '鈴木')).toBe(false);
    expect((await db.progress.get(RECORD))?.done).toBe(CLIENT_TEXT);
    expect(await db.outbox.count()).toBe(2);
  });

  it.each<[string, Partial<Conflict>, string[], string[]]>([
    [
      'calls the person looking あなた',
      { clientBy: '佐藤（リーダー）' },
      ['田中さん（令和8年11月20日 09:05）の値', 'あなた（令和8年11月20日 09:10）の値'],
      ['田中さんの値を採用', 'あなたの値を採用'],
    ],
    [
      'tells one person’s two devices apart by the time',
      { serverBy: '山本' },
      ['山本さん（令和8年11月20日 09:05）の値', '山本さん（令和8年11月20日 09:10）の値'],
      ['山本さん（令和8年11月20日 09:05）の値を採用', '山本さん（令和8年11月20日 09:10）の値を採用'],
    ],
    [
      'says so when the server names nobody',
      { serverBy: '' },
      ['記入者不明（令和8年11月20日 09:05）の値', '山本さん（令和8年11月20日 09:10）の値'],
      ['記入者不明の値を採用', '山本さんの値を採用'],
    ],
  ])('names both sides: %s', async (_name, patch, headings, buttons) => {
    const db = await dbWithFixturePlan();
    await db.plans.update(PLAN_ID, { branchId: 'branch-tokyo' });
    await seedConflict(db, patch);
    renderItem(db, 'lead');
    const card = await screen.findByRole('article', { name: '上半期（4〜9月）の実施状況' });
    expect(
      within(card)
        .getAllByRole('heading', { level: 4 })
        .map((h) => h.textContent),
    ).toEqual(headings);
    expect(
      within(card)
        .getAllByRole('button', { name: /を採用$/ })
        .map((b) => b.textContent),
    ).toEqual(buttons);
  });
});
