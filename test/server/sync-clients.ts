// Simulated devices that sync with a real server over HTTP, for the crash test and the soak: each
// has its own clientId and an outbox kept as the client engine keeps it (src/sync/outbox.ts,
// src/sync/round-trip.ts): entries numbered by an increasing seq, a new edit folded into the
// record's pending entry unless that entry is in flight, a batch of the oldest entries sent
// again unchanged (same ids, same seqs) until an answer settles them. Bodies are built and
// parsed with the protocol's schemas. Three kinds of edit, chosen so that applying one twice or
// losing one shows on the server:
//   note     a new note with a text no one else writes (append-only: must be there once);
//   counter  the device's own KPI measurement, value + 1 per edit (nobody else writes it: its
//            history must be one unbroken chain null → 1 → … → the device's count);
//   shared   the `next` field of one progress record every device of the plan edits, with the
//            value it last saw as base (each such edit must end up either applied, with one
//            history row, or kept as one conflict record: a second application of a replay
//            would add a conflict, as the field has moved on).
// Also the server as a child process (`tsx src/server/main.ts`, killable with SIGKILL), a probe
// that sees a commit in the database before its answer is out (to time a kill), and the final
// check over everything pulled from the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { measurementId } from '../../src/model/schemas';
import {
  LIMITS,
  PROTOCOL_VERSION,
  loginResponseSchema,
  syncRequestSchema,
  syncResponseSchema,
  type Change,
  type Mutation,
  type MutationResult,
  type SyncResponse,
} from '../../src/model/protocol';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/server/main.ts', import.meta.url));

/** A seeded PRNG (mulberry32), so a run's edits can be drawn again from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A port free right now, kept for every restart so that devices find the server again. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface ServerChildOptions {
  port: number;
  dataDir: string;
  /** DATABASE_URL; undefined runs the embedded SQLite in dataDir. */
  databaseUrl?: string;
  /** stdout and stderr of every start are appended here. */
  logFile: string;
}

/**
 * `node --import tsx src/server/main.ts` (not the tsx CLI, which would run the server in a
 * grandchild that a SIGKILL of its parent leaves running), restartable on the same data.
 */
export class ServerChild {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  readonly url: string;

  constructor(private readonly options: ServerChildOptions) {
    this.url = `http://127.0.0.1:${options.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the server and waits until /api/health answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    const { port, dataDir, databaseUrl, logFile } = this.options;
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, NODE_ENV: 'development' };
    delete env.DATABASE_URL;
    if (databaseUrl !== undefined) env.DATABASE_URL = databaseUrl;
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { cwd: PROJECT_ROOT, env, stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    let exitCode: number | null | undefined;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        exitCode = code;
        resolve();
      }),
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exitCode !== undefined) throw new Error(`the server exited with ${exitCode} while starting (log: ${logFile})`);
      if (Date.now() > deadline) throw new Error(`the server did not answer /api/health within ${timeoutMs} ms (log: ${logFile})`);
      const status = await new Promise<number>((resolve) => {
        const req = request(`${this.url}/api/health`, { agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(0));
        req.end();
      });
      if (status === 200) return;
      await sleep(50);
    }
  }

  /** SIGSTOP, returning once the process is stopped: the database holds what it has committed. */
  async freeze(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error('the server is not running');
    process.kill(pid, 'SIGSTOP');
    // /proc/PID/stat: "pid (comm) state …"; T once the stop is delivered.
    while (!/\) T /.test(await readFile(`/proc/${pid}/stat`, 'utf8'))) await sleep(0);
  }

  thaw(): void {
    if (this.child?.pid !== undefined) process.kill(this.child.pid, 'SIGCONT');
  }

  /** SIGKILL: no shutdown code runs, requests in flight get no answer. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  /** SIGTERM: the server's own orderly stop. */
  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited;
    this.child = null;
  }
}

/**
 * Which of some mutations the server has committed, read from its database directly: the
 * history rows `history:<mutationId>` of the records table (migrations/001-initial.ts). Only
 * to time a kill between a commit and its answer; what is checked is pulled through the API.
 */
export interface CommitProbe {
  committed(mutationIds: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

export async function openCommitProbe(where: { dataDir: string } | { databaseUrl: string; schema: string }): Promise<CommitProbe> {
  if ('dataDir' in where) {
    // A second connection to the WAL database: it reads the last commit, never blocks the server.
    const db = new Database(join(where.dataDir, 'tracker.sqlite'), { readonly: true, fileMustExist: true });
    return {
      committed: async (ids) => {
        if (!ids.length) return [];
        const rows = db
          .prepare(`SELECT id FROM records WHERE table_name = 'history' AND id IN (${ids.map(() => '?').join(',')})`)
          .all(...ids.map((id) => `history:${id}`)) as { id: string }[];
        return rows.map((r) => r.id.slice('history:'.length));
      },
      close: async () => {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: where.databaseUrl });
  await client.connect();
  return {
    committed: async (ids) => {
      if (!ids.length) return [];
      const res = await client.query<{ id: string }>(`SELECT id FROM "${where.schema}".records WHERE table_name = 'history' AND id = ANY($1)`, [
        ids.map((id) => `history:${id}`),
      ]);
      return res.rows.map((r) => r.id.slice('history:'.length));
    },
    close: () => client.end(),
  };
}

/**
 * A keep-alive Agent that retires an idle connection before the server closes it (Node's
 * keepAliveTimeout, 5 s): Node's Agent follows the server's `Keep-Alive: timeout=5` hint only
 * when it has a timeout of its own, and a request sent on a connection the server is closing
 * fails with ECONNRESET.
 */
export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, timeout: 60_000 });
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One POST; rejects on a network failure (refused, reset, timed out). */
export function post(agent: Agent, url: string, body: string, token?: string, timeoutMs = 60_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        timeout: timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

export async function login(agent: Agent, url: string, email: string, password: string): Promise<string> {
  const res = await post(agent, `${url}/api/login`, JSON.stringify({ email, password }));
  if (res.status !== 200) throw new Error(`login of ${email}: ${res.status} ${res.body}`);
  return loginResponseSchema.parse(JSON.parse(res.body)).token;
}

/** What devices of one plan need to know of it, learnt from a first pull. */
export interface PlanView {
  planId: string;
  itemIds: string[];
  /** The progress record whose `next` every device edits, and its value then. */
  shared: { id: string; next: string };
  /** (kpi, month) pairs with no measurement yet: one per device, as its counter. */
  freeMeasurements: { kpiId: string; month: string }[];
}

/** Every change after `cursor`, page by page, with a client id of its own. */
export async function pullEverything(agent: Agent, url: string, token: string, cursor: string | null = null): Promise<{ changes: Change[]; cursor: string }> {
  const clientId = `observer-${randomUUID()}`;
  const changes: Change[] = [];
  for (;;) {
    const body = JSON.stringify(syncRequestSchema.parse({ protocolVersion: PROTOCOL_VERSION, clientId, mutations: [], cursor, pullLimit: LIMITS.pullPage }));
    const res = await post(agent, `${url}/api/sync`, body, token);
    if (res.status !== 200) throw new Error(`pull: ${res.status} ${res.body}`);
    const page = syncResponseSchema.parse(JSON.parse(res.body));
    changes.push(...page.changes);
    cursor = page.cursor;
    if (!page.hasMore) return { changes, cursor };
  }
}

export function planViewOf(changes: readonly Change[], planId?: string): PlanView {
  const plan = planId ?? changes.find((c) => c.table === 'plans')?.id;
  if (!plan) throw new Error('no plan pulled');
  const of = (table: string) => changes.filter((c) => c.table === table && c.record.planId === plan);
  const progress = of('progress')[0];
  if (!progress) throw new Error(`plan ${plan} has no progress record`);
  const taken = new Set(of('measurements').map((c) => c.id));
  // The plan's fiscal year (April to March), from a period id such as 2024-H1.
  const fy = Number(/^(\d{4})/.exec(String(progress.record.periodId))?.[1] ?? 2024);
  const months = Array.from({ length: 12 }, (_, i) => `${fy + Math.floor((i + 3) / 12)}-${String(((i + 3) % 12) + 1).padStart(2, '0')}`);
  const freeMeasurements = of('kpis')
    .flatMap((k) => months.map((month) => ({ kpiId: k.id, month })))
    .filter((s) => !taken.has(measurementId(s.kpiId, s.month)));
  return { planId: plan, itemIds: of('items').map((c) => c.id), shared: { id: progress.id, next: String(progress.record.next ?? '') }, freeMeasurements };
}

type EditKind = 'note' | 'counter' | 'shared';

/** A mutation as it was last sent or is pending (folds change it until it is in flight). */
interface OutboxEntry {
  mutation: Mutation;
  kind: EditKind;
  inFlight: boolean;
}

/** A mutation the server answered, as the device keeps it for the final check. */
export interface Answered {
  mutation: Mutation;
  kind: EditKind;
  status: MutationResult['status'];
  reason: string | undefined;
}

export type RoundTrip =
  | { kind: 'ok'; hasMore: boolean }
  /** retry: the engine would try again later (network failure or 5xx); otherwise a bug here or there. */
  | { kind: 'failed'; retry: boolean; message: string };

/** Backoff after a failed round trip: the engine's policy (src/sync/engine.ts) on a 1/20 time scale. */
export function backoffMs(failures: number, random: () => number): number {
  const base = Math.min(100 * 2 ** Math.max(0, failures - 1), 15_000);
  return Math.round(base * (0.8 + 0.4 * random()));
}

function lastEntryOf(outbox: readonly OutboxEntry[], recordId: string): OutboxEntry | undefined {
  for (let i = outbox.length - 1; i >= 0; i--) if (outbox[i]!.mutation.recordId === recordId) return outbox[i];
  return undefined;
}

export class Device {
  readonly clientId: string;
  private seq = 0;
  private cursor: string | null = null;
  private readonly outbox: OutboxEntry[] = [];
  /** Mutations answered by the server, in the order they were answered. */
  readonly answered: Answered[] = [];
  /** The batch of the request now out, if any (a kill loses its answer). */
  outstanding: Mutation[] | null = null;
  /** Ids of the outstanding batch sent for the first time: committed ones can only be this request's. */
  outstandingFresh: string[] = [];
  private readonly sent = new Set<string>();
  private notes = 0;
  /** The counter's value on the device; 0 while its record does not exist. */
  counter = 0;
  private sharedEdits = 0;
  /**
   * Ten private-use code points of this device's own, for its values of the shared field: a
   * value of another device (or the plan's text) then has no character in common with it, so
   * two devices' edits of the field always overlap in the three-way text merge and each edit is
   * applied or kept as a conflict, never merged into a text that already holds it unrecorded.
   */
  private readonly alphabet: number;
  private static alphabets = 0;
  /** `next` of the shared record as last pulled. */
  private sharedServer: string;
  private readonly counterId: string;

  constructor(
    readonly name: string,
    private readonly plan: PlanView,
    private readonly slot: { kpiId: string; month: string },
    private readonly token: string,
    private readonly random: () => number,
  ) {
    this.clientId = `${name}-${randomUUID()}`;
    this.sharedServer = plan.shared.next;
    this.alphabet = 0xe000 + 10 * Device.alphabets++;
    this.counterId = measurementId(slot.kpiId, slot.month);
  }

  get pending(): number {
    return this.outbox.length;
  }

  /** One edit of a random kind (notes 40 %, counter 40 %, shared field 20 %). */
  edit(): void {
    const r = this.random();
    if (r < 0.4) this.addNote();
    else if (r < 0.8) this.bumpCounter();
    else this.editShared();
  }

  private now(): string {
    return new Date().toISOString();
  }

  private append(kind: EditKind, m: Omit<Mutation, 'id' | 'seq' | 'madeAt'>): void {
    this.outbox.push({ kind, inFlight: false, mutation: { id: randomUUID(), seq: ++this.seq, madeAt: this.now(), ...m } });
  }

  /** The record's pending entry that a new edit may still fold into. */
  private foldable(recordId: string): OutboxEntry | undefined {
    const last = lastEntryOf(this.outbox, recordId);
    return last && !last.inFlight ? last : undefined;
  }

  private fold(entry: OutboxEntry, changes: Record<string, unknown>): void {
    const m = entry.mutation;
    // As enqueue() does: the older base stays, it is what the server last had.
    entry.mutation = { ...m, changes: { ...m.changes, ...changes }, create: m.create ? { ...m.create, ...changes } : null, madeAt: this.now() };
  }

  private addNote(): void {
    const id = `note-${randomUUID()}`;
    const itemId = this.plan.itemIds[Math.floor(this.random() * this.plan.itemIds.length)]!;
    const note = {
      id,
      planId: this.plan.planId,
      itemId,
      date: '2024-06-01',
      author: this.name,
      text: `${this.clientId} のメモ ${++this.notes}`,
      createdAt: this.now(),
    };
    const { id: _id, ...fields } = note;
    this.append('note', { table: 'notes', recordId: id, planId: this.plan.planId, changes: fields, base: {}, create: note });
  }

  private bumpCounter(): void {
    const value = ++this.counter;
    const pending = this.foldable(this.counterId);
    if (pending) {
      this.fold(pending, { value });
      return;
    }
    const { kpiId, month } = this.slot;
    const create = value === 1 ? { id: this.counterId, planId: this.plan.planId, kpiId, month, value } : null;
    this.append('counter', {
      table: 'measurements',
      recordId: this.counterId,
      planId: this.plan.planId,
      changes: { value },
      base: { value: value === 1 ? null : value - 1 },
      create,
    });
  }

  private editShared(): void {
    const next = [...String(++this.sharedEdits)].map((d) => String.fromCodePoint(this.alphabet + Number(d))).join('');
    const pending = this.foldable(this.plan.shared.id);
    if (pending) {
      this.fold(pending, { next });
      return;
    }
    // The device's copy: the server's value with its own pending edit of it laid over.
    const local = lastEntryOf(this.outbox, this.plan.shared.id)?.mutation.changes.next ?? this.sharedServer;
    this.append('shared', {
      table: 'progress',
      recordId: this.plan.shared.id,
      planId: this.plan.planId,
      changes: { next },
      base: { next: local },
      create: null,
    });
  }

  /**
   * One request: the oldest entries (in flight ones again, unchanged) and the cursor. The answer
   * settles the entries it names and moves the cursor; a failure leaves everything for a retry.
   */
  async roundTrip(agent: Agent, url: string): Promise<RoundTrip> {
    const batch = this.outbox.slice(0, LIMITS.mutationsPerRequest);
    for (const e of batch) e.inFlight = true;
    const sent = batch.map((e) => e.mutation);
    const body = JSON.stringify(syncRequestSchema.parse({ protocolVersion: PROTOCOL_VERSION, clientId: this.clientId, mutations: sent, cursor: this.cursor }));
    this.outstanding = sent;
    this.outstandingFresh = sent.filter((m) => !this.sent.has(m.id)).map((m) => m.id);
    for (const m of sent) this.sent.add(m.id);
    let res: HttpAnswer;
    try {
      res = await post(agent, `${url}/api/sync`, body, this.token);
    } catch (e) {
      return { kind: 'failed', retry: true, message: (e as Error).message };
    } finally {
      this.outstanding = null;
      this.outstandingFresh = [];
    }
    if (res.status !== 200) return { kind: 'failed', retry: res.status >= 500, message: `${res.status} ${res.body.slice(0, 300)}` };
    let answer: SyncResponse;
    try {
      answer = syncResponseSchema.parse(JSON.parse(res.body));
    } catch (e) {
      return { kind: 'failed', retry: false, message: `unparsable answer: ${(e as Error).message}` };
    }
    const results = new Map(answer.results.map((r) => [r.mutationId, r]));
    for (const m of sent) {
      const result = results.get(m.id);
      if (!result) continue;
      const at = this.outbox.findIndex((e) => e.mutation.id === m.id);
      const [entry] = this.outbox.splice(at, 1);
      this.sent.delete(m.id);
      this.answered.push({ mutation: m, kind: entry!.kind, status: result.status, reason: result.reason });
    }
    for (const ch of answer.changes) if (ch.table === 'progress' && ch.id === this.plan.shared.id) this.sharedServer = String(ch.record.next ?? '');
    this.cursor = answer.cursor;
    return { kind: 'ok', hasMore: answer.hasMore };
  }
}

/** Counts of the final check; `problems` lists every edit lost or applied more than once. */
export interface FleetCheck {
  mutations: number;
  notes: number;
  counters: number;
  sharedApplied: number;
  sharedConflicts: number;
  unanswered: number;
  /** Edits not on the server (unanswered ones included). */
  lost: number;
  /** Edits on the server more than once. */
  duplicated: number;
  problems: string[];
}

/**
 * Checks every device's edits against everything pulled from the server: each mutation
 * answered (none pending, none rejected), and on the server exactly once: one history row per
 * applied mutation, each note once, each counter's history one unbroken chain ending at the
 * device's count, each shared-field edit either applied (history) or kept (conflict), not both.
 */
export function checkFleet(devices: readonly Device[], changes: readonly Change[]): FleetCheck {
  const problems: string[] = [];
  const check: FleetCheck = { mutations: 0, notes: 0, counters: 0, sharedApplied: 0, sharedConflicts: 0, unanswered: 0, lost: 0, duplicated: 0, problems };
  const copies = (n: number) => {
    if (n === 0) check.lost++;
    if (n > 1) check.duplicated++;
  };
  // history:<mutationId>, or history:<mutationId>:<uuid> were an id ever taken twice.
  const history = new Map<string, Change['record'][]>();
  const conflicts = new Map<string, Change['record'][]>();
  const noteTexts = new Map<string, number>();
  const records = new Map<string, Change['record']>();
  for (const ch of changes) {
    if (ch.table === 'history' || ch.table === 'conflicts') {
      const mutationId = ch.id.split(':')[1]!;
      const map = ch.table === 'history' ? history : conflicts;
      map.set(mutationId, [...(map.get(mutationId) ?? []), ch.record]);
    } else {
      if (ch.table === 'notes') noteTexts.set(String(ch.record.text), (noteTexts.get(String(ch.record.text)) ?? 0) + 1);
      records.set(`${ch.table}/${ch.id}`, ch.record);
    }
  }
  for (const d of devices) {
    check.unanswered += d.pending;
    check.lost += d.pending;
    if (d.pending) problems.push(`${d.name}: ${d.pending} edits never answered`);
    let previous: unknown = null;
    let counterId: string | null = null;
    for (const a of d.answered) {
      check.mutations++;
      const { mutation: m } = a;
      const h = history.get(m.id) ?? [];
      const c = conflicts.get(m.id) ?? [];
      const label = `${d.name} seq ${m.seq} (${a.kind} ${m.id})`;
      if (a.status === 'rejected') problems.push(`${label}: rejected: ${a.reason}`);
      if (a.kind === 'note') {
        check.notes++;
        const count = noteTexts.get(String(m.changes.text)) ?? 0;
        copies(Math.min(count, h.length) === 0 ? 0 : Math.max(count, h.length));
        if (count !== 1 || h.length !== 1 || a.status !== 'applied')
          problems.push(`${label}: note on the server ${count}×, ${h.length} history rows, answered ${a.status}`);
      } else if (a.kind === 'counter') {
        check.counters++;
        counterId = m.recordId;
        const to = (h[0]?.changes as Record<string, { from: unknown; to: unknown }> | undefined)?.value;
        copies(h.length);
        if (h.length !== 1 || c.length !== 0 || a.status !== 'applied')
          problems.push(`${label}: ${h.length} history rows, ${c.length} conflicts, answered ${a.status}`);
        else if (to?.from !== previous || to?.to !== m.changes.value)
          problems.push(`${label}: history says ${JSON.stringify(to)}, expected ${JSON.stringify(previous)} → ${JSON.stringify(m.changes.value)}`);
        previous = m.changes.value;
      } else {
        const kept = a.status === 'conflict' ? c : h;
        copies(h.length + c.length);
        if (a.status === 'conflict') check.sharedConflicts++;
        else check.sharedApplied++;
        if (kept.length !== 1 || h.length + c.length !== 1) problems.push(`${label}: answered ${a.status}, ${h.length} history rows, ${c.length} conflicts`);
      }
    }
    if (counterId !== null) {
      const value = records.get(`measurements/${counterId}`)?.value;
      if (value !== d.counter) problems.push(`${d.name}: counter on the server is ${JSON.stringify(value)}, on the device ${d.counter}`);
    }
  }
  return check;
}
