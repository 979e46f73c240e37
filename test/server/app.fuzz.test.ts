// Fuzzing the ways data reaches the server: POST /api/sync (bodies a device sends, mutated:
// fields dropped, duplicated, renamed, retyped, huge strings and arrays, deep nesting, wrong
// protocol versions; and text that is not JSON, bytes that are not UTF-8, odd content types and
// tokens) and plan import (an admin's sync creating a whole plan, which is the app's import
// path, and `npm run admin -- import-plan` with mutated files). Every answer must be 2xx, or 4xx
// with `{ error: { code, message } }`; nothing may throw or log an error; and a refused request
// must leave the database unchanged: the version counter is compared on every case, the whole
// database (serialize()) on every tenth case and at the end. fast-check prints the seed and
// the shrunk case of a failure.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { parsePlanFile, planFileToRecords } from '../../src/model/plan-file';
import { measurementId, progressId, RECORD_SCHEMAS, type RecordTable } from '../../src/model/schemas';
import { main as admin } from '../../src/server/admin-cli';
import { createApp } from '../../src/server/app';
import { memoryLogger } from '../../src/server/log';
import { DEFAULT_HTTP_SETTINGS } from '../../src/server/security';
import { openSqliteStorage, type SqliteStorage } from '../../src/server/storage/sqlite';
import { apiErrorSchema, syncResponseSchema, type Mutation, type Role } from '../../src/model/protocol';
import { client, ITEM, OTHER_PLAN, startTestServer, T0, type TestServer, TEST_PASSWORD_COST } from './helpers';

/** Cases per property; 11,700 in all. */
const RUNS = { mutatedBodies: 6500, rawBodies: 3100, hostileConflicts: 1500, importFiles: 600 } as const;
/** Every this many cases the whole database is compared, not only its version counter. */
const FULL_CHECK_EVERY = 20;
/** Bodies made larger than this are cut back (a request over 2 MiB is refused unread anyway). */
const MAX_BODY_CHARS = 3_000_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

const goodPlanFile = JSON.parse(readFileSync('test/fixtures/plan-file-good.json', 'utf8')) as Json;

let s: TestServer;
let app: ReturnType<typeof createApp>;
const log = memoryLogger();
const tokens = {} as Record<Role, string>;
const tally = { cases: 0, refused: 0, accepted: 0, fullChecks: 0, statuses: new Map<number, number>() };

/** A new server: each property starts from the seeded database, so copies of it stay small. */
async function freshServer(): Promise<void> {
  s = await startTestServer();
  app = createApp({ passwordCost: TEST_PASSWORD_COST, storage: s.storage, log, now: s.now, http: DEFAULT_HTTP_SETTINGS });
  tokens.staff = await s.login('staff@demo');
  tokens.lead = await s.login('lead@demo');
  tokens.admin = await s.login('admin@test');
}

afterAll(() => {
  const statuses = [...tally.statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
  console.log(
    `fuzz: ${tally.cases} requests (${tally.accepted} accepted, ${tally.refused} refused; ${tally.fullChecks} whole-database checks) ${statuses.join(' ')}`,
  );
});

// ---- sending and checking one request -------------------------------------------------------

interface Sent {
  body: string | Uint8Array;
  contentType: string | null;
  authorization: string | null;
}

async function sendAndCheck(request: Sent): Promise<void> {
  const n = ++tally.cases;
  const full = n % FULL_CHECK_EVERY === 0;
  const version = await s.storage.branchVersions(['demo-tokyo']).then((v) => v['demo-tokyo']);
  const before = full ? s.snapshot() : null;
  const headers: Record<string, string> = {};
  if (request.contentType !== null) headers['content-type'] = request.contentType;
  if (request.authorization !== null) headers.authorization = request.authorization;
  const res = await app.request('/api/sync', { method: 'POST', headers, body: request.body as BodyInit });
  const text = await res.text();
  tally.statuses.set(res.status, (tally.statuses.get(res.status) ?? 0) + 1);
  if (res.status >= 200 && res.status < 300) {
    tally.accepted++;
    syncResponseSchema.parse(JSON.parse(text));
    return;
  }
  if (res.status < 400 || res.status >= 500) throw new Error(`answered ${res.status}: ${text.slice(0, 500)}`);
  tally.refused++;
  const error = apiErrorSchema.parse(JSON.parse(text)).error;
  expect(error.message.length).toBeGreaterThan(0);
  expect(await s.storage.branchVersions(['demo-tokyo']).then((v) => v['demo-tokyo'])).toBe(version);
  if (before) {
    tally.fullChecks++;
    expect(s.snapshot().equals(before)).toBe(true);
  }
}

/** A record that passes its schema is under this many bytes as stored (see PULL_PAGE_BYTES). */
const MAX_RECORD_BYTES = 512 * 1024;

/** Why a value is not one the field of that table may hold, or null (null is taken for an empty base). */
function fieldValueProblem(table: RecordTable, field: string, value: unknown): string | null {
  const shape = (RECORD_SCHEMAS[table] as unknown as { shape: Record<string, { safeParse(v: unknown): { success: boolean } }> }).shape;
  if (!Object.hasOwn(shape, field)) return `${table} has no field ${JSON.stringify(field.slice(0, 40))}`;
  if (value === null || shape[field]!.safeParse(value).success) return null;
  return `${table}.${field} holds ${JSON.stringify(value)?.slice(0, 60)}`;
}

/**
 * After a run: every stored record parses with its schema and is within the size bound; every
 * conflict's and history row's values pass their field's schema (the limits hold through
 * conflicts); and a last refusal is compared whole.
 */
async function checkDatabaseAtEnd(): Promise<void> {
  const page = await s.storage.changesSince(Object.fromEntries(['demo-tokyo', 'osaka'].map((b) => [b, 0])), 10_000_000);
  for (const r of page.records) {
    const parsed = RECORD_SCHEMAS[r.table].safeParse(JSON.parse(r.data));
    if (!parsed.success) throw new Error(`${r.table} ${r.id} does not parse: ${JSON.stringify(parsed.error.issues.slice(0, 2))}`);
    expect(Buffer.byteLength(r.data), `${r.table} ${r.id}`).toBeLessThan(MAX_RECORD_BYTES);
    const problems: (string | null)[] = [];
    if (r.table === 'conflicts') {
      const c = RECORD_SCHEMAS.conflicts.parse(JSON.parse(r.data));
      for (const v of [c.baseValue, c.serverValue, c.clientValue]) problems.push(fieldValueProblem(c.table, c.field, v));
    } else if (r.table === 'history') {
      const h = RECORD_SCHEMAS.history.parse(JSON.parse(r.data));
      for (const [field, change] of Object.entries(h.changes))
        problems.push(fieldValueProblem(h.table, field, change.from), fieldValueProblem(h.table, field, change.to));
    }
    expect(
      problems.filter((p) => p !== null),
      `${r.table} ${r.id}`,
    ).toEqual([]);
  }
  const before = s.snapshot();
  const res = await app.request('/api/sync', { method: 'POST', headers: { authorization: `Bearer ${tokens.staff}` }, body: '{"protocolVersion":2' });
  expect(res.status).toBe(400);
  expect(s.snapshot().equals(before)).toBe(true);
}

// ---- valid bodies -----------------------------------------------------------------------------

const KINDS = [
  'pull',
  'progress edit',
  'progress create',
  'note',
  'measurement',
  'item edit',
  'kpi edit',
  'plan edit',
  'conflict resolve',
  'plan import',
] as const;
type Kind = (typeof KINDS)[number];

interface Recipe {
  kind: Kind;
  role: Role;
  /** Another branch's plan: refused, whatever else happens. */
  foreign: boolean;
  text: string;
  num: number;
}

let importCount = 0;

/** The mutations the app sends when an admin imports a plan file: every record, created. */
function importMutations(c: ReturnType<typeof client>, planId: string): Mutation[] {
  const parsed = parsePlanFile(goodPlanFile);
  if (!parsed.ok) throw new Error('the fixture does not parse');
  let note = 0;
  const records = planFileToRecords(parsed.file, { planId, now: T0.toISOString(), author: 'me', newId: () => `${planId}/note-${++note}` });
  const all: [RecordTable, Record<string, unknown>][] = [
    ['plans', { ...records.plan, branchId: 'demo-tokyo' }],
    ...records.sections.map((r) => ['sections', r] as [RecordTable, Record<string, unknown>]),
    ...records.items.map((r) => ['items', r] as [RecordTable, Record<string, unknown>]),
    ...records.kpis.map((r) => ['kpis', r] as [RecordTable, Record<string, unknown>]),
    ...records.progress.map((r) => ['progress', r] as [RecordTable, Record<string, unknown>]),
    ...records.notes.map((r) => ['notes', r] as [RecordTable, Record<string, unknown>]),
    ...records.measurements.map((r) => ['measurements', r] as [RecordTable, Record<string, unknown>]),
  ];
  return all.map(([table, record]) => {
    const { id, ...fields } = record;
    return c.m({ table, recordId: String(id), planId, changes: fields, base: {}, create: record });
  });
}

/** A request a device of this role could send (with the base values the server has now). */
async function validBody(r: Recipe): Promise<{ body: Json; role: Role }> {
  const c = client(`fuzz-${r.role}`);
  const planId = r.foreign ? OTHER_PLAN : DEMO_PLAN_ID;
  const item = r.foreign ? `${OTHER_PLAN}/p1-s1-i1` : ITEM;
  const kpi = `${planId}/k-mail-rate`;
  const edit = async (m: Partial<Mutation>) => {
    const current = await s.record(m.table!, m.recordId!);
    return c.m({ ...m, base: Object.fromEntries(Object.keys(m.changes ?? {}).map((k) => [k, (current?.[k] ?? null) as Json])) });
  };
  let mutations: Mutation[];
  switch (r.kind) {
    case 'pull':
      mutations = [];
      break;
    case 'progress edit':
      mutations = [
        await edit({
          table: 'progress',
          recordId: progressId(item, '2024-H1'),
          planId,
          changes: { done: r.text, evaluation: (['○', '△', '－', null] as const)[r.num & 3]! },
        }),
      ];
      break;
    case 'progress create': {
      const periodId = ['2024-H1', '2024-H2', '2025-H1'][r.num % 3]!;
      const id = progressId(item, periodId);
      const record = { id, planId, itemId: item, periodId, evaluation: null, done: '', next: r.text };
      mutations = [c.m({ table: 'progress', recordId: id, planId, changes: { next: r.text }, base: { next: '' }, create: record })];
      break;
    }
    case 'note': {
      const id = randomUUID();
      const note = { id, planId, itemId: item, date: '2026-04-01', author: 'me', text: r.text || 'メモ' };
      const { id: _, ...fields } = note;
      mutations = [c.m({ table: 'notes', recordId: id, planId, changes: fields, base: {}, create: note })];
      break;
    }
    case 'measurement': {
      const month = `2024-${String((r.num % 12) + 1).padStart(2, '0')}`;
      const id = measurementId(kpi, month);
      mutations = [
        c.m({
          table: 'measurements',
          recordId: id,
          planId,
          changes: { value: r.num },
          base: { value: null },
          create: { id, planId, kpiId: kpi, month, value: r.num },
        }),
      ];
      break;
    }
    case 'item edit':
      mutations = [await edit({ table: 'items', recordId: item, planId, changes: { text: r.text, group: r.text.slice(0, 10) } })];
      break;
    case 'kpi edit':
      mutations = [
        await edit({ table: 'kpis', recordId: kpi, planId, changes: { name: r.text || '指標', target: { kind: 'value', value: r.num, direction: '以上' } } }),
      ];
      break;
    case 'plan edit':
      mutations = [await edit({ table: 'plans', recordId: planId, planId, changes: { title: r.text || '計画' } })];
      break;
    case 'conflict resolve':
      mutations = [
        c.m({ table: 'conflicts', recordId: `conflict:none:${r.num}`, planId, changes: { resolved: true }, base: { resolved: false }, create: null }),
      ];
      break;
    case 'plan import':
      mutations = importMutations(c, `demo-tokyo-fuzz-import-${++importCount}`);
      break;
  }
  const role = r.kind === 'plan import' ? 'admin' : r.role;
  return { role, body: { protocolVersion: 3, clientId: c.clientId, mutations: mutations as unknown as Json, cursor: null, pullLimit: 1 + (r.num % 20) } };
}

// ---- mutating a body --------------------------------------------------------------------------

const weirdValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>(
    '',
    ' ',
    '\u0000',
    '\ud800',
    'x'.repeat(201),
    -1,
    0,
    -0,
    0.5,
    2 ** 53,
    1e308,
    -1e308,
    true,
    false,
    null,
    [],
    {},
    '__proto__',
    'v1.99999999999999999',
    '2026-13-45',
  ),
);
const keyArb = fc.oneof(
  fc.string({ maxLength: 70 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'id', 'planId', 'branchId', 'updatedBy', 'deleted', 'x'.repeat(65)),
);

type Op =
  | { op: 'drop' | 'many'; at: number; count: number }
  | { op: 'retype' | 'duplicate'; at: number; value: Json }
  | { op: 'rename' | 'add'; at: number; key: string; value: Json }
  | { op: 'huge'; at: number; size: number }
  | { op: 'deep'; at: number; depth: number; shape: 'array' | 'object' }
  | { op: 'version'; value: Json | undefined };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('drop' as const), at: fc.nat(), count: fc.constant(1) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('retype' as const), at: fc.nat(), value: weirdValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), value: weirdValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('rename' as const), at: fc.nat(), key: keyArb, value: fc.constant(null) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: keyArb, value: weirdValue }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('huge' as const), at: fc.nat(), size: fc.constantFrom(201, 5_001, 20_001, 300_000, 1_100_000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('many' as const), at: fc.nat(), count: fc.constantFrom(201, 1_001, 10_000) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('deep' as const),
      at: fc.nat(),
      depth: fc.constantFrom(5, 63, 64, 65, 1_000, 100_000),
      shape: fc.constantFrom('array' as const, 'object' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('version' as const),
      value: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 5 }), fc.constant(null), fc.constant(undefined)),
    }),
  },
);

/** Every path in the value, the root first (walked without recursion). */
function pathsOf(root: Json): Path[] {
  const out: Path[] = [];
  const stack: Path[] = [[]];
  while (stack.length && out.length < 5000) {
    const path = stack.pop()!;
    out.push(path);
    const v = getAt(root, path);
    if (Array.isArray(v)) for (const i of v.keys()) stack.push([...path, i]);
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) stack.push([...path, k]);
  }
  return out;
}

function getAt(root: Json, path: Path): Json {
  let v: Json = root;
  for (const key of path) v = (v as Record<string | number, Json>)[key]!;
  return v;
}

/** Where `path` sits: its container and key; null for the root. */
function parentOf(root: Json, path: Path): { container: Json[] | Record<string, Json>; key: string | number } | null {
  if (path.length === 0) return null;
  return { container: getAt(root, path.slice(0, -1)) as Json[] | Record<string, Json>, key: path[path.length - 1]! };
}

function put(container: Json[] | Record<string, Json>, key: string | number, value: Json): void {
  // defineProperty: a key "__proto__" is then an own field, as JSON.parse would make it.
  Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies the ops; returns the JSON text (with the text-level ones spliced in). */
function mutate(body: Json, ops: readonly Op[]): string {
  let root: Json = structuredClone(body);
  // Each op puts in a copy of its value: fast-check may hand two ops the same object, and
  // values put in are mutated by later ops (which must not make a cycle).
  const copy = <T>(value: T): T => structuredClone(value);
  const splices: [string, string][] = [];
  for (const [i, op] of ops.entries()) {
    if (op.op === 'version') {
      if (root === null || typeof root !== 'object' || Array.isArray(root)) continue;
      if (op.value === undefined) delete root.protocolVersion;
      else root.protocolVersion = copy(op.value);
      continue;
    }
    const paths = pathsOf(root);
    const path = paths[op.at % paths.length]!;
    const at = parentOf(root, path);
    const target = getAt(root, path);
    const replace = (value: Json) => {
      if (at) put(at.container, at.key, value);
      else root = value;
    };
    switch (op.op) {
      case 'drop':
        if (!at) root = null;
        else if (Array.isArray(at.container)) at.container.splice(Number(at.key), 1);
        else delete at.container[at.key];
        break;
      case 'retype':
        replace(copy(op.value));
        break;
      case 'rename':
        if (at && !Array.isArray(at.container)) {
          const value = at.container[at.key]!;
          delete at.container[at.key];
          put(at.container, op.key, value);
        }
        break;
      case 'add':
        if (target !== null && typeof target === 'object' && !Array.isArray(target)) put(target, op.key, copy(op.value));
        else if (Array.isArray(target)) target.push(copy(op.value));
        break;
      case 'duplicate':
        // JSON text may repeat a key; JSON.parse keeps the last. Spliced in as text.
        if (at && !Array.isArray(at.container)) {
          const marker = `@@dup-${i}@@`;
          put(at.container, marker, copy(op.value));
          splices.push([JSON.stringify(marker), JSON.stringify(String(at.key))]);
        }
        break;
      case 'huge':
        replace('あ'.repeat(op.size));
        break;
      case 'many': {
        const element = Array.isArray(target) ? (target[0] ?? null) : target;
        const count = Math.min(op.count, Math.floor(MAX_BODY_CHARS / ((JSON.stringify(element) ?? '').length + 1)));
        if (target !== null && typeof target === 'object' && !Array.isArray(target))
          replace(Object.fromEntries(Array.from({ length: op.count }, (_, k) => [`k${k}`, k])));
        else replace(Array.from({ length: count }, () => structuredClone(element)));
        break;
      }
      case 'deep': {
        const marker = `@@deep-${i}@@`;
        replace(marker);
        const [open, close] = op.shape === 'array' ? ['[', ']'] : ['{"a":', '}'];
        splices.push([JSON.stringify(marker), `${open.repeat(op.depth)}1${close.repeat(op.depth)}`]);
        break;
      }
    }
  }
  let text = JSON.stringify(root) ?? 'null';
  // A marker copied by a later op is spliced in once; its copies become plain values.
  for (const [marker, replacement] of splices)
    text = text
      .replace(marker, () => replacement)
      .split(marker)
      .join(marker.startsWith('"@@deep') ? '1' : replacement);
  return text;
}

const CONTENT_TYPES = [
  null,
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/octet-stream',
];
const contentTypeArb = fc.constantFrom(...CONTENT_TYPES);

/** Mostly the role's token; sometimes none or one that is not a token. */
const authArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant('role' as const) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<string | null>(null, 'Bearer', 'Bearer short', `Bearer ${'A'.repeat(43)}`, 'Basic dXNlcjpwYXNz', `Bearer ${'é'.repeat(30)}`),
  },
);

const recipeArb: fc.Arbitrary<Recipe> = fc.record({
  kind: fc.constantFrom(...KINDS),
  role: fc.constantFrom<Role>('staff', 'lead', 'admin'),
  foreign: fc.nat({ max: 9 }).map((n) => n < 2),
  text: fc.string({ maxLength: 40, unit: 'grapheme' }),
  num: fc.nat({ max: 10_000 }),
});

describe('fuzzing POST /api/sync', () => {
  // A plan import of about 250 mutations is among them: more than the default 5 s on a loaded machine.
  it('(control) the bodies before mutation are accepted: the fuzzing starts from valid requests', { timeout: 60_000 }, async () => {
    await freshServer();
    for (const kind of KINDS) {
      const { body, role } = await validBody({ kind, role: 'admin', foreign: false, text: '訪問した', num: 7 });
      const res = await app.request('/api/sync', { method: 'POST', headers: { authorization: `Bearer ${tokens[role]}` }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      const { results } = syncResponseSchema.parse(await res.json());
      // The conflict named does not exist: answered, not applied.
      expect(results.filter((r) => r.status !== 'applied').length).toBe(kind === 'conflict resolve' ? 1 : 0);
      if (kind === 'plan import') expect(results.length).toBeGreaterThan(10);
    }
  });

  it(`S42: answers ${RUNS.mutatedBodies} mutated device bodies (edits, creates, plan imports) with 2xx or a clean 4xx, refusals changing nothing`, {
    timeout: 300_000,
  }, async () => {
    await freshServer();
    await fc.assert(
      fc.asyncProperty(recipeArb, fc.array(opArb, { maxLength: 3 }), contentTypeArb, authArb, async (recipe, ops, contentType, auth) => {
        const { body, role } = await validBody(recipe);
        await sendAndCheck({ body: mutate(body, ops), contentType, authorization: auth === 'role' ? `Bearer ${tokens[role]}` : auth });
      }),
      { numRuns: RUNS.mutatedBodies },
    );
    await checkDatabaseAtEnd();
  });

  // Conflicting mutations (a base that is not the server's value) carrying hostile values:
  // oversized strings, wrong types, unknown and inherited field names. Before issue 10 every one
  // of them was stored as a conflict record, whatever its size or type.
  const FIELDS: Record<'progress' | 'items' | 'kpis' | 'plans' | 'sections' | 'measurements', readonly string[]> = {
    progress: ['done', 'next', 'evaluation'],
    items: ['text', 'label', 'group', 'tags', 'order', 'deleted'],
    kpis: ['name', 'unit', 'target', 'cumulative', 'order'],
    plans: ['title', 'branch', 'fiscalYear', 'periodKind'],
    sections: ['title', 'label', 'order', 'parentId'],
    measurements: ['value'],
  };
  const hostileValue: fc.Arbitrary<Json> = fc.oneof(
    fc.constantFrom(5_001, 20_000, 20_001, 200_000, 1_900_000).map((n) => 'A'.repeat(n)),
    fc.constantFrom(200, 201, 20_000, 20_001).map((n) => 'あ'.repeat(n)),
    weirdValue,
    fc.constantFrom<Json>(
      { kind: 'value', value: 1, direction: '以上' },
      { kind: 'qualitative', text: 'x'.repeat(201) },
      ['重要度：高'],
      Array.from({ length: 11 }, () => 'タグ'),
      '○',
      '△',
      12.5,
    ),
  );
  const hostileName = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'bogus', 'updatedBy', 'createdAt', 'id', 'planId', 'done\u0000', ''),
    fc.string({ maxLength: 20 }),
  );
  const hostileArb = fc.record({
    table: fc.constantFrom(...(Object.keys(FIELDS) as (keyof typeof FIELDS)[])),
    field: fc.nat(),
    name: fc.option(hostileName, { freq: 3 }),
    value: hostileValue,
    base: fc.oneof(fc.constant<Json>('stale'), hostileValue),
    role: fc.constantFrom<Role>('staff', 'lead', 'admin'),
  });

  it(`S15, S25: answers ${RUNS.hostileConflicts} conflicting mutations with hostile values with a clean answer, storing only values within the field's schema`, {
    timeout: 300_000,
  }, async () => {
    await freshServer();
    const ids = {
      progress: progressId(ITEM, '2024-H1'),
      items: ITEM,
      kpis: `${DEMO_PLAN_ID}/k-mail-rate`,
      plans: DEMO_PLAN_ID,
      sections: `${DEMO_PLAN_ID}/p1`,
      measurements: '',
    };
    const measurement = (await s.storage.recordsOfTable('measurements')).find((r) => r.planId === DEMO_PLAN_ID);
    ids.measurements = measurement!.id;
    await fc.assert(
      fc.asyncProperty(hostileArb, async (h) => {
        const c = client('hostile');
        const field = h.name ?? FIELDS[h.table][h.field % FIELDS[h.table].length]!;
        const changes: Record<string, Json> = {};
        const base: Record<string, Json> = {};
        put(changes, field, h.value);
        put(base, field, h.base);
        const m = c.m({ table: h.table, recordId: ids[h.table], planId: DEMO_PLAN_ID, changes, base });
        await sendAndCheck({
          body: JSON.stringify({ protocolVersion: 3, clientId: c.clientId, mutations: [m], cursor: null, pullLimit: 5 }),
          contentType: 'application/json',
          authorization: `Bearer ${tokens[h.role]}`,
        });
      }),
      { numRuns: RUNS.hostileConflicts },
    );
    await checkDatabaseAtEnd();
  });

  const textOpArb = fc.oneof(
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ minLength: 1, maxLength: 3, unit: 'binary' }) }),
    fc.record({
      op: fc.constant('replace' as const),
      at: fc.nat(),
      text: fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', 'NaN', 'undefined', "'", '\ufeff'),
    }),
    fc.record({ op: fc.constant('string' as const), text: fc.string({ maxLength: 200, unit: 'binary' }) }),
    fc.record({ op: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
    fc.record({ op: fc.constant('as is' as const) }),
  );

  it(`S42: answers ${RUNS.rawBodies} bodies that are not JSON, not UTF-8 or oddly typed with 2xx or a clean 4xx`, { timeout: 300_000 }, async () => {
    await freshServer();
    await fc.assert(
      fc.asyncProperty(recipeArb, textOpArb, contentTypeArb, async (recipe, op, contentType) => {
        const { body, role } = await validBody({ ...recipe, kind: recipe.kind === 'plan import' ? 'pull' : recipe.kind });
        const text = JSON.stringify(body);
        let sent: string | Uint8Array;
        switch (op.op) {
          case 'truncate':
            sent = text.slice(0, op.at % text.length);
            break;
          case 'insert':
            sent = text.slice(0, op.at % text.length) + op.text + text.slice(op.at % text.length);
            break;
          case 'replace':
            sent = text.slice(0, op.at % text.length) + op.text + text.slice((op.at % text.length) + 1);
            break;
          case 'string':
            sent = op.text;
            break;
          case 'bytes':
            sent = op.bytes;
            break;
          case 'as is':
            sent = text;
            break;
        }
        await sendAndCheck({ body: sent, contentType, authorization: `Bearer ${tokens[role]}` });
      }),
      { numRuns: RUNS.rawBodies },
    );
    await checkDatabaseAtEnd();
  });

  it('(found by fuzzing) refuses values nested too deep to compare, instead of failing with 500', async () => {
    await freshServer();
    const c = client();
    const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
    for (const depth of [65, 5_000, 100_000]) {
      const m = { ...c.m({ changes: { done: 'x' } }), changes: '@@' };
      const body = JSON.stringify({ protocolVersion: 3, clientId: c.clientId, mutations: [m], cursor: null }).replace('"@@"', `{"done":${deep(depth)}}`);
      const res = await app.request('/api/sync', { method: 'POST', headers: { authorization: `Bearer ${tokens.staff}` }, body });
      expect(res.status).toBe(400);
    }
  });

  it.each(['constructor', 'toString', '__proto__'])(
    'S15: (found by fuzzing) refuses a field named %s, which every object inherits, naming the mutation',
    async (field) => {
      await freshServer();
      const c = client();
      const m = { ...c.m({ changes: { done: 'x' } }), changes: '@@' };
      // As text: a "__proto__" key must reach the server as JSON.parse makes it, an own field.
      const body = JSON.stringify({ protocolVersion: 3, clientId: c.clientId, mutations: [m], cursor: null }).replace(
        '"@@"',
        `{${JSON.stringify(field)}:{"deleted":true}}`,
      );
      const before = s.snapshot();
      const res = await app.request('/api/sync', { method: 'POST', headers: { authorization: `Bearer ${tokens.lead}` }, body });
      expect(res.status).toBe(400);
      // __proto__ is refused with the body, before any mutation is looked at.
      expect(await res.json()).toMatchObject({ error: { code: 'bad_request', ...(field === '__proto__' ? {} : { mutationId: m.id }) } });
      expect(s.snapshot().equals(before)).toBe(true);
    },
  );

  it.each([
    ['a mutation id', { id: 'id-with-\u0001-in-it' }],
    ['a field name', { changes: { 'next\u0007': 'x' }, base: { 'next\u0007': 'y' } }],
  ])('(found by fuzzing) refuses control characters in %s, which would make a conflict or history id no device can read', async (_what, over) => {
    await freshServer();
    const c = client();
    // A conflict: base differs from what the server has.
    const m = { ...c.m({ changes: { next: 'mine' }, base: { next: 'not what the server has' } }), ...over };
    const before = s.snapshot();
    const res = await app.request('/api/sync', {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.staff}` },
      body: JSON.stringify({ protocolVersion: 3, clientId: c.clientId, mutations: [m], cursor: null }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'bad_request', mutationId: m.id } });
    expect(s.snapshot().equals(before)).toBe(true);
  });

  it('reached both answers, never 5xx, and logged no error', () => {
    expect([...tally.statuses.keys()].filter((status) => status >= 500)).toEqual([]);
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(tally.accepted).toBeGreaterThan(RUNS.mutatedBodies / 20);
    expect(tally.refused).toBeGreaterThan(RUNS.mutatedBodies / 4);
  });
});

describe('fuzzing npm run admin -- import-plan', () => {
  let dir: string;
  let storage: SqliteStorage;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracker-fuzz-'));
    storage = await openSqliteStorage(':memory:');
    await storage.addBranch({ id: 'tokyo', name: '東京支部', createdAt: T0.toISOString() });
  });
  afterAll(async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`imports or refuses ${RUNS.importFiles} mutated plan files with a message, refusals changing nothing`, { timeout: 300_000 }, async () => {
    const file = join(dir, 'plan.json');
    let n = 0;
    let imported = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 3 }), fc.boolean(), async (ops, truncate) => {
        n++;
        let text = mutate(goodPlanFile, ops);
        if (truncate && ops.length === 0) text = text.slice(0, n % text.length);
        await writeFile(file, text);
        const version = await storage.branchVersions(['tokyo']).then((v) => v['tokyo']);
        const before = n % FULL_CHECK_EVERY === 0 ? storage.serialize() : null;
        let stderr = '';
        const code = await admin(['import-plan', '--branch', 'tokyo', '--plan-id', `tokyo-plan-${n}`, file], {
          stdout: () => undefined,
          stderr: (t) => (stderr += t),
          storage,
          now: () => T0,
        });
        tally.cases++;
        if (code === 0) {
          imported++;
          tally.accepted++;
          return;
        }
        tally.refused++;
        // Refused with what is wrong with the file, never an unexpected failure or a usage error.
        expect(code).toBe(1);
        expect(stderr).not.toContain('failed:');
        expect(stderr.length).toBeGreaterThan('import-plan: '.length);
        expect(await storage.branchVersions(['tokyo']).then((v) => v['tokyo'])).toBe(version);
        if (before) {
          tally.fullChecks++;
          expect(storage.serialize().equals(before)).toBe(true);
        }
      }),
      { numRuns: RUNS.importFiles },
    );
    expect(imported).toBeGreaterThan(RUNS.importFiles / 20);
    expect(imported).toBeLessThan(RUNS.importFiles);
  });
});
