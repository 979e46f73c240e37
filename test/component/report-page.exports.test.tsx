// The report's downloads read back: 実施状況CSV of the chosen period (honouring the report's
// filters), KPI CSV with every month's actual, and the plan file. The test catches the Blob handed
// to the download link, parses it (parseCsv, parsePlanFileText) and compares it with what the
// fixture recorded, written here from the fixture itself rather than with the export's own code.
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TrackerDb } from '../../src/db/database';
import { DbContext } from '../../src/ui/data/hooks';
import { saveProgress } from '../../src/sync/edits';
import { kpiCsvHeader, PROGRESS_CSV_HEADER } from '../../src/model/csv-export';
import { parsePlanFile, parsePlanFileText } from '../../src/model/plan-file';
import { EMPTY_FILTER, type ItemFilter } from '../../src/model/plan-tree';
import { monthsOfFiscalYear } from '../../src/model/wareki';
import { ReportPage } from '../../src/ui/report-page';
import good from '../fixtures/plan-file-good.json';
import { parseCsv } from '../unit/csv-parse';
import { dbWithFixturePlan, discardDb, PLAN_ID, ref } from './plan-fixture';

let db: TrackerDb;
/** What each download click handed over. */
let downloads: { name: string; blob: Blob }[];

beforeEach(async () => {
  db = await dbWithFixturePlan();
  downloads = [];
  const blobs = new Map<string, Blob>();
  // jsdom has no object URLs and does not download: the test stands in for the browser.
  URL.createObjectURL = (blob: Blob) => {
    const url = `blob:test/${blobs.size}`;
    blobs.set(url, blob as Blob);
    return url;
  };
  URL.revokeObjectURL = () => undefined;
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    downloads.push({ name: this.download, blob: blobs.get(this.href)! });
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await discardDb(db);
});

async function download(
  button: string,
  filter: ItemFilter = EMPTY_FILTER,
  periodId = '2024-H1',
): Promise<{ name: string; type: string; bytes: Uint8Array; text: string }> {
  render(
    <DbContext.Provider value={db}>
      <ReportPage planId={PLAN_ID} periodId={periodId} filter={filter} />
    </DbContext.Provider>,
  );
  fireEvent.click(await screen.findByRole('button', { name: button }));
  await waitFor(() => expect(downloads).toHaveLength(1));
  const { name, blob } = downloads[0]!;
  const bytes = new Uint8Array(await blob.arrayBuffer());
  return { name, type: blob.type, bytes, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) };
}

/** The fixture's items in plan order, with the label path and the heading they sit under. */
function fixtureItems() {
  const out: { ref: string; path: string; heading: string; text: string; group: string; tags: string[] }[] = [];
  const visit = (section: (typeof good.sections)[number] | NonNullable<(typeof good.sections)[number]['sections']>[number], labels: string[]) => {
    const path = [...labels, section.label];
    for (const item of 'items' in section ? section.items : []) {
      out.push({
        ref: item.id,
        path: [...path, item.label].join(''),
        heading: section.title,
        text: item.text,
        group: item.group,
        tags: (item as { tags?: string[] }).tags ?? [],
      });
    }
    for (const child of 'sections' in section ? section.sections : []) visit(child, path);
  };
  for (const s of good.sections) visit(s, []);
  return out;
}

/** The row the 実施状況CSV should have for an item in 2024-H1, from the fixture's records. */
function expectedProgressRow(item: ReturnType<typeof fixtureItems>[number], override?: { evaluation: string; done: string; next: string }): string[] {
  const p = override ?? good.progress.find((x) => x.item === item.ref && x.period === '2024-H1');
  const notes = good.notes.filter((n) => n.item === item.ref && n.date >= '2024-04' && n.date < '2024-10').length;
  return [
    '上半期（4〜9月）',
    item.path,
    item.heading,
    item.text,
    item.group,
    item.tags.join('、'),
    p?.evaluation ?? '',
    p?.done ?? '',
    p?.next ?? '',
    String(notes),
  ];
}

describe('the report’s downloads', () => {
  it('実施状況CSV: UTF-8 with a BOM, one row per item with the period’s recorded progress', async () => {
    // An entry with what CSV must quote (comma, quotes, line break) and what Excel would run.
    const typed = { evaluation: '△' as const, done: '訪問 3件, "重点" 事業所\n2行目', next: '=HYPERLINK("x")' };
    await saveProgress(db, { planId: PLAN_ID, itemId: ref('p2-5-1'), periodId: '2024-H1' }, typed, 'テスト');

    const file = await download('実施状況CSV');
    expect(file.name).toBe('東京支部_令和6年度_実施状況_上半期.csv');
    expect(file.type).toBe('text/csv;charset=utf-8');
    expect([...file.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(file.text).toContain('\r\n');
    const rows = parseCsv(file.text);
    expect(rows[0]).toEqual([...PROGRESS_CSV_HEADER]);
    expect(rows.slice(1)).toEqual(
      fixtureItems().map((item) => (item.ref === 'p2-5-1' ? expectedProgressRow(item, { ...typed, next: `'${typed.next}` }) : expectedProgressRow(item))),
    );
  });

  it('実施状況CSV keeps to the report’s filters and says so in its name', async () => {
    const file = await download('実施状況CSV', { evaluations: ['△'], groups: [], query: '' });
    expect(file.name).toBe('東京支部_令和6年度_実施状況_上半期_絞り込み.csv');
    const rows = parseCsv(file.text);
    expect(rows.slice(1)).toEqual([expectedProgressRow(fixtureItems().find((i) => i.ref === 'p1-2-2')!)]);
  });

  it('実施状況CSV of another period holds that period’s entries (none yet in the second half)', async () => {
    const file = await download('実施状況CSV', EMPTY_FILTER, '2024-H2');
    expect(file.name).toBe('東京支部_令和6年度_実施状況_下半期.csv');
    const rows = parseCsv(file.text).slice(1);
    expect(rows.map((r) => r[0])).toEqual(['下半期（10〜3月）', '下半期（10〜3月）', '下半期（10〜3月）']);
    expect(rows.map((r) => r.slice(6))).toEqual([
      ['', '', '', '0'],
      ['', '', '', '0'],
      ['', '', '', '0'],
    ]);
  });

  it('KPI CSV: every KPI with its target and each month’s recorded actual and 判定', async () => {
    const file = await download('KPI CSV');
    expect(file.name).toBe('東京支部_令和6年度_KPI.csv');
    expect([...file.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = parseCsv(file.text);
    expect(header).toEqual(kpiCsvHeader(2024));
    expect(header!.slice(5, 7)).toEqual(['令和6年4月 実績', '令和6年4月 判定']);
    // Path, name, unit, target and 前年度, as the fixture's KPIs read.
    expect(rows.map((r) => r.slice(0, 5))).toEqual([
      ['１．（２）', 'サービススタンダードの達成状況', '%', '100%以上', ''],
      ['１．（２）', '現金給付等の申請に係る郵送化率', '%', '対前年度（98.4%）以上', '98.4'],
      ['２．（５）', '健康宣言事業所数', '事業所', '2,900事業所以上', ''],
      ['', '生活習慣病予防健診実施率', '%', '60%以上', ''],
      ['', 'SNSによる情報発信', '', '毎月情報発信を行う', ''],
    ]);
    // Every month of every KPI against the fixture's measurements (a null actual is no actual).
    const judged: Record<string, string> = { 'k-service 2024-04': '達成', 'k-mail 2024-05': '達成', 'k-mail 2024-06': '未達', 'k-declaration 2024-05': '未達' };
    const months = monthsOfFiscalYear(2024);
    good.kpis.forEach((kpi, k) => {
      months.forEach((month, m) => {
        const value = good.measurements.find((x) => x.kpi === kpi.id && x.month === month)?.value ?? null;
        const cells = rows[k]!.slice(5 + 2 * m, 7 + 2 * m);
        expect(cells, `${kpi.id} ${month}`).toEqual(value === null ? ['', ''] : [String(value), judged[`${kpi.id} ${month}`]]);
      });
    });
  });

  it('KPI CSV keeps to the KPIs the filtered report shows', async () => {
    const file = await download('KPI CSV', { evaluations: [], groups: ['保健'], query: '' });
    expect(file.name).toBe('東京支部_令和6年度_KPI_絞り込み.csv');
    expect(
      parseCsv(file.text)
        .slice(1)
        .map((r) => r[1]),
    ).toEqual(['健康宣言事業所数']);
  });

  it('計画ファイル: the whole plan, which reads back as the fixture', async () => {
    const file = await download('計画ファイル');
    expect(file.name).toBe('東京支部-令和6年度.plan.json');
    expect(file.type).toBe('application/json');
    const parsed = parsePlanFileText(file.text);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    // The fixture is a version 1 file; the export is version 2, as the fixture reads.
    const expected = parsePlanFile(good);
    if (!expected.ok) throw new Error(JSON.stringify(expected.problems));
    expect(parsed.file.plan).toEqual(expected.file.plan);
    expect(parsed.file.sections).toEqual(expected.file.sections);
    expect(parsed.file.kpis).toEqual(expected.file.kpis);
    const byKey = <T extends object>(rows: readonly T[]) => [...rows].map((r) => JSON.stringify(r)).sort();
    expect(byKey(parsed.file.progress!)).toEqual(byKey(good.progress));
    expect(parsed.file.notes).toEqual(good.notes);
    expect(byKey(parsed.file.measurements!)).toEqual(byKey(good.measurements));
  });
});
