// The year-over-year comparison (前年度比較) of two plans of one branch, as seed 001 sets 令和5年度
// beside 令和4年度: the items side by side in the later plan's tree order, changed wording marked
// with <del>/<ins>, new (新規) and dropped (廃止) items and renamed sections marked, then the KPI
// targets of both years. By default the plan is compared with the branch's plan of the previous
// year; a selector picks another of the branch's plans. Loaded lazily with its own CSS. The rows
// are built by src/model/comparison-rows.ts; this renders them.
import { useMemo, useState } from 'preact/hooks';
import { usePlanComparison, type PlanComparisonData, type PlanContents } from './data/compare-hooks';
import {
  comparedPair,
  groupBySection,
  itemChanges,
  movedFromNames,
  planName,
  shownKpis,
  shownSectionGroups,
  sideParts,
  targetChanged,
  type Heads,
} from '../model/comparison-rows';
import { warekiFiscalYear } from '../model/wareki';
import { comparePlans, type DiffSegment, type ItemComparison, type KpiComparison, type SectionComparison, type TargetChange } from '../model/year-over-year';
import { Link } from './link';
import { navigate, paths } from './router';
import { PlanNotFound } from './plan-not-found';
import './compare-page.css';

export function ComparePage({ planId, withPlanId }: { planId: string; withPlanId: string | null }) {
  const data = usePlanComparison(planId, withPlanId);
  if (data.loading) return <p class="page">読み込み中…</p>;
  if (!data.value) return <PlanNotFound />;
  return <ComparisonView data={data.value} withPlanId={withPlanId} />;
}

type Shown = 'changed' | 'all';

function ComparisonView({ data, withPlanId }: { data: PlanComparisonData; withPlanId: string | null }) {
  const { current, others, other } = data;
  const plan = current.plan;
  return (
    <section class="page compare-page">
      <nav class="cmp-back" aria-label="パンくず">
        <Link href={paths.plan(plan.id)}>← {plan.title}</Link>
      </nav>
      <h1>
        事業計画の年度比較
        <span class="cmp-h1-sub">{plan.branch}</span>
      </h1>
      {others.length === 0 ? (
        <p>この支部の他の年度の計画がこの端末にありません。比較するには、その年度の計画ファイルを読み込んでください。</p>
      ) : (
        <label class="field">
          比較する計画
          <select value={other?.plan.id ?? ''} onChange={(e) => navigate(paths.compare(plan.id, e.currentTarget.value), { replace: true })}>
            {!other && <option value="">選んでください</option>}
            {others.map((p) => (
              <option key={p.id} value={p.id}>
                {planName(p)}
              </option>
            ))}
          </select>
        </label>
      )}
      {others.length > 0 && !other && (
        <p role="status">
          {withPlanId === null
            ? `前年度（${warekiFiscalYear(plan.fiscalYear - 1)}）の計画がこの端末にありません。比較する計画を選んでください。`
            : '指定された計画はこの端末にないか、この支部の計画ではありません。比較する計画を選んでください。'}
        </p>
      )}
      {other && <PlanPair current={current} other={other} />}
    </section>
  );
}

/** The two plans compared, the earlier one on the left, whichever of them this screen was opened from. */
function PlanPair({ current, other }: { current: PlanContents; other: PlanContents }) {
  const { older, newer, heads } = comparedPair(current, other);
  const comparison = useMemo(() => comparePlans(newer, older), [newer, older]);
  const [shown, setShown] = useState<Shown>('all');
  const { items, sections, kpis } = comparison.counts;
  return (
    <>
      <p class="subtitle">
        {heads.old} → {heads.new}
      </p>
      <ul class="cmp-counts" aria-label="変更の件数">
        <li>
          項目：文言変更 {items.reworded}件・新規 {items.added}件・廃止 {items.dropped}件（変更なし {items.same}件）
        </li>
        <li>
          見出し：名称変更 {sections.renamed}件・新規 {sections.added}件・廃止 {sections.dropped}件
        </li>
        <li>
          KPI：変更 {kpis.changed}件・新規 {kpis.added}件・廃止 {kpis.dropped}件（変更なし {kpis.same}件）
        </li>
      </ul>
      <fieldset class="cmp-shown">
        <legend>表示する行</legend>
        {(
          [
            ['changed', '変更のあった行のみ'],
            ['all', 'すべて'],
          ] as const
        ).map(([value, label]) => (
          <label key={value} class="cmp-shown-option">
            <input type="radio" name="cmp-shown" value={value} checked={shown === value} onChange={() => setShown(value)} />
            {label}
          </label>
        ))}
      </fieldset>

      <h2>事業計画の項目</h2>
      <ItemTable sections={comparison.sections} items={comparison.items} heads={heads} onlyChanged={shown === 'changed'} />

      <h2>KPIの目標</h2>
      <KpiTable kpis={comparison.kpis} heads={heads} onlyChanged={shown === 'changed'} />
    </>
  );
}

const ITEM_STATUS: Record<ItemComparison['status'], string> = { same: '', reworded: '文言変更', added: '新規', dropped: '廃止' };
const SECTION_STATUS: Record<SectionComparison['status'], string> = { same: '', renamed: '名称変更', added: '新規', dropped: '廃止' };

function ItemTable({
  sections,
  items,
  heads,
  onlyChanged,
}: {
  sections: readonly SectionComparison[];
  items: readonly ItemComparison[];
  heads: Heads;
  onlyChanged: boolean;
}) {
  const groups = useMemo(() => groupBySection(sections, items), [sections, items]);
  // A moved item names the section it came from.
  const movedFrom = useMemo(() => movedFromNames(sections), [sections]);
  const shown = shownSectionGroups(groups, onlyChanged);
  if (shown.length === 0) return <p>{onlyChanged ? '変更のあった項目はありません。' : '項目がありません。'}</p>;
  return (
    <table class="cmp-table">
      <caption class="visually-hidden">
        事業計画の項目の比較（{heads.old}と{heads.new}）
      </caption>
      <colgroup>
        <col class="cmp-col-status" />
        <col class="cmp-col-text" />
        <col class="cmp-col-text" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">変更</th>
          <th scope="col">{heads.old}</th>
          <th scope="col">{heads.new}</th>
        </tr>
      </thead>
      {shown.map((g) => (
        <tbody key={keyOf(g.section)}>
          <SectionRow section={g.section} />
          {g.items.map((r) => (
            <ItemRow key={keyOf(r)} row={r} movedFrom={movedFrom} />
          ))}
        </tbody>
      ))}
    </table>
  );
}

function SectionRow({ section: s }: { section: SectionComparison }) {
  const depth = Math.min((s.currentPath ?? s.previousPath ?? []).length, 4);
  return (
    <tr class={`cmp-section cmp-depth-${depth} cmp-${s.status}`}>
      <td class="cmp-status">
        <StatusBadge text={SECTION_STATUS[s.status]} status={s.status} />
        {s.moved && <span class="chip">移動</span>}
      </td>
      <th scope="rowgroup">{s.previous ? <Labelled label={s.previous.label} text={s.previous.title} segments={s.diff} side="old" /> : <None />}</th>
      <th scope="rowgroup">{s.current ? <Labelled label={s.current.label} text={s.current.title} segments={s.diff} side="new" /> : <None />}</th>
    </tr>
  );
}

/** A row's key: its record in the later plan, else in the earlier one. */
const keyOf = (r: { current: { id: string } | null; previous: { id: string } | null }) => (r.current ? r.current.id : `previous:${r.previous!.id}`);

function ItemRow({ row: r, movedFrom }: { row: ItemComparison; movedFrom: ReadonlyMap<string, string> }) {
  return (
    <tr class={`cmp-item cmp-${r.status}`}>
      <td class="cmp-status">
        <StatusBadge text={ITEM_STATUS[r.status]} status={r.status} />
        <ItemChanges row={r} movedFrom={movedFrom} />
      </td>
      <td class="cmp-text">{r.previous ? <Labelled label={r.previous.label} text={r.previous.text} segments={r.diff} side="old" /> : <None />}</td>
      <td class="cmp-text">{r.current ? <Labelled label={r.current.label} text={r.current.text} segments={r.diff} side="new" /> : <None />}</td>
    </tr>
  );
}

function ItemChanges({ row: r, movedFrom }: { row: ItemComparison; movedFrom: ReadonlyMap<string, string> }) {
  return (
    <>
      {itemChanges(r, movedFrom).map((c) => (
        <span key={c} class="chip">
          {c}
        </span>
      ))}
    </>
  );
}

function StatusBadge({ text, status }: { text: string; status: string }) {
  return text ? <span class={`cmp-badge cmp-badge-${status}`}>{text}</span> : null;
}

const None = () => <span class="cmp-none">（なし）</span>;

function Labelled({ label, text, segments, side }: { label: string; text: string; segments: readonly DiffSegment[] | null; side: 'old' | 'new' }) {
  return (
    <>
      {label && <span class="label">{label} </span>}
      <SideText text={text} segments={segments} side={side} />
    </>
  );
}

/** One side of a diff, with what the other year lacks marked (see sideParts). */
function SideText({ text, segments, side }: { text: string; segments: readonly DiffSegment[] | null; side: 'old' | 'new' }) {
  return segments ? <Pieces segments={sideParts(text, segments, side)} /> : text;
}

/** Text in pieces, the changed ones marked; for a KPI name both sides in one line, as the diff gives them. */
function Pieces({ segments }: { segments: readonly DiffSegment[] }) {
  return <>{segments.map((s, i) => (s.kind === 'same' ? s.text : <Change key={i} kind={s.kind} text={s.text} />))}</>;
}

/** A change, marked for the eye (colour and strike-through or underline) and in words for a screen reader. */
function Change({ kind, text }: { kind: 'added' | 'removed'; text: string }) {
  const word = kind === 'added' ? '追加' : '削除';
  const Tag = kind === 'added' ? 'ins' : 'del';
  return (
    <Tag class={`cmp-${kind}`}>
      <span class="visually-hidden">［{word}：</span>
      {text}
      <span class="visually-hidden">］</span>
    </Tag>
  );
}

const KPI_STATUS: Record<KpiComparison['status'], string> = { same: '', changed: '変更', added: '新規', dropped: '廃止' };
const TARGET_CHANGES: Record<TargetChange, string> = {
  kind: '目標の種類',
  value: '目標値',
  direction: '以上・以下',
  text: '目標の文言',
  unit: '単位',
  baseline: '前年度の値',
};

function KpiTable({ kpis, heads, onlyChanged }: { kpis: readonly KpiComparison[]; heads: Heads; onlyChanged: boolean }) {
  const shown = shownKpis(kpis, onlyChanged);
  if (shown.length === 0) return <p>{onlyChanged ? '変更のあったKPIはありません。' : 'KPIがありません。'}</p>;
  return (
    <table class="cmp-table cmp-kpi-table">
      <caption class="visually-hidden">
        KPIの目標の比較（{heads.old}と{heads.new}）
      </caption>
      <colgroup>
        <col class="cmp-col-status" />
        <col class="cmp-col-kpi" />
        <col class="cmp-col-target" />
        <col class="cmp-col-target" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">変更</th>
          <th scope="col">KPI設定項目</th>
          <th scope="col">{heads.old}の目標</th>
          <th scope="col">{heads.new}の目標</th>
        </tr>
      </thead>
      <tbody>
        {shown.map((k) => {
          const changed = targetChanged(k);
          return (
            <tr key={keyOf(k)} class={`cmp-kpi cmp-${k.status}`}>
              <td class="cmp-status">
                <StatusBadge text={KPI_STATUS[k.status]} status={k.status} />
                {k.nameDiff && <span class="chip">名称</span>}
                {k.targetChanges.map((c) => (
                  <span key={c} class="chip">
                    {TARGET_CHANGES[c]}
                  </span>
                ))}
              </td>
              <th scope="row">{k.nameDiff ? <Pieces segments={k.nameDiff} /> : (k.current ?? k.previous)!.name}</th>
              <td>{k.previousTarget ?? <None />}</td>
              <td class={changed ? 'cmp-target-changed' : undefined}>
                {k.currentTarget ?? <None />}
                {changed && <span class="visually-hidden">（変更）</span>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
