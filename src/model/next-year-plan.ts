// Next year's plan (翌年度の事業計画) drafted from this year's, as a plan file: the same sections,
// items (labels, 担当グループ, tags) and KPIs under new ids, the fiscal year and the year in the
// title moved on by one, and nothing of this year's record (no progress, notes or actuals). Each
// KPI's 前年度 value, which a 対前年度以上 target is judged against, becomes this year's latest
// actual. Pure and deterministic given the id generator.
import type { FileSection, PlanFile } from './plan-file';
import { LIMITS, type KpiTarget } from './schemas';
import { fiscalYearFromWareki, toHalfWidth, warekiFiscalYear, type YearMonth } from './wareki';

export interface NextYearBaseline {
  /** The KPI's ref in the new file. */
  kpi: string;
  name: string;
  /** This year's latest actual (null when none was reported) and its month. */
  value: number | null;
  month: YearMonth | null;
  /** Whether the value went into the target: only a 対前年度 target has a place for it. */
  inTarget: boolean;
}

export interface NextYearPlan {
  file: PlanFile;
  /**
   * New ref → this year's ref, for every section, item and KPI. The plan file has no place for
   * where a plan came from, so the caller keeps this if it wants the link.
   */
  sourceOf: Map<string, string>;
  /** One per KPI, in file order: what its 前年度 value now is, and as of when. */
  baselines: NextYearBaseline[];
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

/** Next year's plan from this year's file. `newId` makes the refs of the new sections, items and KPIs. */
export function nextYearPlan(file: PlanFile, newId: () => string): NextYearPlan {
  const sourceOf = new Map<string, string>();
  const newRef = new Map<string, string>();
  const fresh = (old: string) => {
    const id = newId();
    sourceOf.set(id, old);
    newRef.set(old, id);
    return id;
  };
  // Sections and their items depth-first, so refs are made in the order a person reads the plan.
  const copySection = (s: FileSection): FileSection => {
    const id = fresh(s.id);
    const items = s.items?.map((i) => ({
      id: fresh(i.id),
      label: i.label,
      text: i.text,
      ...(i.group !== undefined ? { group: i.group } : {}),
      ...(i.tags !== undefined ? { tags: [...i.tags] } : {}),
    }));
    const sections = s.sections?.map(copySection);
    return { id, label: s.label, title: s.title, ...(items ? { items } : {}), ...(sections ? { sections } : {}) };
  };
  const sections = file.sections.map(copySection);

  const latest = new Map<string, { month: YearMonth; value: number }>();
  for (const m of file.measurements ?? []) {
    if (m.value === null) continue;
    const seen = latest.get(m.kpi);
    if (!seen || m.month > seen.month) latest.set(m.kpi, { month: m.month, value: m.value });
  }
  const baselines: NextYearBaseline[] = [];
  const kpis = (file.kpis ?? []).map((k) => {
    const id = fresh(k.id);
    const actual = latest.get(k.id);
    // Last year's figure is this year's actual, or unknown: the old 前年度 value is two years old.
    const target: KpiTarget = k.target.kind === 'previousYear' ? { ...k.target, previousValue: actual?.value ?? null } : { ...k.target };
    baselines.push({ kpi: id, name: k.name, value: actual?.value ?? null, month: actual?.month ?? null, inTarget: k.target.kind === 'previousYear' });
    return {
      id,
      ...(k.section !== undefined ? { section: newRef.get(k.section)! } : {}),
      name: k.name,
      unit: k.unit,
      target,
      ...(k.cumulative !== undefined ? { cumulative: k.cumulative } : {}),
    };
  });

  const { branch, fiscalYear, title, periodKind } = file.plan;
  return {
    file: {
      format: file.format,
      version: file.version,
      plan: { branch, fiscalYear: fiscalYear + 1, title: nextYearTitle(title, fiscalYear), periodKind },
      sections,
      kpis,
    },
    sourceOf,
    baselines,
  };
}
