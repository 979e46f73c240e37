// `npm run bench:search`: the plan screen's search over 1,000 items (with this period's 実施状況
// and 今後の実施予定等), 2,000 notes, 2,000 visits (notes with an employer, 事業所記号 and purposes) and 40 KPIs. The index is
// built once (its time printed); then queries are typed character by character, each keystroke
// running the whole search, and the median per keystroke is printed against issue 12's goal.
import { orderKeyOfNumber } from '../../src/model/order-key';
import type { Item, Kpi, Note, Progress } from '../../src/model/schemas';
import { buildSearchIndex, search, type SearchInput } from '../../src/model/search';
import { fmt, median } from './bench-env';

const ITEMS = 1_000;
const NOTES = 2_000;
const VISITS = 2_000;
const KPIS = 40;
const RUNS = 5;
const GOAL_MS = 50;

/** A deterministic pseudo-random generator, so every run searches the same texts. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

const PHRASES = [
  '健康企業宣言事業所を増やす',
  '特定健診の受診勧奨を文書と電話で行う',
  'ジェネリック医薬品の使用促進',
  'ﾚｾﾌﾟﾄ点検の精度を向上させる',
  '現金給付等の申請に係る郵送化の促進',
  '関係団体と連携して広報を強化する',
  '重症化予防の必要性を周知する',
  'サービススタンダードを遵守する',
  '被扶養者資格の再確認を徹底する',
  'オンライン資格確認の利用を促す',
];
const EMPLOYERS = [
  '株式会社みどり製作所',
  '東京精機株式会社',
  '有限会社さくら運輸',
  '八王子食品工業',
  'ひまわり介護サービス',
  '大和建設株式会社',
  '青空印刷',
  'ミナト電子',
];
const PURPOSES = ['健診勧奨', '健康宣言', '保健指導', '加入勧奨'];

const rand = random(20_261_203);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
const sentence = (n: number) =>
  Array.from({ length: n }, () => pick(PHRASES))
    .join('。')
    .concat('。');
const stamp = { updatedAt: '2024-06-01T00:00:00.000Z', updatedBy: 'bench' };

const items: Item[] = Array.from({ length: ITEMS }, (_, i) => ({
  id: `i${i}`,
  planId: 'p',
  sectionId: `s${Math.floor(i / 10)}`,
  label: `（${(i % 10) + 1}）`,
  text: `${sentence(2)}（項目 ${i}）`,
  group: pick(['業務', 'レセプト', '保健', '企画総務']),
  tags: [],
  order: orderKeyOfNumber(i),
  deleted: false,
  ...stamp,
}));
const progress: Progress[] = items.map((item) => ({
  id: `progress:${item.id}:2024-H1`,
  planId: 'p',
  itemId: item.id,
  periodId: '2024-H1',
  evaluation: null,
  done: sentence(4),
  next: sentence(2),
  ...stamp,
}));
const note = (k: number, text: string): Note => ({
  id: `n${k}`,
  planId: 'p',
  itemId: `i${k % ITEMS}`,
  date: '2024-06-01',
  author: pick(['佐藤', '鈴木', '高橋', '田中']),
  text,
  createdAt: stamp.updatedAt,
});
const notes: Note[] = [
  ...Array.from({ length: NOTES }, (_, k) => note(k, sentence(3))),
  ...Array.from({ length: VISITS }, (_, k) => ({
    ...note(NOTES + k, `${sentence(1)}次回訪問は来月。`),
    visit: { employer: pick(EMPLOYERS), employerCode: `${10 + (k % 80)}-イロハ`, purposes: [pick(PURPOSES)], nextDate: '2024-07-01' },
  })),
];
const kpis: Kpi[] = Array.from({ length: KPIS }, (_, k) => ({
  id: `k${k}`,
  planId: 'p',
  sectionId: `s${k * 2}`,
  name: `${pick(['健康宣言事業所数', '特定健診実施率', 'ジェネリック使用割合', 'レセプト点検効果額'])} ${k}`,
  unit: '',
  target: { kind: 'value', value: 1, direction: '以上' },
  order: orderKeyOfNumber(k),
  deleted: false,
  ...stamp,
}));
const input: SearchInput = { items, progress, notes, kpis };

const QUERIES = ['健康宣言', 'ミドリ', 'みどり製作所', 'ﾚｾﾌﾟﾄ点検', 'ジェネリック 医薬品', '郵送化の促進', 'オンライン資格確認'];

const buildTimes: number[] = [];
let index = buildSearchIndex(input);
for (let run = 0; run < RUNS; run++) {
  const t0 = performance.now();
  index = buildSearchIndex(input);
  buildTimes.push(performance.now() - t0);
}

const keystrokes: number[] = [];
const found: string[] = [];
for (let run = 0; run < RUNS; run++) {
  for (const query of QUERIES) {
    const chars = [...query];
    for (let i = 1; i <= chars.length; i++) {
      const typed = chars.slice(0, i).join('');
      const t0 = performance.now();
      const result = search(index, typed);
      keystrokes.push(performance.now() - t0);
      if (run === 0 && i === chars.length) found.push(`「${query}」 ${result.items.length} items, ${result.kpis.length} KPIs`);
    }
  }
}

const perKeystroke = median(keystrokes);
const texts = index.fields.length;
console.log(
  `search over ${ITEMS.toLocaleString()} items, ${NOTES.toLocaleString()} notes, ${VISITS.toLocaleString()} visit notes, ${KPIS} KPIs (${texts.toLocaleString()} texts)`,
);
console.log(`  index build, median of ${RUNS}: ${fmt(median(buildTimes))}`);
console.log(
  `  per keystroke, median of ${keystrokes.length} (${QUERIES.length} queries typed character by character, ${RUNS} runs): ${fmt(perKeystroke)} (goal ≤ ${GOAL_MS} ms)`,
);
console.log(`  slowest keystroke: ${fmt(Math.max(...keystrokes))}`);
for (const line of found) console.log(`  ${line}`);
console.log(perKeystroke <= GOAL_MS ? `  within the goal` : `  OVER the goal of ${GOAL_MS} ms`);
