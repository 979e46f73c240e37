// Figure: gzip size of the JavaScript the first screen needs. Reads Vite's build manifest and
// follows static imports from the entry (what the browser must load before the first screen
// renders); lazily imported chunks (other screens, uPlot, the demo plan) are reported apart.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as z from 'zod/mini';

const manifestSchema = z.record(
  z.string(),
  z.object({ file: z.string(), isEntry: z.optional(z.boolean()), imports: z.optional(z.array(z.string())), dynamicImports: z.optional(z.array(z.string())) }),
);
type Manifest = z.infer<typeof manifestSchema>;

const GOAL_KB = 60;

function closure(manifest: Manifest, keys: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const k of manifest[key]?.imports ?? []) visit(k);
  };
  keys.forEach(visit);
  return seen;
}

function gzipKb(files: Iterable<string>): number {
  let total = 0;
  for (const f of files) total += gzipSync(readFileSync(`dist/${f}`), { level: 9 }).length;
  return total / 1024;
}

export function bundleSizeReport(): { firstScreenKb: number; lines: string[] } {
  const manifest = manifestSchema.parse(JSON.parse(readFileSync('dist/.vite/manifest.json', 'utf8')));
  const entry = Object.keys(manifest).find((k) => manifest[k]!.isEntry);
  if (!entry) throw new Error('No entry in the build manifest');
  const first = closure(manifest, [entry]);
  const firstFiles = [...first].map((k) => manifest[k]!.file);
  const firstScreenKb = gzipKb(firstFiles);
  const lines = [`first screen (plan list, entry + static imports): ${firstScreenKb.toFixed(1)} kB gzip (goal ≤ ${GOAL_KB} kB) — ${firstFiles.join(', ')}`];
  const planPage = Object.keys(manifest).find((k) => k.endsWith('src/ui/plan-page.tsx'));
  if (planPage) {
    const extra = [...closure(manifest, [planPage])].filter((k) => !first.has(k)).map((k) => manifest[k]!.file);
    lines.push(`plan screen (first screen + its lazy chunk): ${(firstScreenKb + gzipKb(extra)).toFixed(1)} kB gzip`);
  }
  for (const [key, chunk] of Object.entries(manifest)) {
    if (!first.has(key) && chunk.file.endsWith('.js')) lines.push(`  lazy ${chunk.file}: ${gzipKb([chunk.file]).toFixed(1)} kB gzip`);
  }
  return { firstScreenKb, lines };
}
