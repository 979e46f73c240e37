// `npm run admin -- <command>`: the administrator's commands on the server's database (the
// one under DATA_DIR, default ./data): branches, users and their roles, passwords, tokens, and
// importing a plan file into a branch. Safe to run while the server runs (SQLite serializes
// writers). Exit codes: 0 done, 1 refused (e.g. a duplicate or unknown name), 2 bad usage.
// main() takes its arguments and output writers so tests run it in-process.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parsePlanFileText } from '../model/plan-file';
import { ROLES, type Role } from '../sync/protocol';
import { AccountError, createUser, generatePassword, hashPassword, MIN_PASSWORD_LENGTH, normalizeEmail } from './accounts';
import { importPlan, PlanImportError } from './plan-import';
import { openSqliteStorage } from './storage/sqlite';
import { StorageError, type Storage, type User } from './storage/storage';

export interface AdminIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The database to use, left open; by default $DATA_DIR/tracker.sqlite is opened and closed. */
  storage?: Storage;
  now?: () => Date;
}

const USAGE = `usage: npm run admin -- <command>   (database: $DATA_DIR/tracker.sqlite, DATA_DIR default ./data)
  add-branch ID NAME                          add a branch (支部)
  add-user EMAIL NAME [--password PW] [--branch ID --role ROLE]
                                              add a user (a password is generated and printed when none is given)
  grant EMAIL BRANCH ROLE                     give a user a role in a branch: staff | lead | admin | none (removes)
  reset-password EMAIL [--password PW]        set a new password (generated when none is given) and revoke the user's tokens
  revoke-tokens EMAIL                         log the user out everywhere
  import-plan --branch ID [--plan-id ID] FILE import a plan file into a branch (plan id default: BRANCH-FISCALYEAR)
  list                                        branches, users with their roles, and plans
`;

class UsageError extends Error {}
class Refused extends Error {}

const IMPORT_AUTHOR = '管理者';

function defaultOpen(): Promise<Storage> {
  const dataDir = resolve(process.env.DATA_DIR || './data');
  return mkdir(dataDir, { recursive: true }).then(() => openSqliteStorage(join(dataDir, 'tracker.sqlite')));
}

function parse(args: readonly string[], options: Record<string, { type: 'string' }>, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.positionals.length !== positionals) throw new UsageError(`expected ${positionals} argument(s), got ${parsed.positionals.length}`);
  return { values: parsed.values as Record<string, string | undefined>, positionals: parsed.positionals };
}

function parseRole(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new UsageError(`role must be one of ${ROLES.join(', ')}, not ${value}`);
  return value as Role;
}

function checkPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH) throw new Refused(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  return password;
}

async function userByEmail(storage: Storage, email: string): Promise<User> {
  const user = await storage.getUserByEmail(normalizeEmail(email));
  if (!user) throw new Refused(`no user ${email}`);
  return user;
}

async function branchExists(storage: Storage, id: string): Promise<void> {
  if (!(await storage.getBranch(id))) throw new Refused(`no branch ${id}`);
}

type Command = (storage: Storage, args: readonly string[], io: AdminIo, now: Date) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  async 'add-branch'(storage, args, io, now) {
    const { positionals } = parse(args, {}, 2);
    const [id, name] = positionals as [string, string];
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(id)) throw new Refused('a branch id is 1–64 letters, digits, - or _');
    if (!name.trim()) throw new Refused('the branch name is empty');
    await storage.addBranch({ id, name: name.trim(), createdAt: now.toISOString() });
    io.stdout(`added branch ${id} (${name.trim()})\n`);
  },

  async 'add-user'(storage, args, io, now) {
    const { values, positionals } = parse(args, { password: { type: 'string' }, branch: { type: 'string' }, role: { type: 'string' } }, 2);
    const [email, name] = positionals as [string, string];
    if ((values.branch === undefined) !== (values.role === undefined)) throw new UsageError('--branch and --role go together');
    const role = values.role === undefined ? undefined : parseRole(values.role);
    if (values.branch !== undefined) await branchExists(storage, values.branch);
    const password = values.password === undefined ? generatePassword() : checkPassword(values.password);
    const user = await createUser(storage, { email, name, password }, now);
    if (values.branch !== undefined && role) await storage.setMembership({ userId: user.id, branchId: values.branch, role });
    io.stdout(`added user ${user.email} (${user.name})${role ? ` as ${role} of ${values.branch}` : ''}\n`);
    if (values.password === undefined) io.stdout(`password: ${password}\n`);
  },

  async grant(storage, args, io) {
    const { positionals } = parse(args, {}, 3);
    const [email, branchId, roleText] = positionals as [string, string, string];
    const user = await userByEmail(storage, email);
    await branchExists(storage, branchId);
    if (roleText === 'none') {
      await storage.removeMembership(user.id, branchId);
      io.stdout(`${user.email} has no role in ${branchId} now\n`);
      return;
    }
    const role = parseRole(roleText);
    await storage.setMembership({ userId: user.id, branchId, role });
    io.stdout(`${user.email} is ${role} of ${branchId}\n`);
  },

  async 'reset-password'(storage, args, io, now) {
    const { values, positionals } = parse(args, { password: { type: 'string' } }, 1);
    const user = await userByEmail(storage, positionals[0]!);
    const password = values.password === undefined ? generatePassword() : checkPassword(values.password);
    await storage.setPasswordHash(user.id, await hashPassword(password));
    const revoked = await storage.revokeTokensOf(user.id, now.toISOString());
    io.stdout(`new password set for ${user.email}; ${revoked} token(s) revoked\n`);
    if (values.password === undefined) io.stdout(`password: ${password}\n`);
  },

  async 'revoke-tokens'(storage, args, io, now) {
    const { positionals } = parse(args, {}, 1);
    const user = await userByEmail(storage, positionals[0]!);
    const revoked = await storage.revokeTokensOf(user.id, now.toISOString());
    io.stdout(`${revoked} token(s) of ${user.email} revoked\n`);
  },

  async 'import-plan'(storage, args, io, now) {
    const { values, positionals } = parse(args, { branch: { type: 'string' }, 'plan-id': { type: 'string' } }, 1);
    if (values.branch === undefined) throw new UsageError('--branch is required');
    const path = positionals[0]!;
    await branchExists(storage, values.branch);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new Refused(`cannot read ${path}: ${(e as Error).message}`);
    }
    const parsed = parsePlanFileText(text);
    if (!parsed.ok) throw new Refused(`${path}: ${parsed.problems.length} problem(s)\n${parsed.problems.map((p) => `  ${p.where}: ${p.message}`).join('\n')}`);
    const planId = values['plan-id'] ?? `${values.branch}-${parsed.file.plan.fiscalYear}`;
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(planId)) throw new Refused('a plan id is 1–100 letters, digits, - or _');
    const n = await importPlan(storage, { branchId: values.branch, planId, file: parsed.file, now, author: IMPORT_AUTHOR, newId: () => `${planId}/note-${randomUUID()}` });
    io.stdout(`imported ${path} into ${values.branch} as plan ${planId} (${n} records)\n`);
  },

  async list(storage, args, io) {
    parse(args, {}, 0);
    const branches = await storage.listBranches();
    io.stdout(`branches (${branches.length}):\n`);
    for (const b of branches) io.stdout(`  ${b.id}\t${b.name}\n`);
    const users = await storage.listUsers();
    io.stdout(`users (${users.length}):\n`);
    for (const u of users) {
      const roles = (await storage.membershipsOf(u.id)).map((m) => `${m.role}@${m.branchId}`);
      io.stdout(`  ${u.email}\t${u.name}\t${roles.join(' ') || '(no branch)'}\n`);
    }
    const plans = (await storage.recordsOfTable('plans')).map((r) => {
      const plan = JSON.parse(r.data) as { title?: string; fiscalYear?: number; deleted?: boolean };
      return `  ${r.id}\t${r.branchId}\t${plan.fiscalYear ?? ''}\t${plan.title ?? ''}${plan.deleted ? '\t(deleted)' : ''}`;
    });
    io.stdout(`plans (${plans.length}):\n${plans.map((p) => `${p}\n`).join('')}`);
  },
};

export async function main(argv: readonly string[], io: AdminIo): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.stderr : io.stdout)(USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.stderr(`unknown command: ${command}\n${USAGE}`);
    return 2;
  }
  let opened: Storage | undefined;
  try {
    const storage = io.storage ?? (opened = await defaultOpen());
    await run(storage, args, io, (io.now ?? (() => new Date()))());
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${command}: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof Refused || e instanceof AccountError || e instanceof PlanImportError || e instanceof StorageError) {
      io.stderr(`${command}: ${e.message}\n`);
      return 1;
    }
    io.stderr(`${command}: failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await opened?.close();
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
