// `npm run bench:server`: sync round trips per second and latency of the server on SQLite and
// on PostgreSQL side by side, on loopback, at 10, 100 and 500 concurrent clients. Figures, not a
// pass/fail test. PostgreSQL is measured when BENCH_DATABASE_URL (or TEST_DATABASE_URL) names
// one; otherwise the run says loudly that it was not.
//
// Every run starts a fresh server in its own process (server-process.ts, via bench-env.ts: a new
// SQLite file in a temp folder, or a new schema of the PostgreSQL database, dropped afterwards;
// demo seeded). Every client has its own clientId and the staff@demo token (one login, reused:
// the throttle counts failures only) and first pulls the whole plan (not timed). Then, for
// BENCH_SECONDS, each round trip pushes 2–3 field edits of demo progress records (based on the
// values the client last saw) and pulls one page after its cursor.
// Three ways to load the server, each on its own fresh server:
//   closed  every client sends its next round trip as soon as the last one is answered: the
//           most the server does (with N clients waiting, latency ≈ N / rate by Little's law);
//   paced   the clients together send the target rate of round trips per second: issue 14's
//           goal for each database (SQLite 1,550/s, above its 1,500; PostgreSQL 1,000/s), or BENCH_RATE for
//           both (each client at its own steady interval, phases spread); latency counts from when a round trip was due, so
//           a server that falls behind shows it (no coordinated omission); the warm-up ramps
//           up to that rate (see RAMP_SHARE);
//   branches  paced as above, but the clients spread over branches of BENCH_PER_BRANCH (10)
//           people each, every branch with its own plan, as in a deployment of 47 branches:
//           a client pulls its branch's changes, not everyone's.
// The load generator is a plain loop over node:http with a keep-alive Agent (one connection
// per client, retired before the server's keep-alive timeout); it reads each response's
// results, cursor and hasMore and counts its changes, without parsing them. Runs alternate
// between the databases at each level and mode, so both see the machine in the same state.
// BENCH_SQLITE_CACHE_MB=64,16 runs SQLite once per page cache size (SQLITE_CACHE_MB), side by side.
// BENCH_ROUNDS (3) repeats the whole sequence, so that one stall of this shared machine is one
// figure among several: the goals of issue 14, printed at the end (see there), are judged on the
// medians over the rounds, each round's figures listed beside them.
import { randomUUID } from 'node:crypto';
import { request, type Agent } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { progressId } from '../../src/model/schemas';
import { PROTOCOL_VERSION, type Mutation, type MutationResult } from '../../src/model/protocol';
import { keepAliveAgent } from '../server/sync-clients';
import { benchDatabaseUrl, postgresNotMeasured, startServerProcess, type Backend } from './bench-env';
import { CLK_TCK, machineTicks, postgresDelta, postgresTicks, procTicks, referenceLoopMs } from './process-cpu';

const LEVELS = (process.env.BENCH_LEVELS ?? '10,100,500').split(',').map(Number);
type Mode = 'closed' | 'paced' | 'branches';
const MODES = (process.env.BENCH_MODES ?? 'closed,paced,branches').split(',') as Mode[];
const PER_BRANCH = Number(process.env.BENCH_PER_BRANCH ?? 10);
const DATABASE_URL = benchDatabaseUrl();
/** One column of the comparison: a database, and for SQLite a page cache size when one is given. */
interface Setup {
  backend: Backend;
  sqliteCacheMb?: number;
  label: string;
}
const SQLITE_CACHES = process.env.BENCH_SQLITE_CACHE_MB ? process.env.BENCH_SQLITE_CACHE_MB.split(',').map(Number) : [undefined];
const SETUPS: Setup[] = [
  ...SQLITE_CACHES.map(
    (mb): Setup => (mb === undefined ? { backend: 'SQLite', label: 'SQLite' } : { backend: 'SQLite', sqliteCacheMb: mb, label: `SQLite ${mb}M` }),
  ),
  ...(DATABASE_URL ? [{ backend: 'PostgreSQL', label: 'PostgreSQL' } satisfies Setup] : []),
];
// 10 s measured: a p99 of fewer samples moves with one stall. 5 s warm-up: a fresh server is
// slow at first (JIT, connections, windows) and, paced, the backlog of a shorter warm-up would
// be measured as latency. A round of the default levels takes about 6 minutes (BENCH_LEVELS=100: 2).
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
/** The paced rate of a database: its goal in issue 14, unless BENCH_RATE sets one for both. */
const rateFor = (backend: Backend) => Number(process.env.BENCH_RATE ?? (backend === 'SQLite' ? 1550 : 1000));
/**
 * Paced, the rate rises from RAMP_FROM of the target to all of it over the first RAMP_SHARE of
 * the warm-up: a server started cold (no JIT, no connections, after the logins' scrypt) at the
 * whole rate at once falls behind in its first second, and on 2 shared cores (about 80 % busy
 * at the target) the backlog takes longer than the warm-up to drain; the window would measure
 * that start rather than the rate. How a cold start at the whole rate goes: BENCH_RAMP=0.
 */
const RAMP_SHARE = Number(process.env.BENCH_RAMP ?? 0.6);
const RAMP_FROM = 0.1;
/**
 * When the k-th round trip of all the clients together is due, in ms after the load began, at
 * `perMs` round trips per ms once ramped up: the inverse of the count due by t, the integral of
 * a rate rising linearly from RAMP_FROM·perMs to perMs over the ramp's D ms. Client i sends
 * round trips i, i + n, i + 2n …, so the clients keep their phases spread as they speed up.
 */
function dueAfter(k: number, perMs: number): number {
  const d = RAMP_SHARE * WARMUP * 1000;
  if (d <= 0) return k / perMs;
  const a = RAMP_FROM;
  const duringRamp = (perMs * d * (1 + a)) / 2;
  if (k >= duringRamp) return d + (k - duringRamp) / perMs;
  return ((-a + Math.sqrt(a * a + (2 * (1 - a) * k) / (perMs * d))) * d) / (1 - a);
}
/** How long answers are awaited after the measured window (a slow database may have a long queue). */
const DRAIN_MS = 10_000;
/** Round trips per run at most, so a very fast machine still ends. */
const MAX_ROUND_TRIPS = 200_000;
const PERIODS = ['2024-H1', '2024-H2'] as const;
const FIELDS = ['done', 'next', 'evaluation'] as const;
const EVALUATIONS = ['○', '△', '－', null] as const;
const DEMO_ITEMS = 86;
const SLOTS = DEMO_ITEMS * PERIODS.length * FIELDS.length;

function post(agent: Agent, url: string, path: string, body: string, token?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
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
  const tail = /"cursor":"([^"]*)","hasMore":(true|false),"reset":(true|false)(?:,"versions":\{[^}]*\})?\}$/.exec(
    body.subarray(Math.max(0, body.length - 1000)).toString('latin1'),
  );
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
      const res = await post(
        agent,
        url,
        '/api/sync',
        JSON.stringify({ protocolVersion: PROTOCOL_VERSION, clientId: this.clientId, mutations: [], cursor: this.cursor }),
        token,
      );
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
  round: number;
  setup: string;
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
  /** Paced: round trips due in the measured window that were never sent (the server was behind). */
  unsent: number;
  /** Still unanswered DRAIN_MS after the window: abandoned; their latency counts as of then. */
  unfinished: number;
  /** CPU milliseconds spent in the measured window, per round trip answered in it. */
  cpu: CpuPerRoundTrip;
}

interface CpuPerRoundTrip {
  server: number;
  postgres: number;
  generator: number;
  /** The machine's idle share over the window, 0–1. */
  idle: number;
}

interface CpuMark {
  server: number;
  postgres: Map<number, number>;
  generator: NodeJS.CpuUsage;
  machine: { idle: number; total: number };
}

const cpuMark = (pid: number): CpuMark => ({ server: procTicks(pid), postgres: postgresTicks(), generator: process.cpuUsage(), machine: machineTicks() });

function cpuPerRoundTrip(a: CpuMark, b: CpuMark, roundTrips: number): CpuPerRoundTrip {
  const perRt = (ticks: number) => (ticks * 1000) / CLK_TCK / Math.max(1, roundTrips);
  const generator = process.cpuUsage(a.generator);
  return {
    server: perRt(b.server - a.server),
    postgres: perRt(postgresDelta(a.postgres, b.postgres)),
    generator: (generator.user + generator.system) / 1000 / Math.max(1, roundTrips),
    idle: (b.machine.idle - a.machine.idle) / Math.max(1, b.machine.total - a.machine.total),
  };
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
  const probe = await post(
    agent,
    url,
    '/api/sync',
    JSON.stringify({ protocolVersion: PROTOCOL_VERSION, clientId: `bench-probe-${randomUUID()}`, mutations: [], cursor: null, pullLimit: 1000 }),
    token,
  );
  const changes = (JSON.parse(probe.body.toString()) as { changes: { table: string; id: string; record: { planId?: string } }[] }).changes;
  const itemIds = changes.filter((c) => c.table === 'items').map((c) => c.id);
  if (itemIds.length !== DEMO_ITEMS) throw new Error(`expected ${DEMO_ITEMS} demo items, got ${itemIds.length}`);
  return { token, planId: changes.find((c) => c.table === 'plans')!.id, itemIds };
}

async function run(setup: Setup, clientCount: number, mode: Mode, round: number): Promise<RunResult> {
  const branches = mode === 'branches' ? Math.ceil(clientCount / PER_BRANCH) : 0;
  const server = await startServerProcess(setup.backend, {
    extraBranches: branches,
    ...(DATABASE_URL ? { databaseUrl: DATABASE_URL } : {}),
    ...(setup.sqliteCacheMb !== undefined ? { sqliteCacheMb: setup.sqliteCacheMb } : {}),
  });
  const agent = keepAliveAgent(clientCount + 10);
  try {
    const groups =
      branches > 0
        ? await Promise.all(Array.from({ length: branches }, (_, b) => loginGroup(agent, server.url, `staff@bench-b${b + 1}`)))
        : [await loginGroup(agent, server.url, 'staff@demo')];
    const groupOf = (i: number) => groups[branches > 0 ? Math.floor(i / PER_BRANCH) : 0]!;
    const clients = Array.from(
      { length: clientCount },
      (_, i) =>
        new Client(branches > 0 ? i % PER_BRANCH : i, branches > 0 ? Math.min(PER_BRANCH, clientCount) : clientCount, groupOf(i).itemIds, groupOf(i).planId),
    );
    // Not timed: every client's first full pull, all at once (so every client has its connection).
    await Promise.all(clients.map((c, i) => c.initialPull(agent, server.url, groupOf(i).token)));

    const result: RunResult = {
      round,
      setup: setup.label,
      clients: clientCount,
      mode,
      roundTrips: 0,
      seconds: 0,
      latencies: [],
      errors: 0,
      statuses: { applied: 0, conflict: 0, rejected: 0 },
      changes: 0,
      bytes: 0,
      hasMore: 0,
      unsent: 0,
      unfinished: 0,
      cpu: { server: NaN, postgres: NaN, generator: NaN, idle: NaN },
    };
    // The first WARMUP seconds run the same load unmeasured (JIT, caches, connections), as
    // benchmarks do: what is answered in them is not counted, but errors in them are.
    const begin = performance.now();
    const start = begin + WARMUP * 1000;
    const deadline = start + SECONDS * 1000;
    const perClient = Math.ceil(MAX_ROUND_TRIPS / clientCount);
    const interval = (clientCount * 1000) / rateFor(setup.backend);
    // CPU is read at the window's edges; round trips answered in it are counted until the second read.
    let cpuStart: CpuMark | undefined;
    let cpuEnd: { mark: CpuMark; roundTrips: number } | undefined;
    const startMark = setTimeout(() => {
      cpuStart = cpuMark(server.pid);
    }, start - performance.now());
    const endMark = setTimeout(() => {
      cpuEnd = { mark: cpuMark(server.pid), roundTrips: result.roundTrips };
    }, deadline - performance.now());
    let abandoned = false;
    const abandon = setTimeout(
      () => {
        abandoned = true;
        agent.destroy();
      },
      deadline + DRAIN_MS - performance.now(),
    );
    await Promise.all(
      clients.map(async (c, i) => {
        const perMs = rateFor(setup.backend) / 1000;
        let due = begin + dueAfter(i, perMs);
        for (let round = 0; round < perClient; round++) {
          if (mode !== 'closed') {
            if (due >= deadline) break;
            // A server behind its load: what is due by the window's end is not sent late.
            if (performance.now() >= deadline) {
              result.unsent += Math.ceil((deadline - Math.max(due, start)) / interval);
              break;
            }
            const wait = due - performance.now();
            if (wait > 0) await sleep(wait);
          } else if (performance.now() >= deadline) break;
          const t0 = mode !== 'closed' ? due : performance.now();
          due = begin + dueAfter((round + 1) * clientCount + i, perMs);
          const body = c.nextBody(round);
          try {
            const res = await post(agent, server.url, '/api/sync', body, groupOf(i).token);
            // Counted when answered in the window: a paced round trip due in the warm-up but
            // answered later (a server behind its load) counts, with its whole delay.
            const measured = performance.now() >= start;
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
            if (abandoned) {
              result.unfinished++;
              result.latencies.push(performance.now() - t0);
              break;
            }
            result.errors++;
            if (result.errors <= 3) console.error(`  error: ${(e as Error).message}`);
          }
        }
      }),
    );
    clearTimeout(abandon);
    clearTimeout(startMark);
    clearTimeout(endMark);
    // Paced clients may all finish just before the timer: then the window ends now.
    cpuEnd ??= { mark: cpuMark(server.pid), roundTrips: result.roundTrips };
    if (cpuStart) result.cpu = cpuPerRoundTrip(cpuStart, cpuEnd.mark, cpuEnd.roundTrips);
    result.seconds = (performance.now() - start) / 1000;
    result.latencies.sort((a, b) => a - b);
    return result;
  } finally {
    agent.destroy();
    await server.stop();
  }
}

const rateOf = (r: RunResult) => r.roundTrips / r.seconds;

const began = performance.now();
console.log(
  `== Server load: ${SETUPS.length > 1 ? `${SETUPS.map((s) => s.label).join(' and ')} side by side` : `${SETUPS[0]!.label} only`}, loopback, ${cpus().length} CPUs (load average before: ${loadavg()[0]!.toFixed(2)}; reference loop ${referenceLoopMs().toFixed(0)} ms, see process-cpu.ts), ${WARMUP} s warm-up then ${SECONDS} s measured per run`,
);
if (!DATABASE_URL) console.log(postgresNotMeasured('npm run bench:server'));
console.log(
  `   load: node:http keep-alive loop; closed = as fast as answered, paced = clients together at the target rate, branches = paced with ${PER_BRANCH} clients per branch; paced, the warm-up's first ${(RAMP_SHARE * WARMUP).toFixed(1)} s ramp from ${100 * RAMP_FROM} % to the target rate`,
);
console.log(
  "   CPU ms/rt = CPU time in the measured window per round trip answered in it: the server process, every postgres process, this load generator; idle = the machine's idle share",
);
console.log(
  `   unsent = paced round trips due in the window but never sent (the server was behind); unfinished = unanswered ${DRAIN_MS / 1000} s after the window, abandoned (their latency counts as of then, so p99/max are lower bounds)`,
);
console.log(
  ' round  clients  mode      database     target/s   round trips/s   p50 ms   p99 ms   max ms   errors   unsent   unfinished   applied/conflict/rejected   changes/pull   KB/response   CPU ms/rt server/PostgreSQL/generator   idle',
);
const results: RunResult[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const level of LEVELS) {
    for (const mode of MODES) {
      for (const setup of SETUPS) {
        const r = await run(setup, level, mode, round);
        results.push(r);
        const ok = Math.max(1, r.roundTrips - r.errors);
        console.log(
          [
            String(round).padStart(6),
            String(r.clients).padStart(8),
            mode.padEnd(8),
            setup.label.padEnd(10),
            (mode !== 'closed' ? String(rateFor(setup.backend)) : '—').padStart(9),
            rateOf(r).toFixed(0).padStart(15),
            percentile(r.latencies, 50).toFixed(1).padStart(8),
            percentile(r.latencies, 99).toFixed(1).padStart(8),
            (r.latencies.at(-1) ?? NaN).toFixed(1).padStart(8),
            String(r.errors).padStart(8),
            String(r.unsent).padStart(8),
            String(r.unfinished).padStart(12),
            `${r.statuses.applied}/${r.statuses.conflict}/${r.statuses.rejected}`.padStart(27),
            (r.changes / ok).toFixed(0).padStart(14),
            (r.bytes / 1024 / ok).toFixed(1).padStart(13),
            [r.cpu.server, r.cpu.postgres, r.cpu.generator]
              .map((x) => x.toFixed(2))
              .join(' / ')
              .padStart(39),
            `${(100 * r.cpu.idle).toFixed(0)} %`.padStart(6),
          ].join(' '),
        );
      }
    }
  }
}
// Issue 14's goals at 100 clients, on the medians over the rounds: spread over branches,
// PostgreSQL at the paced rate with p99 ≤ 100 ms and nothing unsent, SQLite ≥ 1,500/s (paced at
// 1,500/s or more) with p99 ≤ 50 ms; closed loop, PostgreSQL ≥ 50 % of SQLite's rate in the same
// round.
const at100 = results.filter((x) => x.clients === 100);
const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const each = (xs: readonly number[], digits: number) => xs.map((x) => x.toFixed(digits)).join(', ');
const rampNote = RAMP_SHARE > 0 && WARMUP > 0 ? '; warm-up ramped' : '';
const roundsNote = `median of ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}`;
for (const setup of SETUPS.map((x) => x.label)) {
  const runs = at100.filter((x) => x.mode === 'branches' && x.setup === setup);
  if (runs.length === 0) continue;
  const p99s = runs.map((r) => percentile(r.latencies, 99));
  const rates = runs.map(rateOf);
  const unsent = runs.reduce((sum, r) => sum + r.unsent, 0);
  const errors = runs.reduce((sum, r) => sum + r.errors, 0);
  const p99 = median(p99s);
  const rate = median(rates);
  const target = rateFor(setup === 'PostgreSQL' ? 'PostgreSQL' : 'SQLite');
  const figures = `${rate.toFixed(0)}/s at ${target}/s, p99 ${p99.toFixed(1)} ms (rounds: ${each(p99s, 1)}), ${unsent} unsent, ${errors} errors in all`;
  if (setup === 'PostgreSQL') {
    const met = rate >= 1000 && p99 <= 100 && unsent === 0 && errors === 0;
    console.log(`goal, branches, PostgreSQL (≥ 1,000 round trips/s, p99 ≤ 100 ms, none unsent${rampNote}; ${roundsNote}): ${verdict(met)} (${figures})`);
  } else {
    const met = rate >= 1500 && p99 <= 50 && errors === 0;
    console.log(
      `goal, branches, ${setup} (≥ 1,500 round trips/s, p99 ≤ 50 ms${target < 1500 ? '; needs a rate ≥ 1500' : ''}${rampNote}; ${roundsNote}): ${verdict(met)} (${figures})`,
    );
  }
}
const ratios: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const closedSqlite = at100.find((x) => x.round === round && x.mode === 'closed' && x.setup === 'SQLite');
  const closedPostgres = at100.find((x) => x.round === round && x.mode === 'closed' && x.setup === 'PostgreSQL');
  if (closedSqlite && closedPostgres) ratios.push(rateOf(closedPostgres) / rateOf(closedSqlite));
}
if (ratios.length > 0) {
  const ratio = median(ratios);
  console.log(
    `goal, closed, PostgreSQL ≥ 50 % of SQLite (${roundsNote}): ${verdict(ratio >= 0.5)} (${(100 * ratio).toFixed(0)} %; rounds: ${each(
      ratios.map((x) => 100 * x),
      0,
    )} %)`,
  );
}
if (!DATABASE_URL) console.log(postgresNotMeasured('npm run bench:server'));
console.log(`(whole run: ${((performance.now() - began) / 60_000).toFixed(1)} min; reference loop at the end ${referenceLoopMs().toFixed(0)} ms)`);
