// Two server processes (src/server/main.ts, as deployed) on one PostgreSQL schema serve the
// same devices. Both start at once on a new schema (they must agree on creating and migrating
// it); then every device, concurrently with the others, pushes to one instance and pulls from
// the other, alternating, sometimes replaying a batch whose answer it "lost" to the other
// instance. At the end every device holds exactly what the database holds, each device saw
// every version once and in increasing order (no cursor skipped a change made through the other
// instance), each device's mutations were applied in its seq order, none twice, and every
// contested edit is either applied or kept as a conflict record.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '../../src/server/accounts';
import { DEMO_BRANCH, DEMO_PASSWORD, seedDemo } from '../../src/server/demo';
import { openPostgresStorage, type PostgresStorage } from '../../src/server/storage/postgres';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { progressId } from '../../src/model/schemas';
import { PROTOCOL_VERSION, syncResponseSchema, type Mutation, type MutationResult, type SyncResponse } from '../../src/model/protocol';
import { client, ITEM, PASSWORD, progressCreate, TEST_PASSWORD_COST } from './helpers';
import { startPostgresInstances, stopInstance, type Instance } from './instances';
import { describePostgres } from './postgres-env';

const ROUNDS = 8;
/** Every device edits this record's `next` with the base it last pulled: the contested field. */
const SHARED = progressId(ITEM, '2024-H1');
/** A period of the demo plan it has no progress for: each device creates its own record there. */
const PERIOD = '2024-H2';

/**
 * Device i's value of the shared field in round r, in ten private-use code points of its own:
 * no two devices' values share a character, so their edits always overlap in the text merge and
 * each is applied (with a history row) or kept as a conflict, never absorbed unrecorded.
 */
function sharedValue(device: number, round: number): string {
  return [...String(round)].map((digit) => String.fromCodePoint(0xe000 + 10 * device + Number(digit))).join('');
}
const DEVICES = [
  { email: 'lead@demo', password: DEMO_PASSWORD, item: `${DEMO_PLAN_ID}/p1-s1-i1` },
  { email: 'staff@demo', password: DEMO_PASSWORD, item: `${DEMO_PLAN_ID}/p1-s1-i2` },
  { email: 'staff2@test', password: PASSWORD, item: `${DEMO_PLAN_ID}/p1-s1-i3` },
  { email: 'staff3@test', password: PASSWORD, item: `${DEMO_PLAN_ID}/p1-s2-c1-i1` },
];

async function post(instance: Instance, path: string, body: unknown, token?: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${instance.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

interface Sent {
  m: Mutation;
  result: MutationResult;
}

/** A device: its token, its outbox counter, and the records it pulled (as the client database keeps them). */
class Device {
  readonly records = new Map<string, { version: number; record: Record<string, unknown> }>();
  /** Every version pulled, in the order pulled. */
  readonly received: number[] = [];
  readonly sent: Sent[] = [];
  readonly c: ReturnType<typeof client>;
  private cursor: string | null = null;

  constructor(
    readonly name: string,
    readonly item: string,
    readonly token: string,
  ) {
    this.c = client(name);
  }

  local(table: string, id: string): Record<string, unknown> {
    const found = this.records.get(`${table}/${id}`);
    if (!found) throw new Error(`${this.name} has not pulled ${table}/${id}`);
    return found.record;
  }

  async sync(instance: Instance, mutations: Mutation[]): Promise<SyncResponse> {
    const { status, json } = await post(
      instance,
      '/api/sync',
      { protocolVersion: PROTOCOL_VERSION, clientId: this.c.clientId, mutations, cursor: this.cursor },
      this.token,
    );
    if (status !== 200) throw new Error(`${this.name}: sync on ${instance.name} answered ${status}: ${JSON.stringify(json)}`);
    const res = syncResponseSchema.parse(json);
    // A cursor made by the other instance is one this instance understands.
    expect(res.reset).toBe(false);
    for (const ch of res.changes) {
      this.received.push(ch.version);
      this.records.set(`${ch.table}/${ch.id}`, { version: ch.version, record: ch.record });
    }
    this.cursor = res.cursor;
    return res;
  }

  async pullAll(instance: Instance): Promise<void> {
    while ((await this.sync(instance, [])).hasMore);
  }
}

function note(id: string, text: string): Pick<Mutation, 'table' | 'recordId' | 'planId' | 'changes' | 'base' | 'create'> {
  const fields = { planId: DEMO_PLAN_ID, itemId: ITEM, date: '2026-04-30', author: 'device', text };
  return { table: 'notes', recordId: id, planId: DEMO_PLAN_ID, changes: fields, base: {}, create: { id, ...fields, createdAt: '2000-01-01' } };
}

describePostgres('two server instances on one PostgreSQL', (env) => {
  let instances: Instance[] = [];
  let storage: PostgresStorage | undefined;
  let dataDir: string;

  beforeAll(async () => {
    const databaseUrl = env.urlWithSchema(env.newSchema());
    dataDir = await mkdtemp(join(tmpdir(), 'tracker-two-'));
    instances = await startPostgresInstances(databaseUrl, dataDir, 4);

    storage = await openPostgresStorage(databaseUrl);
    const now = new Date();
    await seedDemo(storage, now, TEST_PASSWORD_COST);
    for (const d of DEVICES.filter((d) => d.email.endsWith('@test'))) {
      const user = await createUser(storage, { email: d.email, name: d.email, password: d.password }, now, TEST_PASSWORD_COST);
      await storage.setMembership({ userId: user.id, branchId: DEMO_BRANCH.id, role: 'staff' });
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(instances.map(stopInstance));
    await storage?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('S2, S19: serve the same devices: all converge, no cursor skips a change, mutations apply once and in order', async () => {
    const [a, b] = instances as [Instance, Instance];
    const devices = await Promise.all(
      DEVICES.map(async (d, i) => {
        // A token issued by one instance is good on the other.
        const { status, json } = await post(i % 2 ? b : a, '/api/login', { email: d.email, password: d.password });
        expect(status).toBe(200);
        return new Device(d.email, d.item, (json as { token: string }).token);
      }),
    );
    await Promise.all(devices.map((d, i) => d.pullAll(i % 2 ? a : b)));

    await Promise.all(
      devices.map(async (d, i) => {
        for (let r = 0; r < ROUNDS; r++) {
          const [pushTo, pullFrom] = (r + i) % 2 ? [b, a] : [a, b];
          const own = progressId(d.item, PERIOD);
          const batch = [
            d.c.m(
              r === 0
                ? progressCreate(d.item, PERIOD, { done: `${d.name} r0` })
                : { recordId: own, changes: { done: `${d.name} r${r}` }, base: { done: d.local('progress', own).done } },
            ),
            d.c.m(note(`note-${i}-${r}`, `${d.name} の訪問 ${r}`)),
            d.c.m({ recordId: SHARED, changes: { next: sharedValue(i, r) }, base: { next: d.local('progress', SHARED).next } }),
          ];
          const res = await d.sync(pushTo, batch);
          expect(res.results.map((x) => x.status).slice(0, 2)).toEqual(['applied', 'applied']);
          expect(['applied', 'conflict']).toContain(res.results[2]!.status);
          for (const [k, m] of batch.entries()) d.sent.push({ m, result: res.results[k]! });
          if ((r + i) % 3 === 0) {
            // The answer was lost: the device sends the batch again, this time to the other instance.
            expect((await d.sync(pullFrom, batch)).results).toEqual(res.results);
          }
          await d.pullAll(pullFrom);
        }
      }),
    );
    await Promise.all(devices.map((d, i) => d.pullAll(i % 2 ? a : b)));

    const db = storage!;
    const page = await db.changesSince(Object.fromEntries([DEMO_BRANCH.id].map((b) => [b, 0])), 100_000);
    expect(page.hasMore).toBe(false);
    const truth = new Map(page.records.map((r) => [`${r.table}/${r.id}`, { version: r.version, record: JSON.parse(r.data) as Record<string, unknown> }]));
    const maxVersion = await db.branchVersions(['demo-tokyo']).then((v) => v['demo-tokyo']);
    for (const d of devices) {
      // Converged: the device holds every record at its latest version, nothing more.
      expect(d.records).toEqual(truth);
      // Cursor order: each version arrived once, in increasing order, across both instances.
      expect(d.received.every((v, k) => k === 0 || v > d.received[k - 1]!)).toBe(true);
      expect(d.received.at(-1)).toBe(maxVersion);
      expect(d.local('progress', progressId(d.item, PERIOD)).done).toBe(`${d.name} r${ROUNDS - 1}`);
    }

    // Written once each: a second apply would have written a second history row (history:<id>:<uuid>).
    const history = (await db.recordsOfTable('history')).map((r) => r.id);
    expect(history.filter((id) => id.split(':').length !== 2)).toEqual([]);
    for (const d of devices) {
      const versions: number[] = [];
      for (const { m, result } of d.sent) {
        const historyRow = await db.getRecord('history', `history:${m.id}`);
        const conflict = await db.getRecord('conflicts', `conflict:${m.id}:next`);
        if (result.status === 'applied') {
          expect(historyRow, `${d.name} ${m.recordId}`).toBeDefined();
          expect(conflict).toBeUndefined();
          versions.push(historyRow!.version);
        } else {
          // No edit is dropped: the losing value is kept for a person to resolve.
          expect(historyRow).toBeUndefined();
          expect(JSON.parse(conflict!.data)).toMatchObject({ recordId: SHARED, field: 'next', clientValue: m.changes.next });
        }
      }
      // Mutation order: the device's mutations were applied in seq order, whichever instance took them.
      expect(versions).toEqual([...versions].sort((x, y) => x - y));
    }
    const notes = (await db.recordsOfTable('notes')).filter((r) => r.id.startsWith('note-'));
    expect(notes).toHaveLength(DEVICES.length * ROUNDS);

    // Replaying every device's last batch, to either instance, changes nothing.
    await Promise.all(
      devices.map(async (d, i) => {
        const last = d.sent.slice(-3);
        const res = await d.sync(
          i % 2 ? a : b,
          last.map((s) => s.m),
        );
        expect(res.results).toEqual(last.map((s) => s.result));
      }),
    );
    expect(await db.branchVersions(['demo-tokyo']).then((v) => v['demo-tokyo'])).toBe(maxVersion);
  }, 120_000);
});
