// The plan interchange format (docs/plan-format.md): a whole plan as one versioned JSON file —
// its section/item tree, KPIs and, optionally, progress, notes and measurements. This module
// parses a file (schema, then the cross-references the schema cannot see) into a list of
// problems written for people, and converts between a file and the records the app stores.
import * as z from 'zod/mini';
import {
  decimalsSchema,
  evaluationSchema,
  fiscalYearSchema,
  isoDateSchema,
  FILE_KPI_PARTS,
  kpiRuleSchema,
  LIMITS,
  measurementId,
  periodKindSchema,
  planStatusSchema,
  progressId,
  yearMonthSchema,
  type Item,
  type KpiRule,
  type Kpi,
  type Measurement,
  type Note,
  type Plan,
  type Progress,
  type Section,
} from './schemas';
import { compareOrder, orderKeyOfNumber } from './order-key';
import { periodsOf } from './period';
import { joinGroups, splitGroups } from './plan-tree';
import { fiscalYearOfMonth } from './wareki';

export const PLAN_FILE_FORMAT = 'jigyo-keikaku-plan';
/** The version written; version 1 files are still read (see migrateVersion1). */
export const PLAN_FILE_VERSION = 2;
/** Files larger than this are refused before parsing: a plan is far smaller. */
export const PLAN_FILE_MAX_BYTES = 20 * 1024 * 1024;

const ref = z.string().check(z.minLength(1), z.maxLength(100));
const shortText = z.string().check(z.maxLength(LIMITS.shortText));
const requiredText = z.string().check(z.trim(), z.minLength(1), z.maxLength(LIMITS.shortText));

const groupsSchema = z.array(requiredText).check(z.maxLength(LIMITS.tags));

export const fileItemSchema = z.strictObject({
  id: ref,
  label: shortText,
  text: z.string().check(z.maxLength(LIMITS.longText)),
  /** Owning groups; absent: the section's. */
  groups: z.optional(groupsSchema),
  tags: z.optional(z.array(requiredText).check(z.maxLength(LIMITS.tags))),
});
export type FileItem = z.infer<typeof fileItemSchema>;

export interface FileSection {
  id: string;
  label: string;
  title: string;
  groups?: string[] | undefined;
  note?: string | undefined;
  items?: FileItem[] | undefined;
  sections?: FileSection[] | undefined;
}

export const fileSectionSchema: z.ZodMiniType<FileSection> = z.strictObject({
  id: ref,
  label: shortText,
  title: shortText,
  groups: z.optional(groupsSchema),
  /** Text under the heading that is no item: the reasons of its 【重要度：高】 / 【困難度：高】. */
  note: z.optional(z.string().check(z.maxLength(LIMITS.longText))),
  items: z.optional(z.array(fileItemSchema)),
  get sections() {
    return z.optional(z.array(fileSectionSchema));
  },
});

export const fileKpiSchema = z.strictObject({
  id: ref,
  section: z.optional(ref),
  number: z.optional(shortText),
  name: requiredText,
  unit: shortText,
  decimals: z.optional(decimalsSchema),
  target: FILE_KPI_PARTS.target,
  previousTarget: z.optional(FILE_KPI_PARTS.target),
  baseline: z.optional(FILE_KPI_PARTS.baseline),
  population: z.optional(FILE_KPI_PARTS.count),
  expected: z.optional(FILE_KPI_PARTS.count),
  footnotes: z.optional(z.array(requiredText).check(z.maxLength(LIMITS.footnotes))),
  cumulative: z.optional(z.boolean()),
});

// Version 1: one group per item as text, no section groups, and a KPI had only a target.
const fileItemSchemaV1 = z.strictObject({
  id: ref,
  label: shortText,
  text: z.string().check(z.maxLength(LIMITS.longText)),
  group: z.optional(shortText),
  tags: z.optional(z.array(requiredText).check(z.maxLength(LIMITS.tags))),
});

interface FileSectionV1 {
  id: string;
  label: string;
  title: string;
  items?: z.infer<typeof fileItemSchemaV1>[] | undefined;
  sections?: FileSectionV1[] | undefined;
}

const fileSectionSchemaV1: z.ZodMiniType<FileSectionV1> = z.strictObject({
  id: ref,
  label: shortText,
  title: shortText,
  items: z.optional(z.array(fileItemSchemaV1)),
  get sections() {
    return z.optional(z.array(fileSectionSchemaV1));
  },
});

const fileKpiSchemaV1 = z.strictObject({
  id: ref,
  section: z.optional(ref),
  name: requiredText,
  unit: shortText,
  target: kpiRuleSchema,
  cumulative: z.optional(z.boolean()),
});

export const fileProgressSchema = z.strictObject({
  item: ref,
  period: ref,
  evaluation: z.optional(z.nullable(evaluationSchema)),
  done: z.optional(z.string().check(z.maxLength(LIMITS.longText))),
  next: z.optional(z.string().check(z.maxLength(LIMITS.longText))),
});

export const fileNoteSchema = z.strictObject({
  item: ref,
  date: isoDateSchema,
  author: requiredText,
  text: z.string().check(z.trim(), z.minLength(1), z.maxLength(LIMITS.noteText)),
});

export const fileMeasurementSchema = z.strictObject({
  kpi: ref,
  month: yearMonthSchema,
  value: z.nullable(z.number()),
});

const fileRecordsShape = {
  progress: z.optional(z.array(fileProgressSchema)),
  notes: z.optional(z.array(fileNoteSchema)),
  measurements: z.optional(z.array(fileMeasurementSchema)),
};

const filePlanShape = {
  branch: requiredText,
  fiscalYear: fiscalYearSchema,
  title: requiredText,
  periodKind: periodKindSchema,
  demo: z.optional(z.boolean()),
};

export const planFileSchema = z.strictObject({
  format: z.literal(PLAN_FILE_FORMAT),
  version: z.literal(PLAN_FILE_VERSION),
  plan: z.strictObject({ ...filePlanShape, status: z.optional(planStatusSchema) }),
  sections: z.array(fileSectionSchema),
  kpis: z.optional(z.array(fileKpiSchema)),
  ...fileRecordsShape,
});
export type PlanFile = z.infer<typeof planFileSchema>;

const planFileSchemaV1 = z.strictObject({
  format: z.literal(PLAN_FILE_FORMAT),
  version: z.literal(1),
  plan: z.strictObject(filePlanShape),
  sections: z.array(fileSectionSchemaV1),
  kpis: z.optional(z.array(fileKpiSchemaV1)),
  ...fileRecordsShape,
});
type PlanFileV1 = z.infer<typeof planFileSchemaV1>;

/** A version 1 file as version 2: an item's one group becomes its list of groups; nothing else changes. */
function migrateVersion1(file: PlanFileV1): PlanFile {
  const section = (s: FileSectionV1): FileSection => ({
    id: s.id,
    label: s.label,
    title: s.title,
    ...(s.items
      ? {
          items: s.items.map(({ group, ...item }) => {
            const groups = splitGroups(group ?? '');
            return { ...item, ...(groups.length ? { groups } : {}) };
          }),
        }
      : {}),
    ...(s.sections ? { sections: s.sections.map(section) } : {}),
  });
  // Version 1 dropped unknown keys inside a target; `yearEnd` was one of them and stays so.
  const withoutYearEnd = (t: KpiRule): KpiRule => {
    if (t.kind === 'qualitative') return t;
    const { yearEnd: _, ...rest } = t;
    return rest;
  };
  const kpis = file.kpis?.map((k) => ({ ...k, target: withoutYearEnd(k.target) }));
  return { ...file, version: PLAN_FILE_VERSION, sections: file.sections.map(section), ...(kpis ? { kpis } : {}) };
}

export interface PlanFileProblem {
  /** Where in the file, in Japanese: 「セクション 2番目（Ⅱ）› 項目 1番目（①）› 本文」 */
  where: string;
  message: string;
}

/** `version`: the version the file was written in (a version 1 file is read as version 2). */
export type PlanFileResult = { ok: true; file: PlanFile; version: 1 | 2 } | { ok: false; problems: PlanFileProblem[] };

const FIELD_NAMES: Record<string, string> = {
  format: '形式',
  version: '版',
  plan: '計画',
  branch: '支部',
  fiscalYear: '年度',
  title: '見出し',
  periodKind: '報告期間の単位',
  demo: 'デモ',
  sections: 'セクション',
  items: '項目',
  id: 'ID',
  label: 'ラベル',
  text: '本文',
  group: '担当グループ',
  groups: '担当グループ',
  status: '状態',
  number: '番号',
  decimals: '小数点以下の桁数',
  previousTarget: '前年度のKPI',
  baseline: '現状',
  from: '範囲の始まり',
  note: '注記',
  population: '実施対象者数',
  expected: '実施見込者数',
  footnotes: '注（※）',
  yearEnd: '年度末時点',
  rules: '条件',
  when: '条件',
  otherwise: 'それ以外',
  tags: 'タグ',
  kpis: 'KPI',
  section: 'セクション',
  name: '指標名',
  unit: '単位',
  target: '目標',
  kind: '種類',
  value: '値',
  previousValue: '前年度の値',
  direction: '以上/以下',
  progress: '実施状況の記録',
  item: '項目',
  period: '報告期間',
  evaluation: '評価',
  done: '実施状況',
  next: '今後の実施予定等',
  notes: 'メモ',
  date: '日付',
  author: '記入者',
  measurements: '実績',
  kpi: 'KPI',
  month: '時点',
  cumulative: '年度内累計',
};

/** A readable location: array elements are counted from 1 and named by their label or id. */
function describePath(root: unknown, path: readonly PropertyKey[]): string {
  const parts: string[] = [];
  let node: unknown = root;
  for (const key of path) {
    if (typeof key === 'number') {
      const el = Array.isArray(node) ? node[key] : undefined;
      const name = el && typeof el === 'object' ? ((el as Record<string, unknown>).label ?? (el as Record<string, unknown>).id) : undefined;
      const last = parts.pop() ?? '';
      parts.push(`${last} ${key + 1}番目${typeof name === 'string' && name ? `（${name}）` : ''}`);
    } else {
      parts.push(FIELD_NAMES[String(key)] ?? String(key));
    }
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return parts.length ? parts.join(' › ') : 'ファイル全体';
}

function japaneseIssue(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return '必須の項目がありません';
      return issue.expected === 'int' ? '整数で書いてください' : `形式が違います（${issue.expected} が必要です）`;
    case 'too_big':
      return issue.origin === 'array'
        ? `多すぎます（${issue.maximum}件まで）`
        : issue.origin === 'number'
          ? `${issue.maximum}以下にしてください`
          : `長すぎます（${issue.maximum}文字まで）`;
    case 'too_small':
      return issue.origin === 'array' ? '1件以上必要です' : issue.origin === 'number' ? `${issue.minimum}以上にしてください` : '空にはできません';
    case 'invalid_value':
      return `使える値は ${issue.values.map((v) => JSON.stringify(v)).join(' / ')} です`;
    case 'unrecognized_keys':
      return `知らない項目があります: ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return '目標の書き方が違います（kind は value / previousYear / qualitative / conditional）';
    default:
      return '値が正しくありません';
  }
}

/** Parses a file's text: JSON syntax, schema, then cross-references. */
export function parsePlanFileText(text: string): PlanFileResult {
  if (text.length > PLAN_FILE_MAX_BYTES) {
    return { ok: false, problems: [{ where: 'ファイル全体', message: 'ファイルが大きすぎます（20MBまで）' }] };
  }
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    return { ok: false, problems: [{ where: 'ファイル全体', message: `JSONとして読めません（${(e as Error).message}）` }] };
  }
  return parsePlanFile(data);
}

export function parsePlanFile(data: unknown): PlanFileResult {
  const version = data && typeof data === 'object' && (data as Record<string, unknown>).version === 1 ? 1 : 2;
  const parsed =
    version === 1
      ? planFileSchemaV1.safeParse(data, { error: (issue) => japaneseIssue(issue) })
      : planFileSchema.safeParse(data, { error: (issue) => japaneseIssue(issue) });
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 100).map((issue) => ({
      where: describePath(data, issue.path),
      message: issue.message === '使える値は 2 です' ? '使える値は 1 / 2 です' : issue.message,
    }));
    return { ok: false, problems };
  }
  const file = parsed.data.version === 1 ? migrateVersion1(parsed.data) : parsed.data;
  const problems = crossCheck(file);
  return problems.length ? { ok: false, problems } : { ok: true, file, version };
}

export function* walkSections(
  sections: readonly FileSection[],
  parent: FileSection | null = null,
): Generator<{ section: FileSection; parent: FileSection | null; index: number }> {
  for (const [index, section] of sections.entries()) {
    yield { section, parent, index };
    yield* walkSections(section.sections ?? [], section);
  }
}

function crossCheck(file: PlanFile): PlanFileProblem[] {
  const problems: PlanFileProblem[] = [];
  const sectionIds = new Set<string>();
  const itemIds = new Set<string>();
  for (const { section } of walkSections(file.sections)) {
    if (sectionIds.has(section.id)) problems.push({ where: `セクション（${section.label || section.id}）`, message: `ID「${section.id}」が重複しています` });
    sectionIds.add(section.id);
    const tooManyGroups = (groups: string[] | undefined) => joinGroups(groups ?? []).length > LIMITS.shortText;
    if (tooManyGroups(section.groups))
      problems.push({ where: `セクション（${section.label || section.id}）`, message: `担当グループは合わせて${LIMITS.shortText}文字までです` });
    for (const item of section.items ?? []) {
      const where = `項目（${item.label || item.id}）`;
      if (itemIds.has(item.id)) problems.push({ where, message: `ID「${item.id}」が重複しています` });
      if (tooManyGroups(item.groups)) problems.push({ where, message: `担当グループは合わせて${LIMITS.shortText}文字までです` });
      itemIds.add(item.id);
    }
  }
  const kpiIds = new Set<string>();
  for (const [i, kpi] of (file.kpis ?? []).entries()) {
    const where = `KPI ${i + 1}番目（${kpi.name}）`;
    if (kpiIds.has(kpi.id)) problems.push({ where, message: `ID「${kpi.id}」が重複しています` });
    kpiIds.add(kpi.id);
    if (kpi.section !== undefined && !sectionIds.has(kpi.section)) problems.push({ where, message: `セクション「${kpi.section}」がありません` });
  }
  const periodIds = new Set(periodsOf(file.plan.fiscalYear, file.plan.periodKind).map((p) => p.id));
  const seenProgress = new Set<string>();
  for (const [i, p] of (file.progress ?? []).entries()) {
    const where = `実施状況の記録 ${i + 1}番目`;
    if (!itemIds.has(p.item)) problems.push({ where, message: `項目「${p.item}」がありません` });
    if (!periodIds.has(p.period)) problems.push({ where, message: `報告期間「${p.period}」はこの計画の期間ではありません（${[...periodIds].join(', ')}）` });
    const key = `${p.item}\u0000${p.period}`;
    if (seenProgress.has(key)) problems.push({ where, message: `項目「${p.item}」の期間「${p.period}」が重複しています` });
    seenProgress.add(key);
  }
  for (const [i, n] of (file.notes ?? []).entries()) {
    if (!itemIds.has(n.item)) problems.push({ where: `メモ ${i + 1}番目`, message: `項目「${n.item}」がありません` });
  }
  const seenMeasurement = new Set<string>();
  for (const [i, m] of (file.measurements ?? []).entries()) {
    const where = `実績 ${i + 1}番目`;
    if (!kpiIds.has(m.kpi)) problems.push({ where, message: `KPI「${m.kpi}」がありません` });
    if (fiscalYearOfMonth(m.month) !== file.plan.fiscalYear) problems.push({ where, message: `時点「${m.month}」はこの計画の年度の月ではありません` });
    const key = `${m.kpi}\u0000${m.month}`;
    if (seenMeasurement.has(key)) problems.push({ where, message: `KPI「${m.kpi}」の時点「${m.month}」が重複しています` });
    seenMeasurement.add(key);
  }
  return problems;
}

/** Everything the app stores for one plan. */
export interface PlanRecords {
  plan: Plan;
  sections: Section[];
  items: Item[];
  kpis: Kpi[];
  progress: Progress[];
  notes: Note[];
  measurements: Measurement[];
}

export interface ImportContext {
  planId: string;
  /** ISO timestamp stamped on every record. */
  now: string;
  /** Who imported the file. */
  author: string;
  /** Makes ids for notes, which have no natural key. */
  newId: () => string;
}

/** The optional KPI fields a file and a record share, where they are set. */
function kpiExtras(k: Partial<Pick<Kpi, KpiExtra>>): Partial<Pick<Kpi, KpiExtra>> {
  const out: Partial<Pick<Kpi, KpiExtra>> = {};
  for (const key of KPI_EXTRAS) if (k[key] !== undefined) Object.assign(out, { [key]: k[key] });
  return out;
}

const KPI_EXTRAS = ['number', 'decimals', 'previousTarget', 'baseline', 'population', 'expected', 'footnotes', 'cumulative'] as const;
type KpiExtra = (typeof KPI_EXTRAS)[number];

/** Ids inside a plan are the file's refs prefixed with the plan id, so an export gives them back. */
function recordId(planId: string, fileRef: string): string {
  return `${planId}/${fileRef}`;
}

function fileRef(planId: string, id: string): string {
  return id.startsWith(`${planId}/`) ? id.slice(planId.length + 1) : id;
}

export function planFileToRecords(file: PlanFile, ctx: ImportContext): PlanRecords {
  const { planId, now, author } = ctx;
  const stamp = { updatedAt: now, updatedBy: author };
  const sections: Section[] = [];
  const items: Item[] = [];
  for (const { section, parent, index } of walkSections(file.sections)) {
    sections.push({
      id: recordId(planId, section.id),
      planId,
      parentId: parent ? recordId(planId, parent.id) : null,
      label: section.label,
      title: section.title,
      ...(section.groups?.length ? { group: joinGroups(section.groups) } : {}),
      ...(section.note ? { note: section.note } : {}),
      order: orderKeyOfNumber(index),
      deleted: false,
      ...stamp,
    });
    for (const [i, item] of (section.items ?? []).entries()) {
      items.push({
        id: recordId(planId, item.id),
        planId,
        sectionId: recordId(planId, section.id),
        label: item.label,
        text: item.text,
        group: joinGroups(item.groups ?? []),
        tags: item.tags ?? [],
        order: orderKeyOfNumber(i),
        deleted: false,
        ...stamp,
      });
    }
  }
  const { status, ...plan } = file.plan;
  return {
    plan: { id: planId, ...plan, demo: plan.demo ?? false, ...(status ? { status } : {}), deleted: false, ...stamp },
    sections,
    items,
    kpis: (file.kpis ?? []).map((k, i) => ({
      id: recordId(planId, k.id),
      planId,
      sectionId: k.section === undefined ? null : recordId(planId, k.section),
      name: k.name,
      unit: k.unit,
      target: k.target,
      ...kpiExtras(k),
      order: orderKeyOfNumber(i),
      deleted: false,
      ...stamp,
    })),
    progress: (file.progress ?? []).map((p) => {
      const itemId = recordId(planId, p.item);
      return {
        id: progressId(itemId, p.period),
        planId,
        itemId,
        periodId: p.period,
        evaluation: p.evaluation ?? null,
        done: p.done ?? '',
        next: p.next ?? '',
        ...stamp,
      };
    }),
    notes: (file.notes ?? []).map((n) => ({
      id: ctx.newId(),
      planId,
      itemId: recordId(planId, n.item),
      date: n.date,
      author: n.author,
      text: n.text,
      createdAt: now,
    })),
    measurements: (file.measurements ?? []).map((m) => {
      const kpiId = recordId(planId, m.kpi);
      return { id: measurementId(kpiId, m.month), planId, kpiId, month: m.month, value: m.value, ...stamp };
    }),
  };
}

/** The file for a plan's live (not deleted) records. */
export function recordsToPlanFile(records: PlanRecords): PlanFile {
  const planId = records.plan.id;
  const live = <T extends { deleted: boolean }>(rows: T[]) => rows.filter((r) => !r.deleted);
  const sections = live(records.sections);
  const sectionIds = new Set(sections.map((s) => s.id));
  // An item whose section is gone (deleted on another device) is not shown, so it is not exported.
  const items = live(records.items).filter((i) => sectionIds.has(i.sectionId));
  const itemIds = new Set(items.map((i) => i.id));
  const kpis = live(records.kpis).sort(compareOrder);
  const kpiIds = new Set(kpis.map((k) => k.id));

  const toFileSection = (s: Section): FileSection => {
    const children = sections.filter((c) => c.parentId === s.id).sort(compareOrder);
    const own = items.filter((i) => i.sectionId === s.id).sort(compareOrder);
    return {
      id: fileRef(planId, s.id),
      label: s.label,
      title: s.title,
      ...(s.group ? { groups: splitGroups(s.group) } : {}),
      ...(s.note ? { note: s.note } : {}),
      ...(own.length
        ? {
            items: own.map((i) => ({
              id: fileRef(planId, i.id),
              label: i.label,
              text: i.text,
              ...(i.group ? { groups: splitGroups(i.group) } : {}),
              ...(i.tags.length ? { tags: i.tags } : {}),
            })),
          }
        : {}),
      ...(children.length ? { sections: children.map(toFileSection) } : {}),
    };
  };
  const { branch, fiscalYear, title, periodKind, demo, status } = records.plan;
  return {
    format: PLAN_FILE_FORMAT,
    version: PLAN_FILE_VERSION,
    plan: { branch, fiscalYear, title, periodKind, ...(demo ? { demo } : {}), ...(status ? { status } : {}) },
    sections: sections
      .filter((s) => s.parentId === null || !sectionIds.has(s.parentId))
      .sort(compareOrder)
      .map(toFileSection),
    kpis: kpis.map((k) => ({
      id: fileRef(planId, k.id),
      ...(k.sectionId && sectionIds.has(k.sectionId) ? { section: fileRef(planId, k.sectionId) } : {}),
      name: k.name,
      unit: k.unit,
      target: k.target,
      ...kpiExtras(k),
    })),
    progress: records.progress
      .filter((p) => itemIds.has(p.itemId))
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((p) => ({ item: fileRef(planId, p.itemId), period: p.periodId, evaluation: p.evaluation, done: p.done, next: p.next })),
    // A removed note is not exported (its tombstone stays on the server with its history).
    notes: records.notes
      .filter((n) => itemIds.has(n.itemId) && n.deleted !== true)
      .sort((a, b) => a.date.localeCompare(b.date) || a.createdAt.localeCompare(b.createdAt))
      .map((n) => ({ item: fileRef(planId, n.itemId), date: n.date, author: n.author, text: n.text })),
    measurements: records.measurements
      .filter((m) => kpiIds.has(m.kpiId))
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((m) => ({ kpi: fileRef(planId, m.kpiId), month: m.month, value: m.value })),
  };
}
