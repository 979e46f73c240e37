import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SCHEMA_PATH, defaultPlanPath, main, planFileJsonSchema } from '../../../src/cli/plan';
import { parsePlanFileText } from '../../../src/model/plan-file';

const GOOD = 'test/fixtures/plan-file-good.json';
const BAD = 'test/fixtures/plan-file-bad.json';
const SHIZUOKA = 'test/fixtures/shizuoka-r7.plan.json';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('plan check', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('summarises a good file and judges each KPI', async () => {
    const { code, stdout, stderr } = await run('check', GOOD);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.split('\n').map((l) => l.trim().replace(/\s{2,}/g, ' | '));
    expect(lines).toEqual(
      expect.arrayContaining([
        `${GOOD}: 問題なし (valid, jigyo-keikaku-plan v1, read as v2)`,
        '支部 | branch | 東京支部',
        '年度 | fiscal year | 令和6年度（2024年度）',
        '報告期間 | period kind | 半期 (half)',
        '柱 | pillars | 2',
        'セクション | sections | 2 (柱を除く / below pillars)',
        '項目 | items | 3',
        'KPI | KPIs | 5',
        '実施状況 | progress | 2',
        'メモ | notes | 1',
        '実績 | measurements | 5',
        '達成 (met) | サービススタンダードの達成状況',
        '実績 value: 100% | 時点 as of: 令和6年4月（2024年4月） | 目標 target: 100%以上',
        '理由 reason: 令和6年4月時点の実績100%は目標「100%以上」を満たしています。',
        '未達 (not met) | 現金給付等の申請に係る郵送化率',
        '実績 value: 98.2% | 時点 as of: 令和6年6月（2024年6月） | 目標 target: 対前年度（98.4%）以上',
        '理由 reason: 令和6年6月時点の実績98.2%は目標「対前年度（98.4%）以上」に0.2%届いていません。',
        '未達 (not met) | 健康宣言事業所数',
        '実績未入力 (n/a) | 生活習慣病予防健診実施率',
        '実績 value: なし (none) | 目標 target: 60%以上',
        '理由 reason: 令和6年度の実績がまだありません。',
        '判定不可（定性目標） (n/a) | SNSによる情報発信',
        '理由 reason: 定性的な目標のため、数値では判定しません。',
      ]),
    );
  });

  it('reads the 静岡 R7 plan of seed 002 (format 2): no KPI judged until an actual of the plan year exists, each 現状 with its gap', async () => {
    const { code, stdout } = await run('check', SHIZUOKA);
    expect(code).toBe(0);
    const lines = stdout.split('\n').map((l) => l.trim().replace(/\s{2,}/g, ' | '));
    expect(lines).toEqual(
      expect.arrayContaining([
        `${SHIZUOKA}: 問題なし (valid, jigyo-keikaku-plan v2)`,
        '状態 | status | 案',
        '柱 | pillars | 3',
        '項目 | items | 105',
        'KPI | KPIs | 19',
        '実績未入力 (n/a) | 健康宣言事業所数',
        '実績 value: なし (none) | 目標 target: 7,200事業所以上 | 前年度KPI previous target: 7,140事業所以上',
        '現状 7,013事業所（令和6年11月末）、目標まで あと187事業所',
        '実績 value: なし (none) | 目標 target: 68.0%以上 | 前年度KPI previous target: 67.5%以上',
        '現状 30.3%（令和6年10月末）、年度途中の値',
        '実施対象者数（被保険者 40歳以上） 434,351人 | 実施見込者数 295,359人',
        '現状 35.7%（令和5年4月～令和5年10月 健診受診分）',
      ]),
    );
    // 17 wait for an actual; the two qualitative ones are never judged.
    expect(lines.filter((l) => l.startsWith('実績未入力 ')).length).toBe(17);
    expect(lines.filter((l) => l.startsWith('判定不可（定性目標）')).length).toBe(2);
  });

  it('judges the 静岡 plan once actuals of 令和7年度 exist: a build-up rate at 30.3% in October is not 未達', async () => {
    const file = JSON.parse(await readFile(SHIZUOKA, 'utf8')) as { measurements?: unknown[] };
    file.measurements = [
      { kpi: 'k-kenshin', month: '2025-10', value: 30.3 },
      { kpi: 'k-sengen', month: '2025-11', value: 7210 },
      { kpi: 'k-ichisha', month: '2025-11', value: 16.2 },
      { kpi: 'k-generic', month: '2025-07', value: 85.9 },
    ];
    dir = await mkdtemp(join(tmpdir(), 'plan-check-'));
    const path = join(dir, 'shizuoka.plan.json');
    await writeFile(path, JSON.stringify(file));
    const { code, stdout } = await run('check', path);
    expect(code).toBe(0);
    const lines = stdout.split('\n').map((l) => l.trim().replace(/\s{2,}/g, ' | '));
    expect(lines).toEqual(
      expect.arrayContaining([
        '判定不可（年度途中） (n/a) | ①生活習慣病予防健診受診率',
        '理由 reason: 年度内に積み上がる指標のため、令和7年10月の実績30.3%では判定しません。実績が1か月分で前年度の推移もないため、年度末の見込みも出せません。前年同月の現状（令和6年10月末）30.3%と比べて±0.0%。',
        '達成 (met) | 健康宣言事業所数',
        '理由 reason: 令和7年11月時点の実績7,210事業所は目標「7,200事業所以上」を満たしています。',
        '未達 (not met) | 一般競争入札に占める一者応札案件の割合',
        '理由 reason: 令和7年11月時点の実績16.2%は目標「15%以下」を1.2%上回っています。',
        '判定不可（年度途中） (n/a) | ①ジェネリック医薬品の使用割合（数量ベース）',
      ]),
    );
    expect(lines.some((l) => l.startsWith('未達') && l.includes('生活習慣病予防健診受診率'))).toBe(false);
  });

  it('lists the problems of a bad file on stderr and exits 1', async () => {
    const { code, stdout, stderr } = await run('check', BAD);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toEqual([
      `${BAD}: 4件の問題があります (4 problem(s))`,
      '  項目（②）: ID「p1-1」が重複しています',
      '  実施状況の記録 1番目: 項目「p1-9」がありません',
      '  実施状況の記録 1番目: 報告期間「2024-Q1」はこの計画の期間ではありません（2024-H1, 2024-H2）',
      '  実績 1番目: 時点「2025-04」はこの計画の年度の月ではありません',
      '',
    ]);
  });

  it.each([
    ['a file that does not exist', ['check', 'test/fixtures/no-such-plan.json']],
    ['no file', ['check']],
    ['two files', ['check', GOOD, BAD]],
    ['no command', []],
    ['an unknown command', ['import', GOOD]],
  ])('prints the usage and exits 2 for %s', async (_name, argv) => {
    const { code, stdout, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('npm run plan -- check FILE');
  });

  it('explains why a file cannot be read', async () => {
    const { stderr } = await run('check', 'test/fixtures/no-such-plan.json');
    expect(stderr).toMatch(/^test\/fixtures\/no-such-plan\.json: ファイルを読めません \(cannot read the file: ENOENT\)/);
  });

  it('prints the usage on stdout when asked for help', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('npm run plan -- schema [OUT]');
  });
});

describe('plan schema', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('the committed schema is what the generator makes now', async () => {
    expect(await readFile(DEFAULT_SCHEMA_PATH, 'utf8')).toBe(planFileJsonSchema());
  });

  it('writes the schema to the file it is given', async () => {
    dir = await mkdtemp(join(tmpdir(), 'plan-cli-'));
    const out = join(dir, 'schema.json');
    const { code, stdout } = await run('schema', out);
    expect(code).toBe(0);
    expect(stdout).toContain(out);
    expect(await readFile(out, 'utf8')).toBe(planFileJsonSchema());
  });

  it('is a draft 2020-12 schema of the versioned format with named parts', () => {
    const schema = JSON.parse(planFileJsonSchema()) as Record<string, unknown> & { properties: Record<string, unknown>; $defs: Record<string, unknown> };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.properties.format).toEqual({ type: 'string', const: 'jigyo-keikaku-plan' });
    expect(schema.properties.version).toEqual({ type: 'number', const: 2 });
    expect(schema.required).toEqual(['format', 'version', 'plan', 'sections']);
    expect(Object.keys(schema.$defs).sort()).toEqual(
      [
        'date',
        'evaluation',
        'item',
        'kpi',
        'kpiBaseline',
        'kpiCount',
        'kpiRule',
        'kpiTarget',
        'measurement',
        'note',
        'periodKind',
        'progress',
        'section',
        'yearMonth',
      ].sort(),
    );
    expect(schema.$defs.yearMonth).toMatchObject({ type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' });
  });
});

describe('plan from-text', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = '';
  });

  const TEXT = [
    '令和7年度静岡支部事業計画（案）',
    '基盤的保険者機能の盤石化',
    '（業務グループ）',
    '',
    '（１）業務処理体制の強化と意識改革の徹底',
    '',
    '・ 業務の標準化・効率化・簡素化を徹底するため、統一的な事務処理を行うとともに、職員の意識改革を促進',
    'する。',
    '',
    'KPI',
    '指標 令和7年度KPI 令和6年度KPI 現状',
    '①サービススタンダード達成状況 100％ 100％ １００％（R6.１０末）',
    '②平均所要日数 ─ ─ ─',
    '',
  ].join('\n');

  it('writes the proposed plan beside the text and prints counts and the lines it could not place', async () => {
    dir = await mkdtemp(join(tmpdir(), 'plan-cli-'));
    const path = join(dir, 'shizuoka.txt');
    await writeFile(path, TEXT);
    const { code, stdout, stderr } = await run('from-text', path);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = join(dir, 'shizuoka.plan.json');
    const written = parsePlanFileText(await readFile(out, 'utf8'));
    expect(written.ok).toBe(true);
    if (!written.ok) return;
    expect(written.file.plan).toMatchObject({ branch: '静岡支部', fiscalYear: 2025, status: '案' });
    expect(written.file.sections[0]!.sections![0]!.items).toHaveLength(1);
    expect(written.file.kpis!.map((k) => k.name)).toEqual(['サービススタンダード達成状況']);
    const lines = stdout.split('\n').map((l) => l.trim().replace(/\s{2,}/g, ' | '));
    expect(lines).toEqual(
      expect.arrayContaining([
        `${path}: 9行を読みました (9 lines read: 柱 1 | 節 1 | 項目 1 | KPI 3 | 理由 0 | 無視 3)`,
        '支部 | branch | 静岡支部',
        '柱 | pillars | 1',
        'セクション | sections | 1 (柱を除く / below pillars)',
        '項目 | items | 1',
        'KPI | KPIs | 1',
        '置けない行 | unplaced | 1',
        '13行目: ②平均所要日数 ─ ─ ─',
        'KPIの表の行の目標（令和N年度KPI）を読めません',
      ]),
    );
  });

  it('writes to OUT when given, and refuses a missing file with exit code 2', async () => {
    dir = await mkdtemp(join(tmpdir(), 'plan-cli-'));
    const path = join(dir, 'plan.txt');
    await writeFile(path, TEXT);
    const out = join(dir, 'proposed.json');
    expect((await run('from-text', path, out)).code).toBe(0);
    expect(parsePlanFileText(await readFile(out, 'utf8')).ok).toBe(true);
    const missing = await run('from-text', join(dir, 'missing.txt'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('ファイルを読めません');
  });

  it('names the default output after the text file', () => {
    expect(defaultPlanPath('plans/shizuoka.txt')).toBe('plans/shizuoka.plan.json');
    expect(defaultPlanPath('plans/shizuoka')).toBe('plans/shizuoka.plan.json');
    expect(defaultPlanPath('./a.b/plan')).toBe('./a.b/plan.plan.json');
  });
});
