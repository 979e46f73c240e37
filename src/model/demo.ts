// Ids of the demo plan (東京支部 令和6年度, seed 004) that the server's embedded default seeds
// (src/server/demo.ts): fixed, so every device and every test names the same records.

export const DEMO_PLAN_ID = 'demo-tokyo-r6';

/** Notes have no natural key; the demo's are numbered in file order. */
export function demoNoteId(n: number): string {
  return `${DEMO_PLAN_ID}/note-${n}`;
}
