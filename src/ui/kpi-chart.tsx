// A KPI's actuals over the fiscal year (April–March) against its target line, with last year's
// actuals (dotted) and the year-end projection (dashed) when there are any, drawn by uPlot.
// uPlot and its CSS are fetched with import() only once a chart is on screen with a width, so
// they stay out of the first screen's bundle; the text alternative is there from the start.
import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { fiscalMonthIndex, splitYearMonth, type YearMonth } from '../model/wareki';

export interface KpiChartProps {
  /** One entry per fiscal month, April first; null where there is no actual. */
  values: readonly (number | null)[];
  months: readonly YearMonth[];
  /** The bound to draw as a line; null for qualitative targets or an unknown last-year value. */
  target: number | null;
  targetLabel: string;
  /** Last year's actuals by fiscal month, April first; null when last year's plan is not known. */
  lastYear: readonly (number | null)[] | null;
  /** The projection by fiscal month: the latest actual it starts from, then the months to March; null elsewhere or when none. */
  projection: readonly (number | null)[] | null;
  unit: string;
  /** The text a screen reader gets instead of the picture. */
  summary: string;
}

const HEIGHT = 220;
const FONT = '12px "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", sans-serif';

// Each line differs in its dash as well as its colour, so the chart reads in grey print and for
// colour-blind readers; the legend below shows the same strokes.
const ACTUAL = '#1d4e89';
const LAST_YEAR = '#4d5660';
const TARGET = '#a4262c';

/** The lines to draw, back to front, with their values by fiscal month. */
function lines(props: KpiChartProps): { series: uPlot.Series; values: readonly (number | null)[] }[] {
  const out: { series: uPlot.Series; values: readonly (number | null)[] }[] = [];
  // Months last year lacks, or the projection skips, are bridged: both are trends, not reports.
  if (props.lastYear)
    out.push({ series: { label: '前年度', stroke: LAST_YEAR, width: 2, dash: [2, 4], spanGaps: true, points: { show: false } }, values: props.lastYear });
  if (props.target !== null) {
    const target = props.target;
    out.push({
      series: { label: `目標（${props.targetLabel}）`, stroke: TARGET, width: 1.5, points: { show: false } },
      values: props.months.map(() => target),
    });
  }
  // The projection continues the actuals in their colour, dashed.
  if (props.projection)
    out.push({ series: { label: '見込み', stroke: ACTUAL, width: 2, dash: [8, 5], spanGaps: true, points: { show: false } }, values: props.projection });
  // Points as well as the line: a month between gaps has no line to show it.
  // Months without a report are joined: the figure as of a month builds on the one before.
  out.push({ series: { label: '実績', stroke: ACTUAL, width: 2, spanGaps: true, points: { show: true, size: 8, fill: ACTUAL } }, values: props.values });
  return out;
}

function options(props: KpiChartProps, width: number): uPlot.Options {
  const monthLabel = (i: number) => {
    const ym = props.months[i];
    return ym === undefined ? '' : `${splitYearMonth(ym).month}月`;
  };
  return {
    width,
    height: HEIGHT,
    series: [{ label: '時点' }, ...lines(props).map((l) => l.series)],
    scales: {
      x: { time: false, range: [-0.5, 11.5] },
      // Room above and below, so a target equal to the highest value is not drawn on the frame.
      y: {
        range: (_u, min, max) => {
          const span = max - min || Math.abs(max) * 0.1 || 1;
          return [min - span * 0.25, max + span * 0.25];
        },
      },
    },
    axes: [
      { font: FONT, splits: () => props.months.map((m) => fiscalMonthIndex(m)), values: (_u, splits) => splits.map(monthLabel) },
      { font: FONT, size: 64, values: (_u, splits) => splits.map((v) => v.toLocaleString('ja-JP')) },
    ],
    cursor: { drag: { x: false, y: false } },
    // The monthly table beside the chart carries the values; a small legend below names the lines.
    legend: { show: false },
  };
}

function data(props: KpiChartProps): uPlot.AlignedData {
  return [props.months.map((_, i) => i), ...lines(props).map((l) => [...l.values])];
}

/** One import for both, so a chart never draws unstyled. */
async function loadUPlot(): Promise<typeof uPlot> {
  const [mod] = await Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]);
  return mod.default;
}

export function KpiChart(props: KpiChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [failed, setFailed] = useState(false);

  // jsdom (component tests) has no layout and no ResizeObserver: the width stays 0 and uPlot,
  // which needs canvas and matchMedia, is never loaded there.
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Twelve points draw in well under a millisecond, so any change simply draws a new chart.
  const key = JSON.stringify([props.values, props.months, props.target, props.lastYear, props.projection]);
  useEffect(() => {
    const el = box.current;
    if (!el || width <= 0) return;
    let alive = true;
    let plot: uPlot | undefined;
    loadUPlot().then(
      (UPlot) => {
        if (alive) plot = new UPlot(options(props, width), data(props), el);
      },
      (e: unknown) => {
        console.error('Loading the chart failed', e);
        if (alive) setFailed(true);
      },
    );
    return () => {
      alive = false;
      plot?.destroy();
    };
  }, [width, key]);

  return (
    <div class="kpi-chart">
      <div ref={box} class="kpi-chart-canvas" role="img" aria-label={props.summary} />
      <ul class="kpi-chart-legend" aria-label="凡例">
        <li class="legend-actual">
          <span class="swatch" aria-hidden="true" />
          実績{props.unit && `（単位: ${props.unit}）`}
        </li>
        {props.projection && (
          <li class="legend-projection">
            <span class="swatch" aria-hidden="true" />
            見込み
          </li>
        )}
        {props.lastYear && (
          <li class="legend-last-year">
            <span class="swatch" aria-hidden="true" />
            前年度
          </li>
        )}
        {props.target !== null && (
          <li class="legend-target">
            <span class="swatch" aria-hidden="true" />
            目標（{props.targetLabel}）
          </li>
        )}
      </ul>
      {failed && <p class="hint">グラフを表示できませんでした（表の値は正しく表示されています）。</p>}
    </div>
  );
}
