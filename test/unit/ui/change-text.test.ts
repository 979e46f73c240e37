import { describe, expect, it } from 'vitest';
import { formatValue } from '../../../src/ui/change-text';

describe('formatValue', () => {
  it.each<[string, unknown, string]>([
    ['evaluation', null, '未評価'],
    ['text', '', '（空欄）'],
    ['deleted', true, '削除'],
    ['tags', ['重要度：高', '困難度：高'], '重要度：高、困難度：高'],
    // A plan's purpose list by its names, never [object Object].
    ['visitPurposes', [{ name: '健康宣言', kpiIds: ['k1'] }, { name: '健診勧奨' }], '健康宣言、健診勧奨'],
    ['visit', { employer: 'ABC商事', purposes: ['健康宣言'] }, expect.stringContaining('ABC商事') as unknown as string],
  ])('%s %j → %s', (field, value, shown) => expect(formatValue(field, value)).toEqual(shown));
});
