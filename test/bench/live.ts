// `npm run bench:live`: figures of the live channel (printed, not asserted).
// (a) Edit-to-screen latency between two Chromium devices online on one item of the built app
//     (the real server, SQLite): A (lead) sets 評価, then writes 実施状況 (one input); the time until B's
//     page (staff) shows it, over TRIALS trials each; p50 and p95. Goal p50 ≤ 250 ms, p95 ≤ 1 s.
//     Each trial starts after a quiet second, as a person's next action in a meeting does: edits
//     closer together than SYNC_TIMING.afterEditMs are batched by design (typing), which would
//     add up to that much to a trial that followed the previous one at once.
// (b) Fan-out on loopback: DEVICES event streams (real HTTP, in this process) over BRANCHES
//     branches on the server in its own process; one edit in a branch; the time until each
//     device of that branch has pulled the change (signal, then POST /api/sync with its cursor).
//     Repeated once per branch; p50/p95/max per device, and per edit until every device had it.
//     Goal p95 ≤ 500 ms. Then the server's memory per idle connection and its CPU over an idle
//     minute with all streams open. Goals ≤ 50 kB and < 2 % of a core.
// LIVE_BENCH=a or =b runs one part.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { fetchLiveTransport } from '../../src/sync/live-transport';
import { PROTOCOL_VERSION, syncResponseSchema, type Mutation } from '../../src/model/protocol';
import { buildApp, launchBrowser, startBenchServer, startServerProcess } from './bench-env';
import { CLK_TCK, procTicks } from './process-cpu';

const TRIALS = Number(process.env.LIVE_TRIALS ?? 20);
const DEVICES = Number(process.env.LIVE_DEVICES ?? 500);
const BRANCHES = 10;
const IDLE_SECONDS = Number(process.env.LIVE_IDLE_SECONDS ?? 60);
const ITEM_TEXT = /医療費適正化等に努めるとともに/;

function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
const ms = (v: number) => `${v.toFixed(0)} ms`;
const summary = (values: readonly number[]) =>
  `p50 ${ms(quantile(values, 0.5))}, p95 ${ms(quantile(values, 0.95))}, max ${ms(Math.max(...values))} (n=${values.length})`;

async function twoDevices(): Promise<void> {
  console.log('\n(a) edit-to-screen latency, two Chromium devices online (building the app…)');
  await buildApp();
  const server = await startBenchServer();
  const browser = await launchBrowser();
  try {
    const open = async (email: string) => {
      const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await page.getByLabel('メールアドレス').fill(email);
      await page.getByLabel('パスワード').fill('demo1234');
      await page.getByRole('button', { name: 'ログイン' }).click();
      // With one plan the app opens it at once; otherwise the plan list shows its link.
      const plan = /東京支部事業計画/;
      const opened = page.getByRole('heading', { name: plan, level: 1 });
      const link = page.getByRole('link', { name: plan }).first();
      await opened.or(link).first().waitFor({ timeout: 120_000 });
      if (!(await opened.isVisible())) await link.click();
      await page.getByRole('link', { name: ITEM_TEXT }).first().click();
      // Present while the stream is up, though not always shown (it lives in the status bar's details).
      await page.getByTestId('live-state').filter({ hasText: 'リアルタイム同期: 接続中' }).waitFor({ state: 'attached', timeout: 30_000 });
      return page;
    };
    const a = await open('lead@demo');
    const b = await open('staff@demo');
    const evaluation: number[] = [];
    const text: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const mark = t % 2 ? '○' : '△';
      const radio = (p: typeof a) => p.getByRole('radiogroup', { name: '評価' }).getByRole('radio', { name: mark, exact: true });
      await sleep(1_000);
      const start = Date.now();
      // A click, not check(): the radio may show its old state for a moment while the edit is
      // stored (the screen follows IndexedDB), and check() takes that moment for a failed click.
      await radio(a).click();
      await b.waitForFunction((m) => (document.querySelector(`input[type=radio][value="${m}"]`) as HTMLInputElement | null)?.checked === true, mark, {
        polling: 5,
        timeout: 60_000,
      });
      evaluation.push(Date.now() - start);

      const value = `試行${t} ${randomUUID().slice(0, 8)}`;
      // One input event (as an IME commit or a paste gives): key-by-key typing loses characters in
      // today's autosave (issue 9, item 1, reworked separately), so B would never show the text.
      await sleep(1_000);
      const typed = Date.now();
      await a.getByRole('textbox', { name: '実施状況' }).fill(value);
      await b.waitForFunction((v) => [...document.querySelectorAll('textarea')].some((x) => x.value === v), value, { polling: 5, timeout: 60_000 });
      text.push(Date.now() - typed);
    }
    console.log(`  評価 set on A → shown on B:         ${summary(evaluation)}`);
    console.log(`  実施状況 written on A → shown on B:  ${summary(text)}`);
    console.log('  goal: p50 ≤ 250 ms, p95 ≤ 1 s');
  } finally {
    await browser.close();
    await server.close();
  }
}

async function fanOut(): Promise<void> {
  console.log(`\n(b) fan-out on loopback: ${DEVICES} devices over ${BRANCHES} branches (server on SQLite in its own process)`);
  const server = await startServerProcess('SQLite', { extraBranches: BRANCHES });
  // Real HTTP: Node's fetch opens a socket per stream (no limit per origin).
  const httpFetch = (url: string, init: RequestInit) => fetch(url, init);
  try {
    const before = await server.memory();
    const branches = Array.from({ length: BRANCHES }, (_, i) => `bench-b${i + 1}`);
    const tokens = new Map<string, string>();
    const cursors = new Map<string, string>();
    for (const b of branches) {
      const res = await httpFetch(`${server.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `staff@${b}`, password: 'demo1234' }),
      });
      const token = ((await res.json()) as { token: string }).token;
      tokens.set(b, token);
      // Where every device of the branch starts pulling from: after everything there is now.
      let cursor: string | null = null;
      for (;;) {
        const r = syncResponseSchema.parse(
          await (
            await httpFetch(`${server.url}/api/sync`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ protocolVersion: PROTOCOL_VERSION, clientId: `bench-setup-${b}`, mutations: [], cursor }),
            })
          ).json(),
        );
        cursor = r.cursor;
        if (!r.hasMore) break;
      }
      cursors.set(b, cursor!);
    }

    /** Per device: when it has pulled the record it waits for. */
    const waiting = new Map<string, { branch: string; resolve: (at: number) => void }>();
    let target: { branch: string; recordId: string } | null = null;
    const controllers: AbortController[] = [];
    let hellos = 0;
    for (let d = 0; d < DEVICES; d++) {
      const branch = branches[d % BRANCHES]!;
      const token = tokens.get(branch)!;
      const clientId = `bench-device-${d}-${randomUUID()}`;
      let cursor = cursors.get(branch)!;
      let pulling = false;
      let again = false;
      const pull = async (): Promise<void> => {
        if (pulling) {
          again = true;
          return;
        }
        pulling = true;
        do {
          again = false;
          const r = syncResponseSchema.parse(
            await (
              await httpFetch(`${server.url}/api/sync`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
                body: JSON.stringify({ protocolVersion: PROTOCOL_VERSION, clientId, mutations: [], cursor }),
              })
            ).json(),
          );
          cursor = r.cursor;
          const t = target;
          if (t && t.branch === branch && r.changes.some((c) => c.id === t.recordId)) waiting.get(clientId)?.resolve(performance.now());
        } while (again);
        pulling = false;
      };
      const controller = new AbortController();
      controllers.push(controller);
      waiting.set(clientId, { branch, resolve: () => undefined });
      void fetchLiveTransport(httpFetch, { baseUrl: server.url })
        .events(
          token,
          clientId,
          (e) => {
            if (e.type === 'hello') hellos++;
            if (e.type === 'change') void pull();
          },
          controller.signal,
        )
        .catch(() => undefined);
    }
    while (hellos < DEVICES) await sleep(20);
    console.log(`  ${DEVICES} streams open`);

    const perDevice: number[] = [];
    const perEdit: number[] = [];
    const editor = `bench-editor-${randomUUID()}`;
    let seq = 0;
    for (const branch of branches) {
      const planId = `${branch}-plan`;
      const itemId = ITEM_ID.replace(DEMO_PLAN_ID, planId);
      // A note: always applied (append-only), so every edit is a change to pull.
      const recordId = `${planId}/bench-note-${randomUUID()}`;
      target = { branch, recordId };
      const devices = [...waiting].filter(([, w]) => w.branch === branch).map(([id]) => id);
      const done = devices.map((id) => new Promise<number>((resolve) => (waiting.get(id)!.resolve = resolve)));
      const note = { id: recordId, planId, itemId, date: '2026-04-30', author: 'ベンチ', text: 'ベンチのメモ', createdAt: '2026-04-30T00:00:00.000Z' };
      const m: Mutation = {
        id: randomUUID(),
        seq: ++seq,
        table: 'notes',
        recordId,
        planId,
        changes: note,
        base: {},
        create: note,
        madeAt: new Date().toISOString(),
      };
      const start = performance.now();
      const res = await httpFetch(`${server.url}/api/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(branch)!}` },
        body: JSON.stringify({ protocolVersion: PROTOCOL_VERSION, clientId: editor, mutations: [m], cursor: null, pullLimit: 1 }),
      });
      await res.arrayBuffer();
      const times = (await Promise.all(done)).map((t) => t - start);
      perDevice.push(...times);
      perEdit.push(Math.max(...times));
      await sleep(200);
    }
    console.log(`  edit → pulled, per device (${DEVICES / BRANCHES} devices × ${BRANCHES} edits): ${summary(perDevice)}`);
    console.log(`  edit → every device of the branch has it (per edit):      ${summary(perEdit)}`);
    console.log('  goal: p95 ≤ 500 ms');

    await sleep(2_000);
    const open = await server.memory();
    const t0 = procTicks(server.pid);
    const w0 = performance.now();
    await sleep(IDLE_SECONDS * 1000);
    const cpu = (procTicks(server.pid) - t0) / CLK_TCK / ((performance.now() - w0) / 1000);
    const perConnHeap = (open.heapUsedBytes - before.heapUsedBytes) / DEVICES;
    const perConnRss = (open.rssBytes - before.rssBytes) / DEVICES;
    console.log(
      `  memory per idle connection: heap ${(perConnHeap / 1024).toFixed(1)} kB, RSS ${(perConnRss / 1024).toFixed(1)} kB (server heap ${(before.heapUsedBytes / 1e6).toFixed(1)} → ${(open.heapUsedBytes / 1e6).toFixed(1)} MB, RSS ${(before.rssBytes / 1e6).toFixed(1)} → ${(open.rssBytes / 1e6).toFixed(1)} MB; includes the pulls' leftovers)`,
    );
    console.log(`  server CPU with ${DEVICES} idle devices over ${IDLE_SECONDS} s: ${(cpu * 100).toFixed(2)} % of a core (heartbeat every 15 s)`);
    console.log('  goal: ≤ 50 kB per connection, < 2 % of a core');
    for (const c of controllers) c.abort();
  } finally {
    await server.stop();
  }
}

const ITEM_ID = `${DEMO_PLAN_ID}/p1-s1-i1`;
const part = process.env.LIVE_BENCH;
if (part !== 'b') await twoDevices();
if (part !== 'a') await fanOut();
process.exit(0);
