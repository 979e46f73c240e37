// Rows read back from IndexedDB are input from outside: each is parsed with its model schema.
// Kept apart from the repository so the read-only first screen does not load the write path.
import type * as z from 'zod/mini';

/** Parses rows read back from IndexedDB; a row that does not parse is left out and logged. */
export function parseRows<T>(schema: z.ZodMiniType<T>, rows: readonly unknown[], what: string): T[] {
  const out: T[] = [];
  for (const row of rows) {
    const r = schema.safeParse(row);
    if (r.success) out.push(r.data);
    else console.warn(`Skipping a malformed ${what} row read from IndexedDB`, row, r.error.issues);
  }
  return out;
}
