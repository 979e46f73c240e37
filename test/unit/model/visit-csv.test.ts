import { describe, expect, it } from 'vitest';
import { CSV_BOM } from '../../../src/model/csv-export';
import { joinLabels } from '../../../src/model/plan-tree';
import type { Item, Note, Section } from '../../../src/model/schemas';
import { notesCsv, NOTES_CSV_HEADER, visitsCsv, VISITS_CSV_HEADER } from '../../../src/model/visit-csv';
import { liveVisits } from '../../../src/model/visits';

const stamp = { updatedAt: '', updatedBy: '' };
const sections: Section[] = [{ id: 's', planId: 'p', parentId: null, label: 'Ⅱ', title: '健康づくり', order: 'a0', deleted: false, ...stamp }];
const items: Item[] = [
  { id: 'i', planId: 'p', sectionId: 's', label: '①', text: '健康宣言の推進', group: '保健', tags: [], order: 'a0', deleted: false, ...stamp },
];
const common = { planId: 'p', itemId: 'i', author: '佐藤', createdAt: '2026-05-01T00:00:00Z' };
const notes: Note[] = [
  {
    ...common,
    id: 'v',
    date: '2026-05-20',
    text: '=申込書を受領, "次回"説明',
    visit: { employer: 'ABC商事', employerCode: '01-イ', purposes: ['健康宣言', '健診勧奨'], nextDate: '2026-06-10' },
    updatedAt: '2026-05-21T09:00:00Z',
    updatedBy: '鈴木',
  },
  { ...common, id: 'm', date: '2026-05-02', text: '電話で日程調整' },
  { ...common, id: 'x', date: '2026-05-03', text: '消したメモ', deleted: true },
];

// The label path as the other CSVs write it (csv-export.ts decides its form).
const path = joinLabels(['Ⅱ', '①']);
const lines = (csv: string) => csv.slice(CSV_BOM.length).split('\r\n').slice(0, -1);

describe('visitsCsv', () => {
  it('writes one row per visit with a BOM, CRLF, quoting and formula guard', () => {
    const csv = visitsCsv(liveVisits(notes), { sections, items });
    expect(csv.startsWith(CSV_BOM)).toBe(true);
    expect(lines(csv)).toEqual([
      VISITS_CSV_HEADER.join(','),
      `令和8年5月20日,2026-05-20,ABC商事,01-イ,健康宣言・健診勧奨,"'=申込書を受領, ""次回""説明",2026-06-10,佐藤,${path},健康宣言の推進`,
    ]);
  });
});

describe('notesCsv', () => {
  it('writes every live note oldest first, visits with their columns, and who corrected one', () => {
    const rows = lines(notesCsv(notes, { sections, items }));
    expect(rows[0]).toBe(NOTES_CSV_HEADER.join(','));
    expect(rows.slice(1)).toEqual([
      `令和8年5月2日,2026-05-02,メモ,${path},健康宣言の推進,電話で日程調整,,,,,佐藤,`,
      `令和8年5月20日,2026-05-20,訪問,${path},健康宣言の推進,"'=申込書を受領, ""次回""説明",ABC商事,01-イ,健康宣言・健診勧奨,2026-06-10,佐藤,鈴木 2026-05-21`,
    ]);
  });
});
