// The KPI screen, laid out like the 「KPI目標の進捗状況」 table of seed 004: per KPI its 事業計画
// row, target, latest actual, the month it is as of (和暦 and 西暦) and the judgement, and for a
// KPI that builds up over the year its year-end projection (未達見込み / 達成見込み). Opening a KPI
// shows the entry of a month's actual, the monthly actuals, the projection and a chart of the
// fiscal year beside last year's actuals. What it shows is built by src/model/kpi-rows.ts; this renders it.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useDraftForm } from './data/draft-form';
import { useActorName, useDb, usePlanStructure } from './data/hooks';
import { useKpiInsight } from './data/report-hooks';
import { saveMeasurement } from '../sync/edits';
import { assessKpi, assessmentLabel, type AssessmentStatus, type KpiAssessment } from '../model/kpi-assessment';
import { describeGap, describeTarget, formatFigure, targetBound } from '../model/kpi-judgement';
import type { MonthValue } from '../model/kpi-projection';
import {
  baselineCell,
  countKpiRows,
  countsLine,
  defaultMonth,
  groupKpiRows,
  kpiColumns,
  kpiDetailView,
  kpiRows,
  type KpiColumns,
  type KpiRow,
} from '../model/kpi-rows';
import { parseDecimal } from '../model/number-text';
import type { Kpi, Measurement, Plan, Section } from '../model/schemas';
import { bothFiscalYear, bothMonth, seirekiMonth, warekiMonth, type YearMonth } from '../model/wareki';
import { KpiChart } from './kpi-chart';
import { KpiVisits } from './kpi-visits';
import { Link } from './link';
import { kpiAnchor, paths } from './router';
import { PlanNotFound } from './plan-not-found';
import { DraftState } from './draft-state';
import { useRegisterFlush } from './save-registry';
import './kpi-page.css';
import { errorText } from './messages';

export function KpiPage({ planId }: { planId: string }) {
  const structure = usePlanStructure(planId);
  const insight = useKpiInsight(planId);
  if (structure.loading || insight.loading) return <p class="page">読み込み中…</p>;
  if (!structure.value || structure.value.plan.deleted) {
    return <PlanNotFound />;
  }
  const { plan, sections, kpis } = structure.value;
  const { measurements, lastYear } = insight.value;
  return <KpiBoard plan={plan} sections={sections} kpis={kpis} measurements={measurements} lastYear={lastYear} />;
}

const STATUS_CLASS: Record<AssessmentStatus, string> = { 達成: 'good', 未達: 'short', 達成見込み: 'good', 未達見込み: 'short', 判定不可: 'none' };
// A shape as well as a colour, so 未達 stands out in grey print and for colour-blind readers;
// hollow shapes for a projection, not yet a fact.
const STATUS_ICON: Record<AssessmentStatus, string> = { 達成: '✔', 未達: '▼', 達成見込み: '✓', 未達見込み: '▽', 判定不可: '' };
const isForecastStatus = (s: AssessmentStatus) => s === '達成見込み' || s === '未達見込み';

function KpiBoard({
  plan,
  sections,
  kpis,
  measurements,
  lastYear,
}: {
  plan: Plan;
  sections: Section[];
  kpis: Kpi[];
  measurements: Measurement[];
  lastYear: ReadonlyMap<string, MonthValue[]>;
}) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [onlyShort, setOnlyShort] = useState(false);

  const rows = useMemo(() => kpiRows(plan.fiscalYear, sections, kpis, measurements, lastYear), [plan.fiscalYear, sections, kpis, measurements, lastYear]);
  const counts = countKpiRows(rows);
  const groups = useMemo(() => groupKpiRows(rows, sections, onlyShort), [rows, sections, onlyShort]);
  const columns = useMemo(() => kpiColumns(plan.fiscalYear, kpis), [plan.fiscalYear, kpis]);

  const toggle = (id: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  // A link from the dashboard names one KPI (#kpi-…); its row exists only now that the data is
  // here, too late for the browser's own jump, so bring it into view and focus its name.
  useEffect(() => {
    const row = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!row) return;
    row.scrollIntoView?.({ block: 'center' });
    row.querySelector('button')?.focus({ preventScroll: true });
  }, []);

  return (
    <section class="page kpi-page">
      <nav class="breadcrumb" aria-label="パンくず">
        <Link href={paths.plan(plan.id)}>← {plan.title}</Link>
      </nav>
      <h1>
        {plan.title}
        <span class="h1-sub">KPI目標の進捗状況</span>
      </h1>
      <p class="subtitle">
        {plan.branch}・{bothFiscalYear(plan.fiscalYear)}・全{rows.length}指標
      </p>
      <div class="kpi-summary">
        <p class="kpi-counts">
          <span class="count count-short">
            <span aria-hidden="true">{STATUS_ICON.未達} </span>未達 {counts.未達}件
          </span>
          {counts.未達見込み > 0 && (
            <span class="count count-forecast">
              <span aria-hidden="true">{STATUS_ICON.未達見込み} </span>未達見込み {counts.未達見込み}件
            </span>
          )}
          <span class="count">達成 {counts.達成}件</span>
          {counts.達成見込み > 0 && <span class="count">達成見込み {counts.達成見込み}件</span>}
          {counts.判定不可 > 0 && <span class="count">判定不可 {counts.判定不可}件</span>}
          {counts.実績未入力 > 0 && <span class="count">実績未入力 {counts.実績未入力}件</span>}
        </p>
        <button type="button" class="toggle toggle-text" aria-pressed={onlyShort} onClick={() => setOnlyShort(!onlyShort)}>
          未達・未達見込みのみ表示
        </button>
      </div>
      {rows.length === 0 ? (
        <p>
          この計画にはKPIがありません。<Link href={paths.structure(plan.id)}>構成の編集</Link>で追加できます。
        </p>
      ) : groups.length === 0 ? (
        <p>未達・未達見込みのKPIはありません。</p>
      ) : (
        <table class={`kpi-table${columns.previousTarget || columns.baseline ? ' kpi-table-wide' : ''}`}>
          <caption class="visually-hidden">KPI目標の進捗状況（指標名を押すと実績の入力とグラフを表示）</caption>
          <thead>
            <tr>
              <th scope="col" class="col-section">
                事業計画
              </th>
              <th scope="col">指標</th>
              <th scope="col" class="col-target">
                {columns.target}
              </th>
              {columns.previousTarget && (
                <th scope="col" class="col-target">
                  {columns.previousTarget}
                </th>
              )}
              {columns.baseline && (
                <th scope="col" class="col-baseline">
                  {columns.baseline}
                </th>
              )}
              <th scope="col" class="col-actual">
                実績
              </th>
              <th scope="col" class="col-month">
                時点
              </th>
              <th scope="col" class="col-judgement">
                判定
              </th>
            </tr>
          </thead>
          {groups.map((g, gi) => {
            const span = g.rows.reduce((n, r) => n + (open.has(r.kpi.id) ? 2 : 1), 0);
            return (
              <tbody key={`${g.section?.id ?? 'none'}-${gi}`}>
                {g.rows.map((row, i) => (
                  <KpiRows
                    key={row.kpi.id}
                    plan={plan}
                    row={row}
                    open={open.has(row.kpi.id)}
                    toggle={toggle}
                    columns={columns}
                    sectionCell={i === 0 ? { section: g.section, labelPath: g.labelPath, span } : null}
                  />
                ))}
              </tbody>
            );
          })}
        </table>
      )}
    </section>
  );
}

function KpiRows({
  plan,
  row,
  open,
  toggle,
  sectionCell,
  columns,
}: {
  plan: Plan;
  row: KpiRow;
  open: boolean;
  toggle: (id: string) => void;
  sectionCell: { section: Section | undefined; labelPath: string; span: number } | null;
  columns: KpiColumns;
}) {
  const { kpi, assessment } = row;
  const detailId = `kpi-detail-${kpi.id}`;
  const counts = countsLine(kpi);
  const span = 5 + (columns.previousTarget ? 1 : 0) + (columns.baseline ? 1 : 0);
  return (
    <>
      <tr id={kpiAnchor(kpi.id)} class={`kpi-row kpi-row-${STATUS_CLASS[assessment.status]}`}>
        {sectionCell && (
          <th scope="rowgroup" rowSpan={sectionCell.span} class="col-section">
            {sectionCell.section ? (
              <>
                <span class="label">{sectionCell.labelPath}</span> {sectionCell.section.title}
              </>
            ) : (
              <span class="hint">（事業計画の指定なし）</span>
            )}
          </th>
        )}
        <td>
          <button type="button" class="kpi-name" aria-expanded={open} aria-controls={detailId} onClick={() => toggle(kpi.id)}>
            <span class="fold-icon" aria-hidden="true">
              {open ? '▾' : '▸'}
            </span>
            <span>
              {kpi.number}
              {kpi.name}
            </span>
          </button>
          {counts && <span class="kpi-counts-line">{counts}</span>}
          <span class="kpi-reason">{assessment.reason}</span>
        </td>
        {/* data-label: on a phone each row is a card whose cells name their column (kpi-page.css). */}
        <td data-label={columns.target}>{row.target}</td>
        {columns.previousTarget && (
          <td data-label={columns.previousTarget}>{kpi.previousTarget ? describeTarget(kpi.previousTarget, kpi.unit, kpi.decimals) : '－'}</td>
        )}
        {columns.baseline && <td data-label={columns.baseline}>{baselineCell(kpi) ?? '－'}</td>}
        <td class="num" data-label="実績">
          {row.latest !== null ? <Amount kpi={kpi} value={row.latest} /> : '－'}
        </td>
        <td class="month" data-label="時点">
          {row.judgement.month ? <BothMonth month={row.judgement.month} /> : '－'}
        </td>
        <td data-label="判定">
          <AssessmentBadge kpi={kpi} assessment={assessment} />
        </td>
      </tr>
      {open && (
        <tr class="kpi-detail-row">
          <td colSpan={span} id={detailId}>
            <KpiDetail plan={plan} row={row} />
          </td>
        </tr>
      )}
    </>
  );
}

/**
 * A narrow column breaks between the number and its unit, never inside either. One box, so that
 * a phone's card row (a flex row with gaps) does not set the unit apart from its number.
 */
function Amount({ kpi, value }: { kpi: Pick<Kpi, 'unit' | 'decimals'>; value: number }) {
  return (
    <span>
      <span class="nowrap">{formatFigure(value, kpi.decimals)}</span>
      {kpi.unit && <span class="nowrap">{kpi.unit}</span>}
    </span>
  );
}

function BothMonth({ month }: { month: YearMonth }) {
  return (
    <span>
      <span class="nowrap">{warekiMonth(month)}</span>
      <span class="nowrap seireki">（{seirekiMonth(month)}）</span>
    </span>
  );
}

/** The judgement as a badge (判定不可 with its short reason), the gap, and a projection's March value. */
function AssessmentBadge({ kpi, assessment }: { kpi: Kpi; assessment: Pick<KpiAssessment, 'status' | 'unjudged' | 'judgement' | 'projection'> }) {
  const gap = assessment.judgement ? describeGap(assessment.judgement, kpi.unit) : '';
  const projected = isForecastStatus(assessment.status) ? (assessment.projection?.projected ?? null) : null;
  const kind = isForecastStatus(assessment.status) ? 'forecast' : 'judgement';
  return (
    <span class={`judgement-cell${kind === 'forecast' ? ' forecast-cell' : ''}`}>
      <span class={`${kind} ${kind}-${STATUS_CLASS[assessment.status]}`}>
        {STATUS_ICON[assessment.status] && <span aria-hidden="true">{STATUS_ICON[assessment.status]}</span>}
        {assessmentLabel(assessment)}
      </span>
      {projected !== null && (
        <span class="gap">
          3月 <Amount kpi={kpi} value={projected} />
        </span>
      )}
      {gap && <span class="gap">{gap}</span>}
    </span>
  );
}

function KpiDetail({ plan, row }: { plan: Plan; row: KpiRow }) {
  const { kpi, judgement, projection, forecast } = row;
  const { months, values, recorded, lastYear, projected, forecastText, summary } = useMemo(() => kpiDetailView(row, plan.fiscalYear), [row, plan.fiscalYear]);
  return (
    <section class="kpi-detail" aria-label={`${kpi.name}の詳細`}>
      {/* The row above shows the name; the heading keeps the outline whole for screen readers. */}
      <h2 class="visually-hidden">{kpi.name}</h2>
      <MeasurementForm plan={plan} kpi={kpi} months={months} values={values} latestMonth={judgement.month} />
      {(row.assessment.baseline || kpi.footnotes?.length) && (
        <div class="kpi-plan-notes">
          {row.assessment.baseline && <p>{row.assessment.baseline}</p>}
          {kpi.footnotes?.map((f) => (
            <p key={f} class="hint">
              {f}
            </p>
          ))}
        </div>
      )}
      <div class="kpi-detail-body">
        <div class="kpi-monthly">
          <h3>月ごとの実績</h3>
          {recorded.length === 0 ? (
            <p class="hint">まだ実績はありません。</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">時点</th>
                  <th scope="col">実績</th>
                  <th scope="col">判定</th>
                </tr>
              </thead>
              <tbody>
                {recorded.map(({ month, value }) => (
                  <tr key={month}>
                    <th scope="row" class="month">
                      <BothMonth month={month} />
                    </th>
                    <td class="num">
                      <Amount kpi={kpi} value={value} />
                    </td>
                    <td>
                      {/* As the KPI stood that month: a build-up rate is not judged 未達 on April's figure. */}
                      <AssessmentBadge
                        kpi={kpi}
                        assessment={assessKpi({ kpi, fiscalYear: plan.fiscalYear, actuals: row.measurements, lastYear: row.lastYear, asOf: month })}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div class="kpi-graph">
          {forecast ? (
            <div class="kpi-forecast">
              <h3>年度末の見込み</h3>
              <p>{forecastText}</p>
              <p class="forecast-method">
                見込みの出し方：{forecast.description}
                {forecast.capped && '（100%を超える分は100%としています）'}
              </p>
            </div>
          ) : (
            // A KPI that builds up but cannot be projected yet says why, here only, not in the table.
            (projection.gap === 'noActual' || projection.gap === 'tooShort') && (
              <div class="kpi-forecast">
                <h3>年度末の見込み</h3>
                <p class="hint">{projection.description}</p>
              </div>
            )
          )}
          <h3>年度の推移</h3>
          <KpiChart
            values={values}
            months={months}
            target={targetBound(kpi.target)}
            targetLabel={row.target}
            lastYear={lastYear}
            projection={projected}
            unit={kpi.unit}
            summary={summary}
          />
        </div>
      </div>
      <KpiVisits plan={plan} kpi={kpi} />
    </section>
  );
}

type Message = { kind: 'ok' | 'error'; text: string } | null;

function MeasurementForm({
  plan,
  kpi,
  months,
  values,
  latestMonth,
}: {
  plan: Plan;
  kpi: Kpi;
  months: YearMonth[];
  values: (number | null)[];
  latestMonth: string | null;
}) {
  const db = useDb();
  const actor = useActorName();
  const [firstMonth] = useState(() => defaultMonth(months, latestMonth));
  // An actual being typed is kept on the device as a draft until it is saved or discarded.
  // Until the person types, the box shows the stored actual of the month (also when another
  // device changes it meanwhile).
  const draft = useDraftForm(`measurement:${kpi.id}`, { month: firstMonth, text: '', typed: '' });
  useRegisterFlush(draft.flush);
  const month = months.includes(draft.fields.month) ? draft.fields.month : firstMonth;
  const storedText = (m: YearMonth) => {
    const v = values[months.indexOf(m)] ?? null;
    return v === null ? '' : String(v);
  };
  const stored = values[months.indexOf(month)] ?? null;
  const typed = draft.fields.typed === '1';
  const text = typed ? draft.fields.text : storedText(month);
  const [message, setMessage] = useState<Message>(null);
  const idBase = `kpi-${kpi.id}`;

  /** Back to the stored actual of a month: no draft. */
  const showStored = (m: YearMonth) => draft.reset({ month: m, text: '', typed: '' });

  function chooseMonth(m: YearMonth) {
    // A value being typed stays (and stays a draft) when the month is changed after it.
    if (typed) draft.set({ month: m });
    else void showStored(m);
    setMessage(null);
  }

  function onValueInput(value: string) {
    if (value === storedText(month)) void showStored(month);
    else draft.set({ month, text: value, typed: '1' });
  }

  async function write(value: number | null, done: string): Promise<boolean> {
    try {
      await saveMeasurement(db, { planId: plan.id, kpiId: kpi.id, month }, value, actor);
      setMessage({ kind: 'ok', text: done });
      return true;
    } catch (e) {
      setMessage({ kind: 'error', text: errorText(e) });
      return false;
    }
  }

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (!text.trim()) {
      setMessage({ kind: 'error', text: '実績を入力してください。消すときは「この月の実績を消す」を押してください。' });
      return;
    }
    const value = parseDecimal(text);
    if (value === undefined) {
      setMessage({
        kind: 'error',
        text: `「${text.trim()}」は数値として読めません。実績は 98.2 や 2,719 のように数字で入力してください。何も保存していません。`,
      });
      return;
    }
    if (await write(value, `${bothMonth(month)}の実績 ${formatFigure(value, kpi.decimals)}${kpi.unit} を保存しました。`)) await showStored(month);
  }

  return (
    <form class="measurement-form" onSubmit={onSubmit} aria-label={`${kpi.name}の実績の入力`}>
      <label class="field">
        時点
        <select value={month} onChange={(e) => chooseMonth(e.currentTarget.value)}>
          {months.map((m, i) => {
            const v = values[i];
            return (
              <option key={m} value={m}>
                {bothMonth(m)}
                {v === null || v === undefined ? '' : `：${formatFigure(v, kpi.decimals)}${kpi.unit}`}
              </option>
            );
          })}
        </select>
      </label>
      <div class="field">
        <label for={`${idBase}-value`}>実績</label>
        <span class="with-unit">
          <input
            id={`${idBase}-value`}
            type="text"
            inputMode="decimal"
            autoComplete="off"
            value={text}
            aria-describedby={kpi.unit ? `${idBase}-unit` : undefined}
            aria-invalid={message?.kind === 'error'}
            onInput={(e) => onValueInput(e.currentTarget.value)}
          />
          {kpi.unit && <span id={`${idBase}-unit`}>{kpi.unit}</span>}
        </span>
      </div>
      <button type="submit" class="primary">
        保存
      </button>
      <button
        type="button"
        disabled={stored === null}
        onClick={async () => {
          if (await write(null, `${bothMonth(month)}の実績を消しました。`)) await showStored(month);
        }}
      >
        この月の実績を消す
      </button>
      {typed && <DraftState what="実績" saving={draft.saving} failed={draft.failed} onDiscard={() => void showStored(month).then(() => setMessage(null))} />}
      {/* The status region stays mounted so screen readers hear each new confirmation. */}
      <p role="status" class="form-message ok">
        {message?.kind === 'ok' && message.text}
      </p>
      {message?.kind === 'error' && (
        <p role="alert" class="form-message error">
          {message.text}
        </p>
      )}
    </form>
  );
}
