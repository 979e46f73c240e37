// `npm run bench:profile-top -- DIR_OR_FILE [N]`: the N (20) functions with the most self time
// in V8 CPU profiles (.cpuprofile, as `node --cpu-prof` writes them; BENCH_CPU_PROF=DIR makes
// the benchmark's servers write theirs), summed over every profile given, with their share of
// the samples that were not idle. Names the hot path before and after a change.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as z from 'zod/mini';

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

const target = process.argv[2];
if (!target) throw new Error('usage: profile-top.ts DIR_OR_FILE [N]');
const top = Number(process.argv[3] ?? 20);
const files = statSync(target).isDirectory()
  ? readdirSync(target)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(target, f))
  : [target];
if (files.length === 0) throw new Error(`no .cpuprofile in ${target}`);

const selfMs = new Map<string, number>();
let busyMs = 0;
for (const file of files) {
  const profile = profileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const names = new Map(
    profile.nodes.map((n) => {
      const { functionName, url, lineNumber } = n.callFrame;
      const where = url ? `${relative(process.cwd(), url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
      return [n.id, `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`];
    }),
  );
  profile.samples.forEach((id, i) => {
    const name = names.get(id) ?? '?';
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    if (name.startsWith('(idle)')) return;
    busyMs += ms;
    selfMs.set(name, (selfMs.get(name) ?? 0) + ms);
  });
}
console.log(`${files.length} profile(s), ${(busyMs / 1000).toFixed(1)} s busy`);
for (const [name, ms] of [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${((100 * ms) / busyMs).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}`);
