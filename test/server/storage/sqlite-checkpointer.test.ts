// The WAL checkpointer copies committed pages back into the database file from its own thread:
// with the writer's automatic checkpoints off, only it can make the main file grow.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../../src/server/storage/sqlite-checkpointer';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('startCheckpointer', () => {
  it('checkpoints the WAL into the database file while the writer does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracker-checkpoint-'));
    dirs.push(dir);
    const path = join(dir, 'test.sqlite');
    const writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    writer.pragma('wal_checkpoint(TRUNCATE)');
    const before = statSync(path).size;
    const insert = writer.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < 2000; i++) insert.run('x'.repeat(200));
    expect(statSync(path).size).toBe(before);

    const errors: string[] = [];
    const checkpointer = startCheckpointer(path, { intervalMs: 20, onError: (m) => errors.push(m) });
    try {
      await expect.poll(() => statSync(path).size, { timeout: 5000 }).toBeGreaterThan(before + 200_000);
    } finally {
      await checkpointer.stop();
      writer.close();
    }
    expect(errors).toEqual([]);
  });

  it('stops at once when its worker already died', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracker-checkpoint-'));
    dirs.push(dir);
    const errors: string[] = [];
    // A folder is no database: the worker throws on opening it and exits.
    const checkpointer = startCheckpointer(dir, { intervalMs: 20, onError: (m) => errors.push(m) });
    await expect.poll(() => errors.length, { timeout: 5000 }).toBeGreaterThan(0);
    // Its exit follows the error: let it pass before stopping.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = await Promise.race([
      checkpointer.stop().then(() => 'stopped'),
      new Promise((resolve) => setTimeout(resolve, 5000, 'still waiting after 5 s')),
    ]);
    expect(stopped).toBe('stopped');
  });
});
