// Order keys: the place of a section, item or KPI among its siblings, as a string that sorts
// with plain string comparison (never localeCompare). A key can always be made between two
// others, so a move writes only the moved record's key and two devices moving different
// siblings offline never touch the same field. Equal keys (two devices inserting at the same
// spot) are broken by id, the same way on every device (compareOrder).
//
// The key algorithm is rocicorp's fractional-indexing (https://github.com/rocicorp/fractional-indexing,
// CC0, after David Greenspan's "Implementing Fractional Indexing"), written again here for base
// 62 only: a key is an integer part (a head letter giving its length, a–z for 0 and up, A–Z
// below 0, then that many base-62 digits) followed by a fraction that never ends in '0'.
import * as z from 'zod/mini';

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ZERO = DIGITS[0]!;
const LAST = DIGITS[DIGITS.length - 1]!;
/** The smallest integer part; keys below it have no integer part to step down to. */
const SMALLEST_INTEGER = `A${ZERO.repeat(26)}`;

/** Longer keys are refused by the schema; a move past ORDER_KEY_SPREAD_AT spreads the siblings again first. */
const ORDER_KEY_MAX_LENGTH = 200;
/**
 * Key length past which a move gives every sibling a fresh short key (writing them all) rather
 * than a longer one: a key grows by about one character per six moves into the same gap.
 */
export const ORDER_KEY_SPREAD_AT = 64;

function integerLength(head: string): number {
  if (head >= 'a' && head <= 'z') return head.charCodeAt(0) - 'a'.charCodeAt(0) + 2;
  if (head >= 'A' && head <= 'Z') return 'Z'.charCodeAt(0) - head.charCodeAt(0) + 2;
  throw new Error(`invalid order key head: ${head}`);
}

const KEY_PATTERN = /^[a-zA-Z][0-9A-Za-z]*$/;

/** Whether `key` is a well-formed order key (what the schema and the generators accept). */
export function isOrderKey(key: string): boolean {
  if (!KEY_PATTERN.test(key) || key.length > ORDER_KEY_MAX_LENGTH || key === SMALLEST_INTEGER) return false;
  const length = integerLength(key[0]!);
  return key.length >= length && (key.length === length || !key.endsWith(ZERO));
}

export const orderKeySchema = z.string().check(z.refine(isOrderKey, '並び順のキーの形が正しくありません'));

function checkKey(key: string): void {
  if (!isOrderKey(key)) throw new Error(`invalid order key: ${key}`);
}

function integerPart(key: string): string {
  return key.slice(0, integerLength(key[0]!));
}

/**
 * A fraction strictly between `a` and `b` (digit strings without trailing zeros; `b` null for
 * "no upper bound"), as short as the digits allow.
 */
function midpoint(a: string, b: string | null): string {
  if (b !== null) {
    // The common prefix stays; `a` reads as padded with zeros while it is shorter.
    let n = 0;
    while ((a[n] ?? ZERO) === b[n]) n++;
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n));
  }
  const low = a === '' ? 0 : DIGITS.indexOf(a[0]!);
  const high = b === null ? DIGITS.length : DIGITS.indexOf(b[0]!);
  if (high - low > 1) return DIGITS[Math.round((low + high) / 2)]!;
  // Consecutive first digits: a longer `b` leaves room right below it; else go one digit deeper after `a`'s.
  if (b !== null && b.length > 1) return b.slice(0, 1);
  return DIGITS[low]! + midpoint(a.slice(1), null);
}

/** The next integer part, or null past the largest one. */
function increment(int: string): string | null {
  const head = int[0]!;
  const digits = int.slice(1).split('');
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === LAST) digits[i--] = ZERO;
  if (i >= 0) {
    digits[i] = DIGITS[DIGITS.indexOf(digits[i]!) + 1]!;
    return head + digits.join('');
  }
  if (head === 'Z') return `a${ZERO}`;
  if (head === 'z') return null;
  const next = String.fromCharCode(head.charCodeAt(0) + 1);
  // Past 'a' the integer gets a digit longer; below it (negative) one shorter.
  return next + (next > 'a' ? [...digits, ZERO] : digits.slice(1)).join('');
}

/** The previous integer part, or null below the smallest one. */
function decrement(int: string): string | null {
  const head = int[0]!;
  const digits = int.slice(1).split('');
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === ZERO) digits[i--] = LAST;
  if (i >= 0) {
    digits[i] = DIGITS[DIGITS.indexOf(digits[i]!) - 1]!;
    return head + digits.join('');
  }
  if (head === 'a') return `Z${LAST}`;
  if (head === 'A') return null;
  const previous = String.fromCharCode(head.charCodeAt(0) - 1);
  return previous + (previous < 'Z' ? [...digits, LAST] : digits.slice(1)).join('');
}

/**
 * A key strictly between `a` and `b` (null: no bound on that side); throws when a key is
 * malformed or `a` is not below `b`. After the last key it is the next integer ("a0", "a1", …).
 */
export function keyBetween(a: string | null, b: string | null): string {
  if (a !== null) checkKey(a);
  if (b !== null) checkKey(b);
  if (a !== null && b !== null && a >= b) throw new Error(`${a} >= ${b}`);
  if (a === null) {
    if (b === null) return `a${ZERO}`;
    const ib = integerPart(b);
    if (ib === SMALLEST_INTEGER) return ib + midpoint('', b.slice(ib.length));
    if (ib < b) return ib;
    const previous = decrement(ib);
    if (previous === null) throw new Error('cannot decrement any more');
    return previous;
  }
  const ia = integerPart(a);
  const fa = a.slice(ia.length);
  if (b === null) return increment(ia) ?? ia + midpoint(fa, null);
  const ib = integerPart(b);
  if (ia === ib) return ia + midpoint(fa, b.slice(ib.length));
  const next = increment(ia);
  if (next === null) throw new Error('cannot increment any more');
  return next < b ? next : ia + midpoint(fa, null);
}

/** `n` distinct keys in ascending order between `a` and `b`, short ones spread over the gap. */
export function keysBetween(a: string | null, b: string | null, n: number): string[] {
  if (n <= 0) return [];
  if (n === 1) return [keyBetween(a, b)];
  if (b === null) {
    const out = [keyBetween(a, null)];
    while (out.length < n) out.push(keyBetween(out[out.length - 1]!, null));
    return out;
  }
  if (a === null) {
    const out = [keyBetween(null, b)];
    while (out.length < n) out.push(keyBetween(null, out[out.length - 1]!));
    return out.reverse();
  }
  const half = Math.floor(n / 2);
  const middle = keyBetween(a, b);
  return [...keysBetween(a, middle, half), middle, ...keysBetween(middle, b, n - half - 1)];
}

export interface Ordered {
  id: string;
  order: string;
}

/** Siblings' order: by key in plain string order, equal keys by id. */
export function compareOrder(a: Ordered, b: Ordered): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The key of a record added after `siblings` (its last sibling, whatever the order given). */
export function keyAfter(siblings: readonly { order: string }[]): string {
  let last: string | null = null;
  for (const s of siblings) if (last === null || s.order > last) last = s.order;
  return keyBetween(last, null);
}

/**
 * The key of a record a person adds after `siblings`: keyAfter's with two random fraction digits,
 * so that two devices adding at the end of one section offline almost never make equal keys
 * (equal keys sort by id, and a later move between the two would have to re-key one of them).
 */
export function newKeyAfter(siblings: readonly { order: string }[], random: () => number = Math.random): string {
  const key = keyAfter(siblings);
  const digit = (from: number) => DIGITS[from + Math.floor(random() * (DIGITS.length - from))]!;
  const jittered = `${key}${digit(0)}${digit(1)}`;
  return isOrderKey(jittered) ? jittered : key;
}

/** The index of each element of the longest run of `rows` already in order (not necessarily adjacent), by compareOrder. */
function longestOrderedRun(rows: readonly Ordered[]): Set<number> {
  // Patience sorting: tails[k] is the index ending the best run of length k + 1 seen so far.
  const tails: number[] = [];
  const previous: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareOrder(rows[tails[mid]!]!, rows[i]!) < 0) lo = mid + 1;
      else hi = mid;
    }
    previous[i] = lo > 0 ? tails[lo - 1]! : -1;
    tails[lo] = i;
  }
  const run = new Set<number>();
  for (let i = tails.length > 0 ? tails[tails.length - 1]! : -1; i >= 0; i = previous[i]!) run.add(i);
  return run;
}

/**
 * The new keys that put `siblings` in the sequence given, with `moved` placed where it stands
 * in it: normally only the moved record gets a key (between its new neighbours); siblings that
 * are out of order among themselves, or whose keys tie so nothing fits between them, get one too.
 * A key that would grow past ORDER_KEY_SPREAD_AT spreads every sibling over fresh keys instead.
 * Returns only the keys that change.
 */
export function keysForMove(siblings: readonly Ordered[], moved: string): Map<string, string> {
  const others = siblings.map((s, i) => ({ s, i })).filter(({ s }) => s.id !== moved);
  const kept = new Set([...longestOrderedRun(others.map(({ s }) => s))].map((k) => others[k]!.i));
  const keys = siblings.map((s, i) => (kept.has(i) ? s.order : null));
  let i = 0;
  while (i < siblings.length) {
    if (keys[i] !== null) {
      i++;
      continue;
    }
    const low = i > 0 ? keys[i - 1]! : null;
    let j = i;
    // A kept sibling whose key is not above `low` (a tie) cannot bound the gap: it is placed again too.
    while (j < siblings.length && (keys[j] === null || (low !== null && keys[j]! <= low))) keys[j++] = null;
    const fresh = keysBetween(low, j < siblings.length ? keys[j]! : null, j - i);
    for (const [k, key] of fresh.entries()) keys[i + k] = key;
    i = j;
  }
  const spread = keys.some((k) => k!.length > ORDER_KEY_SPREAD_AT) ? keysBetween(null, null, siblings.length) : (keys as string[]);
  const changed = new Map<string, string>();
  siblings.forEach((s, k) => {
    if (spread[k] !== s.order) changed.set(s.id, spread[k]!);
  });
  return changed;
}

/**
 * The key an integer order of an older version becomes: its integer part, so the sequence is
 * kept and every device and the server convert alike without seeing the siblings (0 → "a0",
 * 61 → "az", 62 → "b00", −1 → "Zz"). A fractional order keeps its base-62 fraction digits.
 */
export function orderKeyOfNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`order ${n} has no key`);
  const whole = Math.floor(n);
  // Integer parts of one width cover 62^width values: 0…61 "a_", 62…3905 "b__", −62…−1 "Z_", …
  const size = whole >= 0 ? whole + 1 : -whole;
  let below = 0;
  let width = 1;
  let span = DIGITS.length;
  while (size > below + span) {
    below += span;
    width++;
    span *= DIGITS.length;
  }
  let rest = whole >= 0 ? whole - below : whole + below + span;
  let int = '';
  for (let d = 0; d < width; d++) {
    int = DIGITS[rest % DIGITS.length]! + int;
    rest = Math.floor(rest / DIGITS.length);
  }
  const head = whole >= 0 ? 'a'.charCodeAt(0) + width - 1 : 'Z'.charCodeAt(0) - width + 1;
  let fraction = '';
  let part = n - whole;
  for (let d = 0; d < 8 && part > 0; d++) {
    part *= DIGITS.length;
    // Rounding can make a fraction just below 1 exactly 1 (−5e−324 + 1): its digits stay the largest.
    const digit = Math.min(Math.floor(part), DIGITS.length - 1);
    fraction += DIGITS[digit]!;
    part -= digit;
  }
  return String.fromCharCode(head) + int + fraction.replace(/0+$/, '');
}

/** The tables whose records have an order among their siblings. */
export const ORDERED_TABLES = ['sections', 'items', 'kpis'] as const;

export function isOrderedTable(table: string): boolean {
  return (ORDERED_TABLES as readonly string[]).includes(table);
}

/** An order value as an older version may have stored it: a number becomes its key, anything else stays. */
function upgradeOrder(value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) ? orderKeyOfNumber(value) : value;
}

/**
 * A record, change set or conflict of `table` with integer orders turned into keys (a copy; the
 * same object when nothing changed): the `order` field of an ordered table's record, and the
 * values of a conflict over such a field.
 */
export function upgradeOrders<T extends Record<string, unknown>>(table: string, row: T): T {
  if (isOrderedTable(table) && typeof row.order === 'number') return { ...row, order: upgradeOrder(row.order) };
  if (table === 'conflicts' && isOrderedTable(String(row.table)) && row.field === 'order') {
    const values = { baseValue: upgradeOrder(row.baseValue), serverValue: upgradeOrder(row.serverValue), clientValue: upgradeOrder(row.clientValue) };
    return Object.entries(values).some(([k, v]) => row[k] !== v) ? { ...row, ...values } : row;
  }
  return row;
}
