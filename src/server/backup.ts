// Backup and restore of the embedded SQLite database (`npm run admin -- backup|restore`).
// A backup is SQLite's online backup (consistent while the server writes) into a temporary file
// beside the target, made one self-contained file, synced and renamed into place. A restore
// checks the file is a tracker database this version can open (its migrations, tables and
// integrity), refuses while any process has the database open, and swaps files by rename, so a
// crash leaves the old or the new database whole; the replaced files are kept beside it.
// PostgreSQL is pg_dump's and pg_restore's.
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { migrationProvider } from './storage/migrations/index';
import type { SqliteStorage } from './storage/sqlite';
import { CURSOR_EPOCH_META_KEY } from './sync';

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export const POSTGRES_BACKUP_HINT =
  'backup and restore of PostgreSQL are pg_dump\'s and pg_restore\'s (e.g. pg_dump --format=custom --file=FILE "$DATABASE_URL"; ' +
  'pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" FILE, servers stopped), ' +
  "then `npm run admin -- reset-cursors` once before starting the servers: it resets the devices' cursors and ends every session (see docs/deploy.md)";

/** What an administrator must know after a restore, printed by restore and reset-cursors. */
export const AFTER_RESTORE_NOTICE =
  'every session has ended: passwords and roles are those of the backup, and everyone must sign in again ' +
  '(with the password they had at the time of the backup); edits waiting on devices stay there and are sent after sign-in';

/** The tables a tracker database has (migrations/001-initial.ts). */
const TRACKER_TABLES = ['meta', 'counters', 'branches', 'users', 'memberships', 'tokens', 'login_failures', 'clients', 'mutation_results', 'records'];
const SIDECARS = ['-wal', '-shm', '-journal'];

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The directory too, so that a rename is on disk before we say it is done. */
const fsyncDir = (path: string) => fsyncPath(dirname(path));

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

async function removeWithSidecars(path: string): Promise<void> {
  for (const suffix of ['', ...SIDECARS]) await rm(path + suffix, { force: true });
}

function sameFile(a: string, b: string): boolean {
  return resolve(a) === resolve(b);
}

/**
 * Checks that `path` is a tracker database this version can open, and makes it one file
 * (rollback journal, no WAL beside it). Throws BackupError saying what is wrong.
 */
export async function checkTrackerDatabase(path: string): Promise<{ version: number; migrations: string[] }> {
  const known = new Set(Object.keys(await migrationProvider.getMigrations()));
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    // The first statement is the one that finds out whether this is SQLite at all.
    db.pragma('journal_mode = DELETE');
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new BackupError(`the database is damaged (integrity_check: ${String(integrity)})`);
    const tables = new Set(db.prepare(`select name from sqlite_master where type = 'table'`).pluck().all() as string[]);
    const missing = ['kysely_migration', ...TRACKER_TABLES].filter((t) => !tables.has(t));
    if (missing.length) throw new BackupError(`not a tracker database (no table ${missing.join(', ')})`);
    const migrations = db.prepare('select name from kysely_migration order by name').pluck().all() as string[];
    if (migrations.length === 0) throw new BackupError('not a tracker database (no migration has run)');
    const unknown = migrations.filter((m) => !known.has(m));
    if (unknown.length) throw new BackupError(`made by a newer version of the tracker (migrations ${unknown.join(', ')} are unknown here)`);
    // Since migration 004 each branch counts its own versions: the highest of them stands for the database.
    const version = (
      migrations.includes('004-branch-versions')
        ? db.prepare(`select coalesce(max(value), 0) from branch_versions`).pluck().get()
        : db.prepare(`select value from counters where name = 'version'`).pluck().get()
    ) as number | bigint | undefined;
    if (version === undefined) throw new BackupError('not a tracker database (no version counter)');
    return { version: Number(version), migrations };
  } catch (e) {
    if (e instanceof BackupError) throw e;
    throw new BackupError(`not a tracker database (${(e as Error).message})`);
  } finally {
    db?.close();
  }
}

/**
 * Copies the open database into `target` (replacing it), online. `livePath` is the database's
 * own file, never a target.
 */
export async function backupSqlite(storage: SqliteStorage, target: string, livePath: string | null): Promise<{ version: number; bytes: number }> {
  const out = resolve(target);
  if (livePath !== null && ['', ...SIDECARS].some((suffix) => sameFile(out, livePath + suffix)))
    throw new BackupError('the backup cannot be written over the database itself');
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${randomUUID()}`);
  try {
    await storage.backup(tmp);
    const { version } = await checkTrackerDatabase(tmp);
    await fsyncPath(tmp);
    await rename(tmp, out);
    await fsyncDir(out);
    return { version, bytes: (await stat(out)).size };
  } catch (e) {
    await removeWithSidecars(tmp);
    if (e instanceof BackupError) throw e;
    throw new BackupError(`cannot write ${target}: ${(e as Error).message}`);
  }
}

/**
 * Takes the database at `livePath` for this process alone, folds its WAL in and closes it, so
 * that its file is whole; throws when another process (a server, an admin command) has it open.
 */
function quiesce(livePath: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(livePath, { fileMustExist: true, timeout: 0 });
    // Every connection in WAL mode holds a shared lock for as long as it is open, even idle.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new BackupError('the database is in use: stop the server (every instance) and any other admin command first, then restore');
    }
    // A damaged database is what one restores over: it is kept aside as it is.
    if (!code.startsWith('SQLITE_NOTADB') && !code.startsWith('SQLITE_CORRUPT')) throw e;
  } finally {
    db?.close();
  }
}

/**
 * Replaces the database at `livePath` with the backup `source`. The server must be stopped. The
 * replaced database (and any WAL of it) is renamed to `<livePath>.before-restore-<time>`.
 * Cursors of devices made before the restore are reset on their next sync (CURSOR_EPOCH_META_KEY),
 * and every session ends: each token of the backup is revoked (passwords and roles are the
 * backup's, so everyone signs in again with those).
 */
export async function restoreSqlite(source: string, livePath: string, now: Date): Promise<{ version: number; kept: string | null }> {
  const from = resolve(source);
  if (sameFile(from, livePath)) throw new BackupError('that is the database itself');
  if (
    !(await stat(from).then(
      (s) => s.isFile(),
      () => false,
    ))
  )
    throw new BackupError(`no file ${source}`);
  await mkdir(dirname(livePath), { recursive: true });
  const tmp = join(dirname(livePath), `.${basename(livePath)}.restore-${randomUUID()}`);
  let version: number;
  try {
    await copyFile(from, tmp);
    ({ version } = await checkTrackerDatabase(tmp));
    const db = new Database(tmp, { fileMustExist: true });
    try {
      db.transaction(() => {
        db.prepare('insert into meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value').run(
          CURSOR_EPOCH_META_KEY,
          randomUUID().slice(0, 8),
        );
        // The backup's tokens include ones revoked since (a password change, a removed role's
        // holder logged out): none of them may come back, so every session ends here. Tokens
        // issued after the backup are not in it at all.
        db.prepare('update tokens set revoked_at = ? where revoked_at is null').run(now.toISOString());
      })();
    } finally {
      db.close();
    }
    await fsyncPath(tmp);
  } catch (e) {
    await removeWithSidecars(tmp);
    if (e instanceof BackupError) throw new BackupError(`${source}: ${e.message}`);
    throw new BackupError(`cannot read ${source}: ${(e as Error).message}`);
  }
  const aside = `${livePath}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
  let kept: string | null = null;
  try {
    if (await exists(livePath)) {
      quiesce(livePath);
      kept = aside;
      await rename(livePath, aside);
    }
    // No stale WAL or shared memory may sit beside the restored file.
    for (const suffix of SIDECARS) {
      if (await exists(livePath + suffix)) {
        kept = aside;
        await rename(livePath + suffix, aside + suffix);
      }
    }
    await rename(tmp, livePath);
    await fsyncDir(livePath);
  } catch (e) {
    await removeWithSidecars(tmp);
    throw e;
  }
  return { version, kept };
}
