// Walking the plan from the item screen: 前の項目 / 次の項目 through the items the plan screen's
// filter shows (named with the item's label), keeping what is typed; a sideways swipe does the
// same but not from a text field; ← goes back to the plan screen with its filter; and / opens the
// only plan while /plans always lists.
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { progressId } from '../../src/model/schemas';
import { EMPTY_FILTER, type ItemFilter } from '../../src/model/plan-tree';
import { App } from '../../src/ui/app';
import { navigate, paths } from '../../src/ui/router';
import good from '../fixtures/plan-file-good.json';
import { dbWithFixturePlan, importPlanFixture, PLAN_ID, ref } from './plan-fixture';

const GYOMU: ItemFilter = { ...EMPTY_FILTER, groups: ['業務'] };
const walkNav = () => screen.findByRole('navigation', { name: '項目の移動' });
const here = () => location.pathname + location.search;

async function openItem(itemRef: string, filter: ItemFilter) {
  const db = await dbWithFixturePlan();
  history.replaceState(null, '', paths.item(PLAN_ID, ref(itemRef), '2024-H1', filter));
  render(<App db={db} />);
  await screen.findByRole('radiogroup', { name: '評価' });
  return db;
}

describe('前の項目 / 次の項目', () => {
  it('walks the items of the filter in plan order, named with their labels', async () => {
    await openItem('p1-2-1', GYOMU);
    const next = await within(await walkNav()).findByRole('link', { name: '次の項目 ② 現金給付等の申請に係る郵送化の促進' });
    expect(within(await walkNav()).queryByRole('link', { name: /前の項目/ })).toBeNull();
    expect((await walkNav()).textContent).toContain('1 / 2件');
    fireEvent.click(next);
    await waitFor(() => expect(here()).toBe(paths.item(PLAN_ID, ref('p1-2-2'), '2024-H1', GYOMU)));
    expect(await within(await walkNav()).findByRole('link', { name: '前の項目 ① サービススタンダードの遵守' })).toBeTruthy();
    // 業務 has no third item: the 保健 item is not walked to.
    expect(within(await walkNav()).queryByRole('link', { name: /次の項目/ })).toBeNull();
    expect((await walkNav()).textContent).toContain('2 / 2件');
  });

  it('keeps the place of an item that left the mark filter', async () => {
    await openItem('p1-2-1', { ...EMPTY_FILTER, evaluations: ['△', '未評価'] });
    // ① is ○ (not in the filter) yet its neighbours are found by its place in the plan.
    expect(await within(await walkNav()).findByRole('link', { name: /^次の項目 ② / })).toBeTruthy();
  });

  it('walks the items a search finds, best first', async () => {
    // した: ① サービススタンダード by its 実施状況, then the 健康宣言 item by its note.
    await openItem('p1-2-1', { ...EMPTY_FILTER, query: 'した' });
    expect(await within(await walkNav()).findByRole('link', { name: /^次の項目 ① 健康宣言事業所の拡大/ })).toBeTruthy();
    expect((await walkNav()).textContent).toContain('前の項目なし');
    expect((await walkNav()).textContent).toContain('1 / 2件');
  });

  it('writes what is being typed before walking on', async () => {
    const db = await openItem('p1-2-1', GYOMU);
    const done = screen.getByRole('textbox', { name: '実施状況' }) as HTMLTextAreaElement;
    fireEvent.input(done, { target: { value: `${done.value}（会議で追記）` } });
    fireEvent.click(await within(await walkNav()).findByRole('link', { name: /^次の項目/ }));
    await waitFor(() => expect(here()).toBe(paths.item(PLAN_ID, ref('p1-2-2'), '2024-H1', GYOMU)));
    expect((await db.progress.get(progressId(ref('p1-2-1'), '2024-H1')))?.done).toMatch(/（会議で追記）$/);
  });

  it('follows a sideways swipe, but not one that starts in a text field or runs mostly down', async () => {
    await openItem('p1-2-1', GYOMU);
    await within(await walkNav()).findByRole('link', { name: /^次の項目/ });
    const page = document.querySelector('.item-page')!;
    const swipe = (target: Element, dx: number, dy: number) => {
      fireEvent.pointerDown(target, { pointerType: 'touch', isPrimary: true, pointerId: 1, clientX: 300, clientY: 300 });
      fireEvent.pointerUp(target, { pointerType: 'touch', isPrimary: true, pointerId: 1, clientX: 300 + dx, clientY: 300 + dy });
    };
    swipe(screen.getByRole('textbox', { name: '実施状況' }), -200, 0);
    swipe(page, -100, 120);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(here()).toBe(paths.item(PLAN_ID, ref('p1-2-1'), '2024-H1', GYOMU));
    swipe(page, -200, 10);
    await waitFor(() => expect(here()).toBe(paths.item(PLAN_ID, ref('p1-2-2'), '2024-H1', GYOMU)));
    await within(await walkNav()).findByRole('link', { name: /^前の項目/ });
    swipe(document.querySelector('.item-page')!, 200, 0);
    await waitFor(() => expect(here()).toBe(paths.item(PLAN_ID, ref('p1-2-1'), '2024-H1', GYOMU)));
  });
});

describe('← back to the plan', () => {
  it('opens the plan screen with the filter the item was opened with', async () => {
    await openItem('p1-2-2', GYOMU);
    const back = within(screen.getByRole('navigation', { name: 'パンくず' })).getByRole('link', { name: /令和6年度 東京支部事業計画/ });
    expect(back.getAttribute('href')).toBe(paths.plan(PLAN_ID, '2024-H1', GYOMU));
    fireEvent.click(back);
    await screen.findByRole('heading', { name: '令和6年度 東京支部事業計画', level: 1 });
    expect((screen.getByRole('combobox', { name: '担当グループ' }) as HTMLSelectElement).value).toBe('業務');
    expect(await screen.findByText('2件 / 全3件を表示')).toBeTruthy();
  });

  it('goes back in history when the item was opened from that plan screen', async () => {
    const db = await dbWithFixturePlan();
    history.replaceState(null, '', paths.plan(PLAN_ID, '2024-H1', GYOMU));
    render(<App db={db} />);
    fireEvent.click(await screen.findByRole('link', { name: /郵送化の促進/ }));
    await screen.findByRole('radiogroup', { name: '評価' });
    const before = history.length;
    fireEvent.click(within(screen.getByRole('navigation', { name: 'パンくず' })).getByRole('link'));
    await screen.findByRole('heading', { name: '令和6年度 東京支部事業計画', level: 1 });
    expect(here()).toBe(paths.plan(PLAN_ID, '2024-H1', GYOMU));
    // Back, not a new entry: the browser's back button then does not return to the item.
    expect(history.length).toBe(before);
  });
});

describe('the start of the app', () => {
  it('opens the only plan directly', async () => {
    render(<App db={await dbWithFixturePlan()} />);
    expect(await screen.findByRole('heading', { name: '令和6年度 東京支部事業計画', level: 1 })).toBeTruthy();
    expect(location.pathname).toBe(paths.plan(PLAN_ID));
  });

  it('lists the plans when asked to, even with only one', async () => {
    history.replaceState(null, '', paths.plans());
    render(<App db={await dbWithFixturePlan()} />);
    expect(await screen.findByRole('link', { name: /令和6年度 東京支部事業計画/ })).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(screen.getByRole('heading', { name: '事業計画の一覧' })).toBeTruthy();
    expect(location.pathname).toBe('/plans');
  });

  it('lists the plans when there are several', async () => {
    const db = await dbWithFixturePlan();
    await importPlanFixture(db, { ...good, plan: { ...good.plan, title: 'もう一つの計画' } });
    render(<App db={db} />);
    expect(await screen.findByRole('link', { name: /もう一つの計画/ })).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(location.pathname).toBe('/');
  });

  it('from a plan, the list of plans is one tap away', async () => {
    render(<App db={await dbWithFixturePlan()} />);
    await screen.findByRole('heading', { name: '令和6年度 東京支部事業計画', level: 1 });
    act(() => navigate(paths.plans()));
    expect(await screen.findByRole('heading', { name: '事業計画の一覧' })).toBeTruthy();
  });
});
