// The audit log export of a branch, through GET /api/branches/:branchId/audit and
// `npm run admin -- audit`: who changed what and when, in time order, as JSON or CSV for Excel;
// only for leads and admins of that branch; bad queries answered 400 and changing nothing.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { progressId } from '../../src/model/schemas';
import { createUser } from '../../src/server/accounts';
import { main } from '../../src/server/admin-cli';
import { auditCsv, auditOfBranch } from '../../src/server/audit-export';
import { auditResponseSchema, type AuditResponse } from '../../src/model/protocol';
import { client, ITEM, ITEM2, OTHER_BRANCH, OTHER_ITEM, OTHER_PLAN, startTestServer, T0, type TestServer, TEST_PASSWORD_COST } from './helpers';

let s: TestServer;
let tokens: Record<'staff' | 'lead' | 'admin' | 'other', string>;
const H1 = progressId(ITEM, '2024-H1');
const DAY = 24 * 60 * 60 * 1000;

async function edit(token: string, at: Date, m: Parameters<ReturnType<typeof client>['m']>[0]): Promise<void> {
  s.setClock(at);
  const c = client();
  const mutation = c.m(m);
  const current = await s.record(mutation.table, mutation.recordId);
  mutation.base = Object.fromEntries(Object.keys(mutation.changes).map((k) => [k, current?.[k] ?? null]));
  await s.sync(token, { clientId: c.clientId, mutations: [mutation], pullLimit: 1 });
}

beforeAll(async () => {
  s = await startTestServer();
  tokens = { staff: await s.login('staff@demo'), lead: await s.login('lead@demo'), admin: await s.login('admin@test'), other: await s.login('other@test') };
  // Made out of time order on purpose: the export sorts by time.
  await edit(tokens.staff, new Date(T0.getTime() + 2 * DAY), { changes: { done: '=HYPERLINK("http://x","y")' } });
  await edit(tokens.staff, T0, { changes: { done: '訪問した, "3社"\n次回は7月', evaluation: '△' } });
  await edit(tokens.lead, new Date(T0.getTime() + 1 * DAY), { table: 'items', recordId: ITEM2, changes: { text: '見直した本文' } });
  await edit(tokens.other, T0, { recordId: progressId(OTHER_ITEM, '2024-H1'), planId: OTHER_PLAN, changes: { done: '大阪の記録' } });
  s.setClock(T0);
});

async function get(path: string, token?: string): Promise<Response> {
  return s.app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

const AUDIT = '/api/branches/demo-tokyo/audit';

describe('GET /api/branches/:branchId/audit', () => {
  it('answers the branch’s changes in time order with who made them, as JSON by default', async () => {
    const res = await get(AUDIT, tokens.lead);
    expect(res.status).toBe(200);
    const body = auditResponseSchema.parse(await res.json());
    expect(body).toMatchObject({ branchId: 'demo-tokyo', from: null, to: null });
    expect(body.entries.map((e) => [e.at, e.by, e.emails, e.table, e.recordId, Object.keys(e.changes).sort()])).toEqual([
      [T0.toISOString(), 'デモ 担当', ['staff@demo'], 'progress', H1, ['done', 'evaluation']],
      [new Date(T0.getTime() + DAY).toISOString(), 'デモ リーダー', ['lead@demo'], 'items', ITEM2, ['text']],
      [new Date(T0.getTime() + 2 * DAY).toISOString(), 'デモ 担当', ['staff@demo'], 'progress', H1, ['done']],
    ]);
    expect(body.entries[0]!.changes.evaluation).toEqual({ from: '○', to: '△' });
    expect(body.entries.every((e) => e.planId === DEMO_PLAN_ID)).toBe(true);
  });

  it('filters by from (inclusive) and to (exclusive); a date is a whole day in Japan time', async () => {
    const at = async (query: string) => auditResponseSchema.parse(await (await get(`${AUDIT}?${query}`, tokens.admin)).json()).entries.map((e) => e.at);
    const day1 = new Date(T0.getTime() + DAY).toISOString();
    const day2 = new Date(T0.getTime() + 2 * DAY).toISOString();
    // T0 is 2026-05-01 18:00 in Japan.
    expect(await at('from=2026-05-02')).toEqual([day1, day2]);
    expect(await at('to=2026-05-01')).toEqual([T0.toISOString()]);
    expect(await at('from=2026-05-02&to=2026-05-02')).toEqual([day1]);
    expect(await at(`from=${encodeURIComponent(day1)}&to=${encodeURIComponent(day2)}`)).toEqual([day1]);
    expect(await at('from=2026-05-02T18:00:00%2B09:00')).toEqual([day1, day2]);
    expect(await at('from=2027-01-01')).toEqual([]);
  });

  it('exports CSV for Excel: UTF-8 with BOM, CRLF, one row per field, quoted and formula-safe', async () => {
    const res = await get(`${AUDIT}?format=csv`, tokens.lead);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="audit-demo-tokyo.csv"');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes.slice(3));
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('日時(UTC),日時(日本時間),変更者,メールアドレス,計画ID,表,記録ID,項目ID,フィールド,変更前,変更後,履歴ID');
    expect(lines.at(-1)).toBe('');
    expect(lines[1]).toMatch(/^2026-05-01T09:00:00.000Z,2026-05-01 18:00:00,デモ 担当,staff@demo,demo-tokyo-r6,progress,/);
    expect(text).toContain(`,done,"'=HYPERLINK(""http://x"",""y"")","訪問した, ""3社""\n次回は7月",`);
    expect(text).toContain(`,evaluation,○,△,`);
    // Excel would run a cell that starts with =; it is shown as text instead.
    expect(text).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(text).not.toContain('大阪の記録');
  });

  it('resolves a name several members of the branch share to all of them', async () => {
    const namesake = await createUser(s.storage, { email: 'namesake@test', name: 'デモ 担当', password: 'password-123' }, T0, TEST_PASSWORD_COST);
    await s.storage.setMembership({ userId: namesake.id, branchId: 'demo-tokyo', role: 'staff' });
    const body = auditResponseSchema.parse(await (await get(AUDIT, tokens.lead)).json());
    expect(body.entries[0]!.emails).toEqual(['namesake@test', 'staff@demo']);
  });

  it('shows no email of an account that belongs to other branches only', async () => {
    // Namesakes of people who edit the one branch, made members of the other branch alone.
    const inOsaka = await createUser(s.storage, { email: 'osaka-namesake@test', name: 'デモ 担当', password: 'password-123' }, T0, TEST_PASSWORD_COST);
    await s.storage.setMembership({ userId: inOsaka.id, branchId: OTHER_BRANCH, role: 'staff' });
    const inTokyo = await createUser(s.storage, { email: 'tokyo-namesake@test', name: '大阪 花子', password: 'password-123' }, T0, TEST_PASSWORD_COST);
    await s.storage.setMembership({ userId: inTokyo.id, branchId: 'demo-tokyo', role: 'staff' });
    // And one of no branch at all.
    await createUser(s.storage, { email: 'nobranch@test', name: 'デモ リーダー', password: 'password-123' }, T0, TEST_PASSWORD_COST);

    const tokyo = auditResponseSchema.parse(await (await get(AUDIT, tokens.lead)).json());
    expect(tokyo.entries.map((e) => [e.by, e.emails])).toEqual([
      ['デモ 担当', ['namesake@test', 'staff@demo']],
      ['デモ リーダー', ['lead@demo']],
      ['デモ 担当', ['namesake@test', 'staff@demo']],
    ]);
    const osaka = auditResponseSchema.parse(await (await get(`/api/branches/${OTHER_BRANCH}/audit`, tokens.other)).json());
    expect(osaka.entries.map((e) => [e.by, e.emails])).toEqual([['大阪 花子', ['other@test']]]);
    expect(JSON.stringify(osaka)).not.toMatch(/staff@demo|lead@demo|namesake@test|nobranch@test/);
    expect(auditCsv(osaka)).not.toContain('tokyo-namesake@test');

    // When no member of the branch has the name (any more), the email is empty, whoever elsewhere has it.
    const other = (await s.storage.getUserByEmail('other@test'))!;
    await s.storage.removeMembership(other.id, OTHER_BRANCH);
    try {
      const orphaned = await auditOfBranch(s.storage, OTHER_BRANCH, { from: null, to: null });
      expect(orphaned.entries.map((e) => [e.by, e.emails])).toEqual([['大阪 花子', []]]);
      expect(auditCsv(orphaned).split('\r\n')[1]).toMatch(/^[^,]+,[^,]+,大阪 花子,,osaka-2024,/);
    } finally {
      await s.storage.setMembership({ userId: other.id, branchId: OTHER_BRANCH, role: 'lead' });
    }
  });

  it.each([
    ['staff of the branch', 'staff', AUDIT, 403, 'forbidden'],
    ['lead of another branch', 'other', AUDIT, 403, 'forbidden'],
    ['a branch that does not exist', 'admin', '/api/branches/nowhere/audit', 403, 'forbidden'],
    ['no token', null, AUDIT, 401, 'unauthorized'],
    ['a malformed branch id', 'admin', '/api/branches/..%2F..%2Fetc/audit', 400, 'bad_request'],
    ['an unknown parameter', 'lead', `${AUDIT}?since=2026-01-01`, 400, 'bad_request'],
    ['a date that does not exist', 'lead', `${AUDIT}?from=2026-02-30`, 400, 'bad_request'],
    ['a time without offset', 'lead', `${AUDIT}?from=2026-05-01T10:00:00`, 400, 'bad_request'],
    ['an unknown format', 'lead', `${AUDIT}?format=xml`, 400, 'bad_request'],
    ['a repeated parameter', 'lead', `${AUDIT}?from=2026-05-01&from=2026-05-02`, 400, 'bad_request'],
    ['from after to', 'lead', `${AUDIT}?from=2026-05-03&to=2026-05-01`, 400, 'bad_request'],
  ] as const)('refuses %s', async (_name, who, path, status, code) => {
    const before = s.snapshot();
    const res = await get(path, who === null ? undefined : tokens[who]);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toEqual(expect.any(String));
    expect(s.snapshot().equals(before)).toBe(true);
  });
});

describe('npm run admin -- audit', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracker-audit-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function admin(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), storage: s.storage, now: s.now });
    return { code, stdout, stderr };
  }

  it('prints the same entries as the API, as JSON', async () => {
    const cli = await admin('audit', '--branch', 'demo-tokyo', '--format', 'json', '--from', '2026-05-01');
    expect(cli.code).toBe(0);
    const api = (await (await get(`${AUDIT}?from=2026-05-01`, tokens.lead)).json()) as AuditResponse;
    expect(auditResponseSchema.parse(JSON.parse(cli.stdout))).toEqual(api);
  });

  it('writes CSV with a BOM to a file', async () => {
    const out = join(dir, 'audit.csv');
    const res = await admin('audit', '--branch', 'demo-tokyo', '--out', out);
    expect(res).toMatchObject({ code: 0, stdout: `wrote 3 change(s) of demo-tokyo to ${out}\n` });
    const text = await readFile(out, 'utf8');
    expect(text.startsWith('\uFEFF日時(UTC),')).toBe(true);
    expect(text.split('\r\n')).toHaveLength(1 + 4 + 1);
  });

  it.each([
    [['audit'], 2, '--branch is required'],
    [['audit', '--branch', 'nowhere'], 1, 'no branch nowhere'],
    [['audit', '--branch', 'demo-tokyo', '--from', '2026-13-01'], 2, '--from'],
    [['audit', '--branch', 'demo-tokyo', '--format', 'xlsx'], 2, '--format'],
    [['audit', '--branch', 'demo-tokyo', '--from', '2026-05-03', '--to', '2026-05-01'], 2, '--from is after --to'],
  ] as const)('refuses %j with exit %i', async (argv, code, message) => {
    const res = await admin(...argv);
    expect(res.code).toBe(code);
    expect(res.stderr).toContain(message);
  });
});
