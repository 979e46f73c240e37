// A plan pasted as text (copied out of the branch's Word file or PDF) → a proposed plan file.
// Two pure steps, no DOM and no Node APIs, so the browser runs them as the person types:
// classifyPlanText says what every line is (柱 / 節 / 項目 / KPI / 理由 / 無視) and why, in
// Japanese; proposePlan builds a format-2 plan file from those lines. The review screen lets a
// person change a line's kind or fix its label and runs proposePlan again, so the proposal is a
// deterministic function of the (possibly edited) lines alone.
//
// Group headings （業務グループ）/（業務グループ、企画総務グループ） are no part of the tree, so
// they get no kind of their own: they are kind 'ignore' with a why that says so, and proposePlan
// applies every 'ignore' line whose text is a group heading (the sections that follow, and any
// top-level section of the same page still without a group, get those groups). To stop one
// applying, edit its text on the review screen.
import { type FileItem, type FileSection, PLAN_FILE_FORMAT, PLAN_FILE_VERSION, type PlanFile } from './plan-file';
import { splitGroups } from './plan-tree';
import type { KpiRule, PeriodKind } from './schemas';
import { LIMITS } from './schemas';
import { parseDecimal } from './number-text';
import { fiscalYearFromWareki, parseAsOf, toHalfWidth } from './wareki';

export const LINE_KINDS = ['pillar', 'section', 'item', 'kpi', 'reason', 'ignore'] as const; // 柱 / 節 / 項目 / KPI / 理由 / 無視
export type LineKind = (typeof LINE_KINDS)[number];
export const LINE_KIND_LABELS: Record<LineKind, string> = { pillar: '柱', section: '節', item: '項目', kpi: 'KPI', reason: '理由', ignore: '無視' };

export interface PlanTextLine {
  /** 1-based line number in the pasted text of the line's first physical line. */
  line: number;
  /** The text as pasted (joined continuation lines), for the review screen. */
  text: string;
  kind: LineKind;
  /** The label as written: '１．', 'Ⅱ', '（２）－１', '①', 'ⅰ）', '' for ・ bullets and ○ headings. */
  label: string;
  /** The text without its label (the heading's title, the item's text, the KPI's name). */
  body: string;
  /** Japanese: why this line is what it is (e.g. 「（１）で始まるため節」), or why it was ignored. */
  why: string;
}

export interface PlanTextProposal {
  file: PlanFile;
  /** Lines that could not be placed, with why (Japanese). */
  unplaced: { line: number; text: string; why: string }[];
}

// ---------------------------------------------------------------------------------------------
// Patterns

/** The three pillars of the 協会けんぽ plans; seed 002 writes them without a number on every page. */
const PILLAR_TITLES = ['基盤的保険者機能の盤石化', '戦略的保険者機能の一層の発揮', '保険者機能の強化を支える組織・運営体制等の整備'];
const NUMBERED_PILLAR = /^([１-９1-9][．.])(?![0-9０-９])\s*(\S.*)$/;
const ROMAN_SECTION = /^([ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ])([．.、]?)\s*(\S.*)$/;
const PAREN_SECTION = /^([（(][0-9０-９]{1,3}[）)](?:\s*[－ー−-]\s*[0-9０-９]{1,2})?)\s*(\S.*)$/;
const CIRCLE_HEADING = /^([○〇])\s*(\S.*)$/;
const SMALL_ROMAN = /^([ⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹ][）)])\s*(\S.*)$/;
const CIRCLED = /^([①-⑳])\s*(.*)$/;
const BULLET = /^[・･]\s*(.*)$/;
const PAREN_NUMBER = /^([0-9０-９]{1,2}(?:[－ー−-][0-9０-９]{1,2})?[）)])\s*(.*)$/;
// Each name ends in グループ and the names are split by a mark none of them holds, so a line can
// be matched only one way (a looser pattern took minutes on a line of repeated names).
const GROUP_HEADING = /^[（(]\s*([^（）()、,，]*グループ(?:\s*[、,，]\s*[^（）()、,，]*グループ)*)\s*[）)]$/;
const TAG_LINE = /^【(重要度|困難度)[：:]\s*高】$/;
const KPI_BOX = /^■\s*KPI\s*[：:]?\s*(.*)$/;
const KPI_PREFIX = /^KPI(?:\s+(\S.*))?$/;
const KPI_SUFFIX = /^(\S.*\S)\s*KPI$/;
const FOOTNOTE = /^[（(]※[0-9０-９]*[）)]/;
const STAR_FIGURE = /^※\s*[0-9０-９]/;
const PAGE_NUMBER = /^[0-9０-９]{1,3}$/;
const TABLE_HEADER = /^(指標\s.*KPI|事業計画\s+(実施状況|KPI設定項目))/;
const COUNT_LINE = /(対象者数|見込者数)\s*[：:]/;
const PLAN_TITLE = /(令和|平成|R|H)\s*([元0-9０-９]{1,2})\s*年度\s*(.*?支部)\s*(事業計画|基本方針|.*)/;
/** A plan's title is short; the pattern above, tried at every place of a long line, is slow there. */
const TITLE_MAX = 100;
const isPlanTitle = (t: string) => t.length <= TITLE_MAX && PLAN_TITLE.test(t);
const CIRCLED_DIGITS = '①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳';
/** A statement of a KPI's target: …を100％とする, …を維持する, …を行う. */
const STATEMENT_END = /(とする|維持する|実施する|行う|図る)。?(?:[（(][^（）()]*[）)])?$/;
const TARGET_END = /とする。?(?:[（(][^（）()]*[）)])?$/;

function isPillarTitle(t: string): boolean {
  return PILLAR_TITLES.includes(t.replace(/\s+/g, ''));
}

/** Does the (trimmed) physical line start something new, so it never continues the line before? */
function startsNew(t: string): boolean {
  return (
    isPillarTitle(t) ||
    NUMBERED_PILLAR.test(t) ||
    ROMAN_SECTION.test(t) ||
    PAREN_SECTION.test(t) ||
    CIRCLE_HEADING.test(t) ||
    /^[○〇]$/.test(t) ||
    SMALL_ROMAN.test(t) ||
    CIRCLED.test(t) ||
    BULLET.test(t) ||
    PAREN_NUMBER.test(t) ||
    GROUP_HEADING.test(t) ||
    TAG_LINE.test(t) ||
    KPI_BOX.test(t) ||
    KPI_PREFIX.test(t) ||
    FOOTNOTE.test(t) ||
    STAR_FIGURE.test(t) ||
    PAGE_NUMBER.test(t) ||
    TABLE_HEADER.test(t) ||
    COUNT_LINE.test(t) ||
    /担当グループ順/.test(t) ||
    isPlanTitle(t)
  );
}

/** Lines nothing continues: one-line headings and marks. */
function takesNoContinuation(t: string): boolean {
  return (
    isPillarTitle(t) ||
    NUMBERED_PILLAR.test(t) ||
    GROUP_HEADING.test(t) ||
    TAG_LINE.test(t) ||
    PAGE_NUMBER.test(t) ||
    TABLE_HEADER.test(t) ||
    /^KPI$/.test(t) ||
    /^■\s*KPI\s*[：:]?$/.test(t) ||
    /^[○〇①-⑳]$/.test(t) ||
    /担当グループ順/.test(t) ||
    isPlanTitle(t)
  );
}

const FIGURE_START = /^(?:[0-9０-９]|[（(](?:R|Ｒ|H|令和|平成|対前年度)|対?前年度|[─―]|※)/;
const FIGURE_END = /(?:[0-9０-９%％）)※]|以上|以下)$/;

// ---------------------------------------------------------------------------------------------
// classifyPlanText

interface Logical {
  line: number;
  text: string;
  /** Physical lines since the previous logical line were blank. */
  afterBlank: boolean;
}

/** Physical lines → logical lines: a wrapped line continues the one before it. */
function joinLines(text: string): Logical[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const out: Logical[] = [];
  let blanks = 0;
  for (const [i, raw] of physical.entries()) {
    const t = raw.replace(/\u3000/g, ' ').trim();
    if (t === '') {
      blanks++;
      continue;
    }
    const prev = out[out.length - 1];
    // A heading wraps onto a short line (…意識改革の / 徹底); longer unmarked text under it is its first item.
    const heading = prev !== undefined && [PAREN_SECTION, ROMAN_SECTION, CIRCLE_HEADING, SMALL_ROMAN].some((re) => re.test(prev.text));
    const canContinue =
      prev !== undefined && !startsNew(t) && !takesNoContinuation(prev.text) && prev.text.length < LIMITS.longText && !(heading && t.length > 12);
    // Without a blank line: always; across one blank line: only a heading or item that stopped mid-sentence.
    const wrapped =
      canContinue &&
      (blanks === 0 ||
        (blanks === 1 &&
          !/[。．]$/.test(prev.text) &&
          (BULLET.test(prev.text) || CIRCLED.test(prev.text) || ((PAREN_SECTION.test(prev.text) || ROMAN_SECTION.test(prev.text)) && t.length <= 10)) &&
          !FIGURE_START.test(t)));
    if (wrapped && prev) {
      const space = FIGURE_START.test(t) && FIGURE_END.test(prev.text) ? ' ' : '';
      prev.text = `${prev.text}${space}${t}`;
    } else {
      out.push({ line: i + 1, text: t, afterBlank: blanks > 0 || out.length === 0 });
    }
    blanks = 0;
  }
  return out;
}

function line(l: Logical, kind: LineKind, label: string, body: string, why: string): PlanTextLine {
  return { line: l.line, text: l.text, kind, label, body, why };
}

/** A token of a KPI table: a figure, a target word or a bracketed note. */
function isFigureToken(token: string): boolean {
  const t = token.replace(/[（(][^（）()]*(?:[（(][^（）()]*[）)][^（）()]*)*[）)]/g, '').replace(/※/g, '');
  if (t === '') return true;
  return /^(?:対?前年度末?(?:以上|以下)|[─―-]|[0-9０-９][0-9０-９,，.．]*\s*(?:%|％|円|事業所|人|件|日)?(?:以上|以下)?)$/.test(t);
}

function isFigureLine(t: string): boolean {
  return t.split(/\s+/).every(isFigureToken);
}

/** Number of a circled or （n）-style label: ② → 2, ２） → 2. */
function labelNumber(label: string): number | undefined {
  const c = CIRCLED_DIGITS.indexOf(label);
  if (c >= 0) return c + 1;
  const m = /^([0-9]{1,2})/.exec(toHalfWidth(label));
  return m ? Number(m[1]) : undefined;
}

/** The first reading of one line, without looking at its neighbours. */
function classifyAlone(l: Logical): PlanTextLine {
  const t = l.text;
  let m: RegExpExecArray | null;
  if (PAGE_NUMBER.test(t)) return line(l, 'ignore', '', t, 'ページ番号');
  if (/担当グループ順/.test(t)) return line(l, 'ignore', '', t, '並び順の注記');
  if (TABLE_HEADER.test(t)) return line(l, 'ignore', '', t, '表の見出し');
  m = GROUP_HEADING.exec(t);
  if (m) {
    const groups = splitGroups(m[1]!);
    return line(l, 'ignore', '', groups.join('、'), `担当グループの見出し（以降の節は${groups.map((g) => `${g}グループ`).join('・')}）`);
  }
  if (isPlanTitle(t) && !STATEMENT_END.test(t)) return line(l, 'ignore', '', t, TITLE_WHY);
  if (isPillarTitle(t)) return line(l, 'pillar', '', t, '柱の名前のため柱（繰り返しは同じ柱）');
  m = NUMBERED_PILLAR.exec(t);
  if (m) return line(l, 'pillar', m[1]!, m[2]!, `「${m[1]}」で始まるため柱`);
  m = TAG_LINE.exec(t);
  if (m) return line(l, 'reason', '', `${m[1]}：高`, `【${m[1]}：高】の見出し（この節の項目のタグ）`);
  m = KPI_BOX.exec(t);
  if (m) return line(l, 'kpi', '', m[1]!, '「■ KPI：」で始まるためKPI');
  m = KPI_PREFIX.exec(t);
  if (m) return line(l, 'kpi', '', m[1] ?? '', '「KPI」で始まるためKPI');
  m = KPI_SUFFIX.exec(t);
  if (m && TARGET_END.test(m[1]!)) return line(l, 'kpi', '', m[1]!, '「KPI」で終わる目標の文のためKPI');
  if (FOOTNOTE.test(t)) return line(l, 'kpi', '', t, '（※）の注のためKPIの注');
  if (STAR_FIGURE.test(t)) return line(l, 'kpi', '', t.replace(/^※\s*/, ''), '※の付いた数値のためKPIの注');
  if (COUNT_LINE.test(t)) return line(l, 'kpi', '', t.replace(BULLET, '$1'), '対象者数・見込者数の行のためKPI');
  m = ROMAN_SECTION.exec(t);
  if (m) return line(l, 'section', `${m[1]}${m[2]}`, m[3]!, `「${m[1]}」で始まるため節`);
  m = PAREN_SECTION.exec(t);
  if (m && !/^[（(]※/.test(t)) return line(l, 'section', m[1]!.replace(/\s+/g, ''), m[2]!.trim(), `「${m[1]}」で始まるため節`);
  m = CIRCLE_HEADING.exec(t);
  if (m) return line(l, 'section', '', m[2]!, `「${m[1]}」で始まる見出しのため小見出し（節）`);
  if (/^[○〇△×]$/.test(t)) return line(l, 'ignore', '', t, '評価の記号（評価の列）');
  m = SMALL_ROMAN.exec(t);
  if (m) {
    if (/^[～〜~]/.test(m[2]!)) return line(l, 'item', '', t, `「${m[1]}～」は範囲を指す文のため項目`);
    return line(l, 'section', m[1]!, m[2]!, `「${m[1]}」で始まるため小見出し（節）`);
  }
  m = CIRCLED.exec(t);
  if (m) {
    if (m[2] === '') return line(l, 'ignore', m[1]!, '', '番号だけの行（他の列）');
    return line(l, 'item', m[1]!, m[2]!, `「${m[1]}」で始まるため項目`);
  }
  m = PAREN_NUMBER.exec(t);
  if (m) return line(l, 'item', m[1]!, m[2]!, `「${m[1]}」で始まるため項目`);
  m = BULLET.exec(t);
  if (m) return line(l, 'item', '', m[1]!, '「・」で始まるため項目');
  if (isFigureLine(t)) return line(l, 'kpi', '', t, '数値だけの行のためKPIの表の続き');
  if (TARGET_END.test(t)) return line(l, 'kpi', '', t, '目標を述べる文（…とする）のためKPI');
  if (/[。．]$/.test(t) && t.length >= 20) return line(l, 'item', '', t, '記号のない文のため項目');
  return line(l, 'ignore', '', t, '記号のない短い行（見出しでも項目でもない）');
}

const TITLE_WHY = '計画の題名（支部・年度・題名に使う）';

const isKpiMarker = (l: PlanTextLine) => l.kind === 'kpi' && (/^KPI$/.test(l.text) || /^■\s*KPI\s*[：:]?$/.test(l.text));

/**
 * Every line of a pasted plan with its kind, label, body and the reason, in order. Blank lines
 * are left out (they only separate); wrapped lines are joined to the line they continue.
 */
export function classifyPlanText(text: string): PlanTextLine[] {
  const logical = joinLines(text);
  const lines = logical.map(classifyAlone);
  // A document pasted whole (seed 002: the 第6期 summary, then the branch's plan) holds the plan
  // from its title on; what comes before is no part of it.
  const title = lines.findIndex((l) => l.why === TITLE_WHY);
  for (let i = 0; i < title; i++)
    lines[i] = { ...lines[i]!, kind: 'ignore', label: '', body: lines[i]!.text, why: '計画の題名より前の文章（計画に含めません）' };
  let tableRowExpected = false;
  let inKpiBox = false;
  let lastStatementNumber: number | undefined;
  // The last item number per section (a heading the other column repeats is the same section).
  const lastItemNumbers = new Map<string, number>();
  let sectionAt = '';
  const seenSections = new Set<string>();
  let pillarAt = '';
  let lastParen = 0;
  let otherColumn = false;
  let progressTable = false;
  for (const [i, l] of lines.entries()) {
    if (i < title) continue;
    const src = logical[i]!;
    // 令和６年度 KPI目標の進捗状況 / 事業計画 KPI設定項目 目標 実績: a report on last year's KPIs, not the plan.
    if (/KPI目標の進捗状況|^事業計画\s+KPI設定項目/.test(l.text)) progressTable = true;
    if (progressTable) {
      lines[i] = { ...l, kind: 'ignore', why: 'KPIの進捗表（計画の本文ではない）' };
      continue;
    }
    const prev = lines[i - 1];
    const next = lines[i + 1];
    // The column beside the plan (seed 004: 実施状況 / 評価 / 今後の実施予定等) restarts its numbering.
    if (l.kind === 'pillar' && l.body !== pillarAt) {
      pillarAt = l.body;
      lastParen = 0;
    }
    if (l.why.startsWith('担当グループの見出し') || (l.kind === 'section' && ROMAN_SECTION.test(l.text))) lastParen = 0;
    if (l.kind === 'section' && /^[（(]/.test(l.label)) {
      // （１）… after （２） with no new pillar or group in between: the 実施状況 column's own headings.
      const key = sectionKey(l.label, l.body);
      const num = Number(/\d+/.exec(toHalfWidth(l.label))?.[0] ?? 0);
      if (!seenSections.has(key) && (otherColumn ? num <= lastParen : num === 1 && lastParen > 1)) {
        otherColumn = true;
        lines[i] = { ...l, kind: 'ignore', why: '番号が戻った見出しのため実施状況など他の列とみなす' };
        continue;
      }
      seenSections.add(key);
      lastParen = Math.max(lastParen, num);
    }
    if (l.kind === 'pillar' || l.kind === 'section') {
      otherColumn = false;
      inKpiBox = false;
      tableRowExpected = false;
      lastStatementNumber = undefined;
      if (l.kind === 'section') sectionAt = sectionKey(l.label, l.body);
      continue;
    }
    if (l.why === '表の見出し') {
      tableRowExpected = /^指標/.test(l.text);
      continue;
    }
    const n = labelNumber(l.label);
    const circled = CIRCLED.test(l.label) || PAREN_NUMBER.test(l.label);
    // A number alone on its line (①) heads the 今後の実施予定等 column.
    if (l.why === '番号だけの行（他の列）' && (lastItemNumbers.get(sectionAt) ?? 0) > 0) otherColumn = true;
    if (otherColumn && l.kind !== 'ignore') {
      lines[i] = { ...l, kind: 'ignore', why: '番号が戻ったため実施状況など他の列の文とみなす' };
      continue;
    }
    if (isKpiMarker(l)) {
      inKpiBox = /^■/.test(l.text);
      lastStatementNumber = 0;
      continue;
    }
    // A KPI table row: the line after the table's heading, or a line that ends with a figure as of a month.
    const plainText = l.kind === 'ignore' && l.why.startsWith('記号のない');
    if ((plainText || (l.kind !== 'ignore' && l.kind !== 'reason')) && !FOOTNOTE.test(l.text) && !COUNT_LINE.test(l.text)) {
      const tokens = l.text.split(/\s+/);
      const tail = tokens.slice(1);
      const rowLike = tail.length >= 1 && tail.every(isFigureToken) && tail.some((tk) => /[（(](R|Ｒ|H|令和|平成)/.test(tk));
      const tableRow = tableRowExpected && !STATEMENT_END.test(l.body) && !BULLET.test(l.text) && !KPI_PREFIX.test(l.text);
      if (tableRow || rowLike) {
        lines[i] = { ...l, kind: 'kpi', why: tableRowExpected ? 'KPIの表の行' : '数値と時点で終わる行のためKPIの表の行' };
        tableRowExpected = tableRowExpected || rowLike;
        continue;
      }
    }
    if (l.kind === 'kpi' && l.why.startsWith('数値だけ')) continue;
    tableRowExpected = false;
    if (circled && l.kind === 'item' && n !== undefined) {
      const actual = /^[0-9０-９.．,，]+\s*[%％円件人]?\s*[（(][^）)]*時点[）)]$/.test(l.body);
      const statement = TARGET_END.test(l.body);
      const continues = lastStatementNumber !== undefined && n === lastStatementNumber + 1;
      // 002 writes the statements just above a lone 「KPI」; seed 004's ■ KPI： box comes after the items.
      const nextIsMarker = next !== undefined && isKpiMarker(next) && /^KPI$/.test(next.text);
      if (actual) {
        lines[i] = { ...l, kind: 'ignore', why: '実績の記載（実施状況の列）' };
        continue;
      }
      if (statement || continues || nextIsMarker || (inKpiBox && PAREN_NUMBER.test(l.label))) {
        lines[i] = {
          ...l,
          kind: 'kpi',
          why: statement ? '目標を述べる文（…とする）のためKPI' : inKpiBox ? '■ KPI：の中の番号付きの文のためKPI' : 'KPIの文の続きの番号のためKPI',
        };
        lastStatementNumber = n;
        continue;
      }
      if (CIRCLED.test(l.label)) {
        if (n <= (lastItemNumbers.get(sectionAt) ?? 0)) {
          otherColumn = true;
          lines[i] = { ...l, kind: 'ignore', why: '番号が戻ったため実施状況など他の列の文とみなす' };
          continue;
        }
        lastItemNumbers.set(sectionAt, n);
      }
    }
    if (l.kind === 'kpi' && (FOOTNOTE.test(l.text) || TARGET_END.test(l.body))) {
      if (TARGET_END.test(l.body)) lastStatementNumber = n ?? lastStatementNumber;
      continue;
    }
    if (l.kind !== 'kpi') {
      inKpiBox = inKpiBox && src.afterBlank === false;
      lastStatementNumber = undefined;
    }
    // The text under 【重要度：高】 / 【困難度：高】 up to a blank line or the next marker.
    if (prev?.kind === 'reason' && !src.afterBlank && (l.why.startsWith('記号のない') || l.kind === 'kpi')) {
      lines[i] = { ...l, kind: 'reason', label: '', body: l.text, why: '【重要度：高】などの理由の文' };
    } else if (prev?.kind === 'reason' && prev.why.includes('の見出し') && l.why.startsWith('記号のない')) {
      lines[i] = { ...l, kind: 'reason', label: '', body: l.text, why: '【重要度：高】などの理由の文' };
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// KPI figures

interface Figure {
  value: number;
  unit: string;
  decimals: number;
}

function readFigure(text: string): Figure | undefined {
  const m = /([0-9０-９][0-9０-９,，.．]*)\s*(%|％|円|事業所|人|件|日)?/.exec(text);
  if (!m) return undefined;
  const raw = toHalfWidth(m[1]!).replace(/[.,]$/, '');
  const value = parseDecimal(raw);
  if (value === undefined) return undefined;
  const dot = raw.indexOf('.');
  return { value, unit: m[2] === '％' ? '%' : (m[2] ?? ''), decimals: dot < 0 ? 0 : raw.length - dot - 1 };
}

/** A target as a table cell or a statement writes it; undefined for ─ or nothing readable. */
function readRule(text: string, statementSaysBelow = false): { rule: KpiRule; figure?: Figure } | undefined {
  const t = text.replace(/\s+/g, '');
  if (t === '' || /^[─―-]+$/.test(t)) return undefined;
  const direction = /以下/.test(t) ? '以下' : '以上';
  if (/前年度/.test(t)) {
    const inner = /前年度末?[（(]([^）)]*)[）)]/.exec(t)?.[1];
    const figure = readFigure(inner ?? t.replace(/[（(][^）)]*[）)]/g, (s) => (/[RH令平]/.test(s) ? '' : s)));
    const yearEnd = /年度末/.test(t);
    return {
      rule: { kind: 'previousYear', previousValue: figure?.value ?? null, direction, ...(yearEnd ? { yearEnd } : {}) },
      ...(figure ? { figure } : {}),
    };
  }
  const figure = readFigure(t);
  if (!figure) return undefined;
  const dir = /以下/.test(t) || (statementSaysBelow && !/以上/.test(t)) ? '以下' : '以上';
  return { rule: { kind: 'value', value: figure.value, direction: dir }, figure };
}

interface RowRead {
  number?: string;
  name: string;
  target?: KpiRule;
  previousTarget?: KpiRule;
  baseline?: { value: number; month: string; from?: string; note?: string };
  unit: string;
  decimals?: number;
  starred: boolean;
  problem?: string;
}

const AS_OF_PAREN = /[（(]([^（）()]*)[）)]/g;

/** One KPI table row, possibly gathered from several lines: name, 今年度KPI, 前年度KPI, 現状（時点）. */
function readRow(text: string): RowRead {
  const raw = text.split(/\s+/).filter(Boolean);
  // A bracketed note on its own belongs to the figure before it: 35.7％ （R5.4～R5.10健診受診分）.
  const tokens: string[] = [];
  for (const tk of raw) {
    if (/^[（(].*[）)]$/.test(tk) && tokens.length && isFigureToken(tokens[tokens.length - 1]!)) tokens[tokens.length - 1] += tk;
    else tokens.push(tk);
  }
  let firstFigure = tokens.findIndex((tk) => isFigureToken(tk));
  if (firstFigure < 0) firstFigure = tokens.length;
  let name = tokens.slice(0, firstFigure).join('');
  let number: string | undefined;
  const nm = CIRCLED.exec(name);
  if (nm) {
    number = nm[1]!;
    name = nm[2]!;
  }
  const figures = tokens.slice(firstFigure);
  const out: RowRead = { ...(number ? { number } : {}), name, unit: '', starred: false };
  // 現状: the last figure with a month.
  let baseIndex = -1;
  for (let i = figures.length - 1; i >= 0 && baseIndex < 0; i--) {
    for (const m of figures[i]!.matchAll(AS_OF_PAREN)) {
      if (parseAsOf(m[1]!).ok && readFigure(figures[i]!.replace(AS_OF_PAREN, ''))) baseIndex = i;
    }
  }
  if (baseIndex > 0 || (baseIndex === 0 && figures.length === 1)) {
    const tk = figures[baseIndex]!;
    const figure = readFigure(tk.replace(AS_OF_PAREN, ''))!;
    const paren = [...tk.matchAll(AS_OF_PAREN)].map((m) => m[1]!).find((p) => parseAsOf(p).ok)!;
    const asOf = parseAsOf(paren);
    const note = /[0-9０-９月末]((?:(?![年月度末])[\p{sc=Han}\p{sc=Katakana}ー])+分)$/u.exec(paren.replace(/\s+/g, ''))?.[1];
    if (asOf.ok) out.baseline = { value: figure.value, month: asOf.month, ...(asOf.from ? { from: asOf.from } : {}), ...(note ? { note } : {}) };
    out.unit = figure.unit;
  } else baseIndex = figures.length;
  const targetText = figures[0] ?? '';
  const previousText = figures.slice(1, baseIndex).join(' ');
  const target = baseIndex === 0 ? undefined : readRule(targetText);
  const previous = readRule(previousText);
  if (target) out.target = target.rule;
  if (previous) {
    // A bare last year's figure keeps this year's direction (15％以下 / 15％以下).
    const rule =
      previous.rule.kind === 'value' && !/以上|以下/.test(previousText) && target
        ? { ...previous.rule, direction: (target.rule as { direction?: '以上' | '以下' }).direction ?? '以上' }
        : previous.rule;
    out.previousTarget = rule as KpiRule;
  }
  out.starred = /※$/.test(previousText);
  const unitFrom = [target?.figure, previous?.figure].find((f) => f?.unit);
  if (unitFrom) out.unit = unitFrom.unit;
  const decimalsFrom = [target?.figure, previous?.figure, out.baseline ? readFigure(figures[baseIndex]!.replace(AS_OF_PAREN, '')) : undefined].find(Boolean);
  if (decimalsFrom) out.decimals = decimalsFrom.decimals;
  if (!name) out.problem = 'KPIの表の行に指標名がありません';
  else if (!out.target) out.problem = 'KPIの表の行の目標（令和N年度KPI）を読めません';
  return out;
}

interface StatementRead {
  number?: string;
  name: string;
  target?: KpiRule;
  figure?: Figure;
  below: boolean;
  starred: boolean;
}

/** …を100％とする / …について前年度（0.087％）以上とする → name and target. */
function readStatement(line: PlanTextLine): StatementRead {
  let body = line.body.trim();
  let number = CIRCLED.test(line.label) || PAREN_NUMBER.test(line.label) ? line.label : undefined;
  body = body.replace(/。$/, '');
  const starred = /（※[0-9０-９]*）|\(※\)/.test(body);
  const below = /以下とする/.test(body);
  const split = /^(.*?)(?:について|を)\s*((?:年度末時点で)?[^を]*?)とする(?:[（(][^）)]*[）)])?$/.exec(body);
  let name = (split?.[1] ?? body).replace(/（※[0-9０-９]*）|\(※\)/g, '').trim();
  const read = split ? readRule(split[2]!.replace(/（※[0-9０-９]*）/g, ''), below) : undefined;
  // KPI：①… puts the number after the box's label.
  const inner = CIRCLED.exec(name);
  if (inner && !number) {
    number = inner[1]!;
    name = inner[2]!.trim();
  }
  return { ...(number ? { number } : {}), name, ...(read ? { target: read.rule, ...(read.figure ? { figure: read.figure } : {}) } : {}), below, starred };
}

/** The longest run of characters two names share, to pair a statement with its table row. */
function commonRun(a: string, b: string): number {
  let best = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      let k = 0;
      while (i + k < a.length && j + k < b.length && a[i + k] === b[j + k]) k++;
      if (k > best) best = k;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// proposePlan

type FileKpi = NonNullable<PlanFile['kpis']>[number];

interface OpenSection {
  section: FileSection;
  level: number;
  key: string;
  pillar: OpenSection | null;
  tags: string[];
  notes: string[];
  children: OpenSection[];
}

const sectionKey = (label: string, title: string) => `${toHalfWidth(label).replace(/\s+/g, '')}|${title.replace(/【続き】/g, '').replace(/\s+/g, '')}`;

function levelOf(l: PlanTextLine): number {
  if (/^[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]/.test(l.label)) return 1;
  if (/^[（(]/.test(l.label)) return 2;
  return 3;
}

/**
 * The plan the lines describe: pillars, sections and items in the order written (a repeated
 * pillar heading or a 【続き】 heading is the same one again), KPIs from the tables and ■ KPI：
 * statements, and every line that could not be placed, with why.
 */
export function proposePlan(
  lines: readonly PlanTextLine[],
  meta: { branch?: string; fiscalYear?: number; title?: string; periodKind?: PeriodKind; defaultFiscalYear?: number } = {},
): PlanTextProposal {
  const unplaced: PlanTextProposal['unplaced'] = [];
  const drop = (l: PlanTextLine, why: string) => unplaced.push({ line: l.line, text: l.text, why });

  // Plan metadata from a title line like 令和7年度静岡支部事業計画（案）.
  let guessed: { branch?: string; fiscalYear?: number; title?: string; status?: '案' } = {};
  for (const l of lines) {
    if (l.kind !== 'ignore' || l.text.length > TITLE_MAX) continue;
    const m = PLAN_TITLE.exec(l.text);
    if (!m) continue;
    const fy = fiscalYearFromWareki(`${m[1]}${m[2]}年度`);
    const branch = m[3]!.replace(/^.*?(?=[^\s]+支部$)/, '').trim();
    guessed = {
      ...(branch ? { branch } : {}),
      ...(fy ? { fiscalYear: fy } : {}),
      title: l.text
        .replace(/[（(]案[）)]/, '')
        .trim()
        .slice(0, LIMITS.shortText),
      ...(/[（(]案[）)]/.test(l.text) ? { status: '案' as const } : {}),
    };
    break;
  }
  const fiscalYear = meta.fiscalYear ?? guessed.fiscalYear ?? meta.defaultFiscalYear ?? 2025;
  const branch = meta.branch ?? guessed.branch ?? '（支部名）';
  const title = meta.title ?? guessed.title ?? `${branch}事業計画`;

  const pillars: OpenSection[] = [];
  let stack: OpenSection[] = [];
  let currentPillar: OpenSection | null = null;
  /** The level of heading that stands for the pillars when the text has no pillar heading. */
  let topLevel: number | undefined;
  let currentGroups: string[] | undefined;
  let pendingGroup: OpenSection[] = [];
  const kpis: FileKpi[] = [];
  const kpiSection = new Map<FileKpi, OpenSection | null>();
  // KPI blocks: where the last non-KPI line left us decides which section a block belongs to.
  let afterHeadingOrItem = false;
  let blockKpis: FileKpi[] = [];
  let blockStatements: { line: PlanTextLine; read: StatementRead }[] = [];
  let blockSection: OpenSection | null = null;
  let blockWaiting = false;
  const waitingKpis: FileKpi[] = [];
  let rowLines: PlanTextLine[] = [];
  let lastKpi: FileKpi | undefined;
  let starredKpi: FileKpi | undefined;
  let pendingPopulation: { label: string; value: number; unit: string } | undefined;
  let pendingReason: { tag: string; text: string[] } | undefined;
  let inBlock = false;
  let kpiNumber = 0;
  /** Footnotes of the open block, with the index of the statement before them (-1: none). */
  let blockFootnotes: { line: PlanTextLine; statement: number; kpi: FileKpi | undefined }[] = [];
  const laterCounts: { line: PlanTextLine; figure: Figure | undefined; expected: FileKpi['expected']; population: FileKpi['population'] }[] = [];
  const rowSources = new Map<FileKpi, string>();

  const newSection = (label: string, titleText: string, level: number, parent: OpenSection | null): OpenSection => {
    const siblings = parent ? parent.children : pillars;
    const id = parent ? `${parent.section.id}-s${siblings.length + 1}` : `p${pillars.length + 1}`;
    const open: OpenSection = {
      section: { id, label, title: titleText.replace(/\s*【続き】\s*$/, '').slice(0, LIMITS.shortText) },
      level,
      key: sectionKey(label, titleText),
      pillar: parent ? (parent.pillar ?? parent) : null,
      tags: [],
      notes: [],
      children: [],
    };
    siblings.push(open);
    return open;
  };

  const container = (): OpenSection | null => stack[stack.length - 1] ?? null;
  const topSection = (): OpenSection | null => stack.find((s) => s.level > 0) ?? null;

  const flushReason = () => {
    if (!pendingReason) return;
    const target = container();
    if (target) target.notes.push(`【${pendingReason.tag}】${pendingReason.text.join('')}`);
    pendingReason = undefined;
  };

  const attach = (kpi: FileKpi) => {
    kpis.push(kpi);
    blockKpis.push(kpi);
    lastKpi = kpi;
    if (blockWaiting) waitingKpis.push(kpi);
    else kpiSection.set(kpi, blockSection);
  };

  const flushRow = () => {
    if (!rowLines.length) return;
    const first = rowLines[0]!;
    const source = rowLines.map((l) => l.text).join(' ');
    const row = readRow(source);
    rowLines = [];
    if (row.problem || !row.target) {
      drop(first, row.problem ?? 'KPIの表の行を読めません');
      return;
    }
    kpiNumber++;
    const kpi: FileKpi = {
      id: `k${kpiNumber}`,
      ...(row.number ? { number: row.number } : {}),
      name: row.name.slice(0, LIMITS.shortText),
      unit: row.unit,
      ...(row.decimals !== undefined ? { decimals: row.decimals } : {}),
      target: row.target,
      ...(row.previousTarget ? { previousTarget: row.previousTarget } : {}),
      ...(row.baseline ? { baseline: row.baseline } : {}),
    };
    attach(kpi);
    rowSources.set(kpi, source);
    if (row.starred) starredKpi = kpi;
  };

  /** Pairs the block's statements with its rows; a statement with no row becomes a KPI if its target can be read. */
  const closeBlock = () => {
    flushRow();
    if (!inBlock) return;
    const used = new Set<FileKpi>();
    const paired: (FileKpi | undefined)[] = [];
    for (const { line: l, read } of blockStatements) {
      paired.push(undefined);
      let best: FileKpi | undefined;
      let bestScore = 3;
      for (const k of blockKpis) {
        if (used.has(k)) continue;
        const score = commonRun(read.name, k.name) + (read.number && k.number === read.number ? 2 : 0);
        if (score > bestScore) {
          best = k;
          bestScore = score;
        }
      }
      // An unnumbered statement after the table's section heading: the KPI of that section with the same target.
      if (!best && read.target?.kind === 'value') {
        const value = read.target.value;
        best = kpis.find((k) => !used.has(k) && k.target.kind === 'value' && k.target.value === value && kpiSection.get(k) === (blockSection ?? topSection()));
      }
      if (best) {
        used.add(best);
        paired[paired.length - 1] = best;
        if (read.below && best.target.kind === 'value' && !/以上/.test(l.body)) best.target = { ...best.target, direction: '以下' };
        continue;
      }
      if (read.target && read.name) {
        kpiNumber++;
        const kpi: FileKpi = {
          id: `k${kpiNumber}`,
          ...(read.number ? { number: read.number } : {}),
          name: read.name.slice(0, LIMITS.shortText),
          unit: read.figure?.unit ?? '',
          ...(read.figure ? { decimals: read.figure.decimals } : {}),
          target: read.target,
        };
        attach(kpi);
        used.add(kpi);
        paired[paired.length - 1] = kpi;
        continue;
      }
      drop(l, 'KPIの文ですが、表の行がなく目標も読めません（指標にするなら手で追加してください）');
    }
    for (const f of blockFootnotes) {
      const k = (f.statement >= 0 ? paired[f.statement] : undefined) ?? f.kpi ?? blockKpis[0];
      if (k) k.footnotes = [...(k.footnotes ?? []), f.line.text.slice(0, LIMITS.shortText)].slice(0, LIMITS.footnotes);
      else drop(f.line, 'どのKPIの注か分かりません');
    }
    blockFootnotes = [];
    blockKpis = [];
    blockStatements = [];
    inBlock = false;
    afterHeadingOrItem = false;
    pendingPopulation = undefined;
  };

  const openBlock = () => {
    if (inBlock) return;
    inBlock = true;
    blockWaiting = !afterHeadingOrItem;
    blockSection = blockWaiting ? null : topSection();
  };

  for (const l of lines) {
    if (l.kind !== 'kpi' && l.kind !== 'ignore') flushRow();
    if (l.kind !== 'reason') flushReason();
    switch (l.kind) {
      case 'pillar': {
        closeBlock();
        const key = sectionKey('', l.body);
        let pillar = pillars.find((p) => p.key === key);
        if (!pillar) {
          pillar = newSection(l.label, l.body || l.text, 0, null);
          pillar.key = key;
        }
        if (pillar !== currentPillar) stack = [pillar];
        currentPillar = pillar;
        currentGroups = undefined;
        pendingGroup = [];
        afterHeadingOrItem = false;
        break;
      }
      case 'section': {
        closeBlock();
        const level = Math.max(1, levelOf(l));
        // A plan without pillar headings (seed 001): its first kind of heading stands for the pillars.
        if (!currentPillar && topLevel === undefined) topLevel = level;
        if (topLevel !== undefined && level <= topLevel) {
          const key = sectionKey(l.label, l.body);
          let top = pillars.find((p) => p.key === key);
          if (!top) {
            top = newSection(l.label, l.body, 0, null);
            top.key = key;
          }
          stack = [top];
          currentPillar = top;
          afterHeadingOrItem = true;
          for (const k of waitingKpis) kpiSection.set(k, top);
          waitingKpis.length = 0;
          break;
        }
        if (!currentPillar) {
          drop(l, '柱より前の見出しのため置けません');
          break;
        }
        while (stack.length > 1 && stack[stack.length - 1]!.level >= level) stack.pop();
        const parent = stack[stack.length - 1]!;
        const key = sectionKey(l.label, l.body);
        let open = parent.children.find((c) => c.key === key);
        if (!open) {
          open = newSection(l.label, l.body, level, parent);
          if (parent.level === 0) {
            if (currentGroups) open.section.groups = [...currentGroups];
            else pendingGroup.push(open);
          }
        }
        stack.push(open);
        for (const k of waitingKpis) kpiSection.set(k, topSection());
        waitingKpis.length = 0;
        afterHeadingOrItem = true;
        break;
      }
      case 'item': {
        closeBlock();
        let target = container();
        if (!target) {
          drop(l, '柱や見出しより前の項目のため置けません');
          break;
        }
        // ⅰ）～ⅲ）の取組については…: about the sub-sections together, so it goes to their parent.
        if (/^[ⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹ][）)]\s*[～〜~]/.test(l.text) && target.level === 3 && stack.length > 1) target = stack[stack.length - 2]!;
        const item: FileItem = {
          id: `${target.section.id}-i${(target.section.items?.length ?? 0) + 1}`,
          label: l.label,
          text: l.body.slice(0, LIMITS.longText),
        };
        target.section.items = [...(target.section.items ?? []), item];
        afterHeadingOrItem = true;
        break;
      }
      case 'reason': {
        const tag = /^(重要度|困難度)：高$/.exec(l.body);
        if (tag && l.text.startsWith('【')) {
          flushReason();
          const target = container();
          if (!target) {
            drop(l, '見出しより前のタグのため置けません');
            break;
          }
          if (!target.tags.includes(l.body)) target.tags.push(l.body);
          pendingReason = { tag: l.body, text: [] };
        } else if (pendingReason) pendingReason.text.push(l.body || l.text);
        else {
          const target = container();
          if (target) target.notes.push(l.body || l.text);
          else drop(l, '見出しより前の理由の文のため置けません');
        }
        break;
      }
      case 'kpi': {
        const t = l.text;
        if (FOOTNOTE.test(t)) {
          flushRow();
          if (!inBlock) openBlock();
          blockFootnotes.push({ line: l, statement: blockStatements.length - 1, kpi: lastKpi && blockKpis.includes(lastKpi) ? lastKpi : undefined });
          break;
        }
        if (STAR_FIGURE.test(t)) {
          const figure = readFigure(t);
          const k = starredKpi;
          if (k && figure && k.previousTarget?.kind === 'previousYear' && k.previousTarget.previousValue === null) {
            k.previousTarget = { ...k.previousTarget, previousValue: figure.value };
          } else drop(l, '※の付いた数値をどのKPIに付けるか分かりません');
          break;
        }
        if (COUNT_LINE.test(t)) {
          openBlock();
          readCount(l);
          break;
        }
        if (isKpiMarker(l)) {
          openBlock();
          break;
        }
        const statement = TARGET_END.test(l.body) || STATEMENT_END.test(l.body) || KPI_BOX.test(t) || /^KPI\s/.test(t) || /KPI$/.test(t);
        if (statement && !isFigureLine(t)) {
          flushRow();
          // 「KPI …」 after the rows of a block starts the next block.
          if (inBlock && blockKpis.length && /^(KPI|■)/.test(t)) closeBlock();
          openBlock();
          blockStatements.push({ line: l, read: readStatement(l) });
          break;
        }
        openBlock();
        if (isFigureLine(t) && rowLines.length) rowLines.push(l);
        else if (isFigureLine(t) && lastKpi && blockKpis.includes(lastKpi) && !rowLines.length) {
          // More figures for the row just read (its 現状 on a line of its own).
          reReadLast(l);
        } else {
          flushRow();
          rowLines.push(l);
        }
        break;
      }
      case 'ignore': {
        const m = GROUP_HEADING.exec(l.text);
        if (m) {
          const groups = splitGroups(m[1]!);
          currentGroups = groups;
          for (const s of pendingGroup) if (!s.section.groups) s.section.groups = [...groups];
          pendingGroup = [];
        }
        break;
      }
    }
  }
  closeBlock();
  flushReason();
  for (const k of waitingKpis) kpiSection.set(k, null);

  function readCount(l: PlanTextLine): void {
    const t = l.text.replace(BULLET, '$1');
    const m = /^(.*?)[（(]([^（）()：:]*(?:対象者数|見込者数))\s*[：:]\s*([0-9０-９,，]+)\s*(人|件|事業所)?[）)]/.exec(t);
    if (!m) {
      drop(l, '対象者数・見込者数を読めません');
      return;
    }
    const value = parseDecimal(toHalfWidth(m[3]!).replace(/，/g, ','));
    if (value === undefined) {
      drop(l, '対象者数・見込者数を読めません');
      return;
    }
    const subject = m[1]!
      .trim()
      .replace(/[（(]([^（）()]*)[）)]/g, ' $1')
      .trim();
    const count = { label: '', value, unit: m[4] ?? '人' };
    if (/見込者数/.test(m[2]!)) {
      // ・生活習慣病予防健診 実施率 68.0％（実施見込者数：295,359人）: the KPI whose target is that figure.
      const figure = readFigure(subject.replace(/^.*?\s(?=[0-9０-９])/, ''));
      const k = figure ? kpis.find((x) => x.target.kind === 'value' && x.target.value === figure.value) : undefined;
      const pair = { expected: { ...count, label: m[2]!.trim() }, population: pendingPopulation };
      if (k) applyCounts(k, pair);
      else laterCounts.push({ line: l, figure, ...pair });
    } else {
      pendingPopulation = { ...count, label: `${m[2]!.trim()}（${subject}）`.slice(0, LIMITS.shortText) };
    }
  }
  function applyCounts(k: FileKpi, pair: { expected: FileKpi['expected']; population: FileKpi['population'] }) {
    if (pair.population && !k.population) k.population = pair.population;
    if (pair.expected && !k.expected) k.expected = pair.expected;
  }
  function reReadLast(l: PlanTextLine): void {
    const k = lastKpi!;
    const source = rowSources.get(k);
    if (!source) {
      drop(l, 'KPIの表の数値をどの行に付けるか分かりません');
      return;
    }
    const row = readRow(`${source} ${l.text}`);
    if (row.target) k.target = row.target;
    if (row.previousTarget) k.previousTarget = row.previousTarget;
    else delete k.previousTarget;
    if (row.baseline) k.baseline = row.baseline;
    if (row.unit) k.unit = row.unit;
    if (row.decimals !== undefined) k.decimals = row.decimals;
    rowSources.set(k, `${source} ${l.text}`);
  }
  // Counts whose KPI row came later in the text (the table below the counts).
  for (const c of laterCounts) {
    const k = c.figure ? kpis.find((x) => x.target.kind === 'value' && x.target.value === c.figure!.value) : undefined;
    if (k) applyCounts(k, c);
    else drop(c.line, '見込者数をどのKPIに付けるか分かりません');
  }

  const build = (open: OpenSection): FileSection => {
    const s = open.section;
    const tags = open.tags;
    return {
      id: s.id,
      label: s.label,
      title: s.title,
      ...(s.groups?.length ? { groups: s.groups } : {}),
      ...(open.notes.length ? { note: open.notes.join('\n').slice(0, LIMITS.longText) } : {}),
      ...(s.items?.length ? { items: s.items.map((i) => (tags.length ? { ...i, tags: [...tags] } : i)) } : {}),
      ...(open.children.length ? { sections: open.children.map(build) } : {}),
    };
  };

  const file: PlanFile = {
    format: PLAN_FILE_FORMAT,
    version: PLAN_FILE_VERSION,
    plan: {
      branch,
      fiscalYear,
      title,
      periodKind: meta.periodKind ?? 'half',
      ...(guessed.status ? { status: guessed.status } : {}),
    },
    sections: pillars.map(build),
    kpis: kpis.map((k) => {
      const s = kpiSection.get(k);
      return s ? { id: k.id, section: s.section.id, ...stripId(k) } : k;
    }),
  };
  return { file, unplaced };
}

function stripId(k: FileKpi): Omit<FileKpi, 'id'> {
  const { id: _id, section: _section, ...rest } = k;
  return rest;
}
