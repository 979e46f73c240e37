// The records of the domain as zod schemas (zod/mini, to keep the browser bundle small), with
// their types beside them. Every record read from IndexedDB, a file or the network is parsed
// with one of these before the app trusts it.
import * as z from 'zod/mini';
import { orderKeySchema } from './order-key';
import { isYearMonth } from './wareki';

export const LIMITS = {
  shortText: 200,
  /** 実施状況 / 今後の実施予定等 of one item in one period. */
  longText: 20_000,
  noteText: 5_000,
  tags: 10,
  footnotes: 10,
  /** 事業所名 of a visit. */
  employerName: 100,
  /** 事業所記号: a short code as the branch writes it (e.g. 01-イロハ). */
  employerCode: 20,
  /** One purpose of a visit (健診勧奨). */
  visitPurpose: 30,
  /** Purposes one visit names, and a plan's purpose list. */
  visitPurposes: 20,
  /** KPIs one purpose counts towards. */
  purposeKpis: 20,
} as const;

export const EVALUATIONS = ['○', '△', '－'] as const;
export const evaluationSchema = z.enum(EVALUATIONS);
export type Evaluation = z.infer<typeof evaluationSchema>;

export const PERIOD_KINDS = ['month', 'quarter', 'half'] as const;
export const periodKindSchema = z.enum(PERIOD_KINDS);
export type PeriodKind = z.infer<typeof periodKindSchema>;

/** A lone UTF-16 surrogate: no character, and written as U+FFFD by whatever encodes the text as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Whether a text is whole characters: two ids that differ only in a lone surrogate would be one id in the database. */
export const isWellFormedText = (text: string): boolean => !LONE_SURROGATE.test(text);
// Ids are stored as plain text columns (PostgreSQL refuses U+0000 there): no control characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to refuse them
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]+$/;
export const idSchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(200),
    z.regex(NO_CONTROL_CHARACTERS, 'id に制御文字は使えません'),
    z.refine(isWellFormedText, 'id に壊れた文字があります'),
  );
const shortText = z.string().check(z.maxLength(LIMITS.shortText));
const requiredShortText = z.string().check(z.trim(), z.minLength(1), z.maxLength(LIMITS.shortText));
export const yearMonthSchema = z.string().check(
  z.refine(isYearMonth, '年月は YYYY-MM で書いてください'),
  // 平成 to 2100, the years a plan (fiscalYearSchema) can have: 0000-01 would show as 平成-1988年.
  z.refine((ym) => !isYearMonth(ym) || (ym.slice(0, 4) >= '1989' && ym.slice(0, 4) <= '2100'), '年月は1989年から2100年までです'),
);
export const isoDateSchema = z.iso.date({ error: '日付は YYYY-MM-DD で書いてください' });
export const fiscalYearSchema = z.number().check(z.int(), z.gte(1989), z.lte(2100));

/** Who last changed a record and when; the server stamps these once sync exists. */
const stamp = {
  updatedAt: z.string(),
  updatedBy: z.string(),
};

const purposeName = z.string().check(z.trim(), z.minLength(1), z.maxLength(LIMITS.visitPurpose));

/** One entry of a plan's purpose list: a visit naming it counts towards `kpiIds` (see visitsOfKpi). */
export const visitPurposeSchema = z.object({
  name: purposeName,
  kpiIds: z.optional(z.array(idSchema).check(z.maxLength(LIMITS.purposeKpis))),
});
export type VisitPurpose = z.infer<typeof visitPurposeSchema>;

export const PLAN_STATUSES = ['案', '確定'] as const;
export const planStatusSchema = z.enum(PLAN_STATUSES);
export type PlanStatus = z.infer<typeof planStatusSchema>;

export const planSchema = z.object({
  id: idSchema,
  /** The branch (支部) account that owns the plan on the server; absent for a plan only on this device. */
  branchId: z.optional(idSchema),
  branch: requiredShortText,
  fiscalYear: fiscalYearSchema,
  title: requiredShortText,
  periodKind: periodKindSchema,
  /** A demo plan loaded on first run, so a newcomer sees a real plan. */
  demo: z.boolean(),
  /** 案 while the plan is a draft, 確定 once adopted; absent on plans from before plan format 2. */
  status: z.optional(planStatusSchema),
  /** The purposes a visit of this plan can name; absent: DEFAULT_VISIT_PURPOSES (see visitPurposesOf). */
  visitPurposes: z.optional(
    z.array(visitPurposeSchema).check(
      z.maxLength(LIMITS.visitPurposes),
      z.refine((list) => new Set(list.map((p) => p.name)).size === list.length, '同じ名前の訪問目的が重なっています'),
    ),
  ),
  deleted: z.boolean(),
  ...stamp,
});
export type Plan = z.infer<typeof planSchema>;

export const sectionSchema = z.object({
  id: idSchema,
  planId: idSchema,
  /** null for a pillar (柱). */
  parentId: z.nullable(idSchema),
  /** As written: "１．", "Ⅱ", "（３）". */
  label: shortText,
  title: shortText,
  /**
   * 担当グループ owning the section, as written in `Item.group` (several joined by 、); its items
   * without a group of their own belong to it (see itemGroups). Absent on older records.
   */
  group: z.optional(shortText),
  /** What the plan writes under the heading besides items: the reasons of 【重要度：高】/【困難度：高】. */
  note: z.optional(z.string().check(z.maxLength(LIMITS.longText))),
  /** The place among its siblings (order-key.ts); equal keys sort by id. */
  order: orderKeySchema,
  deleted: z.boolean(),
  ...stamp,
});
export type Section = z.infer<typeof sectionSchema>;

export const TAGS = ['重要度：高', '困難度：高'] as const;

export const itemSchema = z.object({
  id: idSchema,
  planId: idSchema,
  sectionId: idSchema,
  /** As written: "①", "ⅰ）". */
  label: shortText,
  text: z.string().check(z.maxLength(LIMITS.longText)),
  /**
   * 担当グループ, e.g. 業務, レセプト, 保健, 企画総務; several owning groups joined by 、
   * (業務、企画総務); empty when the item takes its section's.
   */
  group: shortText,
  tags: z.array(requiredShortText).check(z.maxLength(LIMITS.tags)),
  order: orderKeySchema,
  deleted: z.boolean(),
  ...stamp,
});
export type Item = z.infer<typeof itemSchema>;

export const progressSchema = z.object({
  /** Derived from the natural key, see progressId(). */
  id: idSchema,
  planId: idSchema,
  itemId: idSchema,
  periodId: idSchema,
  evaluation: z.nullable(evaluationSchema),
  done: z.string().check(z.maxLength(LIMITS.longText)),
  next: z.string().check(z.maxLength(LIMITS.longText)),
  ...stamp,
});
export type Progress = z.infer<typeof progressSchema>;

/** What makes a note a visit (事業所訪問); the note's `text` is the visit's 結果. */
export const visitSchema = z.object({
  /** 事業所名 */
  employer: z.string().check(z.trim(), z.minLength(1, '事業所名を入力してください'), z.maxLength(LIMITS.employerName)),
  /** 事業所記号, empty when not known. */
  employerCode: z.optional(z.string().check(z.trim(), z.maxLength(LIMITS.employerCode))),
  purposes: z.array(purposeName).check(
    z.maxLength(LIMITS.visitPurposes),
    z.refine((names) => new Set(names).size === names.length, '同じ訪問目的が重なっています'),
  ),
  /** 次回訪問予定 (the server also keeps it between the visit and two years ahead). */
  nextDate: z.optional(isoDateSchema),
});
export type Visit = z.infer<typeof visitSchema>;

export const noteSchema = z.object({
  id: idSchema,
  planId: idSchema,
  itemId: idSchema,
  /** The day the note is about (e.g. the visit), `YYYY-MM-DD`. */
  date: isoDateSchema,
  /** Stamped by the server when the note is created; only they (or a lead) may correct it. */
  author: requiredShortText,
  /**
   * The author's account id, stamped with `author` (names are not unique: two 田中 may not
   * correct each other's notes); absent on notes from before it, which only a lead corrects.
   */
  authorId: z.optional(idSchema),
  /** The note, or a visit's 結果. */
  text: z.string().check(z.trim(), z.minLength(1), z.maxLength(LIMITS.noteText)),
  /** Present when the note records a visit. */
  visit: z.optional(visitSchema),
  /** A removed note (a tombstone); absent on notes never removed. */
  deleted: z.optional(z.boolean()),
  createdAt: z.string(),
  /** The last correction; absent on notes never corrected by a server that stamps them. */
  updatedAt: z.optional(z.string()),
  updatedBy: z.optional(z.string()),
});
export type Note = z.infer<typeof noteSchema>;

export const KPI_DIRECTIONS = ['以上', '以下'] as const;
export const kpiDirectionSchema = z.enum(KPI_DIRECTIONS);
export type KpiDirection = z.infer<typeof kpiDirectionSchema>;

export const CONDITION_DIRECTIONS = ['以上', '以下', '超', '未満'] as const;
export const conditionDirectionSchema = z.enum(CONDITION_DIRECTIONS);
export type ConditionDirection = z.infer<typeof conditionDirectionSchema>;

export const decimalsSchema = z.number().check(z.int(), z.gte(0), z.lte(6));

/** A KPI's figure (a target, a 現状, a condition): far beyond any real one stays out, so no sum overflows. */
export const figureSchema = z.number().check(z.gte(-1e12), z.lte(1e12));

/**
 * The parts of a KPI that are objects, made with `object`: z.object for stored records (which
 * drop keys a newer version added), z.strictObject for a plan file (where an unknown key is a typo
 * to report). Both parse to the same types.
 */
function kpiPartSchemas(object: typeof z.object) {
  const valueTarget = object({
    kind: z.literal('value'),
    value: figureSchema,
    direction: kpiDirectionSchema,
    /** 年度末時点で: judged on the year-end (March) figure only. */
    yearEnd: z.optional(z.boolean()),
  });
  const previousYearTarget = object({
    kind: z.literal('previousYear'),
    previousValue: z.nullable(figureSchema),
    direction: kpiDirectionSchema,
    /** 前年度末以上: compared at year end with last year's year-end figure. */
    yearEnd: z.optional(z.boolean()),
  });
  const qualitativeTarget = object({ kind: z.literal('qualitative'), text: requiredShortText });
  /** A target that is not conditional: one rule. */
  const rule = z.discriminatedUnion('kind', [
    /** 68.0%以上, 15%以下, 100% */
    valueTarget,
    /** 対前年度以上, with last year's value when the plan gives it: 前年度（98.4％）以上 */
    previousYearTarget,
    /** 全支部で実施する, 毎月情報発信を行う */
    qualitativeTarget,
  ]);
  const target = z.discriminatedUnion('kind', [
    valueTarget,
    previousYearTarget,
    qualitativeTarget,
    /**
     * 80%以上; ただし80%以上の支部は年度末時点で対前年度以上: the first rule whose condition holds
     * for the KPI's figure at the start of the year (last year's year-end actual, else its 現状)
     * applies, else `otherwise`.
     */
    object({
      kind: z.literal('conditional'),
      rules: z
        .array(object({ when: object({ direction: conditionDirectionSchema, value: figureSchema }), target: rule }))
        .check(z.minLength(1), z.maxLength(5)),
      otherwise: rule,
    }),
  ]);
  const baseline = object({
    value: figureSchema,
    /** The month the figure is as of; for a range, its last month. Any year. */
    month: yearMonthSchema,
    /** The first month of a range (R5.4～R5.10); absent for a single month. */
    from: z.optional(yearMonthSchema),
    /** What else the plan says of it: 健診受診分. */
    note: z.optional(shortText),
  }).check(z.refine((b) => b.from === undefined || b.from <= b.month, '範囲の始まりが終わりより後です'));
  const count = object({
    /** 実施対象者数（被保険者 40歳以上） */
    label: requiredShortText,
    /** People or employers: a whole number. */
    value: z.number().check(z.int(), z.gte(0), z.lte(1e12)),
    unit: shortText,
  });
  return { rule, target, baseline, count };
}

const STORED_KPI_PARTS = kpiPartSchemas(z.object);
/** The same parts refusing unknown keys, for plan files. */
export const FILE_KPI_PARTS = kpiPartSchemas(z.strictObject as unknown as typeof z.object);

export const kpiRuleSchema = STORED_KPI_PARTS.rule;
export type KpiRule = z.infer<typeof kpiRuleSchema>;
export const kpiTargetSchema = STORED_KPI_PARTS.target;
export type KpiTarget = z.infer<typeof kpiTargetSchema>;
export const kpiBaselineSchema = STORED_KPI_PARTS.baseline;
export type KpiBaseline = z.infer<typeof kpiBaselineSchema>;
export const kpiCountSchema = STORED_KPI_PARTS.count;
export type KpiCount = z.infer<typeof kpiCountSchema>;

export const kpiSchema = z.object({
  id: idSchema,
  planId: idSchema,
  /** The 事業計画 row (section) the KPI belongs to. */
  sectionId: z.nullable(idSchema),
  name: requiredShortText,
  unit: shortText,
  target: kpiTargetSchema,
  /**
   * 年度内累計: the actual as of a month counts what was done since April (健診実施率, 特定保健指導
   * 実施率), so it builds up to a year-end value that can be projected (kpi-projection.ts).
   * Absent on older records: then the KPI's name decides, see isCumulativeKpi.
   */
  cumulative: z.optional(z.boolean()),
  /** KPI number as written: ①. */
  number: z.optional(shortText),
  /** Decimal places the plan writes its figures with (68.0 → 1), so they show as written. */
  decimals: z.optional(decimalsSchema),
  /** 令和N−1年度KPI: last year's target (not last year's actual). */
  previousTarget: z.optional(kpiTargetSchema),
  /** 現状: the figure the plan starts from, of an earlier month or range; never judged as this year's result. */
  baseline: z.optional(kpiBaselineSchema),
  /** 実施対象者数: the people a rate is taken over. */
  population: z.optional(kpiCountSchema),
  /** 実施見込者数: how many of them are expected to reach it. */
  expected: z.optional(kpiCountSchema),
  /** （※）notes as written. */
  footnotes: z.optional(z.array(requiredShortText).check(z.maxLength(LIMITS.footnotes))),
  order: orderKeySchema,
  deleted: z.boolean(),
  ...stamp,
});
export type Kpi = z.infer<typeof kpiSchema>;

export const measurementSchema = z.object({
  /** Derived from the natural key, see measurementId(). */
  id: idSchema,
  planId: idSchema,
  kpiId: idSchema,
  /** The month the actual is "as of" (時点). */
  month: yearMonthSchema,
  value: z.nullable(z.number()),
  ...stamp,
});
export type Measurement = z.infer<typeof measurementSchema>;

/** Ids of natural-key records, so two devices creating "the same" record meet as one. */
export function progressId(itemId: string, periodId: string): string {
  return `progress:${itemId}:${periodId}`;
}

export function measurementId(kpiId: string, month: string): string {
  return `measurement:${kpiId}:${month}`;
}

/** Fields the server stamps on every record it stores; a client's values for them are ignored and they never count as a change. */
export const STAMP_FIELDS: ReadonlySet<string> = new Set(['updatedAt', 'updatedBy', 'createdAt']);

/** Tables whose records sync; the names are part of the sync protocol. */
export const RECORD_TABLES = ['plans', 'sections', 'items', 'progress', 'notes', 'kpis', 'measurements', 'conflicts', 'history'] as const;
export const recordTableSchema = z.enum(RECORD_TABLES);
/** What each table holds, as people name it (a refusal's reason, the list of refused changes). */
export const RECORD_TABLE_LABELS: Record<(typeof RECORD_TABLES)[number], string> = {
  plans: '計画',
  sections: '柱・区分',
  items: '項目',
  progress: '実施状況・評価',
  notes: 'メモ',
  kpis: 'KPI',
  measurements: 'KPIの実績',
  conflicts: '競合',
  history: '変更履歴',
};
export type RecordTable = z.infer<typeof recordTableSchema>;
/** Tables a person edits; conflicts and history are written by the server. */
export const EDITABLE_TABLES = ['plans', 'sections', 'items', 'progress', 'notes', 'kpis', 'measurements'] as const;
export type EditableTable = (typeof EDITABLE_TABLES)[number];

/**
 * The losing side of a field two devices changed concurrently: the server kept `serverValue`
 * and stores the other edit here, visible to everyone until a person resolves it.
 */
export const conflictSchema = z.object({
  id: idSchema,
  planId: idSchema,
  table: z.enum(EDITABLE_TABLES),
  recordId: idSchema,
  /** The item the conflict shows on (progress and notes name theirs; an item is its own). */
  itemId: z.nullable(idSchema),
  field: z.string(),
  baseValue: z.unknown(),
  serverValue: z.unknown(),
  serverBy: z.string(),
  serverAt: z.string(),
  clientValue: z.unknown(),
  clientBy: z.string(),
  clientAt: z.string(),
  resolved: z.boolean(),
  ...stamp,
});
export type Conflict = z.infer<typeof conflictSchema>;

/** One applied change of a record: who changed which fields from what to what, and when. */
export const historySchema = z.object({
  id: idSchema,
  planId: idSchema,
  table: z.enum(EDITABLE_TABLES),
  recordId: idSchema,
  itemId: z.nullable(idSchema),
  changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
  by: z.string(),
  at: z.string(),
});
export type History = z.infer<typeof historySchema>;

/** The schema of every synced table's records, for whoever parses them by table name. */
export const RECORD_SCHEMAS = {
  plans: planSchema,
  sections: sectionSchema,
  items: itemSchema,
  progress: progressSchema,
  notes: noteSchema,
  kpis: kpiSchema,
  measurements: measurementSchema,
  conflicts: conflictSchema,
  history: historySchema,
} as const satisfies Record<RecordTable, z.ZodMiniType>;
