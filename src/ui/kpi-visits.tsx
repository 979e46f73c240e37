// The visits a KPI counts (e.g. the visits that won a 健康宣言), in the KPI's detail on the KPI
// screen: the live visits naming a purpose linked to the KPI (visitsOfKpi), newest first.
import { useMemo, useState } from 'preact/hooks';
import { useNotesOfPlan } from './data/visit-hooks';
import type { Kpi, Plan } from '../model/schemas';
import { purposesOfKpi, visitPurposesOf, visitsOfKpi } from '../model/visits';
import { warekiDate } from '../model/wareki';
import { Link } from './link';
import { paths } from './router';

const SHOWN = 10;

export function KpiVisits({ plan, kpi }: { plan: Plan; kpi: Kpi }) {
  const notes = useNotesOfPlan(plan.id);
  const [all, setAll] = useState(false);
  const purposes = useMemo(() => purposesOfKpi(visitPurposesOf(plan), kpi), [plan, kpi]);
  const visits = useMemo(() => (notes.loading ? [] : visitsOfKpi(plan, kpi, notes.value)), [plan, kpi, notes]);
  // A KPI no purpose counts towards has no visits to list.
  if (purposes.length === 0 || notes.loading) return null;
  const shown = all ? visits : visits.slice(0, SHOWN);
  return (
    <section class="kpi-visits" aria-labelledby={`kpi-visits-${kpi.id}`}>
      <h3 id={`kpi-visits-${kpi.id}`}>
        訪問記録（{purposes.join('・')}）{visits.length}件
      </h3>
      {visits.length === 0 ? (
        <p class="hint">まだこの目的の訪問記録はありません。</p>
      ) : (
        <ul class="kpi-visit-list">
          {shown.map((v) => (
            <li key={v.id}>
              <time dateTime={v.date}>{warekiDate(v.date)}</time>　<strong>{v.visit.employer}</strong>
              {v.visit.employerCode && `（${v.visit.employerCode}）`}　{v.visit.purposes.join('・')}　{v.author}
              <br />
              <Link href={paths.item(plan.id, v.itemId)}>{v.text.length > 60 ? `${v.text.slice(0, 60)}…` : v.text}</Link>
            </li>
          ))}
        </ul>
      )}
      {visits.length > shown.length && (
        <button type="button" onClick={() => setAll(true)}>
          すべて表示（残り{visits.length - shown.length}件）
        </button>
      )}
    </section>
  );
}
