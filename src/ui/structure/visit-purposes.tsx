// The plan's visit purposes (訪問目的) on the structure screen: the chips a visit offers, one per
// line, and which KPI each counts towards (a purpose named in a KPI's name counts for it, see
// purposesOfKpi), so a lead sees what 訪問記録 will tally before the year starts.
import { useState } from 'preact/hooks';
import { useActorName, useDb } from '../data/hooks';
import { updateRecord } from '../../sync/edits';
import { LIMITS, type Kpi, type Plan, type VisitPurpose } from '../../model/schemas';
import { purposesOfKpi, visitPurposesOf } from '../../model/visits';
import type { Ctx } from './editor-context';

/** The purposes typed, one per line, or why they cannot be saved. */
function parsePurposes(text: string, before: readonly VisitPurpose[]): { purposes: VisitPurpose[] } | { error: string } {
  const names = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (names.length === 0) return { error: '訪問目的を1つ以上入力してください。' };
  if (names.length > LIMITS.visitPurposes) return { error: `訪問目的は${LIMITS.visitPurposes}個までです。` };
  const long = names.find((n) => n.length > LIMITS.visitPurpose);
  if (long) return { error: `「${long}」は長すぎます（${LIMITS.visitPurpose}文字まで）。` };
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) return { error: `「${twice}」が2回あります。` };
  // A purpose kept by name keeps its KPI links.
  return { purposes: names.map((name) => before.find((p) => p.name === name) ?? { name }) };
}

export function VisitPurposesEditor({ plan, kpis, run }: { plan: Plan; kpis: readonly Kpi[]; run: Ctx['run'] }) {
  const db = useDb();
  const actor = useActorName();
  const current = visitPurposesOf(plan);
  const [text, setText] = useState(() => current.map((p) => p.name).join('\n'));
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const dirty = text.trim() !== current.map((p) => p.name).join('\n');

  async function onSubmit(e: Event) {
    e.preventDefault();
    setSaved(false);
    const parsed = parsePurposes(text, current);
    if ('error' in parsed) {
      setError(parsed.error);
      return;
    }
    setError(null);
    if (await run(() => updateRecord(db, 'plans', plan.id, { visitPurposes: parsed.purposes }, actor))) setSaved(true);
  }

  const links = current.map((p) => ({ name: p.name, kpis: kpis.filter((k) => !k.deleted && purposesOfKpi([p], k).length > 0).map((k) => k.name) }));
  return (
    <form class="st-block" aria-labelledby="st-purposes-heading" onSubmit={onSubmit}>
      <h2 id="st-purposes-heading">訪問目的</h2>
      <p class="hint">事業所訪問の記録で選ぶ目的です（1行に1つ）。目的の名前を含むKPIの画面に、その目的の訪問が表示されます。</p>
      <div class="form-row">
        <label class="field field-grow">
          訪問目的（1行に1つ）
          <textarea
            rows={Math.min(8, Math.max(3, current.length + 1))}
            value={text}
            onInput={(e) => {
              setText(e.currentTarget.value);
              setSaved(false);
            }}
          />
        </label>
        <button type="submit" class="primary" disabled={!dirty}>
          訪問目的を保存
        </button>
      </div>
      <ul class="st-purpose-links" aria-label="訪問目的と集計するKPI">
        {links.map((l) => (
          <li key={l.name}>
            {l.name} → {l.kpis.length ? l.kpis.join('、') : '（KPIなし）'}
          </li>
        ))}
      </ul>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <p role="status" class="ok">
        {saved ? '訪問目的を保存しました。' : ''}
      </p>
    </form>
  );
}
