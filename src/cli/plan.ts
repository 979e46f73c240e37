// The plan file command line (docs/plan-format.md), for branch planning staff and engineers:
//   npm run plan -- check FILE     validate a plan file, print its summary and KPI judgements
//   npm run plan -- schema [OUT]   write the JSON Schema of the format (public/plan-file.schema.json)
//   npm run plan -- from-text FILE.txt [OUT.json]
//                                  propose a plan file from a plan pasted as text (plan-text.ts)
// Exit codes: 0 done, 1 the file has problems, 2 bad usage or unreadable file. main() takes its
// arguments and output writers so tests run it in-process; the module runs itself only when it
// is the script node was started with.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import { assessKpi, assessmentLabel, type AssessmentStatus } from '../model/kpi-assessment';
import { describeTarget, formatFigure } from '../model/kpi-judgement';
import { PERIOD_KIND_LABELS } from '../model/period';
import { classifyPlanText, LINE_KIND_LABELS, LINE_KINDS, proposePlan } from '../model/plan-text';
import {
  fileItemSchema,
  fileKpiSchema,
  fileMeasurementSchema,
  fileNoteSchema,
  fileProgressSchema,
  fileSectionSchema,
  parsePlanFile,
  parsePlanFileText,
  PLAN_FILE_FORMAT,
  PLAN_FILE_VERSION,
  planFileSchema,
  planFileToRecords,
  type PlanFile,
  walkSections,
} from '../model/plan-file';
import { evaluationSchema, FILE_KPI_PARTS, isoDateSchema, periodKindSchema, yearMonthSchema } from '../model/schemas';
import { bothFiscalYear, bothMonth } from '../model/wareki';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const DEFAULT_SCHEMA_PATH = 'public/plan-file.schema.json';

const USAGE = `使い方 usage:
  npm run plan -- check FILE     計画ファイルを検査し、概要とKPIの判定を表示する
                                 (validate a plan file, print its summary and KPI judgements)
  npm run plan -- schema [OUT]   計画ファイルの JSON Schema を書き出す
                                 (write the JSON Schema, default ${DEFAULT_SCHEMA_PATH})
  npm run plan -- from-text FILE.txt [OUT.json]
                                 貼り付けた事業計画の文章から計画ファイルを提案する
                                 (propose a plan file from the plan as text, default FILE.plan.json)
`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'check' && args.length === 1) return check(args[0]!, io);
  if (command === 'schema' && args.length <= 1) return writeSchema(args[0] ?? DEFAULT_SCHEMA_PATH, io);
  if (command === 'from-text' && (args.length === 1 || args.length === 2)) return fromText(args[0]!, args[1], io);
  if (command === 'help' || command === '--help' || command === '-h') {
    io.stdout(USAGE);
    return 0;
  }
  io.stderr(USAGE);
  return 2;
}

/** FILE.txt → FILE.plan.json beside it. */
export function defaultPlanPath(textPath: string): string {
  return `${textPath.replace(/\.[^./\\]*$/, '')}.plan.json`;
}

async function fromText(path: string, out: string | undefined, io: CliIo): Promise<number> {
  const text = await readInput(path, io);
  if (text === null) return 2;
  const lines = classifyPlanText(text);
  const { file, unplaced } = proposePlan(lines);
  const target = out ?? defaultPlanPath(path);
  const result = parsePlanFile(file);
  if (!result.ok) {
    io.stderr(`${path}: 提案した計画ファイルに${result.problems.length}件の問題があります (the proposed plan has problem(s))\n`);
    for (const p of result.problems) io.stderr(`  ${p.where}: ${p.message}\n`);
    return 1;
  }
  await writeFile(target, `${JSON.stringify(file, null, 2)}\n`);
  const all = [...walkSections(file.sections)];
  const counts = LINE_KINDS.map((k) => `${LINE_KIND_LABELS[k]} ${lines.filter((l) => l.kind === k).length}`).join('  ');
  const rows: [string, string, string][] = [
    ['支部', 'branch', file.plan.branch],
    ['年度', 'fiscal year', bothFiscalYear(file.plan.fiscalYear)],
    ['見出し', 'title', file.plan.title],
    ['柱', 'pillars', String(file.sections.length)],
    ['セクション', 'sections', `${all.length - file.sections.length} (柱を除く / below pillars)`],
    ['項目', 'items', String(all.reduce((n, { section }) => n + (section.items?.length ?? 0), 0))],
    ['KPI', 'KPIs', String(file.kpis?.length ?? 0)],
    ['置けない行', 'unplaced', String(unplaced.length)],
  ];
  const report = [`${path}: ${lines.length}行を読みました (${lines.length} lines read: ${counts})`, ''];
  for (const [ja, en, value] of rows) report.push(`  ${pad(ja, 12)}${pad(en, 14)}${value}`);
  if (unplaced.length) report.push('', '置けなかった行 (lines not placed)');
  for (const u of unplaced) report.push(`  ${u.line}行目: ${u.text.length > 40 ? `${u.text.slice(0, 40)}…` : u.text}`, `      ${u.why}`);
  report.push('', `${target}: 計画ファイルを書き出しました (written; check it with: npm run plan -- check ${target})`);
  io.stdout(`${report.join('\n')}\n`);
  return 0;
}

/** The file's text, or null after saying on stderr why it cannot be read. */
async function readInput(path: string, io: CliIo): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    io.stderr(`${path}: ファイルを読めません (cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n\n${USAGE}`);
    return null;
  }
}

async function check(path: string, io: CliIo): Promise<number> {
  const text = await readInput(path, io);
  if (text === null) return 2;
  const result = parsePlanFileText(text);
  if (!result.ok) {
    io.stderr(`${path}: ${result.problems.length}件の問題があります (${result.problems.length} problem(s))\n`);
    for (const p of result.problems) io.stderr(`  ${p.where}: ${p.message}\n`);
    return 1;
  }
  io.stdout(summary(path, result.file, result.version));
  return 0;
}

const STATUS_EN: Record<AssessmentStatus, string> = { 達成: 'met', 未達: 'not met', 達成見込み: 'on track', 未達見込み: 'off track', 判定不可: 'n/a' };

function summary(path: string, file: PlanFile, version: 1 | 2): string {
  // Records only to reuse the app's judgement; their ids and stamps go nowhere.
  const r = planFileToRecords(file, { planId: 'check', now: '', author: '', newId: () => '' });
  const pillars = r.sections.filter((s) => s.parentId === null).length;
  const rows: [string, string, string][] = [
    ['見出し', 'title', file.plan.title],
    ['支部', 'branch', file.plan.branch],
    ['年度', 'fiscal year', bothFiscalYear(file.plan.fiscalYear)],
    ['状態', 'status', file.plan.status ?? '（記載なし / not given）'],
    ['報告期間', 'period kind', `${PERIOD_KIND_LABELS[file.plan.periodKind]} (${file.plan.periodKind})`],
    ['柱', 'pillars', String(pillars)],
    ['セクション', 'sections', `${r.sections.length - pillars} (柱を除く / below pillars)`],
    ['項目', 'items', String(r.items.length)],
    ['KPI', 'KPIs', String(r.kpis.length)],
    ['実施状況', 'progress', String(r.progress.length)],
    ['メモ', 'notes', String(r.notes.length)],
    ['実績', 'measurements', String(r.measurements.length)],
  ];
  const read = version === PLAN_FILE_VERSION ? `v${version}` : `v${version}, read as v${PLAN_FILE_VERSION}`;
  const lines = [`${path}: 問題なし (valid, ${PLAN_FILE_FORMAT} ${read})`, ''];
  for (const [ja, en, value] of rows) lines.push(`  ${pad(ja, 12)}${pad(en, 14)}${value}`);
  if (r.kpis.length) lines.push('', 'KPI の判定 (judgement of each KPI)');
  for (const kpi of r.kpis) {
    const a = assessKpi({ kpi, fiscalYear: file.plan.fiscalYear, actuals: r.measurements.filter((m) => m.kpiId === kpi.id) });
    const figure = (n: number) => `${formatFigure(n, kpi.decimals)}${kpi.unit}`;
    const facts = [
      a.value === null || a.month === null ? '実績 value: なし (none)' : `実績 value: ${figure(a.value)}  時点 as of: ${bothMonth(a.month)}`,
      `目標 target: ${describeTarget(kpi.target, kpi.unit, kpi.decimals)}`,
      ...(kpi.previousTarget ? [`前年度KPI previous target: ${describeTarget(kpi.previousTarget, kpi.unit, kpi.decimals)}`] : []),
    ];
    const counts = [kpi.population, kpi.expected].flatMap((c) => (c ? [`${c.label} ${formatFigure(c.value)}${c.unit}`] : []));
    const indent = ' '.repeat(34);
    lines.push(`  ${pad(`${assessmentLabel(a)} (${STATUS_EN[a.status]})`, 32)}${kpi.number ?? ''}${kpi.name}`, `${indent}${facts.join('  ')}`);
    if (a.baseline) lines.push(`${indent}${a.baseline}`);
    if (counts.length) lines.push(`${indent}${counts.join('  ')}`);
    lines.push(`${indent}理由 reason: ${a.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Terminal columns of a text: CJK and full-width characters take two. */
function columns(text: string): number {
  let n = 0;
  for (const ch of text) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return n;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(1, width - columns(text)));
}

/** The JSON Schema (draft 2020-12) of the plan file, as the text of public/plan-file.schema.json. */
export function planFileJsonSchema(): string {
  // Named parts become $defs, so editors show these names and descriptions.
  const parts = z.registry<{ id: string; description: string }>();
  parts.add(fileSectionSchema, { id: 'section', description: 'セクション（柱 / Ⅰ．/（１））: 見出しと、その下の項目・セクション' });
  parts.add(fileItemSchema, { id: 'item', description: '項目（①）: 事業計画の本文、担当グループ、タグ' });
  parts.add(fileKpiSchema, { id: 'kpi', description: 'KPI: 番号、指標名、単位、目標、前年度のKPI、現状、実施対象者数・実施見込者数、注' });
  parts.add(FILE_KPI_PARTS.target, {
    id: 'kpiTarget',
    description: '目標: value（68.0%以上）/ previousYear（対前年度以上）/ qualitative（全支部で実施する）/ conditional（条件ごとの目標）',
  });
  parts.add(FILE_KPI_PARTS.rule, { id: 'kpiRule', description: '条件付きでない目標: value / previousYear / qualitative' });
  parts.add(FILE_KPI_PARTS.baseline, { id: 'kpiBaseline', description: '現状: 値と時点（月、または範囲 from〜month）、注記' });
  parts.add(FILE_KPI_PARTS.count, { id: 'kpiCount', description: '人数など: 名前（実施対象者数）、値、単位' });
  parts.add(fileProgressSchema, { id: 'progress', description: '実施状況の記録: 項目 × 報告期間ごとの評価・実施状況・今後の実施予定等' });
  parts.add(fileNoteSchema, { id: 'note', description: 'メモ（訪問記録）: 日付・記入者つきの追記' });
  parts.add(fileMeasurementSchema, { id: 'measurement', description: '実績: KPI の値（時点の月）' });
  parts.add(evaluationSchema, { id: 'evaluation', description: '評価: ○（実施・順調）/ △（一部・遅れ）/ －（評価対象なし）' });
  parts.add(periodKindSchema, { id: 'periodKind', description: '報告期間の単位: month（月次）/ quarter（四半期）/ half（半期）' });
  parts.add(yearMonthSchema, { id: 'yearMonth', description: '年月 YYYY-MM（2024-05 = 令和6年5月）' });
  parts.add(isoDateSchema, { id: 'date', description: '日付 YYYY-MM-DD' });
  const schema = z.toJSONSchema(planFileSchema, {
    target: 'draft-2020-12',
    // The schema describes what a file may contain, i.e. the parser's input.
    io: 'input',
    metadata: parts,
    override: ({ zodSchema, jsonSchema }) => {
      // isYearMonth is a refinement, which JSON Schema cannot see; this pattern says the same.
      if (zodSchema === yearMonthSchema) jsonSchema.pattern = '^[0-9]{4}-(0[1-9]|1[0-2])$';
    },
  });
  const { $schema, ...rest } = schema;
  return `${JSON.stringify(
    {
      $schema,
      title: '事業計画ファイル (jigyo-keikaku-plan)',
      description: `事業計画トラッカーの計画ファイル 第${PLAN_FILE_VERSION}版。説明は docs/plan-format.md、検査は npm run plan -- check FILE。`,
      ...rest,
    },
    null,
    2,
  )}\n`;
}

async function writeSchema(out: string, io: CliIo): Promise<number> {
  await writeFile(out, planFileJsonSchema());
  io.stdout(`${out}: JSON Schema を書き出しました (written)\n`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
