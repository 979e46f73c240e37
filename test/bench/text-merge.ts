// `npm run bench:text-merge`: mergeText's median time on 20,000-character texts (the limit of
// 実施状況 / 今後の実施予定等) for the typical case (two people editing different sentences) and
// the worst (hundreds of scattered edits on each side, up to the character diff's limit, then
// the fall-back to lines; both sides rewriting everything), and what the server's per-request
// merge budget (TEXT_MERGE_BUDGET) bounds a hostile request to. Figures only, no pass/fail.
import { mergeText } from '../../src/model/text-merge';
import { TEXT_MERGE_BUDGET } from '../../src/server/sync';
import { LIMITS as PROTOCOL_LIMITS } from '../../src/model/protocol';
import { fmt, median } from './bench-env';

const RUNS = 7;
const LENGTH = 20_000;

/** A deterministic pseudo-random generator, so every run measures the same texts. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

const SENTENCES = [
  '事業所を訪問し、健康宣言の取組を説明した。',
  '健診の受診勧奨を文書と電話で行った。',
  '説明会を開催し、参加者は昨年度を上回った。',
  '特定保健指導の利用率が前年同月を下回っている。',
  '関係団体と連携して広報を強化する。',
];

function prose(rand: () => number, length: number): string {
  let text = '';
  while (text.length < length) text += SENTENCES[Math.floor(rand() * SENTENCES.length)]! + (rand() < 0.2 ? '\n' : '');
  return text.slice(0, length);
}

/** `text` with `count` characters replaced at evenly spread places by `mark`. */
function scattered(text: string, count: number, mark: string, offset: number): string {
  const chars = Array.from(text);
  for (let i = 0; i < count; i++) chars[Math.floor(((i + offset) * chars.length) / count) % chars.length] = mark;
  return chars.join('');
}

function time(merge: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    merge();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const rand = random(20_261_202);
const base = prose(rand, LENGTH);
const mid = Math.floor(base.length / 2);
const cases: [string, string, string][] = [
  [
    'typical: a sentence added at the end / a word changed in the middle',
    `${base.slice(0, -20)}来月も訪問する予定。`,
    `${base.slice(0, mid)}（再掲）${base.slice(mid)}`,
  ],
  ['typical: edits in the first and the last paragraph', `前文。${base}`, `${base}以上。`],
  ['worst within the character diff: ~490 scattered edits on each side', scattered(base, 490, 'Ａ', 0.25), scattered(base, 490, 'Ｂ', 0.75)],
  ['worst: past the character diff, merged by lines', scattered(base, 1_200, 'Ａ', 0.25), scattered(base, 1_200, 'Ｂ', 0.75)],
  ['worst: both sides rewrote everything (a conflict)', prose(random(1), LENGTH), prose(random(2), LENGTH)],
];

console.log(`== mergeText on ${LENGTH.toLocaleString('en')}-character texts (median of ${RUNS} runs)`);
let worst = 0;
for (const [name, ours, theirs] of cases) {
  const ms = time(() => mergeText(base, ours, theirs));
  worst = Math.max(worst, ms);
  console.log(`${name}: ${fmt(ms)} (${mergeText(base, ours, theirs).kind})`);
}

const perMerge = 3 * LENGTH;
const fields = PROTOCOL_LIMITS.mutationsPerRequest * 2;
const allowed = Math.floor(TEXT_MERGE_BUDGET / perMerge);
console.log(`\n== One hostile request: ${PROTOCOL_LIMITS.mutationsPerRequest} mutations × 2 text fields, each forcing the worst merge`);
console.log(`unbounded: ${fields} merges ≈ ${fmt(fields * worst)} of CPU inside the write transaction`);
console.log(
  `with the budget of ${TEXT_MERGE_BUDGET.toLocaleString('en')} characters per request: ${allowed} merges ≈ ${fmt(allowed * worst)}, the other ${fields - allowed} fields become conflicts`,
);
