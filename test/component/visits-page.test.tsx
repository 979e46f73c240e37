// The 訪問記録 screen: visits grouped by month, newest first, filtered by month, employer and staff
// member (the filters in the address), removed visits and plain notes left out, each visit
// linking to its item.
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { noteSchema, type Note } from '../../src/model/schemas';
import { DbContext } from '../../src/ui/data/hooks';
import { parseRoute, paths } from '../../src/ui/router';
import { VisitsPage } from '../../src/ui/visits-page';
import { dbWithFixturePlan, PLAN_ID, ref } from './plan-fixture';

let n = 0;
function note(date: string, author: string, employer: string | null, extra: Partial<Note> = {}): Note {
  n++;
  return noteSchema.parse({
    id: `visit-${n}`,
    planId: PLAN_ID,
    itemId: ref('p2-5-1'),
    date,
    author,
    text: `${employer ?? 'メモ'}の結果 ${date}`,
    createdAt: `${date}T01:00:00.000Z`,
    ...(employer ? { visit: { employer, purposes: ['健康宣言'] } } : {}),
    ...extra,
  });
}

async function seeded(): Promise<TrackerDb> {
  const db = await dbWithFixturePlan();
  await db.notes.bulkPut([
    note('2024-05-10', '佐藤', 'A社'),
    note('2024-06-03', '鈴木', 'B社'),
    note('2024-06-20', '佐藤', 'A社'),
    note('2024-06-21', '佐藤', null),
    note('2024-06-22', '佐藤', 'C社', { deleted: true }),
  ]);
  return db;
}

function renderAt(db: TrackerDb, path: string) {
  const url = new URL(path, 'http://localhost');
  const route = parseRoute(url.pathname, url.search);
  if (route.name !== 'visits') throw new Error(`${path} is not the 訪問記録 screen`);
  return render(
    <DbContext.Provider value={db}>
      <VisitsPage planId={route.planId} filter={route.filter} />
    </DbContext.Provider>,
  );
}

describe('VisitsPage', () => {
  it('lists live visits by month, newest first, with counts', async () => {
    renderAt(await seeded(), paths.visits(PLAN_ID));
    const june = await screen.findByRole('list', { name: '令和6年6月（2024年6月）の訪問' });
    expect(
      within(june)
        .getAllByRole('listitem')
        .map((li) => li.querySelector('.visit-employer')?.textContent),
    ).toEqual(['A社', 'B社']);
    expect(screen.getByRole('list', { name: '令和6年5月（2024年5月）の訪問' })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('3件（2事業所）');
    expect(screen.queryByText('C社')).toBeNull();
    expect(within(june).getAllByRole('link')[0]!.getAttribute('href')).toBe(paths.item(PLAN_ID, ref('p2-5-1')));
  });

  it('filters by employer, month and staff member from the address, and says how many of all', async () => {
    const db = await seeded();
    const first = renderAt(db, paths.visits(PLAN_ID, { month: '2024-06', employer: 'Ａ社', author: '' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('1件（1事業所）／全3件'));
    expect(screen.getByText('A社の結果 2024-06-20')).toBeTruthy();
    first.unmount();
    renderAt(db, paths.visits(PLAN_ID, { month: '', employer: '', author: '鈴木' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('1件（1事業所）／全3件'));
    expect(screen.getByText('B社の結果 2024-06-03')).toBeTruthy();
  });

  it('changes a filter through the address, so a reload keeps it', async () => {
    renderAt(await seeded(), paths.visits(PLAN_ID));
    const employer = await screen.findByRole('combobox', { name: '事業所' });
    expect(
      within(employer)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['すべての事業所', 'A社', 'B社']);
    act(() => {
      fireEvent.change(employer, { target: { value: 'B社' } });
    });
    expect(parseRoute(location.pathname, location.search)).toEqual({ name: 'visits', planId: PLAN_ID, filter: { month: '', employer: 'B社', author: '' } });
  });
});
