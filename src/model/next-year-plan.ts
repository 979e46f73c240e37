// Next year's plan (翌年度の事業計画) drafted from this year's, as a plan file: the same sections,
// items (labels, 担当グループ, tags) and KPIs under the same refs, the fiscal year and the year in
// the title moved on by one, and nothing of this year's record (no progress, notes or actuals).
// Each 対前年度 target's 前年度 value becomes this year's actual: the latest one, or for a KPI that
// builds up over the year only March's. With nextYearPlanId the new plan's record ids follow from
// the branch, the year and this year's refs alone, so two devices creating it meet as one plan.
// Pure and deterministic.
import { isCumulativeKpi } from './kpi-projection';
import type { FileSection, PlanFile } from './plan-file';
import { LIMITS, type KpiTarget, type Plan } from './schemas';
import { fiscalYearFromWareki, monthsOfFiscalYear, toHalfWidth, warekiFiscalYear, type YearMonth } from './wareki';

/** The 前年度 value a 対前年度 target of next year's plan now has. */
export interface NextYearBaseline {
  /** The KPI's ref (the same in both years' files). */
  kpi: string;
  name: string;
  unit: string;
  /** Builds up over the year, so only March's actual is the year's figure. */
  cumulative: boolean;
  /** This year's actual (null when there is none yet, to be filled in later) and its month. */
  value: number | null;
  month: YearMonth | null;
}

export interface NextYearPlan {
  file: PlanFile;
  /** One per KPI with a 対前年度 target, in file order. */
  baselines: NextYearBaseline[];
}

/**
 * The id of the plan of the year after `plan`'s, the same on every device: `BRANCHID-YEAR` as the
 * admin CLI imports it by default, or for a plan only on this device its branch name (NFKC,
 * without spaces) in place of the branch id.
 */
export function nextYearPlanId(plan: Pick<Plan, 'branchId' | 'branch' | 'fiscalYear'>): string {
  return `${plan.branchId ?? branchNameKey(plan.branch)}-${plan.fiscalYear + 1}`;
}

/** At most 80 UTF-16 units (whole characters), so that `PLANID/REF` stays a valid record id. */
function branchNameKey(branch: string): string {
  let key = '';
  for (const ch of branch.normalize('NFKC').replace(/[\s\p{Cc}]/gu, '')) {
    if (key.length + ch.length > 80) break;
    key += ch;
  }
  return key;
}

const FULL_WIDTH_DIGITS = '０１２３４５６７８９';

function sameWidth(digits: string, like: string): string {
  return /[０-９]/.test(like) ? digits.replace(/[0-9]/g, (d) => FULL_WIDTH_DIGITS[Number(d)]!) : digits;
}

/**
 * The title with this year written as next year, in the same era and width: 令和６年度 → 令和７年度,
 * R6年度 → R7年度, 2024年度 → 2025年度. A title that names no year gets next year in front.
 */
export function nextYearTitle(title: string, fiscalYear: number): string {
  const [, nextEra = '', nextNumber = ''] = /^(令和|平成)(元|\d+)年度$/.exec(warekiFiscalYear(fiscalYear + 1)) ?? [];
  let found = false;
  let out = title.replace(/(令和|平成|[RHＲＨ])(\s*)(元|[0-9０-９]{1,2})(\s*年度)/g, (whole, era: string, space: string, n: string, rest: string) => {
    const ascii = era.replace(/[ＲＨ]/, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
    if (fiscalYearFromWareki(`${ascii}${toHalfWidth(n)}年度`) !== fiscalYear) return whole;
    found = true;
    const short = ascii.length === 1;
    // R stays R (and Ｒ stays Ｒ) unless the era itself changes, as it did in 2019.
    const newEra = !short ? nextEra : (nextEra === '令和') === (ascii.toUpperCase() === 'R') ? era : nextEra === '令和' ? 'R' : 'H';
    const number = nextNumber === '元' ? (short ? '1' : '元') : sameWidth(nextNumber, n);
    return `${newEra}${space}${number}${rest}`;
  });
  out = out.replace(/([0-9０-９]{4})(\s*年度)/g, (whole, y: string, rest: string) => {
    if (Number(toHalfWidth(y)) !== fiscalYear) return whole;
    found = true;
    return `${sameWidth(String(fiscalYear + 1), y)}${rest}`;
  });
  return (found ? out : `${warekiFiscalYear(fiscalYear + 1)} ${title}`).slice(0, LIMITS.shortText);
}

/** Next year's plan from this year's file, its sections, items and KPIs keeping their refs. */
export function nextYearPlan(file: PlanFile): NextYearPlan {
  const copySection = (s: FileSection): FileSection => {
    const items = s.items?.map((i) => ({
      id: i.id,
      label: i.label,
      text: i.text,
      ...(i.groups !== undefined ? { groups: [...i.groups] } : {}),
      ...(i.tags !== undefined ? { tags: [...i.tags] } : {}),
    }));
    const sections = s.sections?.map(copySection);
    return {
      id: s.id,
      label: s.label,
      title: s.title,
      ...(s.groups !== undefined ? { groups: [...s.groups] } : {}),
      ...(s.note !== undefined ? { note: s.note } : {}),
      ...(items ? { items } : {}),
      ...(sections ? { sections } : {}),
    };
  };
  const sections = file.sections.map(copySection);

  const { branch, fiscalYear, title, periodKind } = file.plan;
  const march = monthsOfFiscalYear(fiscalYear)[11]!;
  const latest = new Map<string, { month: YearMonth; value: number }>();
  const ofMarch = new Map<string, { month: YearMonth; value: number }>();
  for (const m of file.measurements ?? []) {
    if (m.value === null) continue;
    const seen = latest.get(m.kpi);
    if (!seen || m.month > seen.month) latest.set(m.kpi, { month: m.month, value: m.value });
    if (m.month === march) ofMarch.set(m.kpi, { month: m.month, value: m.value });
  }
  const baselines: NextYearBaseline[] = [];
  const kpis = (file.kpis ?? []).map((k) => {
    let target: KpiTarget = { ...k.target };
    const relative =
      k.target.kind === 'previousYear' ||
      (k.target.kind === 'conditional' && [...k.target.rules.map((r) => r.target), k.target.otherwise].some((r) => r.kind === 'previousYear'));
    if (relative) {
      // Last year's figure is this year's actual, or unknown: the old 前年度 value is two years old.
      // A KPI that builds up over the year has its year's figure only in March; a month before that
      // is part of a year, so it stays unknown until March's actual is there.
      const cumulative = isCumulativeKpi(k);
      const actual = (cumulative ? ofMarch : latest).get(k.id);
      const renew = <T extends KpiTarget>(t: T): T => (t.kind === 'previousYear' ? { ...t, previousValue: actual?.value ?? null } : t);
      target =
        k.target.kind === 'conditional'
          ? { ...k.target, rules: k.target.rules.map((r) => ({ ...r, target: renew(r.target) })), otherwise: renew(k.target.otherwise) }
          : renew(k.target);
      baselines.push({ kpi: k.id, name: k.name, unit: k.unit, cumulative, value: actual?.value ?? null, month: actual?.month ?? null });
    }
    // This year's target is next year's 令和N−1年度KPI, and this year's latest actual its 現状.
    const now = latest.get(k.id);
    return {
      id: k.id,
      ...(k.section !== undefined ? { section: k.section } : {}),
      ...(k.number !== undefined ? { number: k.number } : {}),
      name: k.name,
      unit: k.unit,
      ...(k.decimals !== undefined ? { decimals: k.decimals } : {}),
      target,
      previousTarget: k.target,
      ...(now ? { baseline: { value: now.value, month: now.month } } : {}),
      ...(k.footnotes !== undefined ? { footnotes: [...k.footnotes] } : {}),
      ...(k.cumulative !== undefined ? { cumulative: k.cumulative } : {}),
    };
  });

  return {
    file: {
      format: file.format,
      version: file.version,
      plan: { branch, fiscalYear: fiscalYear + 1, title: nextYearTitle(title, fiscalYear), periodKind, status: '案' },
      sections,
      kpis,
    },
    baselines,
  };
}
