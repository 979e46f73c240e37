// The 訪問記録 screen: every visit (事業所訪問) of a plan, newest first and grouped by month,
// filtered by month, employer and staff member (the filters live in the query, so a reload or a
// shared link keeps them), with the shown visits as CSV and every note and visit of the plan as
// another. Each visit links to the item it was recorded on, where it is corrected.
import { useMemo } from 'preact/hooks';
import { usePlanStructure } from './data/hooks';
import { useNotesOfPlan } from './data/visit-hooks';
import { labelPath } from '../model/plan-tree';
import type { Item, Plan, Section } from '../model/schemas';
import { notesCsv, visitsCsv } from '../model/visit-csv';
import { filterVisits, liveVisits, NO_VISIT_FILTER, visitFacets, visitsByMonth, type VisitFilter, type VisitNote } from '../model/visits';
import { bothFiscalYear, bothMonth, warekiDate, warekiFiscalYear } from '../model/wareki';
import type { Note } from '../model/schemas';
import { downloadFile } from './download';
import { Link } from './link';
import { navigate, paths } from './router';
import { PlanNotFound } from './plan-not-found';
import './visits-page.css';

const CSV_TYPE = 'text/csv;charset=utf-8';

export function VisitsPage({ planId, filter }: { planId: string; filter: VisitFilter }) {
  const structure = usePlanStructure(planId);
  const notes = useNotesOfPlan(planId);
  if (structure.loading || notes.loading) return <p class="page">読み込み中…</p>;
  if (!structure.value || structure.value.plan.deleted) return <PlanNotFound />;
  const { plan, sections, items } = structure.value;
  return <VisitList plan={plan} sections={sections} items={items} notes={notes.value} filter={filter} />;
}

function VisitList({ plan, sections, items, notes, filter }: { plan: Plan; sections: Section[]; items: Item[]; notes: Note[]; filter: VisitFilter }) {
  const all = useMemo(() => liveVisits(notes), [notes]);
  const facets = useMemo(() => visitFacets(all), [all]);
  const shown = useMemo(() => filterVisits(all, filter), [all, filter]);
  const groups = useMemo(() => visitsByMonth(shown), [shown]);
  const itemsById = useMemo(() => new Map(items.map((i) => [i.id, i])), [items]);
  const active = filter.month !== '' || filter.employer !== '' || filter.author !== '';
  const employers = new Set(shown.map((v) => v.visit.employer)).size;
  const pick = (patch: Partial<VisitFilter>) => navigate(paths.visits(plan.id, { ...filter, ...patch }), { replace: true });
  const fileName = (what: string) => `${[plan.branch, warekiFiscalYear(plan.fiscalYear), what, ...(active ? ['絞り込み'] : [])].join('_')}.csv`;

  return (
    <section class="page visits-page">
      <nav class="breadcrumb" aria-label="パンくず">
        <Link href={paths.plan(plan.id)}>← {plan.title}</Link>
      </nav>
      <h1>訪問記録</h1>
      <p class="subtitle">
        {plan.branch}・{bothFiscalYear(plan.fiscalYear)}
      </p>
      <div class="visit-filters">
        <FacetSelect label="月" all="すべての月" value={filter.month} options={facets.months} text={bothMonth} onPick={(month) => pick({ month })} />
        <FacetSelect label="事業所" all="すべての事業所" value={filter.employer} options={facets.employers} onPick={(employer) => pick({ employer })} />
        <FacetSelect label="担当者" all="すべての担当者" value={filter.author} options={facets.authors} onPick={(author) => pick({ author })} />
        {active && (
          <button type="button" onClick={() => navigate(paths.visits(plan.id, NO_VISIT_FILTER), { replace: true })}>
            絞り込みを外す
          </button>
        )}
      </div>
      <div class="visit-summary">
        <p role="status">
          {shown.length}件（{employers}事業所）
          {active && `／全${all.length}件`}
        </p>
        {/* biome-ignore lint/a11y/useSemanticElements: buttons, not form fields */}
        <div class="page-actions" role="group" aria-label="書き出し">
          <button
            type="button"
            disabled={shown.length === 0}
            onClick={() => downloadFile(fileName('訪問記録'), visitsCsv(shown, { sections, items }), CSV_TYPE)}
          >
            訪問記録CSV
          </button>
          <button
            type="button"
            onClick={() =>
              downloadFile(`${plan.branch}_${warekiFiscalYear(plan.fiscalYear)}_メモ・訪問記録.csv`, notesCsv(notes, { sections, items }), CSV_TYPE)
            }
          >
            メモ・訪問CSV（計画全体）
          </button>
        </div>
      </div>
      {all.length === 0 ? (
        <p class="hint">まだ訪問記録はありません。項目の画面の「メモ・訪問記録」で「訪問」を選んで記録します。</p>
      ) : shown.length === 0 ? (
        <p class="hint">この条件の訪問記録はありません。</p>
      ) : (
        groups.map((g) => (
          <section key={g.month} class="visit-month" aria-labelledby={`visits-${g.month}`}>
            <h2 id={`visits-${g.month}`}>
              {bothMonth(g.month)}　{g.visits.length}件
            </h2>
            <ul class="visit-cards" aria-label={`${bothMonth(g.month)}の訪問`}>
              {g.visits.map((v) => (
                <VisitCard key={v.id} plan={plan} sections={sections} item={itemsById.get(v.itemId)} visit={v} />
              ))}
            </ul>
          </section>
        ))
      )}
    </section>
  );
}

function VisitCard({ plan, sections, item, visit }: { plan: Plan; sections: Section[]; item: Item | undefined; visit: VisitNote }) {
  const { employer, employerCode, purposes, nextDate } = visit.visit;
  return (
    <li class="visit-card">
      <p class="visit-card-head">
        <strong class="visit-employer">{employer}</strong>
        {employerCode && <span class="visit-code">（{employerCode}）</span>}
        {purposes.map((p) => (
          <span key={p} class="chip chip-purpose">
            {p}
          </span>
        ))}
      </p>
      <p class="timeline-meta">
        <time dateTime={visit.date}>{warekiDate(visit.date)}</time>・{visit.author}
        {nextDate && `・次回 ${warekiDate(nextDate)}`}
      </p>
      <p class="timeline-text">{visit.text}</p>
      {item && !item.deleted && (
        <p class="visit-item">
          <Link href={paths.item(plan.id, item.id)}>
            {labelPath(sections, item).filter(Boolean).join(' ')}　{item.text.length > 40 ? `${item.text.slice(0, 40)}…` : item.text}
          </Link>
        </p>
      )}
    </li>
  );
}

/** One filter of 訪問記録: 「すべて…」 or one of the values the visits have. */
function FacetSelect({
  label,
  all,
  value,
  options,
  text = (v) => v,
  onPick,
}: {
  label: string;
  all: string;
  value: string;
  options: readonly string[];
  text?: (value: string) => string;
  onPick: (value: string) => void;
}) {
  return (
    <label class="field">
      {label}
      <select value={value} onChange={(e) => onPick(e.currentTarget.value)}>
        <option value="">{all}</option>
        {options.map((v) => (
          <option key={v} value={v}>
            {text(v)}
          </option>
        ))}
      </select>
    </label>
  );
}
