// Renumbering siblings after a move: labels are kept as written (①, （１）, １．, Ⅱ, ⅰ）), so when
// ② comes to stand before ①, the structure screen offers to number them again in their order, in
// the style they are written in. Pure; tests in test/unit/model/relabel.test.ts.

type Kind = 'circled' | 'fullwidth' | 'ascii' | 'roman' | 'smallRoman';

/** A label read as a number in a style, with what is written around it: （１） is "（", 1, "）". */
interface Numbered {
  kind: Kind;
  prefix: string;
  value: number;
  suffix: string;
}

const FULLWIDTH_ZERO = 0xff10;
// ① to ⑳, ㉑ to ㉟ and ㊱ to ㊿ sit in three runs of Unicode.
const CIRCLED_RUNS: readonly [first: number, from: number, to: number][] = [
  [0x2460, 1, 20],
  [0x3251, 21, 35],
  [0x32b1, 36, 50],
];
// Ⅰ to Ⅻ and ⅰ to ⅻ are single characters; plans do not count further with them.
const ROMAN = 0x2160;
const SMALL_ROMAN = 0x2170;
const ROMAN_MAX = 12;

function circledValue(c: number): number | null {
  for (const [first, from, to] of CIRCLED_RUNS) if (c >= first && c <= first + to - from) return from + c - first;
  return null;
}

function circled(n: number): string | null {
  const run = CIRCLED_RUNS.find(([, from, to]) => n >= from && n <= to);
  return run ? String.fromCharCode(run[0] + n - run[1]) : null;
}

/** The last number in the label, with its style and what surrounds it (Ⅱ-1 is "Ⅱ-", 1); null for a label with none. */
function read(label: string): Numbered | null {
  const m =
    /^([^0-9０-９]*?)([0-9]+|[０-９]+|[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]|[\u2160-\u216b]|[\u2170-\u217b])([^0-9０-９\u2460-\u2473\u3251-\u325f\u32b1-\u32bf\u2160-\u217b]*)$/.exec(
      label.trim(),
    );
  if (!m) return null;
  const [, prefix = '', token = '', suffix = ''] = m;
  const c = token.charCodeAt(0);
  if (/^[0-9]+$/.test(token)) return { kind: 'ascii', prefix, value: Number(token), suffix };
  if (/^[０-９]+$/.test(token)) {
    const value = Number([...token].map((d) => d.charCodeAt(0) - FULLWIDTH_ZERO).join(''));
    return { kind: 'fullwidth', prefix, value, suffix };
  }
  const circle = circledValue(c);
  if (circle !== null) return { kind: 'circled', prefix, value: circle, suffix };
  if (c >= ROMAN && c < ROMAN + ROMAN_MAX) return { kind: 'roman', prefix, value: c - ROMAN + 1, suffix };
  if (c >= SMALL_ROMAN && c < SMALL_ROMAN + ROMAN_MAX) return { kind: 'smallRoman', prefix, value: c - SMALL_ROMAN + 1, suffix };
  return null;
}

function write(kind: Kind, n: number): string | null {
  switch (kind) {
    case 'ascii':
      return String(n);
    case 'fullwidth':
      return String(n).replace(/\d/g, (d) => String.fromCharCode(FULLWIDTH_ZERO + Number(d)));
    case 'circled':
      return circled(n);
    case 'roman':
      return n <= ROMAN_MAX ? String.fromCharCode(ROMAN + n - 1) : null;
    case 'smallRoman':
      return n <= ROMAN_MAX ? String.fromCharCode(SMALL_ROMAN + n - 1) : null;
  }
}

/**
 * The labels of siblings numbered again in their order, from 1, in the style of the first:
 * ["②", "①", "③"] → ["①", "②", "③"]; ["（２）", "（１）"] → ["（１）", "（２）"]. Null when they
 * are not one numbered sequence to renumber: a label without a number (or with two), styles mixed
 * (① beside （２）), or more siblings than the style can count (⑳ is not followed by 51 circles).
 */
export function renumberLabels(labels: readonly string[]): string[] | null {
  const read_ = labels.map(read);
  const first = read_[0];
  if (!first) return null;
  const out: string[] = [];
  for (const [i, r] of read_.entries()) {
    if (!r || r.kind !== first.kind || r.prefix !== first.prefix || r.suffix !== first.suffix) return null;
    const n = write(first.kind, i + 1);
    if (n === null) return null;
    out.push(`${first.prefix}${n}${first.suffix}`);
  }
  return out;
}

/** Whether siblings are a numbered sequence standing out of order (② before ①): renumbering changes something. */
export function needsRenumber(labels: readonly string[]): boolean {
  const next = renumberLabels(labels);
  return next?.some((l, i) => l !== labels[i]!.trim()) ?? false;
}
