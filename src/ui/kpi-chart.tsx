// A KPI's actuals over the fiscal year (April–March) against its target line, drawn by uPlot.
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
  unit: string;
  /** The text a screen reader gets instead of the picture. */
  summary: string;
}

const HEIGHT = 220;
const FONT = '12px "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", sans-serif';

function options(props: KpiChartProps, width: number): uPlot.Options {
  const monthLabel = (i: number) => {
    const ym = props.months[i];
    return ym === undefined ? '' : `${splitYearMonth(ym).month}月`;
  };
  const series: uPlot.Series[] = [
    { label: '時点' },
    // Points as well as the line: a month between gaps has no line to show it.
    { label: '実績', stroke: '#1d4e89', width: 2, points: { show: true, size: 8, fill: '#1d4e89' } },
  ];
  if (props.target !== null) {
    series.push({ label: `目標（${props.targetLabel}）`, stroke: '#a4262c', width: 2, dash: [8, 6], points: { show: false } });
  }
  return {
    width,
    height: HEIGHT,
    series,
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
  const xs = props.months.map((_, i) => i);
  return props.target === null ? [xs, [...props.values]] : [xs, [...props.values], xs.map(() => props.target)];
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
  const key = JSON.stringify([props.values, props.months, props.target]);
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
      <p class="kpi-chart-legend" aria-hidden="true">
        <span class="legend-actual">● 実績{props.unit && `（単位: ${props.unit}）`}</span>
        {props.target !== null && <span class="legend-target">- - 目標（{props.targetLabel}）</span>}
      </p>
      {failed && <p class="hint">グラフを表示できませんでした（表の値は正しく表示されています）。</p>}
    </div>
  );
}
