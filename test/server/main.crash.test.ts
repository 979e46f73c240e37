// Crash test: simulated devices (sync-clients.ts: own clientId, outbox with increasing seqs,
// resent unchanged after a lost answer, as the engine does) sync under load over HTTP with the
// real server as a child process (`src/server/main.ts`), which is killed with SIGKILL while
// pushes are out and started again on the same data: odd kills at a random moment, even ones
// with a push committed but its answer not yet out (the server stopped with SIGSTOP and its
// database read). The last kill comes with the devices still editing while the server is down;
// then they stop editing and sync until their outboxes are empty. Everything is then pulled
// from the server and every edit each device made must be there exactly once (sync-clients.ts
// checkFleet: notes once, one history row per mutation, each device's counter an unbroken
// chain, each shared-field edit applied or kept as a conflict, never both, and each answer a
// device got agreeing with what the server holds); the figures must show answers lost after
// the killed server had committed (so the retry was a replay) as well as before. Runs on
// SQLite, and on PostgreSQL when postgres-env.ts provides one (TEST_DATABASE_URL; the server
// gets its own schema, dropped afterwards). Seeded (CRASH_SEED); CRASH_DEVICES and CRASH_KILLS
// change the load.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { DEMO_PASSWORD } from '../../src/server/demo';
import type { Mutation } from '../../src/model/protocol';
import { describePostgres, urlWithSchema } from './postgres-env';
import {
  backoffMs,
  checkFleet,
  Device,
  freePort,
  keepAliveAgent,
  login,
  openCommitProbe,
  planViewOf,
  pullEverything,
  seededRandom,
  ServerChild,
} from './sync-clients';

const DEVICES = Number(process.env.CRASH_DEVICES ?? 12);
const KILLS = Number(process.env.CRASH_KILLS ?? 6);
const SEED = Number(process.env.CRASH_SEED ?? 20_260_505);
/** Each server start compiles main.ts with tsx: seconds on a busy machine, per start. */
const TIMEOUT_MS = 300_000;

interface Kill {
  kind: 'random' | 'after commit' | 'no commit seen';
  at: string;
  /** Mutations of the requests out at the kill whose answer never came. */
  lost: Mutation[];
}

type ProbeTarget = { dataDir: string } | { databaseUrl: string; schema: string };

/**
 * Stops the server (SIGSTOP) again and again, a few ms apart, until it is caught with a push
 * committed in the database whose request is still out (first sent, so the commit is this
 * request's), and leaves it stopped for the kill; 'no commit seen' after 10 s.
 */
async function freezeAfterCommit(server: ServerChild, devices: readonly Device[], target: ProbeTarget): Promise<Kill['kind']> {
  const probe = await openCommitProbe(target);
  try {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      await server.freeze();
      const fresh = devices.flatMap((d) => d.outstandingFresh);
      if ((await probe.committed(fresh)).length) return 'after commit';
      server.thaw();
      await sleep(1 + Math.random() * 4);
    }
    return 'no commit seen';
  } finally {
    await probe.close();
  }
}

/** On PostgreSQL: the database (TEST_DATABASE_URL) and the schema this run works in. */
async function crashRun(label: string, database?: { url: string; schema: string }) {
  const dir = await mkdtemp(join(tmpdir(), 'tracker-crash-'));
  const logFile = join(dir, 'server.log');
  const server = new ServerChild({
    port: await freePort(),
    dataDir: dir,
    logFile,
    ...(database ? { databaseUrl: urlWithSchema(database.url, database.schema) } : {}),
  });
  const probeTarget: ProbeTarget = database ? { databaseUrl: database.url, schema: database.schema } : { dataDir: dir };
  const agent = keepAliveAgent(DEVICES + 4);
  const began = performance.now();
  /** Set when the run ends, however it ends: no device loop outlives it. */
  let over = false;
  try {
    await server.start();
    const token = await login(agent, server.url, 'staff@demo', DEMO_PASSWORD);
    const plan = planViewOf((await pullEverything(agent, server.url, token)).changes, DEMO_PLAN_ID);
    const random = seededRandom(SEED);
    const devices = Array.from({ length: DEVICES }, (_, i) => new Device(`device${i + 1}`, plan, plan.freeMeasurements[i]!, token, seededRandom(SEED + i + 1)));

    let editing = true;
    const fatal: string[] = [];
    let roundTrips = 0;
    let failedRoundTrips = 0;
    /** Per device: when its last round trip was answered. */
    const lastAnswer = devices.map(() => 0);
    const loops = devices.map(async (d, i) => {
      let failures = 0;
      while (!over) {
        if (editing) for (let n = 1 + Math.floor(random() * 3); n > 0; n--) d.edit();
        else if (d.pending === 0) return;
        const rt = await d.roundTrip(agent, server.url);
        if (rt.kind === 'ok') {
          roundTrips++;
          lastAnswer[i] = performance.now();
          failures = 0;
          // A person's next edit is not instant; keeps the server busy without starving the killer.
          if (!rt.hasMore) await sleep(random() * 20);
          continue;
        }
        if (!rt.retry) {
          fatal.push(`${d.name}: ${rt.message}`);
          return;
        }
        failedRoundTrips++;
        await sleep(backoffMs(++failures, random));
      }
    });

    const kills: Kill[] = [];
    let pendingAtLastKill = 0;
    for (let k = 1; k <= KILLS && fatal.length === 0; k++) {
      // Full load first: every device through its backoff and answered by this server.
      const started = performance.now();
      while (lastAnswer.some((t) => t < started) && fatal.length === 0) await sleep(10);
      await sleep(300 + random() * 1200);
      // Odd kills at a random moment of a push; even ones just after a push committed, before
      // its answer is out, which a retry must only replay.
      if (k % 2) while (!devices.some((d) => d.outstanding?.length)) await sleep(1);
      const kind = k % 2 ? 'random' : await freezeAfterCommit(server, devices, probeTarget);
      const out = devices.map((d) => d.outstanding);
      const at = new Date().toISOString();
      await server.kill();
      // Each request out at the kill ends now, answered (it was on its way) or failed.
      while (devices.some((d, i) => out[i] !== null && d.outstanding === out[i])) await sleep(1);
      const answered = new Set(devices.flatMap((d) => d.answered.map((a) => a.mutation.id)));
      kills.push({ kind, at, lost: out.flatMap((batch) => (batch ?? []).filter((m) => !answered.has(m.id))) });
      if (k === KILLS) {
        // The devices go on editing offline (their retries fail), then stop: what they hold now
        // must all arrive once the server is back.
        await sleep(1500);
        editing = false;
        pendingAtLastKill = devices.reduce((n, d) => n + d.pending, 0);
      } else await sleep(random() * 300);
      await server.start();
    }
    editing = false;
    await Promise.all(loops);
    expect(fatal).toEqual([]);

    const { changes } = await pullEverything(agent, server.url, token);
    const check = checkFleet(devices, changes);
    // When each lost answer's mutation reached the server: before the kill (so the retry was a
    // replay, answered from the stored result) or only with the retry.
    const stampOf = new Map<string, string>();
    for (const ch of changes) {
      if (ch.table === 'history') stampOf.set(ch.id.split(':')[1]!, String(ch.record.at));
      if (ch.table === 'conflicts') stampOf.set(ch.id.split(':')[1]!, String(ch.record.updatedAt));
    }
    const committedBefore = (k: Kill) => k.lost.filter((m) => (stampOf.get(m.id) ?? '9') < k.at).length;
    const lost = kills.reduce((n, k) => n + k.lost.length, 0);
    const replayed = kills.reduce((n, k) => n + committedBefore(k), 0);
    const figures = {
      label,
      seconds: Math.round((performance.now() - began) / 100) / 10,
      devices: DEVICES,
      kills: kills.length,
      roundTrips,
      failedRoundTrips,
      killKinds: kills.map((k) => k.kind),
      lostAnswersPerKill: kills.map((k) => k.lost.length),
      committedBeforeKillPerKill: kills.map(committedBefore),
      lostAnswersCommittedBeforeKill: replayed,
      lostAnswersAppliedOnRetry: lost - replayed,
      pendingAtLastKill,
      ...check,
      problems: check.problems.slice(0, 20),
    };
    console.log(`crash test (${label}): ${JSON.stringify(figures)}`);

    expect(kills).toHaveLength(KILLS);
    expect(check.problems).toEqual([]);
    expect({ lost: check.lost, duplicated: check.duplicated, unanswered: check.unanswered }).toEqual({ lost: 0, duplicated: 0, unanswered: 0 });
    // The kills did hit pushes: answers were lost, some after their commit, and edits waited.
    expect(lost).toBeGreaterThan(0);
    expect(replayed).toBeGreaterThan(0);
    expect(pendingAtLastKill).toBeGreaterThan(0);
  } catch (e) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    console.error(`server log (${label}), last lines:\n${log.split('\n').slice(-30).join('\n')}`);
    throw e;
  } finally {
    over = true;
    agent.destroy();
    await server.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

it('S2: keeps every edit exactly once when the SQLite server is killed mid-push and restarted', { timeout: TIMEOUT_MS }, async () => {
  await crashRun('SQLite');
});

describePostgres('crash on PostgreSQL', (env) => {
  it('S2: keeps every edit exactly once when the PostgreSQL server is killed mid-push and restarted', { timeout: TIMEOUT_MS }, async () => {
    await crashRun('PostgreSQL', { url: env.url, schema: env.newSchema() });
  });
});
