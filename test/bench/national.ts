// `npm run bench:national`: a national simulation on loopback. Figures, not a pass/fail test.
// BRANCHES branches (47) × DEVICES devices (50) each, every device with its own session (a token
// of its branch's staff account), clientId, cursor and live connection (GET /api/events), spread
// over two server instances on one PostgreSQL schema (server-process.ts with the PostgreSQL live
// bus, as main.ts wires it, so a commit on one instance reaches the streams of the other through
// LISTEN/NOTIFY). Each device first pulls everything (not timed), then opens its stream and, as
// the client engine does (src/sync/engine.ts, live-client.ts), runs a round trip at `hello` and at
// every `change` signal of a version it has not pulled yet, unless it stores the signal's page
// (S49: the page follows its cursor and no edit waits) (S48; one run at a time: an edit, or a
// signal the run's answer did not cover, makes it loop once more), plus one every 30 s (phases spread: the issue's figure; the real client pulls every 60 s
// while its stream is up). 5 % of the devices type: an edit of the `done` field of a progress
// record of their own every 2 s, pushed by a round trip of their engine (an edit while one is out
// waits for the next).
// Printed: round trips/s and their p50/p99 (from sending to the whole answer); the time from an
// edit's commit (its answer reaching the typing device) until every other device of its branch
// has stored that record at that version or later (pulled, or from a signal's page), p50/p95/max, and the edits that never got
// everywhere by the end; errors; each instance's RSS and heap after a full GC every 10 s, and CPU
// as % of one core; the load generator's own CPU and event-loop delay, PostgreSQL's CPU (every
// `postgres` process on the machine) and the machine's idle share, to tell when the 2 cores
// (not the server) are the limit.
// Bounded: BENCH_NATIONAL_WARMUP (10) s of load unmeasured, BENCH_NATIONAL_SECONDS (60) measured,
// then at most BENCH_NATIONAL_DRAIN (15) s for the last edits to reach every device. Counts:
// BENCH_NATIONAL_BRANCHES, BENCH_NATIONAL_DEVICES, BENCH_NATIONAL_TYPING (0.05).
// Needs PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL (a new schema per run, dropped after).
import { randomUUID } from 'node:crypto';
import { type Agent, type ClientRequest, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { progressId } from '../../src/model/schemas';
import { PROTOCOL_VERSION, type Mutation, type MutationResult } from '../../src/model/protocol';
import type { LiveEvent } from '../../src/model/live-protocol';
import { newToken, TOKEN_TTL_MS } from '../../src/server/accounts';
import { openPostgresStorage } from '../../src/server/storage/postgres';
import { sseParser } from '../../src/sync/live-transport';
import { keepAliveAgent, post as httpPost, type HttpAnswer } from '../server/sync-clients';
import { benchDatabaseUrl, postgresNotMeasured, startServerProcess, type ServerMemory, type ServerProcess } from './bench-env';
import { CLK_TCK, machineTicks, postgresDelta, postgresTicks, procTicks } from './process-cpu';

const num = (name: string, fallback: number) => {
  const v = process.env[name];
  const n = v === undefined || v === '' ? fallback : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number, not ${v}`);
  return n;
};
const BRANCHES = num('BENCH_NATIONAL_BRANCHES', 47);
const DEVICES = num('BENCH_NATIONAL_DEVICES', 50);
const TYPING = num('BENCH_NATIONAL_TYPING', 0.05);
const SECONDS = num('BENCH_NATIONAL_SECONDS', 60);
const WARMUP = num('BENCH_NATIONAL_WARMUP', 10);
const DRAIN = num('BENCH_NATIONAL_DRAIN', 15);
const PERIODIC_MS = 30_000;
const EDIT_MS = 2_000;
const SAMPLE_MS = 10_000;
/** What the client engine does at most per run (SYNC_TIMING.maxLoops). */
const MAX_LOOPS = 20;
/** A stream silent this long is taken for dead and opened again (LIVE_TIMING.silenceMs). */
const SILENCE_MS = 40_000;
const REQUEST_TIMEOUT_MS = 30_000;
const PERIOD = '2024-H1';
const TOTAL = BRANCHES * DEVICES;
const TYPERS = Math.round(TOTAL * TYPING);

const DATABASE_URL = benchDatabaseUrl();
if (!DATABASE_URL) {
  console.log(postgresNotMeasured('npm run bench:national (two instances need PostgreSQL; nothing was run)'));
  process.exit(process.env.CI ? 1 : 0);
}

// ---- HTTP ----

/** One POST with the benchmark's timeout. */
const post = (agent: Agent, url: string, body: string, token?: string): Promise<HttpAnswer> => httpPost(agent, url, body, token, REQUEST_TIMEOUT_MS);

interface PulledChange {
  table: string;
  id: string;
  version: number;
  record: Record<string, unknown>;
}
interface SyncAnswer {
  results: MutationResult[];
  changes: PulledChange[];
  cursor: string;
  hasMore: boolean;
  versions?: Record<string, number>;
}

// ---- What is measured ----

type Kind = 'periodic' | 'live' | 'edit' | 'more';
const stats = {
  /** Round trips answered in the measured window, by what started them. */
  latencies: { periodic: [] as number[], live: [] as number[], edit: [] as number[], more: [] as number[] },
  /** Every failure, warm-up and drain included. */
  errors: new Map<string, number>(),
  statuses: new Map<string, number>(),
  streamDrops: 0,
  streamsOpen: 0,
  signals: 0,
  /** Signals of the window whose versions the device had already pulled (S48): no round trip. */
  signalsHad: 0,
  /** Signals of the window whose page the device stored (S49): no round trip. */
  signalsStored: 0,
  /** Edits committed in the window whose answer did not name their record (a later page would). */
  editsWithoutVersion: 0,
  /** Per committed edit of the window: until every other device of its branch had it. */
  everyDevice: [] as number[],
  /** Per device and edit: until that device had it. */
  perDevice: [] as number[],
  /** The same, for devices on the other instance than the typing one (through the PostgreSQL bus). */
  perDeviceOther: [] as number[],
  /** Devices that had an edit before its answer reached the typing device (counted 0 above). */
  overtaken: 0,
  /** As everyDevice and perDevice, but from the moment the edit was made (its latest keystroke on the typing device). */
  everyDeviceFromMade: [] as number[],
  perDeviceFromMade: [] as number[],
};
function error(what: string): void {
  stats.errors.set(what, (stats.errors.get(what) ?? 0) + 1);
}
let measuring = false;
let windowStart = 0;
let windowEnd = 0;
const inWindow = (t: number) => t >= windowStart && t <= windowEnd;

/** An edit that is committed and not yet pulled by every other device of its branch. */
interface Spread {
  version: number;
  committedAt: number;
  /** When the typing device made the edit (its latest fold). */
  madeAt: number;
  /** The latest arrival among the devices that had it before the answer. */
  earlyAt: number;
  measured: boolean;
  /** The instance the edit was committed on. */
  instance: number;
  missing: Set<Device>;
}
/** Open spreads per `${branch}|${recordId}`, oldest first. */
const spreads = new Map<string, Spread[]>();
let openMeasured = 0;

function reached(device: Device, key: string, version: number, at: number): void {
  const list = spreads.get(key);
  if (!list) return;
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    if (s.version > version || !s.missing.delete(device)) continue;
    if (s.measured) {
      stats.perDevice.push(Math.max(0, at - s.committedAt));
      if (device.instance !== s.instance) stats.perDeviceOther.push(Math.max(0, at - s.committedAt));
      stats.perDeviceFromMade.push(at - s.madeAt);
    }
    if (s.missing.size === 0) {
      if (s.measured) {
        stats.everyDevice.push(Math.max(0, at - s.committedAt));
        stats.everyDeviceFromMade.push(Math.max(at, s.earlyAt) - s.madeAt);
        openMeasured--;
      }
      list.splice(i--, 1);
    }
  }
  if (list.length === 0) spreads.delete(key);
}

// ---- Devices ----

interface Branch {
  index: number;
  id: string;
  planId: string;
  token: string;
  itemIds: string[];
  devices: Device[];
}

interface Edit {
  mutation: Mutation;
  value: string;
  /** performance.now() of the latest edit folded in. */
  madeAt: number;
}

class Device {
  readonly clientId: string;
  private readonly agent = keepAliveAgent(1);
  private cursor: string | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /** As the engine: signals heard during a run, by branch, until an answer covers them (S48). */
  private readonly awaited = new Map<string, number>();
  /** The versions the last answer's cursor stands for. */
  private covered: Record<string, number> = {};
  private seq = 0;
  /** Typing devices: the record typed in, the value last sent, the pending edit (not in flight). */
  private readonly typed: { recordId: string; itemId: string; value: string; exists: boolean } | null;
  private pending: Edit | null = null;
  private edits = 0;
  /** Per tracked record (those typed in this branch): the highest version pulled, and when. */
  readonly seen = new Map<string, { version: number; at: number }>();
  private stream: ClientRequest | null = null;
  private silence: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;
  private helloed: (() => void) | null = null;

  constructor(
    readonly branch: Branch,
    readonly index: number,
    readonly url: string,
    readonly instance: number,
    typer: number | null,
    /** Its own session: every device looked up apart, as the devices of different people are. */
    private readonly token: string,
  ) {
    this.clientId = `nat-b${branch.index}-d${index}-${randomUUID().slice(0, 8)}`;
    this.typed = typer === null ? null : { recordId: '', itemId: '', value: '', exists: false };
    if (this.typed && typer !== null) {
      // A record of its own per typing device, so its edits are always applied (never a conflict).
      const itemId = branch.itemIds[(typer * 17) % branch.itemIds.length]!;
      this.typed.itemId = itemId;
      this.typed.recordId = progressId(itemId, PERIOD);
    }
  }

  get typing(): boolean {
    return this.typed !== null;
  }
  get typedRecordId(): string | null {
    return this.typed?.recordId ?? null;
  }

  private body(mutations: Mutation[]): string {
    return JSON.stringify({ protocolVersion: PROTOCOL_VERSION, clientId: this.clientId, mutations, cursor: this.cursor, pullLimit: 1000 });
  }

  /** The first pull, page by page (not timed); a typing device learns its record's value. */
  async initialPull(): Promise<void> {
    for (;;) {
      const res = await post(this.agent, `${this.url}/api/sync`, this.body([]), this.token);
      if (res.status !== 200) throw new Error(`initial pull: ${res.status} ${res.body.slice(0, 300)}`);
      const answer = JSON.parse(res.body) as SyncAnswer;
      if (this.typed)
        for (const c of answer.changes)
          if (c.table === 'progress' && c.id === this.typed.recordId) {
            this.typed.exists = true;
            this.typed.value = String(c.record.done ?? '');
          }
      this.cursor = answer.cursor;
      if (!answer.hasMore) return;
    }
  }

  /** A person typing: one more edit of the field, folded into the pending one if not yet sent. */
  edit(): void {
    const t = this.typed!;
    const value = `入力 ${this.clientId.slice(-8)} ${++this.edits}`;
    if (this.pending) {
      // As the outbox folds: the older base stays (what the server last had).
      const m = this.pending.mutation;
      this.pending = {
        value,
        madeAt: performance.now(),
        mutation: { ...m, changes: { done: value }, create: m.create ? { ...m.create, done: value } : null, madeAt: new Date().toISOString() },
      };
    } else {
      const planId = this.branch.planId;
      this.pending = {
        value,
        madeAt: performance.now(),
        mutation: {
          id: randomUUID(),
          seq: ++this.seq,
          table: 'progress',
          recordId: t.recordId,
          planId,
          changes: { done: value },
          base: { done: t.value },
          create: t.exists ? null : { id: t.recordId, planId, itemId: t.itemId, periodId: PERIOD, evaluation: null, done: value, next: '' },
          madeAt: new Date().toISOString(),
        },
      };
    }
    // The value on the device now; the next edit's base once this one is sent.
    t.value = value;
    t.exists = true;
    this.sync('edit');
  }

  /** The engine's syncNow(): one run at a time; a trigger during a run makes it loop again. */
  sync(kind: Kind): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run(kind).finally(() => {
      this.running = null;
    });
  }

  private async run(first: Kind): Promise<void> {
    for (let loop = 0; loop < MAX_LOOPS && !this.stopped; loop++) {
      this.again = false;
      this.awaited.clear();
      const sent = this.pending;
      this.pending = null;
      const kind: Kind = sent ? 'edit' : loop === 0 ? first : 'more';
      const t0 = performance.now();
      let res: HttpAnswer;
      try {
        res = await post(this.agent, `${this.url}/api/sync`, this.body(sent ? [sent.mutation] : []), this.token);
      } catch (e) {
        if (this.stopped) return;
        error(`network: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        this.requeue(sent);
        return;
      }
      const at = performance.now();
      if (res.status !== 200) {
        error(`HTTP ${res.status} ${/"code":"([^"]+)"/.exec(res.body)?.[1] ?? ''}`.trim());
        this.requeue(sent);
        return;
      }
      if (measuring && inWindow(at)) stats.latencies[kind].push(at - t0);
      const answer = JSON.parse(res.body) as SyncAnswer;
      this.cursor = answer.cursor;
      this.covered = answer.versions ?? {};
      for (const [b, v] of this.awaited) if (this.has({ [b]: v })) this.awaited.delete(b);
      this.received(answer.changes, at);
      if (sent) this.committed(sent, answer, at);
      if (!answer.hasMore && !this.again && !this.pending && this.awaited.size === 0) return;
    }
  }

  /** The records of a stored page, pulled or a signal's: each tracked one has reached this device now. */
  private received(changes: readonly { table: string; id: string; version: number }[], at: number): void {
    for (const c of changes) {
      if (c.table !== 'progress' || !tracked.has(c.id)) continue;
      const key = `${this.branch.id}|${c.id}`;
      const before = this.seen.get(c.id);
      if (!before || before.version < c.version) this.seen.set(c.id, { version: c.version, at });
      reached(this, key, c.version, at);
    }
  }

  private has(versions: Record<string, number>): boolean {
    const branches = Object.keys(versions);
    return branches.length > 0 && branches.every((b) => (this.covered[b] ?? -1) >= versions[b]!);
  }

  /** An edit not answered goes out again with the next round trip (its seq and id unchanged). */
  private requeue(sent: Edit | null): void {
    if (!sent) return;
    if (!this.pending) this.pending = sent;
    else this.pending = { ...this.pending, mutation: { ...sent.mutation, changes: this.pending.mutation.changes } };
  }

  private committed(sent: Edit, answer: SyncAnswer, at: number): void {
    const status = answer.results.find((r) => r.mutationId === sent.mutation.id)?.status ?? 'unanswered';
    const measured = measuring && inWindow(at);
    if (measured) stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
    if (status !== 'applied') {
      error(`mutation ${status}`);
      return;
    }
    const recordId = sent.mutation.recordId;
    const change = answer.changes.find((c) => c.table === 'progress' && c.id === recordId);
    if (!change) {
      if (measured) stats.editsWithoutVersion++;
      return;
    }
    const missing = new Set<Device>();
    let earlyAt = 0;
    for (const d of this.branch.devices) {
      if (d === this) continue;
      const seen = d.seen.get(recordId);
      // Pulled already (the signal can overtake the answer): reached before the commit was known.
      if (seen && seen.version >= change.version) {
        earlyAt = Math.max(earlyAt, seen.at);
        if (measured) {
          stats.perDevice.push(0);
          if (d.instance !== this.instance) stats.perDeviceOther.push(0);
          stats.perDeviceFromMade.push(seen.at - sent.madeAt);
          stats.overtaken++;
        }
      } else missing.add(d);
    }
    if (missing.size === 0) {
      if (measured) {
        stats.everyDevice.push(0);
        stats.everyDeviceFromMade.push(earlyAt - sent.madeAt);
      }
      return;
    }
    const key = `${this.branch.id}|${recordId}`;
    const list = spreads.get(key) ?? [];
    list.push({ version: change.version, committedAt: at, madeAt: sent.madeAt, earlyAt, measured, instance: this.instance, missing });
    spreads.set(key, list);
    if (measured) openMeasured++;
  }

  /** The live channel as live-client.ts keeps it: pull at hello and at each change; reconnect after silence or a drop. */
  openStream(): Promise<void> {
    const opened = new Promise<void>((resolve) => (this.helloed = resolve));
    this.connect();
    return opened;
  }

  private connect(): void {
    if (this.stopped) return;
    const push = sseParser((e: LiveEvent) => this.onEvent(e));
    const req = request(`${this.url}/api/events`, {
      method: 'GET',
      agent: false,
      headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream', 'x-client-id': this.clientId },
    });
    this.stream = req;
    let failed = false;
    const fail = (what: string) => {
      if (failed || this.stream !== req) return;
      failed = true;
      this.stream = null;
      if (this.silence) clearTimeout(this.silence);
      req.destroy();
      if (this.stopped) return;
      stats.streamDrops++;
      error(`stream: ${what}`);
      // The client's backoff after a drop: 1 s ± 20 %.
      this.retry = setTimeout(() => this.connect(), 800 + Math.random() * 400);
    };
    this.silence = setTimeout(() => fail('silent for 40 s'), SILENCE_MS);
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        fail(`HTTP ${res.statusCode}`);
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        this.silence?.refresh();
        push(chunk);
      });
      res.on('end', () => fail('ended by the server'));
      res.on('error', (e) => fail((e as NodeJS.ErrnoException).code ?? e.message));
    });
    req.on('error', (e) => fail((e as NodeJS.ErrnoException).code ?? e.message));
    req.end();
  }

  private onEvent(e: LiveEvent): void {
    if (e.type === 'hello') {
      this.helloed?.();
      this.helloed = null;
      this.sync('live');
    } else if (e.type === 'change') {
      const measured = inWindow(performance.now());
      if (measured) stats.signals++;
      // The engine's signalled(): nothing for what it has; during a run, a loop unless the run's answer has it.
      if (e.versions && this.has(e.versions)) {
        if (measured) stats.signalsHad++;
        return;
      }
      if (e.versions && this.running) {
        for (const [b, v] of Object.entries(e.versions)) this.awaited.set(b, Math.max(v, this.awaited.get(b) ?? v));
        return;
      }
      // The engine's storeDelivered(): the signal's page, stored on top of the cursor it follows while no edit waits (S49).
      if (e.versions && e.page && !this.pending && e.page.after === this.cursor) {
        this.cursor = e.page.cursor;
        this.covered = { ...e.versions };
        this.received(e.page.changes, performance.now());
        if (measured) stats.signalsStored++;
        return;
      }
      this.sync('live');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.silence) clearTimeout(this.silence);
    if (this.retry) clearTimeout(this.retry);
    this.stream?.destroy();
    this.stream = null;
    this.agent.destroy();
  }

  /** Waits for the run now out, if any (bounded by the request timeout). */
  settle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

/** Records typed in, by id: the only ones whose versions devices keep. */
const tracked = new Set<string>();

// ---- Processes: CPU and memory ----

interface CpuMark {
  at: number;
  instances: number[];
  postgres: Map<number, number>;
  self: NodeJS.CpuUsage;
  machine: { idle: number; total: number };
}
function cpuMark(servers: readonly ServerProcess[]): CpuMark {
  return {
    at: performance.now(),
    instances: servers.map((s) => procTicks(s.pid)),
    postgres: postgresTicks(),
    self: process.cpuUsage(),
    machine: machineTicks(),
  };
}

// ---- Output ----

function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const ms = (v: number) => (Number.isNaN(v) ? '—' : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const pct = (v: number) => `${(v * 100).toFixed(0)} %`;

// ---- The run ----

const began = performance.now();
const elapsed = () => `${((performance.now() - began) / 1000).toFixed(0)} s`;
console.log(`== National simulation: ${new Date().toISOString()}, loopback, ${cpus().length} CPUs (load average before: ${loadavg()[0]!.toFixed(2)})`);
console.log(
  `   ${BRANCHES} branches × ${DEVICES} devices = ${TOTAL} devices, each with its own session, clientId, cursor and event stream, alternating over 2 server instances on one PostgreSQL schema (LISTEN/NOTIFY bus)`,
);
console.log(
  `   every device: a round trip every ${PERIODIC_MS / 1000} s (phases spread) and at each live signal (one run at a time, as the client engine); ${TYPERS} typing (${pct(TYPING)}): an edit every ${EDIT_MS / 1000} s`,
);
console.log(
  `   ${WARMUP} s warm-up, ${SECONDS} s measured, up to ${DRAIN} s drain; memory sampled every ${SAMPLE_MS / 1000} s (heap after a full GC: a short pause of the server)`,
);

const a = await startServerProcess('PostgreSQL', { databaseUrl: DATABASE_URL!, extraBranches: BRANCHES, postgresBus: true });
let b: ServerProcess | null = null;
const stopAll = async () => {
  await b?.stop().catch((e: unknown) => console.error(`stopping instance 2: ${(e as Error).message}`));
  await a.stop();
};
try {
  b = await startServerProcess('PostgreSQL', { sameDatabaseAs: a, postgresBus: true });
  const servers = [a, b];
  console.log(`-- ${elapsed()}: 2 instances up (pids ${a.pid}, ${b.pid}), ${BRANCHES} branches seeded`);

  // One login per branch (scrypt is slow by design), for the probe of its plan.
  const setupAgent = keepAliveAgent(8);
  const branches: Branch[] = [];
  for (let i = 0; i < BRANCHES; i++) {
    const id = `bench-b${i + 1}`;
    const res = await post(setupAgent, `${servers[i % 2]!.url}/api/login`, JSON.stringify({ email: `staff@${id}`, password: 'demo1234' }));
    if (res.status !== 200) throw new Error(`login ${id}: ${res.status} ${res.body}`);
    branches.push({ index: i + 1, id, planId: `${id}-plan`, token: (JSON.parse(res.body) as { token: string }).token, itemIds: [], devices: [] });
  }
  // The plan's items, for the records typed in.
  await Promise.all(
    branches.map(async (br) => {
      let cursor: string | null = null;
      for (;;) {
        const res = await post(
          setupAgent,
          `${a.url}/api/sync`,
          JSON.stringify({ protocolVersion: PROTOCOL_VERSION, clientId: `nat-probe-${randomUUID()}`, mutations: [], cursor, pullLimit: 1000 }),
          br.token,
        );
        if (res.status !== 200) throw new Error(`probe ${br.id}: ${res.status} ${res.body.slice(0, 300)}`);
        const answer = JSON.parse(res.body) as SyncAnswer;
        for (const c of answer.changes) if (c.table === 'items') br.itemIds.push(c.id);
        cursor = answer.cursor;
        if (!answer.hasMore) break;
      }
      if (!br.itemIds.length) throw new Error(`${br.id}: no items`);
    }),
  );
  setupAgent.destroy();

  // A session per device: a token of the branch's staff account written to the database as a
  // login writes it (2,350 logins would take minutes of scrypt).
  const accounts = await openPostgresStorage(a.databaseUrl!, { poolSize: 2 });
  const tokens: string[][] = [];
  try {
    const now = new Date();
    for (const br of branches) {
      const user = await accounts.getUserByEmail(`staff@${br.id}`);
      if (!user) throw new Error(`${br.id}: no staff account`);
      const own: string[] = [];
      for (let d = 0; d < DEVICES; d++) {
        const { token, hash } = newToken();
        await accounts.addToken({
          hash,
          userId: user.id,
          createdAt: now.toISOString(),
          expiresAt: new Date(now.getTime() + TOKEN_TTL_MS).toISOString(),
          revokedAt: null,
        });
        own.push(token);
      }
      tokens.push(own);
    }
  } finally {
    await accounts.close();
  }

  // Devices: device d of branch k is the (d × BRANCHES + k)th, so typing devices spread over
  // branches (2 or 3 per branch at 5 %), and instances alternate within and across branches.
  const devices: Device[] = [];
  for (let d = 0; d < DEVICES; d++) {
    for (const br of branches) {
      const g = d * BRANCHES + (br.index - 1);
      const instance = (br.index + d) % 2;
      const device = new Device(br, d, servers[instance]!.url, instance, g < TYPERS ? d : null, tokens[br.index - 1]![d]!);
      br.devices.push(device);
      devices.push(device);
      if (device.typedRecordId) tracked.add(device.typedRecordId);
    }
  }
  const typers = devices.filter((d) => d.typing);

  // The first full pull of every device, not timed, a few at a time.
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < devices.length) await devices[next++]!.initialPull();
    }),
  );
  console.log(`-- ${elapsed()}: ${TOTAL} devices have pulled everything`);

  // Streams, in batches (each device pulls at its hello, as the client does).
  for (let i = 0; i < devices.length; i += 200) await Promise.all(devices.slice(i, i + 200).map((d) => d.openStream()));
  stats.streamsOpen = devices.length;
  console.log(`-- ${elapsed()}: ${TOTAL} event streams open`);
  await sleep(2_000);

  // Load: periodic round trips and typing, paced on their own clocks (a slow server does not slow them).
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const begin = performance.now();
  windowStart = begin + WARMUP * 1000;
  windowEnd = windowStart + SECONDS * 1000;
  measuring = true;
  let loadOn = true;
  const timers: NodeJS.Timeout[] = [];
  const paced = (first: number, every: number, run: () => void) => {
    let due = first;
    const tick = () => {
      if (!loadOn) return;
      run();
      due += every;
      timers.push(setTimeout(tick, Math.max(0, due - performance.now())));
    };
    timers.push(setTimeout(tick, Math.max(0, due - performance.now())));
  };
  for (const [g, d] of devices.entries()) paced(begin + (g / TOTAL) * PERIODIC_MS, PERIODIC_MS, () => d.sync('periodic'));
  for (const [k, d] of typers.entries()) paced(begin + (k / typers.length) * EDIT_MS, EDIT_MS, () => d.edit());

  // Memory every SAMPLE_MS from the start of the load to the end of the drain.
  const samples: { t: number; memory: ServerMemory[] }[] = [];
  const sample = async () => samples.push({ t: (performance.now() - begin) / 1000, memory: await Promise.all(servers.map((s) => s.memory())) });
  await sample();
  const stopSampling = new AbortController();
  const sampler = (async () => {
    for (let k = 1; ; k++) {
      try {
        await sleep(Math.max(0, begin + k * SAMPLE_MS - performance.now()), undefined, { signal: stopSampling.signal });
      } catch {
        return;
      }
      await sample();
    }
  })();

  await sleep(windowStart - performance.now());
  loop.reset();
  const cpu0 = cpuMark(servers);
  console.log(`-- ${elapsed()}: warm-up over, measuring ${SECONDS} s`);
  await sleep(windowEnd - performance.now());
  const cpu1 = cpuMark(servers);
  const loopP99 = loop.percentile(99) / 1e6;
  const loopMax = loop.max / 1e6;
  loadOn = false;
  for (const t of timers) clearTimeout(t);
  console.log(`-- ${elapsed()}: window over; waiting up to ${DRAIN} s for the last edits to reach every device`);
  const drainEnd = performance.now() + DRAIN * 1000;
  while (openMeasured > 0 && performance.now() < drainEnd) await sleep(100);
  const drained = performance.now() - windowEnd;
  stopSampling.abort();
  await sampler;
  await sample();
  const unreached = openMeasured;
  await Promise.all(devices.map((d) => d.stop()));

  // ---- Figures ----
  const span = (cpu1.at - cpu0.at) / 1000;
  const ticks = (t0: number, t1: number) => (t1 - t0) / CLK_TCK / span;
  const all = [...stats.latencies.periodic, ...stats.latencies.live, ...stats.latencies.edit, ...stats.latencies.more];
  const errors = [...stats.errors.values()].reduce((x, y) => x + y, 0);
  const selfCpu = (cpu1.self.user + cpu1.self.system - cpu0.self.user - cpu0.self.system) / 1e6 / span;
  const idle = (cpu1.machine.idle - cpu0.machine.idle) / (cpu1.machine.total - cpu0.machine.total);
  console.log('\n== Results (measured window)');
  const row = (label: string, value: string) => console.log(`   ${label.padEnd(44)} ${value}`);
  row('round trips/s', `${(all.length / SECONDS).toFixed(0)} (${all.length} in ${SECONDS} s)`);
  row('round trip p50 / p99 / max', `${ms(percentile(all, 50))} / ${ms(percentile(all, 99))} / ${ms(percentile(all, 100))}`);
  for (const kind of ['periodic', 'live', 'edit', 'more'] as const) {
    const l = stats.latencies[kind];
    row(
      `  ${kind === 'more' ? 'follow-up (same run)' : kind === 'live' ? 'at a live signal' : kind}`,
      `${(l.length / SECONDS).toFixed(1)}/s, p50 ${ms(percentile(l, 50))}, p99 ${ms(percentile(l, 99))}`,
    );
  }
  row(
    'live signals received/s',
    `${(stats.signals / SECONDS).toFixed(0)} (no round trip: ${pct(stats.signalsHad / Math.max(1, stats.signals))} already pulled, S48; ${pct(stats.signalsStored / Math.max(1, stats.signals))} stored from the signal's page, S49)`,
  );
  row('edits committed (answered in window)', `${[...stats.statuses.entries()].map(([k, v]) => `${v} ${k}`).join(', ') || '0'}`);
  const spread = (v: readonly number[], max = false) =>
    `p50 ${ms(percentile(v, 50))}, p95 ${ms(percentile(v, 95))}${max ? `, max ${ms(percentile(v, 100))}` : ''} (n=${v.length})`;
  console.log("   from an edit's commit (its answer reaching the typing device) until stored (pulled, or from a signal's page) by");
  row('  every other device of the branch', `${spread(stats.everyDevice, true)}; goal p95 ≤ 1 s`);
  row('  one device', `${spread(stats.perDevice)}; ${pct(stats.overtaken / Math.max(1, stats.perDevice.length))} had it before the answer (counted 0)`);
  row('  one device on the other instance', `${spread(stats.perDeviceOther)} (through LISTEN/NOTIFY)`);
  console.log('   from the edit being made (its latest keystroke on the typing device, so its own round trip included) until stored by');
  row('  every other device of the branch', spread(stats.everyDeviceFromMade, true));
  row('  one device', spread(stats.perDeviceFromMade));
  row(
    'edits not on every device by the end',
    `${unreached} (drain waited ${(drained / 1000).toFixed(1)} s)${stats.editsWithoutVersion ? `; ${stats.editsWithoutVersion} edits' answers lacked their record (not timed)` : ''}`,
  );
  row(
    'errors (whole run, warm-up and drain too)',
    `${errors}${errors ? ` (${[...stats.errors.entries()].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}; stream drops ${stats.streamDrops}`,
  );
  console.log('   CPU over the window (% of one core)');
  for (const [i, s] of servers.entries()) row(`  instance ${i + 1} (pid ${s.pid})`, pct(ticks(cpu0.instances[i]!, cpu1.instances[i]!)));
  row('  PostgreSQL (every postgres process)', pct(ticks(0, postgresDelta(cpu0.postgres, cpu1.postgres))));
  row('  load generator (this process)', `${pct(selfCpu)}; event-loop delay p99 ${ms(loopP99)}, max ${ms(loopMax)}`);
  row('  machine idle', `${pct(idle)} of ${cpus().length} cores`);
  console.log(
    '   memory per instance: RSS / heap / external (Buffers) after a full GC; the changes the change windows hold, at most 50,000 or 24 MiB (t = seconds since the load began; window from t = ' +
      `${WARMUP} to ${WARMUP + SECONDS})`,
  );
  console.log(`   ${'t'.padStart(5)}  ${servers.map((_, i) => `instance ${i + 1}`.padEnd(46)).join(' ')}`);
  for (const s of samples)
    console.log(
      `   ${s.t.toFixed(0).padStart(5)}  ${s.memory.map((m) => `${mb(m.rssBytes)} / ${mb(m.heapUsedBytes)} / ${mb(m.externalBytes)}; ${m.windows.entries} changes, ${mb(m.windows.bytes)}`.padEnd(46)).join(' ')}`,
    );
  if (selfCpu > 0.85) console.log(`   NOTE: the load generator was near a full core (${pct(selfCpu)}): its own delays are in the latencies above.`);
  else if (loopP99 > 100)
    console.log(
      `   NOTE: the load generator's event loop was late (p99 ${ms(loopP99)}, max ${ms(loopMax)}) while using ${pct(selfCpu)} of a core: starved by the machine rather than busy; those delays are in the latencies above.`,
    );
  if (idle < 0.05)
    console.log(
      `   NOTE: the machine had ${pct(idle)} idle: generator, two servers and PostgreSQL share ${cpus().length} cores; the figures are the machine's limit as much as the server's.`,
    );
  console.log(`(whole run: ${((performance.now() - began) / 60_000).toFixed(1)} min)`);
} finally {
  await stopAll();
}
process.exit(0);
