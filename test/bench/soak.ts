// `npm run bench:soak`: the server under steady load for SOAK_SECONDS (600) with SOAK_CLIENTS
// (100) simulated devices, then proof that no edit was lost. Figures, not a pass/fail test, but
// the exit code is 1 when an edit was lost or duplicated.
//
// The server runs in its own process (server-process.ts via bench-env.ts) on a new SQLite
// database, or on PostgreSQL when DATABASE_URL or BENCH_DATABASE_URL is set (in a new schema of
// it, dropped at the end). The devices are those of the crash test (test/server/sync-clients.ts:
// own clientId, an outbox with increasing seqs, notes, a counter of their own and a shared field
// per plan), ten to a branch, each branch with its own copy of the demo plan, as a deployment's
// are. Together they send SOAK_RATE (200) round trips per second, each device at its own steady
// interval, each round trip after one or two edits; latency counts from when a round trip was
// due. Every SOAK_WINDOW_SECONDS (60) it prints the window's round trips, errors, p50/p99 and
// the server's RSS (/proc/PID/status); the server's RSS and V8 heap (after a full GC) are
// printed at the start and the end. At the end the devices sync until their outboxes are empty,
// everything is pulled, and each device's edits are checked on the server exactly once.
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_PASSWORD } from '../../src/server/demo';
import { checkFleet, Device, keepAliveAgent, login, planViewOf, pullEverything, seededRandom, type FleetCheck } from '../server/sync-clients';
import { postgresNotMeasured, startServerProcess, type ServerMemory } from './bench-env';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 100);
const RATE = Number(process.env.SOAK_RATE ?? 200);
const WINDOW = Number(process.env.SOAK_WINDOW_SECONDS ?? 60);
const SEED = Number(process.env.SOAK_SEED ?? 20_260_601);
const PER_BRANCH = 10;
const DATABASE_URL = process.env.DATABASE_URL || process.env.BENCH_DATABASE_URL || undefined;

interface Window {
  roundTrips: number;
  errors: number;
  latencies: number[];
}

const newWindow = (): Window => ({ roundTrips: 0, errors: 0, latencies: [] });

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const memoryLine = (m: ServerMemory) => `RSS ${mb(m.rssBytes)}, heap ${mb(m.heapUsedBytes)}`;

const backend = DATABASE_URL ? 'PostgreSQL' : 'SQLite';
const branches = Math.ceil(CLIENTS / PER_BRANCH);
console.log(
  `== Soak: ${CLIENTS} clients in ${branches} branches, ${RATE} round trips/s together, ${SECONDS} s, ${backend}, loopback, ${cpus().length} CPUs (load average before: ${loadavg()[0]!.toFixed(2)})`,
);
if (!DATABASE_URL) console.log(postgresNotMeasured('this soak (it ran on SQLite)', 'DATABASE_URL or BENCH_DATABASE_URL'));

const server = await startServerProcess(backend, { extraBranches: branches, ...(DATABASE_URL ? { databaseUrl: DATABASE_URL } : {}) });
const agent = keepAliveAgent(CLIENTS + 10);
let exitCode = 0;
try {
  const groups = await Promise.all(
    Array.from({ length: branches }, async (_, b) => {
      const branch = `bench-b${b + 1}`;
      const token = await login(agent, server.url, `staff@${branch}`, DEMO_PASSWORD);
      const view = planViewOf((await pullEverything(agent, server.url, token)).changes, `${branch}-plan`);
      const size = Math.min(PER_BRANCH, CLIENTS - b * PER_BRANCH);
      return {
        token,
        devices: Array.from(
          { length: size },
          (_, j) => new Device(`${branch}-d${j + 1}`, view, view.freeMeasurements[j]!, token, seededRandom(SEED + b * PER_BRANCH + j)),
        ),
      };
    }),
  );
  const devices = groups.flatMap((g) => g.devices);
  // Not measured: each device's first sync, the whole plan.
  await Promise.all(
    devices.map(async (d) => {
      for (;;) {
        const rt = await d.roundTrip(agent, server.url);
        if (rt.kind === 'failed') throw new Error(`first sync of ${d.name}: ${rt.message}`);
        if (!rt.hasMore) return;
      }
    }),
  );
  const startMemory = await server.memory();
  console.log(`server at the start: ${memoryLine(startMemory)}`);
  console.log(' window     round trips   per s   errors   p50 ms   p99 ms   max ms   server RSS');

  const begin = performance.now();
  const deadline = begin + SECONDS * 1000;
  const interval = (CLIENTS * 1000) / RATE;
  const windows: Window[] = [];
  const lastWindow = Math.ceil(SECONDS / WINDOW) - 1;
  // By completion time; the answers that come after the end go to the last window.
  const windowOf = (t: number) => (windows[Math.min(lastWindow, Math.floor((t - begin) / (WINDOW * 1000)))] ??= newWindow());
  let errorsShown = 0;
  let unsent = 0;
  let printed = 0;
  const printWindow = (k: number, seconds: number) => {
    const w = windows[k] ?? newWindow();
    w.latencies.sort((a, b) => a - b);
    const from = k * WINDOW;
    const label = WINDOW % 60 === 0 ? `${from / 60}–${from / 60 + Math.round(seconds / 60)} min` : `${from}–${Math.round(from + seconds)} s`;
    console.log(
      [
        label.padEnd(10),
        String(w.roundTrips).padStart(12),
        (w.roundTrips / seconds).toFixed(0).padStart(7),
        String(w.errors).padStart(8),
        percentile(w.latencies, 50).toFixed(1).padStart(8),
        percentile(w.latencies, 99).toFixed(1).padStart(8),
        (w.latencies.at(-1) ?? NaN).toFixed(1).padStart(8),
        mb(server.rss()).padStart(12),
      ].join(' '),
    );
  };
  const ticker = setInterval(() => {
    const closed = Math.floor((performance.now() - begin) / (WINDOW * 1000));
    for (; printed < closed && (printed + 1) * WINDOW <= SECONDS; printed++) printWindow(printed, WINDOW);
  }, 1000);

  const random = seededRandom(SEED);
  await Promise.all(
    devices.map(async (d, i) => {
      let due = begin + (interval * i) / CLIENTS;
      while (due < deadline) {
        // A server behind its load: what is due by the end is not sent late.
        if (performance.now() >= deadline) {
          unsent += Math.ceil((deadline - due) / interval);
          return;
        }
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const t0 = due;
        due += interval;
        for (let n = 1 + Math.floor(random() * 2); n > 0; n--) d.edit();
        // One sync: round trips until nothing more to pull, as the engine's run() does.
        for (;;) {
          const rt = await d.roundTrip(agent, server.url);
          const w = windowOf(performance.now());
          w.roundTrips++;
          w.latencies.push(performance.now() - t0);
          if (rt.kind === 'failed') {
            w.errors++;
            if (++errorsShown <= 5) console.error(`  error (${d.name}): ${rt.message}`);
            break;
          }
          if (!rt.hasMore) break;
        }
      }
    }),
  );
  clearInterval(ticker);
  const loadSeconds = (performance.now() - begin) / 1000;
  for (; printed * WINDOW < SECONDS; printed++) printWindow(printed, Math.min(WINDOW, loadSeconds - printed * WINDOW));

  // Whatever failed is still in an outbox: sent again until answered, as the engine would.
  await Promise.all(
    devices.map(async (d) => {
      for (let attempt = 0; d.pending > 0 && attempt < 20; attempt++) {
        const rt = await d.roundTrip(agent, server.url);
        if (rt.kind === 'failed') await sleep(500);
      }
    }),
  );
  const endMemory = await server.memory();

  const total = windows.reduce((n, w) => n + w.roundTrips, 0);
  const errors = windows.reduce((n, w) => n + w.errors, 0);
  const all = windows.flatMap((w) => w.latencies).sort((a, b) => a - b);
  console.log(
    `all:       ${String(total).padStart(12)} ${(total / loadSeconds).toFixed(0).padStart(7)} ${String(errors).padStart(8)} ${percentile(all, 50).toFixed(1).padStart(8)} ${percentile(all, 99).toFixed(1).padStart(8)} ${(all.at(-1) ?? NaN).toFixed(1).padStart(8)}`,
  );
  if (unsent)
    console.log(
      `round trips due but never sent: ${unsent} — the server could not keep up with ${RATE}/s, so latency above is mostly queueing (SOAK_RATE lowers the load)`,
    );
  console.log(
    `server at the start: ${memoryLine(startMemory)}; at the end: ${memoryLine(endMemory)} (RSS ${endMemory.rssBytes >= startMemory.rssBytes ? '+' : ''}${mb(endMemory.rssBytes - startMemory.rssBytes)}, heap ${endMemory.heapUsedBytes >= startMemory.heapUsedBytes ? '+' : ''}${mb(endMemory.heapUsedBytes - startMemory.heapUsedBytes)})`,
  );

  const checks: FleetCheck[] = [];
  for (const g of groups) checks.push(checkFleet(g.devices, (await pullEverything(agent, server.url, g.token)).changes));
  const sum = (f: (c: FleetCheck) => number) => checks.reduce((n, c) => n + f(c), 0);
  const problems = checks.flatMap((c) => c.problems);
  console.log(
    `edits checked on the server: ${sum((c) => c.mutations)} (${sum((c) => c.notes)} notes, ${sum((c) => c.counters)} counter edits, ${sum((c) => c.sharedApplied)} shared-field edits applied and ${sum((c) => c.sharedConflicts)} kept as conflicts)`,
  );
  console.log(`lost edits: ${sum((c) => c.lost)}; applied more than once: ${sum((c) => c.duplicated)}; other problems: ${problems.length}`);
  for (const p of problems.slice(0, 10)) console.log(`  ${p}`);
  if (sum((c) => c.lost) || sum((c) => c.duplicated) || problems.length) exitCode = 1;
} finally {
  agent.destroy();
  await server.stop();
}
process.exitCode = exitCode;
