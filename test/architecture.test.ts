// The layering the README's architecture section describes, checked on the import graph of
// src/ and on the test tree, so that it stays a fact rather than a convention:
// - the client's layers run one way, model → db → sync → ui/data → ui → entry points; a module
//   imports its own layer or a lower one, never a higher one;
// - the server and the command line share only src/model (and the demo plan file) with the app;
// - the screens reach the sync layer through its named API (SYNC_API), never its internals;
// - each layer uses only the packages it is allowed (src/model: no Dexie, Preact or Node);
// - every unit, component and server test file mirrors the module it tests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

/** Client layers, lowest first. */
const LAYERS = ['model', 'db', 'sync', 'ui/data', 'ui', 'entry'] as const;
type Layer = (typeof LAYERS)[number] | 'server' | 'cli' | 'demo';

/** The sync modules a screen may import: its named API. */
const SYNC_API = ['edits', 'engine-api', 'plan-io', 'shared-device', 'text-store'];

/** Packages each part may import (node: built-ins count as the package `node:`). */
const PACKAGES: Record<Layer, readonly string[] | 'any'> = {
  model: ['zod', 'diff'],
  db: ['zod', 'dexie'],
  sync: ['zod', 'dexie'],
  'ui/data': ['zod', 'dexie', 'preact'],
  ui: ['zod', 'dexie', 'preact', 'uplot', 'workbox-window'],
  entry: ['preact', 'dexie', 'workbox-window', 'workbox-core', 'workbox-precaching', 'workbox-routing'],
  server: 'any',
  cli: 'any',
  demo: [],
};

function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, pattern);
    return pattern.test(name) ? [path] : [];
  });
}

function layerOf(file: string): Layer {
  const rel = relative(SRC, file).replaceAll('\\', '/');
  if (rel === 'main.tsx' || rel === 'sw.ts') return 'entry';
  if (rel.startsWith('ui/data/')) return 'ui/data';
  const top = rel.split('/')[0];
  if (top === 'model' || top === 'db' || top === 'sync' || top === 'ui' || top === 'server' || top === 'cli' || top === 'demo') return top;
  throw new Error(`${rel} is in no layer: add it to test/architecture.test.ts and the README`);
}

/** Static imports and re-exports (`export … from`) in either quote, and dynamic imports in any of the three. */
const SPECIFIER = /(?:from\s+|^import\s+)(['"])([^'"]+)\1|import\s*\(\s*(['"`])([^'"`]+)\3/gm;

function specifiersIn(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => m[2] ?? m[4] ?? '');
}

function importsOf(file: string): string[] {
  return specifiersIn(readFileSync(file, 'utf8'));
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

function resolveRelative(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  const found = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find(isFile);
  if (found) return found;
  throw new Error(`${relative(ROOT, from)}: cannot resolve ${specifier}`);
}

function packageOf(specifier: string): string {
  if (specifier.startsWith('node:')) return 'node:';
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? specifier);
}

const sources = filesUnder(SRC, /\.(ts|tsx)$/).filter((f) => !f.endsWith('.d.ts'));

/** Why an import of `to` from `from` is not allowed, or null when it is. */
function violation(from: string, to: string): string | null {
  const a = layerOf(from);
  const b = layerOf(to);
  if (a === b) return null;
  if (a === 'server' || a === 'cli') return b === 'model' || b === 'demo' ? null : `${a} shares only src/model with the app`;
  if (b === 'server' || b === 'cli' || b === 'demo') return `the app does not import ${b}`;
  const ia = LAYERS.indexOf(a as (typeof LAYERS)[number]);
  const ib = LAYERS.indexOf(b as (typeof LAYERS)[number]);
  if (ib > ia) return `${a} is below ${b}`;
  if ((a === 'ui' || a === 'ui/data') && b === 'sync') {
    const name = relative(join(SRC, 'sync'), to).replace(/\.tsx?$/, '');
    if (!SYNC_API.includes(name)) return `screens use the sync layer's API (${SYNC_API.join(', ')}), not sync/${name}`;
  }
  return null;
}

describe('the import graph', () => {
  it('runs one way: no module imports a higher layer, and screens use the sync API only', () => {
    const wrong: string[] = [];
    for (const file of sources) {
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith('.')) continue;
        const target = resolveRelative(file, specifier);
        if (/\.(css|json|html)$/.test(target) && layerOf(target) !== 'demo') continue;
        const why = violation(file, target);
        if (why) wrong.push(`${relative(ROOT, file)} → ${relative(ROOT, target)}: ${why}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('uses in each layer only the packages it is allowed (src/model: no Dexie, Preact, DOM or Node)', () => {
    const wrong: string[] = [];
    for (const file of sources) {
      const allowed = PACKAGES[layerOf(file)];
      if (allowed === 'any') continue;
      for (const specifier of importsOf(file)) {
        if (specifier.startsWith('.') || specifier.startsWith('virtual:')) continue;
        if (!allowed.includes(packageOf(specifier))) wrong.push(`${relative(ROOT, file)} imports ${specifier}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('is checked for real: a lower layer importing a higher one is caught', () => {
    expect(violation(join(SRC, 'db/database.ts'), join(SRC, 'sync/edits.ts'))).toBe('db is below sync');
    expect(violation(join(SRC, 'model/merge.ts'), join(SRC, 'ui/app.tsx'))).toBe('model is below ui');
    expect(violation(join(SRC, 'ui/plan-page.tsx'), join(SRC, 'sync/round-trip.ts'))).toMatch(/sync layer's API/);
    expect(violation(join(SRC, 'server/sync.ts'), join(SRC, 'db/database.ts'))).toMatch(/shares only src\/model/);
    expect(violation(join(SRC, 'ui/data/hooks.ts'), join(SRC, 'sync/outbox.ts'))).toMatch(/sync layer's API/);
    expect(violation(join(SRC, 'ui/plan-page.tsx'), join(SRC, 'sync/edits.ts'))).toBeNull();
  });

  it('reads every way a module names another', () => {
    const source = [
      `import { a } from '../sync/a';`,
      `import type { B } from "../sync/b";`,
      `export { c } from '../sync/c';`,
      `export * from "../sync/d";`,
      `const e = await import('../sync/e');`,
      'const f = await import(`../sync/f`);',
      `import '../sync/g.css';`,
    ].join('\n');
    expect(specifiersIn(source)).toEqual(['../sync/a', '../sync/b', '../sync/c', '../sync/d', '../sync/e', '../sync/f', '../sync/g.css']);
  });
});

describe('the test tree', () => {
  /** A test file `name.test.ts` or `name.aspect.test.ts` mirrors `src/<dir>/name.ts(x)`. */
  function modulesFor(testFile: string, testRoot: string, srcDirs: readonly string[]): string[] {
    const rel = relative(testRoot, testFile).replaceAll('\\', '/');
    const dir = dirname(rel) === '.' ? '' : dirname(rel);
    const name = (rel.split('/').pop() ?? '').replace(/\.test\.tsx?$/, '').split('.')[0] ?? '';
    return srcDirs.flatMap((d) => [`${d}${dir ? `/${dir}` : ''}/${name}.ts`, `${d}${dir ? `/${dir}` : ''}/${name}.tsx`]);
  }

  const exists = (path: string) => isFile(join(SRC, path));

  it('has each unit test under test/unit/<dir>/ mirror a module of src/<dir>/', () => {
    const root = join(ROOT, 'test/unit');
    const orphans = filesUnder(root, /\.test\.ts$/).filter((f) => !modulesFor(f, root, ['']).some((m) => exists(m.replace(/^\//, ''))));
    expect(orphans.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('maps a test in a subfolder to the module in the same subfolder', () => {
    expect(modulesFor(join(ROOT, 'test/component/structure/kpi-form.test.tsx'), join(ROOT, 'test/component'), ['ui'])).toEqual([
      'ui/structure/kpi-form.ts',
      'ui/structure/kpi-form.tsx',
    ]);
    expect(modulesFor(join(ROOT, 'test/unit/model/kpi-rows.aspect.test.ts'), join(ROOT, 'test/unit'), [''])).toContain('/model/kpi-rows.ts');
  });

  it('has each component test mirror a screen or data hook of src/ui/', () => {
    const root = join(ROOT, 'test/component');
    const orphans = filesUnder(root, /\.test\.tsx$/).filter((f) => !modulesFor(f, root, ['ui', 'ui/data']).some(exists));
    expect(orphans.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('has each server test mirror a module of src/server/ (the API as a whole: app.<aspect>, sync.<aspect>, main.<aspect>)', () => {
    const root = join(ROOT, 'test/server');
    const orphans = filesUnder(root, /\.test\.ts$/).filter((f) => !modulesFor(f, root, ['server']).some(exists));
    expect(orphans.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
