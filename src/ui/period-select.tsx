// The 報告期間 selector the plan, item, dashboard and report screens share: the plan's periods,
// the chosen one selected; `onPick` says where the choice leads.
import { periodsOf, type Period } from '../model/period';
import type { Plan } from '../model/schemas';

export function PeriodSelect({
  plan,
  value,
  onPick,
  note,
}: {
  plan: Plan;
  value: string;
  onPick: (periodId: string) => void;
  note?: (period: Period) => string;
}) {
  return (
    <label class="field">
      報告期間
      <select value={value} onChange={(e) => onPick(e.currentTarget.value)}>
        {periodsOf(plan.fiscalYear, plan.periodKind).map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
            {note?.(p)}
          </option>
        ))}
      </select>
    </label>
  );
}
