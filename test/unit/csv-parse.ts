// Reads back the CSV that src/model/csv-export.ts writes, for the tests of the exports (unit and
// component): RFC 4180, with a BOM or not, CRLF, LF or CR line ends. The app itself never reads CSV.
import { CSV_BOM } from '../../src/model/csv-export';

export const CSV_ERROR = {
  unterminatedQuote: 'unterminated_quote',
  strayQuote: 'stray_quote',
} as const;
export type CsvErrorCode = (typeof CSV_ERROR)[keyof typeof CSV_ERROR];

export class CsvError extends Error {
  constructor(
    readonly code: CsvErrorCode,
    /** 1-based line of the file where the problem is. */
    readonly line: number,
  ) {
    super(
      code === CSV_ERROR.unterminatedQuote
        ? `${line}行目: 「"」で始まる値が閉じられていません`
        : `${line}行目: 値の途中に「"」があります（「"」を含む値は全体を「"」で囲み、中の「"」は2つ重ねてください）`,
    );
    this.name = 'CsvError';
  }
}

/**
 * The rows of a CSV text (RFC 4180, with a BOM or not, CRLF, LF or CR line ends). A line break
 * after the last row does not make an empty row; an empty line elsewhere is a row of one empty
 * field. Throws CsvError on a quote that is not closed or stands inside an unquoted field.
 */
export function parseCsv(text: string): string[][] {
  const s = text.startsWith(CSV_BOM) ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let atFieldStart = true;
  let line = 1;
  let i = 0;
  const lineBreakAt = (at: number) => (s[at] === '\r' && s[at + 1] === '\n' ? 2 : s[at] === '\r' || s[at] === '\n' ? 1 : 0);
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === '"' && atFieldStart) {
      // A quoted field: up to the closing quote, "" standing for one quote.
      const opened = line;
      i++;
      for (;;) {
        if (i >= s.length) throw new CsvError(CSV_ERROR.unterminatedQuote, opened);
        if (s[i] === '"') {
          if (s[i + 1] !== '"') break;
          field += '"';
          i += 2;
          continue;
        }
        const br = lineBreakAt(i);
        if (br) line++;
        field += s.slice(i, i + (br || 1));
        i += br || 1;
      }
      i++;
      atFieldStart = false;
      if (i < s.length && s[i] !== ',' && !lineBreakAt(i)) throw new CsvError(CSV_ERROR.strayQuote, line);
    } else if (ch === ',') {
      row.push(field);
      field = '';
      atFieldStart = true;
      i++;
    } else if (lineBreakAt(i)) {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      atFieldStart = true;
      i += lineBreakAt(i);
      line++;
    } else if (ch === '"') {
      throw new CsvError(CSV_ERROR.strayQuote, line);
    } else {
      field += ch;
      atFieldStart = false;
      i++;
    }
  }
  // A last line without a line break; a file ending in one has nothing left here.
  if (row.length > 0 || !atFieldStart) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
