// The form that edits a KPI (name, unit, 事業計画 row, target) or adds one. The target is kept
// as a draft (src/model/kpi-target-draft.ts) so a mistyped number is shown and fixed, not lost.
import { useState } from 'preact/hooks';
import { useActorName, useDb } from '../data/hooks';
import { createKpi, updateRecord } from '../../sync/edits';
import { buildTarget, targetDraft } from '../../model/kpi-target-draft';
import { newKeyAfter } from '../../model/order-key';
import { describeTarget } from '../../model/kpi-judgement';
import { KPI_DIRECTIONS, LIMITS, type Kpi, type KpiTarget } from '../../model/schemas';
import { useSharedText } from '../use-autosave';
import type { Ctx } from './editor-context';
import { FormButtons, FormError } from './form-parts';

type TargetKind = KpiTarget['kind'];
const TARGET_KINDS: Record<TargetKind, string> = {
  value: '数値目標（例: 68.0%以上）',
  previousYear: '対前年度（例: 前年度（98.4%）以上）',
  qualitative: '定性的な目標（例: 毎月情報発信を行う）',
  conditional: '条件付きの目標（計画ファイルで設定）',
};

export function KpiForm({ ctx, kpi }: { ctx: Ctx; kpi?: Kpi }) {
  const db = useDb();
  const actor = useActorName();
  const nameField = useSharedText(kpi?.name ?? '');
  const name = nameField.text;
  const [unit, setUnit] = useState(kpi?.unit ?? '%');
  const [sectionId, setSectionId] = useState(kpi?.sectionId ?? '');
  const [draft, setDraft] = useState(() => targetDraft(kpi?.target));
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (!name.trim()) {
      setError('指標名を入力してください。');
      return;
    }
    const target = buildTarget(draft, kpi?.target);
    if (typeof target === 'string') {
      setError(target);
      return;
    }
    const fields = { name: name.trim(), unit: unit.trim(), target, sectionId: sectionId || null };
    const ok = await ctx.run(() =>
      kpi ? updateRecord(db, 'kpis', kpi.id, fields, actor) : createKpi(db, { planId: ctx.plan.id, ...fields, order: newKeyAfter(ctx.kpis) }, actor),
    );
    if (ok) ctx.setEditing(null);
  }

  return (
    <form class="st-form" aria-label={kpi ? 'KPIの編集' : 'KPIの追加'} onSubmit={onSubmit}>
      <div class="form-row">
        <label class="field field-grow">
          指標名
          <input maxLength={LIMITS.shortText} aria-invalid={error !== null && !name.trim()} {...nameField.bind} />
        </label>
        <label class="field field-unit">
          単位
          <input value={unit} maxLength={LIMITS.shortText} placeholder="%" onInput={(e) => setUnit(e.currentTarget.value)} />
        </label>
      </div>
      <label class="field">
        事業計画
        <select value={sectionId} onChange={(e) => setSectionId(e.currentTarget.value)}>
          <option value="">（指定なし）</option>
          {ctx.sectionOptions.map((o) => (
            <option key={o.id} value={o.id}>
              {o.text}
            </option>
          ))}
        </select>
      </label>
      <div class="form-row">
        <label class="field">
          目標の種類
          <select value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.currentTarget.value as TargetKind })}>
            {(Object.keys(TARGET_KINDS) as TargetKind[]).map((k) => (
              <option key={k} value={k} disabled={k === 'conditional' && kpi?.target.kind !== 'conditional'}>
                {TARGET_KINDS[k]}
              </option>
            ))}
          </select>
        </label>
        {draft.kind === 'conditional' ? (
          <p class="field field-grow">{kpi ? describeTarget(kpi.target, kpi.unit, kpi.decimals) : ''}</p>
        ) : draft.kind === 'qualitative' ? (
          <label class="field field-grow">
            目標の文言
            <input value={draft.text} maxLength={LIMITS.shortText} onInput={(e) => setDraft({ ...draft, text: e.currentTarget.value })} />
          </label>
        ) : (
          <>
            <label class="field field-number">
              {draft.kind === 'value' ? '目標値' : '前年度の値'}
              <input value={draft.number} inputMode="decimal" onInput={(e) => setDraft({ ...draft, number: e.currentTarget.value })} />
            </label>
            <fieldset class="st-direction">
              <legend>方向</legend>
              {KPI_DIRECTIONS.map((d) => (
                <label key={d} class="check">
                  <input
                    type="radio"
                    name={`direction-${kpi?.id ?? 'new'}`}
                    value={d}
                    checked={draft.direction === d}
                    onChange={() => setDraft({ ...draft, direction: d })}
                  />
                  {d}
                </label>
              ))}
            </fieldset>
            <label class="check">
              <input type="checkbox" checked={draft.yearEnd} onChange={(e) => setDraft({ ...draft, yearEnd: e.currentTarget.checked })} />
              年度末時点で判定
            </label>
          </>
        )}
      </div>
      <FormError error={error} />
      <FormButtons ctx={ctx} />
    </form>
  );
}
