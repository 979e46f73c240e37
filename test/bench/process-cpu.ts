// CPU time of the processes a server benchmark runs, read from /proc (Linux): a server
// instance by pid, every `postgres` process, and the whole machine. Ticks are 1/CLK_TCK s.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ, which /proc reports in on every architecture Node runs on. */
export const CLK_TCK = 100;

/** utime + stime of one process (0 when it is gone). */
export function procTicks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, the 14th and 15th fields of the line (11th and 12th after the name).
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * CPU ticks of every `postgres` process by pid, and the postmaster's reaped children's (cutime +
 * cstime), so that backends that end within the window still count.
 */
export function postgresTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (!stat.includes(' (postgres) ')) continue;
      const fields = stat.split(') ')[1]!.split(' ');
      const own = Number(fields[11]) + Number(fields[12]);
      // The postmaster (its parent is not a postgres process) also reports its children's ended time.
      const parent = Number(fields[1]);
      let reaped = 0;
      try {
        if (!readFileSync(`/proc/${parent}/stat`, 'utf8').includes(' (postgres) ')) reaped = Number(fields[13]) + Number(fields[14]);
      } catch {
        // Its parent is gone: not the postmaster either way.
      }
      ticks.set(Number(name), own + reaped);
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks;
}

export function postgresDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, t] of after) sum += t - (before.get(pid) ?? 0);
  return sum;
}

export function machineTicks(): { idle: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { idle: cpu[3]! + cpu[4]!, total: cpu.reduce((a, b) => a + b, 0) };
}

/**
 * How fast this machine runs JavaScript now: the median of five runs of a fixed loop (JSON in
 * and out, as a server does), in ms. The same code measures very differently on these shared
 * machines from one day to the next; printed with the figures, it tells runs of different days apart.
 */
export function referenceLoopMs(): number {
  const runs: number[] = [];
  const value = { a: [1, 2, 3], b: 'x'.repeat(100), c: { d: 1 } };
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    let sum = 0;
    for (let i = 0; i < 200_000; i++) sum += JSON.stringify(value).length + (JSON.parse(`{"a":${i}}`) as { a: number }).a;
    runs.push(performance.now() - start);
    if (sum < 0) throw new Error('unreachable: keeps the loop from being optimized away');
  }
  return runs.sort((x, y) => x - y)[2]!;
}
