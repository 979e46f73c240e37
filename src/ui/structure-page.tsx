// The structure screen, for the people who maintain a plan: its title and reporting period, the
// section tree (柱 › 区分) with its items, and the KPIs. Every change is written at once through
// the repository; deletes are tombstones with 「元に戻す」, and bad input writes nothing. Its
// rows and forms are in src/ui/structure/; this holds what is open, the notice bar and the writes
// the rows share (delete with undo, move among siblings).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useActorName, useDb, usePlanStructure } from './data/hooks';
import { useCanEditStructure } from './data/sync-context';
import { moveRecord, relabelRecords, setDeleted } from '../sync/edits';
import { kpisInPlanOrder } from '../model/kpi-order';
import { buildTree, groupsOf, sectionOptions as optionsOf } from '../model/plan-tree';
import { needsRenumber, renumberLabels } from '../model/relabel';
import type { Item, Kpi, Plan, Section } from '../model/schemas';
import { bothFiscalYear } from '../model/wareki';
import { Link } from './link';
import { paths } from './router';
import { PlanNotFound } from './plan-not-found';
import type { Ctx, DeletableTable, Editing } from './structure/editor-context';
import { KpiForm } from './structure/kpi-form';
import { KpiRow } from './structure/kpi-row';
import { PlanSettings } from './structure/plan-settings';
import { VisitPurposesEditor } from './structure/visit-purposes';
import { SectionBlock } from './structure/section-block';
import { SectionForm } from './structure/section-form';
import './structure-page.css';
import { errorText } from './messages';

export function StructurePage({ planId }: { planId: string }) {
  const structure = usePlanStructure(planId);
  const canEdit = useCanEditStructure(structure.loading ? null : (structure.value?.plan ?? null));
  if (structure.loading) return <p class="page">読み込み中…</p>;
  if (!structure.value || structure.value.plan.deleted) {
    return <PlanNotFound />;
  }
  const { plan, sections, items, kpis } = structure.value;
  if (!canEdit) return <NotForRole plan={plan} />;
  return <StructureEditor plan={plan} sections={sections} items={items} kpis={kpis} />;
}

/** Reached by its address by someone who may not edit: say who can, instead of forms the server would refuse. */
function NotForRole({ plan }: { plan: Plan }) {
  return (
    <section class="page">
      <h1>構成の編集</h1>
      <p>計画の構成（柱・項目・KPI）を変更できるのは、この支部のリーダーと管理者です。</p>
      <p>
        <Link href={paths.plan(plan.id)}>計画に戻る</Link>
      </p>
    </section>
  );
}

/** Siblings' labels by id, in their order: what a renumbering changes, or what its undo puts back. */
type Labels = { id: string; label: string }[];

/**
 * What the bar at the bottom says after a delete (with its undo), after a move that left the
 * numbers out of order (with the offer to renumber), after a renumbering (with its undo), or
 * after a failed change.
 */
type Notice =
  | { kind: 'deleted'; what: string; table: DeletableTable; id: string }
  | { kind: 'renumber'; table: 'sections' | 'items'; before: Labels; after: Labels }
  | { kind: 'renumbered'; table: 'sections' | 'items'; before: Labels }
  | { kind: 'info'; text: string }
  | { kind: 'error'; text: string };

const INFO_NOTICE_MS = 6000;

function StructureEditor({ plan, sections, items, kpis }: { plan: Plan; sections: Section[]; items: Item[]; kpis: Kpi[] }) {
  const db = useDb();
  const actor = useActorName();
  const [editing, setEditing] = useState<Editing>(null);
  const [notice, setNotice] = useState<Notice | null>(null);

  const tree = useMemo(() => buildTree(sections, items), [sections, items]);
  const sectionOptions = useMemo(() => optionsOf(tree), [tree]);
  const groups = useMemo(() => groupsOf(sections, items), [sections, items]);
  const liveKpis = useMemo(() => kpisInPlanOrder(sections, kpis), [sections, kpis]);

  async function run(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (e) {
      setNotice({ kind: 'error', text: `変更を保存できませんでした: ${errorText(e)}` });
      return false;
    }
  }

  const ctx: Ctx = {
    plan,
    sections,
    items,
    kpis,
    editing,
    setEditing: (e) => {
      setEditing(e);
      if (notice?.kind === 'error') setNotice(null);
    },
    sectionOptions,
    groups,
    run,
    refuse: (text) => setNotice({ kind: 'error', text }),
    async remove(table, id, what) {
      if (await run(() => setDeleted(db, table, id, true, actor))) {
        setNotice({ kind: 'deleted', what, table, id });
        setEditing(null);
      }
    },
    async move(table, siblings, index, delta) {
      const target = index + delta;
      if (target < 0 || target >= siblings.length) return;
      const ids = [...siblings];
      [ids[index], ids[target]] = [ids[target]!, ids[index]!];
      if (!(await run(() => moveRecord(db, table, siblings[index]!, ids, actor)))) return;
      // ② now before ①: offer to number the siblings again in their new order.
      const records: readonly (Section | Item)[] = table === 'sections' ? sections : items;
      const before = ids.map((id) => ({ id, label: records.find((r) => r.id === id)?.label ?? '' }));
      const labels = before.map((l) => l.label);
      const next = renumberLabels(labels);
      if (next && needsRenumber(labels)) setNotice({ kind: 'renumber', table, before, after: before.map((l, i) => ({ id: l.id, label: next[i]! })) });
    },
  };

  // A confirmation fades on its own; an undo offer and an error stay until acted on.
  useEffect(() => {
    if (notice?.kind !== 'info') return;
    const timer = setTimeout(() => setNotice(null), INFO_NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);

  async function renumber(n: Extract<Notice, { kind: 'renumber' }>) {
    const changed = n.after.filter((l, i) => l.label !== n.before[i]!.label);
    const before = n.before.filter((l, i) => l.label !== n.after[i]!.label);
    if (await run(() => relabelRecords(db, n.table, changed, actor))) setNotice({ kind: 'renumbered', table: n.table, before });
  }

  async function undoRenumber(n: Extract<Notice, { kind: 'renumbered' }>) {
    if (await run(() => relabelRecords(db, n.table, n.before, actor))) setNotice({ kind: 'info', text: '番号を元に戻しました。' });
  }

  async function undo(n: Extract<Notice, { kind: 'deleted' }>) {
    if (await run(() => setDeleted(db, n.table, n.id, false, actor))) setNotice({ kind: 'info', text: `${n.what}を元に戻しました。` });
  }

  const newRoot = editing?.kind === 'newSection' && editing.parentId === null;
  const newKpi = editing?.kind === 'newKpi';
  return (
    <section class="page structure-page">
      <nav class="breadcrumb" aria-label="パンくず">
        <Link href={paths.plan(plan.id)}>← {plan.title}</Link>
      </nav>
      <h1>
        構成の編集<span class="h1-sub">{plan.title}</span>
      </h1>
      <p class="subtitle">
        {plan.branch}・{bothFiscalYear(plan.fiscalYear)}・変更はすぐにこの端末に保存され、通信できるときに同期されます。
      </p>

      <PlanSettings plan={plan} run={run} />

      <section class="st-block" aria-labelledby="st-tree-heading">
        <h2 id="st-tree-heading">区分と項目</h2>
        {tree.length === 0 && <p class="hint">まだ区分がありません。「柱を追加」から始めてください。</p>}
        <ul class="st-tree">
          {tree.map((node, i) => (
            <SectionBlock key={node.section.id} ctx={ctx} node={node} depth={1} siblings={tree.map((n) => n.section.id)} index={i} />
          ))}
        </ul>
        {newRoot ? (
          <SectionForm ctx={ctx} parentId={null} />
        ) : (
          <button type="button" class="st-add" onClick={() => ctx.setEditing({ kind: 'newSection', parentId: null })}>
            ＋ 柱を追加
          </button>
        )}
      </section>

      <section class="st-block" aria-labelledby="st-kpi-heading">
        <h2 id="st-kpi-heading">KPI</h2>
        {liveKpis.length === 0 && <p class="hint">まだKPIがありません。</p>}
        <ul class="st-list">
          {liveKpis.map((kpi) => (
            <KpiRow key={kpi.id} ctx={ctx} kpi={kpi} />
          ))}
        </ul>
        {newKpi ? (
          <KpiForm ctx={ctx} />
        ) : (
          <button type="button" class="st-add" onClick={() => ctx.setEditing({ kind: 'newKpi' })}>
            ＋ KPIを追加
          </button>
        )}
      </section>

      <VisitPurposesEditor plan={plan} kpis={liveKpis} run={run} />

      <div class="notice-bar" role="status" aria-label="お知らせ">
        {notice?.kind === 'deleted' && (
          <div class="notice">
            <span>{notice.what}を削除しました。</span>
            <button type="button" class="primary" onClick={() => void undo(notice)}>
              元に戻す
            </button>
            <button type="button" class="link-button" onClick={() => setNotice(null)}>
              閉じる
            </button>
          </div>
        )}
        {notice?.kind === 'renumber' && (
          <div class="notice">
            <span>
              番号が並びと合っていません（{notice.before.map((l) => l.label.trim()).join(' ')}）。{notice.after.map((l) => l.label).join(' ')} と振り直せます。
            </span>
            <button type="button" class="primary" onClick={() => void renumber(notice)}>
              番号を振り直す
            </button>
            <button type="button" class="link-button" onClick={() => setNotice(null)}>
              閉じる
            </button>
          </div>
        )}
        {notice?.kind === 'renumbered' && (
          <div class="notice">
            <span>番号を振り直しました。</span>
            <button type="button" class="primary" onClick={() => void undoRenumber(notice)}>
              元に戻す
            </button>
            <button type="button" class="link-button" onClick={() => setNotice(null)}>
              閉じる
            </button>
          </div>
        )}
        {notice?.kind === 'info' && (
          <div class="notice">
            <span>{notice.text}</span>
            <button type="button" class="link-button" onClick={() => setNotice(null)}>
              閉じる
            </button>
          </div>
        )}
      </div>
      {notice?.kind === 'error' && (
        <div class="notice-bar">
          <div class="notice notice-error" role="alert">
            <span>{notice.text}</span>
            <button type="button" class="link-button" onClick={() => setNotice(null)}>
              閉じる
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
