// A plan pasted as text: read, reviewed line by line (a line's kind changed by the person), and
// made a plan only on confirm, into the admin's branch; the pasted text survives a reload.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext } from '../../src/ui/data/hooks';
import { SyncContext } from '../../src/ui/data/sync-context';
import { TextImportPage } from '../../src/ui/text-import-page';
import { FakeSyncEngine, session } from './fake-sync-engine';
import { dbWithFixturePlan, discardDb } from './plan-fixture';

const TEXT = [
  '令和7年度静岡支部事業計画（案）',
  '基盤的保険者機能の盤石化',
  '（業務グループ）',
  '（１）業務処理体制の強化と意識改革の徹底',
  '・ マイナンバーカードと健康保険証の一体化及び電子申請等の導入に即した事務処理体制を構築する。',
  '・ 業務量の多寡や優先度に対応するため、すべての職員の多能化を進める。',
  '（２）サービス水準の向上',
  '・ すべての申請について、迅速な業務処理を徹底する。',
  'KPI',
  '指標 令和7年度KPI 令和6年度KPI 現状',
  '①サービススタンダード達成状況 100％ 100％ １００％（R6.１０末）',
  '8',
].join('\n');

let db: TrackerDb;

beforeEach(async () => {
  db = await dbWithFixturePlan();
  history.replaceState(null, '', '/import/text');
});

afterEach(() => discardDb(db));

function renderPage(engine: FakeSyncEngine | null = new FakeSyncEngine({ session: session('admin', 'branch-shizuoka') })) {
  return render(
    <DbContext.Provider value={db}>
      <SyncContext.Provider value={engine}>
        <TextImportPage />
      </SyncContext.Provider>
    </DbContext.Provider>,
  );
}

async function pasteAndRead(text = TEXT) {
  fireEvent.input(await screen.findByRole('textbox', { name: '計画の文章' }), { target: { value: text } });
  fireEvent.click(screen.getByRole('button', { name: '読み取る' }));
  return screen.findByRole('table', { name: /読み取った行/ });
}

const counts = () => screen.getByRole('status').textContent;

describe('TextImportPage', () => {
  it('shows what every line became, with why, and writes nothing before the person confirms', async () => {
    renderPage();
    const table = within(await pasteAndRead());
    expect(counts()).toBe('柱 1・節 2・項目 3・KPI 1');
    expect((table.getByRole('combobox', { name: '4行目の種類' }) as HTMLSelectElement).value).toBe('section');
    expect((table.getByRole('textbox', { name: '4行目の番号' }) as HTMLInputElement).value).toBe('（１）');
    expect(table.getByText('「（１）」で始まるため節')).toBeTruthy();
    expect((table.getByRole('combobox', { name: '12行目の種類' }) as HTMLSelectElement).value).toBe('ignore');
    expect(table.getByText('ページ番号')).toBeTruthy();
    // The plan's name and year come from the title line, shown until the person types their own.
    expect((screen.getByRole('textbox', { name: '支部' }) as HTMLInputElement).placeholder).toBe('静岡支部');
    expect((screen.getByRole('textbox', { name: '見出し' }) as HTMLInputElement).placeholder).toBe('令和7年度静岡支部事業計画');
    expect(screen.getByText('令和7年度（2025年度）')).toBeTruthy();
    expect(await db.plans.count()).toBe(1);
    expect(await db.outbox.count()).toBe(0);
  });

  it('changes the plan when the person changes a line’s kind or label', async () => {
    renderPage();
    const table = within(await pasteAndRead());
    // The second bullet is meant as a heading of its own: its item moves under it.
    fireEvent.change(table.getByRole('combobox', { name: '6行目の種類' }), { target: { value: 'section' } });
    await waitFor(() => expect(counts()).toBe('柱 1・節 3・項目 2・KPI 1'));
    fireEvent.change(table.getByRole('combobox', { name: '11行目の種類' }), { target: { value: 'ignore' } });
    await waitFor(() => expect(counts()).toBe('柱 1・節 3・項目 2・KPI 0'));
  });

  it('makes an ordinary plan in the admin’s branch on confirm, and opens it', async () => {
    renderPage();
    const table = within(await pasteAndRead());
    fireEvent.input(table.getByRole('textbox', { name: '8行目の番号' }), { target: { value: '①' } });
    // A PDF's line break left a word broken: the person fixes the item's words before confirming.
    fireEvent.click(table.getByRole('button', { name: '5行目の文言を直す' }));
    fireEvent.input(table.getByRole('textbox', { name: '5行目の文言' }), { target: { value: 'マイナ保険証の利用を促進する。' } });
    fireEvent.click(screen.getByRole('button', { name: 'この内容で計画を作成' }));
    await waitFor(async () => expect(await db.plans.count()).toBe(2));
    const plan = (await db.plans.toArray()).find((p) => p.title === '令和7年度静岡支部事業計画')!;
    expect(plan).toMatchObject({ branch: '静岡支部', fiscalYear: 2025, status: '案', branchId: 'branch-shizuoka' });
    const items = await db.items.where('planId').equals(plan.id).toArray();
    expect(items.map((i) => i.label).sort()).toEqual(['', '', '①']);
    expect(items.map((i) => i.text)).toContain('マイナ保険証の利用を促進する。');
    const sections = await db.sections.where('planId').equals(plan.id).toArray();
    expect(sections.find((s) => s.label === '（１）')?.group).toBe('業務');
    const [kpi] = await db.kpis.where('planId').equals(plan.id).toArray();
    expect(kpi).toMatchObject({ number: '①', baseline: { value: 100, month: '2024-10' }, previousTarget: { kind: 'value', value: 100 } });
    await waitFor(() => expect(location.pathname).toBe(`/plans/${encodeURIComponent(plan.id)}`));
    expect((await db.outbox.toArray()).some((e) => e.table === 'plans')).toBe(true);
  });

  it('keeps the pasted text and the review through a reload', async () => {
    renderPage();
    const table = within(await pasteAndRead());
    fireEvent.change(table.getByRole('combobox', { name: '6行目の種類' }), { target: { value: 'section' } });
    await waitFor(() => expect(counts()).toBe('柱 1・節 3・項目 2・KPI 1'));
    await new Promise((r) => setTimeout(r, 50));
    cleanup();
    renderPage();
    expect(await screen.findByRole('table', { name: /読み取った行/ })).toBeTruthy();
    await waitFor(() => expect(counts()).toBe('柱 1・節 3・項目 2・KPI 1'));
  });

  it('reads a year written in 和暦, and says so when a year cannot be read', async () => {
    renderPage();
    await pasteAndRead();
    const year = screen.getByRole('textbox', { name: '年度' });
    fireEvent.input(year, { target: { value: '令和8' } });
    expect(await screen.findByText('令和8年度（2026年度）')).toBeTruthy();
    fireEvent.input(year, { target: { value: 'R8年度' } });
    expect(await screen.findByText('令和8年度（2026年度）')).toBeTruthy();
    fireEvent.input(year, { target: { value: '来年' } });
    expect(await screen.findByText('年度は 2025 や 令和7 のように入力してください')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'この内容で計画を作成' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('warns that changing the text drops the choices made on its lines', async () => {
    renderPage();
    const table = within(await pasteAndRead());
    fireEvent.change(table.getByRole('combobox', { name: '6行目の種類' }), { target: { value: 'section' } });
    fireEvent.click(screen.getByRole('button', { name: '文章に戻る' }));
    expect(await screen.findByText('文章を変えると、読み取ったあとに直した種類・番号（1行）は取り消されます。')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: '読み取る' }));
    await waitFor(() => expect(counts()).toBe('柱 1・節 3・項目 2・KPI 1'));
  });

  it('opens a draft whose changes were tampered with as one without changes, never a broken screen', async () => {
    const { saveDraft } = await import('../../src/db/drafts');
    await saveDraft(db, 'text-import', {
      text: TEXT,
      edits: JSON.stringify({ 5: { label: 123 }, x: { kind: 'bogus' } }),
      branch: '',
      fiscalYear: '',
      title: '',
      periodKind: 'half',
      stage: 'review',
    });
    renderPage();
    expect(await screen.findByRole('table', { name: /読み取った行/ })).toBeTruthy();
    expect(counts()).toBe('柱 1・節 2・項目 3・KPI 1');
  });

  it('tells a lead that only admins import, and offers nothing', async () => {
    renderPage(new FakeSyncEngine({ session: session('lead') }));
    expect(await screen.findByText('計画の読み込みは支部の管理者が行います。')).toBeTruthy();
    expect(screen.queryByRole('textbox', { name: '計画の文章' })).toBeNull();
  });

  it('lists the lines it could not place, and the person may still confirm', async () => {
    renderPage();
    // An item after the title but before any heading has nowhere to go.
    await pasteAndRead(TEXT.replace('（案）\n', '（案）\n・ 見出しより前の項目\n'));
    const unplaced = within(await screen.findByRole('region', { name: /計画に入らなかった行/ }));
    expect(unplaced.getByRole('link', { name: '2行目' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'この内容で計画を作成' }));
    await waitFor(async () => expect(await db.plans.count()).toBe(2));
  });
});
