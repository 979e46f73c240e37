// The dashboard of a period for the monthly meeting: how many items are ○ / △ / － / 未評価 per
// pillar and per 担当グループ (tables, with a CSS bar beside the figures), the △ items and the KPIs
// off track (未達 now; for one that builds up over the year, 未達見込み by the year-end projection
// until March is reported), each a link to where it is worked on.
import { useMemo } from 'preact/hooks';
import { usePlanScreen, type PlanScreenData } from './data/hooks';
import { useKpiInsight, type KpiInsight } from './data/report-hooks';
import { itemsMarked, MARKS, marksByGroup, marksByPillar, offTrackKpis, type MarkCounts, type OffTrackKpi } from '../model/dashboard';
import { describeGap, describeTarget, formatFigure } from '../model/kpi-judgement';
import { buildTree, groupsByItem, joinLabels, labelPath, type EvaluationFilter } from '../model/plan-tree';
import { lastMonthOf } from '../model/report';
import { bothFiscalYear, bothMonth, localIsoDate, warekiMonth } from '../model/wareki';
import { ItemChips } from './item-chips';
import { Link } from './link';
import { navigate, paths } from './router';
import { PlanNotFound } from './plan-not-found';
import { PeriodSelect } from './period-select';
import './dashboard-page.css';

export function DashboardPage({ planId, periodId }: { planId: string; periodId: string | null }) {
  const screen = usePlanScreen(planId, periodId, localIsoDate(new Date()).slice(0, 7));
  const kpis = useKpiInsight(planId);
  // A snapshot (stale) is not printed, exported or counted: this page waits for the database.
  if (screen.loading || screen.stale || kpis.loading) return <p class="page">読み込み中…</p>;
  if (!screen.value) return <PlanNotFound />;
  return <Dashboard data={screen.value} kpis={kpis.value} />;
}

const MARK_CLASS: Record<EvaluationFilter, string> = { '○': 'good', '△': 'warn', '－': 'na', 未評価: 'none' };

function Dashboard({ data, kpis }: { data: PlanScreenData; kpis: KpiInsight }) {
  const { plan, period, sections, items, progress } = data;
  const evaluationOf = (id: string) => progress.get(id)?.evaluation ?? null;
  const tree = useMemo(() => buildTree(sections, items), [sections, items]);
  const byPillar = useMemo(() => marksByPillar(tree, evaluationOf), [tree, progress]);
  const owners = useMemo(() => groupsByItem(sections, items), [sections, items]);
  const byGroup = useMemo(() => marksByGroup(tree, evaluationOf, owners), [tree, progress, owners]);
  const warnItems = useMemo(() => itemsMarked(tree, evaluationOf, '△'), [tree, progress]);
  const asOf = lastMonthOf(period);
  const offTrack = useMemo(() => offTrackKpis(sections, kpis.kpis, kpis.measurements, asOf, kpis.lastYear), [sections, kpis, asOf]);

  return (
    <section class="page dashboard-page">
      <nav class="breadcrumb" aria-label="パンくず">
        <Link href={paths.plan(plan.id, period.id)}>← {plan.title}</Link>
      </nav>
      <h1>
        {plan.title}
        <span class="h1-sub">ダッシュボード</span>
      </h1>
      <p class="subtitle">
        {plan.branch}・{bothFiscalYear(plan.fiscalYear)}
      </p>
      <div class="dashboard-toolbar">
        <PeriodSelect plan={plan} value={period.id} onPick={(id) => navigate(paths.dashboard(plan.id, id), { replace: true })} />
        <Link href={paths.report(plan.id, period.id)} class="button">
          報告書（印刷）
        </Link>
      </div>

      <section aria-labelledby="dashboard-marks">
        <h2 id="dashboard-marks">評価の件数（{period.label}）</h2>
        <div class="dashboard-tables">
          <MarkTable
            caption="柱ごとの評価の件数"
            head="柱"
            rows={byPillar.map((r) => ({ key: r.pillar.id, name: `${r.pillar.label} ${r.pillar.title}`, counts: r.counts }))}
          />
          <MarkTable
            caption="担当グループごとの評価の件数"
            head="担当グループ"
            rows={byGroup.map((r) => ({ key: r.group, name: r.group || '（担当なし）', counts: r.counts }))}
          />
        </div>
      </section>

      <section aria-labelledby="dashboard-warn">
        <h2 id="dashboard-warn">△の項目（{warnItems.length}件）</h2>
        {warnItems.length === 0 ? (
          <p class="hint">この期間に△の項目はありません。</p>
        ) : (
          <ul class="dashboard-list">
            {warnItems.map((item) => (
              <li key={item.id}>
                <Link href={paths.item(plan.id, item.id, period.id)} class="dashboard-link">
                  <span class="dashboard-path">{joinLabels(labelPath(sections, item))}</span>
                  <span>{item.text}</span>
                </Link>
                <span class="item-meta">
                  <ItemChips item={item} groups={owners.get(item.id) ?? []} groupPrefix="担当: " />
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="dashboard-kpis">
        <h2 id="dashboard-kpis">未達・未達見込みのKPI（{offTrack.length}件）</h2>
        <p class="hint">
          {warekiMonth(asOf)}
          までの最新の実績で判定しています。ただし、年度内に積み上がる指標と年度末時点で判定する目標は、3月の実績が出るまで年度途中の値では判定せず、年度末の見込みを出せるときはその見込みで判定します（未達見込み）。
        </p>
        {offTrack.length === 0 ? (
          <p class="hint">未達・未達見込みのKPIはありません。</p>
        ) : (
          <ul class="dashboard-list">
            {offTrack.map((row) => (
              <li key={row.kpi.id}>
                <Link href={paths.kpi(plan.id, row.kpi.id)} class="dashboard-link">
                  {row.kpi.name}
                </Link>
                <OffTrackFigures row={row} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}

/**
 * Target and actual, then why the KPI is listed: 未達 now with its gap, or 未達見込み with the March
 * value and its gap; then the judgement's reason in one sentence.
 */
function OffTrackFigures({ row }: { row: OffTrackKpi }) {
  const { kpi, month, value, reason, assessment } = row;
  const figure = (n: number) => `${formatFigure(n, kpi.decimals)}${kpi.unit}`;
  const gap = assessment.judgement ? describeGap(assessment.judgement, kpi.unit) : '';
  const projected = assessment.projection?.projected ?? null;
  return (
    <span class="dashboard-kpi-figures">
      目標 {describeTarget(kpi.target, kpi.unit, kpi.decimals)}
      {value !== null && month !== null && `・実績 ${figure(value)}（${bothMonth(month)}時点）`}
      <span class="dashboard-gap">
        <span aria-hidden="true">{reason === '未達' ? '▼ ' : '▽ '}</span>
        {reason === '未達見込み' && projected !== null ? `未達見込み（3月 ${figure(projected)}${gap && ` ${gap}`}）` : `未達 ${gap}`}
      </span>
      <span class="dashboard-reason">{assessment.reason}</span>
    </span>
  );
}

interface MarkRow {
  key: string;
  name: string;
  counts: MarkCounts;
}

function MarkTable({ caption, head, rows }: { caption: string; head: string; rows: MarkRow[] }) {
  return (
    <table class="mark-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{head}</th>
          {MARKS.map((m) => (
            <th key={m} scope="col" class="num">
              {m}
            </th>
          ))}
          <th scope="col" class="num">
            計
          </th>
          <th scope="col" class="col-bar">
            割合
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key}>
            <th scope="row">{row.name}</th>
            {MARKS.map((m) => (
              <td key={m} class="num">
                {row.counts[m]}
              </td>
            ))}
            <td class="num">{row.counts.total}</td>
            <td>
              <MarkBar counts={row.counts} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The shares as a stacked bar, and in words for a screen reader. */
function MarkBar({ counts }: { counts: MarkCounts }) {
  const shown = MARKS.filter((m) => counts[m] > 0);
  const percent = (m: EvaluationFilter) => Math.round((counts[m] / counts.total) * 100);
  return (
    <>
      <span class="mark-bar" aria-hidden="true">
        {shown.map((m) => (
          <span key={m} class={`mark-bar-part mark-bar-${MARK_CLASS[m]}`} style={{ width: `${(counts[m] / counts.total) * 100}%` }} />
        ))}
      </span>
      <span class="visually-hidden">{shown.map((m) => `${m} ${percent(m)}%`).join('、')}</span>
    </>
  );
}
