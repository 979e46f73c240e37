// Property: devices of three branches (some of them signed in as people with roles in two
// branches, so that one cursor covers several branches) sync through two server processes on
// one PostgreSQL schema. fast-check draws interleavings of round trips: which device goes next,
// through which instance (a device switches instance freely: the cursor is opaque), with which
// edits (progress fields and notes of its branches' plans) and how small a page (pullLimit 1–5,
// so pulls span pages), several round trips in flight at once on both instances. Then every
// device drains (pulls until hasMore is false), and:
//   1. no pull skips a change: every device holds every record of its branches exactly as the
//      database holds it (data and version), and nothing else;
//   2. no pull repeats a change: a device never receives the same (table, id, version) twice,
//      and the versions of one record it receives strictly increase;
//   3. a device only ever receives records of the branches it has a role in;
//   4. devices of the same branches hold the same records.
// Nothing here depends on how versions of different branches compare, nor on the cursor's
// format: only on a record's versions growing along its own history. Runs are bounded; the seed
// is fixed (BRANCHES_PROPERTY_SEED, BRANCHES_PROPERTY_RUNS override it and the number of runs).
// Runs share the two servers and the schema (each run's devices are new and start from nothing),
// so a failing run is not shrunk (endOnFailure): fast-check prints its seed and the groups drawn.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parsePlanFile, type PlanFile } from '../../src/model/plan-file';
import { PROTOCOL_VERSION, syncRequestSchema, syncResponseSchema, type Change, type Mutation, type Role } from '../../src/model/protocol';
import { progressId, RECORD_TABLES, type Evaluation } from '../../src/model/schemas';
import { createUser } from '../../src/server/accounts';
import { importPlan } from '../../src/server/plan-import';
import { KNOWN_VERSIONS_TTL_MS } from '../../src/server/storage/kysely-storage';
import { openPostgresStorage, type PostgresStorage } from '../../src/server/storage/postgres';
import demoFile from '../../src/demo/tokyo-r6.plan.json';
import { client, PASSWORD, progressCreate, T0, TEST_PASSWORD_COST } from './helpers';
import { startPostgresInstances, stopInstance, type Instance } from './instances';
import { describePostgres } from './postgres-env';
import { keepAliveAgent, login, post } from './sync-clients';

const NUM_RUNS = Number(process.env.BRANCHES_PROPERTY_RUNS ?? 40);
const SEED = Number(process.env.BRANCHES_PROPERTY_SEED ?? 20_261_202);

const BRANCHES = ['alpha', 'beta', 'gamma'] as const;
type BranchId = (typeof BRANCHES)[number];
const planOf = (branch: string) => `${branch}-2024`;
/** Items of each (trimmed) plan and the periods of its fiscal year: few, so devices meet on the same fields. */
const ITEMS = ['p1-s1-i1', 'p1-s1-i2', 'p1-s1-i3'] as const;
const PERIODS = ['2024-H1', '2024-H2'] as const;
const EVALUATIONS: Evaluation[] = ['○', '△', '－'];

/** Accounts: one or two per branch, and two with roles in two branches (their cursor spans both). */
const USERS: { email: string; roles: [BranchId, Role][] }[] = [
  { email: 'alpha-staff@test', roles: [['alpha', 'staff']] },
  { email: 'beta-staff@test', roles: [['beta', 'staff']] },
  { email: 'gamma-staff@test', roles: [['gamma', 'staff']] },
  { email: 'gamma-lead@test', roles: [['gamma', 'lead']] },
  {
    email: 'alpha-beta@test',
    roles: [
      ['alpha', 'admin'],
      ['beta', 'staff'],
    ],
  },
  {
    email: 'beta-gamma@test',
    roles: [
      ['beta', 'lead'],
      ['gamma', 'staff'],
    ],
  },
];
/** Devices, by the index of their user: eight, two of some accounts. */
const DEVICE_USERS = [0, 0, 1, 2, 3, 4, 4, 5] as const;

/** A small plan: the demo plan's first three items with their progress, no KPIs, notes or measurements. */
function smallPlan(): PlanFile {
  const parsed = parsePlanFile(demoFile);
  if (!parsed.ok) throw new Error('demo plan does not parse');
  const file = parsed.file;
  const top = file.sections[0]!;
  const sub = top.sections![0]!;
  const keep = new Set<string>(ITEMS);
  return {
    ...file,
    plan: { ...file.plan, demo: false },
    sections: [{ ...top, sections: [{ ...sub, items: sub.items!.filter((i) => keep.has(i.id)) }] }],
    kpis: [],
    progress: (file.progress ?? []).filter((p) => keep.has(p.item)),
    notes: [],
    measurements: [],
  } as PlanFile;
}

type Edit =
  | { kind: 'progress'; plan: number; item: number; period: number; field: 'evaluation' | 'done' | 'next'; evaluation: number }
  | { kind: 'note'; plan: number; item: number };
/** One round trip of one device, and `more` further pull-only ones while hasMore (each through either instance). */
interface Step {
  device: number;
  instance: number;
  pullLimit: number;
  edits: Edit[];
  more: number[];
}

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('progress' as const),
      plan: fc.nat({ max: 1 }),
      item: fc.nat({ max: ITEMS.length - 1 }),
      period: fc.nat({ max: PERIODS.length - 1 }),
      field: fc.constantFrom('evaluation' as const, 'done' as const, 'next' as const),
      evaluation: fc.nat({ max: EVALUATIONS.length - 1 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('note' as const), plan: fc.nat({ max: 1 }), item: fc.nat({ max: ITEMS.length - 1 }) }) },
);
const stepArb = (device: number): fc.Arbitrary<Step> =>
  fc.record({
    device: fc.constant(device),
    instance: fc.nat({ max: 1 }),
    pullLimit: fc.integer({ min: 1, max: 5 }),
    edits: fc.array(editArb, { maxLength: 3 }),
    more: fc.array(fc.nat({ max: 1 }), { maxLength: 2 }),
  });
/** A few round trips in flight at once, of different devices (a device never has two out at once). */
const groupArb: fc.Arbitrary<Step[]> = fc
  .uniqueArray(fc.nat({ max: DEVICE_USERS.length - 1 }), { minLength: 1, maxLength: 4 })
  .chain((devices) => fc.tuple(...devices.map(stepArb)));

type Row = Record<string, unknown>;
const keyOf = (table: string, id: string) => `${table}/${id}`;
/** The plan a pulled record belongs to (a plan is its own plan). */
const planIdOf = (ch: Change) => (ch.table === 'plans' ? ch.id : String(ch.record.planId));

/** What the runs did, printed at the end and checked for coverage (the property must not hold vacuously). */
const stats = {
  runs: 0,
  roundTrips: 0,
  pagesWithMore: 0,
  changesReceived: 0,
  mutations: 0,
  conflicts: 0,
  multiBranchPages: 0,
  instanceSwitches: 0,
  concurrentGroups: 0,
  /** Drains that ended before the instance heard of the last commits, and pulled them a moment later. */
  lateDrains: 0,
};

/** A device as the protocol sees it: a client id, a seq counter, a cursor and the records it pulled. */
class Device {
  readonly c: ReturnType<typeof client>;
  private cursor: string | null = null;
  readonly records = new Map<string, { version: number; record: Row }>();
  /** Every (table, id, version) received, and the latest version received of each record. */
  private readonly received = new Set<string>();
  private readonly latest = new Map<string, number>();
  private edits = 0;
  private lastInstance: Instance | null = null;

  constructor(
    readonly index: number,
    readonly name: string,
    readonly branches: readonly BranchId[],
    private readonly token: string,
    private readonly agent: Agent,
  ) {
    this.c = client(name);
  }

  /** A mutation of the device's copy of a record, as an app would send it. */
  mutation(edit: Edit): Mutation {
    const n = ++this.edits;
    const planId = planOf(this.branches[edit.plan % this.branches.length]!);
    const itemId = `${planId}/${ITEMS[edit.item]}`;
    if (edit.kind === 'note') {
      const id = `note-${this.c.clientId}-${n}`;
      const fields = { planId, itemId, date: '2024-06-01', author: this.name, text: `${this.name} のメモ ${n}` };
      return this.c.m({ table: 'notes', recordId: id, planId, changes: fields, base: {}, create: { id, ...fields, createdAt: '2000-01-01' } });
    }
    const periodId = PERIODS[edit.period]!;
    const value = edit.field === 'evaluation' ? EVALUATIONS[edit.evaluation]! : `${this.name} ${this.c.clientId.slice(-4)} ${n}`;
    const local = this.records.get(keyOf('progress', progressId(itemId, periodId)))?.record;
    if (!local) return this.c.m(progressCreate(itemId, periodId, { [edit.field]: value }, planId));
    return this.c.m({ recordId: progressId(itemId, periodId), planId, changes: { [edit.field]: value }, base: { [edit.field]: local[edit.field] } });
  }

  /** One round trip; checks invariants 2 and 3 on every change it brings. */
  async sync(instance: Instance, mutations: Mutation[], pullLimit: number): Promise<boolean> {
    const body = JSON.stringify(
      syncRequestSchema.parse({ protocolVersion: PROTOCOL_VERSION, clientId: this.c.clientId, mutations, cursor: this.cursor, pullLimit }),
    );
    const res = await post(this.agent, `${instance.url}/api/sync`, body, this.token);
    if (res.status !== 200) throw new Error(`${this.name}: sync on ${instance.name} answered ${res.status}: ${res.body.slice(0, 300)}`);
    const answer = syncResponseSchema.parse(JSON.parse(res.body));
    // The cursor either instance made is one the other understands.
    expect(answer.reset, `${this.name}: reset on ${instance.name}`).toBe(false);
    // Every edit went in (or was kept as a conflict): the run really writes.
    expect(
      answer.results.filter((r) => r.status === 'rejected'),
      `${this.name}: rejected`,
    ).toEqual([]);
    expect(answer.changes.length).toBeLessThanOrEqual(pullLimit);
    stats.roundTrips++;
    stats.mutations += mutations.length;
    stats.conflicts += answer.results.filter((r) => r.status === 'conflict').length;
    stats.changesReceived += answer.changes.length;
    if (answer.hasMore) stats.pagesWithMore++;
    if (new Set(answer.changes.map((ch) => planIdOf(ch))).size > 1) stats.multiBranchPages++;
    if (this.lastInstance && this.lastInstance !== instance) stats.instanceSwitches++;
    this.lastInstance = instance;
    for (const ch of answer.changes) {
      const label = `${this.name} (${this.branches.join('+')}) received ${ch.table} ${ch.id} v${ch.version} from ${instance.name}`;
      const branch = planIdOf(ch).split('-')[0];
      expect(this.branches as readonly string[], `${label}: not its branch`).toContain(branch);
      const versionKey = `${keyOf(ch.table, ch.id)}#${ch.version}`;
      expect(this.received.has(versionKey), `${label}: twice`).toBe(false);
      this.received.add(versionKey);
      const before = this.latest.get(keyOf(ch.table, ch.id));
      if (before !== undefined) expect(ch.version, `${label}: after v${before}`).toBeGreaterThan(before);
      this.latest.set(keyOf(ch.table, ch.id), ch.version);
      this.records.set(keyOf(ch.table, ch.id), { version: ch.version, record: ch.record });
    }
    this.cursor = answer.cursor;
    return answer.hasMore;
  }

  async step(instances: readonly Instance[], step: Step): Promise<void> {
    let hasMore = await this.sync(
      instances[step.instance]!,
      step.edits.map((e) => this.mutation(e)),
      step.pullLimit,
    );
    for (const i of step.more) {
      if (!hasMore) return;
      hasMore = await this.sync(instances[i]!, [], step.pullLimit);
    }
  }

  /** Pulls until hasMore is false, alternating instances. */
  async drain(instances: readonly Instance[], pullLimit: number): Promise<void> {
    for (let page = 0; await this.sync(instances[page % 2]!, [], pullLimit); page++);
  }
}

describePostgres('devices of several branches on two instances (property)', (env) => {
  let instances: Instance[] = [];
  let storage: PostgresStorage | undefined;
  let dataDir: string;
  let agent: Agent;
  const tokens: string[] = [];

  beforeAll(async () => {
    const databaseUrl = env.urlWithSchema(env.newSchema());
    dataDir = await mkdtemp(join(tmpdir(), 'tracker-branches-'));
    agent = keepAliveAgent(16);
    instances = await startPostgresInstances(databaseUrl, dataDir, 4);

    storage = await openPostgresStorage(databaseUrl);
    const file = smallPlan();
    for (const branch of BRANCHES) {
      await storage.addBranch({ id: branch, name: `${branch} 支部`, createdAt: T0.toISOString() });
      let n = 0;
      await importPlan(storage, { branchId: branch, planId: planOf(branch), file, now: T0, author: '取込', newId: () => `${planOf(branch)}/note-${++n}` });
    }
    for (const u of USERS) {
      const user = await createUser(storage, { email: u.email, name: u.email.split('@')[0]!, password: PASSWORD }, T0, TEST_PASSWORD_COST);
      for (const [branchId, role] of u.roles) await storage.setMembership({ userId: user.id, branchId, role });
    }
    // One login per device, through either instance: a token is good on both.
    for (const [d, u] of DEVICE_USERS.entries()) tokens.push(await login(agent, instances[d % 2]!.url, USERS[u]!.email, PASSWORD));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(instances.map(stopInstance));
    await storage?.close();
    agent?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** What the database holds of these branches, by table/id. */
  async function truthOf(branches: readonly string[]): Promise<Map<string, { version: number; record: Row }>> {
    const out = new Map<string, { version: number; record: Row }>();
    for (const table of RECORD_TABLES)
      for (const r of await storage!.recordsOfTable(table))
        if (branches.includes(r.branchId)) out.set(keyOf(r.table, r.id), { version: r.version, record: JSON.parse(r.data) as Row });
    return out;
  }

  it('S20: no pull skips or repeats a change, each device reads only its branches, and every device converges', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(groupArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5 }), async (groups, drainLimit) => {
        runs++;
        stats.runs++;
        // Fresh devices each run (new client ids, no cursor) on what earlier runs left; the
        // first pull takes everything at once, the drawn ones then go in pages of 1–5.
        const devices = DEVICE_USERS.map((u, i) => {
          const user = USERS[u]!;
          return new Device(
            i,
            `d${i}:${user.email.split('@')[0]}`,
            user.roles.map(([b]) => b),
            tokens[i]!,
            agent,
          );
        });
        await Promise.all(devices.map((d, i) => d.drain([instances[i % 2]!, instances[(i + 1) % 2]!], 1000)));
        stats.concurrentGroups += groups.filter((g) => g.length > 1).length;
        for (const group of groups) await Promise.all(group.map((s) => devices[s.device]!.step(instances, s)));
        // Drain, also several devices at once, each starting on either instance. An instance
        // hears of the other's commits by LISTEN/NOTIFY, a moment after the device that made one
        // had its answer (at the latest, it reads the counters after KNOWN_VERSIONS_TTL_MS): a
        // drain that ended just before that pulls the rest when drained again. A skipped change
        // never comes, however long one waits.
        const drainAll = () => Promise.all(devices.map((d, i) => d.drain([instances[(i + runs) % 2]!, instances[(i + runs + 1) % 2]!], drainLimit * 4)));
        await drainAll();
        const converged = async () => {
          for (const d of devices) if (!isDeepStrictEqual(d.records, await truthOf(d.branches))) return false;
          return true;
        };
        for (const until = performance.now() + 2 * KNOWN_VERSIONS_TTL_MS; !(await converged()) && performance.now() < until; ) {
          stats.lateDrains++;
          await sleep(50);
          await drainAll();
        }

        const bySet = new Map<string, Device[]>();
        for (const d of devices) {
          const set = [...d.branches].sort().join('+');
          bySet.set(set, [...(bySet.get(set) ?? []), d]);
          // 1: nothing skipped, nothing of another branch, every record at its stored version.
          expect(d.records, `${d.name}: its records and the database's`).toEqual(await truthOf(d.branches));
        }
        // 4: devices of the same branches hold the same.
        for (const [set, same] of bySet) for (const d of same.slice(1)) expect(d.records, `${d.name} and ${same[0]!.name} (${set})`).toEqual(same[0]!.records);
      }),
      { numRuns: NUM_RUNS, seed: SEED, endOnFailure: true },
    );
    console.log(`branches property: ${JSON.stringify(stats)}`);
    // Coverage: pages were split, pages mixed branches, devices switched instance, round trips overlapped.
    expect(stats.pagesWithMore).toBeGreaterThan(0);
    expect(stats.multiBranchPages).toBeGreaterThan(0);
    expect(stats.instanceSwitches).toBeGreaterThan(0);
    expect(stats.concurrentGroups).toBeGreaterThan(0);
  }, 150_000);
});
