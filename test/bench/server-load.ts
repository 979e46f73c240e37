// `npm run bench:server`: sync round trips per second and latency of the server on SQLite, on
// loopback, at 10, 100 and 500 concurrent clients. Figures, not a pass/fail test.
//
// Every run starts a fresh server in its own process (server-process.ts: a new SQLite file in a
// temp folder, demo seeded). Every client has its own clientId and the staff@demo token (one
// login, reused: the throttle counts failures only) and first pulls the whole plan (not
// timed). Then, for BENCH_SECONDS, each round trip pushes 2–3 field edits of demo progress
// records (based on the values the client last saw) and pulls one page after its cursor.
// Two ways to load the server, each on its own fresh server:
//   closed  every client sends its next round trip as soon as the last one is answered: the
//           most the server does (with N clients waiting, latency ≈ N / rate by Little's law);
//   paced   the clients together send BENCH_RATE round trips per second (each at its own
//           steady interval, phases spread); latency counts from when a round trip was due, so
//           a server that falls behind shows it (no coordinated omission).
// The load generator is a plain loop over node:http with a keep-alive Agent (one connection
// per client); it reads each response's results, cursor and hasMore and counts its changes,
// without parsing them.
//   branches  paced as above, but the clients spread over branches of BENCH_PER_BRANCH (10)
//           people each, every branch with its own plan, as in a deployment of 47 branches:
//           a client pulls its branch's changes, not everyone's.
// Goal: ≥ 1,000 round trips/s at 100 clients with p99 ≤ 50 ms, and no errors.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { progressId } from '../../src/model/schemas';
import { PROTOCOL_VERSION, type Mutation, type MutationResult } from '../../src/sync/protocol';

const LEVELS = (process.env.BENCH_LEVELS ?? '10,100,500').split(',').map(Number);
type Mode = 'closed' | 'paced' | 'branches';
const MODES = (process.env.BENCH_MODES ?? 'closed,paced,branches').split(',') as Mode[];
const PER_BRANCH = Number(process.env.BENCH_PER_BRANCH ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
/** Round trips per run at most, so a very fast machine still ends. */
const MAX_ROUND_TRIPS = 200_000;
const PERIODS = ['2024-H1', '2024-H2'] as const;
const FIELDS = ['done', 'next', 'evaluation'] as const;
const EVALUATIONS = ['○', '△', '－', null] as const;
const DEMO_ITEMS = 86;
const SLOTS = DEMO_ITEMS * PERIODS.length * FIELDS.length;

interface Server {
  url: string;
  child: ChildProcess;
  dir: string;
}

async function startServer(extraBranches: number): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'tracker-bench-'));
  const script = fileURLToPath(new URL('./server-process.ts', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, script, dir, String(extraBranches)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
  });
  return { url, child, dir };
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
  await rm(server.dir, { recursive: true, force: true });
}

function post(agent: Agent, url: string, path: string, body: string, token?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(token ? { authorization: `Bearer ${token}` } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const CHANGES_AT = Buffer.from(',"changes":[');
const CHANGE_START = Buffer.from('{"table":');

/** What the load generator reads of a response: the results, the page's end, a count of changes. */
function readResponse(body: Buffer): { results: MutationResult[]; cursor: string; hasMore: boolean; changes: number } {
  const changesAt = body.indexOf(CHANGES_AT);
  const results = (JSON.parse(`${body.subarray(0, changesAt).toString('utf8')}}`) as { results: MutationResult[] }).results;
  const tail = /"cursor":"([^"]*)","hasMore":(true|false),"reset":(true|false)\}$/.exec(body.subarray(Math.max(0, body.length - 200)).toString('latin1'));
  if (!tail) throw new Error(`unexpected response end: ${body.subarray(-200).toString()}`);
  let changes = 0;
  for (let i = body.indexOf(CHANGE_START, changesAt); i !== -1; i = body.indexOf(CHANGE_START, i + CHANGE_START.length)) changes++;
  return { results, cursor: tail[1]!, hasMore: tail[2] === 'true', changes };
}

interface Progress {
  id: string;
  itemId: string;
  periodId: string;
  done: string;
  next: string;
  evaluation: string | null;
}

class Client {
  readonly clientId = `bench-${randomUUID()}`;
  private seq = 0;
  private cursor: string | null = null;
  /** The values this client last saw, per progress record id. */
  private readonly known = new Map<string, Progress>();

  constructor(
    private readonly index: number,
    private readonly clientCount: number,
    private readonly items: readonly string[],
    private readonly planId: string,
  ) {}

  /** The first full pull (parsed: it gives the values the edits are based on). */
  async initialPull(agent: Agent, url: string, token: string): Promise<void> {
    for (;;) {
      const res = await post(agent, url, '/api/sync', JSON.stringify({ protocolVersion: PROTOCOL_VERSION, clientId: this.clientId, mutations: [], cursor: this.cursor }), token);
      if (res.status !== 200) throw new Error(`initial pull: ${res.status} ${res.body.toString()}`);
      const body = JSON.parse(res.body.toString()) as { changes: { table: string; record: Progress }[]; cursor: string; hasMore: boolean };
      for (const ch of body.changes) if (ch.table === 'progress') this.known.set(ch.record.id, ch.record);
      this.cursor = body.cursor;
      if (!body.hasMore) return;
    }
  }

  /**
   * 2–3 field edits from this client's window of three (record, field) slots, folded into one
   * mutation per record as the outbox does. Windows are spread over the 516 slots of the demo
   * (86 items × 2 periods × 3 fields): apart up to 172 clients, shared beyond (so at 500
   * clients some edits meet another client's and become conflicts, as they would).
   */
  nextBody(round: number): string {
    const first = Math.floor((this.index * SLOTS) / this.clientCount);
    const count = 2 + ((this.index + round) % 2);
    const byRecord = new Map<string, { itemId: string; periodId: string; fields: Record<string, unknown> }>();
    for (let k = 0; k < count; k++) {
      const slot = (first + k) % SLOTS;
      const record = Math.floor(slot / FIELDS.length);
      const itemId = this.items[record % DEMO_ITEMS]!;
      const periodId = PERIODS[Math.floor(record / DEMO_ITEMS)]!;
      const field = FIELDS[slot % FIELDS.length]!;
      const id = progressId(itemId, periodId);
      const entry = byRecord.get(id) ?? { itemId, periodId, fields: {} };
      entry.fields[field] = field === 'evaluation' ? EVALUATIONS[round % EVALUATIONS.length]! : `${field} ${this.clientId.slice(6, 14)} #${round}`;
      byRecord.set(id, entry);
    }
    const mutations: Mutation[] = [];
    for (const [id, { itemId, periodId, fields }] of byRecord) {
      const current = this.known.get(id);
      const before: Progress = current ?? { id, itemId, periodId, done: '', next: '', evaluation: null };
      mutations.push({
        id: randomUUID(),
        seq: ++this.seq,
        table: 'progress',
        recordId: id,
        planId: this.planId,
        changes: fields,
        base: Object.fromEntries(Object.keys(fields).map((f) => [f, before[f as keyof Progress]])),
        create: current ? null : { id, planId: this.planId, itemId, periodId, evaluation: null, done: '', next: '' },
        madeAt: new Date().toISOString(),
      });
      this.known.set(id, { ...before, ...fields } as Progress);
    }
    return JSON.stringify({ protocolVersion: PROTOCOL_VERSION, clientId: this.clientId, mutations, cursor: this.cursor });
  }

  accept(cursor: string): void {
    this.cursor = cursor;
  }
}

interface RunResult {
  clients: number;
  mode: Mode;
  roundTrips: number;
  seconds: number;
  latencies: number[];
  errors: number;
  statuses: Record<string, number>;
  changes: number;
  bytes: number;
  hasMore: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A group of clients sharing one account, branch and plan. */
interface Group {
  token: string;
  planId: string;
  itemIds: string[];
}

async function loginGroup(agent: Agent, url: string, email: string): Promise<Group> {
  const login = await post(agent, url, '/api/login', JSON.stringify({ email, password: 'demo1234' }));
  if (login.status !== 200) throw new Error(`login: ${login.status} ${login.body.toString()}`);
  const token = (JSON.parse(login.body.toString()) as { token: string }).token;
  const probe = await post(agent, url, '/api/sync', JSON.stringify({ protocolVersion: PROTOCOL_VERSION, clientId: `bench-probe-${randomUUID()}`, mutations: [], cursor: null, pullLimit: 1000 }), token);
  const changes = (JSON.parse(probe.body.toString()) as { changes: { table: string; id: string; record: { planId?: string } }[] }).changes;
  const itemIds = changes.filter((c) => c.table === 'items').map((c) => c.id);
  if (itemIds.length !== DEMO_ITEMS) throw new Error(`expected ${DEMO_ITEMS} demo items, got ${itemIds.length}`);
  return { token, planId: changes.find((c) => c.table === 'plans')!.id, itemIds };
}

async function run(clientCount: number, mode: Mode): Promise<RunResult> {
  const branches = mode === 'branches' ? Math.ceil(clientCount / PER_BRANCH) : 0;
  const server = await startServer(branches);
  const agent = new Agent({ keepAlive: true, maxSockets: clientCount + 10 });
  try {
    const groups = branches > 0 ? await Promise.all(Array.from({ length: branches }, (_, b) => loginGroup(agent, server.url, `staff@bench-b${b + 1}`))) : [await loginGroup(agent, server.url, 'staff@demo')];
    const groupOf = (i: number) => groups[branches > 0 ? Math.floor(i / PER_BRANCH) : 0]!;
    const clients = Array.from({ length: clientCount }, (_, i) => new Client(branches > 0 ? i % PER_BRANCH : i, branches > 0 ? Math.min(PER_BRANCH, clientCount) : clientCount, groupOf(i).itemIds, groupOf(i).planId));
    // Not timed: every client's first full pull, all at once (so every client has its connection).
    await Promise.all(clients.map((c, i) => c.initialPull(agent, server.url, groupOf(i).token)));

    const result: RunResult = { clients: clientCount, mode, roundTrips: 0, seconds: 0, latencies: [], errors: 0, statuses: { applied: 0, conflict: 0, rejected: 0 }, changes: 0, bytes: 0, hasMore: 0 };
    // The first WARMUP seconds run the same load unmeasured (JIT, caches, connections), as
    // benchmarks do; errors in them still count.
    const begin = performance.now();
    const start = begin + WARMUP * 1000;
    const deadline = start + SECONDS * 1000;
    const perClient = Math.ceil(MAX_ROUND_TRIPS / clientCount);
    const interval = (clientCount * 1000) / RATE;
    await Promise.all(
      clients.map(async (c, i) => {
        let due = begin + (interval * i) / clientCount;
        for (let round = 0; round < perClient; round++) {
          if (mode !== 'closed') {
            if (due >= deadline) break;
            const wait = due - performance.now();
            if (wait > 0) await sleep(wait);
          } else if (performance.now() >= deadline) break;
          const t0 = mode !== 'closed' ? due : performance.now();
          due += interval;
          const body = c.nextBody(round);
          try {
            const res = await post(agent, server.url, '/api/sync', body, groupOf(i).token);
            const measured = t0 >= start;
            if (measured) {
              result.latencies.push(performance.now() - t0);
              result.roundTrips++;
            }
            if (res.status !== 200) {
              result.errors++;
              if (result.errors <= 3) console.error(`  error ${res.status}: ${res.body.toString().slice(0, 300)}`);
              continue;
            }
            const r = readResponse(res.body);
            c.accept(r.cursor);
            if (!measured) continue;
            for (const m of r.results) result.statuses[m.status] = (result.statuses[m.status] ?? 0) + 1;
            result.changes += r.changes;
            result.bytes += res.body.length;
            if (r.hasMore) result.hasMore++;
          } catch (e) {
            result.errors++;
            if (result.errors <= 3) console.error(`  error: ${(e as Error).message}`);
          }
        }
      }),
    );
    result.seconds = (performance.now() - start) / 1000;
    result.latencies.sort((a, b) => a - b);
    return result;
  } finally {
    agent.destroy();
    await stopServer(server);
  }
}

const rateOf = (r: RunResult) => r.roundTrips / r.seconds;

console.log(`== Server load: SQLite, loopback, ${cpus().length} CPUs (load average before: ${loadavg()[0]!.toFixed(2)}), ${WARMUP} s warm-up then ${SECONDS} s measured per run`);
console.log(`   load: node:http keep-alive loop; closed = as fast as answered, paced = clients together at the target rate, branches = paced with ${PER_BRANCH} clients per branch`);
console.log(' clients  mode    target/s   round trips/s   p50 ms   p99 ms   max ms   errors   applied/conflict/rejected   changes/pull   KB/response');
const results: RunResult[] = [];
for (const level of LEVELS) {
  for (const mode of MODES) {
    const r = await run(level, mode);
    results.push(r);
    const ok = Math.max(1, r.roundTrips - r.errors);
    console.log(
      [
        String(r.clients).padStart(8),
        mode.padEnd(6),
        (mode !== 'closed' ? String(RATE) : '—').padStart(9),
        rateOf(r).toFixed(0).padStart(15),
        percentile(r.latencies, 50).toFixed(1).padStart(8),
        percentile(r.latencies, 99).toFixed(1).padStart(8),
        (r.latencies.at(-1) ?? NaN).toFixed(1).padStart(8),
        String(r.errors).padStart(8),
        `${r.statuses.applied}/${r.statuses.conflict}/${r.statuses.rejected}`.padStart(27),
        (r.changes / ok).toFixed(0).padStart(14),
        (r.bytes / 1024 / ok).toFixed(1).padStart(13),
      ].join(' '),
    );
  }
}
for (const r of results.filter((x) => x.clients === 100)) {
  const p99 = percentile(r.latencies, 99);
  const met = rateOf(r) >= 1000 && p99 <= 50 && r.errors === 0;
  console.log(`goal at 100 clients, ${r.mode} (≥ 1,000 round trips/s, p99 ≤ 50 ms, no errors): ${met ? 'met' : 'NOT met'} (${rateOf(r).toFixed(0)}/s, p99 ${p99.toFixed(1)} ms, ${r.errors} errors)`);
}
