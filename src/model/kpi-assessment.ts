// The KPI judgement a careful person would sign, with its reason in one Japanese sentence: which
// rule applies (a conditional target picks its rule from the data), which figure it is judged on
// (a year-end rule only on March; a rate that builds up over the year never on a mid-year figure,
// but on its projection, or not at all), and where the plan started (現状, shown with its gap to
// the target, never judged as the year's result). Pure; the KPI screen, the dashboard, the report
// and `plan check` all show what this returns. Table-driven tests: test/unit/model/kpi-assessment.test.ts.
import { describeGap, describeTarget, formatFigure, judge, type Judgement } from './kpi-judgement';
import { isCumulativeKpi, projectKpi, type KpiProjection, type MonthValue } from './kpi-projection';
import type { ConditionDirection, Kpi, KpiRule } from './schemas';
import { describeAsOf, fiscalMonthIndex, fiscalYearOfMonth, monthsOfFiscalYear, warekiFiscalYear, warekiMonth, type YearMonth } from './wareki';

export type AssessmentStatus = '達成' | '未達' | '達成見込み' | '未達見込み' | '判定不可';

/** Why a KPI is 判定不可; each has its short label for a badge. */
export const UNJUDGED = {
  qualitative: '定性目標',
  noCondition: '条件の判断不可',
  noBound: '前年度値なし',
  noActual: '実績未入力',
  midYear: '年度途中',
} as const;
export type Unjudged = keyof typeof UNJUDGED;

export interface KpiAssessment {
  status: AssessmentStatus;
  /** Set when status is 判定不可. */
  unjudged: Unjudged | null;
  /** The judgement in one Japanese sentence. */
  reason: string;
  /** The rule judged by: the target, or the rule a conditional target picked; null when it could not pick. */
  rule: KpiRule | null;
  /** Which rule of a conditional target applies and why; null for other targets. */
  ruleReason: string | null;
  /** The actual judged (or projected from), and its month; null when there is none. */
  value: number | null;
  month: YearMonth | null;
  /** The comparison of `value` (or of the projected year-end value) with the bound. */
  judgement: Judgement | null;
  /** The year-end projection, when the status rests on one. */
  projection: KpiProjection | null;
  /** 「現状 7,013事業所（令和6年11月末）、目標まで あと187事業所」; null without a 現状. */
  baseline: string | null;
}

export interface AssessmentInput {
  kpi: Pick<Kpi, 'name' | 'unit' | 'target' | 'cumulative' | 'decimals' | 'baseline'>;
  fiscalYear: number;
  /** This year's actuals; those outside the fiscal year, after `asOf` or without a value are ignored. */
  actuals: readonly MonthValue[];
  /** The same KPI's actuals of the year before, when known (its year-end value feeds 対前年度 and conditions). */
  lastYear?: readonly MonthValue[] | undefined;
  /** Judge as of this month (the report's 時点); default: every actual of the year. */
  asOf?: YearMonth | undefined;
}

function holds(direction: ConditionDirection, value: number, bound: number): boolean {
  if (direction === '以上') return value >= bound;
  if (direction === '以下') return value <= bound;
  if (direction === '超') return value > bound;
  return value < bound;
}

/** The value of March of the year before, if reported. */
function lastYearEnd(lastYear: readonly MonthValue[] | undefined, fiscalYear: number): number | undefined {
  const march = monthsOfFiscalYear(fiscalYear - 1)[11];
  const v = lastYear?.find((m) => m.month === march)?.value;
  return v === null || v === undefined || !Number.isFinite(v) ? undefined : v;
}

/** The 現状 with its distance to a numeric target: 「現状 7,013事業所（令和6年11月末）、目標まで あと187事業所」. */
export function describeBaseline(kpi: AssessmentInput['kpi'], rule: KpiRule | null): string | null {
  const b = kpi.baseline;
  if (!b) return null;
  const figure = (n: number) => `${formatFigure(n, kpi.decimals)}${kpi.unit}`;
  const head = `現状 ${figure(b.value)}（${describeAsOf(b)}${b.note ? ` ${b.note}` : ''}）`;
  if (rule?.kind !== 'value') return head;
  // A build-up rate part way through a year is not comparable with a year's target.
  if (isCumulativeKpi(kpi) && fiscalMonthIndex(b.month) !== 11) return `${head}、年度途中の値`;
  const short = rule.direction === '以上' ? rule.value - b.value : b.value - rule.value;
  const rounded = Math.round(Math.abs(short) * 1e9) / 1e9;
  return short > 0 ? `${head}、目標まで あと${figure(rounded)}` : `${head}、目標の水準に届いています`;
}

/** The rule of a conditional target that applies, from the KPI's figure at the start of the year. */
function pickRule(input: AssessmentInput): { rule: KpiRule | null; reason: string | null } {
  const { kpi } = input;
  const target = kpi.target;
  if (target.kind !== 'conditional') return { rule: target, reason: null };
  const end = lastYearEnd(input.lastYear, input.fiscalYear);
  // A build-up rate's 現状 part way through a year is no figure of a year: it decides nothing.
  const baseline = kpi.baseline && (!isCumulativeKpi(kpi) || fiscalMonthIndex(kpi.baseline.month) === 11) ? kpi.baseline : undefined;
  const start =
    end !== undefined
      ? { value: end, what: `前年度末（${warekiMonth(monthsOfFiscalYear(input.fiscalYear - 1)[11]!)}）の実績` }
      : baseline
        ? { value: baseline.value, what: `現状（${describeAsOf(baseline)}）` }
        : undefined;
  const figure = (n: number) => `${formatFigure(n, kpi.decimals)}${kpi.unit}`;
  if (!start) {
    return {
      rule: null,
      reason: kpi.baseline
        ? '条件を判断する前年度末の実績がなく、現状は年度途中の値のため、どの目標で判定するか決められません。'
        : '条件を判断する前年度末の実績も現状もないため、どの目標で判定するか決められません。',
    };
  }
  for (const r of target.rules) {
    if (holds(r.when.direction, start.value, r.when.value)) {
      const rule = r.target;
      return {
        rule,
        reason: `${start.what}が${figure(start.value)}で${figure(r.when.value)}${r.when.direction}のため、「${describeTarget(rule, kpi.unit, kpi.decimals)}」で判定します。`,
      };
    }
  }
  const rule = target.otherwise;
  const conditions = target.rules.map((r) => `${figure(r.when.value)}${r.when.direction}`).join('・');
  return {
    rule,
    reason: `${start.what}が${figure(start.value)}で${conditions}ではないため、「${describeTarget(rule, kpi.unit, kpi.decimals)}」で判定します。`,
  };
}

export function assessKpi(input: AssessmentInput): KpiAssessment {
  const { kpi, fiscalYear } = input;
  const { rule, reason: ruleReason } = pickRule(input);
  const baseline = describeBaseline(kpi, rule);
  const figure = (n: number) => `${formatFigure(n, kpi.decimals)}${kpi.unit}`;
  const base = { rule, ruleReason, baseline, value: null, month: null, judgement: null, projection: null } as const;
  const unjudged = (why: Unjudged, reason: string, extra: Partial<KpiAssessment> = {}): KpiAssessment => ({
    ...base,
    status: '判定不可',
    unjudged: why,
    reason: [ruleReason, reason].filter(Boolean).join(''),
    ...extra,
  });

  if (!rule) return unjudged('noCondition', '');
  if (rule.kind === 'qualitative') return unjudged('qualitative', '定性的な目標のため、数値では判定しません。');

  const end = lastYearEnd(input.lastYear, fiscalYear);
  const bound = rule.kind === 'value' ? rule.value : (rule.previousValue ?? end ?? null);
  // 対前年度 without a value compares with last year's March, the only figure both years share.
  const resolved: KpiRule = rule.kind === 'previousYear' && rule.previousValue === null && bound !== null ? { ...rule, previousValue: bound } : rule;
  const noBound = '前年度の値が計画になく、前年度の計画の3月の実績もないため、対前年度で比べられません。';

  const asOf = input.asOf ?? monthsOfFiscalYear(fiscalYear)[11]!;
  const actuals = input.actuals.filter((a) => a.value !== null && Number.isFinite(a.value) && fiscalYearOfMonth(a.month) === fiscalYear && a.month <= asOf);
  const latest = actuals.reduce<MonthValue | undefined>((l, a) => (!l || a.month > l.month ? a : l), undefined);
  // At the start of a year nothing is reported yet: that comes first, whatever else is missing.
  if (!latest || latest.value === null) {
    return unjudged('noActual', `${warekiFiscalYear(fiscalYear)}の実績がまだありません。${bound === null ? `また、${noBound}` : ''}`);
  }
  const atMonth = { value: latest.value, month: latest.month };
  const yearEndPending = rule.yearEnd === true && fiscalMonthIndex(latest.month) !== 11;
  if (bound === null && yearEndPending) {
    return unjudged(
      'midYear',
      `年度末時点で判定する目標のため、${warekiMonth(latest.month)}の実績${figure(latest.value)}では判定しません。また、${noBound}`,
      atMonth,
    );
  }
  if (bound === null) return unjudged('noBound', noBound, atMonth);
  const targetText = describeTarget(resolved, kpi.unit, kpi.decimals);
  const short = (j: Judgement) => describeGap(j, kpi.unit).replace('−', '');
  const verdict = (j: Judgement) =>
    j.status === '達成'
      ? `目標「${targetText}」を満たしています`
      : resolved.direction === '以下'
        ? `目標「${targetText}」を${short(j)}上回っています`
        : `目標「${targetText}」に${short(j)}届いていません`;

  /** The latest actual judged as it is, `at` saying of which month. */
  const judged = (at: string): KpiAssessment => {
    const j = judge(resolved, latest.value!);
    return {
      ...base,
      ...atMonth,
      status: j.status,
      unjudged: null,
      judgement: j,
      reason: `${ruleReason ?? ''}${at}の実績${figure(latest.value!)}は${verdict(j)}。`,
    };
  };

  if (fiscalMonthIndex(latest.month) === 11) return judged(`年度末（${warekiMonth(latest.month)}）`);

  const cumulative = isCumulativeKpi(kpi);
  if (cumulative || rule.yearEnd) {
    const projection = cumulative ? projectKpi({ kpi: { ...kpi, target: resolved }, fiscalYear, actuals, lastYear: input.lastYear }) : null;
    const why = rule.yearEnd
      ? `年度末時点で判定する目標のため、${warekiMonth(latest.month)}の実績${figure(latest.value)}では判定しません`
      : `年度内に積み上がる指標のため、${warekiMonth(latest.month)}の実績${figure(latest.value)}では判定しません`;
    if (projection?.judgement && projection.projected !== null && (projection.status === '達成見込み' || projection.status === '未達見込み')) {
      return {
        ...base,
        ...atMonth,
        status: projection.status,
        unjudged: null,
        judgement: projection.judgement,
        projection,
        reason: `${ruleReason ?? ''}${why}。年度末の見込み${figure(projection.projected)}（${projection.description}）は${verdict(projection.judgement)}。`,
      };
    }
    const noProjection = cumulative ? `。実績が${actuals.length}か月分で前年度の推移もないため、年度末の見込みも出せません` : '';
    // A 現状 of the same month a year before is the one fair comparison a mid-year figure has.
    const b = kpi.baseline;
    const sameMonth = b && b.from === undefined && b.month === `${Number(latest.month.slice(0, 4)) - 1}${latest.month.slice(4)}`;
    const diff = sameMonth ? Math.round((latest.value - b.value) * 1e9) / 1e9 : null;
    const compared =
      diff === null
        ? ''
        : `。前年同月の現状（${warekiMonth(b!.month)}末）${figure(b!.value)}と比べて${diff > 0 ? '+' : diff < 0 ? '−' : '±'}${figure(Math.abs(diff))}`;
    return unjudged('midYear', `${why}${noProjection}${compared}。`, { ...atMonth, projection });
  }

  return judged(`${warekiMonth(latest.month)}時点`);
}

/** The word for a badge: 達成, 未達見込み, 判定不可（年度途中）; 実績未入力 alone when nothing is reported yet, which is no fault of the KPI. */
export function assessmentLabel(a: Pick<KpiAssessment, 'status' | 'unjudged'>): string {
  if (a.unjudged === 'noActual') return UNJUDGED.noActual;
  return a.unjudged ? `判定不可（${UNJUDGED[a.unjudged]}）` : a.status;
}
