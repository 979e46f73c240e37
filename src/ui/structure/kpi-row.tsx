// A KPI's row on the structure screen: its name, target, unit and 事業計画 row, and its form when
// it is edited.
import { describeTarget } from '../../model/kpi-judgement';
import { sectionName } from '../../model/plan-tree';
import type { Kpi } from '../../model/schemas';
import type { Ctx } from './editor-context';
import { KpiForm } from './kpi-form';
import { RowActions } from './row-actions';

export function KpiRow({ ctx, kpi }: { ctx: Ctx; kpi: Kpi }) {
  const isEditing = ctx.editing?.kind === 'kpi' && ctx.editing.id === kpi.id;
  const section = ctx.sections.find((s) => s.id === kpi.sectionId && !s.deleted);
  const name = `KPI「${kpi.name}」`;
  return (
    <li class="st-item">
      <div class="st-row">
        <span class="st-text">
          <span class="st-kpi-name">{kpi.name}</span>
          <span class="item-meta">
            <span class="chip">目標: {describeTarget(kpi.target, kpi.unit)}</span>
            {kpi.unit && <span class="chip">単位: {kpi.unit}</span>}
            <span class="chip">{section ? sectionName(section) : '事業計画の指定なし'}</span>
          </span>
        </span>
        <RowActions
          name={name}
          index={0}
          count={1}
          onEdit={() => ctx.setEditing(isEditing ? null : { kind: 'kpi', id: kpi.id })}
          onDelete={() => void ctx.remove('kpis', kpi.id, name)}
          editing={isEditing}
        />
      </div>
      {isEditing && <KpiForm ctx={ctx} kpi={kpi} />}
    </li>
  );
}
