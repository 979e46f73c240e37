// The KPI form of the structure screen on its own, on a real (in-memory) database: the target's
// fields follow its kind, a target it cannot make is refused with the reason, and an edit is
// written through the repository.
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TrackerDb } from '../../../src/db/database';
import type { Kpi } from '../../../src/model/schemas';
import { DbContext } from '../../../src/ui/data/hooks';
import type { Ctx } from '../../../src/ui/structure/editor-context';
import { KpiForm } from '../../../src/ui/structure/kpi-form';
import { dbWithFixturePlan, discardDb, PLAN_ID, ref } from '../plan-fixture';

let db: TrackerDb;

beforeEach(async () => {
  db = await dbWithFixturePlan();
});

afterEach(() => discardDb(db));

/** The form as the page shows it, with the page's context over the fixture plan. */
async function renderForm(kpiRef?: string) {
  const [plan, sections, items, kpis] = await Promise.all([db.plans.get(PLAN_ID), db.sections.toArray(), db.items.toArray(), db.kpis.toArray()]);
  const setEditing = vi.fn();
  const ctx: Ctx = {
    plan: plan!,
    sections,
    items,
    kpis,
    editing: kpiRef ? { kind: 'kpi', id: ref(kpiRef) } : { kind: 'newKpi' },
    setEditing,
    sectionOptions: [{ id: ref('p1-2'), text: '（２） サービス水準の向上' }],
    groups: [],
    run: async (write) => {
      await write();
      return true;
    },
    refuse: vi.fn(),
    remove: vi.fn(),
    move: vi.fn(),
  };
  const kpi = kpiRef ? kpis.find((k) => k.id === ref(kpiRef)) : undefined;
  render(
    <DbContext.Provider value={db}>
      <KpiForm ctx={ctx} kpi={kpi} />
    </DbContext.Provider>,
  );
  return { setEditing };
}

const stored = async (kpiRef: string): Promise<Kpi | undefined> => db.kpis.get(ref(kpiRef));

describe('KpiForm', () => {
  it('shows a KPI’s 対前年度 target with last year’s value and its direction', async () => {
    await renderForm('k-mail');
    expect(screen.getByRole('form', { name: 'KPIの編集' })).toBeTruthy();
    expect((screen.getByRole('combobox', { name: '目標の種類' }) as HTMLSelectElement).value).toBe('previousYear');
    expect((screen.getByRole('textbox', { name: '前年度の値' }) as HTMLInputElement).value).toBe('98.4');
    expect(screen.getByRole('group', { name: '方向' })).toBeTruthy();
    expect((screen.getByRole('radio', { name: '以上' }) as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByRole('textbox', { name: '目標値' })).toBeNull();
  });

  it('turns a target into words: asks for them, then saves them and closes', async () => {
    const { setEditing } = await renderForm('k-mail');
    fireEvent.change(screen.getByRole('combobox', { name: '目標の種類' }), { target: { value: 'qualitative' } });
    expect(screen.queryByRole('textbox', { name: '前年度の値' })).toBeNull();
    expect(screen.queryByRole('group', { name: '方向' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: '保存' }));
    expect((await screen.findByRole('alert')).textContent).toBe('目標の文言を入力してください。');
    expect(await db.outbox.count()).toBe(0);

    fireEvent.input(screen.getByRole('textbox', { name: '目標の文言' }), { target: { value: '郵送化を案内する' } });
    fireEvent.click(screen.getByRole('button', { name: '保存' }));
    await waitFor(() => expect(setEditing).toHaveBeenCalledWith(null));
    expect((await stored('k-mail'))?.target).toEqual({ kind: 'qualitative', text: '郵送化を案内する' });
  });

  it('saves 対前年度 without last year’s value when it is left empty', async () => {
    await renderForm('k-mail');
    fireEvent.input(screen.getByRole('textbox', { name: '前年度の値' }), { target: { value: '' } });
    fireEvent.click(screen.getByRole('radio', { name: '以下' }));
    fireEvent.click(screen.getByRole('button', { name: '保存' }));
    await waitFor(async () => expect((await stored('k-mail'))?.target).toEqual({ kind: 'previousYear', previousValue: null, direction: '以下' }));
  });

  it('refuses a KPI without a name and marks the name', async () => {
    await renderForm();
    const name = screen.getByRole('textbox', { name: '指標名' });
    fireEvent.input(screen.getByRole('textbox', { name: '目標値' }), { target: { value: '50' } });
    fireEvent.click(screen.getByRole('button', { name: '保存' }));
    expect((await screen.findByRole('alert')).textContent).toBe('指標名を入力してください。');
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(await db.outbox.count()).toBe(0);
  });

  it('closes on キャンセル and writes nothing', async () => {
    const { setEditing } = await renderForm('k-service');
    fireEvent.input(screen.getByRole('textbox', { name: '目標値' }), { target: { value: '90' } });
    fireEvent.click(screen.getByRole('button', { name: 'キャンセル' }));
    expect(setEditing).toHaveBeenCalledWith(null);
    expect(await db.outbox.count()).toBe(0);
    expect((await stored('k-service'))?.target).toEqual({ kind: 'value', value: 100, direction: '以上' });
  });
});
