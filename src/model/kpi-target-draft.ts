// A KPI target as the structure screen's form edits it: the numbers stay text until saved, so a
// typo can be shown and fixed, and the target is built from the draft (or refused with the reason
// in Japanese) only when the form is saved. Pure.
import { parseDecimal } from './number-text';
import type { KpiDirection, KpiTarget } from './schemas';

export interface TargetDraft {
  kind: KpiTarget['kind'];
  /** The target value, or last year's value for 対前年度; '' for none. */
  number: string;
  direction: KpiDirection;
  /** The words of a qualitative target. */
  text: string;
  /** 年度末時点で: judged on March's figure only. */
  yearEnd: boolean;
}

/** The draft of a KPI's target, or of a new KPI's (a value, 以上) when there is none. */
export function targetDraft(t: KpiTarget | undefined): TargetDraft {
  return {
    kind: t?.kind ?? 'value',
    number: t?.kind === 'value' ? String(t.value) : t?.kind === 'previousYear' && t.previousValue !== null ? String(t.previousValue) : '',
    direction: t && (t.kind === 'value' || t.kind === 'previousYear') ? t.direction : ('以上' as KpiDirection),
    text: t?.kind === 'qualitative' ? t.text : '',
    yearEnd: t?.kind === 'value' || t?.kind === 'previousYear' ? t.yearEnd === true : false,
  };
}

/**
 * The target, or the message saying why the form cannot make one. A conditional target is written
 * in the plan file; the form keeps `current` as it is when its kind is left unchanged.
 */
export function buildTarget(draft: TargetDraft, current?: KpiTarget): KpiTarget | string {
  if (draft.kind === 'conditional') return current?.kind === 'conditional' ? current : '条件付きの目標は計画ファイルで設定してください。';
  const yearEnd = draft.yearEnd ? { yearEnd: true } : {};
  if (draft.kind === 'qualitative') return draft.text.trim() ? { kind: 'qualitative', text: draft.text.trim() } : '目標の文言を入力してください。';
  if (draft.kind === 'previousYear' && !draft.number.trim()) return { kind: 'previousYear', previousValue: null, direction: draft.direction, ...yearEnd };
  const n = parseDecimal(draft.number);
  if (n === undefined)
    return draft.kind === 'value' ? '目標値を数値で入力してください（例: 68.0）。' : '前年度の値は数値で入力してください（わからなければ空欄）。';
  return draft.kind === 'value'
    ? { kind: 'value', value: n, direction: draft.direction, ...yearEnd }
    : { kind: 'previousYear', previousValue: n, direction: draft.direction, ...yearEnd };
}
