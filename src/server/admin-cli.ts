// `npm run admin -- <command>`: the administrator's commands on the server's database
// (PostgreSQL when DATABASE_URL names it, else $DATA_DIR/tracker.sqlite, DATA_DIR default
// ./data): branches, users and their roles, passwords, tokens, importing a plan file into a
// branch, a branch's audit log, and backup and restore of the SQLite file. Safe to run while
// the server runs (the database serializes writers), except restore, which needs it stopped.
// Exit codes: 0 done, 1 refused (e.g. a duplicate or unknown name), 2 bad usage. main() takes
// its arguments, output writers and environment so tests run it in-process.
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parsePlanFileText } from '../model/plan-file';
import { auditQuerySchema, ROLES, type Role } from '../model/protocol';
import {
  AccountError,
  BRANCH_ID_PATTERN,
  createUser,
  generatePassword,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  normalizeEmail,
  type PasswordCost,
} from './accounts';
import { auditCsv, auditOfBranch, auditRange } from './audit-export';
import { AFTER_RESTORE_NOTICE, BackupError, backupSqlite, POSTGRES_BACKUP_HINT, restoreSqlite } from './backup';
import { importPlan, PlanImportError } from './plan-import';
import { CURSOR_EPOCH_META_KEY } from './sync';
import { openStorage, SQLITE_FILE } from './storage/open-storage';
import type { SqliteStorage } from './storage/sqlite';
import { StorageError, type AccountStore, type Storage, type User } from './storage/storage';

export interface AdminIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The database to use, left open; by default the one the environment names is opened and closed. */
  storage?: Storage;
  now?: () => Date;
  /** The cost of the password hashes it makes; PASSWORD_COST by default (tests pass a lower one). */
  passwordCost?: PasswordCost;
  /** DATA_DIR and DATABASE_URL; process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
}

const USAGE = `usage: npm run admin -- <command>   (database: DATABASE_URL, else $DATA_DIR/tracker.sqlite, DATA_DIR default ./data)
  add-branch ID NAME                          add a branch (支部)
  add-user EMAIL NAME [--password PW] [--branch ID --role ROLE]
                                              add a user (a password is generated and printed when none is given)
  grant EMAIL BRANCH ROLE                     give a user a role in a branch: staff | lead | admin | none (removes)
  reset-password EMAIL [--password PW]        set a new password (generated when none is given) and revoke the user's tokens
  revoke-tokens EMAIL                         log the user out everywhere
  import-plan --branch ID [--plan-id ID] FILE import a plan file into a branch (plan id default: BRANCH-FISCALYEAR)
  list                                        branches, users with their roles, and plans
  audit --branch ID [--from WHEN] [--to WHEN] [--format csv|json] [--out FILE]
                                              the branch's audit log: who changed what, when (CSV for Excel by default;
                                              WHEN is YYYY-MM-DD, a whole day in Japan time, or an ISO time with offset)
  backup FILE                                 copy the SQLite database into FILE, online (the server may run)
  restore FILE                                replace the SQLite database with a backup: stop the server first; the
                                              replaced file is kept beside it, devices pull everything again, and
                                              every session ends (passwords and roles are the backup's)
  reset-cursors                               after a pg_restore (servers stopped): make every device pull everything
                                              again and end every session
`;

class UsageError extends Error {}
class Refused extends Error {}

const IMPORT_AUTHOR = '管理者';

interface Context {
  /** Opens the database on first use (restore never does). */
  storage: () => Promise<Storage>;
  args: readonly string[];
  io: AdminIo;
  now: Date;
  dataDir: string;
  databaseUrl: string | undefined;
}

function parse(args: readonly string[], options: Record<string, { type: 'string' }>, positionals: number) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof options; allowPositionals: true; strict: true }>>;
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

async function userByEmail(storage: AccountStore, email: string): Promise<User> {
  const user = await storage.getUserByEmail(normalizeEmail(email));
  if (!user) throw new Refused(`no user ${email}`);
  return user;
}

async function branchExists(storage: AccountStore, id: string): Promise<void> {
  if (!(await storage.getBranch(id))) throw new Refused(`no branch ${id}`);
}

type Command = (storage: Storage, args: readonly string[], io: AdminIo, now: Date) => Promise<void>;

/** Backup and restore: they look at the settings before (or instead of) opening the database. */
type OwnCommand = (ctx: Context) => Promise<void>;

const isSqlite = (storage: Storage): storage is SqliteStorage => storage.dialect === 'sqlite' && 'backup' in storage;

const OWN_COMMANDS: Record<string, OwnCommand> = {
  async backup(ctx) {
    const { positionals } = parse(ctx.args, {}, 1);
    if (ctx.databaseUrl && !ctx.io.storage) throw new Refused(POSTGRES_BACKUP_HINT);
    const storage = await ctx.storage();
    if (!isSqlite(storage)) throw new Refused(POSTGRES_BACKUP_HINT);
    const { version, bytes } = await backupSqlite(storage, positionals[0]!, ctx.io.storage ? null : join(ctx.dataDir, SQLITE_FILE));
    ctx.io.stdout(`backed up to ${positionals[0]} (${bytes} bytes, version ${version})\n`);
  },

  async restore(ctx) {
    const { positionals } = parse(ctx.args, {}, 1);
    if (ctx.databaseUrl) throw new Refused(POSTGRES_BACKUP_HINT);
    if (ctx.io.storage) throw new Refused('restore replaces the database file: it runs on the DATA_DIR database, never on an open one');
    const live = join(ctx.dataDir, SQLITE_FILE);
    const { version, kept } = await restoreSqlite(positionals[0]!, live, ctx.now);
    ctx.io.stdout(`restored ${live} from ${positionals[0]} (version ${version}); devices pull everything again on their next sync\n`);
    ctx.io.stdout(`${AFTER_RESTORE_NOTICE}\n`);
    if (kept) ctx.io.stdout(`the replaced database is kept as ${kept}\n`);
  },
};

const COMMANDS: Record<string, Command> = {
  async 'add-branch'(storage, args, io, now) {
    const { positionals } = parse(args, {}, 2);
    const [id, name] = positionals as [string, string];
    if (!BRANCH_ID_PATTERN.test(id)) throw new Refused('a branch id is 1–64 letters, digits, - or _');
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
    const user = await createUser(storage, { email, name, password }, now, io.passwordCost);
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
    await storage.setPasswordHash(user.id, await hashPassword(password, io.passwordCost));
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

  async 'reset-cursors'(storage, args, io, now) {
    parse(args, {}, 0);
    // The same as restore does for SQLite: every device's next pull starts over from the start,
    // and no token of the restored database (some revoked after the dump) comes back.
    const epoch = randomUUID().slice(0, 8);
    await storage.setMeta(CURSOR_EPOCH_META_KEY, epoch);
    const revoked = await storage.revokeAllTokens(now.toISOString());
    io.stdout(`cursor epoch set to ${epoch}: every device pulls everything again on its next sync (restart running servers)\n`);
    io.stdout(`${revoked} token(s) revoked; ${AFTER_RESTORE_NOTICE}\n`);
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
    const n = await importPlan(storage, {
      branchId: values.branch,
      planId,
      file: parsed.file,
      now,
      author: IMPORT_AUTHOR,
      newId: () => `${planId}/note-${randomUUID()}`,
    });
    io.stdout(`imported ${path} into ${values.branch} as plan ${planId} (${n} records)\n`);
  },

  async audit(storage, args, io) {
    const { values } = parse(
      args,
      { branch: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
      0,
    );
    if (values.branch === undefined) throw new UsageError('--branch is required');
    if (!BRANCH_ID_PATTERN.test(values.branch)) throw new Refused('a branch id is 1–64 letters, digits, - or _');
    const query = auditQuerySchema.safeParse({
      ...(values.from === undefined ? {} : { from: values.from }),
      ...(values.to === undefined ? {} : { to: values.to }),
      ...(values.format === undefined ? {} : { format: values.format }),
    });
    if (!query.success) throw new UsageError(query.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
    const range = auditRange(query.data);
    if (!range) throw new UsageError('--from is after --to');
    await branchExists(storage, values.branch);
    const audit = await auditOfBranch(storage, values.branch, range);
    const text = (query.data.format ?? 'csv') === 'csv' ? auditCsv(audit) : `${JSON.stringify(audit, null, 2)}\n`;
    if (values.out === undefined) {
      io.stdout(text);
      return;
    }
    try {
      await writeFile(values.out, text, 'utf8');
    } catch (e) {
      throw new Refused(`cannot write ${values.out}: ${(e as Error).message}`);
    }
    io.stdout(`wrote ${audit.entries.length} change(s) of ${values.branch} to ${values.out}\n`);
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
  // Own properties only: `toString` is no command.
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  const own = Object.hasOwn(OWN_COMMANDS, command) ? OWN_COMMANDS[command] : undefined;
  if (!run && !own) {
    io.stderr(`unknown command: ${command}\n${USAGE}`);
    return 2;
  }
  const env = io.env ?? process.env;
  const dataDir = resolve(env.DATA_DIR || './data');
  const databaseUrl = env.DATABASE_URL || undefined;
  let opened: Storage | undefined;
  const storage = async () => {
    if (io.storage) return io.storage;
    opened ??= await openStorage({ databaseUrl, dataDir });
    return opened;
  };
  const now = (io.now ?? (() => new Date()))();
  try {
    if (own) await own({ storage, args, io, now, dataDir, databaseUrl });
    else await run!(await storage(), args, io, now);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${command}: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof Refused || e instanceof AccountError || e instanceof PlanImportError || e instanceof StorageError || e instanceof BackupError) {
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
