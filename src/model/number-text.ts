// Numbers as people type them on a Japanese keyboard: ９８．２, 2,719, １４，０９７, −0.5. Pure, so
// the KPI and structure screens share one reading of "what counts as a number".
import { toHalfWidth } from './wareki';

const PLAIN = /^-?(\d+(\.\d*)?|\.\d+)$/;
// Commas only as thousands separators, so a mistyped "1,2" is refused instead of read as 12.
const GROUPED = /^-?\d{1,3}(,\d{3})+(\.\d*)?$/;

/** The number in `text`, or undefined when it is not one (empty text included). */
export function parseDecimal(text: string): number | undefined {
  const t = toHalfWidth(text)
    .trim()
    // U+2212 (−) and U+30FC (ー) are what IMEs often give for a minus.
    .replace(/^[\u2212\u30fc]/, '-')
    .replace(/、/g, ',');
  if (!PLAIN.test(t) && !GROUPED.test(t)) return undefined;
  const n = Number(t.replace(/,/g, ''));
  return Number.isFinite(n) ? n : undefined;
}
