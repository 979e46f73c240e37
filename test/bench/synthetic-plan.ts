// Synthetic plans for the scale benchmarks: N items in pillars and sections, progress for all 12
// monthly periods, and notes; every 10th item mentions 重点 so a search matches a tenth.
import { monthsOfFiscalYear } from '../../src/model/wareki';
import type { PlanFile } from '../../src/model/plan-file';

export const SEARCH_TERM = '重点';

export function syntheticPlanFile(items: number, notes: number, fiscalYear = 2024): PlanFile {
  const perSection = 10;
  const sectionsPerPillar = Math.max(1, Math.ceil(items / perSection / 3));
  const months = monthsOfFiscalYear(fiscalYear);
  const file: PlanFile = {
    format: 'jigyo-keikaku-plan',
    version: 2,
    plan: { branch: `合成支部${items}`, fiscalYear, title: `合成計画 ${items}項目`, periodKind: 'month' },
    sections: [],
    kpis: [],
    progress: [],
    notes: [],
    measurements: [],
  };
  let n = 0;
  const groups = ['業務', 'レセプト', '保健', '企画総務'];
  for (let p = 1; p <= 3 && n < items; p++) {
    const pillar = { id: `p${p}`, label: `${p}．`, title: `柱 ${p}`, sections: [] as NonNullable<PlanFile['sections'][number]['sections']> };
    for (let s = 1; s <= sectionsPerPillar && n < items; s++) {
      const section = { id: `p${p}-s${s}`, label: `（${s}）`, title: `セクション ${p}-${s}`, items: [] as NonNullable<PlanFile['sections'][number]['items']> };
      for (let i = 1; i <= perSection && n < items; i++, n++) {
        const id = `i${n}`;
        section.items.push({
          id,
          label: `${i}`,
          text: `項目 ${n}: 加入者サービスの向上のため、関係機関と連携して取組を進める${n % 10 === 0 ? `（${SEARCH_TERM}）` : ''}。`,
          groups: [groups[n % groups.length]!],
        });
        for (const [m, month] of months.entries()) {
          file.progress!.push({
            item: id,
            period: month,
            evaluation: (['○', '△', '－'] as const)[(n + m) % 3],
            done: `${month} の実施状況 ${n}。事業所訪問と広報を行った。`,
            next: `次の予定 ${n}`,
          });
        }
      }
      pillar.sections.push(section);
    }
    file.sections.push(pillar);
  }
  for (let k = 0; k < notes; k++) {
    file.notes!.push({ item: `i${k % items}`, date: `${fiscalYear}-06-01`, author: 'ベンチ', text: `訪問メモ ${k}` });
  }
  return file;
}
