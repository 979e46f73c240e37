// The live channel across two server processes (src/server/main.ts) on one PostgreSQL: a commit
// made through instance A is signalled at once to the event streams open on B (and to A's),
// through PostgreSQL LISTEN/NOTIFY, and never to the streams of another branch; presence told
// to one instance reaches the branch's people connected to the other.
// Each test is given 30 s: logins hash passwords with scrypt, which is slow on a busy machine.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { createUser } from '../../../src/server/accounts';
import { DEMO_BRANCH, DEMO_PASSWORD, seedDemo } from '../../../src/server/demo';
import { channelOf, postgresBus, type BusMessage } from '../../../src/server/live/bus';
import { silentLogger } from '../../../src/server/log';
import { openPostgresStorage, splitSchemaParam, type PostgresStorage } from '../../../src/server/storage/postgres';
import { DEMO_PLAN_ID } from '../../../src/model/demo';
import { PROTOCOL_VERSION } from '../../../src/model/protocol';
import { client, ITEM, PASSWORD } from '../helpers';
import { startPostgresInstances, stopInstance, type Instance } from '../instances';
import { EventLog, isChange, isHello, presenceOf } from '../live-clients';
import { describePostgres } from '../postgres-env';

const OTHER_BRANCH = 'osaka';

async function post(instance: Instance, path: string, body: unknown, token?: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${instance.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

describePostgres('the live channel across two server instances on one PostgreSQL', (env) => {
  let instances: Instance[] = [];
  let storage: PostgresStorage | undefined;
  let dataDir: string;
  const logs: EventLog[] = [];

  beforeAll(async () => {
    const databaseUrl = env.urlWithSchema(env.newSchema());
    dataDir = await mkdtemp(join(tmpdir(), 'tracker-live-'));
    instances = await startPostgresInstances(databaseUrl, dataDir, 2);
    storage = await openPostgresStorage(databaseUrl);
    const now = new Date();
    await seedDemo(storage, now);
    await storage.addBranch({ id: OTHER_BRANCH, name: '大阪支部', createdAt: now.toISOString() });
    const other = await createUser(storage, { email: 'other@test', name: '大阪 花子', password: PASSWORD }, now);
    await storage.setMembership({ userId: other.id, branchId: OTHER_BRANCH, role: 'lead' });
  }, 120_000);

  afterEach(() => {
    for (const l of logs.splice(0)) l.close();
  });

  afterAll(async () => {
    await Promise.all(instances.map(stopInstance));
    await storage?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function login(instance: Instance, email: string, password: string): Promise<string> {
    const { status, json } = await post(instance, '/api/login', { email, password });
    expect(status).toBe(200);
    return (json as { token: string }).token;
  }

  function open(instance: Instance, token: string, clientId: string): EventLog {
    const log = new EventLog((url, init) => fetch(url, init), token, clientId, instance.url);
    logs.push(log);
    return log;
  }

  it('S37, S41: signals a commit on one instance to the branch devices on both, and to no other branch', async () => {
    const [a, b] = instances as [Instance, Instance];
    const staff = await login(a, 'staff@demo', DEMO_PASSWORD);
    const lead = await login(b, 'lead@demo', DEMO_PASSWORD);
    const osaka = await login(b, 'other@test', PASSWORD);
    const onB = open(b, lead, client('lead-on-b').clientId);
    const onA = open(a, lead, client('lead-on-a').clientId);
    const osakaOnB = open(b, osaka, client('osaka-on-b').clientId);
    for (const l of [onB, onA, osakaOnB]) await l.until(isHello);

    const pusher = client('pusher');
    const { status } = await post(
      a,
      '/api/sync',
      { protocolVersion: PROTOCOL_VERSION, clientId: pusher.clientId, cursor: null, mutations: [pusher.m({ changes: { done: 'Aから' }, base: { done: '' } })] },
      staff,
    );
    expect(status).toBe(200);
    // S49: the commit's page goes to A's streams; B's are signalled without it, and pull.
    const onBEvent = (await onB.until(isChange(DEMO_BRANCH.id))).event;
    const onAEvent = (await onA.until(isChange(DEMO_BRANCH.id))).event;
    expect(onAEvent.type === 'change' && onAEvent.page !== undefined && onAEvent.page.changes.length > 0).toBe(true);
    const { page: _, ...signal } = onAEvent as Extract<typeof onAEvent, { type: 'change' }>;
    expect(onBEvent).toEqual(signal);

    // Presence in Osaka, told to A after the commit, reaches Osaka's stream on B; the messages
    // cross in order, so had the demo branch's signal gone to Osaka it would have come first.
    expect(
      (await post(a, '/api/presence', { sessionId: 'osaka-tab-1', at: { branchId: OTHER_BRANCH, planId: 'osaka-plan', itemId: null, field: null } }, osaka))
        .status,
    ).toBe(204);
    await osakaOnB.until(presenceOf(OTHER_BRANCH, (e) => e.length === 1));
    expect(osakaOnB.changes()).toEqual([]);
  }, 30_000);

  it('S49: never puts a commit’s pages on the channel, and takes none from it', async () => {
    const schema = env.newSchema();
    const url = splitSchemaParam(env.url).url;
    const [one, two] = await Promise.all([postgresBus(url, schema, silentLogger), postgresBus(url, schema, silentLogger)]);
    const heard: BusMessage[] = [];
    two.subscribe((m) => heard.push(m));
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (n) => {
      if (n.payload?.includes('"change"')) payloads.push(n.payload);
    });
    await listener.query(`listen ${channelOf(schema)}`);
    const page = { after: 'v2.db.-.b1:1', cursor: 'v2.db.-.b1:2', changes: '{"table":"notes","id":"n1","version":2,"record":{"id":"n1","text":"秘"}}' };
    try {
      one.publish({ kind: 'change', branches: ['b1'], versions: { b1: 2 }, clientId: null, pages: { b1: page } });
      // Someone else who may connect to the database puts a page on the channel.
      await listener.query('select pg_notify($1, $2)', [
        channelOf(schema),
        JSON.stringify({ from: 'elsewhere', message: { kind: 'change', branches: ['b1'], versions: { b1: 3 }, clientId: null, pages: { b1: page } } }),
      ]);
      await vi.waitFor(() => expect(heard).toHaveLength(2), { timeout: 5000 });
      // Sent over two connections, so heard in either order.
      expect(heard.toSorted((x, y) => (x.kind === 'change' && y.kind === 'change' ? x.versions!.b1! - y.versions!.b1! : 0))).toEqual([
        { kind: 'change', branches: ['b1'], versions: { b1: 2 }, clientId: null },
        { kind: 'change', branches: ['b1'], versions: { b1: 3 }, clientId: null },
      ]);
      await vi.waitFor(() => expect(payloads).toHaveLength(2), { timeout: 5000 });
      const ours = payloads.filter((p) => !p.includes('elsewhere'));
      expect(ours).toHaveLength(1);
      expect(ours[0]).not.toContain('秘');
    } finally {
      await listener.end();
      await Promise.all([one.close(), two.close()]);
    }
  }, 30_000);

  it('S41: carries presence told to one instance to the branch on the other', async () => {
    const [a, b] = instances as [Instance, Instance];
    const staff = await login(b, 'staff@demo', DEMO_PASSWORD);
    const lead = await login(a, 'lead@demo', DEMO_PASSWORD);
    const onB = open(b, staff, client('staff-on-b').clientId);
    await onB.until(isHello);
    const { status } = await post(
      a,
      '/api/presence',
      { sessionId: 'lead-tab-on-a', at: { branchId: DEMO_BRANCH.id, planId: DEMO_PLAN_ID, itemId: ITEM, field: 'next' } },
      lead,
    );
    expect(status).toBe(204);
    const seen = await onB.until(presenceOf(DEMO_BRANCH.id, (e) => e.some((x) => x.sessionId === 'lead-tab-on-a' && x.field === 'next')));
    await post(a, '/api/presence', { sessionId: 'lead-tab-on-a', at: null }, lead);
    await onB.until(
      presenceOf(DEMO_BRANCH.id, (e) => e.every((x) => x.sessionId !== 'lead-tab-on-a')),
      seen.index + 1,
    );
  }, 30_000);
});
