// The progress report (実施状況報告) for the 評議会, in the layout of seed 004: per pillar a table
// 事業計画 | 実施状況 | 評価 | 今後の実施予定等, then the KPI progress tables (目標 / 実績 / 時点). The
// screen shows the printed document itself; the toolbar above it is left out of the print, which
// is A4 landscape with page numbers (report-page.css). The plan screen's filters carry over. The
// toolbar also downloads what the report shows as CSV for Excel, and the plan as a plan file.
import { useMemo, useState } from 'preact/hooks';
import { useDb, usePlanScreen, type PlanScreenData } from './data/hooks';
import { exportPlanFile } from '../sync/plan-io';
import { useKpiInsight, type KpiInsight } from './data/report-hooks';
import { kpiCsv, progressCsv } from '../model/csv-export';
import { notesCsv } from '../model/visit-csv';
import { assessmentLabel } from '../model/kpi-assessment';
import { describeTarget, formatFigure } from '../model/kpi-judgement';
import { baselineCell, countsLine, kpiColumns, type KpiColumns } from '../model/kpi-rows';
import { isFilterActive, type ItemFilter } from '../model/plan-tree';
import {
  buildReport,
  describeFilter,
  kpiLines,
  periodRange,
  type ReportBlock,
  type ReportKpiRow,
  type ReportKpiTable,
  type ReportPillar,
} from '../model/report';
import type { Progress, Section } from '../model/schemas';
import { formatMoment, localIsoDate, seirekiMonth, warekiFiscalYear, warekiMonth } from '../model/wareki';
import { downloadFile } from './download';
import { Link } from './link';
import { navigate, paths } from './router';
import { PlanNotFound } from './plan-not-found';
import { PeriodSelect } from './period-select';
import './report-page.css';
import { errorText } from './messages';

const CSV_TYPE = 'text/csv;charset=utf-8';

export function ReportPage({ planId, periodId, filter }: { planId: string; periodId: string | null; filter: ItemFilter }) {
  const today = localIsoDate(new Date());
  const screen = usePlanScreen(planId, periodId, today.slice(0, 7));
  // With last year's actuals, so the report judges each KPI as the dashboard and KPI screen do.
  const kpis = useKpiInsight(planId);
  // A snapshot (stale) is not printed, exported or counted: this page waits for the database.
  if (screen.loading || screen.stale || kpis.loading) return <p class="page">読み込み中…</p>;
  if (!screen.value) return <PlanNotFound />;
  return <ReportDocument data={screen.value} kpis={kpis.value} filter={filter} today={today} />;
}

function ReportDocument({ data, kpis, filter, today }: { data: PlanScreenData; kpis: KpiInsight; filter: ItemFilter; today: string }) {
  const { plan, period, sections, items, progress, notes } = data;
  const report = useMemo(
    () => buildReport({ sections, items, kpis: kpis.kpis, measurements: kpis.measurements, period, progress, notes, filter, lastYear: kpis.lastYear }),
    [sections, items, kpis, period, progress, notes, filter],
  );
  const range = periodRange(period);
  const active = isFilterActive(filter);
  const fiscalYear = warekiFiscalYear(plan.fiscalYear);
  const db = useDb();
  const [exportError, setExportError] = useState<string | null>(null);

  // The CSVs hold what the report shows: the items and KPIs that pass its filters.
  const csvName = (what: string) => `${[plan.branch, fiscalYear, what, ...(active ? ['絞り込み'] : [])].join('_')}.csv`;
  function downloadProgressCsv() {
    const shownItems = report.pillars.flatMap((p) => p.blocks.flatMap((b) => b.items));
    const csv = progressCsv({ sections, items: shownItems, progress: [...progress.values()], notes, period });
    // 上半期（4〜9月） → 上半期: the months are in the CSV's rows, not needed in the name.
    downloadFile(csvName(`実施状況_${period.label.replace(/（.*）$/, '')}`), csv, CSV_TYPE);
  }
  function downloadKpiCsv() {
    const shownKpis = report.kpiTables.flatMap((t) => t.rows.map((r) => r.kpi));
    downloadFile(csvName('KPI'), kpiCsv({ plan, sections, kpis: shownKpis, measurements: kpis.measurements }), CSV_TYPE);
  }
  async function downloadPlanFile() {
    setExportError(null);
    try {
      const file = await exportPlanFile(db, plan.id);
      // Named as the plan list names it, so both give the same file the same name.
      downloadFile(`${file.plan.branch}-${warekiFiscalYear(file.plan.fiscalYear)}.plan.json`, JSON.stringify(file, null, 2), 'application/json');
    } catch (e) {
      setExportError(`計画ファイルを書き出せませんでした: ${errorText(e)}`);
    }
  }
  return (
    <article class="page report-page" aria-labelledby="report-title">
      {/* biome-ignore lint/a11y/useSemanticElements: links and buttons, not form fields; a fieldset would bring its border and legend layout */}
      <div class="report-toolbar" role="group" aria-label="報告書の操作">
        <Link href={paths.plan(plan.id, period.id, filter)}>← 計画へ戻る</Link>
        <PeriodSelect plan={plan} value={period.id} onPick={(id) => navigate(paths.report(plan.id, id, filter), { replace: true })} />
        {active && <Link href={paths.report(plan.id, period.id)}>絞り込みを外す</Link>}
        {/* biome-ignore lint/a11y/useSemanticElements: buttons, not form fields */}
        <div class="page-actions" role="group" aria-label="書き出し">
          <button type="button" onClick={downloadProgressCsv}>
            実施状況CSV
          </button>
          <button type="button" onClick={downloadKpiCsv}>
            KPI CSV
          </button>
          {/* Every note and visit of the plan, whatever the filters: a tally is of the whole year. */}
          <button type="button" onClick={() => downloadFile(`${plan.branch}_${fiscalYear}_メモ・訪問記録.csv`, notesCsv(notes, { sections, items }), CSV_TYPE)}>
            メモ・訪問CSV
          </button>
          <button type="button" onClick={() => void downloadPlanFile()}>
            計画ファイル
          </button>
        </div>
        <button type="button" class="primary report-print" onClick={() => window.print()}>
          印刷 / PDF
        </button>
        {exportError && (
          <p role="alert" class="error">
            {exportError}
          </p>
        )}
      </div>

      <div class="report-sheet">
        <header class="report-head">
          <h1 id="report-title">
            {plan.branch} {fiscalYear} 事業計画 実施状況（{range.wareki}）
          </h1>
          <p class="report-meta">
            {plan.fiscalYear}年度・{range.seireki}
            <span class="report-date">出力日 {formatMoment({ date: today }, { seireki: true })}</span>
          </p>
          {active && (
            <p class="report-filter">
              絞り込み：{describeFilter(filter).join('／')}（全{report.totalItems}項目中{report.shownItems}項目）
            </p>
          )}
        </header>

        {report.pillars.length === 0 ? (
          <p>条件に合う項目はありません。</p>
        ) : (
          report.pillars.map((p) => <PillarTable key={p.pillar.id} pillar={p} progress={progress} />)
        )}

        {report.kpiTables.length > 0 && (
          <section class="report-kpis" aria-labelledby="report-kpi-title">
            <h2 id="report-kpi-title">{fiscalYear} KPI目標の進捗状況</h2>
            <p class="report-note">
              実績は{warekiMonth(report.asOf)}（{seirekiMonth(report.asOf)}）までの最新の値です。
            </p>
            {report.kpiTables.map((t) => (
              <KpiTable key={t.pillar?.id ?? 'none'} table={t} fiscalYear={fiscalYear} columns={kpiColumns(plan.fiscalYear, kpis.kpis)} />
            ))}
          </section>
        )}
      </div>
    </article>
  );
}

const sectionName = (s: Section) => `${s.label}${s.title}`;

function PillarTable({ pillar, progress }: { pillar: ReportPillar; progress: ReadonlyMap<string, Progress> }) {
  const headingId = `report-pillar-${pillar.pillar.id}`;
  return (
    <section class="report-pillar" aria-labelledby={headingId}>
      <table class="report-table">
        <caption class="visually-hidden">{sectionName(pillar.pillar)}の実施状況</caption>
        <colgroup>
          <col class="col-plan" />
          <col class="col-done" />
          <col class="col-mark" />
          <col class="col-next" />
        </colgroup>
        {/* A header group repeats at the top of every printed page the table runs onto, so the
            pillar's name heads each continuation page as it does on paper. */}
        <thead>
          <tr class="report-pillar-row">
            <th colSpan={4} scope="colgroup">
              <h2 id={headingId} class="report-pillar-title">
                {sectionName(pillar.pillar)}
              </h2>
            </th>
          </tr>
          <tr>
            <th scope="col">事業計画</th>
            <th scope="col">実施状況</th>
            <th scope="col" class="report-nowrap">
              評価
            </th>
            <th scope="col">今後の実施予定等</th>
          </tr>
        </thead>
        {pillar.blocks.map((b) => (
          <BlockRows key={b.section.id} block={b} progress={progress} />
        ))}
      </table>
    </section>
  );
}

function BlockRows({ block, progress }: { block: ReportBlock; progress: ReadonlyMap<string, Progress> }) {
  const kpis = kpiLines(block.kpis);
  return (
    <tbody>
      {block.depth > 0 && (
        <tr class={`report-section-row depth-${Math.min(block.depth, 3)}`}>
          <th scope="rowgroup" colSpan={4}>
            <span class="label">{block.section.label}</span>
            {block.section.title}
          </th>
        </tr>
      )}
      {block.items.map((item) => {
        const p = progress.get(item.id);
        return (
          <tr key={item.id} class="report-item-row">
            <th scope="row" class="report-text">
              {item.label && <span class="label">{item.label} </span>}
              {item.text}
            </th>
            <td class="report-text">{p?.done}</td>
            <td class="report-mark">{p?.evaluation ?? <span class="report-unmarked">未評価</span>}</td>
            <td class="report-text">{p?.next}</td>
          </tr>
        );
      })}
      {kpis.length > 0 && (
        // The 事業計画 row's KPIs under its items, as the paper writes them: targets on the left,
        // each actual with its month beside the plan's text.
        <tr class="report-kpi-row">
          <th scope="row">
            <span class="report-kpi-mark">■ KPI：</span>
            {kpis.map((k) => (
              <span key={k.plan} class="report-kpi-line">
                {k.plan}
              </span>
            ))}
          </th>
          <td>
            {kpis.map((k) => (
              <span key={k.plan} class="report-kpi-line">
                {k.actual}
                {k.asOf && <span class="report-nowrap">{k.asOf}</span>}
                <span class="report-kpi-judgement">{k.judgement}</span>
              </span>
            ))}
          </td>
          <td />
          <td />
        </tr>
      )}
    </tbody>
  );
}

/** Consecutive KPIs of one 事業計画 row share its cell, as in seed 004's table. */
function sectionRuns(rows: readonly ReportKpiRow[]): ReportKpiRow[][] {
  const runs: ReportKpiRow[][] = [];
  for (const row of rows) {
    const last = runs[runs.length - 1];
    if (last && last[0]!.section === row.section) last.push(row);
    else runs.push([row]);
  }
  return runs;
}

function KpiTable({ table, fiscalYear, columns }: { table: ReportKpiTable; fiscalYear: string; columns: KpiColumns }) {
  const caption = `${fiscalYear} ＫＰＩ設定項目一覧表（${table.pillar ? sectionName(table.pillar) : '事業計画の指定なし'}）`;
  const span = 6 + (columns.previousTarget ? 1 : 0) + (columns.baseline ? 1 : 0);
  return (
    <table class="report-kpi-table">
      <caption class="visually-hidden">{caption}</caption>
      <colgroup>
        <col class="col-section" />
        <col class="col-kpi" />
        <col class="col-target" />
        {columns.previousTarget && <col class="col-target" />}
        {columns.baseline && <col class="col-baseline" />}
        <col class="col-actual" />
        <col class="col-month" />
        <col class="col-judgement" />
      </colgroup>
      {/* Repeated on each printed page the table runs onto, as the pillar tables' heading is. */}
      <thead>
        <tr class="report-kpi-caption">
          <th colSpan={span} scope="colgroup">
            {caption}
          </th>
        </tr>
        <tr>
          <th scope="col">事業計画</th>
          <th scope="col">KPI設定項目</th>
          <th scope="col">{columns.target}</th>
          {columns.previousTarget && <th scope="col">{columns.previousTarget}</th>}
          {columns.baseline && <th scope="col">{columns.baseline}</th>}
          <th scope="col">実績</th>
          <th scope="col">時点</th>
          <th scope="col" class="report-nowrap">
            判定
          </th>
        </tr>
      </thead>
      {sectionRuns(table.rows).map((run) => (
        // One body per 事業計画 row, kept on one page when it fits.
        <tbody key={run[0]!.kpi.id}>
          {run.map((row, i) => {
            const { kpi, assessment } = row;
            const counts = countsLine(kpi);
            return (
              <tr key={kpi.id}>
                {i === 0 && (
                  <th scope="rowgroup" rowSpan={run.length}>
                    {row.sectionName}
                  </th>
                )}
                <th scope="row">
                  {kpi.number}
                  {kpi.name}
                  {counts && <span class="report-kpi-counts">{counts}</span>}
                </th>
                <td>{describeTarget(kpi.target, kpi.unit, kpi.decimals)}</td>
                {columns.previousTarget && <td>{kpi.previousTarget ? describeTarget(kpi.previousTarget, kpi.unit, kpi.decimals) : '－'}</td>}
                {columns.baseline && <td>{baselineCell(kpi) ?? '－'}</td>}
                <td class="num">
                  {row.value === null ? (
                    '－'
                  ) : (
                    // A narrow column breaks between the figure and its unit, never inside either.
                    <>
                      <span class="report-nowrap">{formatFigure(row.value, kpi.decimals)}</span>
                      <span class="report-nowrap">{kpi.unit}</span>
                    </>
                  )}
                </td>
                <td>
                  {row.month === null ? (
                    '－'
                  ) : (
                    <>
                      {warekiMonth(row.month)}時点<span class="report-seireki">（{seirekiMonth(row.month)}）</span>
                    </>
                  )}
                </td>
                <td>
                  {assessmentLabel(assessment)}
                  <span class="report-kpi-reason">{assessment.reason}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      ))}
    </table>
  );
}
